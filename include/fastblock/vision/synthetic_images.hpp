// fastblock/vision/synthetic_images.hpp — a PASCAL_2007-shaped image dataset, generated.
//
// Contract: make_synthetic_pascal(folder, options) writes folder/train.csv — the frame of
// synthetic_pascal_frame (data/synthetic.hpp: fname, labels, is_valid; written by to_csv, quoted
// where CSV needs it, as pandas writes the real file) — and one JPEG per row,
// folder/train/<fname>. Each image is a noisy, cluttered background in muted colours with, for
// each of its labels, one object drawn at a random position and scale (each in its own
// vertical slot, so none hides another): the class decides its
// shape (10 shapes: disc, square, triangle, ring, plus, diamond, striped block, X, frame, tall
// ellipse) and its saturated colour (20 hues; two classes of one shape have opposite hues, two
// classes of neighbouring hues have different shapes), so a small CNN can learn the labels from
// the pixels. Image sizes vary around options.size by up to size_jitter. Everything is a pure
// function of the options: the same options give byte-identical files on every run (each image
// draws from its own Generator::derive(seed, {row})). The call is idempotent: a marker file
// (folder/.fastblock-synthetic) records the options, and in a folder already holding the same
// dataset only images that went missing are drawn again (the result says whether anything was
// written); the marker is written last, so an interrupted first run is redone. Bad options throw
// value_error; files that cannot be written throw io_error naming them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include <fastblock/core/config.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// Options of make_synthetic_pascal.
struct SyntheticPascalImagesOptions {
  /// Number of rows and images (PASCAL_2007's train.csv has 5011).
  std::size_t n_rows = 5011;
  /// Seed of the frame and of every image.
  std::uint64_t seed = 2007;
  /// Probability that a row is marked is_valid = True.
  double valid_fraction = 0.5;
  /// Typical image size, {h, w}; each image differs by up to size_jitter of it (at least 16 a
  /// side).
  ImageSize size = {96, 128};
  /// Largest relative change of each side from `size` (0 to 0.5).
  double size_jitter = 0.15;
  /// JPEG quality (1-100).
  int quality = 90;
};

/// What make_synthetic_pascal wrote (or found).
struct SyntheticDataset {
  /// folder/train.csv.
  std::filesystem::path csv;
  /// folder/train, which holds the images.
  std::filesystem::path images;
  /// Number of images (rows).
  std::size_t n_images = 0;
  /// Whether anything was written (false when the folder already held the whole dataset).
  bool generated = false;
};

/// Writes the dataset (see the contract above) into `folder`, created if needed.
SyntheticDataset make_synthetic_pascal(const std::filesystem::path& folder,
                                       const SyntheticPascalImagesOptions& options = {});

/// Draws image `row` of the dataset with these labels (class indices into pascal_classes), as
/// make_synthetic_pascal does; value_error for a class index outside 0-19.
[[nodiscard]] Image synthetic_pascal_image(const SyntheticPascalImagesOptions& options,
                                           std::size_t row, std::span<const int> classes);

/// The colour of class `index` (0-19) in synthetic images; value_error outside that range.
[[nodiscard]] Rgb synthetic_class_colour(int index);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/synthetic_images-inl.hpp>
#endif
