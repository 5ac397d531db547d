// fastblock/learner/model_handle.hpp — `learn.model`: the model, callable as the seed calls it.
//
// Contract: ModelHandle owns the model on the heap, so the parameters keep their addresses when
// the learner that holds it moves (its optimiser keeps pointers to them); `learn.model(x)` is the
// forward in the current mode, `learn.model->...` and `*learn.model` reach the model itself.
#pragma once

#include <memory>
#include <utility>

#include <fastblock/nn/layer.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// The model of a learner, callable as the seed calls it (`learn.model(x)`); `->` and `*` reach
/// the model itself. It owns the model on the heap, so the parameters keep their addresses when
/// the learner moves.
template <Layer Model>
class ModelHandle {
 public:
  /// Takes the model.
  explicit ModelHandle(Model model) : model_(std::make_unique<Model>(std::move(model))) {}
  /// The model's forward in its current mode.
  [[nodiscard]] Tensor operator()(const Tensor& x) const { return model_->forward(x); }
  /// The model.
  [[nodiscard]] Model& operator*() const noexcept { return *model_; }
  /// The model's members.
  [[nodiscard]] Model* operator->() const noexcept { return model_.get(); }

 private:
  std::unique_ptr<Model> model_;
};

}  // namespace fastblock
