// The schedules (optim/schedule.hpp) against fastai: the annealers and combined_cos at a few
// positions, even_mults, and the learning rate and momentum of every parameter group before every
// training batch of three real fit_one_cycle runs (2 epochs × 7 batches: a plain one-cycle,
// fine_tune's frozen phase with slice(lr), its unfrozen phase with slice(lo, hi) and div=5), from
// tests/golden/optim/schedule.json (written by tests/golden/make_schedule_fixture.py).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "json_fixture.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <fastblock/core/error.hpp>
#include <fastblock/optim/schedule.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;

namespace {

nlohmann::json load_schedule_fixture() { return fastblock_test::load_json_fixture("optim/schedule.json"); }

/// Relative agreement to 1e-12 (the schedules are double arithmetic, fastai's included).
bool close(double got, double want) {
  return std::abs(got - want) <= 1e-12 * std::abs(want) + 1e-300;
}

}  // namespace

TEST_CASE("sched_lin, sched_cos, sched_no and sched_exp match fastai", "[optim][schedule]") {
  const auto fx = load_schedule_fixture();
  const auto pos = fx.at("positions").get<std::vector<double>>();
  const auto& s = fx.at("sched");
  for (std::size_t i = 0; i < pos.size(); ++i) {
    INFO("pos " << pos[i]);
    CHECK(close(fb::sched_lin(2.0, 0.5, pos[i]), s.at("lin").at(i).get<double>()));
    CHECK(close(fb::sched_cos(2.0, 0.5, pos[i]), s.at("cos").at(i).get<double>()));
    CHECK(close(fb::sched_no(2.0, 0.5, pos[i]), s.at("no").at(i).get<double>()));
    CHECK(close(fb::sched_exp(2.0, 0.5, pos[i]), s.at("exp").at(i).get<double>()));
  }
}

TEST_CASE("combined_cos matches fastai, float32 boundaries included", "[optim][schedule]") {
  const auto fx = load_schedule_fixture();
  const auto pos = fx.at("positions").get<std::vector<double>>();
  for (const auto& c : fx.at("combined_cos")) {
    const auto f = fb::combined_cos(c.at("pct").get<double>(), c.at("start").get<double>(),
                                    c.at("middle").get<double>(), c.at("end").get<double>());
    for (std::size_t i = 0; i < pos.size(); ++i) {
      INFO("pct " << f.pct << ", pos " << pos[i]);
      CHECK(close(f(pos[i]), c.at("values").at(i).get<double>()));
    }
  }
  CHECK_THAT(error_of<fb::value_error>([] { (void)fb::combined_cos(1.5, 0, 1, 0); }),
             Contains("pct must lie in [0, 1], got 1.5"));
}

TEST_CASE("even_mults, slice and lrs_for_groups match fastai", "[optim][schedule]") {
  const auto fx = load_schedule_fixture();
  for (const auto& e : fx.at("even_mults")) {
    const auto got = fb::even_mults(e.at("start").get<double>(), e.at("stop").get<double>(),
                                    e.at("n").get<std::size_t>());
    const auto want = e.at("values").get<std::vector<double>>();
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(close(got[i], want[i]));
  }
  CHECK(fb::even_mults(1e-3, 1e-2, 1) == std::vector<double>{1e-2});
  CHECK(fb::lrs_for_groups(3e-3, 3) == std::vector<double>(3, 3e-3));
  CHECK(fb::lrs_for_groups(fb::slice(3e-3), 3) == std::vector<double>{3e-3 / 10, 3e-3 / 10, 3e-3});
  CHECK(fb::lrs_for_groups(fb::slice(1e-5, 1e-3), 3) == fb::even_mults(1e-5, 1e-3, 3));
  CHECK(fb::lrs_for_groups(fb::slice(3e-3), 1) == std::vector<double>{3e-3});
  CHECK_THROWS_AS(fb::lrs_for_groups(1e-3, 0), fb::value_error);
  CHECK_THROWS_AS(fb::even_mults(1e-3, 1e-2, 0), fb::value_error);
}

TEST_CASE("one_cycle_lrs and one_cycle_mom give fit_one_cycle's values before every batch",
          "[optim][schedule]") {
  const auto fx = load_schedule_fixture();
  struct Run {
    std::string name;
    std::vector<double> lr_max;
    fb::OneCycle opts;
  };
  // The per-group lr_max of each run, as fastai's set_hyper makes them from the lr argument.
  const std::vector<Run> runs = {
      {"one_cycle", fb::lrs_for_groups(1e-2, 3), {}},
      {"freeze_phase", fb::lrs_for_groups(fb::slice(3e-3), 3), {.pct_start = 0.99}},
      {"unfreeze_phase",
       fb::lrs_for_groups(fb::slice(1.5e-5, 1.5e-3), 3),
       {.pct_start = 0.3, .div = 5.0}},
  };
  for (const auto& run : runs) {
    SECTION(run.name) {
      const auto& r = fx.at("runs").at(run.name);
      const auto n_epoch = r.at("n_epoch").get<std::int64_t>();
      const auto n_iter = r.at("n_iter").get<std::int64_t>();
      REQUIRE(r.at("rows").size() == static_cast<std::size_t>(n_epoch * n_iter));
      for (const auto& row : r.at("rows")) {
        const auto epoch = row.at("epoch").get<std::int64_t>();
        const auto batch = row.at("batch").get<std::int64_t>();
        INFO(run.name << " epoch " << epoch << " batch " << batch);
        const double pos = fb::one_cycle_pos(epoch, batch, n_epoch, n_iter);
        CHECK(pos == row.at("pct_train").get<double>());  // the same double additions
        const auto lrs = fb::one_cycle_lrs(run.lr_max, pos, run.opts);
        const auto want_lr = row.at("lr").get<std::vector<double>>();
        REQUIRE(lrs.size() == want_lr.size());
        for (std::size_t g = 0; g < lrs.size(); ++g) {
          INFO("group " << g << ": " << lrs[g] << " vs fastai " << want_lr[g]);
          CHECK(close(lrs[g], want_lr[g]));
        }
        const double mom = fb::one_cycle_mom(pos, run.opts);
        for (const double want : row.at("mom").get<std::vector<double>>()) {
          INFO("mom " << mom << " vs fastai " << want);
          CHECK(close(mom, want));
        }
      }
    }
  }
  CHECK_THROWS_AS(fb::one_cycle_pos(0, 0, 0, 7), fb::value_error);
}

TEST_CASE("one-cycle shape: warm-up to lr_max, then down to lr_max/div_final",
          "[optim][schedule]") {
  CHECK(fb::one_cycle_lr(1e-2, 0.0) == Approx(1e-2 / 25));
  CHECK(fb::one_cycle_lr(1e-2, 0.25) == Approx(1e-2));
  CHECK(fb::one_cycle_lr(1e-2, 1.0) == Approx(1e-2 / 1e5));
  CHECK(fb::one_cycle_mom(0.0) == Approx(0.95));
  CHECK(fb::one_cycle_mom(0.25) == Approx(0.85));
  CHECK(fb::one_cycle_mom(1.0) == Approx(0.95));
}
