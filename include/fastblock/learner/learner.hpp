// fastblock/learner/learner.hpp — fastai's Learner: a model, its data, its loss, and training.
//
// Contract: `Learner(dls, model, loss_func, {.opt_func, .lr, .wd, .metrics, .cbs, ...})` owns the
// loaders, the model and the loss. `learn.model(x)` is the plain forward (the seed's
// `activs = learn.model(x)`), `learn.model->...` the model itself; `learn.loss_func(activs, y)`
// the loss. Training follows fastai's algorithms exactly where results depend on them:
//   fit(n, lr)               n epochs at a constant learning rate;
//   fit_one_cycle(n, lr)     fastai's one-cycle: lr from lr/div up to lr over pct_start of the
//                            iterations and down to lr/div_final, both by cosine, momentum the
//                            other way (0.95 -> 0.85 -> 0.95); slice(lo, hi) spreads lr over
//                            groups;
//   fine_tune(n, base_lr)    freeze; one-cycle for freeze_epochs at slice(base_lr) with
//                            pct_start 0.99; base_lr /= 2; unfreeze; one-cycle for n epochs at
//                            slice(base_lr / lr_mult, base_lr) with pct_start and div;
//   freeze_to(k) / freeze() / unfreeze()   only groups >= k train, batchnorm parameters always
//                            (fastai's train_bn); the optimiser's state is cleared, as fastai's.
// Each training batch is forward, loss, backward, optimiser step, zero_grad; hyper-parameters of
// a scheduled fit are set before each batch from pos = iteration / total iterations (fastai's
// pct_train). After each epoch the validation set is run in eval mode and one row of fastai's
// epoch table is printed (`epoch train_loss valid_loss <metrics> time`), unless `quiet`, with a
// progress bar over the epoch's batches when standard output is a terminal.
// validate() returns [valid_loss, metrics...] (mean over items, not over batches) and prints as
// `(#2) [0.1021, 0.9333]`; get_preds() returns every validation prediction after the loss's
// activation, in order, with the targets; show_results() draws a batch with targets and
// predictions (vision/show.hpp).
//
// The model runs on `options.device` (or after `learn.to(device)`): batches are moved there as
// they arrive; metrics and get_preds read results back on the host. Parameters live in the model,
// which the learner keeps at a stable address (a learner may be moved; the optimiser keeps
// pointers into the model).
//
// Checked at compile time, with one line each: the model is a Layer; the loaders yield
// (input, target) pairs; the loss accepts the target type the data block produces (a
// multi-label block with CrossEntropyLossFlat, say, is "fastblock::Learner: loss_func does not
// accept this DataBlock's targets").
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/learner/callback.hpp>
#include <fastblock/learner/metrics.hpp>
#include <fastblock/learner/progress.hpp>
#include <fastblock/learner/recorder.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/optim/optimizer.hpp>
#include <fastblock/optim/schedule.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>
#include <fastblock/vision/show.hpp>

