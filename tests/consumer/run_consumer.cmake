# Installs the fastblock build tree into a temporary prefix, then configures, builds and runs
# tests/consumer against it with find_package — the path a user of an installed fastblock takes.
# Arguments: FASTBLOCK_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR CMAKE_CXX_COMPILER GENERATOR
#            WITH_PRECOMPILED
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGV}")
    message(FATAL_ERROR "consumer test: '${cmd}' failed (${rc})")
  endif()
endfunction()

run("${CMAKE_COMMAND}" --install "${FASTBLOCK_BINARY_DIR}" --prefix "${prefix}")
run("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer_header_only")
if(WITH_PRECOMPILED)
  if(NOT EXISTS "${WORK_DIR}/build/consumer_precompiled")
    message(FATAL_ERROR "consumer test: the install lacks fastblock::precompiled")
  endif()
  run("${WORK_DIR}/build/consumer_precompiled")
endif()
if(EXISTS "${WORK_DIR}/build/consumer_cuda")
  run("${WORK_DIR}/build/consumer_cuda")
endif()
message(STATUS "consumer test: find_package(fastblock) works from ${prefix}")
