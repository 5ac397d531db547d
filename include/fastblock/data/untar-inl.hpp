// fastblock/data/untar-inl.hpp — out-of-line definitions for data/untar.hpp.
//
// Included by untar.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes. libarchive and
// libcurl are included only when CMake found them (FASTBLOCK_WITH_LIBARCHIVE, FASTBLOCK_WITH_CURL),
// so this file compiles on a machine that has neither; the functions that need them then throw.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/untar.hpp>

#if defined(FASTBLOCK_WITH_LIBARCHIVE) && FASTBLOCK_WITH_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#define FASTBLOCK_UNTAR_LIBARCHIVE 1
#else
#define FASTBLOCK_UNTAR_LIBARCHIVE 0
#endif

#if defined(FASTBLOCK_WITH_CURL) && FASTBLOCK_WITH_CURL
#include <curl/curl.h>
#define FASTBLOCK_UNTAR_CURL 1
#else
#define FASTBLOCK_UNTAR_CURL 0
#endif

namespace fastblock {

namespace detail::untar {

/// The archive names untar_data knows, lower case; longest first so ".tar.gz" wins over ".gz".
inline constexpr std::array<std::string_view, 9> archive_suffixes = {
    ".tar.bz2", ".tar.gz", ".tar.xz", ".tbz2", ".tgz", ".txz", ".tbz", ".tar", ".zip"};

/// The name of the marker file written last into an extracted folder (hidden: get_files skips it).
inline constexpr std::string_view marker_name = ".fastblock_untar";

/// ASCII lower case.
FASTBLOCK_FUNC std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Whether `s` is an http:// or https:// URL (scheme in any case).
FASTBLOCK_FUNC bool is_url(std::string_view s) {
  const std::string l = lower(s.substr(0, 8));
  return l.starts_with("http://") || l.starts_with("https://");
}

/// The file name without its archive suffix ("pascal_2007.tgz" -> "pascal_2007"); empty when the
/// name has none of archive_suffixes, or when what is left is not a folder name ("..tgz" would
/// make the result folder the cache itself, which untar_data may replace).
FASTBLOCK_FUNC std::string archive_stem(std::string_view filename) {
  const std::string l = lower(filename);
  for (const std::string_view suffix : archive_suffixes) {
    if (l.size() > suffix.size() && l.ends_with(suffix)) {
      std::string stem(filename.substr(0, filename.size() - suffix.size()));
      if (stem == "." || stem == ".." || stem.find('/') != std::string::npos) return {};
      return stem;
    }
  }
  return {};
}

/// The list of known suffixes, for messages.
FASTBLOCK_FUNC std::string suffix_list() {
  return ".tgz, .tar.gz, .tar, .tar.bz2, .tar.xz or .zip";
}

/// A random hex tag for temporary names, so that concurrent callers never share one.
FASTBLOCK_FUNC std::string random_tag() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = hex[(v >> (4 * i)) & 0xF];
  return out;
}

/// Removes a temporary file or folder when it goes out of scope, unless released.
class TempPath {
 public:
  explicit TempPath(std::filesystem::path p) : path_(std::move(p)) {}
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  ~TempPath() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  /// The path.
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The marker's text for `archive`: its file name, size and modification time.
FASTBLOCK_FUNC std::string marker_text(const std::filesystem::path& archive) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(archive, ec);
  if (ec)
    throw io_error("fastblock::untar_data: cannot read the archive '" + archive.string() +
                   "': " + ec.message());
  const auto mtime = std::filesystem::last_write_time(archive, ec);
  if (ec)
    throw io_error("fastblock::untar_data: cannot read the archive '" + archive.string() +
                   "': " + ec.message());
  return "fastblock untar_data\narchive " + archive.filename().string() + "\nsize " +
         std::to_string(size) + "\nmtime " + std::to_string(mtime.time_since_epoch().count()) +
         "\n";
}

/// Whether `dest` holds a complete extraction of `archive`: its marker matches the archive's
/// name, size and time; when `archive` is absent (a downloaded archive the user deleted to save
/// space), a marker with its name is enough.
FASTBLOCK_FUNC bool marker_matches(const std::filesystem::path& dest,
                                   const std::filesystem::path& archive) {
  std::ifstream in(dest / marker_name, std::ios::binary);
  if (!in) return false;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::error_code ec;
  if (std::filesystem::exists(archive, ec)) return text == marker_text(archive);
  return text.starts_with("fastblock untar_data\narchive " + archive.filename().string() + "\n");
}

/// Writes the marker of `archive` into `folder`, checking that every byte reached the disk.
FASTBLOCK_FUNC void write_marker(const std::filesystem::path& folder,
                                 const std::filesystem::path& archive) {
  const std::string text = marker_text(archive);
  std::ofstream out(folder / marker_name, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out)
    throw io_error("fastblock::untar_data: cannot write '" + (folder / marker_name).string() + "'");
}

#if FASTBLOCK_UNTAR_LIBARCHIVE

/// The io_error for an entry extraction refuses.
FASTBLOCK_FUNC io_error refused(const std::filesystem::path& archive, std::string_view entry,
                                std::string_view why) {
  return io_error("fastblock::untar_data: refusing to extract the archive '" + archive.string() +
                  "': its entry '" + std::string(entry) + "' " + std::string(why) +
                  "; nothing was extracted");
}

/// The components of a '/'-separated name, without empty and "." ones.
FASTBLOCK_FUNC std::vector<std::string> components(std::string_view name) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (!part.empty() && part != ".") out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

/// The entry's path relative to the target folder (empty for the archive's root "./"); throws
/// for an absolute name or one with a '..' component.
FASTBLOCK_FUNC std::filesystem::path entry_path(const std::filesystem::path& archive,
                                                std::string_view name) {
  if (name.empty()) throw refused(archive, name, "has an empty name");
  if (name.front() == '/')
    throw refused(archive, name,
                  "has an absolute name, which would write outside the target folder");
  std::filesystem::path out;
  for (const std::string& part : components(name)) {
    if (part == "..")
      throw refused(archive, name,
                    "has a '..' component, which would write outside the target folder");
    out /= part;
  }
  return out;
}

/// Throws when a folder on the way to `rel` under `root` is a symbolic link (the archive made
/// it), since writing through it could land anywhere.
FASTBLOCK_FUNC void check_no_link_on_the_way(const std::filesystem::path& root,
                                             const std::filesystem::path& rel,
                                             const std::filesystem::path& archive,
                                             std::string_view name) {
  std::filesystem::path prefix = root;
  std::filesystem::path shown;
  const auto last = std::prev(rel.end());
  for (auto it = rel.begin(); it != rel.end() && it != last; ++it) {
    prefix /= *it;
    shown /= *it;
    std::error_code ec;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(prefix, ec)))
      throw refused(archive, name,
                    "goes through the symbolic link '" + shown.generic_string() +
                        "', which could write outside the target folder");
  }
}

