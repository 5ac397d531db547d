// A tensor holds numbers: a list of strings must be rejected with one readable line.
#include <fastblock/tensor/factory.hpp>

int main() {
#ifdef FASTBLOCK_COMPILE_FAIL
  auto t = fastblock::tensor({"g", "l", "n"});
#else
  auto t = fastblock::tensor({6, 11, 13});
#endif
  return static_cast<int>(t.numel()) - 3;
}
