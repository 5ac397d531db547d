# Findstb — the stb single-file libraries (Debian: libstb-dev, headers in /usr/include/stb, and
# libstb.so, which holds their implementations). Defines the IMPORTED target stb::stb whose
# include directory makes `#include <stb_image.h>` work and which links libstb; fastblock includes
# only the declarations (vision/image-inl.hpp) and never defines STB_IMAGE_IMPLEMENTATION.
find_path(stb_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
find_library(stb_LIBRARY NAMES stb)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(stb REQUIRED_VARS stb_INCLUDE_DIR stb_LIBRARY)
if(stb_FOUND AND NOT TARGET stb::stb)
  add_library(stb::stb UNKNOWN IMPORTED)
  set_target_properties(stb::stb PROPERTIES
    IMPORTED_LOCATION "${stb_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${stb_INCLUDE_DIR}")
endif()
mark_as_advanced(stb_INCLUDE_DIR stb_LIBRARY)
