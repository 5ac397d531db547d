// fastblock/data/blocks/category-inl.hpp — out-of-line definitions for data/blocks/category.hpp.
//
// Included by category.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/category.hpp>
#include <fastblock/data/strings.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fastblock {

namespace detail {

/// fastcore's coll_repr: `(#n) [` + the first 10 reprs joined by ',' + `...` when longer + `]`.
FASTBLOCK_FUNC std::string coll_repr(std::span<const std::string> items) {
  constexpr std::size_t max_n = 10;
  std::string out = "(#" + std::to_string(items.size()) + ") [";
  for (std::size_t i = 0; i < items.size() && i < max_n; ++i) {
    if (i) out += ',';
    out += python_repr(items[i]);
  }
  if (items.size() > max_n) out += "...";
  return out + "]";
}

}  // namespace detail

FASTBLOCK_FUNC std::string repr(const LabelList& labels) { return detail::coll_repr(labels); }

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const LabelList& labels) {
  return os << repr(labels);
}

FASTBLOCK_FUNC CategoryMap::CategoryMap(std::span<const std::string> labels, bool sort) {
  std::vector<std::int64_t> order(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  // Stable, so equal labels stay in order of appearance and the first one wins below.
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return labels[static_cast<std::size_t>(a)] < labels[static_cast<std::size_t>(b)];
  });
  std::vector<std::int64_t> firsts;  // position in `labels` of each distinct label, label order
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || labels[static_cast<std::size_t>(order[k])] !=
                      labels[static_cast<std::size_t>(order[k - 1])])
      firsts.push_back(order[k]);
  }
  if (!sort) std::sort(firsts.begin(), firsts.end());
  items_.reserve(firsts.size());
  for (const std::int64_t p : firsts) items_.push_back(labels[static_cast<std::size_t>(p)]);
  by_label_.resize(items_.size());
  for (std::size_t i = 0; i < items_.size(); ++i) by_label_[i] = static_cast<std::int64_t>(i);
  std::sort(by_label_.begin(), by_label_.end(), [&](std::int64_t a, std::int64_t b) {
    return items_[static_cast<std::size_t>(a)] < items_[static_cast<std::size_t>(b)];
  });
}

FASTBLOCK_FUNC const std::string& CategoryMap::operator[](std::int64_t i) const {
  if (i < 0 || i >= static_cast<std::int64_t>(items_.size()))
    throw index_error("fastblock::CategoryMap: index " + std::to_string(i) +
                      " is out of range for a vocabulary of " + std::to_string(items_.size()) +
                      " labels");
  return items_[static_cast<std::size_t>(i)];
}

FASTBLOCK_FUNC LabelList CategoryMap::operator[](const Tensor& idxs) const {
  if (idxs.dim() > 1)
    throw shape_error("fastblock::CategoryMap: indices must be 0-d or 1-D, got shape " +
                      idxs.shape().str());
  if (idxs.dtype() == float32 || idxs.dtype() == boolean)
    throw dtype_error("fastblock::CategoryMap: indices must be an integer tensor, got " +
                      std::string(dtype_name(idxs.dtype())));
  const Tensor i64 = idxs.to(int64).contiguous();
  LabelList out;
  out.reserve(static_cast<std::size_t>(i64.numel()));
  for (const std::int64_t i : i64.span<std::int64_t>()) out.push_back((*this)[i]);
  return out;
}

FASTBLOCK_FUNC std::optional<std::int64_t> CategoryMap::find(std::string_view label) const {
  const auto it = std::lower_bound(
      by_label_.begin(), by_label_.end(), label, [&](std::int64_t i, std::string_view value) {
        return std::string_view(items_[static_cast<std::size_t>(i)]) < value;
      });
  if (it == by_label_.end() || items_[static_cast<std::size_t>(*it)] != label) return {};
  return *it;
}

FASTBLOCK_FUNC data_error
CategoryMap::unknown_labels(std::string_view who, std::span<const std::string_view> unknown) const {
  std::string message = "fastblock::" + std::string(who) + ": ";
  message += unknown.size() == 1 ? "label " : "labels ";
  for (std::size_t i = 0; i < unknown.size(); ++i) {
    if (i) message += ", ";
    message += python_repr(unknown[i]);
  }
  message += unknown.size() == 1 ? " is" : " are";
  if (items_.empty()) {
    message += " not in the vocabulary, which is empty: setup() has not seen any training label";
  } else {
    message += " not in the vocabulary learned from the training set (" +
               std::to_string(items_.size()) + " labels: ";
    constexpr std::size_t shown = 10;
    for (std::size_t i = 0; i < items_.size() && i < shown; ++i) {
      if (i) message += ", ";
      message += python_repr(items_[i]);
    }
    message += items_.size() > shown ? ", ...)" : ")";
  }
  for (const std::string_view label : unknown) {
    if (label.find(' ') != std::string_view::npos) {
      message += "; a label contains a space: should get_y return split(labels, ' ')?";
      break;
    }
  }
  return data_error(message);
}

