// examples/common.hpp — what the two training programs (multilabel_pascal, head_pose_biwi) share:
// main() with its exit statuses, the flags of a training run, the rule that decides whether a
// --data folder is generated or used as it is, the training schedule, the per-epoch timer, the
// plots, and the final JSON line.
//
// The JSON line is the programs' interface to scripts (CI, benchmarks, comparisons with fastai):
// one object on the last line of stdout, written only when the whole run succeeded, so a
// script can take the last line and a test can match it.
#pragma once

#include <fastblock/fastblock.hpp>
#if FASTBLOCK_EXAMPLE_CUDA
#include <fastblock/cuda.hpp>
#endif

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "args.hpp"

namespace examples {

namespace fs = std::filesystem;

/// The learning-rate and freezing defaults of one program: the seed's recipes differ.
struct RecipeDefaults {
  /// base_lr of fine_tune.
  double fine_tune_lr = 2e-3;
  /// lr_max of fit_one_cycle.
  double one_cycle_lr = 1e-2;
  /// freeze_epochs of fine_tune.
  std::size_t freeze_epochs = 1;
};

/// The flags every training program takes (the programs declare their data flags themselves).
/// The std::optional members are those whose default depends on other flags.
struct TrainFlags {
  std::string arch = "resnet18";
  std::int64_t bs = 64;
  std::size_t epochs = 4;
  std::optional<std::size_t> freeze_epochs{};
  std::optional<double> lr{};
  fs::path pretrained{};
  std::optional<std::string> schedule{};
  std::uint64_t seed = 42;
  std::optional<std::size_t> threads{};
  std::string on_bad_item = "error";
  fs::path out{};
  std::string device = "cpu";

