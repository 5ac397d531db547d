// The metrics (learner/metrics.hpp): hand-computed small cases; fastai's own metric objects
// (AvgMetric and AccumMetric, the latter through sklearn) fed the same two batches, from
// tests/golden/metrics/metrics.json (written by tests/golden/make_metrics_fixture.py); batch
// accumulation equal to the whole-set value; the one-batch call form; the type-erased Metric;
// and the shape errors.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "json_fixture.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <fastblock/learner/metrics.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/ops.hpp>
#include <fastblock/tensor/print.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;

namespace {

nlohmann::json load_metrics_fixture() { return fastblock_test::load_json_fixture("metrics/metrics.json"); }

/// The fixture's data set `kind` as (preds, targs).
std::pair<fb::Tensor, fb::Tensor> data_of(const nlohmann::json& fx, const std::string& kind) {
  const auto& d = fx.at("data").at(kind);
  const auto shape_v = d.at("shape").get<std::vector<std::int64_t>>();
  const fb::Shape shape{std::span<const std::int64_t>(shape_v)};
  const auto p = d.at("preds").get<std::vector<float>>();
  fb::Tensor preds = fb::from_vector(std::span<const float>(p), shape);
  if (kind == "single") {
    const auto t = d.at("targs").get<std::vector<std::int64_t>>();
    return {preds, fb::from_vector(std::span<const std::int64_t>(t), fb::Shape{shape[0]})};
  }
  const auto t = d.at("targs").get<std::vector<float>>();
  return {preds, fb::from_vector(std::span<const float>(t), shape)};
}

/// The fixture's metric for `label`.
fb::Metric metric_for(const std::string& label) {
  if (label == "accuracy") return fb::accuracy{};
  if (label == "error_rate") return fb::error_rate{};
  if (label == "accuracy_multi") return fb::accuracy_multi{};
  if (label == "accuracy_multi thresh=0.2") return fb::accuracy_multi{.thresh = 0.2f};
  if (label == "accuracy_multi thresh=0.6 sigmoid=False")
    return fb::accuracy_multi{.thresh = 0.6f, .sigmoid = false};
  if (label == "mse") return fb::mse{};
  if (label == "rmse") return fb::rmse{};
  if (label == "R2Score") return fb::R2Score{};
  const auto avg = label.substr(label.find("average=") + 8);
  if (label.starts_with("F1ScoreMulti thresh=0.3"))
    return fb::F1ScoreMulti{.thresh = 0.3f, .average = avg};
  if (label.starts_with("F1ScoreMulti")) return fb::F1ScoreMulti{.average = avg};
  if (label.starts_with("FBetaMulti beta=2")) return fb::FBetaMulti{.beta = 2.0, .average = avg};
  if (label.starts_with("FBetaMulti beta=0.5"))
    return fb::FBetaMulti{.beta = 0.5, .thresh = 0.7f, .sigmoid = false, .average = avg};
  FAIL("no metric for fixture case " << label);
  return fb::accuracy{};
}

}  // namespace

TEST_CASE("metrics match fastai's, accumulated over two batches", "[metrics]") {
  const auto fx = load_metrics_fixture();
  const auto split = fx.at("split").get<std::int64_t>();
  for (const auto& c : fx.at("cases")) {
    const auto label = c.at("label").get<std::string>();
    SECTION(label) {
      const auto [preds, targs] = data_of(fx, c.at("data").get<std::string>());
      fb::Metric m = metric_for(label);
      CHECK(m.name() == c.at("name").get<std::string>());
      m.reset();
      m.accumulate(preds.slice(0, 0, split), targs.slice(0, 0, split));
      m.accumulate(preds.slice(0, split, preds.size(0)), targs.slice(0, split, targs.size(0)));
      const double want = c.at("value").get<double>();
      INFO(label << ": " << m.value() << " vs fastai " << want);
      // fastai's AvgMetric sums float32 batch means: agreement to float precision.
      CHECK(std::abs(m.value() - want) <= 1e-6 * std::abs(want) + 1e-7);

      // Accumulating in batches gives the whole-set value.
      fb::Metric whole = metric_for(label);
      whole.reset();
      whole.accumulate(preds, targs);
      CHECK(std::abs(whole.value() - m.value()) <= 1e-12);
      // reset() forgets.
      m.reset();
      m.accumulate(preds, targs);
      CHECK(std::abs(whole.value() - m.value()) <= 1e-12);
    }
  }
}

