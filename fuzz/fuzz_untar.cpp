// fuzz/fuzz_untar.cpp — libFuzzer target for archive extraction in untar_data (data/untar.hpp),
// i.e. detail::untar::extract_cached/extract_entries and libarchive underneath (built with
// FASTBLOCK_WITH_LIBARCHIVE=1, -larchive; libarchive itself is not instrumented).
//
// Each input is written as the archive `<sandbox>/in/fuzz.tar` (libarchive finds the format and
// the compression from the content, so the same name serves tar, tar.gz, zip, ...) and extracted
// through the public entry point, `untar_data(archive, {.base = <sandbox>/base})`, which extracts
// into `<sandbox>/base/fuzz`. The sandbox is `<tmp>/fastblock_fuzz_untar_<pid>/d1/d2/` (<tmp>:
// $FUZZ_UNTAR_TMP, else the system's temporary folder).
// Then the target checks untar_data's promises (untar.hpp):
// - a failure is a fastblock::error (anything else escapes and is a finding);
// - nothing is written outside the result folder: the sandbox and the two folders above it hold
//   only what the target put there, and the fixed path
//   /tmp/fastblock_fuzz_untar_escape (the seeds' absolute names point there) does not appear;
// - on success, the result is `<base>/fuzz`, a real folder holding the marker; every symbolic
//   link in it resolves inside it; every file with several hard links has all of them inside it;
//   there is no device file, FIFO or socket; no setuid/setgid/sticky bit; the owner may read and
//   write everything;
// - on failure, nothing is left under `<base>`;
// - nothing from outside the archive gets into the result: `<sandbox>/secret` holds a canary
//   text that no extracted file may contain (libarchive's mtree format can read the files an
//   entry names from the disk, though only with its "checkfs" option, which untar_data leaves
//   off). The target does not change its working folder: libFuzzer reads the corpus and writes
//   crashes through relative paths.
// The sandbox is emptied after each input. RLIMIT_FSIZE caps each written file at 64 MiB (with
// SIGXFSZ ignored, a bigger file fails to write: io_error), so that a decompression bomb cannot
// fill the disk; the time limit catches the rest.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <fastblock/core/error.hpp>
#include <fastblock/data/untar.hpp>

namespace fs = std::filesystem;

namespace {

constexpr std::string_view canary = "fastblock-fuzz-untar-canary-6b1f0c";
const fs::path escape_path = "/tmp/fastblock_fuzz_untar_escape";

struct Sandbox {
  fs::path top;  // <tmp>/fastblock_fuzz_untar_<pid>
  fs::path dir;  // top/d1/d2
  fs::path in() const { return dir / "in"; }
  fs::path base() const { return dir / "base"; }
  fs::path archive() const { return in() / "fuzz.tar"; }
};

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz_untar: broken promise: %s\n", what.c_str());
  std::abort();
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) broken("the target cannot write " + path.string());
}

const Sandbox& sandbox() {
  static const Sandbox box = [] {
    const char* env = std::getenv("FUZZ_UNTAR_TMP");
    const fs::path tmp = env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path();
    // Sandboxes of earlier processes that are gone (libFuzzer may end without running atexit).
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(tmp, ec)) {
      const std::string n = e.path().filename().string();
      if (n.starts_with("fastblock_fuzz_untar_") &&
          !fs::exists("/proc/" + n.substr(std::string_view("fastblock_fuzz_untar_").size())))
        fs::remove_all(e.path(), ec);
    }
    Sandbox b;
    b.top = fs::absolute(tmp / ("fastblock_fuzz_untar_" + std::to_string(::getpid())));
    fs::remove_all(b.top);
    b.dir = b.top / "d1" / "d2";
    fs::create_directories(b.in());
    b.top = fs::canonical(b.top);
    b.dir = fs::canonical(b.dir);
    write_file(b.dir / "secret", canary);
    // A copy the exit handler can use after `box` is destroyed (it is registered before `box` is
    // complete, so it runs after its destructor); reachable, so not a leak.
    static const fs::path* const top_at_exit = new fs::path(b.top);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(*top_at_exit, ec);
    });
    // A decompression bomb must not fill the disk: files over 64 MiB fail to write.
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = rlim_t{64} << 20;
    ::setrlimit(RLIMIT_FSIZE, &lim);
    return b;
  }();
  return box;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  if (ec) broken("cannot list " + dir.string() + ": " + ec.message());
  return out;
}

