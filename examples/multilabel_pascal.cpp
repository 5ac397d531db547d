// The seed's multi-label program (fastai book, chapter 6, PASCAL_2007), line by line: DataBlock,
// dataloaders, cnn_learner, learn.model(x), the loss, training with the epoch table, validate()
// under other thresholds, get_preds() and the threshold sweep; then the figures at --thresh
// beside the all-negative baseline, and one JSON line with the final figures.
//
//   multilabel_pascal [--data DIR] [--rows N] [--size PX] [--thresh X] [--arch resnet18|...]
//                     [--bs N] [--epochs N] [--schedule fine_tune|one_cycle] [--lr X] ...
//   multilabel_pascal --help                  # every flag, with its default
//
// --data is a folder in PASCAL_2007's layout (train.csv with fname, labels, is_valid; images in
// train/), such as the real one; by default the PASCAL-like images the project generates (no
// download), made on the first run. With --pretrained (torchvision's resnet weights) the default
// schedule is the seed's `fine_tune(epochs, base_lr=3e-3, freeze_epochs=4)`; from random weights
// fine_tune's frozen phase teaches little (FASTAI-NOTES.md), so the default is
// `fit_one_cycle(epochs, lr)`.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "common.hpp"

using namespace fastblock;
namespace fs = std::filesystem;

