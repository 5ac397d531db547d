// fastblock/learner/load_learner-inl.hpp — the non-template parts of load_learner.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/learner/load_learner.hpp>
#include <fastblock/learner/spec_names.hpp>
#include <fastblock/nn/weights.hpp>

namespace fastblock {

namespace detail {

/// Reads the fields of one JSON object of the spec, naming file and field in every error.
class SpecReader {
 public:
  /// A reader of the object `j` at `where` (io_error when it is not an object, or with `list`
  /// not a list).
  SpecReader(const nlohmann::json& j, std::string file, std::string where, bool list = false)
      : j_(j), file_(std::move(file)), where_(std::move(where)) {
    if (list ? !j_.is_array() : !j_.is_object()) fail(where_, list ? "a list" : "an object");
  }
  /// Field `key` converted to T; io_error when missing or of another type.
  template <class T>
  T get(const char* key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail(name(key), "present");
    try {
      return it->template get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(name(key), "of type " + std::string(type_hint<T>()));
    }
  }
  /// Field `key` as a nested reader.
  [[nodiscard]] SpecReader object(const char* key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail(name(key), "present");
    return SpecReader(*it, file_, name(key));
  }
  /// Field `key`, a list, as a nested reader.
  [[nodiscard]] SpecReader list(const char* key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail(name(key), "present");
    return SpecReader(*it, file_, name(key), true);
  }
  /// Element `i` of a list, as a nested reader.
  [[nodiscard]] SpecReader element(std::size_t i) const {
    return SpecReader(j_.at(i), file_, where_ + "[" + std::to_string(i) + "]");
  }
  /// Whether field `key` is null or absent.
  [[nodiscard]] bool is_null(const char* key) const {
    const auto it = j_.find(key);
    return it == j_.end() || it->is_null();
  }
  /// An image size {"h", "w"} at `key`.
  [[nodiscard]] ImageSize size(const char* key) const {
    const SpecReader s = object(key);
    return ImageSize(s.get<std::int64_t>("h"), s.get<std::int64_t>("w"));
  }
  /// An enum stored by name at `key`.
  template <class E>
  E enumerator(const char* key) const {
    return enum_from_name<E>(get<std::string>(key), "'" + file_ + "': " + name(key));
  }
  /// The raw JSON.
  [[nodiscard]] const nlohmann::json& json() const noexcept { return j_; }
  /// io_error: "<file>: <field> must be <expected>".
  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    throw io_error("fastblock::load_learner: '" + file_ + "': " + field + " must be " + expected);
  }
  /// The dotted name of `key` here.
  [[nodiscard]] std::string name(const char* key) const { return where_ + "." + key; }

 private:
  template <class T>
  static constexpr const char* type_hint() {
    if constexpr (std::is_same_v<T, bool>)
      return "boolean";
    else if constexpr (std::is_integral_v<T>)
      return "integer";
    else if constexpr (std::is_floating_point_v<T>)
      return "number";
    else if constexpr (std::is_same_v<T, std::string>)
      return "string";
    else
      return "a list of the right kind";
  }

