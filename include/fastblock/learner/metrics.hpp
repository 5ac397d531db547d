// fastblock/learner/metrics.hpp — fastai's metrics as value objects, and the type-erased Metric.
//
// Contract: a metric is a small copyable aggregate whose leading fields are its options (fastai's
// keyword arguments, in fastai's order, so `accuracy_multi{.thresh = 0.2f}` is
// `partial(accuracy_multi, thresh=0.2)`), followed by what it accumulates (`counts`, which
// designated initialisers skip), and which satisfies MetricLike:
//   std::string name() const                 fastai's column header ("accuracy_multi",
//                                            "f1_score", "_rmse", ...);
//   void reset()                             forget what was accumulated;
//   void accumulate(preds, targs)            one batch: preds the model's raw outputs (on the
//                                            CPU; device tensors are copied there), targs the
//                                            batch's targets;
//   double value() const                     the metric over everything accumulated since reset:
//                                            counts and sums over the whole validation set, so
//                                            batches of different sizes weigh by their items
//                                            (fastai's AvgMetric/AccumMetric), never a mean of
//                                            batch means. NaN before anything was accumulated.
// Every built-in metric is also callable on one batch, `m(preds, targs)`, giving a 0-d float32
// Tensor that prints as `tensor(0.9345)`: the seed's
// `accuracy_multi(preds, targs, thresh=0.9, sigmoid=False)` is
// `accuracy_multi{.thresh = 0.9f, .sigmoid = false}(preds, targs)`. (C++ cannot give one name
// both an aggregate type, needed for the designated initialisers of the metric spelling, and a
// function: `T(a, b, c)` on a class type is always a construction, so the one-batch form is the
// configured metric applied to a batch, which is also what fastai's metric objects do when
// called.) Shapes are checked on every batch; a mismatch is a shape_error naming both shapes.
// `Metric` holds any MetricLike by value, so a Learner keeps `std::vector<Metric>` and users
// write `.metrics = {accuracy_multi{.thresh = 0.2f}, F1ScoreMulti{}}`; anything else is one
// static_assert: "fastblock::Metric: not a metric".
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// A metric: see the contract above.
template <class M>
concept MetricLike = std::copy_constructible<M> &&
    requires(M& m, const M& c, const Tensor& preds, const Tensor& targs) {
  { c.name() } -> std::convertible_to<std::string>;
  m.reset();
  m.accumulate(preds, targs);
  { c.value() } -> std::convertible_to<double>;
};

namespace detail {

/// Hits over items, the state of the accuracy metrics.
class RatioState {
 public:
  /// Forgets every count.
  void reset_counts() noexcept { hits_ = total_ = 0; }
  /// Adds `hits` successes out of `total`.
  void add_counts(std::int64_t hits, std::int64_t total) noexcept {
    hits_ += hits;
    total_ += total;
  }
  /// hits / total (NaN when nothing was counted).
  [[nodiscard]] double ratio() const noexcept;

 private:
  std::int64_t hits_ = 0, total_ = 0;
};

/// Per-label and per-sample counts of a multi-label F-beta score.
class FBetaState {
 public:
  /// Forgets every count.
  void reset_counts() noexcept;
  /// Counts one batch of positive predictions and targets (`pred`, `targ`: rows × cols, 0/1).
  void add_counts(const std::vector<unsigned char>& pred, const std::vector<unsigned char>& targ,
                  std::int64_t rows, std::int64_t cols, double beta, const char* metric);
  /// sklearn's fbeta_score(average=average) over what was counted (zero_division = 0).
  [[nodiscard]] double score(double beta, const std::string& average, const char* metric) const;

 private:
  std::vector<std::int64_t> tp_, fp_, fn_;
  double sample_sum_ = 0.0;
  std::int64_t samples_ = 0;
};

/// Sums of a regression metric: count, squared error, and the targets' running mean and sum of
/// squared deviations (Chan's parallel update, so batches merge without loss of precision).
class RegressionState {
 public:
  /// Forgets every sum.
  void reset_sums() noexcept { *this = RegressionState{}; }
  /// Adds one batch (same numbers of elements; `metric` names the caller in errors).
  void add(const Tensor& preds, const Tensor& targs, const char* metric);
  /// Mean squared error (NaN when empty).
  [[nodiscard]] double mse() const noexcept;
  /// Coefficient of determination, sklearn's r2_score with force_finite (NaN when empty).
  [[nodiscard]] double r2() const noexcept;

 private:
  std::int64_t n_ = 0;
  double sq_err_ = 0.0, mean_ = 0.0, m2_ = 0.0;
};

}  // namespace detail

