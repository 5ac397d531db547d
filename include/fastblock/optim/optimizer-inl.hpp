// fastblock/optim/optimizer-inl.hpp — out-of-line definitions for optim/optimizer.hpp.
//
// Included by optimizer.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/cpu/optim.hpp>
#include <fastblock/optim/optimizer.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fastblock {

namespace detail {

/// "[3, 4]".
FASTBLOCK_FUNC std::string optim_shape_str(const Shape& s) {
  std::string out = "[";
  for (int d = 0; d < s.size(); ++d) {
    if (d > 0) out += ", ";
    out += std::to_string(s[d]);
  }
  return out + "]";
}

/// A 0-d float32 tensor holding `v`.
FASTBLOCK_FUNC Tensor optim_scalar(double v) {
  Tensor t(Shape{}, float32);
  t.fill_(v);
  return t;
}

/// A 0-d int64 tensor holding `v`.
FASTBLOCK_FUNC Tensor optim_count(std::int64_t v) {
  Tensor t(Shape{}, int64);
  t.fill_(v);
  return t;
}

/// Zeros shaped and placed as `like`.
FASTBLOCK_FUNC Tensor optim_zeros_like(const Tensor& like) {
  Tensor t(like.shape(), float32, like.device());
  t.zero_();
  return t;
}

/// A state tensor ready for `param`: zeros when it has none yet (or the parameter changed
/// shape), moved to the parameter's device when the model moved since the last step.
FASTBLOCK_FUNC Tensor optim_state_for(Tensor state, const Tensor& param) {
  if (state.shape() != param.shape() || state.dtype() != float32) return optim_zeros_like(param);
  if (state.device() != param.device()) return state.to(param.device());
  return state;
}

}  // namespace detail

FASTBLOCK_FUNC std::string opt_name(const OptFunc& opt) {
  return std::holds_alternative<Adam>(opt) ? "Adam" : "SGD";
}

FASTBLOCK_FUNC Optimizer::Optimizer(std::vector<std::vector<Parameter*>> groups, OptFunc opt,
                                    double lr)
    : groups_(std::move(groups)), opt_(opt) {
  if (groups_.empty())
    throw value_error("fastblock::Optimizer: needs at least one parameter group, got none");
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t i = 0; i < groups_[g].size(); ++i)
      if (groups_[g][i] == nullptr)
        throw value_error("fastblock::Optimizer: parameter " + std::to_string(i) + " of group " +
                          std::to_string(g) + " is null; expected a parameter of the model");
  if (lr < 0)
    throw value_error("fastblock::Optimizer: the learning rate must be >= 0, got " +
                      std::to_string(lr));
  Hypers h{.lr = lr};
  if (const auto* a = std::get_if<Adam>(&opt_)) {
    h.mom = a->mom;
    h.wd = a->wd;
  } else {
    const auto& s = std::get<SGD>(opt_);
    h.mom = s.mom;
    h.wd = s.wd;
  }
  hypers_.assign(groups_.size(), h);
  state_.resize(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) state_[g].resize(groups_[g].size());
}

FASTBLOCK_FUNC Optimizer::Optimizer(const Optimizer& other)
    : groups_(other.groups_), opt_(other.opt_), hypers_(other.hypers_), state_(other.state_) {
  for (auto& group : state_)
    for (auto& s : group) {
      if (s.exp_avg.numel() > 0) s.exp_avg = s.exp_avg.clone();
      if (s.exp_avg_sq.numel() > 0) s.exp_avg_sq = s.exp_avg_sq.clone();
      if (s.momentum.numel() > 0) s.momentum = s.momentum.clone();
    }
}

FASTBLOCK_FUNC Optimizer& Optimizer::operator=(const Optimizer& other) {
  if (this != &other) *this = Optimizer(other);
  return *this;
}