  const nlohmann::json& j_;
  std::string file_;
  std::string where_;
};

/// One transform of the spec.
inline InferenceTransform transform_from_spec(const SpecReader& r) {
  const auto type = r.get<std::string>("type");
  if (type == "Resize")
    return Resize(r.size("size"), {.method = r.enumerator<ResizeMethod>("method"),
                                   .pad_mode = r.enumerator<PadMode>("pad_mode")});
  if (type == "RandomResizedCrop") {
    const auto ratio = r.get<std::array<double, 2>>("ratio");
    return RandomResizedCrop(r.size("size"), {.min_scale = r.get<double>("min_scale"),
                                              .ratio = ratio,
                                              .val_xtra = r.get<double>("val_xtra"),
                                              .max_scale = r.get<double>("max_scale")});
  }
  if (type == "CenterCrop") return CenterCrop(r.size("size"), r.enumerator<PadMode>("pad_mode"));
  if (type == "ToTensor") return ToTensor{};
  if (type == "PointScaler") return PointScaler{};
  if (type == "IntToFloatTensor") return IntToFloatTensor{};
  if (type == "Normalize")
    return Normalize::from_stats(r.get<std::vector<float>>("mean"),
                                 r.get<std::vector<float>>("std"));
  if (type == "AffineCoordTfm") {
    AugmentOptions o{.mult = r.get<double>("mult"),
                     .do_flip = r.get<bool>("do_flip"),
                     .flip_vert = r.get<bool>("flip_vert"),
                     .max_rotate = r.get<double>("max_rotate"),
                     .min_zoom = r.get<double>("min_zoom"),
                     .max_zoom = r.get<double>("max_zoom"),
                     .max_lighting = r.get<double>("max_lighting"),
                     .max_warp = r.get<double>("max_warp"),
                     .p_affine = r.get<double>("p_affine"),
                     .p_lighting = r.get<double>("p_lighting"),
                     .size = std::nullopt,
                     .pad_mode = r.enumerator<PadMode>("pad_mode")};
    if (!r.is_null("size")) o.size = r.size("size");
    return AffineCoordTfm(o);
  }
  r.fail(r.name("type"),
         "one of Resize, RandomResizedCrop, CenterCrop, ToTensor, PointScaler, "
         "IntToFloatTensor, AffineCoordTfm, Normalize (got '" +
             type + "')");
}

/// A list of transforms.
inline std::vector<InferenceTransform> transforms_from_spec(const SpecReader& root,
                                                            const char* key) {
  const SpecReader list = root.list(key);
  std::vector<InferenceTransform> out;
  for (std::size_t i = 0; i < list.json().size(); ++i)
    out.push_back(transform_from_spec(list.element(i)));
  return out;
}

/// The target block of the spec, with its vocabulary or point count.
inline InferenceTarget target_from_spec(const SpecReader& target) {
  const auto type = target.get<std::string>("type");
  if (type == "MultiCategoryBlock" || type == "CategoryBlock") {
    const CategoryBlockOptions o{.vocab = target.get<std::vector<std::string>>("vocab"),
                                 .sort = false};
    if (type == "CategoryBlock") {
      CategoryBlock b(o);
      b.setup({});
      return b;
    }
    MultiCategoryBlock b(o);
    b.setup({});
    return b;
  }
  if (type == "PointBlock")
    return PointBlock({.n_points = target.get<std::int64_t>("n_points"),
                       .outside = target.enumerator<PointsOutside>("outside")});
  target.fail(target.name("type"), "MultiCategoryBlock, CategoryBlock or PointBlock");
}

/// Checks the architecture the spec declares against the file's tensors before anything is
/// built, so a damaged or hand-edited spec cannot make load_learner allocate a model far larger
/// than the file (found by fuzzing): the stem convolution's shape pins in_channels, the last
/// block of each stage must be there and the next one absent, and every head layer must fit in
/// the file's elements.
inline void check_spec_against(const ModelSpec& spec, const StateDict& tensors,
                               const SpecReader& m) {
  const auto stem = tensors.find("0.conv1.weight");
  if (!stem || stem->dim() != 4 || stem->shape()[1] != spec.in_channels || spec.in_channels < 1)
    m.fail(m.name("in_channels"), "the input channels of the file's 0.conv1.weight (" +
                                      (stem ? stem->shape().str() : std::string("absent")) + ")");
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string stage = "0.layer" + std::to_string(i + 1) + ".";
    const std::int64_t n = spec.layers[i];
    if (n < 1 || n > static_cast<std::int64_t>(tensors.size()) ||
        !tensors.contains(stage + std::to_string(n - 1) + ".conv1.weight") ||
        tensors.contains(stage + std::to_string(n) + ".conv1.weight"))
      m.fail(m.name("layers") + "[" + std::to_string(i) + "]",
             "the number of blocks the file holds in " + stage.substr(0, stage.size() - 1));
  }
  std::int64_t total = 0;
  for (const auto& [name, t] : tensors) total += t.numel();
  const std::int64_t nf =
      (spec.block == "bottleneck" ? 2048 : 512) * (spec.head.concat_pool ? 2 : 1);
  std::vector<std::int64_t> sizes{nf};
  for (std::int64_t f : spec.head.lin_ftrs) sizes.push_back(f);
  sizes.push_back(spec.n_out);
  for (std::size_t i = 1; i < sizes.size(); ++i)
    if (sizes[i] < 1 || sizes[i - 1] > total / sizes[i])
      m.fail(i + 1 == sizes.size() ? m.name("n_out") : m.name("head") + ".lin_ftrs",
             "sizes whose layers fit in the file's " + std::to_string(total) + " weights");
}

