// fastblock/learner/load_learner.hpp — load_learner(path): an exported learner, ready to predict.
//
// Contract: `auto learn = load_learner("export.safetensors"); auto p = learn.predict("x.jpg");`
// rebuilds what Learner::export_learner described (learner/export.hpp) without the training data
// or any of the user's code: the ResNet body and fastai's head with the exported weights (eval
// mode), the validation-time item and batch transforms in their run order, the target block with
// its vocabulary, the loss and the thresholds. predict runs the same transforms and decoding as
// Learner::predict (learner/predict.hpp), so the two agree exactly. Everything read is checked:
// a file that is not an export, a spec of another version, a missing or mistyped field, an
// unknown transform or block, or weights that do not fit the architecture are errors naming the
// file and what was expected (io_error; value_error listing the weights' differences), and
// truncated files fail in the safetensors reader, naming the file.
#pragma once

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/data/blocks/category.hpp>
#include <fastblock/learner/export.hpp>
#include <fastblock/learner/predict.hpp>
#include <fastblock/nn/head.hpp>
#include <fastblock/nn/loss.hpp>
#include <fastblock/nn/resnet.hpp>
#include <fastblock/nn/sequential.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/vision/augment.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/image_block.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// A transform an exported learner can run.
using InferenceTransform = std::variant<Resize, RandomResizedCrop, CenterCrop, ToTensor,
                                        PointScaler, IntToFloatTensor, AffineCoordTfm, Normalize>;
/// A target block an exported learner decodes with.
using InferenceTarget = std::variant<MultiCategoryBlock, CategoryBlock, PointBlock>;
/// A loss an exported learner takes its activation and decoding from.
using InferenceLoss = std::variant<BCEWithLogitsLossFlat, CrossEntropyLossFlat, MSELossFlat>;
/// cnn_learner's models: a ResNet body and fastai's head.
using InferenceModel = std::variant<Sequential<ResNetBody<BasicBlock>, Head>,
                                    Sequential<ResNetBody<Bottleneck>, Head>>;

/// What load_learner returns (see the contract above).
class LoadedLearner {
 public:
  /// The parts, as load_learner reads them.
  struct Parts {
    ModelSpec spec;
    InferenceModel model;
    ImageBlock input;
    std::vector<InferenceTransform> item_tfms;
    std::vector<InferenceTransform> batch_tfms;
    InferenceTarget target;
    InferenceLoss loss;
    std::vector<float> thresholds;
  };
  /// Takes the parts; the model goes to eval mode.
  explicit LoadedLearner(Parts parts);

  /// The prediction for the image file at `path` (io_error naming it when it cannot be read).
  [[nodiscard]] Prediction predict(const std::filesystem::path& path);
  /// The prediction for `image`.
  [[nodiscard]] Prediction predict(const Image& image);
  /// The model's forward (eval mode) on a prepared batch [N, C, H, W].
  [[nodiscard]] Tensor model(const Tensor& x);
  /// Moves the model to `device`; predictions still come back on the host.
  LoadedLearner& to(Device device);

  /// The architecture.
  [[nodiscard]] const ModelSpec& model_spec() const noexcept { return parts_.spec; }
  /// The target block (its vocabulary, its point count).
  [[nodiscard]] const InferenceTarget& target() const noexcept { return parts_.target; }
  /// The vocabulary of a classification learner; value_error for points.
  [[nodiscard]] const CategoryMap& vocab() const;
  /// The validation-time item transforms, in run order.
  [[nodiscard]] const std::vector<InferenceTransform>& item_tfms() const noexcept {
    return parts_.item_tfms;
  }
  /// The validation-time batch transforms, in run order.
  [[nodiscard]] const std::vector<InferenceTransform>& batch_tfms() const noexcept {
    return parts_.batch_tfms;
  }
  /// Per-class thresholds (empty: the loss's thresh); may be changed.
  std::vector<float> thresholds;

 private:
  Parts parts_;
  Device device_ = cpu;
};

/// Reads an export written by Learner::export_learner (see the contract above), onto `device`.
[[nodiscard]] LoadedLearner load_learner(const std::filesystem::path& path, Device device = cpu);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/load_learner-inl.hpp>
#endif
