// Behaviour of data/untar.hpp: untar_data returns folders as they are, extracts tar.gz, tar and
// zip archives (built here with libarchive's writer) into <base>/<stem>, hoists a single
// top-level folder, extracts once (a second call leaves the folder alone; a changed archive or a
// folder without marker is extracted again), refuses entries that escape the target folder
// without writing anything outside the test's folder, and downloads URLs from an HTTP server on
// 127.0.0.1 run by the test (success, 404, a body cut short). No test reaches the internet.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/data/untar.hpp>

#if defined(FASTBLOCK_WITH_LIBARCHIVE) && FASTBLOCK_WITH_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

namespace fb = fastblock;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::read_text;
using fastblock_test::TempDir;

namespace {

/// Every path under `root` (files, folders, links; links not followed), relative, sorted.
std::set<std::string> tree(const fs::path& root) {
  std::set<std::string> out;
  if (!fs::exists(fs::symlink_status(root))) return out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    out.insert(it->path().lexically_relative(root).generic_string());
  return out;
}

/// Sets an environment variable for the life of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("untar_data returns a folder as it is", "[untar]") {
  TempDir dir("fastblock-untar");
  fs::create_directories(dir.path() / "PASCAL_2007" / "train");
  CHECK(fb::untar_data(dir.path() / "PASCAL_2007") == dir.path() / "PASCAL_2007");
  CHECK(tree(dir.path()) == std::set<std::string>{"PASCAL_2007", "PASCAL_2007/train"});
}

TEST_CASE("untar_data names a missing source and a file that is not an archive", "[untar]") {
  TempDir dir("fastblock-untar");
  CHECK_THAT(error_of<fb::io_error>(
                 [&] { (void)fb::untar_data(dir.path() / "nope.tgz", {.base = dir.path()}); }),
             Contains("nope.tgz") && Contains("does not exist"));
  const auto csv = dir.write("train.csv", "a,b\n");
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(csv, {.base = dir.path()}); }),
             Contains("train.csv") && Contains("neither a folder nor an archive"));
  // "..tgz" and "...tgz" have no stem that names a folder: never the cache or its parent.
  for (const char* name : {"..tgz", "...tgz", "..zip"}) {
    const auto dots = dir.write(name, "x");
    CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(dots, {.base = dir.path()}); }),
               Contains(name) && Contains("neither a folder nor an archive"));
  }
  CHECK_THAT(error_of<fb::value_error>([&] {
               (void)fb::untar_data("http://127.0.0.1:9/data/...tgz", {.base = dir.path()});
             }),
             Contains("archive file name"));
  CHECK_THAT(error_of<fb::value_error>(
                 [&] { (void)fb::untar_data("http://127.0.0.1:9/data/", {.base = dir.path()}); }),
             Contains("http://127.0.0.1:9/data/") && Contains("archive file name"));
}

TEST_CASE("untar_default_base is FASTBLOCK_DATA, else ~/.fastblock/data", "[untar]") {
  {
    const ScopedEnv data("FASTBLOCK_DATA", "/somewhere/data");
    CHECK(fb::untar_default_base() == fs::path("/somewhere/data"));
  }
  const ScopedEnv data("FASTBLOCK_DATA", std::nullopt);
  {
    const ScopedEnv home("HOME", "/home/someone");
    CHECK(fb::untar_default_base() == fs::path("/home/someone/.fastblock/data"));
  }
  const ScopedEnv home("HOME", std::nullopt);
  CHECK_THAT(error_of<fb::io_error>([] { (void)fb::untar_default_base(); }),
             Contains("FASTBLOCK_DATA"));
}

#if defined(FASTBLOCK_WITH_LIBARCHIVE) && FASTBLOCK_WITH_LIBARCHIVE

