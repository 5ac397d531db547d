// Behaviour of vision/files.hpp: get_files / get_image_files find files recursively, keep image
// extensions only (any case), skip hidden names, honour recurse= and folders=, return sorted
// paths whatever the creation order, and name a missing folder.
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/vision/files.hpp>

namespace fb = fastblock;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::TempDir;

namespace {

/// The paths relative to `root`, as generic strings.
std::vector<std::string> relative(const std::vector<fs::path>& paths, const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(p.lexically_relative(root).generic_string());
  return out;
}

/// A folder laid out like a BIWI/PASCAL download, files created in a scrambled order.
void populate(const TempDir& dir) {
  for (const char* sub : {"train", "valid/13", "valid/02", ".hidden", "empty"})
    fs::create_directories(dir.path() / sub);
  for (const char* name : {"valid/13/frame_00004_rgb.jpg", "train/b.PNG", "train/a.jpg",
                           "valid/02/x.JPEG", "valid/13/rgb.cal", "valid/13/frame_00004_pose.txt",
                           "train.csv", "top.gif", ".hidden/secret.jpg", "train/.dot.jpg",
                           "train/noext", "train/c.webp", "train/d.tiff", "train/e.bmp"})
    dir.write(name, "x");
}

}  // namespace

TEST_CASE("get_image_files: recursive, image extensions only, sorted", "[vision][files]") {
  TempDir dir("fastblock-files");
  populate(dir);
  CHECK(relative(fb::get_image_files(dir.path()), dir.path()) ==
        std::vector<std::string>{"top.gif", "train/a.jpg", "train/b.PNG", "train/c.webp",
                                 "train/d.tiff", "train/e.bmp", "valid/02/x.JPEG",
                                 "valid/13/frame_00004_rgb.jpg"});
  CHECK(relative(fb::get_image_files(dir.path(), {.recurse = false}), dir.path()) ==
        std::vector<std::string>{"top.gif"});
  CHECK(relative(fb::get_image_files(dir.path(), {.folders = {"valid"}}), dir.path()) ==
        std::vector<std::string>{"top.gif", "valid/02/x.JPEG", "valid/13/frame_00004_rgb.jpg"});
  // Twice the same answer.
  CHECK(fb::get_image_files(dir.path()) == fb::get_image_files(dir.path()));
}

TEST_CASE("get_files: any extensions, with or without the dot; all files when none",
          "[vision][files]") {
  TempDir dir("fastblock-files");
  populate(dir);
  CHECK(relative(fb::get_files(dir.path(), {".txt", "CAL"}), dir.path()) ==
        std::vector<std::string>{"valid/13/frame_00004_pose.txt", "valid/13/rgb.cal"});
  const auto all = relative(fb::get_files(dir.path()), dir.path());
  CHECK(all.size() == 12);  // 14 written, 2 hidden
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(std::find(all.begin(), all.end(), "train/noext") != all.end());
  CHECK(fb::get_files(dir.path() / "empty", {".jpg"}).empty());
}

TEST_CASE("get_files: a missing folder or a file is an io_error naming it", "[vision][files]") {
  TempDir dir("fastblock-files");
  const auto missing = dir.path() / "nope";
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::get_image_files(missing); }),
             Contains(missing.string()) && Contains("does not exist"));
  const auto file = dir.write("a.jpg", "x");
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::get_files(file); }),
             Contains(file.string()) && Contains("not a folder"));
}

TEST_CASE("get_files: a symbolic link loop is searched once", "[vision][files]") {
  TempDir dir("fastblock-files");
  fs::create_directories(dir.path() / "a");
  dir.write("a/x.jpg", "x");
  std::error_code ec;
  fs::create_directory_symlink(dir.path(), dir.path() / "a" / "loop", ec);
  if (ec) return;  // no symbolic links here
  const auto files = fb::get_image_files(dir.path());
  CHECK(files.size() == 1);
}
