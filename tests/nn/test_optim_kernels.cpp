// The CPU optimiser kernels (cpu/optim.hpp) against PyTorch: three steps of AdamW (fastai's Adam)
// and SGD, with and without momentum, from tests/golden/optim/steps.json (written by
// tests/golden/make_optim_fixture.py); plus the size checks, the empty case, and arrays large
// enough to be split over the thread pool.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"

#include <nlohmann/json.hpp>

#include <fastblock/core/thread_pool.hpp>
#include <fastblock/cpu/optim.hpp>

namespace fb = fastblock;
namespace ck = fastblock::cpu_kernels;
using Catch::Matchers::Contains;

namespace {

nlohmann::json load_kernels_fixture() {
  const auto path =
      std::filesystem::path(FASTBLOCK_TEST_DATA_DIR) / "golden" / "optim" / "steps.json";
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::vector<float> floats(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

/// |got − want| ≤ 1e-6·|want| (plus a 1e-7 floor for values near zero) for every element; one
/// assertion per array, naming the first element out of tolerance and the largest error.
void check_close(const std::vector<float>& got, const std::vector<float>& want,
                 const std::string& what) {
  REQUIRE(got.size() == want.size());
  std::size_t bad = 0, first_bad = got.size();
  double max_rel = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double w = want[i], err = std::abs(static_cast<double>(got[i]) - w);
    max_rel = std::max(max_rel, err / std::max(std::abs(w), 1e-30));
    if (!(err <= 1e-6 * std::abs(w) + 1e-7)) {
      if (bad++ == 0) first_bad = i;
    }
  }
  std::ostringstream msg;
  msg << what << ": " << bad << " of " << got.size() << " elements out of tolerance, largest "
      << "relative error " << max_rel;
  if (bad > 0)
    msg << "; first: element " << first_bad << ", got " << got[first_bad] << ", expected "
        << want[first_bad];
  INFO(msg.str());
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("adam_step matches torch.optim.AdamW step by step", "[optim][nn]") {
  const auto fx = load_kernels_fixture();
  const auto& a = fx.at("adamw");
  std::vector<float> p = floats(fx.at("param"));
  const auto n = p.size();
  REQUIRE(n == fx.at("n").get<std::size_t>());
  std::vector<float> m(n, 0.0f), v(n, 0.0f);
  fb::AdamStep h;
  h.lr = a.at("lr").get<float>();
  h.beta1 = a.at("beta1").get<float>();
  h.beta2 = a.at("beta2").get<float>();
  h.eps = a.at("eps").get<float>();
  h.wd = a.at("wd").get<float>();
  const auto steps = fx.at("steps").get<std::int64_t>();
  for (std::int64_t t = 1; t <= steps; ++t) {
    const std::vector<float> g = floats(fx.at("grads").at(t - 1));
    h.step = t;
    ck::adam_step(p, g, m, v, h);
    check_close(p, floats(a.at("after").at(t - 1)), "AdamW step " + std::to_string(t));
  }
  // The zero gradient at index 7 left both moments at zero: only the decay moved it.
  CHECK(m[7] == 0.0f);
  CHECK(v[7] == 0.0f);
}

TEST_CASE("sgd_step matches torch.optim.SGD with momentum and decoupled weight decay",
          "[optim][nn]") {
  const auto fx = load_kernels_fixture();
  const auto steps = fx.at("steps").get<std::int64_t>();
  SECTION("momentum 0.9, weight decay 0.01") {
    const auto& s = fx.at("sgd_momentum");
    std::vector<float> p = floats(fx.at("param"));
    std::vector<float> buf(p.size(), 0.0f);
    for (std::int64_t t = 1; t <= steps; ++t) {
      ck::sgd_step(p, floats(fx.at("grads").at(t - 1)), buf, s.at("lr").get<float>(),
                   s.at("mom").get<float>(), s.at("wd").get<float>());
      check_close(p, floats(s.at("after").at(t - 1)), "SGD momentum step " + std::to_string(t));
    }
  }
  SECTION("no momentum: the buffer may be empty") {
    const auto& s = fx.at("sgd_plain");
    std::vector<float> p = floats(fx.at("param"));
    for (std::int64_t t = 1; t <= steps; ++t) {
      ck::sgd_step(p, floats(fx.at("grads").at(t - 1)), {}, s.at("lr").get<float>(), 0.0f,
                   s.at("wd").get<float>());
      check_close(p, floats(s.at("after").at(t - 1)), "SGD step " + std::to_string(t));
    }
  }
}

TEST_CASE("optimiser kernels follow the formula over arrays split across threads", "[optim][nn]") {
  // Large enough to be split over the pool (several elementwise_grain chunks, a ragged tail).
  const std::int64_t n = 4 * ck::elementwise_grain + 123;
  std::vector<float> p0(static_cast<std::size_t>(n)), g(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    p0[static_cast<std::size_t>(i)] = std::sin(0.001f * static_cast<float>(i)) + 0.1f;
    g[static_cast<std::size_t>(i)] = std::cos(0.003f * static_cast<float>(i));
  }
  // Reference: the documented formula, one element at a time, debias terms in double.
  fb::AdamStep h{.lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.99f, .eps = 1e-5f, .wd = 0.01f, .step = 1};
  std::vector<float> p = p0, m(p.size(), 0.0f), v(p.size(), 0.0f);
  std::vector<float> buf(p.size(), 0.0f), q = p0;
  for (std::int64_t step = 1; step <= 2; ++step) {
    h.step = step;
    ck::adam_step(p, g, m, v, h);
    ck::sgd_step(q, g, buf, 0.05f, 0.9f, 0.01f);
  }
  std::vector<float> rp = p0, rm(p.size(), 0.0f), rv(p.size(), 0.0f);
  std::vector<float> rq = p0, rb(p.size(), 0.0f);
  for (std::int64_t step = 1; step <= 2; ++step) {
    const double d1 = 1.0 - std::pow(0.9, static_cast<double>(step));
    const double d2 = 1.0 - std::pow(0.99, static_cast<double>(step));
    for (std::size_t i = 0; i < rp.size(); ++i) {
      rp[i] *= static_cast<float>(1.0 - 0.01 * 0.01);
      rm[i] = 0.9f * rm[i] + (1.0f - 0.9f) * g[i];
      rv[i] = 0.99f * rv[i] + (1.0f - 0.99f) * g[i] * g[i];
      rp[i] -= static_cast<float>(0.01 / d1) * rm[i] /
               (std::sqrt(rv[i] * static_cast<float>(1.0 / d2)) + 1e-5f);
      rq[i] *= static_cast<float>(1.0 - 0.05 * 0.01);
      rb[i] = 0.9f * rb[i] + g[i];
      rq[i] -= 0.05f * rb[i];
    }
  }
  check_close(p, rp, "Adam over " + std::to_string(fb::default_thread_pool().size()) + " threads");
  check_close(q, rq, "SGD over " + std::to_string(fb::default_thread_pool().size()) + " threads");
  check_close(m, rm, "Adam's first moment");
  check_close(buf, rb, "SGD's momentum");
}

TEST_CASE("optimiser kernels reject arrays of the wrong size", "[optim][nn]") {
  std::vector<float> p(5, 1.0f), g(5, 0.5f), m(5, 0.0f), v(5, 0.0f), short4(4, 0.0f);
  const fb::AdamStep h{};
  CHECK_THROWS_AS(ck::adam_step(p, short4, m, v, h), fb::shape_error);
  CHECK_THROWS_WITH(ck::adam_step(p, short4, m, v, h),
                    Contains("adam_step: grad has 4 elements, the parameter has 5"));
  CHECK_THROWS_AS(ck::adam_step(p, g, short4, v, h), fb::shape_error);
  CHECK_THROWS_WITH(ck::adam_step(p, g, short4, v, h), Contains("exp_avg has 4 elements"));
  CHECK_THROWS_AS(ck::adam_step(p, g, m, short4, h), fb::shape_error);
  CHECK_THROWS_WITH(ck::adam_step(p, g, m, short4, h), Contains("exp_avg_sq has 4 elements"));
  CHECK_THROWS_AS(ck::adam_step(p, g, m, v, fb::AdamStep{.step = 0}), fb::value_error);
  CHECK_THROWS_AS(ck::sgd_step(p, short4, {}, 0.1f, 0.0f, 0.0f), fb::shape_error);
  CHECK_THROWS_WITH(ck::sgd_step(p, short4, {}, 0.1f, 0.0f, 0.0f),
                    Contains("sgd_step: grad has 4 elements, the parameter has 5"));
  CHECK_THROWS_AS(ck::sgd_step(p, g, short4, 0.1f, 0.9f, 0.0f), fb::shape_error);
  CHECK_THROWS_WITH(ck::sgd_step(p, g, short4, 0.1f, 0.9f, 0.0f),
                    Contains("momentum_buf has 4 elements"));
  CHECK_THROWS_AS(ck::sgd_step(p, g, {}, 0.1f, 0.9f, 0.0f), fb::value_error);
  CHECK_THROWS_WITH(ck::sgd_step(p, g, {}, 0.1f, 0.9f, 0.0f),
                    Contains("needs a momentum buffer of 5 elements"));
  // Nothing above touched the parameter; empty arrays are a no-op.
  CHECK(p == std::vector<float>(5, 1.0f));
  std::vector<float> none;
  ck::adam_step(none, none, none, none, h);
  ck::sgd_step(none, none, {}, 0.1f, 0.9f, 0.0f);
  CHECK(none.empty());
}
