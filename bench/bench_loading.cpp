// Image-loading benchmark: the training data path of the seed's multi-label program on 500x375
// JPEGs, as a user writes it —
//   DataBlock<ImageBlock, MultiCategoryBlock> over train.csv (ColSplitter, get_x, get_y),
//   .item_tfms(RandomResizedCrop(128, {.min_scale = 0.35})), .batch_tfms(Normalize::imagenet()),
//   dblock.dataloaders(df, {.bs = 64, .num_workers = N}), one epoch of dls.train
// — that is JPEG decode (load_image: libjpeg-turbo when fastblock was built with it, else stb)
// -> RandomResizedCrop -> ToTensor -> collate ->
// IntToFloatTensor -> Normalize, in images/second (images the epoch yields: the training loader
// drops its last partial batch), beside the raw decode rates of the same files (decode_image,
// and stb_image's stbi_load_from_memory for comparison, on bytes already in memory, N
// std::threads taking files in turn), for each thread count N. The
// loader's parallelism is its num_workers: N > 0 gives it a pool of N threads of its own (the
// items of a batch are split among them and the one that finishes last collates the batch and
// runs the batch transforms), while the consuming thread only waits; with the default (-1) it
// would use default_thread_pool(), sized by FASTBLOCK_NUM_THREADS, which a process can size once
// only — so the thread counts here are set through num_workers.
// Generates its own dataset (make_synthetic_pascal at {375, 500}, no size jitter) into a
// temporary folder, removed at the end, or into --data DIR, kept and reused by later runs with
// the same --images and --valid-fraction (a DIR holding a train.csv but not the generator's
// marker is a dataset of the user's in PASCAL_2007's layout: read as it is, never written to;
// --generate-only stops after this step). Runs --warmup epochs and then --epochs timed ones per
// thread count and prints medians, the pipeline / raw-decode ratio, peak memory (getrusage
// ru_maxrss: after setup, after the pipeline runs, at the end) and, last, one JSON line. Asserts
// nothing. bench/compare_loading.py runs torchvision's equivalent on the same files.
//   bench_loading [--images N] [--threads 1,2] [--epochs E] [--warmup W] [--data DIR]
//                 [--generate-only] [--valid-fraction F] [--size S] [--bs B] [--seed S]
#include <fastblock/data.hpp>
#include <fastblock/vision.hpp>

// stb_image directly, for its raw decode rate beside the decoder fastblock uses.
#if __has_include(<stb_image.h>)
#include <stb_image.h>
#else
#include <stb/stb_image.h>
#endif
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace fastblock;
namespace fs = std::filesystem;

namespace {

struct Args {
  std::size_t images = 400;
  std::vector<int> threads = {1, 2};
  int epochs = 5;
  int warmup = 1;
  std::string data;  // empty: a temporary folder
  bool generate_only = false;
  double valid_fraction = 0.1;
  std::int64_t size = 128;
  std::int64_t bs = 64;
  std::uint64_t seed = 42;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_loading: %s\n"
               "usage: bench_loading [--images N] [--threads 1,2] [--epochs E] [--warmup W]\n"
               "                     [--data DIR] [--generate-only] [--valid-fraction F]\n"
               "                     [--size S] [--bs B] [--seed S]\n",
               why.c_str());
  std::exit(2);
}

std::vector<int> parse_threads(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const int n = std::stoi(text.substr(pos, comma - pos));
    if (n < 1) throw std::invalid_argument("thread counts must be >= 1");
    out.push_back(n);
    pos = comma + 1;
  }
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--generate-only") {
      a.generate_only = true;
      continue;
    }
    if (flag == "--help" || flag == "-h") usage("help");
    if (i + 1 >= argc) usage("missing value after " + std::string(flag));
    const std::string value = argv[++i];
    try {
      if (flag == "--images") {
        a.images = std::stoul(value);
      } else if (flag == "--threads") {
        a.threads = parse_threads(value);
      } else if (flag == "--epochs") {
        a.epochs = std::stoi(value);
      } else if (flag == "--warmup") {
        a.warmup = std::stoi(value);
      } else if (flag == "--data") {
        a.data = value;
      } else if (flag == "--valid-fraction") {
        a.valid_fraction = std::stod(value);
      } else if (flag == "--size") {
        a.size = std::stoll(value);
      } else if (flag == "--bs") {
        a.bs = std::stoll(value);
      } else if (flag == "--seed") {
        a.seed = std::stoull(value);
      } else {
        usage("unknown flag " + std::string(flag));
      }
    } catch (const std::logic_error&) {
      usage("bad value '" + value + "' for " + std::string(flag));
    }
  }
  if (a.images < 1 || a.epochs < 1 || a.warmup < 0 || a.size < 1 || a.bs < 1 ||
      !(a.valid_fraction >= 0.0 && a.valid_fraction < 1.0))
    usage("out-of-range value");
  return a;
}