/// Single-label accuracy: preds [N, C] raw outputs, argmax over `axis`, against targs [N] class
/// indices. fastai's `accuracy`.
struct accuracy {
  /// The class axis of the predictions.
  std::int64_t axis = -1;
  /// "accuracy".
  [[nodiscard]] std::string name() const { return "accuracy"; }
  /// Forgets the counts.
  void reset() noexcept { counts.reset_counts(); }
  /// Counts one batch.
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// Correct predictions over items.
  [[nodiscard]] double value() const noexcept { return counts.ratio(); }
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Correct and total items so far (not an option; reset() clears it).
  detail::RatioState counts{};
};

/// 1 − accuracy. fastai's `error_rate`.
struct error_rate {
  /// The class axis of the predictions.
  std::int64_t axis = -1;
  /// "error_rate".
  [[nodiscard]] std::string name() const { return "error_rate"; }
  /// Forgets the counts.
  void reset() noexcept { counts.reset_counts(); }
  /// Counts one batch.
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// Wrong predictions over items.
  [[nodiscard]] double value() const noexcept { return 1.0 - counts.ratio(); }
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Correct and total items so far (not an option; reset() clears it).
  detail::RatioState counts{};
};

/// Multi-label accuracy: the mean over all N×C entries of (σ(x) > thresh) == (target ≠ 0), σ
/// applied only when `sigmoid`. fastai's `accuracy_multi`.
struct accuracy_multi {
  /// Entries above it are predicted positive.
  float thresh = 0.5f;
  /// Whether preds are logits (apply the sigmoid first).
  bool sigmoid = true;
  /// "accuracy_multi".
  [[nodiscard]] std::string name() const { return "accuracy_multi"; }
  /// Forgets the counts.
  void reset() noexcept { counts.reset_counts(); }
  /// Counts one batch (preds and targs of the same number of elements).
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// Correct entries over entries.
  [[nodiscard]] double value() const noexcept { return counts.ratio(); }
  /// The metric on one batch, as a 0-d float32 tensor: the seed's
  /// `accuracy_multi(preds, targs, thresh=t, sigmoid=False)`.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Correct and total entries so far (not an option; reset() clears it).
  detail::RatioState counts{};
};

/// Multi-label F-beta score, sklearn's fbeta_score on (σ(x) ≥ thresh) against targs [N, C]
/// (zero_division = 0). `average`: "macro" (mean over labels), "micro" (global counts),
/// "samples" (mean over items) or "weighted" (labels weighted by their number of positives).
/// fastai's `FBetaMulti`.
struct FBetaMulti {
  /// Weight of recall against precision.
  double beta = 1.0;
  /// Entries at or above it are predicted positive.
  float thresh = 0.5f;
  /// Whether preds are logits (apply the sigmoid first).
  bool sigmoid = true;
  /// How the per-label scores combine.
  std::string average = "macro";
  /// "fbeta_score".
  [[nodiscard]] std::string name() const { return "fbeta_score"; }
  /// Forgets the counts.
  void reset() noexcept { counts.reset_counts(); }
  /// Counts one batch (preds and targs of the same shape [N, C]); value_error for an unknown
  /// average.
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// The score over everything accumulated.
  [[nodiscard]] double value() const;
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Counts so far (not an option; reset() clears it).
  detail::FBetaState counts{};
};

/// Multi-label F1 score: FBetaMulti with beta = 1. fastai's `F1ScoreMulti`.
struct F1ScoreMulti {
  /// Entries at or above it are predicted positive.
  float thresh = 0.5f;
  /// Whether preds are logits (apply the sigmoid first).
  bool sigmoid = true;
  /// How the per-label scores combine ("macro", "micro", "samples", "weighted").
  std::string average = "macro";
  /// "f1_score".
  [[nodiscard]] std::string name() const { return "f1_score"; }
  /// Forgets the counts.
  void reset() noexcept { counts.reset_counts(); }
  /// Counts one batch (preds and targs of the same shape [N, C]).
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// The score over everything accumulated.
  [[nodiscard]] double value() const;
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Counts so far (not an option; reset() clears it).
  detail::FBetaState counts{};
};

/// Mean squared error over every element. fastai's `mse`.
struct mse {
  /// "mse".
  [[nodiscard]] std::string name() const { return "mse"; }
  /// Forgets the sums.
  void reset() noexcept { counts.reset_sums(); }
  /// Adds one batch (preds and targs of the same number of elements).
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// Σ(pred − targ)² / elements.
  [[nodiscard]] double value() const noexcept { return counts.mse(); }
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Sums so far (not an option; reset() clears it).
  detail::RegressionState counts{};
};

/// Root mean squared error over every element. fastai's `rmse` (named "_rmse" in its tables).
struct rmse {
  /// "_rmse".
  [[nodiscard]] std::string name() const { return "_rmse"; }
  /// Forgets the sums.
  void reset() noexcept { counts.reset_sums(); }
  /// Adds one batch (preds and targs of the same number of elements).
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// √mse.
  [[nodiscard]] double value() const noexcept;
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Sums so far (not an option; reset() clears it).
  detail::RegressionState counts{};
};

