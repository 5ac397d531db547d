// item<T>() converts one element to a number; asking for a string must fail at compile time.
#include <string>

#include <fastblock/tensor/factory.hpp>

int main() {
  const auto t = fastblock::tensor({1.5f});
#ifdef FASTBLOCK_COMPILE_FAIL
  const auto v = t.item<std::string>();
  return static_cast<int>(v.size());
#else
  return static_cast<int>(t.item<float>()) - 1;
#endif
}
