// Parity with PyTorch and torchvision: resnet18, resnet50 and fastai's head, run by PyTorch 1.13
// and torchvision 0.14 through tests/golden/make_nn_parity.py, which wrote the fixtures under
// tests/golden/nn/ (its docstring documents the format, the formulas and why they are what they
// are; CI has no torch and only reads them). Here the same weights are rebuilt from the same
// formula — every parameter and buffer from its flat index and its position in the state_dict,
// through splitmix64 in integer arithmetic, so both sides start from bit-identical float32 values —
// and the same steps are run:
//   resnet18_eval.txt       resnet18 (1000 outputs), eval mode, x [2, 3, 64, 64]
//   resnet18_head_eval.txt  resnet18 body + create_head(512, 20) (ps 0.5), eval mode
//   resnet18_train.txt      resnet18 body + create_head(512, 20, ps 0), x [4, 3, 64, 64]: one
//                           train-mode step with BCEWithLogitsLossFlat: output, loss, input
//                           gradient, every parameter's gradient (norm and samples), every running
//                           statistic after the step, num_batches_tracked
//   resnet50_train.txt      the same for resnet50 + create_head(2048, 20, ps 0), x [4, 3, 32, 32]
// Names and shapes from `visit` must equal the fixture's list exactly, in order: torchvision's and
// fastai's names and state_dict order.
//
// Tolerances. Both sides compute in float32 from identical inputs but sum in different orders
// (PyTorch's convolution kernels against Eigen's GEMM; batchnorm statistics accumulated in double
// here), so results differ by rounding that grows through 20-50 layers; PyTorch's own float32
// result is 1e-5 from its float64 one on these problems (the fixtures' comments say how far).
// Errors are scaled by the size of what is compared, since elements near zero have no meaningful
// relative error; rms = norm / sqrt(numel) is a tensor's typical element. Measured worst errors
// (g++ 12 -O2, x86-64) in brackets, resnet18 / resnet50:
//   eval outputs                 max |a − b| / max |b|          ≤ 1e-5  [6e-7, 7e-7 with the head]
//   train output                 max |a − b| / max |b|          ≤ 1e-4  [4e-6 / 1e-5]
//   loss                         |a − b| / b                    ≤ 1e-5  [3e-7 / 7e-7]
//   input gradient norm          |a − b| / b                    ≤ 5e-4  [2e-5 / 1e-5]
//   input gradient, every 13th   |a − b| / (|b| + rms)          ≤ 2e-3  [1.4e-4 / 2.2e-4]
//   parameter gradient norms     |a − b| / b                    ≤ 5e-4  [2e-5 / 4e-5]
//   parameter gradient samples   |a − b| / (|b| + rms)          ≤ 2e-3  [9e-5 / 1.7e-4]
//   running mean/var norms       |a − b| / b                    ≤ 1e-5  [4e-8 / 1.4e-7]
//   running mean/var elements    |a − b| / (|b| + rms)          ≤ 1e-4  [3e-6 / 1.1e-5]
// The backward pass is looser than the forward pass: train-mode batchnorm divides by batch
// standard deviations (the head's BatchNorm1d sees 4 values per feature), which amplifies the
// forward's rounding differences. Every tolerance is 9x or more the measured worst error.
// A gradient failure with the forward quantities passing can also mean that a ReLU input or a
// max-pool runner-up sits within rounding of its kink and the two sides took different branches
// (each moves about 1% of the gradients); the fixtures' phases were chosen so that none in layer3,
// layer4 or the head is within 1e-5 of its tensor's RMS (`make_nn_parity.py --search`).
// Set FASTBLOCK_PARITY_VERBOSE=1 to print the worst error of every quantity.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"

#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;

namespace {

// --- fixtures ----------------------------------------------------------------------------------

/// One line `<tag> <name> <shape> : <values...>` of a fixture.
struct Record {
  std::string tag, name;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

std::vector<std::int64_t> parse_shape(const std::string& s) {
  std::vector<std::int64_t> out;
  if (s == "scalar") return out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, 'x')) out.push_back(std::stoll(part));
  return out;
}

