// Cross-entropy on a multi-label target (the seed's PASCAL labels, one-hot over 20 classes) is a
// loss that does not fit its target: the build must stop with one line that names the right loss.
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;

int main() {
  const fb::Tensor logits = fb::zeros({2, 3});
#ifdef FASTBLOCK_COMPILE_FAIL
  const fb::TensorMultiCategory target(fb::zeros({2, 3}));
  fb::CrossEntropyLossFlat loss;
#else
  const fb::TensorMultiCategory target(fb::zeros({2, 3}));
  fb::BCEWithLogitsLossFlat loss;
#endif
  return loss(logits, target).item<float>() > 0.0f ? 0 : 1;
}
