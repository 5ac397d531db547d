# Finds what fastblock::fastblock links to. All come from Debian 12's packages:
#   libeigen3-dev libxtensor-dev libboost-dev libstb-dev nlohmann-json3-dev (scripts/install-deps
#   installs them). nlohmann_json parses the JSON header of safetensors weights files.
include(CMakeFindDependencyMacro)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(xtensor REQUIRED)
find_package(Boost 1.74 REQUIRED CONFIG)
find_package(stb REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
include(GNUInstallDirs)
