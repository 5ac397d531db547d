// A type used where a Block is required must be rejected with one readable line:
// "fastblock::DataBlock: not a block", plus a note naming the missing requirement
// (type_<int>::declares_raw_type). require_block is what DataBlock calls for each of its blocks.
#include <fastblock/data/block.hpp>

#ifdef FASTBLOCK_COMPILE_FAIL
using Target = int;
#else
using Target = fastblock::MultiCategoryBlock;
#endif

static_assert(fastblock::require_block<Target>());

int main() { return fastblock::Block<Target> ? 0 : 1; }