namespace fastblock {

/// How a learner splits the model's parameters into groups (fastai's `splitter`): the number of
/// groups and, for each parameter's dotted name, its group. Default: one group.
struct ParamSplitter {
  /// Number of groups (at least 1).
  std::size_t n_groups = 1;
  /// The group of the parameter named `name`, below n_groups; unset: group 0.
  std::function<std::size_t(std::string_view name)> group_of{};
};

/// Options of Learner, fastai's keyword arguments.
struct LearnerOptions {
  /// The optimiser and its hyper-parameters: Adam{} (fastai's default) or SGD{.mom = 0.9f}.
  OptFunc opt_func = Adam{};
  /// Learning rate used when fit/fit_one_cycle are given none (fastai's defaults.lr).
  double lr = 1e-3;
  /// Weight decay; unset: the optimiser's own (Adam's 0.01).
  std::optional<double> wd{};
  /// Metrics computed on the validation set after each epoch.
  std::vector<Metric> metrics{};
  /// Callbacks (see learner/callback.hpp).
  std::vector<Callback> cbs{};
  /// Parameter groups for freezing and discriminative learning rates.
  ParamSplitter splitter{};
  /// Where the model runs.
  Device device = cpu;
  /// Print nothing (no epoch table).
  bool quiet = false;
};

/// Options of fit.
struct FitOptions {
  /// Weight decay for this fit; unset: the learner's.
  std::optional<double> wd{};
};

/// Options of fit_one_cycle (fastai's defaults).
struct FitOneCycleOptions {
  /// Share of the iterations spent warming up.
  double pct_start = 0.25;
  /// The first learning rate is lr_max / div.
  double div = 25.0;
  /// The last learning rate is lr_max / div_final.
  double div_final = 1e5;
  /// Momentum at the start, at the peak learning rate, and at the end.
  std::array<double, 3> moms = {0.95, 0.85, 0.95};
  /// Weight decay for this fit; unset: the learner's.
  std::optional<double> wd{};
};

/// Options of fine_tune (fastai's defaults).
struct FineTuneOptions {
  /// Learning rate of the unfrozen phase's last group (halved after the frozen phase).
  double base_lr = 2e-3;
  /// Epochs with the body frozen.
  std::size_t freeze_epochs = 1;
  /// The first group trains at base_lr / lr_mult in the unfrozen phase.
  double lr_mult = 100.0;
  /// pct_start of the unfrozen phase.
  double pct_start = 0.3;
  /// div of the unfrozen phase.
  double div = 5.0;
  /// Weight decay; unset: the learner's.
  std::optional<double> wd{};
};

/// Options of get_preds.
struct GetPredsOptions {
  /// 1: the validation set (default); 0: the training set, in order, every item, with the
  /// training transforms (as fastai's dls[0].new(shuffle=False, drop_last=False)).
  std::size_t ds_idx = 1;
  /// Apply the loss's activation (sigmoid, softmax) to the outputs, as fastai does.
  bool with_activation = true;
};

/// What validate() returns: [valid_loss, metrics...], printed as fastai's L: `(#2) [0.1021,
/// 0.9333]`.
struct ValidationResult {
  /// valid_loss then each metric, in the learner's order.
  std::vector<double> values;
  /// Value i.
  [[nodiscard]] double operator[](std::size_t i) const { return values.at(i); }
  /// Number of values.
  [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
};

/// `(#n) [v0, v1, ...]` with 4 decimals.
std::ostream& operator<<(std::ostream& os, const ValidationResult& r);

/// Options of lr_find (fastai's defaults).
struct LrFindOptions {
  /// First learning rate of the sweep.
  double start_lr = 1e-7;
  /// Learning rate reached after num_it batches.
  double end_lr = 10.0;
  /// Batches in the sweep (over several epochs when the training set is smaller).
  std::size_t num_it = 100;
  /// Stop when the smoothed loss exceeds 4x the best seen.
  bool stop_div = true;
  /// Where to write the plot of the sweep (PNG, the valley marked); empty: no plot.
  std::filesystem::path plot{};
};

/// lr_find's suggestions, fastai's three rules, printed as `SuggestedLRs(minimum=..., steep=...,
/// valley=...)`.
struct SuggestedLRs {
  /// The learning rate of the lowest loss, divided by 10.
  double minimum = 0.0;
  /// Where the loss falls fastest against log(lr).
  double steep = 0.0;
  /// fastai's default: inside the longest run of decreasing losses, 1/2 of a third in.
  double valley = 0.0;
};

/// `SuggestedLRs(minimum=0.0063, steep=0.0012, valley=0.0008)`.
std::ostream& operator<<(std::ostream& os, const SuggestedLRs& s);

/// What get_preds() returns: `auto [preds, targs] = learn.get_preds();`.
struct Predictions {
  /// Model outputs after the loss's activation, one row per item, on the host.
  Tensor preds;
  /// The matching targets, on the host.
  Tensor targs;
};

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

namespace detail {

/// The batch type of a DataLoaders' training loader.
template <class Dls>
using dls_batch_t = std::remove_cvref_t<decltype(*std::declval<Dls&>().train.begin())>;

/// Whether `Loss` can take targets of type `Target`: a typed target (a block's) through
/// Loss::accepts when the loss declares it, anything else by whether the call compiles.
template <class Loss, class Target>
constexpr bool loss_accepts() {
  if constexpr (TypedTensorType<Target> && requires { Loss::template accepts<Target>; }) {
    return Loss::template accepts<Target>;
  } else {
    return std::invocable<Loss&, const Tensor&, const Target&>;
  }
}

/// Names the learner's parameters and gives each group its non-buffer parameters.
std::vector<std::vector<Parameter*>> split_parameters(
    const std::vector<std::pair<std::string, Parameter*>>& named, const ParamSplitter& splitter);

/// Sets `trainable` of every group below `n` to false (batchnorm parameters excepted) and of the
/// others to true.
void freeze_groups(const std::vector<std::vector<Parameter*>>& groups, std::size_t n);

/// fastai's suggestions from a sweep: the points [num_it/10, n-5) up to the first NaN, then the
/// minimum/10, steep and valley rules. value_error when fewer than 2 points remain.
SuggestedLRs suggest_lrs(const std::vector<double>& lrs, const std::vector<double>& losses,
                         std::size_t num_it);

/// Copies `batch` into rows [row, row + batch.shape(0)) of `out`, allocating `out` of n rows on
/// the first batch; shape_error when a later batch differs in its other dimensions.
void append_rows(Tensor& out, const Tensor& batch, std::int64_t n, std::int64_t row);

}  // namespace detail

/// fastai's Learner (see the contract above).
template <class Dls, Layer Model, class Loss>
class Learner {
  using Batch = detail::dls_batch_t<Dls>;
  static_assert(std::tuple_size_v<Batch> == 2,
                "fastblock::Learner: the loaders must yield (input, target) batches");
  using Input = std::tuple_element_t<0, Batch>;
  using Target = std::tuple_element_t<1, Batch>;
  static_assert(detail::loss_accepts<Loss, Target>(),
                "fastblock::Learner: loss_func does not accept this DataBlock's targets");

