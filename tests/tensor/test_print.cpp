// Tests for tensor/print.hpp: repr must print what PyTorch prints, byte for byte.
//
// tests/golden/print_golden.txt holds PyTorch's own output, written by
// tests/golden/make_print_golden.py; each case is rebuilt here by the same formula.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"

#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/print.hpp>

#ifndef FASTBLOCK_TEST_DATA_DIR
#error "FASTBLOCK_TEST_DATA_DIR must name the tests/ directory"
#endif

namespace {

using namespace fastblock;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

/// arange(n) as float32, like `torch.arange(n).to(torch.float32)`.
Tensor arf(std::int64_t n) { return arange(n).to(float32); }

/// Float32 tensors from double literals: the same double -> float32 rounding torch.tensor does.
Tensor f32(std::initializer_list<double> values) { return tensor<double>(values); }
Tensor f32(std::initializer_list<std::initializer_list<double>> rows) {
  return tensor<double>(rows);
}
Tensor i64(std::initializer_list<std::int64_t> values) { return tensor<std::int64_t>(values); }

/// The tensors of make_print_golden.py's CASES, by id.
std::map<std::string, std::function<Tensor()>> golden_builders() {
  const auto float20 = [] {
    return f32({1.1090, -1.4315, 2.8930, -0.5213, 0.0412, 1.7702, -2.2304,
                0.3318, -0.0087, 0.9941, -1.0515, 0.6262, 1.4139, -0.2726,
                0.1873, -1.8843, 2.0014, -0.7410, 0.4587, -0.1199});
  };
  const auto multi_hot = [] {
    std::vector<float> v(20, 0.0f);
    v[4] = v[9] = v[17] = 1.0f;
    return from_vector(v);
  };
  const auto point = [] { return f32({{-0.1250, 0.0771}}); };
  const auto points = [] { return f32({{-0.1250, 0.0771}, {1.5, 2.25}, {3.0, 4.0}}); };
  const auto tiny = [] { return f32({1e-5, 2.5e-6, 0.5}); };
  const auto f234 = [] { return (arf(24) / 7).reshape({2, 3, 4}); };
  const auto wrap30 = [] { return arf(30) / 7 - 2; };

  return {
      {"int_seed",
       [] {
         return i64({6, 11, 13, 0, 8, 22, 10, 3});
       }},
      {"float20", float20},
      {"multicat", multi_hot},
      {"point", point},
      {"point_sub", point},
      {"points_sub", points},
      {"big_sci",
       [] {
         return f32({1e10, 2.5e9, -3e8});
       }},
      {"tiny", tiny},
      {"ratio_sci",
       [] {
         return f32({0.001, 2.0, 5.5});
       }},
      {"mixed_neg_sci",
       [] {
         return f32({-1e-5, 1e5});
       }},
      {"fixed_big",
       [] {
         return f32({123.456, -1.5});
       }},
      {"int_mode_big",
       [] {
         return f32({1e6, 2000.0});
       }},
      {"int_mode_1e8",
       [] {
         return f32({1e8, 1e6});
       }},
      {"int_valued",
       [] {
         return f32({0.0, 1.0, 0.0});
       }},
      {"zeros_only", [] { return zeros({2}); }},
      {"zeros_sci_forced", [] { return zeros({3}); }},
      {"nan_inf",
       [] {
         return f32({nan, inf, -inf, 1.5});
       }},
      {"nan_inf_int",
       [] {
         return f32({nan, inf, -inf, 2.0});
       }},
      {"negzero",
       [] {
         return f32({-0.0, 1.5, -2.25});
       }},
      {"negzero_int",
       [] {
         return f32({-0.0, 1.0, 2.0});
       }},
      {"ties",
       [] {
         return f32({0.03125, 0.09375, 1.0, 0.15625});
       }},
      {"ties_p0",
       [] {
         return f32({0.5, 1.5, 2.5, -0.5});
       }},
      {"third_p10", [] { return f32({1.0}) / 3; }},
      {"huge_fixed",
       [] {
         return f32({1e30, 1.0});
       }},
      {"sci_forced",
       [] {
         return f32({1.5, 2.25});
       }},
      {"sci_off", tiny},
      {"int_neg",
       [] {
         return i64({-5, 120, -3000, 7});
       }},
      {"int_wide",
       [] {
         return tensor<std::int64_t>({{-123456789, 5, 0}, {42, 7, -1}});
       }},
      {"int64_extreme",
       [] {
         return i64({(std::int64_t{1} << 62) + 1, std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::int64_t>::max()});
       }},
      {"uint8_img",
       [] {
         return (arange(24) * 10).to(uint8).reshape({2, 3, 4});
       }},
      {"uint8_dtype_wrap", [] { return (arange(28) * 9).to(uint8); }},
      {"bool_mask",
       [] {
         return tensor<bool>({true, false, false, true, true, false});
       }},
      {"bool_2d",
       [] {
         return arange(12).reshape({3, 4}) > 5;
       }},
      {"empty1d", [] { return zeros({0}); }},
      {"empty2d",
       [] {
         return zeros({0, 3});
       }},
      {"empty_int", [] { return zeros({0}, int64); }},
      {"empty_bool_2d",
       [] {
         return zeros({2, 0}, boolean);
       }},
      {"empty_uint8_3d",
       [] {
         return zeros({1, 0, 2}, uint8);
       }},
      {"scalar_float", [] { return scalar_tensor(3.0f); }},
      {"scalar_frac", [] { return scalar_tensor(0.5f); }},
      {"scalar_tiny", [] { return scalar_tensor(1e-5); }},
      {"scalar_nan", [] { return scalar_tensor(nan); }},
      {"scalar_sci_forced", [] { return scalar_tensor(2.5f); }},
      {"scalar_int", [] { return scalar_tensor(std::int64_t{-7}); }},
      {"scalar_uint8", [] { return scalar_tensor(std::uint8_t{200}); }},
      {"scalar_bool", [] { return scalar_tensor(true); }},
      {"f234", f234},
      {"f234_p2", f234},
      {"f4d",
       [] {
         return (arf(24) / 2).reshape({2, 2, 2, 3});
       }},
      {"transpose",
       [] {
         return (arf(12).reshape({3, 4}) / 4).t();
       }},
      {"slice_step", [] { return arange(20).slice(0, 0, 20, 3); }},
      {"expand",
       [] {
         return f32({{1.5, -2.0, 3.25}}).expand({2, 3});
       }},
      {"wrap30", wrap30},
      {"wrap30_lw50", wrap30},
      {"narrow_lw",
       [] {
         return f32({{1.5, 2.5, 3.5}, {4.5, 5.5, 6.5}});
       }},
      {"big2000", [] { return arf(2000) / 3; }},
      {"big2000_int", [] { return arange(2000); }},
      {"big100x100",
       [] {
         return (arf(10000) / 100).reshape({100, 100});
       }},
      {"big3d",
       [] {
         return arange(1200).reshape({10, 10, 12});
       }},
      {"uint8_summary_sub",
       [] {
         return (arf(1200) / 5).to(uint8).reshape({3, 20, 20});
       }},
      {"bool_summary", [] { return arange(1500) > 700; }},
      {"threshold5", [] { return arange(10); }},
      {"edge2",
       [] {
         return (arf(30) / 2).reshape({5, 6});
       }},
      {"edge0", [] { return arange(10); }},
  };
}

/// One case of the golden file: the header's id, options and prefix, and PyTorch's text.
struct GoldenCase {
  std::string id;
  PrintOptions opts;
  std::string prefix = "tensor";
  std::string expected;
};

/// Applies one `key=value` of a `#case` header.
void apply_option(GoldenCase& c, const std::string& token) {
  const auto eq = token.find('=');
  REQUIRE(eq != std::string::npos);
  const std::string key = token.substr(0, eq), value = token.substr(eq + 1);
  if (key == "prefix") {
    c.prefix = value;
  } else if (key == "sci_mode") {
    REQUIRE((value == "True" || value == "False"));
    c.opts.sci_mode = value == "True";
  } else if (key == "precision") {
    c.opts.precision = std::stoi(value);
  } else if (key == "linewidth") {
    c.opts.linewidth = std::stoi(value);
  } else if (key == "threshold") {
    c.opts.threshold = std::stoll(value);
  } else if (key == "edgeitems") {
    c.opts.edgeitems = std::stoll(value);
  } else {
    FAIL("unknown option in print_golden.txt: " << token);
  }
}

std::vector<GoldenCase> read_golden() {
  const std::string path = std::string(FASTBLOCK_TEST_DATA_DIR) + "/golden/print_golden.txt";
  std::ifstream in(path);
  INFO("golden file: " << path);
  REQUIRE(in.good());
  std::vector<GoldenCase> cases;
  std::string line;
  GoldenCase* open = nullptr;
  std::vector<std::string> body;
  while (std::getline(in, line)) {
    if (line.rfind("#case ", 0) == 0) {
      REQUIRE(open == nullptr);
      std::istringstream header(line.substr(6));
      GoldenCase c;
      header >> c.id;
      for (std::string token; header >> token;) apply_option(c, token);
      cases.push_back(std::move(c));
      open = &cases.back();
      body.clear();
    } else if (line == "#end") {
      REQUIRE(open != nullptr);
      for (std::size_t i = 0; i < body.size(); ++i) open->expected += (i ? "\n" : "") + body[i];
      open = nullptr;
    } else {
      REQUIRE(open != nullptr);
      body.push_back(line);
    }
  }
  REQUIRE(open == nullptr);
  return cases;
}

/// Restores the global print options when a test ends, even when it fails.
struct OptionsGuard {
  PrintOptions saved = print_options();
  ~OptionsGuard() { set_printoptions(saved); }
};

}  // namespace

