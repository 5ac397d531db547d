// fastblock/learner/cnn_learner.hpp — fastai's cnn_learner: a ResNet body, fastai's head, and
// the loss the data implies.
//
// Contract: `cnn_learner(dls, resnet18, {.metrics = {accuracy_multi{.thresh = 0.2f}}})` builds
// the model fastai builds — the torchvision network cut before its pooling (create_body, cut -2)
// followed by create_head(nf, n_out, {.lin_ftrs, .ps, .concat_pool, .bn_final, .y_range}) — as
// `Sequential<ResNetBody<Block>, Head>`, so parameters are named `0.layer1.0.conv1.weight` and
// `1.2.weight` as in fastai's nn.Sequential(body, head). n_out defaults to the data's `dls.c()`
// (the vocabulary size, or the point count); the loss to the target block's default
// (BCEWithLogitsLossFlat for MultiCategoryBlock, CrossEntropyLossFlat for CategoryBlock,
// MSELossFlat for regression and points), or the one passed: `cnn_learner(dls, resnet18,
// MSELossFlat(), {...})`. Parameters fall into fastai's three ResNet groups — (conv1 ... layer2),
// (layer3, layer4), head — and a pretrained body starts frozen, as fastai's cnn_learner leaves it.
// `.pretrained = "resnet18.pth"` (or .safetensors) loads torchvision's weights into the body: every
// body tensor must be found with its shape (fc's are ignored); anything else is an error listing
// the names, since nothing can be downloaded. Data fed to a pretrained body should be normalised
// with ImageNet's statistics (`.batch_tfms(Normalize::imagenet())`), which fastai adds by itself.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/learner/export.hpp>
#include <fastblock/learner/learner.hpp>
#include <fastblock/nn/head.hpp>
#include <fastblock/nn/loss.hpp>
#include <fastblock/nn/resnet.hpp>
#include <fastblock/nn/sequential.hpp>
#include <fastblock/nn/weights.hpp>