 public:
  /// fastai's `Learner(dls, model, loss_func=..., ...)`.
  Learner(Dls dls, Model model, Loss loss_func, LearnerOptions options = {})
      : dls(std::move(dls)),
        model(std::move(model)),
        loss_func(std::move(loss_func)),
        metrics(std::move(options.metrics)),
        cbs(std::move(options.cbs)),
        opt_func(options.opt_func),
        lr(options.lr),
        wd(options.wd),
        quiet(options.quiet),
        splitter_(std::move(options.splitter)) {
    if (splitter_.n_groups == 0)
      throw value_error("fastblock::Learner: the splitter must make at least one group");
    std::vector<std::pair<std::string, Parameter*>> named;
    (*this->model)
        .visit([&](const std::string& name, Parameter& p) { named.emplace_back(name, &p); }, "");
    groups_ = detail::split_parameters(named, splitter_);
    to(options.device);
  }

  /// The data (`learn.dls`).
  Dls dls;
  /// The model: `learn.model(x)` runs its forward.
  ModelHandle<Model> model;
  /// The loss: `learn.loss_func(activs, y)`.
  Loss loss_func;
  /// Metrics of the epoch table and validate(); may be replaced between calls.
  std::vector<Metric> metrics;
  /// Callbacks.
  std::vector<Callback> cbs;
  /// The optimiser used by the next fit that creates one.
  OptFunc opt_func;
  /// Default learning rate.
  double lr;
  /// Default weight decay (unset: the optimiser's).
  std::optional<double> wd;
  /// Print nothing.
  bool quiet;
  /// The history of training.
  Recorder recorder;

  /// Moves the model (and later batches) to `device` (fastai's learn.to / dls.to). The
  /// optimiser's state moves with it.
  Learner& to(Device device) {
    std::optional<StateDict> state;
    if (opt_) state = opt_->state_dict();  // host copies; reloaded onto the new device
    fastblock::to(*model, device);
    device_ = device;
    if (state) opt_->load_state_dict(*state);
    return *this;
  }
  /// Where the model runs.
  [[nodiscard]] Device device() const noexcept { return device_; }

  /// Number of parameter groups.
  [[nodiscard]] std::size_t n_groups() const noexcept { return groups_.size(); }
  /// The parameters of group `i`.
  [[nodiscard]] const std::vector<Parameter*>& param_group(std::size_t i) const {
    return groups_.at(i);
  }
  /// Trains only groups >= n (negative counts from the end, as Python), batchnorm parameters
  /// excepted; clears the optimiser's state.
  void freeze_to(std::int64_t n) {
    const auto g = static_cast<std::int64_t>(groups_.size());
    const std::int64_t k = n < 0 ? std::max<std::int64_t>(0, g + n) : std::min(n, g);
    detail::freeze_groups(groups_, static_cast<std::size_t>(k));
    if (opt_) opt_->clear_state();
  }
  /// Trains only the last group (the head) and every batchnorm parameter.
  void freeze() { freeze_to(-1); }
  /// Trains everything.
  void unfreeze() { freeze_to(0); }

