// What a user writes after find_package(fastblock): the seed's binary cross-entropy by hand, and
// an image through PNG and back (so the installed package links stb's decoder for its users).
#include <fastblock/fastblock.hpp>

#include <cmath>
#include <iostream>

int main() {
  using namespace fastblock;
  auto inputs = tensor({{2.0f, -1.0f}, {0.5f, 3.0f}}).sigmoid();
  auto targets = tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  auto loss = -where(targets == 1, inputs, 1 - inputs).log().mean();
  std::cout << "loss " << loss << "\n";
  const Image image(4, 3, Rgb{10, 200, 30});
  const Image back = decode_image(encode_png(image), "memory.png");
  std::cout << back << "\n";
  const bool image_ok = back.width() == 4 && back.height() == 3 && back.at(1, 2).g == 200;
  return std::abs(loss.item<float>() - 0.3657f) < 1e-3f && image_ok ? 0 : 1;
}