TEST_CASE("repr matches PyTorch's golden output", "[tensor][print]") {
  const auto builders = golden_builders();
  const auto cases = read_golden();
  REQUIRE(cases.size() == builders.size());
  for (const GoldenCase& c : cases) {
    INFO("case " << c.id);
    const auto it = builders.find(c.id);
    REQUIRE(it != builders.end());
    const std::string actual = repr(it->second(), c.prefix, c.opts);
    if (actual != c.expected)
      UNSCOPED_INFO("expected (PyTorch):\n" << c.expected << "\nactual (fastblock):\n" << actual);
    CHECK(actual == c.expected);
  }
}

TEST_CASE("set_printoptions changes what repr and operator<< print", "[tensor][print]") {
  OptionsGuard guard;
  const Tensor t = f32({1.0 / 3.0, 2.5});
  CHECK(repr(t) == "tensor([0.3333, 2.5000])");

  PrintOptions opts;
  opts.precision = 2;
  set_printoptions(opts);
  CHECK(print_options().precision == 2);
  CHECK(repr(t) == "tensor([0.33, 2.50])");
  std::ostringstream os;
  os << t;
  CHECK(os.str() == "tensor([0.33, 2.50])");

  print_options().sci_mode = true;
  CHECK(repr(t) == "tensor([3.33e-01, 2.50e+00])");

  set_printoptions({});
  CHECK(print_options().precision == 4);
  CHECK(print_options().threshold == 1000);
  CHECK(print_options().edgeitems == 3);
  CHECK(print_options().linewidth == 80);
  CHECK_FALSE(print_options().sci_mode.has_value());
  CHECK(repr(t) == "tensor([0.3333, 2.5000])");
}