namespace {

/// One entry of an archive the tests write.
struct Entry {
  /// What the entry is.
  enum class Kind { file, folder, symlink, hardlink, chardev };
  std::string name;
  std::string content{};  // a file's bytes, or a link's target
  Kind kind = Kind::file;
};

/// Writes `entries` as an archive whose format follows the name: .zip, .tar, .tar.bz2, .tar.xz,
/// .cpio.gz, else tar.gz.
fs::path write_archive(const fs::path& path, const std::vector<Entry>& entries) {
  struct archive* a = archive_write_new();
  REQUIRE(a != nullptr);
  const std::string name = path.filename().string();
  if (name.ends_with(".zip")) {
    REQUIRE(archive_write_set_format_zip(a) == ARCHIVE_OK);
  } else if (name.ends_with(".cpio.gz")) {
    REQUIRE(archive_write_set_format_cpio(a) == ARCHIVE_OK);
    REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
  } else {
    REQUIRE(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
    if (name.ends_with(".tar.bz2")) {
      REQUIRE(archive_write_add_filter_bzip2(a) == ARCHIVE_OK);
    } else if (name.ends_with(".tar.xz")) {
      REQUIRE(archive_write_add_filter_xz(a) == ARCHIVE_OK);
    } else if (!name.ends_with(".tar")) {
      REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
    }
  }
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  for (const Entry& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_mtime(entry, 1700000000, 0);
    switch (e.kind) {
      case Entry::Kind::file:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
        break;
      case Entry::Kind::folder:
        archive_entry_set_filetype(entry, AE_IFDIR);
        archive_entry_set_perm(entry, 0755);
        break;
      case Entry::Kind::symlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_perm(entry, 0777);
        archive_entry_set_symlink(entry, e.content.c_str());
        break;
      case Entry::Kind::hardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_hardlink(entry, e.content.c_str());
        archive_entry_set_size(entry, 0);
        break;
      case Entry::Kind::chardev:
        archive_entry_set_filetype(entry, AE_IFCHR);
        archive_entry_set_perm(entry, 0666);
        archive_entry_set_rdevmajor(entry, 1);
        archive_entry_set_rdevminor(entry, 3);
        break;
    }
    REQUIRE(archive_write_header(a, entry) >= ARCHIVE_WARN);
    if (e.kind == Entry::Kind::file && !e.content.empty())
      REQUIRE(archive_write_data(a, e.content.data(), e.content.size()) ==
              static_cast<la_ssize_t>(e.content.size()));
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return path;
}

/// A small dataset with nested folders and several top-level entries (and a hard link, which
/// zip cannot hold).
std::vector<Entry> dataset_entries(bool zip = false) {
  using K = Entry::Kind;
  return {{"train.csv", "fname,labels,is_valid\na.jpg,dog,False\n"},
          {"train", "", K::folder},
          {"train/a.jpg", "jpeg-bytes-a"},
          {"train/sub/deeper/b.jpg", "jpeg-bytes-b"},
          {"./valid/c.jpg", "jpeg-bytes-c"},
          {"empty", "", K::folder},
          {"latest.jpg", "train/a.jpg", K::symlink},
          {"train/sub/up.csv", "../../train.csv", K::symlink},
          zip ? Entry{"copy.jpg", "jpeg-bytes-a"} : Entry{"copy.jpg", "train/a.jpg", K::hardlink}};
}

/// Checks that `dest` holds the extracted dataset_entries(zip).
void check_dataset(const fs::path& dest, bool zip = false) {
  CHECK(read_text(dest / "train.csv") == "fname,labels,is_valid\na.jpg,dog,False\n");
  CHECK(read_text(dest / "train" / "a.jpg") == "jpeg-bytes-a");
  CHECK(read_text(dest / "train" / "sub" / "deeper" / "b.jpg") == "jpeg-bytes-b");
  CHECK(read_text(dest / "valid" / "c.jpg") == "jpeg-bytes-c");
  CHECK(fs::is_directory(dest / "empty"));
  CHECK(fs::is_symlink(dest / "latest.jpg"));
  CHECK(read_text(dest / "latest.jpg") == "jpeg-bytes-a");
  CHECK(read_text(dest / "train" / "sub" / "up.csv") == read_text(dest / "train.csv"));
  CHECK(read_text(dest / "copy.jpg") == "jpeg-bytes-a");
  CHECK(fs::hard_link_count(dest / "copy.jpg") == (zip ? 1 : 2));
}

/// The io_error untar_data throws for `archive`, after checking that the cache `base` holds no
/// result and no temporary folder.
std::string refusal(const fs::path& archive, const fs::path& base) {
  const std::string message =
      error_of<fb::io_error>([&] { (void)fb::untar_data(archive, {.base = base}); });
  CHECK(tree(base).empty());
  return message;
}

/// Serves one archive over HTTP on 127.0.0.1, one connection at a time, on its own thread:
/// /data/<name> gives it, /data/cut.tgz promises it whole and closes after half, anything else is
/// a 404.
class TinyHttpServer {
 public:
  TinyHttpServer(std::string name, std::string body)
      : name_(std::move(name)), body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;
  ~TinyHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  /// The URL of `path` ("/data/x.tgz") on this server.
  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  /// How many requests it has answered.
  [[nodiscard]] int requests() const { return requests_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  static void send_all(int c, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(c, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void serve(int c) {
    timeval timeout{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<std::size_t>(n));
    }
    ++requests_;
    const std::size_t start = request.find(' ') + 1;
    const std::string path = request.substr(start, request.find(' ', start) - start);
    const std::string length = "Content-Length: " + std::to_string(body_.size()) + "\r\n";
    if (path == "/data/" + name_) {
      send_all(c, "HTTP/1.1 200 OK\r\n" + length + "Connection: close\r\n\r\n" + body_);
    } else if (path == "/data/cut.tgz") {
      send_all(c, "HTTP/1.1 200 OK\r\n" + length + "Connection: close\r\n\r\n" +
                      body_.substr(0, body_.size() / 2));
    } else {
      send_all(c,
               "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
    }
  }

  std::string name_;
  std::string body_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("untar_data extracts tar.gz, tar and zip archives into <base>/<stem>", "[untar]") {
  REQUIRE(fb::untar_has_libarchive());
  TempDir dir("fastblock-untar");
  fs::create_directories(dir.path() / "src");
  const fs::path base = dir.path() / "cache";
  const std::pair<const char*, const char*> archives[] = {
      {"data_tgz", ".tgz"}, {"data_targz", ".tar.gz"}, {"data_tar", ".tar"}, {"data_zip", ".zip"}};
  for (const auto& [stem, suffix] : archives) {
    const std::string name = std::string(stem) + suffix;
    INFO(name);
    const bool zip = std::string_view(suffix) == ".zip";
    const fs::path archive = write_archive(dir.path() / "src" / name, dataset_entries(zip));
    const fs::path dest = fb::untar_data(archive, {.base = base});
    CHECK(dest == base / stem);
    check_dataset(dest, zip);
    CHECK(fs::exists(dest / ".fastblock_untar"));  // the marker, hidden from get_files
  }
  // Only the four results: no temporary folder is left beside them.
  std::set<std::string> top;
  for (const auto& e : fs::directory_iterator(base)) top.insert(e.path().filename().string());
  CHECK(top == std::set<std::string>{"data_tar", "data_targz", "data_tgz", "data_zip"});
}

TEST_CASE("untar_data reads tar with gzip, bzip2 or xz and zip, and no other format", "[untar]") {
  TempDir dir("fastblock-untar");
  const fs::path base = dir.path() / "cache";
  for (const char* name : {"b.tar.bz2", "x.tar.xz"}) {
    const fs::path archive = write_archive(dir.path() / name, {{"a.txt", "alpha"}});
    CHECK(read_text(fb::untar_data(archive, {.base = base}) / "a.txt") == "alpha");
  }
  // A cpio archive named .tar.gz: a format libarchive knows but untar_data does not read, so it
  // is refused and nothing is written.
  const fs::path cpio = dir.path() / "c.tar.gz";
  fs::rename(write_archive(dir.path() / "c.cpio.gz", {{"a.txt", "alpha"}}), cpio);
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(cpio, {.base = base}); }),
             Contains(cpio.string()) && Contains("truncated, corrupt or unreadable"));
  CHECK_FALSE(fs::exists(base / "c"));
}

TEST_CASE("untar_data extracts read-only folders and files and can replace them", "[untar]") {
  TempDir dir("fastblock-untar");
  const fs::path base = dir.path() / "cache";
  const fs::path archive = dir.path() / "ro.tgz";
  {
    struct archive* a = archive_write_new();
    REQUIRE(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
    REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
    REQUIRE(archive_write_open_filename(a, archive.c_str()) == ARCHIVE_OK);
    for (const char* name : {"top", "top/sub", "top/sub/f.txt"}) {
      struct archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, name);
      const bool file = std::string_view(name).ends_with(".txt");
      archive_entry_set_filetype(entry, file ? AE_IFREG : AE_IFDIR);
      archive_entry_set_perm(entry, file ? 0444 : 04555);
      archive_entry_set_size(entry, file ? 2 : 0);
      REQUIRE(archive_write_header(a, entry) >= ARCHIVE_WARN);
      if (file) REQUIRE(archive_write_data(a, "ro", 2) == 2);
      archive_entry_free(entry);
    }
    REQUIRE(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
  }
  const fs::path dest = fb::untar_data(archive, {.base = base});
  CHECK(read_text(dest / "sub" / "f.txt") == "ro");
  const auto perms = fs::status(dest / "sub").permissions();
  CHECK((perms & fs::perms::owner_write) != fs::perms::none);
  CHECK((perms & fs::perms::set_uid) == fs::perms::none);
  CHECK(fb::untar_data(archive, {.base = base, .force_download = true}) == dest);
  CHECK(read_text(dest / "sub" / "f.txt") == "ro");
}

TEST_CASE("untar_data uses FASTBLOCK_DATA when no base is given, and .dest when given", "[untar]") {
  TempDir dir("fastblock-untar");
  const fs::path archive = write_archive(dir.path() / "small.tgz", {{"a.txt", "A"}});
  {
    const ScopedEnv data("FASTBLOCK_DATA", (dir.path() / "env-cache").string());
    CHECK(fb::untar_data(archive) == dir.path() / "env-cache" / "small");
  }
  CHECK(read_text(dir.path() / "env-cache" / "small" / "a.txt") == "A");
  const fs::path dest = dir.path() / "elsewhere" / "mine";
  CHECK(fb::untar_data(archive, {.base = dir.path() / "unused", .dest = dest}) == dest);
  CHECK(read_text(dest / "a.txt") == "A");
  CHECK(!fs::exists(dir.path() / "unused"));
  CHECK(fb::untar_data(archive, {.dest = dir.path() / "slash/"}) == dir.path() / "slash");
  CHECK(read_text(dir.path() / "slash" / "a.txt") == "A");
  for (const fs::path& bad : {fs::path("."), fs::path("/"), fs::path("x/..")})
    CHECK_THAT(error_of<fb::value_error>([&] { (void)fb::untar_data(archive, {.dest = bad}); }),
               Contains("does not name a folder"));
}

TEST_CASE("untar_data uses an archive's single top-level folder as the result", "[untar]") {
  TempDir dir("fastblock-untar");
  const fs::path base = dir.path() / "cache";
  // fastai's pascal_2007.tgz holds pascal_2007/...; the folder's name need not be the stem.
  for (const char* top : {"pascal_2007", "PASCAL-top"}) {
    INFO(top);
    const std::string t = top;
    const fs::path archive = write_archive(dir.path() / "pascal_2007.tgz",
                                           {{t, "", Entry::Kind::folder},
                                            {t + "/train.csv", "fname,labels,is_valid\n"},
                                            {t + "/train/000005.jpg", "jpeg"},
                                            {t + "/link.csv", "train.csv", Entry::Kind::symlink}});
    const fs::path dest = fb::untar_data(archive, {.base = base});
    CHECK(dest == base / "pascal_2007");
    CHECK(read_text(dest / "train.csv") == "fname,labels,is_valid\n");
    CHECK(read_text(dest / "train" / "000005.jpg") == "jpeg");
    CHECK(read_text(dest / "link.csv") == "fname,labels,is_valid\n");
    CHECK(!fs::exists(dest / t));
    CHECK(tree(base).count("pascal_2007/train.csv") == 1);
    fs::remove_all(base);
  }
  // A single top-level file is not a folder: it stays inside the result.
  const fs::path one = write_archive(dir.path() / "one.zip", {{"only.txt", "x"}});
  CHECK(read_text(fb::untar_data(one, {.base = base}) / "only.txt") == "x");
}

TEST_CASE("untar_data extracts once, and again when the archive changes", "[untar]") {
  TempDir dir("fastblock-untar");
  const fs::path base = dir.path() / "cache";
  const fs::path archive = write_archive(dir.path() / "pets.tgz", dataset_entries());
  const fs::path dest = fb::untar_data(archive, {.base = base});
  // Marks the folder: a second extraction would replace it and lose both marks.
  dir.write("cache/pets/sentinel.txt", "mine");
  dir.write("cache/pets/train/a.jpg", "edited");
  const auto marker_time = fs::last_write_time(dest / ".fastblock_untar");
  for (int i = 0; i < 3; ++i) CHECK(fb::untar_data(archive, {.base = base}) == dest);
  CHECK(read_text(dest / "sentinel.txt") == "mine");
  CHECK(read_text(dest / "train" / "a.jpg") == "edited");
  CHECK(fs::last_write_time(dest / ".fastblock_untar") == marker_time);

  SECTION("a changed archive is extracted again") {
    write_archive(archive, {{"new.txt", "new"}});
    fs::last_write_time(archive, fs::last_write_time(archive) + std::chrono::seconds(5));
    CHECK(fb::untar_data(archive, {.base = base}) == dest);
    CHECK(tree(dest) == std::set<std::string>{".fastblock_untar", "new.txt"});
  }
  SECTION("force_download extracts again") {
    CHECK(fb::untar_data(archive, {.base = base, .force_download = true}) == dest);
    CHECK(!fs::exists(dest / "sentinel.txt"));
    check_dataset(dest);
  }
  SECTION("a folder without marker (a foreign or half-made one) is replaced") {
    fs::remove(dest / ".fastblock_untar");
    CHECK(fb::untar_data(archive, {.base = base}) == dest);
    CHECK(!fs::exists(dest / "sentinel.txt"));
    check_dataset(dest);
  }
  std::set<std::string> top;
  for (const auto& e : fs::directory_iterator(base)) top.insert(e.path().filename().string());
  CHECK(top == std::set<std::string>{"pets"});
}

TEST_CASE("untar_data refuses entries that escape the target folder and writes nothing",
          "[untar]") {
  using K = Entry::Kind;
  TempDir dir("fastblock-untar");
  const fs::path src = dir.path() / "src";
  fs::create_directories(src);
  const fs::path base = dir.path() / "cache";
  const std::string outside = (dir.path() / "outside.txt").string();
  struct Case {
    const char* archive;
    std::vector<Entry> entries;
    std::string entry;  // the entry the message must name
    std::string why;
  };
  const std::vector<Case> cases = {
      {"dotdot.tgz", {{"ok.txt", "x"}, {"../evil", "evil"}}, "../evil", "'..' component"},
      {"deep_dotdot.zip",
       {{"a/b.txt", "x"}, {"a/../../evil", "evil"}},
       "a/../../evil",
       "'..' component"},
      {"absolute.tar", {{"ok.txt", "x"}, {outside, "evil"}}, outside, "absolute name"},
      {"symlink_etc.tgz",
       {{"top/ok.txt", "x"}, {"top/etc", "/etc", K::symlink}},
       "top/etc",
       "absolute path '/etc'"},
      {"symlink_up.zip",
       {{"a/ok.txt", "x"}, {"a/up", "../../outside.txt", K::symlink}},
       "a/up",
       "outside the target folder"},
      {"through_link.tgz",
       {{"sub", "", K::folder}, {"lnk", "sub", K::symlink}, {"lnk/evil", "evil"}},
       "lnk/evil",
       "symbolic link 'lnk'"},
      // Each link alone stays inside; followed together they climb two levels out.
      {"link_chain.tgz",
       {{"a", "", K::folder}, {"a/x", "..", K::symlink}, {"a/l1", "x/../..", K::symlink}},
       "a/l1",
       "resolves outside"},
      {"hardlink_passwd.tar",
       {{"ok.txt", "x"}, {"passwd", "/etc/passwd", K::hardlink}},
       "passwd",
       "hard link to '/etc/passwd'"},
      {"hardlink_up.tar",
       {{"ok.txt", "x"}, {"h", "../outside.txt", K::hardlink}},
       "h",
       "hard link to '../outside.txt'"},
      {"device.tgz", {{"ok.txt", "x"}, {"dev/null", "", K::chardev}}, "dev/null", "device file"},
  };
  dir.write("outside.txt", "untouched");
  for (const Case& c : cases) {
    INFO(c.archive);
    const fs::path archive = write_archive(src / c.archive, c.entries);
    const std::string message = refusal(archive, base);
    CHECK_THAT(message, Contains(archive.string()) && Contains("'" + c.entry + "'") &&
                            Contains(c.why) && Contains("refusing"));
  }
  // Nothing was written anywhere but the archives themselves (and the empty cache folder).
  std::set<std::string> expected = {"cache", "outside.txt", "src"};
  for (const Case& c : cases) expected.insert(std::string("src/") + c.archive);
  CHECK(tree(dir.path()) == expected);
  CHECK(read_text(dir.path() / "outside.txt") == "untouched");
}

TEST_CASE("untar_data names a truncated or corrupt archive", "[untar]") {
  TempDir dir("fastblock-untar");
  const fs::path base = dir.path() / "cache";
  std::string big;
  for (int i = 0; i < 20000; ++i) big += std::to_string(i * 7919 % 10007) + ",";
  const fs::path whole = write_archive(dir.path() / "whole.tgz", {{"big.txt", big}});
  const std::string bytes = read_text(whole);
  const fs::path cut = dir.write("cut.tgz", std::string_view(bytes).substr(0, bytes.size() / 2));
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(cut, {.base = base}); }),
             Contains(cut.string()) && Contains("truncated, corrupt"));
  const fs::path junk = dir.write("junk.zip", "this is not a zip file at all");
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(junk, {.base = base}); }),
             Contains(junk.string()));
  CHECK(tree(base).empty());
}