FASTBLOCK_FUNC void Optimizer::check_group(std::size_t group, const char* op) const {
  if (group >= groups_.size())
    throw index_error(std::string("fastblock::Optimizer::") + op + ": group " +
                      std::to_string(group) + " is out of range for " +
                      std::to_string(groups_.size()) + " groups");
}

FASTBLOCK_FUNC const std::vector<Parameter*>& Optimizer::params(std::size_t group) const {
  check_group(group, "params");
  return groups_[group];
}

FASTBLOCK_FUNC void Optimizer::set_lr(double lr) {
  for (auto& h : hypers_) h.lr = lr;
}

FASTBLOCK_FUNC void Optimizer::set_lrs(std::span<const double> lrs) {
  if (lrs.size() != groups_.size())
    throw shape_error("fastblock::Optimizer::set_lrs: got " + std::to_string(lrs.size()) +
                      " learning rates for " + std::to_string(groups_.size()) +
                      " parameter groups; expected one per group");
  for (std::size_t g = 0; g < lrs.size(); ++g) hypers_[g].lr = lrs[g];
}

FASTBLOCK_FUNC double Optimizer::lr(std::size_t group) const {
  check_group(group, "lr");
  return hypers_[group].lr;
}

FASTBLOCK_FUNC void Optimizer::set_mom(double mom) {
  for (auto& h : hypers_) h.mom = mom;
}

FASTBLOCK_FUNC void Optimizer::set_moms(std::span<const double> moms) {
  if (moms.size() != groups_.size())
    throw shape_error("fastblock::Optimizer::set_moms: got " + std::to_string(moms.size()) +
                      " momentums for " + std::to_string(groups_.size()) +
                      " parameter groups; expected one per group");
  for (std::size_t g = 0; g < moms.size(); ++g) hypers_[g].mom = moms[g];
}

FASTBLOCK_FUNC double Optimizer::mom(std::size_t group) const {
  check_group(group, "mom");
  return hypers_[group].mom;
}

FASTBLOCK_FUNC void Optimizer::set_wd(double wd) {
  for (auto& h : hypers_) h.wd = wd;
}

FASTBLOCK_FUNC double Optimizer::wd(std::size_t group) const {
  check_group(group, "wd");
  return hypers_[group].wd;
}

FASTBLOCK_FUNC std::int64_t Optimizer::step_count(std::size_t group, std::size_t index) const {
  check_group(group, "step_count");
  if (index >= groups_[group].size())
    throw index_error("fastblock::Optimizer::step_count: parameter " + std::to_string(index) +
                      " is out of range for group " + std::to_string(group) + " of " +
                      std::to_string(groups_[group].size()) + " parameters");
  return state_[group][index].step;
}

FASTBLOCK_FUNC void Optimizer::step() {
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t i = 0; i < groups_[g].size(); ++i) {
      Parameter& p = *groups_[g][i];
      if (!p.trainable || p.is_buffer()) continue;
      // fastai steps only parameters with a gradient (.grad not None).
      if (p.grad.shape() != p.value.shape() && p.grad.numel() == 0) continue;
      step_param(p, state_[g][i], hypers_[g]);
    }
}

