# The CUDA back end. FASTBLOCK_CUDA=AUTO enables it when a CUDA compiler (nvcc) is found, ON
# requires it, OFF never looks. When enabled, fastblock::cuda is a static library of kernels
# compiled by nvcc (src/cuda/); a program links it and includes <fastblock/cuda.hpp> (plain C++) to
# move tensors and models to the GPU. cuDNN is used for convolutions when its header and library
# are found next to the toolkit (FASTBLOCK_CUDNN=OFF skips it); im2col + cuBLAS otherwise.
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
  option(FASTBLOCK_CUDNN "Use cuDNN for convolutions when it is found" ON)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # Hopper machine code, plus PTX that the driver compiles for any other GPU from Turing on.
    set(CMAKE_CUDA_ARCHITECTURES 90-real 75-virtual)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)

  set(FASTBLOCK_WITH_CUDNN 0)
  if(FASTBLOCK_CUDNN)
    find_path(FASTBLOCK_CUDNN_INCLUDE cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    find_library(FASTBLOCK_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
    if(FASTBLOCK_CUDNN_INCLUDE AND FASTBLOCK_CUDNN_LIBRARY)
      set(FASTBLOCK_WITH_CUDNN 1)
    endif()
  endif()

  file(GLOB _fb_cuda_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/*.cu")
  add_library(fastblock_cuda STATIC ${_fb_cuda_sources})
  add_library(fastblock::cuda ALIAS fastblock_cuda)
  target_link_libraries(fastblock_cuda PUBLIC fastblock CUDA::cudart CUDA::cublas)
  target_include_directories(fastblock_cuda PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src/cuda")
  target_compile_definitions(fastblock_cuda PRIVATE FASTBLOCK_WITH_CUDNN=${FASTBLOCK_WITH_CUDNN})
  if(FASTBLOCK_WITH_CUDNN)
    target_include_directories(fastblock_cuda PRIVATE "${FASTBLOCK_CUDNN_INCLUDE}")
    target_link_libraries(fastblock_cuda PUBLIC "${FASTBLOCK_CUDNN_LIBRARY}")
  endif()
  # CMake 3.25 predates CUDA 13 and does not know its compile features; ask for C++20 directly.
  target_compile_options(fastblock_cuda PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-std=c++20 -Werror=all-warnings -Xcompiler=-Wall,-Wextra>)
  set_target_properties(fastblock_cuda PROPERTIES
    EXPORT_NAME cuda POSITION_INDEPENDENT_CODE ON CUDA_SEPARABLE_COMPILATION OFF)
  message(STATUS "fastblock: CUDA back end enabled (${CMAKE_CUDA_COMPILER}, architectures "
                 "${CMAKE_CUDA_ARCHITECTURES}, cuDNN ${FASTBLOCK_WITH_CUDNN})")
endif()
