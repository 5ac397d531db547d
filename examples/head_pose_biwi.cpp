// The seed's image regression (fastai book, chapter 6, BIWI_HEAD_POSE), line by line:
// get_image_files, img2pose, the calibration read with load_txt as np.genfromtxt, get_ctr, the
// DataBlock with PointBlock, aug_transforms and Normalize, show_batch, cnn_learner with y_range,
// lr_find, fine_tune and show_results; then the mean distance in pixels between predicted and
// true head centres, and one JSON line with the final figures.
//
//   head_pose_biwi [--data DIR] [--people N] [--frames N] [--size HxW] [--valid-folder NN]
//                  [--arch resnet18|...] [--bs N] [--epochs N] [--schedule fine_tune|one_cycle]
//                  [--lr X] [--out DIR] ...
//   head_pose_biwi --help                     # every flag, with its default
//
// --data is a folder in BIWI_HEAD_POSE's layout (NN/frame_XXXXX_rgb.jpg, NN/frame_XXXXX_pose.txt,
// 01/rgb.cal), such as the real one; by default a BIWI-like dataset the project generates (no
// download) at twice --size. The seed trains at 240x320 on a GPU; on a CPU the default is
// 120x160. With --pretrained the default schedule is the seed's `fine_tune(epochs, 1e-2)`; from
// random weights it is `fit_one_cycle(epochs, 1e-2)`.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"

using namespace fastblock;
namespace fs = std::filesystem;