/// Peak resident set of this process so far, in MiB (ru_maxrss is in KiB on Linux).
double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The generated dataset's options: PASCAL-like 500x375 JPEGs.
SyntheticPascalImagesOptions dataset_options(const Args& a) {
  return {.n_rows = a.images,
          .seed = 2007,
          .valid_fraction = a.valid_fraction,
          .size = {375, 500},
          .size_jitter = 0.0,
          .quality = 90};
}

/// A folder that is removed when the benchmark ends (unless it is the user's --data).
struct DataFolder {
  fs::path path;
  bool temporary = false;
  DataFolder(const DataFolder&) = delete;
  DataFolder& operator=(const DataFolder&) = delete;
  explicit DataFolder(const std::string& user) {
    if (!user.empty()) {
      path = user;
      return;
    }
    std::string templ = (fs::temp_directory_path() / "fastblock-bench-loading-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr)
      throw io_error("cannot create a temporary folder '" + templ + "'");
    path = templ;
    temporary = true;
  }
  ~DataFolder() {
    std::error_code ec;
    if (temporary) fs::remove_all(path, ec);
  }
};

struct PipelineFigures {
  std::vector<double> rates;  // images/s per timed epoch
  std::size_t per_epoch = 0;  // images an epoch yields
  double checksum = 0;
};

/// The DataBlock path: warm-up and timed epochs of dls.train with `workers` loader threads.
PipelineFigures run_pipeline(const Args& a, const fs::path& path, const DataFrame& df,
                             int workers) {
  auto dblock = DataBlock<ImageBlock, MultiCategoryBlock>{}
                    .splitter(ColSplitter())
                    .get_x([&](const Row& r) { return path / "train" / r["fname"]; })
                    .get_y([](const Row& r) { return split(r["labels"], ' '); })
                    .item_tfms(RandomResizedCrop(a.size, {.min_scale = 0.35}))
                    .batch_tfms(Normalize::imagenet());
  auto dls = dblock.dataloaders(df, {.bs = a.bs, .seed = a.seed, .num_workers = workers});
  PipelineFigures f;
  for (int e = 0; e < a.warmup + a.epochs; ++e) {
    std::size_t items = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& [x, y] : dls.train) {
      items += static_cast<std::size_t>(x.size(0));
      f.checksum += static_cast<double>(x.data<float>()[0]) + y.data<float>()[0];  // touch it
    }
    const double s = seconds_since(t0);
    if (items == 0) throw value_error("the training loader yields no batch; use more --images");
    f.per_epoch = items;
    if (e >= a.warmup) f.rates.push_back(static_cast<double>(items) / s);
  }
  return f;
}

struct DecodeFigures {
  std::vector<double> rates;  // images/s per timed pass
  double checksum = 0;
};

/// The decoder fastblock uses for JPEGs.
#if FASTBLOCK_WITH_TURBOJPEG
constexpr const char* decoder_name = "libjpeg-turbo";
#else
constexpr const char* decoder_name = "stb";
#endif

/// One middle byte of the decoded image, through fastblock's decode_image.
double decode_fastblock(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  const Image im = decode_image(std::span<const std::uint8_t>(bytes), name);
  return static_cast<double>(im.data()[im.data().size() / 2]);
}

/// The same through stb_image directly, as fastblock decodes without libjpeg-turbo.
double decode_stb(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  int w = 0, h = 0, c = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> px(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, 3),
      &stbi_image_free);
  if (!px) throw io_error("stb_image cannot decode '" + name + "'");
  return static_cast<double>(
      px.get()[static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3 / 2]);
}