  /// Adds the flags to `p`; `d` only words the help.
  void declare(args::Parser& p, const RecipeDefaults& d) {
    using args::at_least;
    using args::one_of;
    const auto num = [](double v) { return args::detail::show_number(v); };
    p.flag("--arch", "the network's body", arch, one_of({"resnet18", "resnet34", "resnet50"}))
        .flag("--bs", "items per batch", bs, at_least<std::int64_t>(1))
        .flag("--epochs", "training epochs (fine_tune: after the frozen ones)", epochs,
              at_least<std::size_t>(1))
        .flag("--freeze-epochs",
              "fine_tune's epochs with the body frozen (default: " +
                  std::to_string(d.freeze_epochs) + ")",
              freeze_epochs, at_least<std::size_t>(1))
        .flag("--lr",
              "fine_tune's base_lr or fit_one_cycle's lr_max (default: " +
                  (d.fine_tune_lr == d.one_cycle_lr ? num(d.one_cycle_lr)
                                                    : num(d.fine_tune_lr) + " with fine_tune, " +
                                                          num(d.one_cycle_lr) + " with one_cycle") +
                  ")",
              lr, args::greater_than(0.0))
        .flag("--pretrained",
              "torchvision's weights for the body (.pth or .safetensors); default: random weights",
              pretrained, args::named("FILE", args::reader<fs::path>()))
        .flag("--schedule",
              "fine_tune (the seed's) or fit_one_cycle (better from random weights) (default: "
              "fine_tune with --pretrained, else one_cycle)",
              schedule, one_of({"fine_tune", "one_cycle"}))
        .flag("--seed", "seeds the data loaders' order and augmentation and the random weights",
              seed)
        .flag("--threads",
              "threads for the kernels and data loading (default: FASTBLOCK_NUM_THREADS, else "
              "every core)",
              threads, at_least<std::size_t>(1))
        .flag("--on-bad-item",
              "an unreadable or malformed item stops the run (error) or is left out and logged "
              "(skip)",
              on_bad_item, one_of({"error", "skip"}))
        .flag("--out",
              "folder for show_batch, show_results and the loss and schedule plots (PNG); "
              "default: none written",
              out, args::named("DIR", args::reader<fs::path>()))
        .flag("--device", "where the model trains", device, one_of({"cpu", "cuda"}));
  }
};

/// The training schedule a run ends up with, every default resolved.
struct Recipe {
  /// "fine_tune" or "one_cycle".
  std::string schedule;
  /// base_lr (fine_tune) or lr_max (one_cycle).
  double lr = 0.0;
  /// fine_tune's frozen epochs (0 with one_cycle).
  std::size_t freeze_epochs = 0;
};

/// Resolves the schedule from the flags; UsageError for flags that contradict it.
inline Recipe resolve_recipe(const TrainFlags& f, const RecipeDefaults& d) {
  Recipe r;
  // From random weights fine_tune's frozen phase trains the head on features that mean nothing,
  // so one_cycle is the better default there; with weights, the seed's fine_tune.
  r.schedule = f.schedule.value_or(f.pretrained.empty() ? "one_cycle" : "fine_tune");
  const bool fine_tune = r.schedule == "fine_tune";
  if (!fine_tune && f.freeze_epochs)
    throw args::UsageError("--freeze-epochs applies to --schedule fine_tune only (this run is " +
                           r.schedule + ")");
  r.lr = f.lr.value_or(fine_tune ? d.fine_tune_lr : d.one_cycle_lr);
  r.freeze_epochs = fine_tune ? f.freeze_epochs.value_or(d.freeze_epochs) : 0;
  return r;
}

/// Sizes fastblock's thread pool (torch.set_num_threads); loaders use the same pool
/// (num_workers -1). Must run before anything uses the pool.
inline void apply_threads(const TrainFlags& f) {
  if (f.threads) fastblock::set_num_threads(*f.threads);
}

/// The device of --device; UsageError when this build cannot run it.
inline fastblock::Device device_of(const TrainFlags& f) {
  if (f.device == "cpu") return fastblock::cpu;
#if FASTBLOCK_EXAMPLE_CUDA
  return fastblock::cuda;
#else
  throw args::UsageError("--device cuda: this build has no CUDA back end (configure with nvcc)");
#endif
}

/// The loaders' options from the flags.
inline fastblock::DataLoadersOptions loader_options(const TrainFlags& f) {
  return {.bs = f.bs,
          .seed = f.seed,
          .on_bad_item =
              f.on_bad_item == "skip" ? fastblock::OnBadItem::skip : fastblock::OnBadItem::error};
}

/// Calls `run(arch)` with the ResNet constructor --arch names.
template <class Run>
int with_arch(std::string_view arch, Run&& run) {
  if (arch == "resnet34") return run(fastblock::resnet34);
  if (arch == "resnet50") return run(fastblock::resnet50);
  return run(fastblock::resnet18);
}

/// The whole main() of a training program once its flags are declared in `parser` (`f` among
/// them): parses `argv`, resolves the recipe, sizes the thread pool, seeds, creates --out, prints
/// the run's first line (`size_text()` words the input size), and returns `run(recipe, arch)`
/// with the ResNet constructor of --arch. Exit statuses: 0 after --help, 2 for a usage error
/// (the flags', or an args::UsageError from the run), 1 for any other error, reported as
/// `program: what`; otherwise what `run` returns.
template <class SizeText, class Run>
int run_main(args::Parser& parser, int argc, char** argv, const TrainFlags& f,
             const RecipeDefaults& d, SizeText&& size_text, Run&& run) {
  if (const auto status = parser.parse(argc, argv)) return *status;
  try {
    const Recipe recipe = resolve_recipe(f, d);
    (void)device_of(f);  // a usage error before any work
    apply_threads(f);
    fastblock::set_seed(f.seed);
    if (!f.out.empty()) fs::create_directories(f.out);
    std::cout << parser.program() << ": " << f.arch << ", size " << size_text() << ", bs " << f.bs
              << ", " << recipe.schedule << " for " << f.epochs << " epochs at lr " << recipe.lr;
    if (recipe.schedule == "fine_tune") std::cout << " after " << recipe.freeze_epochs << " frozen";
    std::cout << ", seed " << f.seed << ", " << fastblock::default_thread_pool().size()
              << " threads\n";
    return with_arch(f.arch, [&](auto arch) { return run(recipe, arch); });
  } catch (const args::UsageError& e) {
    return parser.fail(e);
  } catch (const std::exception& e) {
    std::cerr << parser.program() << ": " << e.what() << "\n";
    return 1;
  }
}

/// Whether to generate the dataset in `folder`: when it is missing, empty, or holds the
/// generator's `marker` (it then regenerates only what changed). Anything else is the user's own
/// dataset and is read as it is, never written to.
inline bool should_generate(const fs::path& folder, std::string_view marker) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return true;
  if (fs::is_directory(folder, ec) && fs::is_empty(folder, ec)) return true;
  return fs::exists(folder / marker, ec);
}

