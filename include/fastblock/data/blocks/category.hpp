// fastblock/data/blocks/category.hpp — single- and multi-label classification targets.
//
// Contract: CategoryBlock (one label per item: std::string -> TensorCategory, cross-entropy) and
// MultiCategoryBlock (any number of labels: std::vector<std::string> -> one-hot
// TensorMultiCategory, BCE-with-logits) learn their vocabulary in setup() from the training
// labels only, as fastai's Categorize/MultiCategorize do: the sorted unique labels, in string
// (byte) order, so "eight" comes before "five". Encoding a label the training set never showed
// throws data_error naming it and the labels that are known. decode turns
// an item back into the labels a person reads; LabelList prints like fastai's L,
// `(#2) ['bicycle','person']` (fastcore's coll_repr: no space after the comma, 10 items, `...`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/tensor/typed_tensor.hpp>

namespace fastblock {

/// A list of labels, as MultiCategoryBlock decodes a target; a std::vector<std::string> that
/// prints like fastai's L: `(#1) ['bottle']`.
class LabelList : public std::vector<std::string> {
 public:
  using std::vector<std::string>::vector;
  /// An empty list.
  LabelList() = default;
  /// Takes over `labels` (implicit, so a LabelList is returned wherever a vector is built).
  LabelList(std::vector<std::string> labels)  // NOLINT(google-explicit-constructor)
      : std::vector<std::string>(std::move(labels)) {}
};

/// fastcore's coll_repr of the labels: `(#2) ['bicycle','person']`; after 10 labels, `...`.
[[nodiscard]] std::string repr(const LabelList& labels);
/// Writes repr(labels).
std::ostream& operator<<(std::ostream& os, const LabelList& labels);

/// A vocabulary: labels in index order plus a lookup from label to index (fastai's CategoryMap,
/// with `items` and `o2i`).
class CategoryMap {
 public:
  /// An empty vocabulary.
  CategoryMap() = default;
  /// The unique labels of `labels`: sorted in string order when `sort` (fastai's default),
  /// otherwise in order of first appearance.
  explicit CategoryMap(std::span<const std::string> labels, bool sort = true);
  /// See the span constructor; `CategoryMap({"dog", "cat"})`.
  CategoryMap(std::initializer_list<std::string> labels, bool sort = true)
      : CategoryMap(std::span<const std::string>(labels.begin(), labels.size()), sort) {}

  /// Number of labels.
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  /// Whether there are no labels.
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  /// The label of index `i`; throws index_error naming `i` and size() when out of range.
  [[nodiscard]] const std::string& operator[](std::int64_t i) const;
  /// The labels at the integer indices `idxs` (0-d or 1-D), as fastai's `vocab[idxs]` gives
  /// them: `vocab[where(y == 1)[0]]` is `(#1) ['bottle']`. index_error for an index out of range.
  [[nodiscard]] LabelList operator[](const Tensor& idxs) const;
  /// The labels in index order (fastai's `vocab.items`).
  [[nodiscard]] const std::vector<std::string>& items() const noexcept { return items_; }
  /// First label.
  [[nodiscard]] auto begin() const noexcept { return items_.begin(); }
  /// One past the last label.
  [[nodiscard]] auto end() const noexcept { return items_.end(); }
  /// The index of `label`, or nothing when it is not in the vocabulary (fastai's `o2i`).
  [[nodiscard]] std::optional<std::int64_t> find(std::string_view label) const;
  /// Whether `label` is in the vocabulary.
  [[nodiscard]] bool contains(std::string_view label) const { return find(label).has_value(); }
  /// Whether both hold the same labels in the same order.
  friend bool operator==(const CategoryMap& a, const CategoryMap& b) {
    return a.items_ == b.items_;
  }

  /// The data_error for labels that are not in the vocabulary, from `who` ("CategoryBlock"):
  /// names each unknown label, lists up to 10 known ones, and hints at a missing split().
  [[nodiscard]] data_error unknown_labels(std::string_view who,
                                          std::span<const std::string_view> unknown) const;

 private:
  std::vector<std::string> items_;
  std::vector<std::int64_t> by_label_;  // indices into items_, sorted by label, for lookups
};

/// fastcore's coll_repr of the vocabulary, like LabelList's.
[[nodiscard]] std::string repr(const CategoryMap& vocab);
/// Writes repr(vocab).
std::ostream& operator<<(std::ostream& os, const CategoryMap& vocab);

/// Options of CategoryBlock and MultiCategoryBlock (fastai's `vocab=`, `sort=`).
struct CategoryBlockOptions {
  /// A fixed vocabulary; setup() then keeps it instead of learning one from the training labels.
  std::optional<std::vector<std::string>> vocab{};
  /// Whether the vocabulary is sorted (a given one too, as fastai's CategoryMap does); otherwise
  /// labels keep their order of first appearance.
  bool sort = true;
};

/// Single-label classification: get_y returns one label per item (a std::string); items are
/// 0-d int64 TensorCategory indices into the vocabulary; n_out is the number of classes.
class CategoryBlock {
 public:
  /// What get_y returns: one label.
  using raw_type = std::string;
  /// A 0-d int64 index into vocab().
  using item_type = TensorCategory;
  /// A 1-D int64 tensor of indices.
  using batch_type = TensorCategory;
  /// CrossEntropyLossFlat.
  static constexpr LossKind loss_kind = LossKind::cross_entropy;

