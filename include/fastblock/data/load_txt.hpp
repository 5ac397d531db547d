// fastblock/data/load_txt.hpp — numbers from a whitespace-separated text file (numpy's genfromtxt).
//
// Contract: `load_txt(path, {.skip_header = 3})` reads a file of numbers separated by spaces or
// tabs (or `delimiter`), the way the seed reads BIWI's calibration and pose files with
// np.genfromtxt: the first `skip_header` physical lines are skipped (blank ones count, as
// numpy's), then blank lines and `#` comments are ignored, then the last `skip_footer` rows of
// numbers are dropped (rows, not physical lines: BIWI's rgb.cal ends with an image-size row, and
// skip_footer = 6 leaves its 3x3 intrinsics, exactly as genfromtxt does). Numbers are parsed as
// doubles and returned as a float32 tensor [rows, cols] (fastblock's float type; numpy's is
// float64), squeezed as numpy squeezes it: one row gives a 1-D tensor of its values
// (the seed's `ctr[0]`), one value a 1-D tensor of one element.
// Bad files are data_errors naming the file and the line: a row with another number of values
// than the first ("line 5 has 2 values, line 4 has 3"), text that is not a number ("line 2,
// value 3: 'abc' is not a number"), or no rows left after skipping. A missing file is an io_error.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

#include <fastblock/core/config.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Options of load_txt, numpy's genfromtxt names.
struct LoadTxtOptions {
  /// Physical lines skipped at the start (blank lines count).
  std::size_t skip_header = 0;
  /// Rows of numbers dropped at the end (blank lines and comments do not count).
  std::size_t skip_footer = 0;
  /// The separator; unset: any run of spaces and tabs.
  std::optional<char> delimiter{};
};

/// The numbers of a text file as a float32 tensor (see the contract above).
[[nodiscard]] Tensor load_txt(const std::filesystem::path& path,
                              const LoadTxtOptions& options = {});

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/load_txt-inl.hpp>
#endif