TEST_CASE("untar_data downloads a URL into <base>/archive and extracts it", "[untar][url]") {
  TempDir dir("fastblock-untar");
  const fs::path base = dir.path() / "cache";
  if (!fb::untar_has_curl()) {
    CHECK_THAT(error_of<fb::error>(
                   [&] { (void)fb::untar_data("http://127.0.0.1:9/data/x.tgz", {.base = base}); }),
               Contains("http://127.0.0.1:9/data/x.tgz") && Contains("without libcurl"));
    WARN("built without libcurl: URL tests skipped");
    return;
  }
  // The server is on this machine: keep any proxy of the environment out of the way.
  const ScopedEnv no_proxy("no_proxy", "127.0.0.1,localhost");
  const ScopedEnv no_proxy_upper("NO_PROXY", "127.0.0.1,localhost");
  const fs::path built = write_archive(
      dir.path() / "biwi_head_pose.tgz",
      {{"biwi_head_pose/01/rgb.cal", "cal"}, {"biwi_head_pose/01/frame_00003_rgb.jpg", "jpeg"}});
  TinyHttpServer server("biwi_head_pose.tgz", read_text(built));

  const std::string url = server.url("/data/biwi_head_pose.tgz");
  const fs::path dest = fb::untar_data(url, {.base = base});
  CHECK(dest == base / "biwi_head_pose");
  CHECK(read_text(dest / "01" / "rgb.cal") == "cal");
  CHECK(read_text(dest / "01" / "frame_00003_rgb.jpg") == "jpeg");
  CHECK(read_text(base / "archive" / "biwi_head_pose.tgz") == read_text(built));
  CHECK(server.requests() == 1);
  // Downloaded and extracted once; with the archive deleted, the marked folder still answers.
  CHECK(fb::untar_data(url, {.base = base}) == dest);
  fs::remove(base / "archive" / "biwi_head_pose.tgz");
  CHECK(fb::untar_data(url + "?x=1#frag", {.base = base}) == dest);
  CHECK(server.requests() == 1);
  CHECK(fb::untar_data(url, {.base = base, .force_download = true}) == dest);
  CHECK(server.requests() == 2);

  const std::string missing = server.url("/data/missing.tgz");
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(missing, {.base = base}); }),
             Contains(missing) && Contains("HTTP 404"));
  const std::string cut = server.url("/data/cut.tgz");
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(cut, {.base = base}); }),
             Contains(cut) && Contains("cut short"));
  const std::string refused = "http://127.0.0.1:1/data/nobody.tgz";
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::untar_data(refused, {.base = base}); }),
             Contains(refused));
  // No partial download under any name, and no result for the failed ones.
  CHECK(tree(base / "archive") == std::set<std::string>{"biwi_head_pose.tgz"});
  std::set<std::string> top;
  for (const auto& e : fs::directory_iterator(base)) top.insert(e.path().filename().string());
  CHECK(top == std::set<std::string>{"archive", "biwi_head_pose"});
}

#else  // built without libarchive

TEST_CASE("untar_data without libarchive says so for an archive", "[untar]") {
  REQUIRE(!fb::untar_has_libarchive());
  TempDir dir("fastblock-untar");
  const auto archive = dir.write("pascal_2007.tgz", "not extracted");
  CHECK_THAT(error_of<fb::error>([&] { (void)fb::untar_data(archive, {.base = dir.path()}); }),
             Contains("pascal_2007.tgz") && Contains("without libarchive"));
  if (!fb::untar_has_curl())
    CHECK_THAT(error_of<fb::error>([&] {
                 (void)fb::untar_data("https://127.0.0.1:9/data/x.zip", {.base = dir.path()});
               }),
               Contains("https://127.0.0.1:9/data/x.zip") && Contains("without libcurl"));
  WARN("built without libarchive: archive tests skipped");
}

#endif

TEST_CASE("URLs holds fastai's dataset URLs", "[untar]") {
  CHECK(fb::URLs::PASCAL_2007 == "https://s3.amazonaws.com/fast-ai-imagelocal/pascal_2007.tgz");
  CHECK(fb::URLs::BIWI_HEAD_POSE ==
        "https://s3.amazonaws.com/fast-ai-imagelocal/biwi_head_pose.tgz");
}