std::vector<Record> read_fixture(const std::string& file) {
  const auto path = std::filesystem::path(FASTBLOCK_TEST_DATA_DIR) / "golden" / "nn" / file;
  std::ifstream in(path);
  INFO("fixture " << path.string());
  REQUIRE(in.good());
  std::vector<Record> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Record r;
    std::string shape, colon;
    ls >> r.tag >> r.name >> shape >> colon;
    REQUIRE(colon == ":");
    r.shape = parse_shape(shape);
    double v = 0.0;
    while (ls >> v) r.values.push_back(v);
    out.push_back(std::move(r));
  }
  return out;
}

/// The records with `tag`, in file order.
std::vector<const Record*> with_tag(const std::vector<Record>& recs, const std::string& tag) {
  std::vector<const Record*> out;
  for (const Record& r : recs)
    if (r.tag == tag) out.push_back(&r);
  return out;
}

/// The one record with `tag` and `name`.
const Record& record(const std::vector<Record>& recs, const std::string& tag,
                     const std::string& name) {
  for (const Record& r : recs)
    if (r.tag == tag && r.name == name) return r;
  FAIL("no record " << tag << " " << name);
  throw;  // unreachable: FAIL throws
}

bool same_shape(const fb::Tensor& t, const std::vector<std::int64_t>& shape) {
  if (t.dim() != static_cast<int>(shape.size())) return false;
  for (int d = 0; d < t.dim(); ++d)
    if (t.size(d) != shape[static_cast<std::size_t>(d)]) return false;
  return true;
}

// --- the formulas of make_nn_parity.py ---------------------------------------------------------

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// u(i, k) in [0, 1): the top 53 bits of splitmix64(k·2^32 + i), over 2^53.
double uniform(std::int64_t i, std::int64_t k) {
  const std::uint64_t key = (static_cast<std::uint64_t>(k) << 32) + static_cast<std::uint64_t>(i);
  return static_cast<double>(splitmix64(key) >> 11) * 0x1.0p-53;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// What the fixture's `residual_bn` record says: the last batchnorm of each residual branch (bn2
/// or bn3) has its weight scaled.
struct ResidualBn {
  std::string bn;
  double scale = 1.0;
};

/// Whether `name` ends with `layer<digits>.<digits>.<bn>.weight` (the script's regular expression
/// `layer\d+\.\d+\.<bn>\.weight$`).
bool is_residual_bn_weight(const std::string& name, const std::string& bn) {
  const std::string suffix = "." + bn + ".weight";
  if (!ends_with(name, suffix)) return false;
  // Walk back over `<digits>.<digits>` before the suffix, then expect "layer".
  std::size_t end = name.size() - suffix.size();
  for (int part = 0; part < 2; ++part) {
    std::size_t begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(name[begin - 1]))) --begin;
    if (begin == end) return false;
    if (part == 0) {
      if (begin == 0 || name[begin - 1] != '.') return false;
      end = begin - 1;
    } else {
      end = begin;
    }
  }
  return end >= 5 && name.compare(end - 5, 5, "layer") == 0;
}

