// fastblock/optim/optimizer.hpp — fastai's optimisers (Adam, SGD) over groups of parameters.
//
// Contract: an Optimizer borrows Parameters (their owner, the model, keeps them at stable
// addresses for the optimiser's lifetime), arranged in groups as fastai's splitter makes them:
// one learning rate, momentum and weight decay per group (`set_lr`/`set_lrs`/`set_mom`/`set_wd`,
// what fit_one_cycle schedules before every batch). `step()` updates every parameter that is
// trainable, not a buffer and has a gradient, exactly as fastai.optimizer.Adam / SGD do:
//   - weight decay: decoupled (p ·= 1 − lr·wd, fastai's default) or, with decouple_wd = false, L2
//     (wd·p added to the gradient in place, as fastai's l2_reg); none on ParamKind::bias and
//     ParamKind::batchnorm parameters unless wd_bn_bias (fastai's Learner default);
//   - a parameter's lr is its group's times its lr_mult, its wd its group's times its wd_mult;
//   - Adam keeps a step count per parameter (a parameter frozen for a while starts counting when
//     it first steps) and debiases with the current momentum; SGD built with mom = 0 has no
//     momentum at all (later set_mom calls are ignored, as fastai builds it without average_grad);
//   - state tensors are allocated lazily as zeros on the parameter's device (and follow it there
//     when the model moves); CPU tensors run cpu_kernels::adam_step/sgd_step, device tensors the
//     backend's fused kernels.
// `state_dict()`/`load_state_dict()` save and restore the hyper-parameters (as float32, the
// precision the kernels use them in) and every state tensor (copies), so a run resumed from a
// checkpoint continues exactly as an uninterrupted one. Copies of an Optimizer have their own
// state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// fastai's Adam (AdamW with decouple_wd): `.opt_func = Adam{.wd = 0.1f}`.
struct Adam {
  /// β1, the gradient's moving-average coefficient (scheduled by fit_one_cycle).
  float mom = 0.9f;
  /// β2, the squared gradient's moving-average coefficient.
  float sqr_mom = 0.99f;
  /// Added to the denominator.
  float eps = 1e-5f;
  /// Weight decay.
  float wd = 0.01f;
  /// True weight decay (AdamW) rather than L2 regularisation added to the gradient.
  bool decouple_wd = true;
  /// Whether bias and batchnorm parameters get weight decay too.
  bool wd_bn_bias = false;
};

/// fastai's SGD: `.opt_func = SGD{.mom = 0.9f}`.
struct SGD {
  /// Momentum (0: plain SGD, and no momentum ever, whatever set_mom later says).
  float mom = 0.0f;
  /// Weight decay.
  float wd = 0.0f;
  /// True weight decay rather than L2 regularisation added to the gradient.
  bool decouple_wd = true;
  /// Whether bias and batchnorm parameters get weight decay too.
  bool wd_bn_bias = false;
};

/// Which optimiser, with its hyper-parameters.
using OptFunc = std::variant<Adam, SGD>;

/// The name of an OptFunc's optimiser: "Adam" or "SGD".
[[nodiscard]] std::string opt_name(const OptFunc& opt);

/// An optimiser over groups of borrowed parameters; see the contract above.
class Optimizer {
 public:
  /// Optimises `groups` (at least one; parameters are borrowed, not owned) with `opt`, every
  /// group at learning rate `lr`. value_error for no group, a null parameter, or a negative lr.
  Optimizer(std::vector<std::vector<Parameter*>> groups, OptFunc opt, double lr);
  /// A copy over the same borrowed parameters, with its own copy of the state tensors.
  Optimizer(const Optimizer& other);
  /// Takes over `other`'s groups and state.
  Optimizer(Optimizer&& other) noexcept = default;
  /// Becomes a copy of `other` (own state tensors, same borrowed parameters).
  Optimizer& operator=(const Optimizer& other);
  /// Takes over `other`'s groups and state.
  Optimizer& operator=(Optimizer&& other) noexcept = default;
  ~Optimizer() = default;

  /// Number of parameter groups.
  [[nodiscard]] std::size_t n_groups() const noexcept { return groups_.size(); }
  /// The parameters of group `group` (index_error when out of range).
  [[nodiscard]] const std::vector<Parameter*>& params(std::size_t group) const;
  /// The optimiser and its construction-time hyper-parameters.
  [[nodiscard]] const OptFunc& opt_func() const noexcept { return opt_; }

  /// Sets the learning rate of every group.
  void set_lr(double lr);
  /// Sets one learning rate per group; shape_error when `lrs` has not n_groups() values.
  void set_lrs(std::span<const double> lrs);
  /// The learning rate of `group`.
  [[nodiscard]] double lr(std::size_t group) const;
  /// Sets the momentum (Adam's β1, SGD's momentum) of every group.
  void set_mom(double mom);
  /// Sets one momentum per group; shape_error when `moms` has not n_groups() values.
  void set_moms(std::span<const double> moms);
  /// The momentum of `group`.
  [[nodiscard]] double mom(std::size_t group) const;
  /// Sets the weight decay of every group.
  void set_wd(double wd);
  /// The weight decay of `group`.
  [[nodiscard]] double wd(std::size_t group) const;

  /// One optimisation step over every trainable parameter with a gradient (see the contract).
  void step();
  /// Clears the gradient of every parameter of every group (memory kept).
  void zero_grad();
  /// Forgets the state (moments, momentum buffers, step counts), as fastai's clear_state.
  void clear_state();
  /// The Adam step count of parameter `index` of `group` (0 before its first step).
  [[nodiscard]] std::int64_t step_count(std::size_t group, std::size_t index) const;

  /// The hyper-parameters and state as named tensors (copies, on the CPU):
  ///   `opt` (int64: 0 Adam, 1 SGD), `group.G.lr`, `group.G.mom`, `group.G.wd` (float32) and, per
  ///   parameter I of group G that has state, `state.G.I.step` (int64), `state.G.I.exp_avg`,
  ///   `state.G.I.exp_avg_sq` (Adam) or `state.G.I.momentum` (SGD with momentum).
  [[nodiscard]] StateDict state_dict() const;
  /// Restores what state_dict() saved onto the parameters' devices. value_error when it is for
  /// another optimiser or another number of groups, index_error for a state entry naming a
  /// parameter that does not exist, shape_error for a state tensor whose shape is not its
  /// parameter's.
  void load_state_dict(const StateDict& sd);

 private:
  /// One group's scheduled hyper-parameters.
  struct Hypers {
    double lr = 0.0, mom = 0.0, wd = 0.0;
  };
  /// One parameter's state.
  struct State {
    std::int64_t step = 0;
    Tensor exp_avg{}, exp_avg_sq{}, momentum{};
  };

  void check_group(std::size_t group, const char* op) const;
  void step_param(Parameter& p, State& s, const Hypers& h);

  std::vector<std::vector<Parameter*>> groups_;
  OptFunc opt_;
  std::vector<Hypers> hypers_;
  std::vector<std::vector<State>> state_;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/optim/optimizer-inl.hpp>
#endif