/// Coefficient of determination over every element (flattened, as fastai's R2Score gives
/// sklearn's r2_score): 1 − Σ(t − p)² / Σ(t − t̄)²; 1 for a perfect fit of constant targets, 0
/// for an imperfect one. fastai's `R2Score`.
struct R2Score {
  /// "r2_score".
  [[nodiscard]] std::string name() const { return "r2_score"; }
  /// Forgets the sums.
  void reset() noexcept { counts.reset_sums(); }
  /// Adds one batch (preds and targs of the same number of elements).
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// The score over everything accumulated.
  [[nodiscard]] double value() const noexcept { return counts.r2(); }
  /// The metric on one batch, as a 0-d float32 tensor.
  [[nodiscard]] Tensor operator()(const Tensor& preds, const Tensor& targs) const;
  /// Sums so far (not an option; reset() clears it).
  detail::RegressionState counts{};
};

/// fastai's AvgMetric: any function of one batch returning a scalar tensor, averaged over the
/// validation set weighted by batch size (targs.size(0)):
/// `AvgMetric{.func = my_metric, .func_name = "my_metric"}`.
struct AvgMetric {
  /// The batch function: (preds, targs) -> a one-element tensor.
  std::function<Tensor(const Tensor&, const Tensor&)> func;
  /// The column header.
  std::string func_name = "metric";
  /// Σ value·batch size so far.
  double total = 0.0;
  /// Items so far.
  std::int64_t count = 0;
  /// func_name.
  [[nodiscard]] std::string name() const { return func_name; }
  /// Forgets the sums.
  void reset() noexcept { total = 0.0, count = 0; }
  /// Adds func(preds, targs) weighted by the batch size; value_error when func is empty or
  /// returns more than one element.
  void accumulate(const Tensor& preds, const Tensor& targs);
  /// total / count (NaN when empty).
  [[nodiscard]] double value() const noexcept;
};

/// Any MetricLike, held by value (copies are deep): what a Learner keeps in its metrics list.
class Metric {
 public:
  /// Holds a copy of `m`; a type that is not MetricLike is a compile-time error naming it.
  template <class M>
  requires(!std::same_as<std::remove_cvref_t<M>, Metric>)
      Metric(M m) {  // NOLINT(google-explicit-constructor): `.metrics = {accuracy{}}` converts.
    static_assert(MetricLike<M>,
                  "fastblock::Metric: not a metric; a metric needs name() -> std::string, "
                  "reset(), accumulate(const Tensor& preds, const Tensor& targs) and "
                  "value() -> double");
    if constexpr (MetricLike<M>) self_ = std::make_unique<Model<M>>(std::move(m));
  }
  /// A deep copy.
  Metric(const Metric& other) : self_(other.self_ ? other.self_->clone() : nullptr) {}
  /// Takes over `other`'s metric.
  Metric(Metric&& other) noexcept = default;
  /// A deep copy.
  Metric& operator=(const Metric& other) {
    if (this != &other) self_ = other.self_ ? other.self_->clone() : nullptr;
    return *this;
  }
  /// Takes over `other`'s metric.
  Metric& operator=(Metric&& other) noexcept = default;
  ~Metric() = default;

  /// The column header.
  [[nodiscard]] std::string name() const { return self_->name(); }
  /// Forgets what was accumulated.
  void reset() { self_->reset(); }
  /// Adds one batch.
  void accumulate(const Tensor& preds, const Tensor& targs) { self_->accumulate(preds, targs); }
  /// The metric over everything accumulated since reset().
  [[nodiscard]] double value() const { return self_->value(); }
  /// The held metric when it is an M, else nullptr (as std::function::target).
  template <class M>
  [[nodiscard]] const M* target() const noexcept {
    auto* model = dynamic_cast<const Model<M>*>(self_.get());
    return model != nullptr ? &model->metric : nullptr;
  }

 private:
  struct Concept {
    Concept() = default;
    Concept(const Concept&) = delete;
    Concept& operator=(const Concept&) = delete;
    virtual ~Concept() = default;
    [[nodiscard]] virtual std::unique_ptr<Concept> clone() const = 0;
    [[nodiscard]] virtual std::string name() const = 0;
    virtual void reset() = 0;
    virtual void accumulate(const Tensor& preds, const Tensor& targs) = 0;
    [[nodiscard]] virtual double value() const = 0;
  };
  template <class M>
  struct Model final : Concept {
    explicit Model(M m) : metric(std::move(m)) {}
    [[nodiscard]] std::unique_ptr<Concept> clone() const override {
      return std::make_unique<Model>(metric);
    }
    [[nodiscard]] std::string name() const override { return metric.name(); }
    void reset() override { metric.reset(); }
    void accumulate(const Tensor& preds, const Tensor& targs) override {
      metric.accumulate(preds, targs);
    }
    [[nodiscard]] double value() const override { return static_cast<double>(metric.value()); }
    M metric;
  };
  std::unique_ptr<Concept> self_;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/metrics-inl.hpp>
#endif
