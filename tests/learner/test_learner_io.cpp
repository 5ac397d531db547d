// Tests for what a Learner writes and reads and how training stops: a NaN loss stops with the
// epoch and batch named and the weights finite; SIGINT stops after the batch and leaves the
// learner usable; save/load resumes a run exactly; predict decodes one item as get_preds does;
// export_learner -> load_learner -> predict gives the same outputs, and damaged or foreign
// files are errors naming the file and what was expected.
#include <fastblock/learner.hpp>

#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision.hpp>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "test_support.hpp"

namespace fb = fastblock;
namespace fs = std::filesystem;
using fastblock_test::error_of;
using fastblock_test::TempDir;

namespace learner_io_test {

using namespace learner_support;

/// BCE that calls `hook(n)` on its n-th training call (1-based) and returns NaN from call
/// `nan_at` on.
struct HookedLoss : fb::BCEWithLogitsLossFlat {
  std::function<void(int)> hook = [](int) {};
  int nan_at = 0;
  int calls = 0;
  template <class T>
  fb::Tensor operator()(const fb::Tensor& logits, const T& target) {
    ++calls;
    hook(calls);
    fb::Tensor loss = fb::BCEWithLogitsLossFlat::operator()(logits, target);
    if (nan_at > 0 && calls >= nan_at) return fb::tensor({std::numeric_limits<float>::quiet_NaN()});
    return loss;
  }
};

template <class Loss = fb::BCEWithLogitsLossFlat>
auto make_learner(Loss loss = Loss(), std::int64_t hidden = 16) {
  return fb::Learner(make_dls(), make_mlp(5, hidden), std::move(loss), {.lr = 3e-2, .quiet = true});
}

}  // namespace learner_io_test

using namespace learner_io_test;

TEST_CASE("learner: a NaN loss stops training, naming epoch and batch, weights finite",
          "[learner][io]") {
  HookedLoss loss;
  // The loss runs on 10 training batches then 3 validation batches per epoch: call 16 is batch 2
  // of epoch 1.
  loss.nan_at = 16;
  auto learn = make_learner(loss);
  const std::string msg = error_of<fb::training_error>([&] { learn.fit(3); });
  CHECK(msg.find("epoch 1, batch 2 of 10") != std::string::npos);
  CHECK(msg.find("NaN or infinite") != std::string::npos);
  for (float w : weights(learn)) REQUIRE(std::isfinite(w));
  // The learner is still usable: the loss goes back to normal and training goes on.
  learn.loss_func.nan_at = 0;
  learn.fit(1);
  CHECK(std::isfinite(learn.validate()[0]));
}

TEST_CASE("learner: lr_find treats a NaN loss as divergence", "[learner][io]") {
  HookedLoss loss;
  loss.nan_at = 30;
  auto learn = make_learner(loss);
  const auto before = weights(learn);
  (void)learn.lr_find({.num_it = 60});
  CHECK(learn.recorder.losses.size() == 30);
  CHECK(weights(learn) == before);
}

TEST_CASE("learner: SIGINT stops the fit after the batch and leaves the learner usable",
          "[learner][io]") {
  HookedLoss loss;
  loss.hook = [](int n) {
    if (n == 16) std::raise(SIGINT);  // batch 2 of epoch 1 (see above)
  };
  auto learn = make_learner(loss);
  const auto previous = std::signal(SIGINT, SIG_DFL);  // what the guard must restore
  learn.fit(3);
  CHECK(learn.interrupted());
  CHECK(learn.recorder.losses.size() == 13);  // batch 2 of epoch 1 finished, then it stopped
  CHECK(learn.recorder.values.size() == 1);   // only epoch 0 was validated
  CHECK(std::signal(SIGINT, previous) == SIG_DFL);
  // The next fit runs to its end.
  learn.loss_func.hook = [](int) {};
  learn.fit(1);
  CHECK_FALSE(learn.interrupted());
  CHECK(learn.recorder.values.size() == 1);

  // fine_tune stops too, without its unfrozen phase.
  auto tuned = make_learner(loss);
  tuned.loss_func.hook = [](int n) {
    if (n == 3) std::raise(SIGINT);
  };
  tuned.fine_tune(2);
  CHECK(tuned.interrupted());
  CHECK(tuned.recorder.losses.size() == 3);
}

