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

# Optional, for untar_data (data/untar.hpp): libarchive extracts archives (Debian libarchive-dev)
# and libcurl downloads URLs (libcurl4-openssl-dev). Without them untar_data says so at run time.
# -DCMAKE_DISABLE_FIND_PACKAGE_LibArchive=ON / ..._CURL=ON build without them on purpose.
find_package(LibArchive 3 QUIET)
find_package(CURL QUIET)
set(FASTBLOCK_WITH_LIBARCHIVE OFF)
if(LibArchive_FOUND)
  set(FASTBLOCK_WITH_LIBARCHIVE ON)
else()
  message(STATUS "fastblock: libarchive not found; untar_data will not extract archives")
endif()
# Optional, for decoding JPEGs (vision/image.hpp): libjpeg-turbo's TurboJPEG API (Debian
# libturbojpeg0-dev) decodes 2-3x faster than stb_image and can shrink in the DCT domain.
# Without it stb_image decodes JPEGs too. -DCMAKE_DISABLE_FIND_PACKAGE_libjpeg-turbo=ON opts out.
find_package(libjpeg-turbo 2 QUIET)
set(FASTBLOCK_WITH_TURBOJPEG OFF)
if(TARGET libjpeg-turbo::turbojpeg)
  set(FASTBLOCK_WITH_TURBOJPEG ON)
else()
  message(STATUS "fastblock: libjpeg-turbo not found; JPEGs decode through stb_image")
endif()
set(FASTBLOCK_WITH_CURL OFF)
if(CURL_FOUND)
  set(FASTBLOCK_WITH_CURL ON)
else()
  message(STATUS "fastblock: libcurl not found; untar_data will not download URLs")
endif()