/// Runs `show`, a line of the seed's that reads one item directly rather than through the
/// loaders. With --on-bad-item skip, bad input there (io_error, data_error, as the loaders judge
/// it) is reported and passed over as the loaders would pass it over; otherwise it stops the run.
template <class Show>
void show_item(const TrainFlags& f, Show&& show) {
  const auto skip = [&](const fastblock::error& e) {
    if (f.on_bad_item != "skip") throw;
    std::cout << "(not shown, bad input: " << e.what() << ")\n";
  };
  try {
    show();
  } catch (const fastblock::io_error& e) {
    skip(e);
  } catch (const fastblock::data_error& e) {
    skip(e);
  }
}

/// Items of `loader` that could be read: all but those skipped as bad input (--on-bad-item skip).
template <class Loader>
std::size_t readable_items(const Loader& loader) {
  return loader.n() - loader.bad_items().size();
}

/// A callback that keeps every epoch's wall time: the Recorder starts anew with each fit and
/// keeps no times, and fine_tune is two fits. Copies share the list (Callback holds a copy).
struct EpochSeconds {
  std::shared_ptr<std::vector<double>> seconds = std::make_shared<std::vector<double>>();
  void after_epoch(const fastblock::EpochStats& stats) { seconds->push_back(stats.seconds); }
};

/// Trains `learn` with `r`.
template <class Learn>
void train(Learn& learn, const Recipe& r, std::size_t epochs) {
  if (r.schedule == "fine_tune")
    learn.fine_tune(epochs, {.base_lr = r.lr, .freeze_epochs = r.freeze_epochs});
  else
    learn.fit_one_cycle(epochs, r.lr);
}

/// Writes recorder.plot_loss and plot_sched (the last fit's: fine_tune's unfrozen phase) to
/// `out`, and says where.
template <class Learn>
void write_plots(const Learn& learn, const fs::path& out) {
  learn.recorder.plot_loss(out / "plot_loss.png");
  learn.recorder.plot_sched(out / "plot_sched.png");
  std::cout << "plots: " << (out / "plot_loss.png").string() << ", "
            << (out / "plot_sched.png").string() << "\n";
}

/// `text` as a JSON string. Bytes that are not UTF-8 (a Latin-1 label in a user's CSV, say)
/// become U+FFFD, since JSON text must be UTF-8 and a reader would reject the whole line.
inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A well-formed sequence: lead byte, then 1-3 continuation bytes, no overlong forms, no
    // surrogates, nothing above U+10FFFF.
    const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool ok = len != 0 && c <= 0xF4 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && len >= 3) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) && !(c == 0xF0 && c1 < 0x90) &&
           !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  return out + "\"";
}

/// A JSON number with 6 significant digits (NaN and infinities, which JSON lacks, as null).
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::general, 6);
  return ec == std::errc() ? std::string(buffer, end) : "null";
}

/// One JSON object on one line, keys in the order added.
class JsonLine {
 public:
  JsonLine& add(std::string_view key, double v) { return raw(key, json_number(v)); }
  JsonLine& add(std::string_view key, std::size_t v) { return raw(key, std::to_string(v)); }
  JsonLine& add(std::string_view key, const std::vector<double>& vs) {
    std::string s = "[";
    for (std::size_t i = 0; i < vs.size(); ++i) s += (i ? ", " : "") + json_number(vs[i]);
    return raw(key, s + "]");
  }
  JsonLine& add(std::string_view key, const std::vector<std::string>& vs) {
    std::string s = "[";
    for (std::size_t i = 0; i < vs.size(); ++i) s += (i ? ", " : "") + json_string(vs[i]);
    return raw(key, s + "]");
  }
  /// The object, `{"key": value, ...}`.
  [[nodiscard]] std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonLine& raw(std::string_view key, const std::string& value) {
    body_ += (body_.empty() ? "" : ", ") + json_string(key) + ": " + value;
    return *this;
  }
  std::string body_;
};

/// The final JSON line's figures every training program reports, in this order; the program adds
/// its own and passes the line to finish.
template <class Loaders>
JsonLine run_figures(const Loaders& dls, const std::vector<std::string>& vocab, double valid_loss,
                     const EpochSeconds& epoch_seconds) {
  JsonLine line;
  line.add("n_train", readable_items(dls.train))
      .add("n_valid", readable_items(dls.valid))
      .add("vocab", vocab)
      .add("valid_loss", valid_loss)
      .add("seconds_per_epoch", *epoch_seconds.seconds);
  return line;
}

/// Prints `line` as the last line of stdout (flushed, for the scripts that read it) and returns
/// the status of a finished run.
inline int finish(const JsonLine& line) {
  std::cout << line.str() << std::endl;
  return 0;
}

}  // namespace examples
