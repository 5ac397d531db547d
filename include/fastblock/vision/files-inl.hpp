// fastblock/vision/files-inl.hpp — out-of-line definitions for vision/files.hpp.
//
// Included by files.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/files.hpp>

namespace fastblock {

namespace detail::files {

/// ASCII lower case.
FASTBLOCK_FUNC std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// The io_error for a folder that cannot be listed.
FASTBLOCK_FUNC io_error unreadable(const std::filesystem::path& folder, const std::error_code& ec) {
  return io_error("fastblock::get_files: cannot read the folder '" + folder.string() +
                  "': " + ec.message());
}

/// Adds the matching files of `folder` to `out`, and searches its subfolders when options.recurse
/// says so.
FASTBLOCK_FUNC void walk(const std::filesystem::path& folder, const std::vector<std::string>& exts,
                         const GetFilesOptions& options, bool top,
                         std::set<std::filesystem::path>& visited,
                         std::vector<std::filesystem::path>& out) {
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::canonical(folder, ec);
  if (ec) throw unreadable(folder, ec);
  if (!visited.insert(canonical).second) return;  // a link back to a folder already searched
  std::filesystem::directory_iterator it(folder, ec);
  if (ec) throw unreadable(folder, ec);
  std::vector<std::filesystem::path> subfolders;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::path& p = it->path();
    const std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code sec;
    if (it->is_directory(sec)) {  // follows links
      if (!options.recurse) continue;
      if (top && !options.folders.empty() &&
          std::find(options.folders.begin(), options.folders.end(), name) == options.folders.end())
        continue;
      subfolders.push_back(p);
    } else if (it->is_regular_file(sec)) {
      if (exts.empty()) {
        out.push_back(p);
      } else {
        const std::size_t dot = name.rfind('.');
        if (dot != std::string::npos &&
            std::find(exts.begin(), exts.end(), lower(std::string_view(name).substr(dot))) !=
                exts.end())
          out.push_back(p);
      }
    }
  }
  if (ec) throw unreadable(folder, ec);
  for (const auto& sub : subfolders) walk(sub, exts, options, false, visited, out);
}

}  // namespace detail::files

FASTBLOCK_FUNC std::vector<std::filesystem::path> get_files(
    const std::filesystem::path& path, std::span<const std::string_view> extensions,
    const GetFilesOptions& options) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    throw io_error("fastblock::get_files: the folder '" + path.string() + "' does not exist");
  if (!std::filesystem::is_directory(status))
    throw io_error("fastblock::get_files: '" + path.string() + "' is not a folder");
  std::vector<std::string> exts;
  for (const std::string_view e : extensions) {
    if (e.empty()) continue;
    exts.push_back(detail::files::lower(e.front() == '.' ? std::string(e) : "." + std::string(e)));
  }
  std::set<std::filesystem::path> visited;
  std::vector<std::filesystem::path> out;
  detail::files::walk(path, exts, options, true, visited, out);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.generic_string() < b.generic_string(); });
  return out;
}

FASTBLOCK_FUNC std::vector<std::filesystem::path> get_files(
    const std::filesystem::path& path, std::initializer_list<std::string_view> extensions,
    const GetFilesOptions& options) {
  return get_files(path, std::span<const std::string_view>(extensions.begin(), extensions.size()),
                   options);
}

FASTBLOCK_FUNC std::vector<std::filesystem::path> get_image_files(const std::filesystem::path& path,
                                                                  const GetFilesOptions& options) {
  return get_files(path, std::span<const std::string_view>(image_extensions), options);
}

}  // namespace fastblock