TEST_CASE("accuracy and error_rate by hand", "[metrics]") {
  const fb::Tensor preds = fb::tensor({{0.1f, 0.9f, 0.0f},    // 1
                                       {2.0f, 1.0f, 0.5f},    // 0
                                       {0.0f, 0.0f, 3.0f},    // 2
                                       {1.0f, 1.0f, 0.0f}});  // tie: the first, 0
  const fb::Tensor targs = fb::tensor<std::int64_t>({1, 2, 2, 0});
  fb::accuracy acc;
  acc.accumulate(preds, targs);
  CHECK(acc.value() == 0.75);
  fb::error_rate err;
  err.accumulate(preds, targs);
  CHECK(err.value() == 0.25);
  // Weighted by items, not a mean of batch means: 3/4 then 0/1 gives 3/5, not 0.375.
  acc.accumulate(fb::tensor({{1.0f, 0.0f, 0.0f}}), fb::tensor<std::int64_t>({2}));
  CHECK(acc.value() == 0.6);
  CHECK(std::isnan(fb::accuracy{}.value()));
  // Class axis 0: preds [C, N].
  fb::accuracy by_col{.axis = 0};
  by_col.accumulate(preds.t(), targs);
  CHECK(by_col.value() == 0.75);
}

TEST_CASE("accuracy_multi by hand, and as the seed calls it on one batch", "[metrics]") {
  // sigmoid(0) = 0.5 is not > 0.5: a zero logit predicts negative.
  const fb::Tensor logits = fb::tensor({{2.0f, -1.0f, 0.0f}, {-3.0f, 0.5f, 4.0f}});
  const fb::Tensor targs = fb::tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 1.0f}});
  fb::accuracy_multi m;
  m.accumulate(logits, targs);
  CHECK(m.value() == Approx(5.0 / 6.0));
  // The seed: accuracy_multi(preds, targs, thresh=0.9, sigmoid=False) on probabilities.
  const fb::Tensor probs = logits.sigmoid();
  const fb::Tensor at_09 = fb::accuracy_multi{.thresh = 0.9f, .sigmoid = false}(probs, targs);
  CHECK(at_09.dim() == 0);
  CHECK(at_09.item<float>() == Approx(5.0 / 6.0));  // only the target at 0.88 is missed
  std::ostringstream os;
  os << at_09;
  CHECK(os.str() == "tensor(0.8333)");
  // The threshold sweep: one value per threshold.
  std::vector<fb::Tensor> accs;
  for (const float t : {0.1f, 0.5f, 0.9f})
    accs.push_back(fb::accuracy_multi{.thresh = t, .sigmoid = false}(probs, targs));
  CHECK(accs[0].item<float>() == Approx(3.0 / 6.0));  // 0.27, 0.5 and 0.62 become positives
  CHECK(accs[1].item<float>() == Approx(5.0 / 6.0));
  // The call form does not touch the metric's own counts.
  CHECK(m.value() == Approx(5.0 / 6.0));
}

