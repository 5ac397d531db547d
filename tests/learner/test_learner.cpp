// Tests for fastblock/learner/: fastai's epoch table, the Learner's training loop (losses fall,
// schedules as fastai's, freezing as fastai's, validation weighted by items, get_preds in order,
// bit-identical reruns), callbacks, and cnn_learner's model, groups, defaults and errors.
#include <fastblock/learner.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision/image.hpp>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "test_support.hpp"

namespace fb = fastblock;

namespace learner_test {

using namespace learner_support;

fb::ParamSplitter two_groups() {
  return {.n_groups = 2, .group_of = [](std::string_view name) -> std::size_t {
            return name.starts_with("2.") ? 1 : 0;
          }};
}

auto make_learner(fb::LearnerOptions o = {}) {
  o.quiet = true;
  if (o.splitter.n_groups == 1) o.splitter = two_groups();
  return fb::Learner(make_dls(), make_mlp(), fb::BCEWithLogitsLossFlat(), std::move(o));
}

}  // namespace learner_test

using namespace learner_test;

TEST_CASE("learner: fastai's console epoch table and times", "[learner]") {
  CHECK(fb::format_time(0) == "00:00");
  CHECK(fb::format_time(8.9) == "00:08");
  CHECK(fb::format_time(65) == "01:05");
  CHECK(fb::format_time(3600 + 62) == "1:01:02");
  CHECK(fb::format_stat(0.9426631) == "0.942663");
  CHECK(fb::format_stat(std::nan("")) == "nan");
  const fb::EpochTable table({"epoch", "train_loss", "valid_loss", "accuracy_multi", "time"});
  // fastprogress's ConsoleMasterBar.write(table=True), byte for byte.
  CHECK(table.header() == "epoch     train_loss  valid_loss  accuracy_multi  time    ");
  CHECK(table.row({"0", "0.942663", "0.703737", "0.233307", "00:08"}) ==
        "0         0.942663    0.703737    0.233307        00:08     ");
  CHECK_THROWS_AS(table.row({"0"}), fb::value_error);
}

TEST_CASE("learner: fit lowers the loss and validate weighs every item", "[learner]") {
  auto learn = make_learner({.lr = 3e-2, .metrics = {fb::accuracy_multi{}}});
  const auto before = learn.validate();
  REQUIRE(before.size() == 2);
  learn.fit(6);
  const auto after = learn.validate();
  CHECK(after[0] < before[0] * 0.6);
  CHECK(after[1] > 0.9);
  CHECK(learn.recorder.values.size() == 6);
  CHECK(learn.recorder.losses.size() == 6 * learn.dls.train.size());
  CHECK(learn.recorder.lrs.front() == Approx(3e-2));

  // valid_loss is the mean over items: recompute it from get_preds' logits.
  auto [logits, targs] = learn.get_preds({.with_activation = false});
  REQUIRE(logits.shape() == fb::Shape({static_cast<std::int64_t>(learn.dls.valid.n()), 2}));
  fb::BCEWithLogitsLossFlat loss;
  CHECK(loss(logits, targs).item<float>() == Approx(after[0]).epsilon(1e-5));
  CHECK(fb::accuracy_multi{}(logits, targs).item<float>() == Approx(after[1]).epsilon(1e-6));

  std::ostringstream os;
  os << after;
  CHECK(os.str().starts_with("(#2) ["));
}

TEST_CASE("learner: get_preds keeps the order and applies the loss's activation", "[learner]") {
  auto learn = make_learner();
  auto [probs, targs] = learn.get_preds();
  const auto n = static_cast<std::int64_t>(learn.dls.valid.n());
  REQUIRE(probs.shape() == fb::Shape({n, 2}));
  std::int64_t row = 0;
  (*learn.model).train(false);
  for (auto&& [x, y] : learn.dls.valid) {
    const auto out = learn.model(x).sigmoid();
    for (std::int64_t i = 0; i < out.shape()[0]; ++i, ++row)
      for (std::int64_t j = 0; j < 2; ++j) {
        CHECK(probs.at<float>({row, j}) == out.at<float>({i, j}));
        CHECK(targs.at<float>({row, j}) == y.at<float>({i, j}));
      }
  }
  CHECK(row == n);
  auto [train_preds, train_targs] = learn.get_preds({.ds_idx = 0});
  CHECK(train_preds.shape()[0] == static_cast<std::int64_t>(learn.dls.train.n()));
  CHECK_THROWS_AS(learn.get_preds({.ds_idx = 2}), fb::index_error);
}

