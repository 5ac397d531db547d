// An item transform that accepts no element of the item (it takes a float; the items hold a
// string and a TensorCategory) must stop the build with one line at dataloaders().
#include <string>
#include <string_view>

#include <fastblock/data.hpp>

namespace fb = fastblock;

namespace {
struct Brighten {
  float operator()(float pixel) const { return pixel * 1.1f; }
};
struct Shout {
  std::string operator()(std::string s) const { return s + "!"; }
};
}  // namespace

int main() {
  const fb::DataFrame df({{"fname", {"1.jpg", "2.jpg"}}, {"label", {"dog", "cat"}}});
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, fb::CategoryBlock>{}
                    .get_x([](const fb::Row& r) { return std::string(r["fname"]); })
                    .get_y([](const fb::Row& r) { return r["label"]; })
                    .splitter(fb::IndexSplitter({}))
#ifdef FASTBLOCK_COMPILE_FAIL
                    .item_tfms(Brighten{});
#else
                    .item_tfms(Shout{});
#endif
  auto dls = dblock.dataloaders(df, {.bs = 2, .num_workers = 0});
  return static_cast<int>(fb::len(dls.train)) - 1;
}
