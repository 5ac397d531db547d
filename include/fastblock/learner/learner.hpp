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
#include <fastblock/core/random.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/learner/callback.hpp>
#include <fastblock/learner/checkpoint.hpp>
#include <fastblock/learner/export.hpp>
#include <fastblock/learner/interrupt.hpp>
#include <fastblock/learner/metrics.hpp>
#include <fastblock/learner/model_handle.hpp>
#include <fastblock/learner/options.hpp>
#include <fastblock/learner/predict.hpp>
#include <fastblock/learner/progress.hpp>
#include <fastblock/learner/recorder.hpp>
#include <fastblock/nn/generators.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/nn/weights.hpp>
#include <fastblock/optim/optimizer.hpp>
#include <fastblock/optim/schedule.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>
#include <fastblock/vision/show.hpp>

namespace fastblock {

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

/// "the loss became nan at epoch 2, batch 17 of 40 (lr 0.1) ...", training_error's message.
std::string non_finite_loss_message(std::size_t epoch, std::size_t batch, std::size_t n_iter,
                                    double lr);

/// "fastblock::Learner::fit: interrupted (SIGINT) in epoch 1 after batch 12 of 40 ...".
std::string interrupt_message(std::string_view what, std::size_t epoch, std::size_t batch,
                              std::size_t n_iter);

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
  /// Whether SIGINT stopped the last fit (fine_tune then skips its unfrozen phase).
  [[nodiscard]] bool interrupted() const noexcept { return interrupted_; }

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
    if (interrupted_) return;
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
      double lr_now = 0.0;
      detail::SigintGuard sigint;
      bool stop = dls.train.size() == 0;
      while (!stop) {
        SmoothLoss smooth;  // restarts each epoch, as the Recorder's
        stop = !train_epoch(
            [&](std::size_t) {
              lr_now =
                  o.start_lr * std::pow(o.end_lr / o.start_lr,
                                        static_cast<double>(it) / static_cast<double>(o.num_it));
              opt_->set_lr(lr_now);
            },
            [&](std::size_t b, std::optional<double> loss) {
              // A non-finite loss took no step; it is the divergence the sweep looks for.
              smooth.accumulate(loss.value_or(std::numeric_limits<double>::quiet_NaN()));
              const double l = smooth.value();
              recorder.lrs.push_back(lr_now);
              recorder.losses.push_back(l);
              ++recorder.iters;
              ++it;
              if (l < best) best = l;
              if (sigint.take()) {
                report_interrupt("lr_find", 0, b, dls.train.size());
                return false;
              }
              return !((o.stop_div && (l > 4 * best || !std::isfinite(l))) || it >= o.num_it);
            });
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
    for_each_output(loader, [&](const Tensor& output, const Target& targ) {
      const Tensor pred = o.with_activation ? loss_func.activation(output) : output;
      detail::append_rows(out.preds, pred.to(cpu), n, row);
      detail::append_rows(out.targs, targ, n, row);
      row += targ.shape()[0];
    });
    // Items skipped as bad input (DataLoaderOptions::on_bad_item) leave rows unfilled at the end.
    if (row < n && row > 0) {
      out.preds = out.preds.slice(0, 0, row).clone();
      out.targs = out.targs.slice(0, 0, row).clone();
    }
    return out;
  }

  /// fastai's learn.save: the model's weights and buffers, the optimiser's state (with
  /// `with_opt`) and the training loader's epoch, in one checkpoint file at `path`
  /// (learner/checkpoint.hpp), so that load() and another fit continue the run.
  void save(const std::filesystem::path& path, bool with_opt = true) {
    Checkpoint ck{.model = fastblock::state_dict(*model),
                  .opt = {},
                  .epoch = dls.train.epoch(),
                  .generators = {}};
    if (with_opt && opt_) ck.opt = opt_->state_dict();
    fastblock::visit_generators(*model, [&](const std::string& name, Generator& g) {
      ck.generators.emplace(name, g.state());
    });
    write_checkpoint(ck, path);
  }
  /// fastai's learn.load: restores what save() wrote. The model must match exactly (value_error
  /// listing every difference, nothing loaded); the optimiser's state loads when the file has it
  /// and `with_opt`. io_error naming the file when it is not a checkpoint or is damaged.
  void load(const std::filesystem::path& path, bool with_opt = true) {
    const Checkpoint ck = read_checkpoint(path);
    (void)detail::load_into(detail::named_parameters(*model), ck.model, {},
                            "the checkpoint '" + path.string() + "'");
    if (with_opt && !ck.opt.empty()) {
      ensure_optimizer();
      opt_->load_state_dict(ck.opt);
    }
    dls.train.set_epoch(ck.epoch);
    fastblock::visit_generators(*model, [&](const std::string& name, Generator& g) {
      if (const auto it = ck.generators.find(name); it != ck.generators.end())
        g.set_state(it->second);
    });
  }

