// A DataLoader over items that no collation knows must stop the build with one readable line
// that names the fix (specialize fastblock::Collate), not pages of template errors.
#include <string>
#include <utility>
#include <vector>

#include <fastblock/data/dataloader.hpp>

namespace {
/// A user's item type with no Collate specialization.
struct Opaque {
  int value;
};
}  // namespace

int main() {
#ifdef FASTBLOCK_COMPILE_FAIL
  std::vector<std::pair<Opaque, std::string>> items{{{1}, "a"}, {{2}, "b"}};
#else
  std::vector<std::pair<int, std::string>> items{{1, "a"}, {2, "b"}};
#endif
  auto dl = fastblock::DataLoader(items, {.bs = 2, .num_workers = 0});
  (void)fastblock::first(dl);
  return static_cast<int>(fastblock::len(dl)) - 1;
}