TEST_CASE("F1ScoreMulti and FBetaMulti by hand (sklearn's definitions)", "[metrics]") {
  // Probabilities, thresh 0.5 (>=), labels in columns.
  const fb::Tensor probs = fb::tensor({{0.9f, 0.2f, 0.6f},  //
                                       {0.1f, 0.8f, 0.5f},
                                       {0.7f, 0.3f, 0.1f}});
  const fb::Tensor targs = fb::tensor({{1.0f, 0.0f, 0.0f},  //
                                       {0.0f, 1.0f, 1.0f},
                                       {0.0f, 0.0f, 0.0f}});
  // Per label: 0: tp 1 fp 1 fn 0 → P .5 R 1 F1 2/3; 1: tp 1 → F1 1; 2: tp 1 (0.5 >= 0.5) fp 1
  // (0.6) → F1 2/3.
  auto f1 = [&](const std::string& avg) {
    return fb::F1ScoreMulti{.sigmoid = false, .average = avg}(probs, targs).item<float>();
  };
  CHECK(f1("macro") == Approx((2.0 / 3 + 1 + 2.0 / 3) / 3));
  CHECK(f1("micro") == Approx(2.0 * 3 / (2.0 * 3 + 2 + 0)));  // tp 3, fp 2, fn 0
  // weighted by positives per label: 1, 1, 1.
  CHECK(f1("weighted") == Approx((2.0 / 3 + 1 + 2.0 / 3) / 3));
  // samples: row 0 tp 1 fp 1 → 2/3; row 1 tp 2 → 1; row 2 no truth, one false positive → 0.
  CHECK(f1("samples") == Approx((2.0 / 3 + 1 + 0) / 3));
  // F2 of label 0: 5·.5·1/(4·.5 + 1) = 5/6.
  fb::FBetaMulti f2{.beta = 2.0, .sigmoid = false, .average = "macro"};
  f2.accumulate(probs, targs);
  CHECK(f2.value() == Approx((5.0 / 6 + 1 + 5.0 / 6) / 3));
  // No positive target anywhere: weighted is 0 (zero_division).
  fb::F1ScoreMulti none{.sigmoid = false, .average = "weighted"};
  none.accumulate(probs, fb::zeros({3, 3}));
  CHECK(none.value() == 0.0);
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::F1ScoreMulti bad{.average = "binary"};
               bad.accumulate(probs, targs);
             }),
             Contains("unknown average \"binary\"; expected \"macro\", \"micro\", \"samples\" or "
                      "\"weighted\""));
}

TEST_CASE("mse, rmse and R2Score by hand", "[metrics]") {
  const fb::Tensor preds = fb::tensor({{1.0f, 2.0f}, {3.0f, 5.0f}});
  const fb::Tensor targs = fb::tensor({{1.0f, 3.0f}, {3.0f, 3.0f}});
  fb::mse m;
  m.accumulate(preds, targs);
  CHECK(m.value() == Approx(5.0 / 4));
  CHECK(fb::rmse{}(preds, targs).item<float>() == Approx(std::sqrt(5.0 / 4)));
  // targets' mean 2.5, Σ(t − t̄)² = 2.25 + .25 + .25 + .25 = 3; Σ(t − p)² = 5.
  CHECK(fb::R2Score{}(preds, targs).item<float>() == Approx(1.0 - 5.0 / 3));
  // Constant targets: 1 for a perfect fit, 0 otherwise (sklearn's force_finite).
  CHECK(fb::R2Score{}(fb::ones({3}), fb::ones({3})).item<float>() == 1.0f);
  CHECK(fb::R2Score{}(fb::zeros({3}), fb::ones({3})).item<float>() == 0.0f);
}

TEST_CASE("metric names are fastai's column headers", "[metrics]") {
  CHECK(fb::accuracy{}.name() == "accuracy");
  CHECK(fb::error_rate{}.name() == "error_rate");
  CHECK(fb::accuracy_multi{.thresh = 0.2f}.name() == "accuracy_multi");
  CHECK(fb::F1ScoreMulti{}.name() == "f1_score");
  CHECK(fb::FBetaMulti{.beta = 2}.name() == "fbeta_score");
  CHECK(fb::mse{}.name() == "mse");
  CHECK(fb::rmse{}.name() == "_rmse");
  CHECK(fb::R2Score{}.name() == "r2_score");
}