FASTBLOCK_FUNC void Optimizer::step_param(Parameter& p, State& s, const Hypers& h) {
  if (p.value.dtype() != float32)
    throw dtype_error("fastblock::Optimizer::step: a trainable parameter is " + p.value.describe() +
                      "; expected float32");
  if (p.grad.shape() != p.value.shape() || p.grad.dtype() != float32 ||
      p.grad.device() != p.value.device())
    throw shape_error("fastblock::Optimizer::step: the gradient is " + p.grad.describe() +
                      ", the parameter " + p.value.describe() +
                      "; expected a float32 gradient of the parameter's shape and device");
  if (!p.value.is_contiguous() || !p.grad.is_contiguous())
    throw shape_error("fastblock::Optimizer::step: parameter " + p.value.describe() +
                      " or its gradient is a strided view; expected contiguous tensors");
  const bool adam = std::holds_alternative<Adam>(opt_);
  const bool decouple = adam ? std::get<Adam>(opt_).decouple_wd : std::get<SGD>(opt_).decouple_wd;
  const bool wd_bn_bias = adam ? std::get<Adam>(opt_).wd_bn_bias : std::get<SGD>(opt_).wd_bn_bias;
  const bool do_wd = wd_bn_bias || (p.kind != ParamKind::bias && p.kind != ParamKind::batchnorm);
  const double lr = h.lr * static_cast<double>(p.lr_mult);
  const double wd = do_wd ? h.wd * static_cast<double>(p.wd_mult) : 0.0;
  const bool on_cpu = p.value.device().is_cpu();
  const std::int64_t n = p.value.numel();

  if (!decouple && wd != 0.0) {
    // fastai's l2_reg: p.grad += wd·p, in place.
    if (on_cpu) {
      const float w = static_cast<float>(wd);
      float* g = p.grad.data<float>();
      const float* v = p.value.data<float>();
      for (std::int64_t k = 0; k < n; ++k) g[k] += w * v[k];
    } else {
      p.grad.add_(p.value, wd);
    }
  }
  const double decoupled_wd = decouple ? wd : 0.0;

  if (adam) {
    const Adam& a = std::get<Adam>(opt_);
    s.exp_avg = detail::optim_state_for(std::move(s.exp_avg), p.value);
    s.exp_avg_sq = detail::optim_state_for(std::move(s.exp_avg_sq), p.value);
    ++s.step;
    const AdamStep hs{.lr = static_cast<float>(lr),
                      .beta1 = static_cast<float>(h.mom),
                      .beta2 = a.sqr_mom,
                      .eps = a.eps,
                      .wd = static_cast<float>(decoupled_wd),
                      .step = s.step};
    if (on_cpu) {
      cpu_kernels::adam_step(p.value.span<float>(), p.grad.span<float>(), s.exp_avg.span<float>(),
                             s.exp_avg_sq.span<float>(), hs);
    } else {
      backend(p.value.device())
          .adam_step(p.value.data<float>(), p.grad.data<float>(), s.exp_avg.data<float>(),
                     s.exp_avg_sq.data<float>(), n, hs);
    }
    return;
  }

  const bool momentum = std::get<SGD>(opt_).mom != 0.0f;
  const float mom = momentum ? static_cast<float>(h.mom) : 0.0f;
  if (momentum) s.momentum = detail::optim_state_for(std::move(s.momentum), p.value);
  ++s.step;
  if (on_cpu) {
    cpu_kernels::sgd_step(p.value.span<float>(), p.grad.span<float>(),
                          momentum ? s.momentum.span<float>() : std::span<float>{},
                          static_cast<float>(lr), mom, static_cast<float>(decoupled_wd));
  } else {
    backend(p.value.device())
        .sgd_step(p.value.data<float>(), p.grad.data<float>(),
                  momentum ? s.momentum.data<float>() : nullptr, n, static_cast<float>(lr), mom,
                  static_cast<float>(decoupled_wd));
  }
}

FASTBLOCK_FUNC void Optimizer::zero_grad() {
  for (auto& group : groups_)
    for (Parameter* p : group) p->zero_grad();
}

FASTBLOCK_FUNC void Optimizer::clear_state() {
  for (auto& group : state_)
    for (auto& s : group) s = State{};
}

