# Findstb — the stb single-file libraries (Debian: libstb-dev, headers in /usr/include/stb).
# Defines the INTERFACE target stb::stb whose include directory makes `#include <stb_image.h>` work.
# fastblock defines STB_IMAGE_IMPLEMENTATION in exactly one header, so nothing here links.
find_path(stb_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(stb REQUIRED_VARS stb_INCLUDE_DIR)
if(stb_FOUND AND NOT TARGET stb::stb)
  add_library(stb::stb INTERFACE IMPORTED)
  set_target_properties(stb::stb PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${stb_INCLUDE_DIR}")
endif()
mark_as_advanced(stb_INCLUDE_DIR)
