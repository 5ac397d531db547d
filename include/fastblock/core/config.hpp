// fastblock/core/config.hpp — build-mode switches shared by every header.
//
// fastblock is header-only by default: every function is defined in the headers and marked
// `FASTBLOCK_FUNC` (= inline). Linking the optional `fastblock::precompiled` CMake target defines
// FASTBLOCK_PRECOMPILED; then the headers only declare the non-template functions and the common
// template instantiations (`extern template`), and src/fastblock.cpp compiles them once. This is
// fmt's pattern: header-only as an option, not a tax on every translation unit.
#pragma once

#if defined(FASTBLOCK_PRECOMPILED) && !defined(FASTBLOCK_COMPILING_LIBRARY)
#define FASTBLOCK_HEADER_ONLY 0
#else
#define FASTBLOCK_HEADER_ONLY 1
#endif

// Marks a non-template function defined in an `*-inl.hpp` file.
#if defined(FASTBLOCK_PRECOMPILED)
#define FASTBLOCK_FUNC
#else
#define FASTBLOCK_FUNC inline
#endif

#define FASTBLOCK_VERSION_MAJOR 0
#define FASTBLOCK_VERSION_MINOR 1
#define FASTBLOCK_VERSION_PATCH 0