/// The model of `spec` with fresh weights (to be overwritten by the file's).
template <class Block>
InferenceModel build_model(const ModelSpec& spec) {
  Generator rng(0);
  ResNetBody<Block> body(spec.layers, spec.in_channels, rng);
  HeadOptions head = spec.head;
  head.seed = 0;
  Head h(body.out_channels(), spec.n_out, head);
  return Sequential<ResNetBody<Block>, Head>(std::move(body), std::move(h));
}

/// An item or batch between transforms: an image before ToTensor, a tensor after.
using InferenceStage = std::variant<std::tuple<Image>, std::tuple<TensorImage>>;

/// `stage` through each transform of `tfms` that accepts it, at validation time.
inline InferenceStage run_inference_tfms(const std::vector<InferenceTransform>& tfms,
                                         InferenceStage stage) {
  Generator rng;
  TransformContext ctx{rng, false};
  for (const auto& t : tfms) {
    stage = std::visit(
        [&]<class T, class Tup>(const T& tf, Tup& tup) -> InferenceStage {
          if constexpr (transform_result<T, Tup>::applies) {
            auto out = apply_one(tf, std::move(tup), ctx);
            if constexpr (std::is_constructible_v<InferenceStage, decltype(out)>) {
              return out;
            } else {
              throw value_error(
                  "fastblock::LoadedLearner::predict: a transform made neither an "
                  "Image nor a TensorImage");
            }
          } else {
            return std::move(tup);
          }
        },
        t, stage);
  }
  return stage;
}

}  // namespace detail

FASTBLOCK_FUNC LoadedLearner::LoadedLearner(Parts parts)
    : thresholds(std::move(parts.thresholds)), parts_(std::move(parts)) {
  std::visit([](auto& m) { m.train(false); }, parts_.model);
}

FASTBLOCK_FUNC Tensor LoadedLearner::model(const Tensor& x) {
  return std::visit([&](auto& m) { return m.forward(x.to(device_)).to(cpu); }, parts_.model);
}

FASTBLOCK_FUNC LoadedLearner& LoadedLearner::to(Device device) {
  std::visit([&](auto& m) { fastblock::to(m, device); }, parts_.model);
  device_ = device;
  return *this;
}

FASTBLOCK_FUNC const CategoryMap& LoadedLearner::vocab() const {
  if (const auto* b = std::get_if<MultiCategoryBlock>(&parts_.target)) return b->vocab();
  if (const auto* b = std::get_if<CategoryBlock>(&parts_.target)) return b->vocab();
  throw value_error("fastblock::LoadedLearner::vocab: this learner predicts points, not labels");
}

FASTBLOCK_FUNC Prediction LoadedLearner::predict(const std::filesystem::path& path) {
  return predict(parts_.input.encode(path));
}

FASTBLOCK_FUNC Prediction LoadedLearner::predict(const Image& image) {
  detail::InferenceStage item =
      detail::run_inference_tfms(parts_.item_tfms, std::tuple<Image>(image));
  const auto* tensor_item = std::get_if<std::tuple<TensorImage>>(&item);
  if (tensor_item == nullptr)
    throw value_error(
        "fastblock::LoadedLearner::predict: the exported item transforms leave an Image, not a "
        "tensor (ToTensor is missing from the export)");
  auto batch = fastblock::collate(std::span<const std::tuple<TensorImage>>(tensor_item, 1));
  const detail::InferenceStage done =
      detail::run_inference_tfms(parts_.batch_tfms, std::move(batch));
  const Tensor& xb = std::get<0>(std::get<std::tuple<TensorImage>>(done));
  const Tensor out = model(xb);
  const auto& shape = xb.shape();
  return std::visit(
      [&](const auto& target, const auto& loss) {
        return detail::decode_prediction(target, loss, out, thresholds, shape[shape.size() - 1],
                                         shape[shape.size() - 2]);
      },
      parts_.target, parts_.loss);
}