TEST_CASE("learner: same seed, same run, bit for bit, whatever the loading threads",
          "[learner][io]") {
  // The per-epoch losses and weights of a seeded fit, read with `workers` loading threads.
  const auto run = [](int workers) {
    fb::Learner learn(make_dls(101, 8, workers), make_mlp(), fb::BCEWithLogitsLossFlat(),
                      {.lr = 3e-2, .quiet = true});
    std::vector<std::vector<double>> losses;
    std::vector<std::vector<float>> snapshots;
    for (int epoch = 0; epoch < 3; ++epoch) {
      learn.fit(1);
      losses.push_back(learn.recorder.losses);
      losses.push_back(learn.recorder.values.back());
      snapshots.push_back(weights(learn));
    }
    return std::pair{losses, snapshots};
  };
  const auto first = run(0);
  CHECK(run(0) == first);
  CHECK(run(2) == first);
  CHECK(run(3) == first);
}

TEST_CASE("learner: a convolutional model trains the same twice on several threads",
          "[learner][io]") {
  // Conv2d's filter gradient is summed over chunks of images processed on the pool's threads;
  // the sum must not depend on which chunk finishes first.
  const auto run = [] {
    fb::Generator data_rng(3);
    std::vector<std::pair<fb::Tensor, std::vector<std::string>>> items;
    for (int i = 0; i < 48; ++i) {
      fb::Tensor x = fb::rand({3, 12, 12}, data_rng);
      items.push_back({x, {x.mean().item<float>() > 0.5f ? "bright" : "dark"}});
    }
    auto dls = fb::DataBlock<fb::TransformBlock<fb::Tensor>, fb::MultiCategoryBlock>{}
                   .get_x([](const auto& it) { return it.first; })
                   .get_y([](const auto& it) { return it.second; })
                   .splitter(fb::RandomSplitter({.valid_pct = 0.25, .seed = 1}))
                   .dataloaders(items, {.bs = 16, .seed = 2, .num_workers = 0});
    fb::Generator rng(9);
    using Net =
        fb::Sequential<fb::Conv2d, fb::ReLU, fb::AdaptiveAvgPool2d, fb::Flatten, fb::Linear>;
    Net net(fb::Conv2d(3, 8, 3, {.padding = 1}, &rng), fb::ReLU(), fb::AdaptiveAvgPool2d(1),
            fb::Flatten(), fb::Linear(8, dls.c(), {}, &rng));
    fb::Learner learn(std::move(dls), std::move(net), fb::BCEWithLogitsLossFlat(),
                      {.lr = 1e-2, .quiet = true});
    learn.fit(2);
    return std::pair{learn.recorder.losses, weights(learn)};
  };
  const auto first = run();
  for (int i = 0; i < 3; ++i) CHECK(run() == first);
}

TEST_CASE("learner: save and load resume a run exactly", "[learner][io]") {
  const TempDir dir;
  const fs::path ck = dir.path() / "stage1.safetensors";
  auto straight = make_learner();
  straight.fit(2);

  auto first = make_learner();
  first.fit(1);
  first.save(ck);
  CHECK_FALSE(fs::exists(dir.path() / "stage1.safetensors.tmp"));
  auto resumed = make_learner();
  resumed.load(ck);
  CHECK(weights(resumed) == weights(first));
  CHECK(resumed.dls.train.epoch() == first.dls.train.epoch());
  first.fit(1);
  resumed.fit(1);
  CHECK(weights(resumed) == weights(first));
  // fit(1) twice is fit(2) with a constant lr, except that Adam's state is carried over: the
  // resumed run continues the uninterrupted one's weights exactly.
  CHECK(weights(resumed) == weights(straight));

  SECTION("a checkpoint of another model is refused, naming the differences") {
    auto other = make_learner(fb::BCEWithLogitsLossFlat(), 8);
    const std::string msg = error_of<fb::value_error>([&] { other.load(ck); });
    CHECK(msg.find("stage1.safetensors") != std::string::npos);
    CHECK(msg.find("0.weight") != std::string::npos);
  }
  SECTION("a truncated checkpoint names the file") {
    const auto size = fs::file_size(ck);
    fs::resize_file(ck, size - 10);
    const std::string msg = error_of<fb::io_error>([&] { resumed.load(ck); });
    CHECK(msg.find("stage1.safetensors") != std::string::npos);
  }
  SECTION("plain weights are not a checkpoint") {
    const fs::path plain = dir.path() / "plain.safetensors";
    fb::save_weights(*first.model, plain);
    const std::string msg = error_of<fb::io_error>([&] { resumed.load(plain); });
    CHECK(msg.find("load_weights") != std::string::npos);
  }
}

