// fastblock/data/untar.hpp — fastai's untar_data: a dataset folder from a folder, an archive or a
// URL, fetched and extracted once into a cache.
//
// Contract: `untar_data(source, options)` returns a folder holding the dataset.
// - A folder is returned as it is (a copy of PASCAL_2007 the user already has).
// - A local archive (.tgz, .tar.gz, .tar, .tar.bz2, .tar.xz, .zip) is extracted with libarchive
//   into `<base>/<stem>` (pascal_2007.tgz -> <base>/pascal_2007), or into `options.dest`. `base`
//   is options.base, else $FASTBLOCK_DATA, else ~/.fastblock/data (fastai's ~/.fastai/data). When
//   the archive holds a single top-level folder, that folder's content is the result, as in fastai.
// - An http:// or https:// URL is downloaded with libcurl into `<base>/archive/<file name>`, then
//   extracted as above. The download goes to a temporary name renamed when complete, so a file
//   under the final name is always whole; an HTTP error or a truncated body is an io_error naming
//   the URL. An archive already there is not downloaded again (unless .force_download).
// Why a cache that is safe to call every run: programs call untar_data at the start of every run,
// so a second call must cost a few stat()s. Extraction goes into a fresh temporary folder beside
// the result; a marker file recording the archive's path, size and modification time is written
// into it last, and the folder is then renamed into place. A result folder with a matching marker
// is returned at once; one without (a crash between rename and marker cannot happen, so it is a
// stale or foreign folder) or whose archive changed is extracted again and replaced: untar_data
// owns the folders it creates under the cache. Archives come from the network, so extraction is
// refused, with an io_error naming the archive and the entry, and nothing left in the destination,
// for an entry that could write or point outside the result folder: an absolute name, a '..'
// component, a path through a symbolic link, a link whose target is absolute or resolves outside,
// a hard link to anything but a file of the archive, and device files, FIFOs and sockets.
// Extracted files lose setuid/setgid/sticky bits and are always readable and writable by their
// owner, so the cache can be replaced later.
// libarchive and libcurl are optional at build time (FASTBLOCK_WITH_LIBARCHIVE and
// FASTBLOCK_WITH_CURL, set by CMake when found): without them, an archive or a URL throws an
// error that says so; folders always work.
#pragma once

#include <filesystem>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>

namespace fastblock {

/// fastai's dataset URLs, for `untar_data(URLs::PASCAL_2007)`.
struct URLs {
  /// PASCAL VOC 2007 in fastai's layout (train.csv, train/*.jpg).
  static constexpr std::string_view PASCAL_2007 =
      "https://s3.amazonaws.com/fast-ai-imagelocal/pascal_2007.tgz";
  /// BIWI head pose, fastai's copy (person folders 01..24 of frames, poses and rgb.cal).
  static constexpr std::string_view BIWI_HEAD_POSE =
      "https://s3.amazonaws.com/fast-ai-imagelocal/biwi_head_pose.tgz";
};

/// Options of untar_data.
struct UntarOptions {
  /// The cache folder; empty: $FASTBLOCK_DATA, else ~/.fastblock/data.
  std::filesystem::path base{};
  /// The result folder itself (untar_data may replace it); empty: `<base>/<archive stem>`.
  std::filesystem::path dest{};
  /// Download a URL again even when its archive is already in `<base>/archive`, and extract again.
  bool force_download = false;
};

/// The dataset folder for `source`: a folder (returned as is), an archive file or an http(s) URL
/// (a string converts implicitly: `untar_data(URLs::PASCAL_2007)`); see the contract above.
/// Throws io_error for a missing source, a failed download or extraction, or an unsafe entry, and
/// error when the library was built without libarchive (archives) or libcurl (URLs).
[[nodiscard]] std::filesystem::path untar_data(const std::filesystem::path& source,
                                               const UntarOptions& options = {});

/// The cache folder untar_data uses when options.base is empty: $FASTBLOCK_DATA, else
/// ~/.fastblock/data; throws io_error when neither FASTBLOCK_DATA nor HOME is set.
[[nodiscard]] std::filesystem::path untar_default_base();

/// Whether this build extracts archives (it found libarchive).
[[nodiscard]] bool untar_has_libarchive() noexcept;

/// Whether this build downloads URLs (it found libcurl).
[[nodiscard]] bool untar_has_curl() noexcept;

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/untar-inl.hpp>
#endif