namespace {

struct Flags {
  fs::path data = fs::temp_directory_path() / "fastblock_biwi_head_pose";
  std::optional<std::size_t> people;  // set: the user asked for a generated size
  std::optional<std::size_t> frames;
  ImageSize size = {120, 160};
  std::string valid_folder = "13";
  examples::TrainFlags train{.bs = 32, .epochs = 2};
};

/// The seed's recipe: lr = 1e-2; learn.fine_tune(3, lr).
constexpr examples::RecipeDefaults recipe_defaults{
    .fine_tune_lr = 1e-2, .one_cycle_lr = 1e-2, .freeze_epochs = 1};

constexpr std::size_t default_people = 24;
constexpr std::size_t default_frames = 30;

/// `120x160`, as --size reads it.
std::string show_size(const ImageSize& v) {
  return std::to_string(v.h) + "x" + std::to_string(v.w);
}

/// --size: HxW (120x160), or N for N x N.
examples::args::Reader<ImageSize> image_size_reader() {
  return {.metavar = "HxW",
          .expected = "HxW in pixels (like 120x160) or N (N x N), each side at least 8",
          .read = [](std::string_view s) -> std::optional<ImageSize> {
            using examples::args::detail::read_number;
            const std::size_t x = s.find('x');
            const auto h = read_number<std::int64_t>(s.substr(0, x));
            const auto w =
                x == std::string_view::npos ? h : read_number<std::int64_t>(s.substr(x + 1));
            if (!h || !w || *h < 8 || *w < 8) return std::nullopt;
            return ImageSize(*h, *w);
          },
          .show = show_size};
}

/// PointScaler's [-1, 1] coordinate `s` of the model's input (`out` pixels a side) as a pixel
/// coordinate of the original image (`orig` pixels). The program has no item transforms, so the
/// batch transforms get the original images, and on the validation set AffineCoordTfm only
/// resizes them to --size, bilinearly with align_corners, which maps pixel centres onto pixel
/// centres: the resize is undone in the grid's coordinates (pixel centres at -1 and 1), where it
/// is the identity, not in PointScaler's (image edges at -1 and 1).
double to_original_pixels(double s, std::int64_t out, std::int64_t orig) {
  const auto grid = [](std::int64_t n) { return n > 1 ? double(n) / double(n - 1) : 1.0; };
  const double g = s * grid(out);                    // the grid's coordinate
  return (g / grid(orig) + 1.0) * double(orig) / 2;  // back to PointScaler's, then pixels
}

template <class Arch>
int run(const Flags& a, const examples::Recipe& recipe, Arch arch) {
  const examples::TrainFlags& t = a.train;
  // path = untar_data(URLs.BIWI_HEAD_POSE): a folder of the user's, or generated once into a.data
  const fs::path path = a.data;
  if (examples::should_generate(path, ".fastblock_synthetic_biwi")) {
    const auto made =
        make_synthetic_biwi(path, {.n_people = a.people.value_or(default_people),
                                   .frames_per_person = a.frames.value_or(default_frames),
                                   .size = {2 * a.size.h, 2 * a.size.w}});
    std::cout << (made.generated ? "generated " : "found ") << made.n_images << " images in "
              << path.string() << "\n";
  } else {
    std::cout << "reading " << path.string() << " as it is (not generated here)\n";
    if (a.people || a.frames)
      std::cout << "--people and --frames are ignored: they size generated datasets only\n";
  }

  // img_files = get_image_files(path)
  // def img2pose(x): return Path(f'{str(x)[:-7]}pose.txt')
  const auto img_files = get_image_files(path);
  if (img_files.empty()) throw data_error("head_pose_biwi: no image in " + path.string());
  auto img2pose = [](const fs::path& x) {
    const std::string s = x.string();
    return fs::path(s.substr(0, s.size() - 7) + "pose.txt");
  };
  std::cout << "(#" << img_files.size() << ") " << img2pose(img_files[0]).string() << "\n";
  // im = PILImage.create(img_files[0]); im.shape
  examples::show_item(t, [&] { std::cout << load_image(img_files[0]) << "\n"; });

  // cal = np.genfromtxt(path/'01'/'rgb.cal', skip_footer=6)
  const Tensor cal = load_txt(path / "01" / "rgb.cal", {.skip_footer = 6});
  // def get_ctr(f):
  //     ctr = np.genfromtxt(img2pose(f), skip_header=3)
  //     c1 = ctr[0] * cal[0][0]/ctr[2] + cal[0][2]
  //     c2 = ctr[1] * cal[1][1]/ctr[2] + cal[1][2]
  //     return tensor([c1,c2])
  auto get_ctr = [&](const fs::path& f) {
    const Tensor ctr = load_txt(img2pose(f), {.skip_header = 3});
    const Tensor c1 = ctr[0] * cal[0][0] / ctr[2] + cal[0][2];
    const Tensor c2 = ctr[1] * cal[1][1] / ctr[2] + cal[1][2];
    return tensor({c1.item<float>(), c2.item<float>()});
  };
  examples::show_item(
      t, [&] { std::cout << "get_ctr(img_files[0]) = " << get_ctr(img_files[0]) << "\n"; });

  // biwi = DataBlock(blocks=(ImageBlock, PointBlock), get_items=get_image_files, get_y=get_ctr,
  //     splitter=FuncSplitter(lambda o: o.parent.name=='13'),
  //     batch_tfms=[*aug_transforms(size=(240,320)), Normalize.from_stats(*imagenet_stats)])
  const std::string valid_folder = a.valid_folder;
  auto biwi = DataBlock<ImageBlock, PointBlock>{}
                  .get_items([](const fs::path& p) { return get_image_files(p); })
                  .get_y(get_ctr)
                  .splitter(FuncSplitter([valid_folder](const fs::path& o) {
                    return o.parent_path().filename() == valid_folder;
                  }))
                  .batch_tfms(aug_transforms({.size = a.size}), Normalize::imagenet());
  // dls = biwi.dataloaders(path)
  auto dls = biwi.dataloaders(path, examples::loader_options(t));
  if (dls.valid.n() == 0)
    throw examples::args::UsageError("--valid-folder " + valid_folder + ": no image of " +
                                     path.string() + " is in a folder of that name");
  if (!t.out.empty()) {
    // dls.show_batch(max_n=9, figsize=(8,6))
    dls.show_batch(t.out / "show_batch.png", {.max_n = 9});
    std::cout << "show_batch: " << (t.out / "show_batch.png").string() << "\n";
  }
  // xb,yb = dls.one_batch(); xb.shape,yb.shape
  auto [xb, yb] = dls.one_batch();
  std::cout << "xb " << xb.shape() << ", yb " << yb.shape() << "\n" << yb[0] << "\n";

  // learn = cnn_learner(dls, resnet18, y_range=(-1,1))
  const examples::EpochSeconds epoch_seconds;
  auto learn = cnn_learner(dls, arch,
                           {.y_range = {{-1.0f, 1.0f}},
                            .pretrained = t.pretrained,
                            .cbs = {epoch_seconds},
                            .device = examples::device_of(t),
                            .seed = t.seed});
  std::cout << learn.loss_func.repr() << "\n";
  // learn.lr_find()
  std::cout << learn.lr_find({.plot = t.out.empty() ? fs::path() : t.out / "lr_find.png"}) << "\n";
  // lr = 1e-2; learn.fine_tune(3, lr), or fit_one_cycle (see the file comment)
  examples::train(learn, recipe, t.epochs);
  if (!t.out.empty()) {
    // learn.show_results(ds_idx=1, nrows=3, figsize=(6,8))
    learn.show_results(t.out / "show_results.png",
                       {.nrows = 3, .ncols = 3, .denormalize = Normalize::imagenet()});
    std::cout << "show_results: " << (t.out / "show_results.png").string() << "\n";
    examples::write_plots(learn, t.out);
    // learn.export(); load_learner(...).predict(img): the centre in pixels of the model's input
    learn.export_learner(t.out / "export.safetensors");
    auto learn_inf = load_learner(t.out / "export.safetensors");
    std::cout << "export: " << (t.out / "export.safetensors").string() << "\n"
              << "load_learner(...).predict(" << img_files[0].filename().string()
              << "): " << learn_inf.predict(img_files[0]).points << "\n";
  }

  // valid_loss is the MSE in the model's [-1, 1] coordinates; the error in pixels of the
  // original images is what a user of the model sees.
  const ValidationResult valid = learn.validate();
  auto [preds, targs] = learn.get_preds();
  const Tensor p = preds.reshape({-1, 2}).contiguous(), y = targs.reshape({-1, 2}).contiguous();
  // The validation items in loader order, less those skipped as bad input (--on-bad-item skip).
  const auto& valid_items = dls.valid.dataset().subset();
  const auto bad = dls.valid.bad_items();
  std::vector<fs::path> files;
  for (std::size_t i = 0; i < valid_items.size(); ++i)
    if (std::find(bad.begin(), bad.end(), i) == bad.end())
      files.push_back(valid_items.items()[valid_items.indices()[i]]);
  if (files.empty()) throw data_error("head_pose_biwi: no validation image could be read");
  if (static_cast<std::int64_t>(files.size()) != p.size(0))
    throw value_error("head_pose_biwi: " + std::to_string(p.size(0)) + " predictions for " +
                      std::to_string(files.size()) + " validation images");
  // Each image's own size, since nothing says a folder's images share one.
  std::vector<std::int64_t> widths(files.size()), heights(files.size());
  default_thread_pool().parallel_for(
      0, static_cast<std::int64_t>(files.size()), 8, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i) {
          const Image img = load_image(files[static_cast<std::size_t>(i)]);
          widths[static_cast<std::size_t>(i)] = img.width();
          heights[static_cast<std::size_t>(i)] = img.height();
        }
      });
  double total = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto at = [&](const Tensor& v, std::int64_t axis, std::int64_t out, std::int64_t orig) {
      return to_original_pixels(v[static_cast<std::int64_t>(i)][axis].item<float>(), out, orig);
    };
    const double dx = at(p, 0, a.size.w, widths[i]) - at(y, 0, a.size.w, widths[i]);
    const double dy = at(p, 1, a.size.h, heights[i]) - at(y, 1, a.size.h, heights[i]);
    total += std::hypot(dx, dy);
  }
  const double mean_pixel_error = total / static_cast<double>(files.size());
  std::cout << std::setprecision(4) << "valid_loss " << valid[0] << ", mean distance "
            << mean_pixel_error << " pixels between predicted and true head centres over "
            << files.size() << " validation images (originals like " << widths[0] << "x"
            << heights[0] << ")\n";

  return examples::finish(examples::run_figures(dls, {}, valid[0], epoch_seconds)
                              .add("mean_pixel_error", mean_pixel_error));
}

}  // namespace