/// Throws when the symbolic link entry `rel` with target `target` is absolute or, read from the
/// link's folder, climbs above the target folder.
FASTBLOCK_FUNC void check_link_target(const std::filesystem::path& archive, std::string_view name,
                                      const std::filesystem::path& rel, std::string_view target) {
  if (target.empty()) throw refused(archive, name, "is a symbolic link with an empty target");
  if (target.front() == '/')
    throw refused(archive, name,
                  "is a symbolic link to the absolute path '" + std::string(target) +
                      "', outside the target folder");
  std::size_t depth = 0;
  for (auto it = rel.begin(); it != rel.end(); ++it) ++depth;
  --depth;  // the link's folder
  for (const std::string& part : components(target)) {
    if (part != "..") {
      ++depth;
    } else if (depth == 0) {
      throw refused(
          archive, name,
          "is a symbolic link to '" + std::string(target) + "', outside the target folder");
    } else {
      --depth;
    }
  }
}

/// Whether `p` is `root` or lies under it (both canonical).
FASTBLOCK_FUNC bool inside(const std::filesystem::path& p, const std::filesystem::path& root) {
  auto pi = p.begin();
  for (auto ri = root.begin(); ri != root.end(); ++ri, ++pi)
    if (pi == p.end() || *pi != *ri) return false;
  return true;
}