void expect_names(const fs::path& dir, const std::set<std::string>& want) {
  const auto got = names_in(dir);
  if (got != want) {
    std::string list;
    for (const auto& n : got) list += " '" + n + "'";
    broken("unexpected entries in " + dir.string() + ":" + list);
  }
}

bool inside(const fs::path& p, const fs::path& root) {
  auto pi = p.begin();
  for (auto ri = root.begin(); ri != root.end(); ++ri, ++pi)
    if (pi == p.end() || *pi != *ri) return false;
  return true;
}

bool contains_canary(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return text.find(canary) != std::string::npos;
}

// The checks on a successful extraction into `result`.
void check_result(const fs::path& result) {
  const fs::path root = fs::canonical(result);
  if (root != result) broken("the result " + result.string() + " resolves to " + root.string());
  if (!fs::is_regular_file(fs::symlink_status(root / ".fastblock_untar")))
    broken("no marker file in " + root.string());
  std::map<std::uint64_t, std::uintmax_t> links_seen;   // inode -> names inside
  std::map<std::uint64_t, std::uintmax_t> links_count;  // inode -> st_nlink
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  if (ec) broken("cannot walk " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path p = it->path();
    const std::string rel = p.lexically_relative(root).generic_string();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) broken("cannot lstat " + p.string());
    if (S_ISLNK(st.st_mode)) {
      std::error_code lec;
      const fs::path resolved = fs::weakly_canonical(p, lec);
      if (lec || !inside(resolved, root))
        broken("the symbolic link '" + rel + "' -> '" + fs::read_symlink(p, lec).string() +
               "' resolves outside the result, to " + resolved.string());
      continue;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
      broken("'" + rel + "' is neither a file, a folder nor a symbolic link");
    if ((st.st_mode & (S_ISUID | S_ISGID | S_ISVTX)) != 0)
      broken("'" + rel + "' has a setuid, setgid or sticky bit");
    if ((st.st_mode & (S_IRUSR | S_IWUSR)) != (S_IRUSR | S_IWUSR))
      broken("'" + rel + "' is not readable and writable by its owner");
    if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        ++links_seen[st.st_ino];
        links_count[st.st_ino] = st.st_nlink;
      }
      if (contains_canary(p)) broken("'" + rel + "' holds a copy of a file outside the archive");
    }
  }
  if (ec) broken("cannot walk " + root.string() + ": " + ec.message());
  for (const auto& [ino, n] : links_count)
    if (links_seen[ino] != n)
      broken("a file with " + std::to_string(n) + " hard links has only " +
             std::to_string(links_seen[ino]) + " inside the result (inode " + std::to_string(ino) +
             ")");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  const Sandbox& box = sandbox();
  write_file(box.archive(), std::string_view(reinterpret_cast<const char*>(data), size));
  fs::path result;
  bool ok = false;
  try {
    result = fastblock::untar_data(box.archive(), {.base = box.base()});
    ok = true;
  } catch (const fastblock::error& e) {
    if (verbose) std::fprintf(stderr, "fuzz_untar: %s\n", e.what());
  }

  // Nothing outside the result folder.
  expect_names(box.top, {"d1"});
  expect_names(box.top / "d1", {"d2"});
  expect_names(box.dir, {"base", "in", "secret"});
  expect_names(box.in(), {"fuzz.tar"});
  std::error_code ec;
  if (fs::exists(fs::symlink_status(escape_path, ec)))
    broken(escape_path.string() + " exists (an absolute name was extracted?)");
  {
    std::ifstream in(box.archive(), std::ios::binary);
    const std::string back{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (back != std::string_view(reinterpret_cast<const char*>(data), size))
      broken("the archive file was changed");
  }
  if (ok) {
    if (result != box.base() / "fuzz") broken("untar_data returned " + result.string());
    expect_names(box.base(), {"fuzz"});
    check_result(result);
  } else if (fs::exists(box.base())) {
    expect_names(box.base(), {});
  }

  fs::remove_all(box.base(), ec);
  if (ec) broken("cannot remove the result: " + ec.message());
  return 0;
}