  /// n epochs at learning rate `lr_` (the learner's lr when unset), the same for all groups.
  void fit(std::size_t n_epoch, std::optional<double> lr_ = std::nullopt, FitOptions o = {}) {
    const std::vector<double> lrs(groups_.size(), lr_.value_or(lr));
    run_fit(n_epoch, o.wd, [&](double) { return std::pair{lrs, std::optional<double>{}}; });
  }

  /// fastai's fit_one_cycle with lr_max for every group (the learner's lr when unset).
  void fit_one_cycle(std::size_t n_epoch, std::optional<double> lr_max = std::nullopt,
                     FitOneCycleOptions o = {}) {
    one_cycle(n_epoch, std::vector<double>(groups_.size(), lr_max.value_or(lr)), o);
  }
  /// fastai's fit_one_cycle with `slice(lo, hi)` or `slice(hi)` spread over the groups.
  void fit_one_cycle(std::size_t n_epoch, LrSlice lr_max, FitOneCycleOptions o = {}) {
    one_cycle(n_epoch, lrs_for_groups(lr_max, groups_.size()), o);
  }

  /// fastai's fine_tune (see the contract above).
  void fine_tune(std::size_t epochs, FineTuneOptions o = {}) {
    freeze();
    fit_one_cycle(o.freeze_epochs, slice(o.base_lr), {.pct_start = 0.99, .wd = o.wd});
    const double base_lr = o.base_lr / 2;
    unfreeze();
    fit_one_cycle(epochs, slice(base_lr / o.lr_mult, base_lr),
                  {.pct_start = o.pct_start, .div = o.div, .wd = o.wd});
  }
  /// `fine_tune(epochs, base_lr)`, the seed's `learn.fine_tune(3, 1e-2)`.
  void fine_tune(std::size_t epochs, double base_lr, FineTuneOptions o = {}) {
    o.base_lr = base_lr;
    fine_tune(epochs, o);
  }

  /// fastai's lr_find (see LrFindOptions): trains on a copy of the state with the learning
  /// rate growing exponentially from start_lr to end_lr over num_it batches, stopping when the
  /// smoothed loss exceeds 4x its minimum; then restores the weights, the optimiser and the
  /// data order, so training afterwards is what it would have been. The recorder keeps the
  /// sweep (lrs, losses) for plotting. value_error when the loss diverged before there was
  /// anything to suggest from.
  SuggestedLRs lr_find(LrFindOptions o = {}) {
    if (!(o.start_lr > 0) || !(o.end_lr > o.start_lr) || o.num_it == 0)
      throw value_error(
          "fastblock::Learner::lr_find: needs 0 < start_lr < end_lr and num_it > 0, got " +
          format_stat(o.start_lr) + ", " + format_stat(o.end_lr) + ", " + std::to_string(o.num_it));
    ensure_optimizer();
    std::vector<std::pair<Parameter*, Tensor>> saved;
    (*model).visit(
        [&](const std::string&, Parameter& p) { saved.emplace_back(&p, p.value.clone()); }, "");
    const StateDict opt_state = opt_->state_dict();
    const auto epoch = dls.train.epoch();
    const bool was_training = (*model).training();
    const auto restore = [&] {
      for (auto& [p, value] : saved) p->value.copy_(value);
      opt_->load_state_dict(opt_state);
      opt_->zero_grad();
      dls.train.set_epoch(epoch);
      (*model).train(was_training);
    };
    recorder = Recorder{};
    try {
      double best = std::numeric_limits<double>::infinity();
      std::size_t it = 0;
      bool stop = dls.train.size() == 0;
      while (!stop) {
        SmoothLoss smooth;  // restarts each epoch, as the Recorder's
        (*model).train(true);
        for (auto&& batch : dls.train) {
          const double lr_now =
              o.start_lr * std::pow(o.end_lr / o.start_lr,
                                    static_cast<double>(it) / static_cast<double>(o.num_it));
          opt_->set_lr(lr_now);
          smooth.accumulate(train_batch(batch));
          const double l = smooth.value();
          recorder.lrs.push_back(lr_now);
          recorder.losses.push_back(l);
          ++recorder.iters;
          ++it;
          if (l < best) best = l;
          if ((o.stop_div && (l > 4 * best || std::isnan(l))) || it >= o.num_it) {
            stop = true;
            break;
          }
        }
      }
    } catch (...) {
      restore();
      throw;
    }
    restore();
    const SuggestedLRs suggestions = detail::suggest_lrs(recorder.lrs, recorder.losses, o.num_it);
    if (!o.plot.empty()) recorder.plot_lr_find(o.plot, suggestions.valley);
    return suggestions;
  }