TEST_CASE("learner: fit_one_cycle follows fastai's schedules", "[learner]") {
  auto learn = make_learner();
  const std::size_t n_iter = learn.dls.train.size();
  learn.fit_one_cycle(2, 1e-2);
  const auto& lrs = learn.recorder.lrs;
  const auto& moms = learn.recorder.moms;
  REQUIRE(lrs.size() == 2 * n_iter);
  const double total = static_cast<double>(2 * n_iter);
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    const double pos = static_cast<double>(i) / total;
    // fastai: combined_cos(0.25, lr/25, lr, lr/1e5) and combined_cos(0.25, 0.95, 0.85, 0.95).
    const auto cos_sched = [](double start, double end, double p) {
      return start + (1 + std::cos(M_PI * (1 - p))) * (end - start) / 2;
    };
    const double lr = pos < 0.25 ? cos_sched(1e-2 / 25, 1e-2, pos / 0.25)
                                 : cos_sched(1e-2, 1e-2 / 1e5, (pos - 0.25) / 0.75);
    const double mom =
        pos < 0.25 ? cos_sched(0.95, 0.85, pos / 0.25) : cos_sched(0.85, 0.95, (pos - 0.25) / 0.75);
    // fastai's combine_scheds computes the position within a phase in float32 (its pcts are a
    // tensor), hence 1e-6 rather than double precision.
    CHECK(lrs[i] == Approx(lr).epsilon(1e-6));
    CHECK(moms[i] == Approx(mom).epsilon(1e-6));
  }
  CHECK(lrs.front() == Approx(1e-2 / 25));
}

TEST_CASE("learner: freeze trains the last group and batchnorm only, unfreeze everything",
          "[learner]") {
  using Model = fb::Sequential<fb::Linear, fb::BatchNorm1d, fb::ReLU, fb::Linear>;
  fb::Generator rng(1);
  Model model(fb::Linear(2, 8, {}, &rng), fb::BatchNorm1d(8), fb::ReLU(),
              fb::Linear(8, 2, {}, &rng));
  fb::Learner learn(make_dls(), std::move(model), fb::BCEWithLogitsLossFlat(),
                    {.splitter = {.n_groups = 2,
                                  .group_of = [](std::string_view n) -> std::size_t {
                                    return n.starts_with("3.") ? 1 : 0;
                                  }},
                     .quiet = true});
  learn.freeze();
  const auto first = learn.model->get<0>().weight.value.clone();
  const auto bn = learn.model->get<1>().weight.value.clone();
  const auto last = learn.model->get<3>().weight.value.clone();
  learn.fit(1, 1e-2);
  CHECK((learn.model->get<0>().weight.value == first).all());
  CHECK(!(learn.model->get<1>().weight.value == bn).all());
  CHECK(!(learn.model->get<3>().weight.value == last).all());
  learn.unfreeze();
  learn.fit(1, 1e-2);
  CHECK(!(learn.model->get<0>().weight.value == first).all());
}

namespace learner_test {
/// Keeps a copy of the recorder's learning rates at the end of every fit.
template <class L>
struct RecorderSpy {
  L* learn;
  std::shared_ptr<std::vector<std::vector<double>>> fits;
  void after_fit() { fits->push_back(learn->recorder.lrs); }
};
}  // namespace learner_test

TEST_CASE("learner: fine_tune is fastai's two one-cycle phases", "[learner]") {
  auto learn = make_learner();
  auto fits = std::make_shared<std::vector<std::vector<double>>>();
  learn.cbs.push_back(RecorderSpy<decltype(learn)>{&learn, fits});
  const std::size_t n_iter = learn.dls.train.size();
  learn.fine_tune(2, 4e-3, {.freeze_epochs = 1});
  REQUIRE(fits->size() == 2);
  // Frozen phase: slice(base_lr) (the head's rate is base_lr), pct_start 0.99, div 25: starts at
  // base_lr/25 and peaks at the very end at base_lr.
  const auto& frozen = (*fits)[0];
  REQUIRE(frozen.size() == n_iter);
  CHECK(frozen.front() == Approx(4e-3 / 25));
  CHECK(*std::max_element(frozen.begin(), frozen.end()) <= 4e-3);
  CHECK(frozen.back() > 0.95 * 4e-3);
  // Unfrozen phase: slice(base_lr/2/100, base_lr/2), div 5; the recorder keeps this last fit.
  const auto& lrs = learn.recorder.lrs;
  CHECK(lrs == (*fits)[1]);
  REQUIRE(lrs.size() == 2 * n_iter);
  REQUIRE(learn.recorder.values.size() == 2);
  CHECK(lrs.front() == Approx(2e-3 / 5));
  CHECK(*std::max_element(lrs.begin(), lrs.end()) <= 2e-3);
  // Everything trains at the end.
  for (std::size_t g = 0; g < learn.n_groups(); ++g)
    for (const auto* p : learn.param_group(g)) CHECK(p->trainable);
}

