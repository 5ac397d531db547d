# Helpers for fastblock's own test suite.

# fastblock_add_compile_fail_test(name source regex)
# `source` must fail to compile when FASTBLOCK_COMPILE_FAIL is defined, with compiler output that
# matches `regex` (our static_assert text). Without the macro the same file must compile, which
# proves the failure comes from the one line under test and not from a typo elsewhere.
function(fastblock_add_compile_fail_test name source regex)
  add_library(compile_ok_${name} OBJECT "${source}")
  target_link_libraries(compile_ok_${name} PRIVATE ${FASTBLOCK_TEST_LIBRARY})
  fastblock_project_target(compile_ok_${name})

  add_library(compile_fail_${name} OBJECT EXCLUDE_FROM_ALL "${source}")
  target_link_libraries(compile_fail_${name} PRIVATE ${FASTBLOCK_TEST_LIBRARY})
  target_compile_definitions(compile_fail_${name} PRIVATE FASTBLOCK_COMPILE_FAIL)
  add_test(NAME compile_fail.${name}
    COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}" --target compile_fail_${name})
  set_tests_properties(compile_fail.${name} PROPERTIES
    PASS_REGULAR_EXPRESSION "${regex}" RESOURCE_LOCK fastblock_build_tree)
endfunction()

# fastblock_add_header_tests(include_dir)
# One test per public header (not the -inl files, see below): a translation unit that includes
# only that header (twice) must compile on its own. ctest reports each one's time, which is the
# header's parse cost (in a precompiled-mode build, the cost a user of fastblock::precompiled
# pays).
function(fastblock_add_header_tests include_dir)
  file(GLOB_RECURSE headers RELATIVE "${include_dir}" CONFIGURE_DEPENDS "${include_dir}/fastblock/*.hpp")
  # The CUDA headers are compiled by nvcc only (their own tests cover them).
  list(FILTER headers EXCLUDE REGEX "^fastblock/cuda/")
  set(flags -std=c++20 -fsyntax-only ${FASTBLOCK_WARNINGS} "-I${include_dir}")
  # Users never include an -inl file: X.hpp includes X-inl.hpp in header-only mode (so testing
  # X.hpp compiles both) and the library's translation unit compiles them in precompiled mode.
  list(FILTER headers EXCLUDE REGEX "-inl\\.hpp$")
  if(FASTBLOCK_TEST_PRECOMPILED)
    # What a user of fastblock::precompiled compiles: declarations without the -inl bodies.
    list(APPEND flags -DFASTBLOCK_PRECOMPILED)
  endif()
  foreach(dep Eigen3::Eigen xtensor xtl Boost::headers stb::stb nlohmann_json::nlohmann_json)
    if(TARGET ${dep})
      get_target_property(dirs ${dep} INTERFACE_INCLUDE_DIRECTORIES)
      foreach(dir IN LISTS dirs)
        # -isystem /usr/include would reorder the compiler's own search path (include_next).
        if(NOT dir STREQUAL "/usr/include")
          list(APPEND flags "-isystem${dir}")
        endif()
      endforeach()
    endif()
  endforeach()
  foreach(header IN LISTS headers)
    string(MAKE_C_IDENTIFIER "${header}" id)
    set(tu "${CMAKE_CURRENT_BINARY_DIR}/headers/${id}.cpp")
    file(CONFIGURE OUTPUT "${tu}"
      CONTENT "#include <${header}>\n#include <${header}>\nint main() { return 0; }\n")
    add_test(NAME header.${header} COMMAND "${CMAKE_CXX_COMPILER}" ${flags} "${tu}")
  endforeach()
endfunction()