  /// fastai's learn.show_results: the first batch of the validation set (ds_idx 1) or of the
  /// training set (0) as a PNG grid at `path`, each image with its target and the model's
  /// prediction decoded the same way (labels above the loss's threshold, the argmax class, or
  /// the points themselves, drawn on the image).
  void show_results(const std::filesystem::path& path, ShowBatchOptions options = {},
                    std::size_t ds_idx = 1) {
    if (ds_idx > 1)
      throw index_error("fastblock::Learner::show_results: ds_idx is 0 (train) or 1 (valid), got " +
                        std::to_string(ds_idx));
    auto batch = ds_idx == 1 ? dls.valid.one_batch() : dls.train.one_batch();
    Tensor out;
    with_eval([&] { out = (*model).forward(std::get<0>(batch).to(device_)).to(cpu); });
    const Tensor& y = std::get<1>(batch);
    Tensor preds = loss_func.decodes(loss_func.activation(out));
    if (preds.dtype() != y.dtype()) preds = preds.to(y.dtype());
    if (preds.numel() == y.numel())
      preds = preds.reshape(y.shape());  // points: [N, 2n] -> [N, n, 2]
    fastblock::show_results(dls, batch, preds, path, options);
  }

  /// [valid_loss, metrics...] over the validation set (fastai's learn.validate()).
  ValidationResult validate() { return ValidationResult{run_validation()}; }

  /// Predictions and targets over a whole subset, in order (see GetPredsOptions).
  Predictions get_preds(GetPredsOptions o = {}) {
    if (o.ds_idx > 1)
      throw index_error("fastblock::Learner::get_preds: ds_idx is 0 (train) or 1 (valid), got " +
                        std::to_string(o.ds_idx));
    auto loader = o.ds_idx == 1 ? dls.valid : dls.train.with_options([&] {
      auto opts = dls.train.options();
      opts.shuffle = false;
      opts.drop_last = false;
      return opts;
    }());
    const auto n = static_cast<std::int64_t>(loader.n());
    Predictions out;
    std::int64_t row = 0;
    with_eval([&] {
      for (auto&& batch : loader) {
        Tensor pred = model(std::get<0>(batch).to(device_));
        if (o.with_activation) pred = loss_func.activation(pred);
        const Tensor& targ = std::get<1>(batch);
        detail::append_rows(out.preds, pred.to(cpu), n, row);
        detail::append_rows(out.targs, targ, n, row);
        row += targ.shape()[0];
      }
    });
    return out;
  }

 private:
  /// A fit with fastai's one-cycle schedules.
  void one_cycle(std::size_t n_epoch, std::vector<double> lr_max, const FitOneCycleOptions& o) {
    std::vector<CombinedCos> lr_scheds;
    lr_scheds.reserve(lr_max.size());
    for (double m : lr_max)
      lr_scheds.push_back(combined_cos(o.pct_start, m / o.div, m, m / o.div_final));
    const CombinedCos mom_sched = combined_cos(o.pct_start, o.moms[0], o.moms[1], o.moms[2]);
    run_fit(n_epoch, o.wd, [&](double pos) {
      std::vector<double> lrs;
      lrs.reserve(lr_scheds.size());
      for (const auto& s : lr_scheds) lrs.push_back(s(pos));
      return std::pair{std::move(lrs), std::optional<double>{mom_sched(pos)}};
    });
  }

