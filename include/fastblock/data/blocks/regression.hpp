// fastblock/data/blocks/regression.hpp — continuous targets.
//
// Contract: RegressionBlock's get_y returns a RegressionTarget, which a float, a double, any
// other number, a std::vector<float>/<double> or a Tensor converts to implicitly, so
// `get_y = [](const Row& r) { return std::stod(...); }` needs no ceremony. Items are float32
// tensors of the target's shape (0-d for one number). setup() learns that shape from the
// training targets and insists they all share it, so a ragged target fails there, naming the
// item, instead of at collation; n_out is its number of elements (1 for a number). The loss is
// MSELossFlat. decode gives the numbers back as a RegressionTarget, which prints like fastai's
// TitledFloat (`2.5`) or TitledTuple (`(447.7369, 283.9802)`).
#pragma once

#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

namespace detail {

/// A number a regression target can be (bool is not one: a flag is a category).
template <class T>
concept RegressionNumber = std::is_arithmetic_v<T> && !std::same_as<T, bool>;

}  // namespace detail

/// One regression target: a float32 tensor, usually 0-d (one number) or 1-D (a few numbers).
/// Converts implicitly from numbers, vectors of numbers and tensors; the value is always a copy.
class RegressionTarget {
 public:
  /// An empty target (shape [0]).
  RegressionTarget() = default;
  /// One number, as a 0-d tensor.
  template <detail::RegressionNumber T>
  RegressionTarget(T value)  // NOLINT(google-explicit-constructor)
      : value_(scalar_tensor(static_cast<float>(value))) {}
  /// Several numbers, as a 1-D tensor.
  RegressionTarget(const std::vector<float>& values)  // NOLINT(google-explicit-constructor)
      : value_(from_vector(values)) {}
  /// Several numbers, as a 1-D float32 tensor.
  RegressionTarget(const std::vector<double>& values)  // NOLINT(google-explicit-constructor)
      : value_(from_vector(values)) {}
  /// A CPU float32 copy of `t`, keeping its shape (`tensor({c1, c2})` in the seed).
  RegressionTarget(const Tensor& t);  // NOLINT(google-explicit-constructor)

  /// The value, float32 and contiguous.
  [[nodiscard]] const Tensor& tensor() const noexcept { return value_; }
  /// Its shape ([] for one number).
  [[nodiscard]] const Shape& shape() const noexcept { return value_.shape(); }
  /// The numbers in row-major order.
  [[nodiscard]] std::vector<float> tolist() const;

 private:
  Tensor value_;
};

/// `2.5` for one number, `(447.7369, 283.9802)` for several (shortest round-trip floats).
[[nodiscard]] std::string repr(const RegressionTarget& target);
/// Writes repr(target).
std::ostream& operator<<(std::ostream& os, const RegressionTarget& target);

/// Options of RegressionBlock (fastai's `RegressionBlock(n_out=...)`).
struct RegressionBlockOptions {
  /// The number of outputs, checked against the training targets; unset: learned from them.
  std::optional<std::int64_t> n_out{};
};

/// Regression: see the file comment.
class RegressionBlock {
 public:
  /// What get_y returns.
  using raw_type = RegressionTarget;
  /// A float32 tensor of the targets' shape.
  using item_type = Tensor;
  /// The items stacked: [bs, ...shape].
  using batch_type = Tensor;
  /// MSELossFlat.
  static constexpr LossKind loss_kind = LossKind::mse;

  /// A block that learns the target shape in setup().
  RegressionBlock() = default;
  /// A block whose targets must have `options.n_out` elements; value_error if it is negative.
  explicit RegressionBlock(RegressionBlockOptions options);

  /// Learns the targets' shape; throws data_error naming the first training target whose shape
  /// differs from the first one's, or whose element count differs from a given n_out.
  void setup(std::span<const RegressionTarget> training_targets);
  /// A float32 copy of the target; throws data_error when setup() learned another shape.
  [[nodiscard]] Tensor encode(const RegressionTarget& target) const;
  /// The numbers of an item (or of a prediction of the same shape).
  [[nodiscard]] RegressionTarget decode(const Tensor& item) const { return RegressionTarget(item); }
  /// Number of model outputs: the elements of one target (1 for a number); 0 before setup() has
  /// seen a target, unless given in the options.
  [[nodiscard]] std::int64_t n_out() const noexcept;
  /// The shape learned by setup(), if any.
  [[nodiscard]] const std::optional<Shape>& target_shape() const noexcept { return shape_; }

 private:
  std::optional<std::int64_t> n_out_;
  std::optional<Shape> shape_;
};

// What DataBlock says when get_x/get_y returns something else.
FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(RegressionBlock,
                                 "a RegressionTarget (a number, a std::vector<float> or a Tensor)",
                                 "")

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/blocks/regression-inl.hpp>
#endif