TEST_CASE("learner: the same seeds give bit-identical runs", "[learner]") {
  auto a = make_learner();
  auto b = make_learner();
  a.fit_one_cycle(2, 1e-2);
  b.fit_one_cycle(2, 1e-2);
  CHECK(a.recorder.losses == b.recorder.losses);
  CHECK(a.recorder.values == b.recorder.values);
  CHECK(weights(a) == weights(b));
}

TEST_CASE("learner: SGD with momentum also trains", "[learner]") {
  auto learn = make_learner({.opt_func = fb::SGD{.mom = 0.9f}, .lr = 0.1});
  const double before = learn.validate()[0];
  learn.fit(4);
  CHECK(learn.validate()[0] < before * 0.7);
}

TEST_CASE("learner: a CSVLogger writes one line per epoch", "[learner]") {
  fastblock_test::TempDir dir;
  const auto file = dir.path() / "history.csv";
  auto learn = make_learner({.metrics = {fb::accuracy_multi{}}, .cbs = {fb::CSVLogger(file)}});
  learn.fit(2, 1e-2);
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "epoch,train_loss,valid_loss,accuracy_multi,time");
  CHECK(lines[1].starts_with("0,"));
  CHECK(lines[2].starts_with("1," + fb::format_stat(learn.recorder.values[1][0]) + ","));
}

TEST_CASE("learner: errors name what is wrong", "[learner]") {
  auto empty_train =
      fb::Learner(make_dls(101, 200), make_mlp(), fb::BCEWithLogitsLossFlat(), {.quiet = true});
  CHECK_THROWS_AS(empty_train.fit(1), fb::value_error);
  CHECK_THROWS_AS(
      fb::Learner(make_dls(), make_mlp(), fb::BCEWithLogitsLossFlat(),
                  {.splitter = {.n_groups = 3,
                                .group_of = [](std::string_view) -> std::size_t { return 0; }}}),
      fb::value_error);
}

namespace learner_test {

/// Tiny 3-channel "images" whose labels are the brightest channel: a task resnet18 can learn.
struct Picture {
  fb::Tensor x;
  std::vector<std::string> labels;
};

std::vector<Picture> pictures(std::size_t n) {
  fb::Generator rng(21);
  std::vector<Picture> out;
  const std::vector<std::string> names = {"red", "green", "blue"};
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<std::int64_t>(i % 3);
    auto x = fb::rand({3, 16, 16}, rng) * 0.5;
    auto channel = x[c];
    channel.copy_(channel + 0.5f);
    out.push_back({x, {names[static_cast<std::size_t>(c)]}});
  }
  return out;
}

auto picture_dls() {
  return fb::DataBlock<fb::TransformBlock<fb::Tensor>, fb::MultiCategoryBlock>{}
      .get_x([](const Picture& p) { return p.x; })
      .get_y([](const Picture& p) { return p.labels; })
      .splitter(fb::RandomSplitter({.valid_pct = 0.25, .seed = 1}))
      .dataloaders(pictures(48), {.bs = 12, .seed = 2, .num_workers = 0});
}

}  // namespace learner_test