  /// The training loop; `hypers(pos)` gives each group's lr and the momentum (unset: leave it).
  template <class Hypers>
  void run_fit(std::size_t n_epoch, std::optional<double> fit_wd, Hypers hypers) {
    ensure_optimizer();
    if (fit_wd) opt_->set_wd(*fit_wd);
    const std::size_t n_iter = dls.train.size();
    if (n_iter == 0)
      throw value_error("fastblock::Learner::fit: the training loader has no batch (" +
                        std::to_string(dls.train.n()) + " items, bs " +
                        std::to_string(dls.train.bs()) +
                        ", drop_last); use a smaller bs or more training items");
    recorder = Recorder{};  // fastai's Recorder.before_fit: each fit starts a new history
    recorder.metric_names = {"epoch", "train_loss", "valid_loss"};
    for (const auto& m : metrics) recorder.metric_names.push_back(m.name());
    recorder.metric_names.push_back("time");
    const EpochTable table(recorder.metric_names);
    const FitInfo info{.n_epoch = n_epoch, .n_iter = n_iter, .names = recorder.metric_names};
    for (const auto& cb : cbs) cb.before_fit(info);
    if (!quiet) std::cout << table.header() << std::endl;
    for (std::size_t epoch = 0; epoch < n_epoch; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      SmoothLoss smooth;
      (*model).train(true);
      ProgressBar bar(n_iter, !quiet && stdout_is_terminal(), std::cout);
      std::size_t b = 0;
      for (auto&& batch : dls.train) {
        // fastai's pct_train, accumulated as fastai does it
        auto [lrs, mom] = hypers(
            one_cycle_pos(static_cast<std::int64_t>(epoch), static_cast<std::int64_t>(b++),
                          static_cast<std::int64_t>(n_epoch), static_cast<std::int64_t>(n_iter)));
        opt_->set_lrs(lrs);
        if (mom) opt_->set_mom(*mom);
        smooth.accumulate(train_batch(batch));
        recorder.losses.push_back(smooth.value());
        recorder.lrs.push_back(lrs.back());
        recorder.moms.push_back(opt_->mom(groups_.size() - 1));
        ++recorder.iters;
        bar.update(b, seconds_since(start), format_stat(smooth.value()));
      }
      bar.clear();
      std::vector<double> values{smooth.value()};
      for (double v : run_validation()) values.push_back(v);
      const double seconds = seconds_since(start);
      recorder.values.push_back(values);
      if (!quiet) {
        std::vector<std::string> cells{std::to_string(epoch)};
        for (double v : values) cells.push_back(format_stat(v));
        cells.push_back(format_time(seconds));
        std::cout << table.row(cells) << std::endl;
      }
      const EpochStats stats{.epoch = epoch, .values = values, .seconds = seconds};
      for (const auto& cb : cbs) cb.after_epoch(stats);
    }
    for (const auto& cb : cbs) cb.after_fit();
  }

  /// Wall time since `start`.
  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  /// Creates the optimiser on first use (fastai's create_opt), with the learner's weight decay.
  void ensure_optimizer() {
    if (opt_) return;
    opt_.emplace(groups_, opt_func, lr);
    if (wd) opt_->set_wd(*wd);
  }

  /// One optimisation step on `batch`; returns its loss.
  double train_batch(const Batch& batch) {
    const Tensor x = std::get<0>(batch).to(device_);
    const Tensor out = (*model).forward(x);
    const Tensor loss = loss_func(out, on_device(std::get<1>(batch)));
    const auto value = static_cast<double>(loss.template item<float>());
    (void)(*model).backward(loss_func.backward());
    opt_->step();
    opt_->zero_grad();
    return value;
  }

  /// The target on the model's device, keeping its type (so the loss checks it).
  [[nodiscard]] Target on_device(const Target& y) const {
    if constexpr (std::derived_from<Target, Tensor> && !std::same_as<Target, Tensor>) {
      return device_ == cpu ? y : Target(y.to(device_));
    } else {
      return y.to(device_);
    }
  }

  /// Runs `f` with the model in eval mode, restoring the mode afterwards.
  template <class F>
  void with_eval(F&& f) {
    const bool was = (*model).training();
    (*model).train(false);
    try {
      f();
    } catch (...) {
      (*model).train(was);
      throw;
    }
    (*model).train(was);
  }

  /// valid_loss (mean over items) and each metric over the validation set.
  std::vector<double> run_validation() {
    double total = 0.0;
    std::int64_t count = 0;
    for (auto& m : metrics) m.reset();
    with_eval([&] {
      for (auto&& batch : dls.valid) {
        const Tensor out = (*model).forward(std::get<0>(batch).to(device_));
        const Target& y = std::get<1>(batch);
        const std::int64_t bs = y.shape()[0];
        total += static_cast<double>(loss_func(out, on_device(y)).template item<float>()) *
                 static_cast<double>(bs);
        count += bs;
        const Tensor host = out.to(cpu);
        for (auto& m : metrics) m.accumulate(host, y);
      }
    });
    if (count == 0) throw value_error("fastblock::Learner::validate: the validation set is empty");
    std::vector<double> values{total / static_cast<double>(count)};
    for (const auto& m : metrics) values.push_back(m.value());
    return values;
  }

  ParamSplitter splitter_;
  std::vector<std::vector<Parameter*>> groups_;
  std::optional<Optimizer> opt_;
  Device device_ = cpu;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/learner-inl.hpp>
#endif