int main(int argc, char** argv) {
  Flags a;
  examples::args::Parser parser(
      "head_pose_biwi",
      "The seed's head-centre regression (BIWI_HEAD_POSE): trains a ResNet to find the centre of "
      "the head in each image and prints the epoch table, the mean error in pixels and, last, one "
      "JSON line with the final figures.");
  parser
      .flag("--data",
            "a BIWI_HEAD_POSE-format folder (NN/frame_*_rgb.jpg, NN/frame_*_pose.txt, "
            "01/rgb.cal); missing or empty: the generated dataset is written there",
            a.data, examples::args::named("DIR", examples::args::reader<fs::path>()))
      .flag("--people",
            "people (folders) of the generated dataset (default: " +
                std::to_string(default_people) + ")",
            a.people, examples::args::at_least<std::size_t>(1))
      .flag("--frames",
            "frames per person of the generated dataset (default: " +
                std::to_string(default_frames) + ")",
            a.frames, examples::args::at_least<std::size_t>(1))
      .flag("--size", "the model's input size (aug_transforms(size=...))", a.size,
            image_size_reader())
      .flag("--valid-folder", "the person folder that forms the validation set", a.valid_folder,
            examples::args::named("NN", examples::args::reader<std::string>()));
  a.train.declare(parser, recipe_defaults);
  return examples::run_main(
      parser, argc, argv, a.train, recipe_defaults, [&] { return show_size(a.size); },
      [&](const examples::Recipe& recipe, auto arch) { return run(a, recipe, arch); });
}