TEST_CASE("learner: save and load resume a run with dropout exactly", "[learner][io]") {
  // fastai's heads drop out: the masks come from each Dropout's generator, which the checkpoint
  // carries, so the resumed run draws the masks the uninterrupted one draws.
  using DropMlp = fb::Sequential<fb::Linear, fb::ReLU, fb::Dropout, fb::Linear>;
  const auto learner = [] {
    fb::Generator rng(5);
    DropMlp net(fb::Linear(2, 16, {}, &rng), fb::ReLU(), fb::Dropout(0.5, 9),
                fb::Linear(16, 2, {}, &rng));
    return fb::Learner(make_dls(), std::move(net), fb::BCEWithLogitsLossFlat(),
                       {.lr = 3e-2, .quiet = true});
  };
  const TempDir dir;
  const fs::path ck = dir.path() / "dropout.safetensors";
  auto straight = learner();
  straight.fit(2);
  auto first = learner();
  first.fit(1);
  first.save(ck);
  CHECK(fb::read_safetensors(ck).metadata.contains("generator.2"));
  auto resumed = learner();
  resumed.load(ck);
  resumed.fit(1);
  CHECK(weights(resumed) == weights(straight));
  // Without the generator's state the masks differ, and so do the weights.
  auto forgetful = learner();
  fb::Checkpoint no_rng = fb::read_checkpoint(ck);
  no_rng.generators.clear();
  fb::write_checkpoint(no_rng, ck);
  forgetful.load(ck);
  forgetful.fit(1);
  CHECK(weights(forgetful) != weights(straight));

  SECTION("an unreadable generator state names the file and the layer") {
    fb::Checkpoint bad = no_rng;
    bad.generators["2"] = "not a state";
    fb::write_checkpoint(bad, ck);
    const std::string msg = error_of<fb::io_error>([&] { (void)fb::read_checkpoint(ck); });
    CHECK(msg.find("dropout.safetensors") != std::string::npos);
    CHECK(msg.find("generator state 'not a state' for '2'") != std::string::npos);
  }
}

TEST_CASE("learner: fastai's head names its two dropouts' generators as PyTorch numbers them",
          "[learner][io]") {
  fb::Sequential<fb::Linear, fb::Head> model(fb::Linear(2, 2), fb::Head(64, 3));
  std::vector<std::string> names;
  fb::visit_generators(model,
                       [&](const std::string& name, fb::Generator&) { names.push_back(name); });
  CHECK(names == std::vector<std::string>{"1.3", "1.7"});
}

namespace learner_io_test {

/// A tiny PASCAL-like folder, its DataBlock and a resnet18 learner over it.
auto pascal_learner(const fs::path& folder) {
  fb::make_synthetic_pascal(folder, {.n_rows = 24, .size = {40, 48}, .size_jitter = 0.1});
  const fb::DataFrame df = fb::read_csv(folder / "train.csv");
  auto dblock = fb::DataBlock<fb::ImageBlock, fb::MultiCategoryBlock>{}
                    .splitter(fb::ColSplitter("is_valid"))
                    .get_x([folder](const fb::Row& r) { return folder / "train" / r["fname"]; })
                    .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
                    .item_tfms(fb::RandomResizedCrop(32, {.min_scale = 0.35}))
                    .batch_tfms(fb::aug_transforms({.size = fb::ImageSize(32, 32)}),
                                fb::Normalize::imagenet());
  auto dls = dblock.dataloaders(df, {.bs = 4, .num_workers = 0});
  return fb::cnn_learner(std::move(dls), fb::resnet18,
                         {.lin_ftrs = {16}, .quiet = true, .seed = 4});
}

}  // namespace learner_io_test