  /// A block that learns its vocabulary in setup().
  CategoryBlock() = default;
  /// A block with options (e.g. a fixed vocabulary).
  explicit CategoryBlock(CategoryBlockOptions options);

  /// Learns the vocabulary: the unique training labels, sorted (unless a fixed one was given).
  void setup(std::span<const std::string> training_labels);
  /// The index of `label`; throws data_error naming it when the vocabulary does not hold it.
  [[nodiscard]] TensorCategory encode(std::string_view label) const;
  /// The label of a 0-d (or one-element) index tensor; index_error when out of range.
  [[nodiscard]] std::string decode(const TensorCategory& item) const;
  /// Number of classes.
  [[nodiscard]] std::int64_t n_out() const noexcept {
    return static_cast<std::int64_t>(vocab_.size());
  }
  /// The vocabulary (fastai's `dls.vocab`).
  [[nodiscard]] const CategoryMap& vocab() const noexcept { return vocab_; }

 private:
  CategoryMap vocab_;
  bool sort_ = true;
  bool fixed_ = false;
};

/// Multi-label classification: get_y returns the item's labels (a std::vector<std::string>,
/// possibly empty: `split(r["labels"], ' ')`); items are float32 one-hot TensorMultiCategory
/// vectors over the vocabulary; n_out is the number of classes.
class MultiCategoryBlock {
 public:
  /// What get_y returns: the labels of one item.
  using raw_type = std::vector<std::string>;
  /// A float32 one-hot vector of shape [n_out()].
  using item_type = TensorMultiCategory;
  /// A float32 tensor of shape [bs, n_out()].
  using batch_type = TensorMultiCategory;
  /// BCEWithLogitsLossFlat.
  static constexpr LossKind loss_kind = LossKind::bce_with_logits;

  /// A block that learns its vocabulary in setup().
  MultiCategoryBlock() = default;
  /// A block with options (e.g. a fixed vocabulary).
  explicit MultiCategoryBlock(CategoryBlockOptions options);

  /// Learns the vocabulary: the unique labels of all training items, sorted (unless fixed).
  void setup(std::span<const std::vector<std::string>> training_labels);
  /// Looks at the validation items' labels once, after setup (DataBlock calls it): labels that
  /// never occur in the training items cannot be predicted and have no place in the one-hot
  /// targets, so they are left out of them, and a warning on std::cerr names each with the
  /// number of validation items that carry it (fastai stops with a KeyError at the first
  /// batch instead). A fixed vocabulary is left alone: its unknown labels stay errors.
  void check_valid(std::span<const std::vector<std::string>> valid_labels);
  /// The one-hot vector of `labels` (all zeros for none; a repeated label counts once); throws
  /// data_error naming every label the vocabulary does not hold, except the validation-only
  /// labels check_valid reported, which are left out.
  [[nodiscard]] TensorMultiCategory encode(std::span<const std::string> labels) const;
  /// The labels check_valid found only in validation items, sorted.
  [[nodiscard]] const std::vector<std::string>& valid_only_labels() const noexcept {
    return valid_only_;
  }
  /// See the span overload; `encode({"bicycle", "person"})`.
  [[nodiscard]] TensorMultiCategory encode(std::initializer_list<std::string> labels) const {
    return encode(std::span<const std::string>(labels.begin(), labels.size()));
  }
  /// The labels whose entry exceeds `thresh`: the 1s of a target, or the likely classes of
  /// probabilities. Throws shape_error unless `item` has shape [n_out()].
  [[nodiscard]] LabelList decode(const TensorMultiCategory& item, float thresh = 0.5f) const;
  /// Number of classes.
  [[nodiscard]] std::int64_t n_out() const noexcept {
    return static_cast<std::int64_t>(vocab_.size());
  }
  /// The vocabulary (fastai's `dls.vocab`).
  [[nodiscard]] const CategoryMap& vocab() const noexcept { return vocab_; }
  /// Per class, the training items without the label over those with it (PyTorch's advice for
  /// BCEWithLogitsLoss's pos_weight), from what setup() saw; 1 for a class no training item has.
  /// `BCEWithLogitsLossFlat({}, 0.5f, dls.block<1>().pos_weight())`.
  [[nodiscard]] std::vector<float> pos_weight() const;

 private:
  CategoryMap vocab_;
  bool sort_ = true;
  bool fixed_ = false;
  std::vector<std::int64_t> positives_;  // training items per class, counted in setup()
  std::int64_t n_training_ = 0;
  std::vector<std::string> valid_only_;  // sorted; left out of targets by encode
};

// What DataBlock says when get_x/get_y returns something else; the commonest slip is returning
// the labels cell itself for a MultiCategoryBlock.
FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(CategoryBlock, "one label (std::string or std::string_view)", "")
FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(
    MultiCategoryBlock, "std::vector<std::string>",
    "; for a cell like \"dog person\" return split(r[\"labels\"], ' ')")

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/blocks/category-inl.hpp>
#endif
