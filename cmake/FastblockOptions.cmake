# Compiler settings for the project's own targets only (tests, examples, benchmarks, the
# precompiled library): warnings as errors, and the optional sanitizers. Users who link
# fastblock::fastblock get neither.
set(FASTBLOCK_WARNINGS -Wall -Wextra -Wpedantic -Werror)
set(FASTBLOCK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)

function(fastblock_project_target target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${FASTBLOCK_WARNINGS}>)
  if(FASTBLOCK_SANITIZE)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${FASTBLOCK_SANITIZER_FLAGS}>)
    target_link_options(${target} PRIVATE ${FASTBLOCK_SANITIZER_FLAGS})
  endif()
endfunction()
