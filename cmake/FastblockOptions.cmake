# Compiler settings for the project's own targets only (tests, examples, benchmarks, the
# precompiled library): warnings as errors, and the optional sanitizers. Users who link
# fastblock::fastblock get neither.
set(FASTBLOCK_WARNINGS -Wall -Wextra -Wpedantic -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # g++ 12 at -O3 reports impossible sizes and offsets inside std::string's inlined memcpy (GCC
  # bugs 105329, 105651, 107852): keep them visible as warnings, not errors.
  list(APPEND FASTBLOCK_WARNINGS -Wno-error=restrict -Wno-error=stringop-overflow
       -Wno-error=array-bounds)
endif()
if(FASTBLOCK_ARCH AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # With AVX-512 enabled, g++ reports -Wmaybe-uninitialized inside its own intrinsics headers as
  # Eigen inlines them (avx512fintrin.h's unpack helpers, whose _mm512_undefined_ps operand is
  # uninitialised on purpose; at -O2 it is reported as -Wuninitialized): warnings, not errors.
  list(APPEND FASTBLOCK_WARNINGS -Wno-error=maybe-uninitialized -Wno-error=uninitialized)
endif()
set(FASTBLOCK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)

function(fastblock_project_target target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${FASTBLOCK_WARNINGS}>)
  if(FASTBLOCK_SANITIZE)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${FASTBLOCK_SANITIZER_FLAGS}>)
    target_link_options(${target} PRIVATE ${FASTBLOCK_SANITIZER_FLAGS})
  endif()
endfunction()
