// fastblock/vision/synthetic_biwi.hpp — a generated dataset in BIWI_HEAD_POSE's layout.
//
// Contract: make_synthetic_biwi(folder, options) writes what the seed's head-centre regression
// reads, in the real dataset's formats, so the seed's code runs unchanged on it:
//   folder/01 ... folder/NN            one folder per person (the seed validates on "13");
//   folder/PP/rgb.cal                  the camera: 3x3 intrinsics, distortion, rotation,
//                                      translation and an image-size row (`640 480`), blank lines
//                                      between blocks, as BIWI's (np.genfromtxt(skip_footer=6)
//                                      leaves the intrinsics);
//   folder/PP/frame_XXXXX_rgb.jpg      a picture of a head (a skin-toned ellipse with eyes, hair
//                                      and a shadow) on a cluttered background;
//   folder/PP/frame_XXXXX_pose.txt     the head's rotation (3 rows) and, after a blank line, its
//                                      centre in camera coordinates (mm): the seed's get_ctr
//                                      (skip_header=3, ctr[0]*cal[0][0]/ctr[2] + cal[0][2], ...)
//                                      gives the pixel at the centre of the drawn head.
// Frames are numbered from 00003 with gaps, as BIWI's. The result is a pure function of the
// options (same seed, same bytes); a marker file makes a second call with the same options write
// nothing. Heads keep a margin from the border so the centre is always inside the image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include <fastblock/core/config.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// Options of make_synthetic_biwi.
struct SyntheticBiwiOptions {
  /// People (folders 01 ...); BIWI has 24.
  std::size_t n_people = 24;
  /// Frames per person.
  std::size_t frames_per_person = 40;
  /// Image size {h, w}; BIWI's is 480x640. The intrinsics scale with it.
  ImageSize size = {480, 640};
  /// Seed of everything drawn.
  std::uint64_t seed = 13;
  /// JPEG quality (1-100).
  int quality = 90;
};

/// What make_synthetic_biwi wrote (or found).
struct SyntheticBiwi {
  /// The dataset's folder.
  std::filesystem::path path;
  /// Number of images.
  std::size_t n_images = 0;
  /// False when the folder already held this dataset and nothing was written.
  bool generated = false;
};

/// Writes the dataset (see the contract above) into `folder`, created if needed; value_error for
/// options out of range, io_error when a file cannot be written.
SyntheticBiwi make_synthetic_biwi(const std::filesystem::path& folder,
                                  const SyntheticBiwiOptions& options = {});

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/synthetic_biwi-inl.hpp>
#endif
