// fastblock/vision/files.hpp — finding the files of a dataset: fastai's get_files and
// get_image_files.
//
// Contract: `get_files(path, extensions, options)` returns every file under the folder `path`
// whose extension (the text from the last '.', compared case-insensitively; ".JPG" matches
// ".jpg") is in `extensions` (all files when it is empty), recursing into subfolders unless
// `.recurse = false`. As fastai does, names starting with '.' (hidden files and folders) are
// skipped, and `.folders` restricts the first level to the named subfolders. The result is sorted
// by path (byte order of the generic string), so it is the same on every run and machine whatever
// the directory order of the file system. Symbolic links are followed (fastai's followlinks=True);
// a link back to a folder already visited is not entered twice. `get_image_files(path)` is
// get_files with image_extensions. A missing path, or one that is not a folder, throws io_error
// naming it; so does a subfolder that cannot be read.
#pragma once

#include <array>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>

namespace fastblock {

/// The extensions get_image_files looks for (lower case, with the dot).
inline constexpr std::array<std::string_view, 8> image_extensions = {
    ".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"};

/// Options of get_files and get_image_files (fastai's recurse= and folders=).
struct GetFilesOptions {
  /// Whether subfolders are searched too.
  bool recurse = true;
  /// When not empty, only these subfolders of `path` are searched (files directly in `path` are
  /// still returned), as fastai's `folders=`.
  std::vector<std::string> folders{};
};

/// The files under `path` whose extension is in `extensions` ("jpg" or ".jpg", any case; all
/// files when empty), sorted; see the contract above.
[[nodiscard]] std::vector<std::filesystem::path> get_files(
    const std::filesystem::path& path, std::span<const std::string_view> extensions = {},
    const GetFilesOptions& options = {});

/// See the span overload; `get_files(path, {".csv", ".txt"})`.
[[nodiscard]] std::vector<std::filesystem::path> get_files(
    const std::filesystem::path& path, std::initializer_list<std::string_view> extensions,
    const GetFilesOptions& options = {});

/// The image files under `path` (image_extensions), sorted; fastai's get_image_files.
[[nodiscard]] std::vector<std::filesystem::path> get_image_files(
    const std::filesystem::path& path, const GetFilesOptions& options = {});

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/files-inl.hpp>
#endif
