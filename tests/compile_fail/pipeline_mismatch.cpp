// A pipeline whose functions do not chain (the second cannot take what the first returns) must
// stop the build with one readable line, not pages of template errors.
#include <cstddef>
#include <string>
#include <vector>

#include <fastblock/data/datasets.hpp>

int main() {
  const std::vector<std::string> items{"a", "b"};
  const auto length = [](const std::string& s) { return s.size(); };
#ifdef FASTBLOCK_COMPILE_FAIL
  const auto shout = [](const std::string& s) { return s + "!"; };  // wants a string, gets a size
#else
  const auto shout = [](std::size_t n) { return std::string(n, '!'); };
#endif
  const auto dss = fastblock::Datasets(items, fastblock::Pipeline(length, shout));
  return static_cast<int>(fastblock::len(dss)) - 2;
}