namespace {

struct Flags {
  fs::path data = fs::temp_directory_path() / "fastblock_pascal_2007";
  std::optional<std::size_t> rows;  // set: the user asked for a generated size
  std::int64_t size = 64;
  float thresh = 0.2f;
  examples::TrainFlags train{.bs = 64, .epochs = 4};
};

/// The seed's recipe: fine_tune(3, base_lr=3e-3, freeze_epochs=4).
constexpr examples::RecipeDefaults recipe_defaults{
    .fine_tune_lr = 3e-3, .one_cycle_lr = 1e-2, .freeze_epochs = 4};

constexpr std::size_t default_rows = 1200;

/// The seed's threshold sweep: accuracy_multi over linspace(0.05, 0.95, 29) thresholds; returns
/// the best threshold and its accuracy.
std::pair<float, float> threshold_sweep(const Tensor& preds, const Tensor& targs) {
  // xs = torch.linspace(0.05,0.95,29)
  // accs = [accuracy_multi(preds, targs, thresh=i, sigmoid=False) for i in xs]
  const Tensor xs = linspace(0.05, 0.95, 29);
  float best_t = 0, best_acc = -1;
  for (std::int64_t i = 0; i < xs.numel(); ++i) {
    const float t = xs[i].item<float>();
    const float acc = accuracy_multi{.thresh = t, .sigmoid = false}(preds, targs).item<float>();
    std::cout << std::fixed << std::setprecision(3) << "  thresh " << t << ": " << acc << "\n";
    if (acc > best_acc) best_acc = acc, best_t = t;
  }
  std::cout << "best threshold " << best_t << " (accuracy_multi " << best_acc << ")\n";
  return {best_t, best_acc};
}

/// accuracy_multi and F1ScoreMulti(average="samples") of probabilities `preds` at `thresh`.
std::pair<float, float> figures(const Tensor& preds, const Tensor& targs, float thresh) {
  return {accuracy_multi{.thresh = thresh, .sigmoid = false}(preds, targs).item<float>(),
          F1ScoreMulti{.thresh = thresh, .sigmoid = false, .average = "samples"}(preds, targs)
              .item<float>()};
}

template <class Arch>
int run(const Flags& a, const examples::Recipe& recipe, Arch arch) {
  const examples::TrainFlags& t = a.train;
  // path = untar_data(URLs.PASCAL_2007): a folder of the user's, or generated once into a.data
  const fs::path path = a.data;
  if (examples::should_generate(path, ".fastblock-synthetic")) {
    const auto made = make_synthetic_pascal(path, {.n_rows = a.rows.value_or(default_rows)});
    std::cout << (made.generated ? "generated " : "found ") << made.n_images << " images in "
              << made.images.string() << "\n";
  } else {
    std::cout << "reading " << path.string() << " as it is (not generated here)\n";
    if (a.rows) std::cout << "--rows is ignored: it sizes generated datasets only\n";
  }
  // df = pd.read_csv(path/'train.csv')
  const DataFrame df = read_csv(path / "train.csv");
  std::cout << df.head() << "\n\n";

  // def get_x(r): return path/'train'/r['fname']
  // def get_y(r): return r['labels'].split(' ')
  auto get_x = [&](const Row& r) { return path / "train" / r["fname"]; };
  auto get_y = [](const Row& r) { return split(r["labels"], ' '); };
  // dblock = DataBlock(blocks=(ImageBlock, MultiCategoryBlock), splitter=splitter,
  //                    get_x=get_x, get_y=get_y, item_tfms=RandomResizedCrop(128, min_scale=0.35))
  auto dblock = DataBlock<ImageBlock, MultiCategoryBlock>{}
                    .splitter(ColSplitter("is_valid"))
                    .get_x(get_x)
                    .get_y(get_y)
                    .item_tfms(RandomResizedCrop(a.size, {.min_scale = 0.35}))
                    .batch_tfms(Normalize::imagenet());
  // dsets = dblock.datasets(df); dsets.train[0]
  auto dsets = dblock.datasets(df);
  examples::show_item(t, [&] {
    const auto& [image, target] = dsets.train[0];
    std::cout << image << ", " << target << "\n";
  });
  std::cout << dsets.vocab() << "\n\n";

  // dls = dblock.dataloaders(df)
  auto dls = dblock.dataloaders(df, examples::loader_options(t));
  if (!t.out.empty()) {
    // dls.show_batch(nrows=1, ncols=3)
    dls.show_batch(t.out / "show_batch.png", {.nrows = 1, .ncols = 3});
    std::cout << "show_batch: " << (t.out / "show_batch.png").string() << "\n";
  }

  // learn = cnn_learner(dls, resnet50, metrics=partial(accuracy_multi, thresh=0.2))
  const Device device = examples::device_of(t);
  const examples::EpochSeconds epoch_seconds;
  auto learn = cnn_learner(dls, arch,
                           {.metrics = {accuracy_multi{.thresh = a.thresh}},
                            .pretrained = t.pretrained,
                            .cbs = {epoch_seconds},
                            .device = device,
                            .seed = t.seed});
  // x,y = to_cpu(dls.train.one_batch()); activs = learn.model(x); activs.shape
  auto [x, y] = dls.train.one_batch();
  const Tensor activs = learn.model(x.to(device)).to(cpu);
  std::cout << "activs.shape: " << activs.shape() << "\n" << activs[0] << "\n";
  // loss_func = nn.BCEWithLogitsLoss(); loss = loss_func(activs, y)
  BCEWithLogitsLossFlat loss_func;
  std::cout << "loss: " << loss_func(activs, y) << "\n\n";

  // learn.fine_tune(3, base_lr=3e-3, freeze_epochs=4), or fit_one_cycle (see the file comment)
  examples::train(learn, recipe, t.epochs);

  // learn.metrics = partial(accuracy_multi, thresh=0.1); learn.validate()
  learn.metrics = {accuracy_multi{.thresh = 0.1f}};
  const ValidationResult at_01 = learn.validate();
  std::cout << "\nthresh 0.1:  " << at_01 << "\n";
  learn.metrics = {accuracy_multi{.thresh = 0.99f}};
  std::cout << "thresh 0.99: " << learn.validate() << "\n";

  // preds,targs = learn.get_preds(); accuracy_multi(preds, targs, thresh=0.9, sigmoid=False)
  auto [preds, targs] = learn.get_preds();
  std::cout << "accuracy_multi(thresh=0.9): "
            << accuracy_multi{.thresh = 0.9f, .sigmoid = false}(preds, targs) << "\n";
  const auto [best_thresh, best_acc] = threshold_sweep(preds, targs);

  // The figures at --thresh, beside a model that predicts no label at all: with few labels per
  // image its accuracy_multi is high, so only the gap above it (and F1) shows learning.
  const auto [acc, f1] = figures(preds, targs, a.thresh);
  const auto [base_acc, base_f1] = figures(zeros_like(preds), targs, a.thresh);
  std::cout << std::setprecision(4) << "at thresh " << a.thresh << ": accuracy_multi " << acc
            << ", f1_samples " << f1 << "   (all-negative baseline: accuracy_multi " << base_acc
            << ", f1_samples " << base_f1 << ")\n";

  if (!t.out.empty()) {
    // learn.show_results()
    learn.show_results(t.out / "show_results.png", {.denormalize = Normalize::imagenet()});
    std::cout << "show_results: " << (t.out / "show_results.png").string() << "\n";
    examples::write_plots(learn, t.out);
    // learn.export(); learn_inf = load_learner(path/'export.pkl'); learn_inf.predict(img)
    learn.thresholds = best_thresholds(preds, targs);
    learn.export_learner(t.out / "export.safetensors");
    auto learn_inf = load_learner(t.out / "export.safetensors");
    std::size_t row = 0;
    while (row + 1 < df.size() && df["is_valid"][static_cast<std::int64_t>(row)] != "True") ++row;
    const fs::path first =
        path / "train" / std::string(df["fname"][static_cast<std::int64_t>(row)]);
    std::cout << "export: " << (t.out / "export.safetensors").string() << "\n"
              << "load_learner(...).predict(" << first.filename().string()
              << "): " << learn_inf.predict(first) << "\n";
  }

  return examples::finish(examples::run_figures(dls, dsets.vocab().items(), at_01[0], epoch_seconds)
                              .add("accuracy_multi", static_cast<double>(acc))
                              .add("best_thresh", static_cast<double>(best_thresh))
                              .add("best_accuracy_multi", static_cast<double>(best_acc))
                              .add("f1_samples", static_cast<double>(f1))
                              .add("baseline_accuracy_multi", static_cast<double>(base_acc))
                              .add("baseline_f1_samples", static_cast<double>(base_f1)));
}

}  // namespace

int main(int argc, char** argv) {
  Flags a;
  examples::args::Parser parser(
      "multilabel_pascal",
      "The seed's multi-label classifier (PASCAL_2007): trains a ResNet on a folder in "
      "PASCAL_2007's layout and prints the epoch table, the threshold sweep and, last, one JSON "
      "line with the final figures.");
  parser
      .flag("--data",
            "a PASCAL_2007-format folder (train.csv, train/); missing or empty: the generated "
            "dataset is written there",
            a.data, examples::args::named("DIR", examples::args::reader<fs::path>()))
      .flag("--rows",
            "images of the generated dataset (default: " + std::to_string(default_rows) + ")",
            a.rows, examples::args::at_least<std::size_t>(2))
      .flag("--size", "side of the square RandomResizedCrop the model sees, in pixels", a.size,
            examples::args::at_least<std::int64_t>(8))
      .flag("--thresh", "probability above which a label is predicted (metrics, JSON)", a.thresh,
            examples::args::between(0.0f, 1.0f));
  a.train.declare(parser, recipe_defaults);
  return examples::run_main(
      parser, argc, argv, a.train, recipe_defaults, [&] { return std::to_string(a.size); },
      [&](const examples::Recipe& recipe, auto arch) { return run(a, recipe, arch); });
}
