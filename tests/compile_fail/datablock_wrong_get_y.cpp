// A get_y that returns the labels cell itself for a MultiCategoryBlock (the commonest slip: it
// wants the labels split) must stop the build with one line that names the fix.
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/data.hpp>

namespace fb = fastblock;

int main() {
  const fb::DataFrame df({{"fname", {"1.jpg"}}, {"labels", {"dog cat"}}});
  auto dblock = fb::DataBlock<fb::CategoryBlock, fb::MultiCategoryBlock>{}
                    .get_x([](const fb::Row& r) { return r["fname"]; })
#ifdef FASTBLOCK_COMPILE_FAIL
                    .get_y([](const fb::Row& r) { return r["labels"]; })
#else
                    .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
#endif
                    .splitter(fb::IndexSplitter({}));
  return static_cast<int>(fb::len(dblock.datasets(df))) - 1;
}