/// After extraction: throws when a symbolic link under `folder`, followed through every link on
/// its way, resolves outside `folder` (a chain of links each of which looked harmless alone).
/// Entries are named relative to `root`, as in the archive.
FASTBLOCK_FUNC void check_links_resolve_inside(const std::filesystem::path& folder,
                                               const std::filesystem::path& root,
                                               const std::filesystem::path& archive) {
  std::error_code ec;
  const std::filesystem::path canonical_folder = std::filesystem::canonical(folder, ec);
  if (ec)
    throw io_error("fastblock::untar_data: cannot read '" + folder.string() + "': " + ec.message());
  std::filesystem::recursive_directory_iterator it(folder, ec);
  if (ec)
    throw io_error("fastblock::untar_data: cannot read '" + folder.string() + "': " + ec.message());
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code lec;
    if (!it->is_symlink(lec)) continue;
    const std::filesystem::path resolved = std::filesystem::weakly_canonical(it->path(), lec);
    if (lec || !inside(resolved, canonical_folder)) {
      const std::string name = it->path().lexically_relative(root).generic_string();
      std::error_code tec;
      const std::string target = std::filesystem::read_symlink(it->path(), tec).string();
      throw refused(
          archive, name,
          "is a symbolic link to '" + target + "' that resolves outside the target folder");
    }
  }
  if (ec)
    throw io_error("fastblock::untar_data: cannot read '" + folder.string() + "': " + ec.message());
}

/// Frees a libarchive reader.
struct ArchiveReadFree {
  void operator()(struct archive* a) const noexcept { archive_read_free(a); }
};

/// Frees a libarchive disk writer.
struct ArchiveWriteFree {
  void operator()(struct archive* a) const noexcept { archive_write_free(a); }
};

/// libarchive's last error for `a`, or `fallback`.
FASTBLOCK_FUNC std::string archive_message(struct archive* a, std::string_view fallback) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? std::string(msg) : std::string(fallback);
}