/// `decode` of every file (bytes in memory) on `threads` std::threads, each taking the next
/// file in turn; warm-up and timed passes.
template <class Decode>
DecodeFigures run_decode(const Args& a, const std::vector<std::vector<std::uint8_t>>& files,
                         const std::vector<std::string>& names, int threads, Decode decode) {
  DecodeFigures f;
  for (int pass = 0; pass < a.warmup + a.epochs; ++pass) {
    std::atomic<std::size_t> next{0};
    std::vector<double> sums(static_cast<std::size_t>(threads), 0.0);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    const auto t0 = std::chrono::steady_clock::now();
    {
      std::vector<std::jthread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          const auto k = static_cast<std::size_t>(t);
          try {
            for (std::size_t i = next++; i < files.size(); i = next++) {
              sums[k] += decode(files[i], names[i]);
            }
          } catch (...) {
            errors[k] = std::current_exception();
          }
        });
      }
    }
    const double s = seconds_since(t0);
    for (const auto& err : errors)
      if (err) std::rethrow_exception(err);
    for (const double v : sums) f.checksum += v;
    if (pass >= a.warmup) f.rates.push_back(static_cast<double>(files.size()) / s);
  }
  return f;
}

std::vector<std::uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw io_error("cannot read '" + p.string() + "'");
  return bytes;
}

std::string json_map(const std::vector<int>& keys, const std::map<int, double>& values) {
  std::string out = "{";
  char buf[64];
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s\"%d\": %.2f", i ? ", " : "", keys[i], values.at(keys[i]));
    out += buf;
  }
  return out + "}";
}

/// Whether to generate the dataset in `folder` (as the examples decide): when it is missing,
/// empty, or holds make_synthetic_pascal's marker. Anything else is the user's own dataset in
/// PASCAL_2007's layout, read as it is and never written to.
bool should_generate(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return true;
  if (fs::is_directory(folder, ec) && fs::is_empty(folder, ec)) return true;
  return fs::exists(folder / ".fastblock-synthetic", ec);
}