TEST_CASE("operator<< prints repr with the tensor prefix", "[tensor][print]") {
  OptionsGuard guard;
  set_printoptions({});
  const Tensor t = i64({6, 11, 13, 0, 8, 22, 10, 3});
  std::ostringstream os;
  os << t << '\n' << Tensor();
  CHECK(os.str() == "tensor([ 6, 11, 13,  0,  8, 22, 10,  3])\ntensor([])");
  CHECK(repr(t, "TensorCategory") == "TensorCategory([ 6, 11, 13,  0,  8, 22, 10,  3])");
}

TEST_CASE("repr rejects options PyTorch could not format", "[tensor][print]") {
  PrintOptions opts;
  opts.precision = -1;
  CHECK_THROWS_AS(repr(arange(3), "tensor", opts), value_error);
  opts = {};
  opts.edgeitems = -2;
  CHECK_THROWS_AS(repr(arange(3), "tensor", opts), value_error);
}

TEST_CASE("repr handles large precision and huge thresholds", "[tensor][print]") {
  PrintOptions opts;
  opts.precision = 80;  // longer than repr's stack buffer
  // Expected text from PyTorch 1.13 with torch.set_printoptions(precision=80).
  CHECK(repr(f32({1e30, 0.5}), "tensor", opts) == "tensor([1.00000001504746621987668885504" +
                                                      std::string(51, '0') + "e+30,\n        5." +
                                                      std::string(80, '0') + "e-01])");
  opts = {};
  opts.threshold = std::numeric_limits<std::int64_t>::max();
  opts.edgeitems = std::numeric_limits<std::int64_t>::max();
  CHECK(repr(arange(5), "tensor", opts) == "tensor([0, 1, 2, 3, 4])");
}
