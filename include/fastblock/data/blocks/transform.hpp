// fastblock/data/blocks/transform.hpp — blocks made from two functions, for user-defined data.
//
// Contract: TransformBlock<Raw, Item, Encode, Decode, Loss> is a stateless block (setup does
// nothing) whose encode and decode are the given callables; with the defaults it passes items
// through unchanged, which is what fastai's bare TransformBlock does and what an empty DataBlock
// uses for (x, x). make_block<Raw>(encode, decode) deduces Item from `encode`. A block that needs
// state learned from the training set (a vocabulary, a shape) is better written as a small class
// satisfying Block, as CategoryBlock is.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/type_name.hpp>

namespace fastblock {

/// Options of TransformBlock.
struct TransformBlockOptions {
  /// What n_out() reports (model outputs this block implies as a target); 0 for input blocks.
  std::int64_t n_out = 0;
};

/// A block from callables: `Encode` maps `const Raw&` to something convertible to `Item`,
/// `Decode` maps `const Item&` to what a person reads; `Loss` is its default loss.
template <class Raw, class Item = Raw, class Encode = std::identity, class Decode = std::identity,
          LossKind Loss = LossKind::none>
requires std::invocable<const Encode&, const Raw&> &&
    std::convertible_to<std::invoke_result_t<const Encode&, const Raw&>, Item> &&
    std::invocable<const Decode&, const Item&>
class TransformBlock {
 public:
  /// What the getter returns.
  using raw_type = Raw;
  /// What encode returns.
  using item_type = Item;
  /// Collation is the DataLoader's business; the batch is named by the item type.
  using batch_type = Item;
  /// The default loss given as a template argument.
  static constexpr LossKind loss_kind = Loss;
  /// setup() learns nothing, so DataBlock need not collect the training values for it.
  static constexpr bool learns_from_data = false;

  /// `TransformBlock<std::string>`, or `TransformBlock<Raw, Item>` when they differ: the
  /// callables' types say little in a summary.
  [[nodiscard]] static std::string block_name() {
    std::string name = "TransformBlock<" + type_name<Raw>();
    if constexpr (!std::same_as<Raw, Item>) name += ", " + type_name<Item>();
    return name + ">";
  }

  /// A block with default-constructed callables (the identity, captureless lambdas).
  TransformBlock() requires std::default_initializable<Encode> && std::default_initializable<Decode>
  = default;
  /// A block with these callables.
  explicit TransformBlock(Encode encode, Decode decode = {}, TransformBlockOptions options = {})
      : encode_(std::move(encode)), decode_(std::move(decode)), n_out_(options.n_out) {}

  /// Nothing to learn.
  void setup(std::span<const Raw> /*training_values*/) {}
  /// `Item(encode(raw))`.
  [[nodiscard]] Item encode(const Raw& raw) const { return Item(std::invoke(encode_, raw)); }
  /// `decode(item)`, by value.
  [[nodiscard]] auto decode(const Item& item) const {
    return std::remove_cvref_t<std::invoke_result_t<const Decode&, const Item&>>(
        std::invoke(decode_, item));
  }
  /// The n_out given in the options.
  [[nodiscard]] std::int64_t n_out() const noexcept { return n_out_; }

 private:
  [[no_unique_address]] Encode encode_{};
  [[no_unique_address]] Decode decode_{};
  std::int64_t n_out_ = 0;
};

/// A TransformBlock whose item type is what `encode` returns:
/// `make_block<std::string>([](const std::string& s) { return s.size(); })`.
template <class Raw, LossKind Loss = LossKind::none, class Encode, class Decode = std::identity>
requires std::invocable<const Encode&, const Raw&>
[[nodiscard]] auto make_block(Encode encode, Decode decode = {},
                              TransformBlockOptions options = {}) {
  using Item = std::remove_cvref_t<std::invoke_result_t<const Encode&, const Raw&>>;
  return TransformBlock<Raw, Item, Encode, Decode, Loss>(std::move(encode), std::move(decode),
                                                         options);
}

}  // namespace fastblock