/// Sets parameter `name` (position k) from the formula.
void fill(const std::string& name, fb::Parameter& p, std::int64_t k, const ResidualBn& rule) {
  if (ends_with(name, "num_batches_tracked")) {
    p.value.data<std::int64_t>()[0] = 0;
    return;
  }
  REQUIRE(p.value.dtype() == fb::float32);
  REQUIRE(p.value.is_contiguous());
  float* v = p.value.data<float>();
  const std::int64_t n = p.value.numel();
  const int kind = ends_with(name, "running_mean")  ? 0
                   : ends_with(name, "running_var") ? 1
                   : ends_with(name, "bias")        ? 2
                   : p.value.dim() >= 2             ? 3
                                                    : 4;
  const double fan_in = static_cast<double>(n) / static_cast<double>(p.value.size(0));
  const double bound = std::sqrt(6.0 / fan_in);
  const double bn_scale = kind == 4 && is_residual_bn_weight(name, rule.bn) ? rule.scale : 1.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double u = uniform(i, k), s = 2.0 * u - 1.0;
    double x = 0.0;
    switch (kind) {
      case 0:
        x = 0.1 * s;
        break;
      case 1:
        x = 1.0 + 0.5 * u;
        break;
      case 2:
        x = 0.1 * s;
        break;
      case 3:
        x = s * bound;
        break;
      default:
        x = (1.0 + 0.1 * s) * bn_scale;
        break;
    }
    v[i] = static_cast<float>(x);
  }
}

/// x[i] = sin(0.01·i + phi) + 0.5·cos(0.37·i + phi), shape and phi from the `input` record.
fb::Tensor make_input(const Record& input) {
  const auto& shape = input.shape;
  const double phi = input.values.at(0);
  fb::Shape s;
  for (auto d : shape) s.push_back(d);
  fb::Tensor x(s);
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double di = static_cast<double>(i);
    p[i] = static_cast<float>(std::sin(0.01 * di + phi) + 0.5 * std::cos(0.37 * di + phi));
  }
  return x;
}

/// t[j] = 1 if 7j mod 3 == 0 else 0.
fb::Tensor make_target(std::int64_t n, std::int64_t c) {
  fb::Tensor t(fb::Shape{n, c});
  float* p = t.data<float>();
  for (std::int64_t j = 0; j < n * c; ++j) p[j] = (7 * j) % 3 == 0 ? 1.0f : 0.0f;
  return t;
}

/// Every parameter and buffer of the visited layers, in visit order.
using Named = std::vector<std::pair<std::string, fb::Parameter*>>;

/// Checks `named` against the fixture's `param` list (names, shapes, order) and fills each from
/// the formula with k its position.
void load_weights(const std::vector<Record>& recs, const Named& named) {
  const auto params = with_tag(recs, "param");
  const auto rules = with_tag(recs, "residual_bn");
  REQUIRE(rules.size() == 1);
  const ResidualBn rule{rules[0]->name, rules[0]->values.at(0)};
  REQUIRE(named.size() == params.size());
  for (std::size_t k = 0; k < named.size(); ++k) {
    INFO("entry " << k << ": fastblock " << named[k].first << " "
                  << named[k].second->value.shape().str() << ", torch " << params[k]->name);
    REQUIRE(named[k].first == params[k]->name);
    REQUIRE(same_shape(named[k].second->value, params[k]->shape));
    fill(named[k].first, *named[k].second, static_cast<std::int64_t>(k), rule);
  }
}

template <class... Ls>
Named collect(std::pair<Ls*, const char*>... layers) {
  Named out;
  (layers.first->visit(
       [&](const std::string& name, fb::Parameter& p) { out.emplace_back(name, &p); },
       layers.second),
   ...);
  return out;
}

// --- comparisons -------------------------------------------------------------------------------

bool verbose() {
  const char* v = std::getenv("FASTBLOCK_PARITY_VERBOSE");
  return v != nullptr && *v != '\0' && *v != '0';
}

/// The worst error of one kind of quantity over a scenario, checked against its tolerance.
struct Worst {
  std::string what;
  double tol;
  double worst = 0.0;
  std::string where{};

  void add(double err, const std::string& at) {
    if (err > worst || where.empty()) {
      worst = std::max(worst, err);
      where = at;
    }
  }
  void check() const {
    if (verbose())
      std::printf("  %-34s worst %.2e  tolerance %.0e  (%s)\n", what.c_str(), worst, tol,
                  where.c_str());
    INFO(what << ": worst error " << worst << " at " << where << ", tolerance " << tol);
    CHECK(worst <= tol);
  }
};

