# The CUDA back end. FASTBLOCK_CUDA=AUTO enables it when a CUDA compiler (nvcc) is found, ON
# requires it, OFF never looks. When enabled, the INTERFACE target fastblock::cuda carries what a
# user's .cu translation unit needs (fastblock, the CUDA runtime and cuBLAS). The default
# architectures are sm_90 code plus compute_90 PTX, which newer GPUs JIT-compile.
set(FASTBLOCK_WITH_CUDA OFF)
if(FASTBLOCK_CUDA STREQUAL "ON")
  set(FASTBLOCK_WITH_CUDA ON)
elseif(FASTBLOCK_CUDA STREQUAL "AUTO")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(FASTBLOCK_WITH_CUDA ON)
  else()
    message(STATUS "fastblock: no CUDA compiler found; building the CPU back end only")
  endif()
elseif(NOT FASTBLOCK_CUDA STREQUAL "OFF")
  message(FATAL_ERROR "FASTBLOCK_CUDA must be AUTO, ON or OFF, got '${FASTBLOCK_CUDA}'")
endif()

if(FASTBLOCK_WITH_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  add_library(fastblock_cuda INTERFACE)
  add_library(fastblock::cuda ALIAS fastblock_cuda)
  target_link_libraries(fastblock_cuda INTERFACE fastblock CUDA::cudart CUDA::cublas)
  # CMake 3.25 predates CUDA 13 and does not know its compile features; ask for C++20 directly.
  target_compile_options(fastblock_cuda INTERFACE $<$<COMPILE_LANGUAGE:CUDA>:-std=c++20>)
  set_target_properties(fastblock_cuda PROPERTIES EXPORT_NAME cuda)
  message(STATUS "fastblock: CUDA back end enabled (${CMAKE_CUDA_COMPILER}, "
                 "architectures ${CMAKE_CUDA_ARCHITECTURES})")
endif()