int run(const Args& a) {
  const DataFolder folder(a.data);
  const auto t_gen = std::chrono::steady_clock::now();
  const bool generate = should_generate(folder.path);
  SyntheticDataset made{folder.path / "train.csv", folder.path / "train", 0, false};
  if (generate) made = make_synthetic_pascal(folder.path, dataset_options(a));
  const double gen_s = seconds_since(t_gen);

  const DataFrame df = read_csv(made.csv);
  const Mask valid = df["is_valid"].as<bool>();
  const Column& fnames = df["fname"];
  std::vector<fs::path> train_files;
  for (std::size_t i = 0; i < df.num_rows(); ++i) {
    const auto row = static_cast<std::int64_t>(i);
    if (!valid[row]) train_files.push_back(made.images / std::string(fnames[row]));
  }
  if (generate) {
    std::printf(
        "fastblock bench_loading: %zu JPEGs of 500x375 (quality 90) in %s (%s in %.1f s); "
        "%zu in the training split\n",
        made.n_images, folder.path.string().c_str(), made.generated ? "generated" : "found", gen_s,
        train_files.size());
  } else {
    made.n_images = df.num_rows();
    std::printf(
        "fastblock bench_loading: reading %s as it is (no .fastblock-synthetic marker: not "
        "generated here, --images ignored): %zu images, %zu in the training split\n",
        folder.path.string().c_str(), made.n_images, train_files.size());
  }
  if (a.generate_only) {
    std::printf("{\"data\": \"%s\", \"images\": %zu, \"train_images\": %zu}\n",
                folder.path.string().c_str(), made.n_images, train_files.size());
    return 0;
  }
  const double rss_setup = peak_rss_mib();
  std::printf(
      "pipeline: load_image (%s) -> RandomResizedCrop(%lld, min_scale 0.35) -> ToTensor -> "
      "collate -> IntToFloatTensor -> Normalize::imagenet(), bs %lld, dls.train (shuffled, "
      "drop_last); %d warm-up + %d timed epochs per thread count (medians)\n",
      decoder_name, static_cast<long long>(a.size), static_cast<long long>(a.bs), a.warmup,
      a.epochs);

  std::map<int, double> pipeline, decode, stb_decode;
  std::size_t per_epoch = 0;
  double checksum = 0;
  for (const int n : a.threads) {
    const PipelineFigures f = run_pipeline(a, folder.path, df, n);
    pipeline[n] = median(f.rates);
    per_epoch = f.per_epoch;
    checksum += f.checksum;
    std::printf("  pipeline    %d thread%s  %8.1f images/s  (%zu images/epoch; epochs %.1f-%.1f)\n",
                n, n == 1 ? " " : "s", pipeline[n], f.per_epoch,
                *std::min_element(f.rates.begin(), f.rates.end()),
                *std::max_element(f.rates.begin(), f.rates.end()));
    std::fflush(stdout);
  }
  const double rss_pipeline = peak_rss_mib();

  // The same files, read into memory first: decoding only.
  std::vector<std::vector<std::uint8_t>> bytes;
  std::vector<std::string> names;
  std::size_t total_bytes = 0;
  for (const fs::path& p : train_files) {
    bytes.push_back(read_file(p));
    names.push_back(p.string());
    total_bytes += bytes.back().size();
  }
  std::printf(
      "raw decode: decode_image (%s) and stb_image of the %zu training files from memory "
      "(%.1f KiB each on average)\n",
      decoder_name, bytes.size(),
      static_cast<double>(total_bytes) / 1024.0 / static_cast<double>(bytes.size()));
  for (const int n : a.threads) {
    for (const bool stb : {false, true}) {
      const DecodeFigures f = stb ? run_decode(a, bytes, names, n, decode_stb)
                                  : run_decode(a, bytes, names, n, decode_fastblock);
      (stb ? stb_decode : decode)[n] = median(f.rates);
      checksum += f.checksum;
      std::printf("  raw decode  %d thread%s  %8.1f images/s  %-13s (passes %.1f-%.1f)\n", n,
                  n == 1 ? " " : "s", median(f.rates), stb ? "stb_image" : decoder_name,
                  *std::min_element(f.rates.begin(), f.rates.end()),
                  *std::max_element(f.rates.begin(), f.rates.end()));
      std::fflush(stdout);
    }
  }
  const double rss_end = peak_rss_mib();

  std::map<int, double> ratio;
  std::printf("pipeline / raw decode:");
  for (const int n : a.threads) {
    ratio[n] = pipeline[n] / decode[n];
    std::printf("  %d thread%s %.2f", n, n == 1 ? "" : "s", ratio[n]);
  }
  std::printf(
      "\npeak RSS (ru_maxrss): %.1f MiB after setup, %.1f MiB after the pipeline runs, "
      "%.1f MiB at the end (raw decode holds the files in memory); checksum %.3g\n",
      rss_setup, rss_pipeline, rss_end, checksum);
  std::string threads = "[";
  for (std::size_t i = 0; i < a.threads.size(); ++i)
    threads += (i ? ", " : "") + std::to_string(a.threads[i]);
  threads += "]";
  std::printf(
      "{\"bench\": \"loading\", \"decoder\": \"%s\", \"images\": %zu, \"train_images\": %zu, "
      "\"images_per_epoch\": %zu, \"size\": %lld, \"bs\": %lld, \"epochs\": %d, \"threads\": %s, "
      "\"pipeline_images_per_s\": %s, \"decode_images_per_s\": %s, "
      "\"stb_decode_images_per_s\": %s, "
      "\"pipeline_over_decode\": %s, \"peak_rss_mib\": %.1f, \"peak_rss_pipeline_mib\": %.1f, "
      "\"peak_rss_setup_mib\": %.1f}\n",
      decoder_name, made.n_images, train_files.size(), per_epoch, static_cast<long long>(a.size),
      static_cast<long long>(a.bs), a.epochs, threads.c_str(),
      json_map(a.threads, pipeline).c_str(), json_map(a.threads, decode).c_str(),
      json_map(a.threads, stb_decode).c_str(), json_map(a.threads, ratio).c_str(), rss_end,
      rss_pipeline, rss_setup);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_loading: %s\n", e.what());
    return 1;
  }
}