std::vector<double> flat(const fb::Tensor& t) {
  const fb::Tensor c = t.contiguous();
  std::vector<double> out(static_cast<std::size_t>(c.numel()));
  for (std::int64_t i = 0; i < c.numel(); ++i)
    out[static_cast<std::size_t>(i)] = c.data<float>()[i];
  return out;
}

double l2(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

/// Every element: max |a − b| / max |b|.
void compare_full(const fb::Tensor& got, const Record& ref, Worst& w) {
  INFO(w.what << " " << ref.name);
  REQUIRE(same_shape(got, ref.shape));
  const auto a = flat(got);
  REQUIRE(a.size() == ref.values.size());
  double diff = 0.0, scale = 0.0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(a[i] - ref.values[i]);
    if (d > diff) {
      diff = d;
      at = i;
    }
    scale = std::max(scale, std::abs(ref.values[i]));
  }
  std::ostringstream where;
  where << ref.name << "[" << at << "]: " << a[at] << " vs " << ref.values[at];
  w.add(diff / scale, where.str());
}

/// A record `norm i v i v ...`: the norm's relative error into `norms`, and each sample's
/// |a − b| / (|b| + rms) into `elems`, rms = norm / sqrt(numel) (the typical element).
void compare_sampled(const fb::Tensor& got, const Record& ref, Worst& norms, Worst& elems) {
  INFO(norms.what << " " << ref.name);
  REQUIRE(same_shape(got, ref.shape));
  REQUIRE(ref.values.size() % 2 == 1);
  const auto a = flat(got);
  const double ref_norm = ref.values[0];
  REQUIRE(ref_norm > 0.0);
  std::ostringstream nw;
  nw << ref.name << ": " << l2(a) << " vs " << ref_norm;
  norms.add(std::abs(l2(a) - ref_norm) / ref_norm, nw.str());
  const double rms = ref_norm / std::sqrt(static_cast<double>(a.size()));
  for (std::size_t j = 1; j < ref.values.size(); j += 2) {
    const auto i = static_cast<std::size_t>(ref.values[j]);
    REQUIRE(i < a.size());
    const double b = ref.values[j + 1];
    std::ostringstream ew;
    ew << ref.name << "[" << i << "]: " << a[i] << " vs " << b << ", rms " << rms;
    elems.add(std::abs(a[i] - b) / (std::abs(b) + rms), ew.str());
  }
}

// --- the scenarios -----------------------------------------------------------------------------

