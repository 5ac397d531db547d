// fastblock/vision/image_block-inl.hpp — out-of-line definitions for vision/image_block.hpp.
//
// Included by image_block.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <filesystem>

#include <fastblock/core/config.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/image_block.hpp>

namespace fastblock {

FASTBLOCK_FUNC Image ImageBlock::encode(const std::filesystem::path& path) const {
  return load_image(path, options_);
}

}  // namespace fastblock