  /// How the model was built, when cnn_learner built it: what export_learner writes so that
  /// load_learner can build it again.
  std::optional<ModelSpec> model_spec;

  /// fastai's learn.export, named export_learner since `export` is a C++ keyword: writes the
  /// weights and a plain-data spec of the model, the validation-time transforms, the blocks, the
  /// loss and the thresholds to one file (learner/export.hpp); load_learner(path) reads it back.
  /// value_error naming what cannot be described (a model not built by cnn_learner, a transform,
  /// block or loss outside export.hpp's lists), before anything is written.
  void export_learner(const std::filesystem::path& path) {
    static_assert(
        requires {
          Dls::n_inp;
          Dls::n_blocks;
        },
        "fastblock::Learner::export_learner: needs the loaders of a DataBlock, whose "
        "blocks and transforms it describes");
    static_assert(Dls::n_inp == 1 && Dls::n_blocks == 2,
                  "fastblock::Learner::export_learner: needs one input block and one target block");
    if (!model_spec)
      throw value_error(
          "fastblock::Learner::export_learner: the model was not built by cnn_learner, so it "
          "cannot be described as data; save its weights with learn.save() or save_weights()");
    const ExportSpec spec{.model = *model_spec,
                          .input = detail::block_spec_of(dls.template block<0>()),
                          .item_tfms = detail::transform_specs(dls.item_tfms(), "item"),
                          .batch_tfms = detail::transform_specs(dls.batch_tfms(), "batch"),
                          .target = detail::block_spec_of(dls.template block<1>()),
                          .loss = detail::loss_spec_of(loss_func),
                          .thresholds = thresholds};
    write_export(fastblock::state_dict(*model), spec, path);
  }

  /// Per-class decision thresholds for multi-label predictions (e.g. from best_thresholds on
  /// get_preds' output); empty: the loss's thresh. predict and export use them.
  std::vector<float> thresholds;