TEST_CASE("cnn_learner: fastai's model, groups and default loss", "[learner][cnn]") {
  auto learn = fb::cnn_learner(picture_dls(), fb::resnet18,
                               {.metrics = {fb::accuracy_multi{}}, .quiet = true, .seed = 4});
  static_assert(std::same_as<decltype(learn.loss_func), fb::BCEWithLogitsLossFlat>);
  REQUIRE(learn.n_groups() == 3);
  // fastai's _resnet_split: conv1, bn1, layer1, layer2 | layer3, layer4 | head.
  std::vector<std::string> names;
  (*learn.model).visit([&](const std::string& n, fb::Parameter&) { names.push_back(n); }, "");
  CHECK(std::find(names.begin(), names.end(), "0.layer1.0.conv1.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "1.8.weight") != names.end());
  CHECK(learn.param_group(0).front() == &learn.model->get<0>().conv1.weight);
  CHECK(learn.param_group(1).front() == &learn.model->get<0>().layer3[0].conv1.weight);
  CHECK(learn.model(fb::rand({2, 3, 16, 16})).shape() == fb::Shape({2, 3}));
  // Not pretrained: nothing starts frozen.
  for (std::size_t g = 0; g < 3; ++g)
    for (const auto* p : learn.param_group(g)) CHECK(p->trainable);
  const double before = learn.validate()[0];
  learn.fit_one_cycle(3, 1e-2);
  CHECK(learn.validate()[0] < before);
  // show_results: a grid of the validation batch with targets and predictions.
  fastblock_test::TempDir dir;
  learn.show_results(dir.path() / "results.png", {.nrows = 2, .ncols = 2, .max_n = 4});
  CHECK(fb::load_image(dir.path() / "results.png").width() > 0);
  CHECK_THROWS_AS(learn.show_results(dir.path() / "x.png", {}, 2), fb::index_error);
}

TEST_CASE("cnn_learner: a pretrained body loads torchvision's names, or says what is wrong",
          "[learner][cnn]") {
  fastblock_test::TempDir dir;
  auto reference = fb::resnet18({.seed = 9});
  fb::save_weights(reference, dir.path() / "r18.safetensors");
  auto learn = fb::cnn_learner(picture_dls(), fb::resnet18,
                               {.pretrained = dir.path() / "r18.safetensors", .quiet = true});
  CHECK((learn.model->get<0>().layer4[1].conv2.weight.value ==
         reference.body.layer4[1].conv2.weight.value)
            .all());
  // fastai freezes a pretrained body: only the head and batchnorm parameters train.
  CHECK(!learn.param_group(0).front()->trainable);
  for (const auto* p : learn.param_group(2)) CHECK(p->trainable);

  auto r50 = fb::resnet50({.seed = 9});
  fb::save_weights(r50, dir.path() / "r50.safetensors");
  const auto message = fastblock_test::error_of<fb::value_error>([&] {
    (void)fb::cnn_learner(picture_dls(), fb::resnet18,
                          {.pretrained = dir.path() / "r50.safetensors", .quiet = true});
  });
  CHECK_THAT(message, Catch::Contains("r50.safetensors") && Catch::Contains("does not hold") &&
                          Catch::Contains("layer1.0.conv3.weight"));
}

TEST_CASE("lr_find: fastai's suggestions on fixed curves", "[learner][lr_find]") {
  // tests/golden/make_lr_find_fixture.py ran fastai's minimum/steep/valley on these curves
  // (float32 tensors there, hence the relative tolerance).
  std::ifstream in(std::string(FASTBLOCK_TEST_DATA_DIR) + "/golden/learner/lr_find.txt");
  REQUIRE(in);
  int curves = 0;
  for (std::string tag; in >> tag;) {
    REQUIRE(tag == "curve");
    std::string name, word;
    std::size_t num_it = 0, n = 0;
    in >> name >> num_it >> n;
    std::vector<double> lrs(n), losses(n);
    std::array<double, 3> expect{};
    in >> word;
    for (auto& v : lrs) in >> v;
    in >> word;
    for (auto& v : losses) {
      in >> word;  // "nan" does not parse as a double with >>
      v = word == "nan" ? std::nan("") : std::stod(word);
    }
    in >> word >> expect[0] >> expect[1] >> expect[2];
    INFO(name);
    const auto s = fb::detail::suggest_lrs(lrs, losses, num_it);
    CHECK(s.minimum == Approx(expect[0]).epsilon(1e-6));
    CHECK(s.steep == Approx(expect[1]).epsilon(1e-6));
    CHECK(s.valley == Approx(expect[2]).epsilon(1e-6));
    ++curves;
  }
  CHECK(curves == 3);
  CHECK_THROWS_AS(fb::detail::suggest_lrs({1e-7, 1e-6}, {1.0, 2.0}, 100), fb::value_error);
}

TEST_CASE("lr_find: sweeps exponentially, then restores everything", "[learner][lr_find]") {
  auto probe = make_learner();
  auto plain = make_learner();
  const auto before = weights(probe);
  const auto s = probe.lr_find({.num_it = 40});
  CHECK(weights(probe) == before);
  const auto& lrs = probe.recorder.lrs;
  REQUIRE(!lrs.empty());
  REQUIRE(lrs.size() <= 40);
  for (std::size_t i = 0; i < lrs.size(); ++i)
    CHECK(lrs[i] == Approx(1e-7 * std::pow(1e8, static_cast<double>(i) / 40)).epsilon(1e-12));
  CHECK(s.minimum > 0);
  CHECK(s.valley >= 1e-7);
  CHECK(s.valley <= 10);
  std::ostringstream os;
  os << s;
  CHECK(os.str().starts_with("SuggestedLRs(minimum="));
  // Training afterwards is what it would have been without the sweep: same data order, same
  // weights, same optimiser state.
  probe.fit(1, 1e-2);
  plain.fit(1, 1e-2);
  CHECK(probe.recorder.losses == plain.recorder.losses);
  CHECK(weights(probe) == weights(plain));
  CHECK_THROWS_AS(probe.lr_find({.start_lr = 1, .end_lr = 0.5}), fb::value_error);
}

TEST_CASE("learner: the recorder's plots are PNG charts", "[learner]") {
  fastblock_test::TempDir dir;
  auto learn = make_learner();
  CHECK_THROWS_AS(learn.recorder.plot_loss(dir.path() / "none.png"), fb::value_error);
  (void)learn.lr_find({.num_it = 30, .plot = dir.path() / "lr_find.png"});
  learn.fit_one_cycle(2, 1e-2);
  learn.recorder.plot_loss(dir.path() / "loss.png");
  learn.recorder.plot_sched(dir.path() / "sched.png");
  for (const char* name : {"lr_find.png", "loss.png", "sched.png", "sched_mom.png"}) {
    INFO(name);
    const fb::Image chart = fb::load_image(dir.path() / name);
    CHECK(chart.width() == 640);
    CHECK(chart.height() == 480);
  }
}

TEST_CASE("learner: plot_loss cuts a validation loss far above the training losses", "[learner]") {
  CHECK_FALSE(fb::detail::loss_plot_ylim({0.9, 0.7, 0.5}, {0.8, 0.6}).has_value());
  CHECK_FALSE(fb::detail::loss_plot_ylim({}, {2409.0}).has_value());
  const auto ylim = fb::detail::loss_plot_ylim({0.9, 0.7, 0.5}, {2409.0, 13.9, 0.45});
  REQUIRE(ylim.has_value());
  CHECK((*ylim)[0] == 0.45);
  CHECK((*ylim)[1] == Approx(2.7));
}

TEST_CASE("learner: fastprogress's console bar", "[learner]") {
  CHECK(fb::ProgressBar::text(1, 2, 1.0, "0.5", 4) ==
        "|\u2588\u2588--| 50.00% [1/2 00:01<00:01 0.5]");
  CHECK(fb::ProgressBar::text(0, 3, 0.0, "", 3) == "|---| 0.00% [0/3 00:00<00:00]");
  // Not a terminal: nothing is drawn.
  std::ostringstream os;
  fb::ProgressBar bar(3, false, os);
  bar.update(1, 0.5, "x");
  bar.clear();
  CHECK(os.str().empty());
  fb::ProgressBar shown(3, true, os);
  shown.update(1, 0.5, "x");
  CHECK(os.str().starts_with("\r|"));
}

TEST_CASE("best_thresholds: one threshold per class, by F1 on validation", "[learner]") {
  // Class 0 separates at 0.3 (positives 0.35, 0.4; negatives 0.1, 0.2); class 1 at 0.7;
  // class 2 has no positive and keeps the fallback.
  const auto preds =
      fb::tensor({{0.35f, 0.9f, 0.1f}, {0.4f, 0.2f, 0.6f}, {0.1f, 0.8f, 0.2f}, {0.2f, 0.6f, 0.3f}});
  const auto targs =
      fb::tensor({{1.0f, 1.0f, 0.0f}, {1.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 0.0f}, {0.0f, 0.0f, 0.0f}});
  const auto th = fb::best_thresholds(preds, targs);
  REQUIRE(th.size() == 3);
  // F1 = 1 for thresholds in [0.20, 0.35) for class 0 -> {0.20, 0.25, 0.30}: the middle is 0.25.
  CHECK(th[0] == Approx(0.25f));
  // Class 1: F1 = 1 for [0.60, 0.80) -> {0.60, ..., 0.75}: middle of 4 is the third, 0.70.
  CHECK(th[1] == Approx(0.70f));
  CHECK(th[2] == 0.5f);
  const auto decided = fb::apply_thresholds(preds, th);
  CHECK((decided == (targs != 0)).slice(1, 0, 2).all());
  CHECK_THROWS_AS(fb::best_thresholds(preds, targs.slice(1, 0, 2)), fb::shape_error);
  CHECK_THROWS_AS(fb::apply_thresholds(preds, std::vector<float>{0.5f}), fb::shape_error);
}