FASTBLOCK_FUNC std::string repr(const CategoryMap& vocab) {
  return detail::coll_repr(vocab.items());
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const CategoryMap& vocab) {
  return os << repr(vocab);
}

FASTBLOCK_FUNC CategoryBlock::CategoryBlock(CategoryBlockOptions options)
    : sort_(options.sort), fixed_(options.vocab.has_value()) {
  if (fixed_) vocab_ = CategoryMap(*options.vocab, sort_);
}

FASTBLOCK_FUNC void CategoryBlock::setup(std::span<const std::string> training_labels) {
  if (!fixed_) vocab_ = CategoryMap(training_labels, sort_);
}

FASTBLOCK_FUNC TensorCategory CategoryBlock::encode(std::string_view label) const {
  const auto index = vocab_.find(label);
  if (!index) throw vocab_.unknown_labels("CategoryBlock", std::span(&label, 1));
  return TensorCategory(scalar_tensor<std::int64_t>(*index));
}

FASTBLOCK_FUNC std::string CategoryBlock::decode(const TensorCategory& item) const {
  if (item.numel() != 1)
    throw shape_error("fastblock::CategoryBlock::decode: expected one index, got " +
                      item.describe());
  return vocab_[item.item<std::int64_t>()];
}

FASTBLOCK_FUNC MultiCategoryBlock::MultiCategoryBlock(CategoryBlockOptions options)
    : sort_(options.sort), fixed_(options.vocab.has_value()) {
  if (fixed_) vocab_ = CategoryMap(*options.vocab, sort_);
}

FASTBLOCK_FUNC void MultiCategoryBlock::setup(
    std::span<const std::vector<std::string>> training_labels) {
  if (!fixed_) {
    std::vector<std::string> all;
    for (const auto& labels : training_labels) all.insert(all.end(), labels.begin(), labels.end());
    vocab_ = CategoryMap(all, sort_);
  }
  positives_.assign(vocab_.size(), 0);
  n_training_ = static_cast<std::int64_t>(training_labels.size());
  for (const auto& labels : training_labels) {
    std::set<std::int64_t> seen;  // an item counts once per label
    for (const auto& label : labels)
      if (const auto i = vocab_.find(label); i && seen.insert(*i).second)
        ++positives_[static_cast<std::size_t>(*i)];
  }
}

FASTBLOCK_FUNC std::vector<float> MultiCategoryBlock::pos_weight() const {
  std::vector<float> out(vocab_.size(), 1.0f);
  for (std::size_t c = 0; c < positives_.size() && c < out.size(); ++c)
    if (positives_[c] > 0)
      out[c] = static_cast<float>(n_training_ - positives_[c]) / static_cast<float>(positives_[c]);
  return out;
}

FASTBLOCK_FUNC void MultiCategoryBlock::check_valid(
    std::span<const std::vector<std::string>> valid_labels) {
  valid_only_.clear();
  if (fixed_) return;
  std::map<std::string, std::size_t> counts;  // sorted, for a stable message
  for (const auto& labels : valid_labels) {
    std::set<std::string_view> seen;  // an item counts once per label
    for (const auto& label : labels)
      if (!vocab_.find(label) && seen.insert(label).second) ++counts[label];
  }
  if (counts.empty()) return;
  std::string names;
  for (const auto& [label, n] : counts) {
    valid_only_.push_back(label);
    names += (names.empty() ? "'" : ", '") + label + "' (" + std::to_string(n) +
             (n == 1 ? " item)" : " items)");
  }
  std::cerr << "fastblock::MultiCategoryBlock: warning: " << counts.size()
            << (counts.size() == 1 ? " label occurs only in the validation set and is"
                                   : " labels occur only in the validation set and are")
            << " left out of its targets: " << names << "\n";
}

FASTBLOCK_FUNC TensorMultiCategory
MultiCategoryBlock::encode(std::span<const std::string> labels) const {
  Tensor one_hot = zeros({n_out()}, float32);
  float* data = one_hot.data<float>();
  std::vector<std::string_view> unknown;
  for (const std::string& label : labels) {
    if (const auto index = vocab_.find(label)) {
      data[*index] = 1.0f;
    } else if (!std::binary_search(valid_only_.begin(), valid_only_.end(), label)) {
      unknown.push_back(label);
    }
  }
  if (!unknown.empty()) throw vocab_.unknown_labels("MultiCategoryBlock", unknown);
  return TensorMultiCategory(std::move(one_hot));
}

FASTBLOCK_FUNC LabelList MultiCategoryBlock::decode(const TensorMultiCategory& item,
                                                    float thresh) const {
  if (item.dim() != 1 || item.size(0) != n_out())
    throw shape_error("fastblock::MultiCategoryBlock::decode: expected a vector of " +
                      std::to_string(n_out()) + " entries (one per class), got " + item.describe());
  LabelList labels;
  for (std::int64_t i = 0; i < n_out(); ++i) {
    if (item.at<float>({i}) > thresh) labels.push_back(vocab_[i]);
  }
  return labels;
}

}  // namespace fastblock