FASTBLOCK_FUNC LoadedLearner load_learner(const std::filesystem::path& path, Device device) {
  SafetensorsFile file = read_safetensors(path);
  const std::string name = path.string();
  const auto format = file.metadata.find("format");
  const auto text = file.metadata.find("fastblock.learner");
  if (format == file.metadata.end() || format->second != "fastblock.learner" ||
      text == file.metadata.end())
    throw io_error("fastblock::load_learner: '" + name +
                   "' is not a learner exported by Learner::export_learner (its metadata has no "
                   "format 'fastblock.learner'); a checkpoint of learn.save() loads with "
                   "learn.load()");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text->second);
  } catch (const nlohmann::json::exception& e) {
    throw io_error("fastblock::load_learner: '" + name +
                   "': the spec is not valid JSON: " + e.what());
  }
  const detail::SpecReader root(j, name, "spec");
  if (root.get<std::int64_t>("version") != 1)
    root.fail(root.name("version"), "1, the version this fastblock reads");

  const detail::SpecReader m = root.object("model");
  ModelSpec spec;
  spec.block = m.get<std::string>("block");
  spec.layers = m.get<std::array<std::int64_t, 4>>("layers");
  spec.in_channels = m.get<std::int64_t>("in_channels");
  spec.n_out = m.get<std::int64_t>("n_out");
  const detail::SpecReader h = m.object("head");
  spec.head.lin_ftrs = h.get<std::vector<std::int64_t>>("lin_ftrs");
  spec.head.ps = h.get<std::vector<double>>("ps");
  spec.head.concat_pool = h.get<bool>("concat_pool");
  spec.head.first_bn = h.get<bool>("first_bn");
  spec.head.bn_final = h.get<bool>("bn_final");
  if (!h.is_null("y_range")) {
    const auto yr = h.get<std::array<float, 2>>("y_range");
    spec.head.y_range = std::pair{yr[0], yr[1]};
  }
  if (spec.block != "basic" && spec.block != "bottleneck")
    m.fail(m.name("block"), "'basic' or 'bottleneck'");
  detail::check_spec_against(spec, file.tensors, m);
  InferenceModel model = spec.block == "basic" ? detail::build_model<BasicBlock>(spec)
                                               : detail::build_model<Bottleneck>(spec);
  std::visit(
      [&](auto& net) {
        (void)detail::load_into(detail::named_parameters(net), file.tensors, {},
                                "the export '" + name + "'");
      },
      model);

  const detail::SpecReader input = root.object("input");
  if (input.get<std::string>("type") != "ImageBlock")
    input.fail(input.name("type"), "'ImageBlock'");
  auto item_tfms = detail::transforms_from_spec(root, "item_tfms");
  // As DataBlock::dataloaders does for the exporting learner, so that predictions agree: JPEGs
  // decode smaller when the first item transform (they run in order) shrinks them anyway.
  DecodeOptions decoding{.max_pixels = input.get<std::int64_t>("max_pixels")};
  if (!item_tfms.empty())
    std::visit(
        [&](const auto& t) {
          if constexpr (requires { t.max_shrink(std::int64_t{}, std::int64_t{}); })
            decoding.max_shrink = [t](std::int64_t w, std::int64_t h) {
              return t.max_shrink(w, h);
            };
        },
        item_tfms.front());
  const ImageBlock input_block(std::move(decoding));

  const InferenceTarget target = detail::target_from_spec(root.object("target"));
  const detail::SpecReader loss = root.object("loss");
  const auto loss_type = loss.get<std::string>("type");
  InferenceLoss loss_func = MSELossFlat();
  if (loss_type == "BCEWithLogitsLossFlat")
    loss_func = BCEWithLogitsLossFlat({}, loss.get<float>("thresh"));
  else if (loss_type == "CrossEntropyLossFlat")
    loss_func = CrossEntropyLossFlat();
  else if (loss_type != "MSELossFlat")
    loss.fail(loss.name("type"), "BCEWithLogitsLossFlat, CrossEntropyLossFlat or MSELossFlat");
  auto thresholds = root.get<std::vector<float>>("thresholds");
  if (!thresholds.empty() && static_cast<std::int64_t>(thresholds.size()) != spec.n_out)
    root.fail(root.name("thresholds"), "empty or one per output (" + std::to_string(spec.n_out) +
                                           "), not " + std::to_string(thresholds.size()));

  LoadedLearner learn({.spec = std::move(spec),
                       .model = std::move(model),
                       .input = input_block,
                       .item_tfms = std::move(item_tfms),
                       .batch_tfms = detail::transforms_from_spec(root, "batch_tfms"),
                       .target = target,
                       .loss = std::move(loss_func),
                       .thresholds = std::move(thresholds)});
  learn.to(device);
  return learn;
}

}  // namespace fastblock
