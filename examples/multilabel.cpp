// The seed's multi-label program (fastai book, chapter 6, PASCAL_2007), line by line, on the
// PASCAL-like images the project generates (no download): DataBlock, dataloaders, cnn_learner,
// learn.model(x), the loss, training with the epoch table, validate() under other thresholds,
// get_preds() and the threshold sweep.
//
//   multilabel [--data DIR] [--rows N] [--size PX] [--bs N] [--epochs N] [--lr X]
//              [--arch resnet18|resnet34|resnet50] [--pretrained FILE] [--device cpu|cuda]
//
// With --pretrained (torchvision's resnet weights, .pth or .safetensors) it runs the seed's
// `fine_tune(epochs, base_lr=3e-3, freeze_epochs=4)`; without, the body starts from random
// weights, for which fine_tune's frozen phase teaches little (FASTAI-NOTES.md), so it trains
// everything with `fit_one_cycle(epochs, lr)` instead.
#include <fastblock/fastblock.hpp>
#if FASTBLOCK_EXAMPLE_CUDA
#include <fastblock/cuda.hpp>
#endif

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>

using namespace fastblock;
namespace fs = std::filesystem;

namespace {

struct Args {
  fs::path data = fs::temp_directory_path() / "fastblock_pascal_2007";
  std::size_t rows = 1200;
  std::int64_t size = 64;
  std::int64_t bs = 64;
  std::size_t epochs = 4;
  double lr = 1e-2;
  std::string arch = "resnet18";
  fs::path pretrained;
  std::string device = "cpu";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view k = argv[i];
    if (i + 1 >= argc) throw value_error("multilabel: " + std::string(k) + " needs a value");
    const std::string v = argv[++i];
    if (k == "--data")
      a.data = v;
    else if (k == "--rows")
      a.rows = std::stoul(v);
    else if (k == "--size")
      a.size = std::stol(v);
    else if (k == "--bs")
      a.bs = std::stol(v);
    else if (k == "--epochs")
      a.epochs = std::stoul(v);
    else if (k == "--lr")
      a.lr = std::stod(v);
    else if (k == "--arch")
      a.arch = v;
    else if (k == "--pretrained")
      a.pretrained = v;
    else if (k == "--device")
      a.device = v;
    else
      throw value_error("multilabel: unknown option " + std::string(k));
  }
  return a;
}

/// The seed's threshold sweep: accuracy_multi over linspace(0.05, 0.95, 29) thresholds.
void threshold_sweep(const Tensor& preds, const Tensor& targs) {
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
}

template <class Arch>
int run(const Args& a, Arch arch) {
  // path = untar_data(URLs.PASCAL_2007): here, generated once into a.data
  const fs::path path = a.data;
  const auto made = make_synthetic_pascal(path, {.n_rows = a.rows});
  std::cout << (made.generated ? "generated " : "found ") << made.n_images << " images in "
            << made.images.string() << "\n";
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
  const auto& [image, target] = dsets.train[0];
  std::cout << image << ", " << target << "\n";
  std::cout << dsets.vocab() << "\n\n";

  // dls = dblock.dataloaders(df)
  auto dls = dblock.dataloaders(df, {.bs = a.bs});

  // learn = cnn_learner(dls, resnet50, metrics=partial(accuracy_multi, thresh=0.2))
  const Device device = a.device == "cuda" ? cuda : cpu;
  auto learn = cnn_learner(dls, arch,
                           {.metrics = {accuracy_multi{.thresh = 0.2f}},
                            .pretrained = a.pretrained,
                            .device = device,
                            .seed = 42});
  // x,y = to_cpu(dls.train.one_batch()); activs = learn.model(x); activs.shape
  auto [x, y] = dls.train.one_batch();
  const Tensor activs = learn.model(x.to(device)).to(cpu);
  std::cout << "activs.shape: " << activs.shape() << "\n" << activs[0] << "\n";
  // loss_func = nn.BCEWithLogitsLoss(); loss = loss_func(activs, y)
  BCEWithLogitsLossFlat loss_func;
  std::cout << "loss: " << loss_func(activs, y) << "\n\n";

  // learn.fine_tune(3, base_lr=3e-3, freeze_epochs=4)
  if (!a.pretrained.empty())
    learn.fine_tune(a.epochs, {.base_lr = 3e-3, .freeze_epochs = 4});
  else
    learn.fit_one_cycle(a.epochs, a.lr);

  // learn.metrics = partial(accuracy_multi, thresh=0.1); learn.validate()
  learn.metrics = {accuracy_multi{.thresh = 0.1f}};
  std::cout << "\nthresh 0.1:  " << learn.validate() << "\n";
  learn.metrics = {accuracy_multi{.thresh = 0.99f}};
  std::cout << "thresh 0.99: " << learn.validate() << "\n";

  // preds,targs = learn.get_preds(); accuracy_multi(preds, targs, thresh=0.9, sigmoid=False)
  auto [preds, targs] = learn.get_preds();
  std::cout << "accuracy_multi(thresh=0.9): "
            << accuracy_multi{.thresh = 0.9f, .sigmoid = false}(preds, targs) << "\n";
  threshold_sweep(preds, targs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
#if !FASTBLOCK_EXAMPLE_CUDA
    if (a.device != "cpu") throw value_error("multilabel: this build has no CUDA back end");
#endif
    if (a.arch == "resnet18") return run(a, resnet18);
    if (a.arch == "resnet34") return run(a, resnet34);
    if (a.arch == "resnet50") return run(a, resnet50);
    throw value_error("multilabel: --arch is resnet18, resnet34 or resnet50, got " + a.arch);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
