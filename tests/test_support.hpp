// Helpers shared by the behaviour tests: a temporary directory, reading a file whole, byte views
// of text, and the message of an expected exception.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "catch.hpp"

namespace fastblock_test {

/// A directory of its own under the system's temporary directory, removed with its contents.
class TempDir {
 public:
  /// A new, empty directory named `<prefix>-<random>`.
  explicit TempDir(std::string_view prefix = "fastblock-test") {
    std::random_device rd;
    do {  // a name nobody else has: create_directory is false when it exists already
      path_ = std::filesystem::temp_directory_path() /
              (std::string(prefix) + "-" + std::to_string(rd()));
    } while (!std::filesystem::create_directory(path_));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  /// The directory.
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// Writes `bytes` to the file `name` in it, exactly, and returns the file's path.
  std::filesystem::path write(const std::string& name, std::string_view bytes) const {
    std::ofstream(path_ / name, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

/// The whole content of a file (fails the test when it cannot be opened).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The bytes of `text`, for the functions that read from memory.
inline std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

/// The message of the exception of type E that `f` throws; fails the test if it throws none (an
/// exception of another type propagates and fails it too).
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

}  // namespace fastblock_test