TEST_CASE("Metric holds any metric by value", "[metrics]") {
  static_assert(fb::MetricLike<fb::accuracy_multi>);
  static_assert(fb::MetricLike<fb::F1ScoreMulti>);
  static_assert(fb::MetricLike<fb::AvgMetric>);
  static_assert(!fb::MetricLike<int>);
  static_assert(!std::is_convertible_v<fb::Metric, int>);

  // What a Learner's options hold.
  std::vector<fb::Metric> metrics = {fb::accuracy_multi{.thresh = 0.2f}, fb::F1ScoreMulti{}};
  REQUIRE(metrics.size() == 2);
  CHECK(metrics[0].name() == "accuracy_multi");
  REQUIRE(metrics[0].target<fb::accuracy_multi>() != nullptr);
  CHECK(metrics[0].target<fb::accuracy_multi>()->thresh == 0.2f);
  CHECK(metrics[0].target<fb::F1ScoreMulti>() == nullptr);

  // Copies are deep: accumulating into one leaves the other alone.
  const fb::Tensor logits = fb::tensor({{2.0f, -1.0f}, {-3.0f, 0.5f}});
  const fb::Tensor targs = fb::tensor({{1.0f, 0.0f}, {0.0f, 0.0f}});
  fb::Metric a = fb::accuracy_multi{};
  a.accumulate(logits, targs);
  fb::Metric b = a;
  b.accumulate(fb::tensor({{5.0f, 5.0f}}), fb::tensor({{0.0f, 0.0f}}));
  CHECK(a.value() == Approx(0.75));
  CHECK(b.value() == Approx(3.0 / 6));
  b = a;
  CHECK(b.value() == Approx(0.75));

  // fastai's AvgMetric around a user's batch function.
  fb::Metric mean_pred =
      fb::AvgMetric{.func = [](const fb::Tensor& p, const fb::Tensor&) { return p.mean(); },
                    .func_name = "mean_pred"};
  CHECK(mean_pred.name() == "mean_pred");
  mean_pred.reset();
  mean_pred.accumulate(fb::full({3, 2}, 1.0), fb::zeros({3}));
  mean_pred.accumulate(fb::full({1, 2}, 5.0), fb::zeros({1}));
  CHECK(mean_pred.value() == Approx((1.0 * 3 + 5.0 * 1) / 4));
}

TEST_CASE("metric shape errors name both shapes", "[metrics]") {
  CHECK_THAT(error_of<fb::shape_error>([] {
               fb::accuracy_multi m;
               m.accumulate(fb::zeros({4, 20}), fb::zeros({4, 19}));
             }),
             Contains("accuracy_multi: predictions [4, 20] and targets [4, 19] differ in size"));
  CHECK_THAT(error_of<fb::shape_error>([] {
               fb::accuracy m;
               m.accumulate(fb::zeros({8, 5}), fb::zeros({7}, fb::int64));
             }),
             Contains("accuracy: predictions [8, 5] give 8 labels (argmax over axis -1), targets "
                      "[7] hold 7"));
  CHECK_THAT(error_of<fb::shape_error>([] {
               fb::F1ScoreMulti m;
               m.accumulate(fb::zeros({4, 5}), fb::zeros({5, 4}));
             }),
             Contains("F1ScoreMulti: predictions [4, 5] and targets [5, 4]; expected the same "
                      "shape [N, C]"));
  CHECK_THAT(error_of<fb::shape_error>([] {
               fb::F1ScoreMulti m;
               m.accumulate(fb::zeros({4, 5}), fb::zeros({4, 5}));
               m.accumulate(fb::zeros({4, 6}), fb::zeros({4, 6}));
             }),
             Contains("this batch has 6 labels, earlier batches had 5"));
  CHECK_THAT(error_of<fb::shape_error>([] { (void)fb::mse{}(fb::zeros({3}), fb::zeros({4})); }),
             Contains("mse: predictions [3] and targets [4] differ in size"));
  CHECK_THAT(error_of<fb::index_error>([] {
               fb::accuracy m{.axis = 2};
               m.accumulate(fb::zeros({4, 5}), fb::zeros({4}, fb::int64));
             }),
             Contains("axis 2 is out of range for predictions [4, 5]"));
}