/// Extracts every entry of `archive` under `root` (an empty, canonical folder), checking each
/// entry before anything of it is written.
FASTBLOCK_FUNC void extract_entries(const std::filesystem::path& archive,
                                    const std::filesystem::path& root) {
  const std::unique_ptr<struct archive, ArchiveReadFree> in(archive_read_new());
  const std::unique_ptr<struct archive, ArchiveWriteFree> out(archive_write_disk_new());
  if (!in || !out) throw io_error("fastblock::untar_data: libarchive is out of memory");
  // Only what the archives untar_data documents need: gzip, bzip2 and xz over tar, or zip.
  // filter_all and format_all would also hand a file with the right magic bytes to external
  // programs (lrzip, lzop, grzip) and to a dozen more parsers (rar, 7-Zip, cab, ISO images).
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_bzip2(in.get());
  archive_read_support_filter_xz(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_zip(in.get());
  // Defence in depth: libarchive refuses '..' and paths through links on its own too.
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  const std::string where =
      "fastblock::untar_data: cannot extract the archive '" + archive.string() + "'";
  if (archive_read_open_filename(in.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK)
    throw io_error(where + " (truncated, corrupt or unreadable): " +
                   archive_message(in.get(), "cannot open it"));
  for (;;) {
    struct archive_entry* entry = nullptr;
    const int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw io_error(where + " (truncated, corrupt or unreadable): " +
                     archive_message(in.get(), "bad header"));
    const char* cname = archive_entry_pathname(entry);
    if (cname == nullptr) cname = archive_entry_pathname_utf8(entry);
    const std::string name = cname != nullptr ? cname : "";
    const std::filesystem::path rel = entry_path(archive, name);
    const auto type = archive_entry_filetype(entry);
    if (rel.empty()) {
      if (type == AE_IFDIR) continue;  // "./", the root itself
      throw refused(archive, name, "has no name once '.' components are removed");
    }
    check_no_link_on_the_way(root, rel, archive, name);
    if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
      const std::string target(hardlink);
      std::filesystem::path target_rel;
      try {
        target_rel = entry_path(archive, target);
      } catch (const io_error&) {
        throw refused(archive, name,
                      "is a hard link to '" + target + "', outside the target folder");
      }
      std::error_code ec;
      if (target_rel.empty() ||
          !std::filesystem::is_regular_file(std::filesystem::symlink_status(root / target_rel, ec)))
        throw refused(archive, name,
                      "is a hard link to '" + target +
                          "', which is not a file extracted from the archive before it");
      check_no_link_on_the_way(root, target_rel, archive, name);
      archive_entry_set_hardlink(entry, (root / target_rel).c_str());
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      check_link_target(archive, name, rel, target != nullptr ? target : "");
    } else if (type == AE_IFCHR || type == AE_IFBLK) {
      throw refused(archive, name, "is a device file");
    } else if (type == AE_IFIFO) {
      throw refused(archive, name, "is a FIFO");
    } else if (type == AE_IFSOCK) {
      throw refused(archive, name, "is a socket");
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      throw refused(archive, name, "has a file type fastblock does not extract");
    }
    archive_entry_set_pathname(entry, (root / rel).c_str());
    // No setuid, setgid or sticky bit; and the owner may always read, write and remove what was
    // extracted (a read-only folder would block the marker and a later replacement).
    archive_entry_set_perm(entry,
                           (archive_entry_perm(entry) & 0777) | (type == AE_IFDIR ? 0700 : 0600));
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      throw io_error(where + ": cannot write its entry '" + name +
                     "': " + archive_message(out.get(), "write error"));
    const void* buf = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    int d = ARCHIVE_OK;
    while ((d = archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK)
      if (archive_write_data_block(out.get(), buf, size, offset) < ARCHIVE_WARN)
        throw io_error(where + ": cannot write its entry '" + name +
                       "': " + archive_message(out.get(), "write error"));
    if (d != ARCHIVE_EOF)
      throw io_error(where + " (truncated, corrupt or unreadable) at its entry '" + name +
                     "': " + archive_message(in.get(), "read error"));
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
      throw io_error(where + ": cannot write its entry '" + name +
                     "': " + archive_message(out.get(), "write error"));
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN)
    throw io_error(where + ": " + archive_message(out.get(), "write error"));
}

#endif  // FASTBLOCK_UNTAR_LIBARCHIVE

/// Extracts `archive` into `dest` unless `dest` already holds it (and not `force`); see the
/// contract in untar.hpp.
FASTBLOCK_FUNC std::filesystem::path extract_cached(const std::filesystem::path& archive,
                                                    const std::filesystem::path& dest_in,
                                                    bool force) {
  // "a/b/" is "a/b"; "." or "/" is no folder to create (and replace).
  std::filesystem::path dest = dest_in.lexically_normal();
  if (!dest.has_filename() && dest.has_parent_path()) dest = dest.parent_path();
  if (!dest.has_filename() || dest.filename() == "." || dest.filename() == "..")
    throw value_error("fastblock::untar_data: the result folder '" + dest_in.string() +
                      "' does not name a folder to create");
  if (!force && marker_matches(dest, archive)) return dest;
#if FASTBLOCK_UNTAR_LIBARCHIVE
  std::error_code ec;
  std::filesystem::path parent = dest.parent_path();
  if (parent.empty()) parent = ".";
  std::filesystem::create_directories(parent, ec);
  if (ec)
    throw io_error("fastblock::untar_data: cannot create the folder '" + parent.string() +
                   "': " + ec.message());
  const TempPath tmp(parent / ("." + dest.filename().string() + ".partial-" + random_tag()));
  if (!std::filesystem::create_directory(tmp.path(), ec) || ec)
    throw io_error("fastblock::untar_data: cannot create the folder '" + tmp.path().string() +
                   "': " + ec.message());
  // Canonical, so that no folder of the cache path itself looks like a link to libarchive.
  const std::filesystem::path root = std::filesystem::canonical(tmp.path(), ec);
  if (ec)
    throw io_error("fastblock::untar_data: cannot read '" + tmp.path().string() +
                   "': " + ec.message());
  extract_entries(archive, root);

  // fastai: an archive of one folder gives that folder's content.
  std::filesystem::path src = root;
  std::size_t count = 0;
  std::filesystem::path only;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    ++count;
    only = e.path();
  }
  if (ec)
    throw io_error("fastblock::untar_data: cannot read '" + root.string() + "': " + ec.message());
  if (count == 1 && std::filesystem::is_directory(std::filesystem::symlink_status(only, ec)))
    src = only;
  check_links_resolve_inside(src, root, archive);
  write_marker(src, archive);

  if (std::filesystem::exists(std::filesystem::symlink_status(dest, ec))) {
    if (!force && marker_matches(dest, archive)) return dest;  // another process finished first
    std::filesystem::remove_all(dest, ec);
    if (ec)
      throw io_error("fastblock::untar_data: cannot replace the stale folder '" + dest.string() +
                     "': " + ec.message());
  }
  std::filesystem::rename(src, dest, ec);
  if (ec && !force && marker_matches(dest, archive)) return dest;  // another process, just now
  if (ec)
    throw io_error("fastblock::untar_data: cannot move the extracted archive into '" +
                   dest.string() + "': " + ec.message());
  return dest;
#else
  (void)force;
  throw error("fastblock::untar_data: cannot extract the archive '" + archive.string() +
              "': this fastblock was built without libarchive (install libarchive-dev and "
              "configure again), so extract it yourself and pass the folder to untar_data");
#endif
}

/// The archive's file name in a URL: its last path segment, without query or fragment.
FASTBLOCK_FUNC std::string url_filename(std::string_view url) {
  std::string_view rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  rest = rest.substr(slash);
  return std::string(rest.substr(rest.rfind('/') + 1));
}

#if FASTBLOCK_UNTAR_CURL

/// Frees a curl handle.
struct CurlCleanup {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};

/// Closes a C file.
struct FileClose {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

/// curl's write callback: appends to the FILE* in `user`; a short count makes curl stop.
FASTBLOCK_FUNC std::size_t curl_write(char* data, std::size_t size, std::size_t n, void* user) {
  return std::fwrite(data, 1, size * n, static_cast<std::FILE*>(user));
}

/// Downloads `url` to `archive`: into a temporary name beside it, renamed when complete.
FASTBLOCK_FUNC void download(const std::string& url, const std::filesystem::path& archive) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string where = "fastblock::untar_data: downloading '" + url + "'";
  if (global != CURLE_OK)
    throw io_error(where + " failed: libcurl did not start: " + curl_easy_strerror(global));
  std::error_code ec;
  std::filesystem::create_directories(archive.parent_path(), ec);
  if (ec)
    throw io_error(where + " failed: cannot create the folder '" + archive.parent_path().string() +
                   "': " + ec.message());
  const TempPath part(archive.parent_path() /
                      ("." + archive.filename().string() + ".part-" + random_tag()));
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(part.path().c_str(), "wb"));
  if (!file) throw io_error(where + " failed: cannot write '" + part.path().string() + "'");
  const std::unique_ptr<CURL, CurlCleanup> h(curl_easy_init());
  if (!h) throw io_error(where + " failed: libcurl could not start a transfer");
  char message[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, &curl_write);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, static_cast<void*>(file.get()));
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h.get(), CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT, 60L);
  curl_easy_setopt(h.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled server: give up after 2 min
  curl_easy_setopt(h.get(), CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt(h.get(), CURLOPT_USERAGENT, "fastblock-untar_data");
  const CURLcode res = curl_easy_perform(h.get());
  long status = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_off_t expected = -1;
  curl_easy_getinfo(h.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
  const bool closed_ok = std::fclose(file.release()) == 0;
  if (res == CURLE_PARTIAL_FILE)
    throw io_error(where + " failed: the download was cut short (" +
                   (message[0] != '\0' ? std::string(message) : curl_easy_strerror(res)) + ")");
  if (res != CURLE_OK)
    throw io_error(where + " failed: " +
                   (message[0] != '\0' ? std::string(message) : curl_easy_strerror(res)));
  if (status >= 400)
    throw io_error(where + " failed: the server answered HTTP " + std::to_string(status));
  if (!closed_ok) throw io_error(where + " failed: cannot write '" + part.path().string() + "'");
  const auto got = std::filesystem::file_size(part.path(), ec);
  if (ec || (expected >= 0 && got != static_cast<std::uintmax_t>(expected)))
    throw io_error(where + " failed: the download was cut short (" + std::to_string(got) + " of " +
                   std::to_string(expected) + " bytes)");
  std::filesystem::rename(part.path(), archive, ec);
  if (ec)
    throw io_error(where + " failed: cannot move it to '" + archive.string() +
                   "': " + ec.message());
}

#endif  // FASTBLOCK_UNTAR_CURL

/// untar_data for an http(s) URL.
FASTBLOCK_FUNC std::filesystem::path from_url(const std::string& url, const UntarOptions& options) {
  const std::string filename = url_filename(url);
  const std::string stem = archive_stem(filename);
  if (stem.empty())
    throw value_error("fastblock::untar_data: the URL '" + url +
                      "' does not end in an archive file name (" + suffix_list() + ")");
  const std::filesystem::path base = options.base.empty() ? untar_default_base() : options.base;
  const std::filesystem::path archive = base / "archive" / filename;
  const std::filesystem::path dest = options.dest.empty() ? base / stem : options.dest;
  std::error_code ec;
  if (!options.force_download) {
    if (std::filesystem::exists(archive, ec)) return extract_cached(archive, dest, false);
    if (marker_matches(dest, archive)) return dest;
  }
#if FASTBLOCK_UNTAR_CURL
  download(url, archive);
  return extract_cached(archive, dest, options.force_download);
#else
  throw error("fastblock::untar_data: cannot download '" + url +
              "': this fastblock was built without libcurl (install libcurl4-openssl-dev and "
              "configure again); download the file yourself and pass its path, or the folder it "
              "extracts to, to untar_data");
#endif
}

}  // namespace detail::untar

FASTBLOCK_FUNC std::filesystem::path untar_default_base() {
  if (const char* data = std::getenv("FASTBLOCK_DATA"); data != nullptr && *data != '\0')
    return data;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".fastblock" / "data";
  throw io_error(
      "fastblock::untar_data: no cache folder: set FASTBLOCK_DATA or HOME, or pass "
      "UntarOptions{.base = ...}");
}

FASTBLOCK_FUNC bool untar_has_libarchive() noexcept { return FASTBLOCK_UNTAR_LIBARCHIVE != 0; }

FASTBLOCK_FUNC bool untar_has_curl() noexcept { return FASTBLOCK_UNTAR_CURL != 0; }

FASTBLOCK_FUNC std::filesystem::path untar_data(const std::filesystem::path& source,
                                                const UntarOptions& options) {
  const std::string s = source.string();
  if (s.empty()) throw value_error("fastblock::untar_data: the source is empty");
  if (detail::untar::is_url(s)) return detail::untar::from_url(s, options);
  std::error_code ec;
  const auto status = std::filesystem::status(source, ec);
  if (std::filesystem::is_directory(status)) return source;
  if (!std::filesystem::exists(status))
    throw io_error("fastblock::untar_data: '" + s +
                   "' does not exist (expected a folder, an archive file (" +
                   detail::untar::suffix_list() + ") or an http(s) URL)");
  const std::string stem = detail::untar::archive_stem(source.filename().string());
  if (!std::filesystem::is_regular_file(status) || stem.empty())
    throw io_error("fastblock::untar_data: '" + s + "' is neither a folder nor an archive file (" +
                   detail::untar::suffix_list() + ")");
  const std::filesystem::path base = options.base.empty() ? untar_default_base() : options.base;
  const std::filesystem::path dest = options.dest.empty() ? base / stem : options.dest;
  return detail::untar::extract_cached(source, dest, options.force_download);
}

}  // namespace fastblock

#undef FASTBLOCK_UNTAR_LIBARCHIVE
#undef FASTBLOCK_UNTAR_CURL
