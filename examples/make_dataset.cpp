// make_dataset — writes the synthetic PASCAL_2007-like dataset the examples and benchmarks use:
// <folder>/train.csv (fname,labels,is_valid) and <folder>/train/*.jpg, one object per label drawn
// in the class's shape and colour (vision/synthetic_images.hpp). Deterministic for a seed, and a
// folder that already holds the same dataset is left alone.
//
//   make_dataset <folder> [--rows N] [--seed S] [--size HxW] [--quality Q]
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include <fastblock/vision/synthetic_images.hpp>

namespace {

/// The unsigned number in `text`, or false.
template <class T>
bool parse(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int usage() {
  std::cerr << "usage: make_dataset <folder> [--rows N] [--seed S] [--size HxW] [--quality Q]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fastblock::SyntheticPascalImagesOptions options;
  std::string folder;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--rows" && has_value) {
      if (!parse(argv[++i], options.n_rows)) return usage();
    } else if (arg == "--seed" && has_value) {
      if (!parse(argv[++i], options.seed)) return usage();
    } else if (arg == "--quality" && has_value) {
      if (!parse(argv[++i], options.quality)) return usage();
    } else if (arg == "--size" && has_value) {
      const std::string_view v = argv[++i];
      const auto x = v.find('x');
      std::int64_t h = 0, w = 0;
      if (x == std::string_view::npos || !parse(v.substr(0, x), h) || !parse(v.substr(x + 1), w))
        return usage();
      options.size = {h, w};
    } else if (!arg.empty() && arg[0] != '-' && folder.empty()) {
      folder = arg;
    } else {
      return usage();
    }
  }
  if (folder.empty()) return usage();
  try {
    const auto result = fastblock::make_synthetic_pascal(folder, options);
    std::cout << (result.generated ? "wrote " : "already there: ") << result.n_images
              << " images in " << result.images.string() << " and " << result.csv.string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "make_dataset: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
