# install() rules and a relocatable package config, so that
#   find_package(fastblock 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE fastblock::fastblock)   # or fastblock::precompiled / ::cuda
# works from an install prefix.
include(CMakePackageConfigHelpers)
set(FASTBLOCK_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/fastblock")

install(DIRECTORY include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
set(_fb_targets fastblock)
if(TARGET fastblock_precompiled)
  list(APPEND _fb_targets fastblock_precompiled)
endif()
if(TARGET fastblock_cuda)
  list(APPEND _fb_targets fastblock_cuda)
endif()
install(TARGETS ${_fb_targets} EXPORT fastblockTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT fastblockTargets NAMESPACE fastblock:: DESTINATION "${FASTBLOCK_CMAKE_DIR}")

configure_package_config_file(cmake/fastblockConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/fastblockConfig.cmake" INSTALL_DESTINATION "${FASTBLOCK_CMAKE_DIR}")
# 0.x releases may break the API between minor versions, so only the same minor version matches.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/fastblockConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/fastblockConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/fastblockConfigVersion.cmake"
  cmake/Findstb.cmake
  DESTINATION "${FASTBLOCK_CMAKE_DIR}")
