// A get_x that returns something other than a path for an ImageBlock (here the row's index) must
// stop the build with one line that names what ImageBlock wants.
#include <filesystem>
#include <string>
#include <vector>

#include <fastblock/data.hpp>
#include <fastblock/vision.hpp>

namespace fb = fastblock;

int main() {
  const fb::DataFrame df({{"fname", {"1.jpg"}}, {"labels", {"dog cat"}}});
  const std::filesystem::path path = "pascal";
  auto dblock = fb::DataBlock<fb::ImageBlock, fb::MultiCategoryBlock>{}
#ifdef FASTBLOCK_COMPILE_FAIL
                    .get_x([](const fb::Row& r) { return r.index(); })
#else
                    .get_x([&](const fb::Row& r) { return path / "train" / r["fname"]; })
#endif
                    .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
                    .splitter(fb::IndexSplitter({}));
  (void)dblock.datasets(df);
  return 0;
}
