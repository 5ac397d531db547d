// What the learner tests share: a 2-D multi-label toy problem, its loaders and a small MLP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/core/random.hpp>
#include <fastblock/data.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace learner_support {

namespace fb = fastblock;

/// A 2-D point with the labels of the quadrant rule: "right" when x > 0, "up" when y > 0.
struct Sample {
  fb::Tensor x;
  std::vector<std::string> labels;
};

/// n points drawn from `seed`, labelled by the rule (some with no label).
inline std::vector<Sample> samples(std::size_t n, std::uint64_t seed) {
  fb::Generator rng(seed);
  std::vector<Sample> out;
  for (std::size_t i = 0; i < n; ++i) {
    const float a = static_cast<float>(rng.uniform() * 2 - 1);
    const float b = static_cast<float>(rng.uniform() * 2 - 1);
    std::vector<std::string> labels;
    if (a > 0) labels.emplace_back("right");
    if (b > 0) labels.emplace_back("up");
    out.push_back({fb::tensor({a, b}), labels});
  }
  return out;
}

/// Loaders over `n` samples, a fifth of them validating (so the last validation batch is
/// partial for the sizes used below), read on `num_workers` threads.
inline auto make_dls(std::size_t n = 101, std::int64_t bs = 8, int num_workers = 0) {
  auto dblock = fb::DataBlock<fb::TransformBlock<fb::Tensor>, fb::MultiCategoryBlock>{}
                    .get_x([](const Sample& s) { return s.x; })
                    .get_y([](const Sample& s) { return s.labels; })
                    .splitter(fb::RandomSplitter({.valid_pct = 0.2, .seed = 3}));
  return dblock.dataloaders(samples(n, 7), {.bs = bs, .seed = 11, .num_workers = num_workers});
}

using Mlp = fb::Sequential<fb::Linear, fb::ReLU, fb::Linear>;

/// A small MLP with weights from `seed` and `hidden` units.
inline Mlp make_mlp(std::uint64_t seed = 5, std::int64_t hidden = 16) {
  fb::Generator rng(seed);
  return Mlp(fb::Linear(2, hidden, {}, &rng), fb::ReLU(), fb::Linear(hidden, 2, {}, &rng));
}

/// Every parameter value, flattened, for comparisons.
template <class L>
std::vector<float> weights(L& learn) {
  std::vector<float> out;
  (*learn.model)
      .visit(
          [&](const std::string&, fb::Parameter& p) {
            if (p.value.dtype() != fb::float32) return;
            const auto c = p.value.contiguous();
            out.insert(out.end(), c.template data<float>(), c.template data<float>() + c.numel());
          },
          "");
  return out;
}

}  // namespace learner_support