FASTBLOCK_FUNC StateDict Optimizer::state_dict() const {
  StateDict sd;
  sd.insert("opt", detail::optim_count(std::holds_alternative<Adam>(opt_) ? 0 : 1));
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "group." + std::to_string(g) + ".";
    sd.insert(prefix + "lr", detail::optim_scalar(hypers_[g].lr));
    sd.insert(prefix + "mom", detail::optim_scalar(hypers_[g].mom));
    sd.insert(prefix + "wd", detail::optim_scalar(hypers_[g].wd));
  }
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t i = 0; i < groups_[g].size(); ++i) {
      const State& s = state_[g][i];
      if (s.step == 0) continue;
      const std::string prefix = "state." + std::to_string(g) + "." + std::to_string(i) + ".";
      sd.insert(prefix + "step", detail::optim_count(s.step));
      if (std::holds_alternative<Adam>(opt_)) {
        sd.insert(prefix + "exp_avg", s.exp_avg.to(cpu).clone());
        sd.insert(prefix + "exp_avg_sq", s.exp_avg_sq.to(cpu).clone());
      } else if (std::get<SGD>(opt_).mom != 0.0f) {
        sd.insert(prefix + "momentum", s.momentum.to(cpu).clone());
      }
    }
  return sd;
}

FASTBLOCK_FUNC void Optimizer::load_state_dict(const StateDict& sd) {
  const std::int64_t want = std::holds_alternative<Adam>(opt_) ? 0 : 1;
  const std::int64_t got = sd.at("opt").item<std::int64_t>();
  if (got != want)
    throw value_error(std::string("fastblock::Optimizer::load_state_dict: the state is for ") +
                      (got == 0 ? "Adam" : "SGD") + ", this optimiser is " + opt_name(opt_));
  std::size_t saved_groups = 0;
  while (sd.contains("group." + std::to_string(saved_groups) + ".lr")) ++saved_groups;
  if (saved_groups != groups_.size())
    throw value_error("fastblock::Optimizer::load_state_dict: the state has " +
                      std::to_string(saved_groups) + " parameter groups, this optimiser " +
                      std::to_string(groups_.size()));
  // Validate everything before changing anything.
  std::vector<std::vector<State>> state(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) state[g].resize(groups_[g].size());
  for (const auto& [name, t] : sd) {
    if (name.rfind("state.", 0) != 0) continue;
    // state.G.I.field
    const auto d1 = name.find('.', 6), d2 = name.find('.', d1 + 1);
    if (d1 == std::string::npos || d2 == std::string::npos)
      throw value_error("fastblock::Optimizer::load_state_dict: malformed entry '" + name +
                        "'; expected state.<group>.<index>.<field>");
    const std::size_t g = std::stoul(name.substr(6, d1 - 6));
    const std::size_t i = std::stoul(name.substr(d1 + 1, d2 - d1 - 1));
    const std::string field = name.substr(d2 + 1);
    if (g >= groups_.size() || i >= groups_[g].size())
      throw index_error("fastblock::Optimizer::load_state_dict: '" + name + "' names parameter " +
                        std::to_string(i) + " of group " + std::to_string(g) +
                        ", which this optimiser does not have");
    const Parameter& p = *groups_[g][i];
    State& s = state[g][i];
    if (field == "step") {
      s.step = t.item<std::int64_t>();
      continue;
    }
    if (t.shape() != p.value.shape())
      throw shape_error("fastblock::Optimizer::load_state_dict: '" + name + "' has shape " +
                        detail::optim_shape_str(t.shape()) + ", its parameter " +
                        detail::optim_shape_str(p.value.shape()));
    Tensor placed = t.to(float32).to(p.value.device());
    if (placed.shares_storage(t)) placed = placed.clone();
    if (field == "exp_avg")
      s.exp_avg = std::move(placed);
    else if (field == "exp_avg_sq")
      s.exp_avg_sq = std::move(placed);
    else if (field == "momentum")
      s.momentum = std::move(placed);
    else
      throw value_error("fastblock::Optimizer::load_state_dict: unknown entry '" + name +
                        "'; expected step, exp_avg, exp_avg_sq or momentum");
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "group." + std::to_string(g) + ".";
    hypers_[g].lr = sd.at(prefix + "lr").item<float>();
    hypers_[g].mom = sd.at(prefix + "mom").item<float>();
    hypers_[g].wd = sd.at(prefix + "wd").item<float>();
  }
  state_ = std::move(state);
}

}  // namespace fastblock