TEST_CASE("learner: predict decodes one item as get_preds does", "[learner][io]") {
  const TempDir dir;
  auto learn = pascal_learner(dir.path() / "pascal");
  learn.fit_one_cycle(1, 1e-2);
  const auto [preds, targs] = learn.get_preds();
  const fb::DataFrame df = fb::read_csv(dir.path() / "pascal" / "train.csv");
  // The first validation row of the CSV is the first validation item.
  std::size_t row = 0;
  while (df["is_valid"][row] != "True") ++row;
  const fs::path first = dir.path() / "pascal" / "train" / std::string(df["fname"][row]);
  const fb::Prediction p = learn.predict(first);
  const std::int64_t n = learn.dls.c();
  REQUIRE(p.probs.shape() == fb::Shape{n});
  for (std::int64_t c = 0; c < n; ++c) {
    CHECK(p.probs[c].item<float>() == Approx(preds[0][c].item<float>()).margin(1e-5));
    CHECK(p.decoded[c].item<bool>() == (p.probs[c].item<float>() > 0.5f));
  }
  std::vector<std::string> expected;
  for (std::int64_t c = 0; c < n; ++c)
    if (p.decoded[c].item<bool>()) expected.push_back(learn.dls.vocab()[c]);
  CHECK(std::vector<std::string>(p.labels) == expected);
  // An Image gives the same as its file.
  const fb::Prediction q = learn.predict(fb::load_image(first));
  CHECK(fb::allclose(q.probs, p.probs, 0, 0));
}

TEST_CASE("learner: export_learner -> load_learner -> predict gives the same outputs",
          "[learner][io]") {
  const TempDir dir;
  auto learn = pascal_learner(dir.path() / "pascal");
  learn.fit_one_cycle(1, 1e-2);
  const fs::path file = dir.path() / "export.safetensors";
  const auto images = fb::get_image_files(dir.path() / "pascal" / "train");
  REQUIRE(images.size() >= 3);

  SECTION("with the loss's threshold") {
    learn.export_learner(file);
    auto loaded = fb::load_learner(file);
    CHECK(loaded.vocab().items() == learn.dls.vocab().items());
    CHECK(fb::arch_name(loaded.model_spec()) == "resnet18");
    CHECK(loaded.item_tfms().size() == 2);   // RandomResizedCrop, ToTensor
    CHECK(loaded.batch_tfms().size() == 3);  // IntToFloatTensor, AffineCoordTfm, Normalize
    for (std::size_t i = 0; i < 3; ++i) {
      const fb::Prediction a = learn.predict(images[i]);
      const fb::Prediction b = loaded.predict(images[i]);
      CHECK(fb::equal(a.probs, b.probs));
      CHECK(fb::equal(a.decoded, b.decoded));
      CHECK(std::vector<std::string>(a.labels) == std::vector<std::string>(b.labels));
    }
  }
  SECTION("with per-class thresholds, which travel with the export") {
    learn.thresholds.assign(static_cast<std::size_t>(learn.dls.c()), 0.5f);
    learn.thresholds[0] = 0.0f;  // class 0 is always predicted
    learn.export_learner(file);
    auto loaded = fb::load_learner(file);
    CHECK(loaded.thresholds == learn.thresholds);
    const fb::Prediction b = loaded.predict(images[0]);
    CHECK(b.decoded[0].item<bool>());
    CHECK(b.labels.front() == learn.dls.vocab()[0]);
    CHECK(fb::equal(learn.predict(images[0]).decoded, b.decoded));
  }
  SECTION("damaged and foreign files are errors naming the file") {
    learn.export_learner(file);
    const auto size = fs::file_size(file);
    fs::resize_file(file, size - 100);
    CHECK(error_of<fb::io_error>([&] {
            (void)fb::load_learner(file);
          }).find("export.safetensors") != std::string::npos);
    learn.save(dir.path() / "ck.safetensors");
    CHECK(error_of<fb::io_error>([&] {
            (void)fb::load_learner(dir.path() / "ck.safetensors");
          }).find("learn.load()") != std::string::npos);
    // A spec with a field missing names it.
    learn.export_learner(file);
    fb::SafetensorsFile f = fb::read_safetensors(file);
    std::string spec = f.metadata.at("fastblock.learner");
    const auto at = spec.find("\"n_out\"");
    REQUIRE(at != std::string::npos);
    spec.replace(at, 7, "\"n_outs\"");
    f.metadata["fastblock.learner"] = spec;
    fb::save_safetensors(f.tensors, file, f.metadata);
    const std::string msg = error_of<fb::io_error>([&] { (void)fb::load_learner(file); });
    CHECK(msg.find("spec.model.n_out must be present") != std::string::npos);
    CHECK(msg.find("export.safetensors") != std::string::npos);
  }
}

