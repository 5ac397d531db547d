// A tour of fastblock's tensors through the seed's multi-label chapter: the activations of a
// batch, the binary cross-entropy a user writes by hand, accuracy with a threshold, and the
// threshold sweep — on random activations, until the learner exists to produce real ones.
#include <fastblock/fastblock.hpp>

#include <iomanip>
#include <iostream>

using namespace fastblock;

// def binary_cross_entropy(inputs, targets):
//     inputs = inputs.sigmoid()
//     return -torch.where(targets==1, inputs, 1-inputs).log().mean()
Tensor binary_cross_entropy(Tensor inputs, const Tensor& targets) {
  inputs = inputs.sigmoid();
  return -where(targets == 1, inputs, 1 - inputs).log().mean();
}

// def accuracy_multi(inp, targ, thresh=0.5, sigmoid=True):
//     if sigmoid: inp = inp.sigmoid()
//     return ((inp>thresh)==targ.bool()).float().mean()
Tensor accuracy_multi(Tensor inp, const Tensor& targ, double thresh = 0.5, bool sigmoid = true) {
  if (sigmoid) inp = inp.sigmoid();
  return ((inp > thresh) == (targ != 0)).to(float32).mean();
}

int main() {
  set_seed(42);
  // A batch of 64 items, 20 classes: multi-hot targets and activations that lean toward them.
  const Tensor targs = (rand({64, 20}) < 0.15).to(float32);
  const Tensor activs = randn({64, 20}) + (targs * 4 - 2);
  std::cout << "activs.shape  " << activs.shape() << "\n";
  std::cout << "activs[0]     " << activs[0] << "\n";
  std::cout << "targs[0]      " << repr(targs[0], "TensorMultiCategory") << "\n";

  const Tensor loss = binary_cross_entropy(activs, targs);
  std::cout << "binary_cross_entropy(activs, targs) = " << loss << "\n";

  // A linear layer by hand: broadcasting the bias over the batch, matmul through Eigen.
  const Tensor w = randn({20, 5}) * 0.1, b = zeros({5});
  const Tensor out = matmul(activs, w) + b;
  std::cout << "(activs @ w + b).shape = " << out.shape() << ", mean " << out.mean() << "\n";

  std::cout << "threshold sweep (accuracy_multi, sigmoid already applied):\n";
  const Tensor preds = activs.sigmoid();
  const Tensor xs = linspace(0.05, 0.95, 29);
  for (std::int64_t i = 0; i < xs.numel(); i += 4) {
    const double t = xs.at<double>({i});
    std::cout << "  thresh " << std::fixed << std::setprecision(3) << t << "  accuracy "
              << std::setprecision(4)  // ::, the seed's function above, not fastblock's metric
              << ::accuracy_multi(preds, targs, t, false).item<double>() << "\n";
  }
  const Tensor per_class = ((preds > 0.5) == (targs != 0)).to(float32).mean(0);
  std::cout << "per-class accuracy at 0.5: " << per_class << "\n";
  std::cout << "hardest class: " << per_class.argmin(0) << "\n";
  return 0;
}