namespace fastblock {

/// Options of cnn_learner: fastai's keyword arguments of cnn_learner and Learner.
struct CnnLearnerOptions {
  /// Metrics of the epoch table and validate().
  std::vector<Metric> metrics{};
  /// Appends SigmoidRange(lo, hi) to the head (fastai's y_range).
  std::optional<std::pair<float, float>> y_range{};
  /// Outputs of the model; unset: dls.c().
  std::optional<std::int64_t> n_out{};
  /// torchvision weights for the body (.pth or .safetensors); empty: random initialisation.
  std::filesystem::path pretrained{};
  /// Hidden sizes of the head.
  std::vector<std::int64_t> lin_ftrs = {512};
  /// Dropout of the head (see HeadOptions::ps).
  std::vector<double> ps = {0.5};
  /// AdaptiveConcatPool2d (true) or average pooling.
  bool concat_pool = true;
  /// A final BatchNorm1d in the head.
  bool bn_final = false;
  /// The optimiser.
  OptFunc opt_func = Adam{};
  /// Default learning rate.
  double lr = 1e-3;
  /// Weight decay; unset: the optimiser's.
  std::optional<double> wd{};
  /// Callbacks.
  std::vector<Callback> cbs{};
  /// Where the model runs.
  Device device = cpu;
  /// Print nothing.
  bool quiet = false;
  /// Seed of the random weights (body and head); unset: default_generator().
  std::optional<std::uint64_t> seed{};
};

/// fastai's three parameter groups of a ResNet model `Sequential(body, head)`.
[[nodiscard]] ParamSplitter resnet_split();

/// The loss a LossKind stands for (see LossKind).
template <LossKind K>
struct default_loss {
  static_assert(K != LossKind::none,
                "fastblock::cnn_learner: the target block has no default loss; pass one: "
                "cnn_learner(dls, arch, MSELossFlat(), {...})");
};
/// Multi-label.
template <>
struct default_loss<LossKind::bce_with_logits> {
  using type = BCEWithLogitsLossFlat;
};
/// Single label.
template <>
struct default_loss<LossKind::cross_entropy> {
  using type = CrossEntropyLossFlat;
};
/// Regression, points.
template <>
struct default_loss<LossKind::mse> {
  using type = MSELossFlat;
};

namespace detail {

/// Loads torchvision weights from `path` into `body` (see the contract).
template <Layer Body>
void load_pretrained_body(Body& body, const std::filesystem::path& path) {
  const LoadReport report = load_weights(body, path, {.strict = false});
  std::string problems;
  for (const auto& name : report.missing) problems += "\n  missing: " + name;
  for (const auto& m : report.mismatched) problems += "\n  mismatched: " + m;
  for (const auto& name : report.unexpected)
    if (name != "fc.weight" && name != "fc.bias") problems += "\n  unexpected: " + name;
  if (!problems.empty())
    throw value_error("fastblock::cnn_learner: " + path.string() +
                      " does not hold this architecture's body:" + problems);
}

}  // namespace detail

/// fastai's cnn_learner with an explicit loss (see the contract above).
template <class Dls, class Arch, class Loss>
requires std::invocable<Arch, ResNetOptions>
[[nodiscard]] auto cnn_learner(Dls dls, Arch arch, Loss loss_func, CnnLearnerOptions o = {}) {
  auto net = arch(ResNetOptions{.seed = o.seed});
  auto body = std::move(net.body);
  if (!o.pretrained.empty()) detail::load_pretrained_body(body, o.pretrained);
  std::int64_t n_out = 0;
  if (o.n_out) {
    n_out = *o.n_out;
  } else if constexpr (requires { dls.c(); }) {
    n_out = dls.c();
  } else {
    throw value_error(
        "fastblock::cnn_learner: these loaders do not know their number of "
        "outputs; pass .n_out");
  }
  const std::int64_t nf = body.out_channels();
  const HeadOptions head_options{
      .lin_ftrs = o.lin_ftrs,
      .ps = o.ps,
      .concat_pool = o.concat_pool,
      .bn_final = o.bn_final,
      .y_range = o.y_range,
      .seed = o.seed ? std::optional<std::uint64_t>(*o.seed + 1) : std::nullopt};
  Head head = create_head(nf, n_out, head_options);
  using Body = decltype(body);
  ModelSpec spec{.block = std::same_as<Body, ResNetBody<Bottleneck>> ? "bottleneck" : "basic",
                 .layers = {static_cast<std::int64_t>(body.layer1.size()),
                            static_cast<std::int64_t>(body.layer2.size()),
                            static_cast<std::int64_t>(body.layer3.size()),
                            static_cast<std::int64_t>(body.layer4.size())},
                 .in_channels = body.conv1.in_channels(),
                 .n_out = n_out,
                 .head = head_options};
  Sequential<decltype(body), Head> model(std::move(body), std::move(head));
  Learner learn(std::move(dls), std::move(model), std::move(loss_func),
                LearnerOptions{.opt_func = o.opt_func,
                               .lr = o.lr,
                               .wd = o.wd,
                               .metrics = std::move(o.metrics),
                               .cbs = std::move(o.cbs),
                               .splitter = resnet_split(),
                               .device = o.device,
                               .quiet = o.quiet});
  learn.model_spec = std::move(spec);
  if (!o.pretrained.empty()) learn.freeze();
  return learn;
}

/// fastai's cnn_learner with the loss of the target block.
template <class Dls, class Arch>
requires std::invocable<Arch, ResNetOptions>
[[nodiscard]] auto cnn_learner(Dls dls, Arch arch, CnnLearnerOptions o = {}) {
  static_assert(
      requires { Dls::loss_kind; },
      "fastblock::cnn_learner: these loaders do not name a target block; pass a loss: "
      "cnn_learner(dls, arch, BCEWithLogitsLossFlat(), {...})");
  using Loss = typename default_loss<Dls::loss_kind>::type;
  return cnn_learner(std::move(dls), std::move(arch), Loss(), std::move(o));
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/cnn_learner-inl.hpp>
#endif