TEST_CASE("learner: a PointBlock learner exports and predicts points", "[learner][io]") {
  const TempDir dir;
  fb::make_synthetic_biwi(dir.path() / "biwi",
                          {.n_people = 2, .frames_per_person = 4, .size = {48, 64}});
  const fb::Tensor cal = fb::load_txt(dir.path() / "biwi" / "01" / "rgb.cal", {.skip_footer = 6});
  auto get_ctr = [cal](const fs::path& f) {
    const std::string s = f.string();
    const fb::Tensor ctr = fb::load_txt(s.substr(0, s.size() - 7) + "pose.txt", {.skip_header = 3});
    const fb::Tensor c1 = ctr[0] * cal[0][0] / ctr[2] + cal[0][2];
    const fb::Tensor c2 = ctr[1] * cal[1][1] / ctr[2] + cal[1][2];
    return fb::tensor({c1.item<float>(), c2.item<float>()});
  };
  auto dls = fb::DataBlock<fb::ImageBlock, fb::PointBlock>{}
                 .get_items([](const fs::path& p) { return fb::get_image_files(p); })
                 .get_y(get_ctr)
                 .splitter(fb::FuncSplitter(
                     [](const fs::path& o) { return o.parent_path().filename() == "02"; }))
                 .item_tfms(fb::Resize(fb::ImageSize(24, 32), {.method = fb::ResizeMethod::squish}))
                 .batch_tfms(fb::aug_transforms({.size = fb::ImageSize(24, 32)}),
                             fb::Normalize::imagenet())
                 .dataloaders(dir.path() / "biwi", {.bs = 2, .num_workers = 0});
  auto learn =
      fb::cnn_learner(std::move(dls), fb::resnet18,
                      {.y_range = {{-1.0f, 1.0f}}, .lin_ftrs = {8}, .quiet = true, .seed = 2});
  const auto images = fb::get_image_files(dir.path() / "biwi" / "02");
  const fb::Prediction a = learn.predict(images[0]);
  REQUIRE(a.points.shape() == fb::Shape{1, 2});
  // Points in pixels of the 32x24 input: the scaled outputs (in [-1, 1]) mapped to [0, 32]x[0, 24].
  CHECK(a.points[0][0].item<float>() ==
        Approx((a.decoded[0][0].item<float>() + 1) * 16).margin(1e-4));
  CHECK(a.points[0][1].item<float>() ==
        Approx((a.decoded[0][1].item<float>() + 1) * 12).margin(1e-4));
  const fs::path file = dir.path() / "points.safetensors";
  learn.export_learner(file);
  auto loaded = fb::load_learner(file);
  const fb::Prediction b = loaded.predict(images[0]);
  CHECK(fb::equal(a.points, b.points));
  CHECK(fb::equal(a.probs, b.probs));
  CHECK_THROWS_AS(loaded.vocab(), fb::value_error);
}

TEST_CASE("learner: only what can be described exports", "[learner][io]") {
  const TempDir dir;
  auto learn = make_learner();
  (void)learn;
  // A hand-made model: nothing says how to build it again.
  auto pascal = pascal_learner(dir.path() / "pascal");
  pascal.model_spec.reset();
  const std::string msg =
      error_of<fb::value_error>([&] { pascal.export_learner(dir.path() / "x.safetensors"); });
  CHECK(msg.find("not built by cnn_learner") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "x.safetensors"));
}
