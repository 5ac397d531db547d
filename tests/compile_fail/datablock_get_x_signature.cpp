// A get_x written for the wrong item type (a string, where a DataFrame source gives Rows) must
// stop the build with one line that says what the getter is called with.
#include <string>

#include <fastblock/data.hpp>

namespace fb = fastblock;

int main() {
  const fb::DataFrame df({{"fname", {"1.jpg"}}, {"label", {"dog"}}});
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, fb::CategoryBlock>{}
#ifdef FASTBLOCK_COMPILE_FAIL
                    .get_x([](const std::string& fname) { return fname; })
#else
                    .get_x([](const fb::Row& r) { return std::string(r["fname"]); })
#endif
                    .get_y([](const fb::Row& r) { return r["label"]; })
                    .splitter(fb::IndexSplitter({}));
  return static_cast<int>(fb::len(dblock.datasets(df))) - 1;
}