  /// fastai's learn.predict(item) for an input block's raw value (an image path) or item (an
  /// Image): the validation-time item and batch transforms, the model in eval mode, the loss's
  /// activation and the target block's decoding (learner/predict.hpp).
  template <class X>
  [[nodiscard]] Prediction predict(const X& x) {
    static_assert(
        requires {
          Dls::n_inp;
          Dls::n_blocks;
        },
        "fastblock::Learner::predict: needs the loaders of a DataBlock, which know how "
        "to encode and decode an item");
    static_assert(Dls::n_inp == 1 && Dls::n_blocks == 2,
                  "fastblock::Learner::predict: needs one input block and one target block");
    const auto& input = dls.template block<0>();
    using InputItem = typename std::remove_cvref_t<decltype(input)>::item_type;
    Generator rng;  // validation-time transforms draw nothing; they still take a context
    TransformContext ctx{rng, false};
    auto encoded = [&] {
      if constexpr (std::convertible_to<const X&, InputItem>) {
        return std::tuple<InputItem>(InputItem(x));
      } else {
        return std::tuple<InputItem>(input.encode(x));
      }
    }();
    using Item = decltype(detail::apply_from<0>(dls.item_tfms(), std::move(encoded), ctx));
    std::vector<Item> items;
    items.push_back(detail::apply_from<0>(dls.item_tfms(), std::move(encoded), ctx));
    auto batch = detail::apply_from<0>(dls.batch_tfms(),
                                       fastblock::collate(std::span<const Item>(items)), ctx);
    const Tensor& xb = std::get<0>(batch);
    Tensor out;
    with_eval([&] { out = (*model).forward(xb.to(device_)).to(cpu); });
    const auto& shape = xb.shape();
    return detail::decode_prediction(dls.template block<1>(), loss_func, out, thresholds,
                                     shape[shape.size() - 1], shape[shape.size() - 2]);
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
    interrupted_ = false;
    detail::SigintGuard sigint;
    for (std::size_t epoch = 0; epoch < n_epoch && !interrupted_; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      SmoothLoss smooth;
      ProgressBar bar(n_iter, !quiet && stdout_is_terminal(), std::cout);
      std::vector<double> lrs;
      train_epoch(
          [&](std::size_t b) {
            // fastai's pct_train, accumulated as fastai does it
            std::optional<double> mom;
            std::tie(lrs, mom) = hypers(one_cycle_pos(
                static_cast<std::int64_t>(epoch), static_cast<std::int64_t>(b),
                static_cast<std::int64_t>(n_epoch), static_cast<std::int64_t>(n_iter)));
            opt_->set_lrs(lrs);
            if (mom) opt_->set_mom(*mom);
          },
          [&](std::size_t b, std::optional<double> loss) {
            if (!loss) {
              bar.clear();
              throw training_error(detail::non_finite_loss_message(epoch, b, n_iter, lrs.back()));
            }
            smooth.accumulate(*loss);
            recorder.losses.push_back(smooth.value());
            recorder.lrs.push_back(lrs.back());
            recorder.moms.push_back(opt_->mom(groups_.size() - 1));
            ++recorder.iters;
            bar.update(b + 1, seconds_since(start), format_stat(smooth.value()));
            if (sigint.take()) {
              bar.clear();
              report_interrupt("fit", epoch, b, n_iter);
              interrupted_ = true;
              return false;
            }
            return true;
          });
      if (interrupted_) break;  // no validation: the epoch did not finish
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

  /// One pass over the training loader in training mode: `before(b)` sets the hyper-parameters
  /// of batch b, `after(b, loss)` records its loss (unset when not finite) and returns whether to
  /// go on. Returns false when `after` stopped it.
  template <class Before, class After>
  bool train_epoch(Before before, After after) {
    (*model).train(true);
    std::size_t b = 0;
    for (auto&& batch : dls.train) {
      before(b);
      if (!after(b, train_batch(batch))) return false;
      ++b;
    }
    return true;
  }

  /// One optimisation step on `batch`; returns its loss. A loss that is NaN or infinite takes no
  /// step (so the weights stay finite) and is returned unset.
  std::optional<double> train_batch(const Batch& batch) {
    const Tensor x = std::get<0>(batch).to(device_);
    const Tensor out = (*model).forward(x);
    const Tensor loss = loss_func(out, on_device(std::get<1>(batch)));
    const auto value = static_cast<double>(loss.template item<float>());
    if (!std::isfinite(value)) {
      opt_->zero_grad();
      return std::nullopt;
    }
    (void)(*model).backward(loss_func.backward());
    opt_->step();
    opt_->zero_grad();
    return value;
  }

  /// Says on standard error where SIGINT stopped `what`.
  void report_interrupt(const char* what, std::size_t epoch, std::size_t b, std::size_t n_iter) {
    std::cerr << detail::interrupt_message(what, epoch, b, n_iter) << std::endl;
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

  /// Runs the model in eval mode over every batch of `loader`, calling f(output, target) with
  /// the output on the model's device.
  template <class Loader, class F>
  void for_each_output(Loader& loader, F&& f) {
    with_eval([&] {
      for (auto&& batch : loader)
        f((*model).forward(std::get<0>(batch).to(device_)), std::get<1>(batch));
    });
  }

  /// valid_loss (mean over items) and each metric over the validation set.
  std::vector<double> run_validation() {
    double total = 0.0;
    std::int64_t count = 0;
    for (auto& m : metrics) m.reset();
    for_each_output(dls.valid, [&](const Tensor& out, const Target& y) {
      const std::int64_t bs = y.shape()[0];
      total += static_cast<double>(loss_func(out, on_device(y)).template item<float>()) *
               static_cast<double>(bs);
      count += bs;
      const Tensor host = out.to(cpu);
      for (auto& m : metrics) m.accumulate(host, y);
    });
    if (count == 0) throw value_error("fastblock::Learner::validate: the validation set is empty");
    std::vector<double> values{total / static_cast<double>(count)};
    for (const auto& m : metrics) values.push_back(m.value());
    return values;
  }

  ParamSplitter splitter_;
  bool interrupted_ = false;
  std::vector<std::vector<Parameter*>> groups_;
  std::optional<Optimizer> opt_;
  Device device_ = cpu;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/learner-inl.hpp>
#endif
