// A DataBlock given something that is not a block (here: a label type instead of a block type)
// must stop the build with one line, at the DataBlock itself.
#include <string>

#include <fastblock/data.hpp>

namespace fb = fastblock;

#ifdef FASTBLOCK_COMPILE_FAIL
using Target = std::string;
#else
using Target = fb::CategoryBlock;
#endif

int main() {
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, Target>{};
  return static_cast<int>(dblock.n_blocks) - 2;
}