/// Loads the fixture's weights into `body` and a ps=0 head, runs one train-mode step with
/// BCEWithLogitsLossFlat and compares everything the fixture recorded.
template <class Body>
void train_step(const std::string& file, Body& body, std::int64_t nf) {
  const auto recs = read_fixture(file);
  auto head = fb::create_head(nf, 20, {.ps = {0.0}, .seed = 1});
  const Named named = collect(std::pair{&body, "body"}, std::pair{&head, "head"});
  load_weights(recs, named);

  const fb::Tensor x = make_input(record(recs, "input", "x"));
  fb::zero_grad(body);
  fb::zero_grad(head);
  body.train(true);
  head.train(true);
  const fb::Tensor y = head.forward(body.forward(x));
  fb::BCEWithLogitsLossFlat loss_fn;
  const fb::Tensor loss = loss_fn(y, make_target(x.size(0), 20));
  const fb::Tensor dx = body.backward(head.backward(loss_fn.backward()));

  // Tolerances: see the top of the file.
  Worst out{"output", 1e-4}, loss_w{"loss", 1e-5}, dx_norm{"input gradient norm", 5e-4},
      dx_elems{"input gradient elements", 2e-3}, g_norms{"gradient norms", 5e-4},
      g_elems{"gradient elements", 2e-3}, b_norms{"running stats norms", 1e-5},
      b_elems{"running stats elements", 1e-4}, b_full{"running stats, every element", 1e-4};
  compare_full(y, record(recs, "output", "body_head"), out);
  const double ref_loss = record(recs, "loss", "bce").values.at(0);
  loss_w.add(std::abs(loss.item<float>() - ref_loss) / ref_loss, "loss");
  compare_sampled(dx, record(recs, "dinput", "x"), dx_norm, dx_elems);

  std::size_t n_grads = 0, n_bufs = 0, n_full = 0, n_nbt = 0;
  for (const auto& [name, p] : named) {
    if (!p->is_buffer()) {
      INFO(name);
      REQUIRE(p->grad.numel() == p->value.numel());
      compare_sampled(p->grad, record(recs, "grad", name), g_norms, g_elems);
      ++n_grads;
    } else if (ends_with(name, "num_batches_tracked")) {
      CHECK(p->value.template item<std::int64_t>() ==
            static_cast<std::int64_t>(record(recs, "nbt", name).values.at(0)));
      ++n_nbt;
    } else {
      compare_sampled(p->value, record(recs, "buffer", name), b_norms, b_elems);
      ++n_bufs;
      for (const Record* r : with_tag(recs, "bufferfull")) {
        if (r->name != name) continue;
        // Every element, in the same |a − b| / (|b| + rms) units.
        const auto a = flat(p->value);
        REQUIRE(a.size() == r->values.size());
        const double rms = l2(r->values) / std::sqrt(static_cast<double>(a.size()));
        for (std::size_t i = 0; i < a.size(); ++i)
          b_full.add(std::abs(a[i] - r->values[i]) / (std::abs(r->values[i]) + rms),
                     name + "[" + std::to_string(i) + "]");
        ++n_full;
      }
    }
  }
  CHECK(n_grads == with_tag(recs, "grad").size());
  CHECK(n_bufs == with_tag(recs, "buffer").size());
  CHECK(n_full == with_tag(recs, "bufferfull").size());
  CHECK(n_nbt == with_tag(recs, "nbt").size());
  if (verbose()) std::printf("%s\n", file.c_str());
  for (const Worst* w :
       {&out, &loss_w, &dx_norm, &dx_elems, &g_norms, &g_elems, &b_norms, &b_elems, &b_full})
    w->check();
}

}  // namespace

TEST_CASE("nn parity: resnet18 eval forward matches torchvision", "[nn][parity]") {
  const auto recs = read_fixture("resnet18_eval.txt");
  auto model = fb::resnet18({.seed = 1});
  load_weights(recs, collect(std::pair{&model, ""}));
  fb::eval(model);
  const fb::Tensor y = model.forward(make_input(record(recs, "input", "x")));
  Worst out{"output", 1e-5};
  compare_full(y, record(recs, "output", "resnet18"), out);
  if (verbose()) std::printf("resnet18_eval.txt\n");
  out.check();
}

TEST_CASE("nn parity: resnet18 body + create_head eval forward matches fastai's head",
          "[nn][parity]") {
  const auto recs = read_fixture("resnet18_head_eval.txt");
  auto model = fb::resnet18({.seed = 1});
  auto head = fb::create_head(512, 20, {.seed = 1});
  load_weights(recs, collect(std::pair{&model.body, "body"}, std::pair{&head, "head"}));
  model.body.train(false);
  head.train(false);
  const fb::Tensor y = head.forward(model.body.forward(make_input(record(recs, "input", "x"))));
  Worst out{"output", 1e-5};
  compare_full(y, record(recs, "output", "body_head"), out);
  if (verbose()) std::printf("resnet18_head_eval.txt\n");
  out.check();
}

TEST_CASE("nn parity: resnet18 body + head train step matches PyTorch", "[nn][parity]") {
  auto model = fb::resnet18({.seed = 1});
  train_step("resnet18_train.txt", model.body, 512);
}

TEST_CASE("nn parity: resnet50 body + head train step matches PyTorch", "[nn][parity]") {
  auto model = fb::resnet50({.seed = 1});
  train_step("resnet50_train.txt", model.body, 2048);
}
