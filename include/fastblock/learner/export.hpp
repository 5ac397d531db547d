// fastblock/learner/export.hpp — learn.export_learner(path): a trained learner as plain data.
//
// Contract: an exported learner is one safetensors file: the model's parameters and buffers as
// tensors, and in the metadata, under "fastblock.learner", a versioned JSON spec of everything
// predict needs — the architecture (ResNet block type and stage sizes, input channels, fastai's
// head options, n_out, y_range), the input block (ImageBlock and its decode limit), the item and
// batch transforms that run at validation time in their run order with their parameters
// (Resize, RandomResizedCrop, CenterCrop, ToTensor, PointScaler, IntToFloatTensor,
// AffineCoordTfm, Normalize; training-only ones such as LightingTfm are left out), the target
// block (MultiCategoryBlock or CategoryBlock with the vocabulary, PointBlock with its point
// count), the loss (its kind and thresh) and the learner's per-class thresholds. No code is
// stored, so getters written as lambdas never stand in the way (fastai pickles and breaks on
// them). load_learner (learner/load_learner.hpp) rebuilds the model and the transforms from it.
// What cannot be described — a model cnn_learner did not build, a transform or block outside
// those lists — is a value_error naming it, before anything is written.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/category.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/data/type_name.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/nn/head.hpp>
#include <fastblock/nn/loss.hpp>
#include <fastblock/vision/augment.hpp>
#include <fastblock/vision/image_block.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// How cnn_learner built a model, so load_learner can build it again.
struct ModelSpec {
  /// "basic" (resnet18/34) or "bottleneck" (resnet50).
  std::string block = "basic";
  /// Blocks per stage ({2, 2, 2, 2} for resnet18).
  std::array<std::int64_t, 4> layers{};
  /// Input channels of the first convolution.
  std::int64_t in_channels = 3;
  /// Outputs of the head.
  std::int64_t n_out = 0;
  /// fastai's head options (seed unused).
  HeadOptions head{};
};

/// The torchvision name of a spec's body: "resnet18", "resnet34", "resnet50", or "resnet" when
/// the stages are another combination.
[[nodiscard]] std::string arch_name(const ModelSpec& spec);

/// The parts of an exported learner, each a JSON object's text (see the contract above).
struct ExportSpec {
  /// The architecture.
  ModelSpec model;
  /// The input block.
  std::string input;
  /// Validation-time item transforms, in run order.
  std::vector<std::string> item_tfms;
  /// Validation-time batch transforms, in run order.
  std::vector<std::string> batch_tfms;
  /// The target block.
  std::string target;
  /// The loss.
  std::string loss;
  /// Per-class thresholds (may be empty).
  std::vector<float> thresholds;
};

/// Writes `weights` and `spec` to `path` (written to "<path>.tmp", then renamed); io_error naming
/// the file when it cannot be written.
void write_export(const StateDict& weights, const ExportSpec& spec,
                  const std::filesystem::path& path);

namespace detail {

/// JSON text of each exportable transform's validation-time behaviour.
std::string transform_spec(const Resize& t);
std::string transform_spec(const RandomResizedCrop& t);
std::string transform_spec(const CenterCrop& t);
std::string transform_spec(const ToTensor& t);
std::string transform_spec(const PointScaler& t);
std::string transform_spec(const IntToFloatTensor& t);
std::string transform_spec(const AffineCoordTfm& t);
std::string transform_spec(const Normalize& t);

/// JSON text of each exportable block.
std::string block_spec(const ImageBlock& b);
std::string block_spec(const MultiCategoryBlock& b);
std::string block_spec(const CategoryBlock& b);
std::string block_spec(const PointBlock& b);

/// JSON text of each exportable loss.
std::string loss_spec(const BCEWithLogitsLossFlat& l);
std::string loss_spec(const CrossEntropyLossFlat& l);
std::string loss_spec(const MSELossFlat& l);

/// The specs of a tuple of transforms in run order, leaving out training-only ones; value_error
/// naming a transform that has no spec. `what` is "item" or "batch", for the message.
template <class Tfms>
std::vector<std::string> transform_specs(const Tfms& tfms, const char* what) {
  std::vector<std::string> out;
  constexpr auto perm = run_order<Tfms>::value;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    const auto one = [&]<class T>(const T& t) {
      if constexpr (apply_on_of<T>() == ApplyOn::train) {
        return;  // augmentation: nothing runs at inference
      } else if constexpr (requires { transform_spec(t); }) {
        out.push_back(transform_spec(t));
      } else {
        throw value_error(std::string("fastblock::Learner::export_learner: the ") + what +
                          " transform " + type_name<T>() +
                          " cannot be exported (exportable: Resize, RandomResizedCrop, "
                          "CenterCrop, ToTensor, PointScaler, IntToFloatTensor, AffineCoordTfm, "
                          "Normalize, and training-only transforms, which are left out)");
      }
    };
    (one(std::get<perm[K]>(tfms)), ...);
  }
  (std::make_index_sequence<std::tuple_size_v<Tfms>>{});
  return out;
}

/// block_spec(b), or value_error naming a block that has none.
template <class B>
std::string block_spec_of(const B& b) {
  if constexpr (requires { block_spec(b); }) {
    return block_spec(b);
  } else {
    throw value_error("fastblock::Learner::export_learner: the block " + type_name<B>() +
                      " cannot be exported (inputs: ImageBlock; targets: MultiCategoryBlock, "
                      "CategoryBlock, PointBlock)");
  }
}

/// loss_spec(l), or value_error naming a loss that has none.
template <class L>
std::string loss_spec_of(const L& l) {
  if constexpr (requires { loss_spec(l); }) {
    return loss_spec(l);
  } else {
    throw value_error("fastblock::Learner::export_learner: the loss " + type_name<L>() +
                      " cannot be exported (BCEWithLogitsLossFlat, CrossEntropyLossFlat, "
                      "MSELossFlat can)");
  }
}

}  // namespace detail

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/export-inl.hpp>
#endif
