// The Optimizer (optim/optimizer.hpp) against fastai's own optimisers: five steps of Adam and SGD
// (decoupled and L2 weight decay, with and without weight decay on bias and batchnorm, SGD
// without momentum) over two parameter groups whose learning rates and momentum change between
// steps, from tests/golden/optim/optimizer.json (written by
// tests/golden/make_optimizer_fixture.py with fastai.optimizer); then the rules fastai's Learner
// adds (frozen parameters, buffers, lr_mult/wd_mult), per-parameter step counts, checkpoint and
// resume through state_dict, and the errors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "json_fixture.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <fastblock/nn/parameter.hpp>
#include <fastblock/optim/optimizer.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;

namespace {

nlohmann::json load_optimizer_fixture() { return fastblock_test::load_json_fixture("optim/optimizer.json"); }

std::vector<float> values_of(const fb::Tensor& t) {
  const fb::Tensor c = t.contiguous();
  return {c.data<float>(), c.data<float>() + c.numel()};
}

fb::Tensor tensor_of(const std::vector<float>& v, const fb::Shape& shape) {
  return fb::from_vector(std::span<const float>(v), shape);
}

/// |got − want| ≤ 1e-6·|want| + 1e-7 for every element; one assertion per array.
void check_close(const std::vector<float>& got, const std::vector<float>& want,
                 const std::string& what) {
  REQUIRE(got.size() == want.size());
  std::size_t bad = 0, first_bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double w = want[i], err = std::abs(static_cast<double>(got[i]) - w);
    if (!(err <= 1e-6 * std::abs(w) + 1e-7) && bad++ == 0) first_bad = i;
  }
  std::ostringstream msg;
  msg << what << ": " << bad << " of " << got.size() << " elements out of tolerance";
  if (bad > 0)
    msg << "; first: element " << first_bad << ", got " << got[first_bad] << ", expected "
        << want[first_bad];
  INFO(msg.str());
  CHECK(bad == 0);
}

fb::ParamKind kind_of(const std::string& k) {
  if (k == "bias") return fb::ParamKind::bias;
  if (k == "batchnorm") return fb::ParamKind::batchnorm;
  return fb::ParamKind::weight;
}

/// The fixture's parameters, in stable storage, and their groups.
struct Model {
  std::vector<std::unique_ptr<fb::Parameter>> params;
  std::vector<std::string> names;
  std::vector<std::vector<fb::Parameter*>> groups{2};

  explicit Model(const nlohmann::json& fx) {
    for (const auto& p : fx.at("params")) {
      const auto shape_v = p.at("shape").get<std::vector<std::int64_t>>();
      const fb::Shape shape{std::span<const std::int64_t>(shape_v)};
      params.push_back(std::make_unique<fb::Parameter>(
          fb::make_parameter(tensor_of(p.at("value").get<std::vector<float>>(), shape),
                             kind_of(p.at("kind").get<std::string>()))));
      names.push_back(p.at("name").get<std::string>());
      groups.at(p.at("group").get<std::size_t>()).push_back(params.back().get());
    }
  }
  /// Sets the gradients of step t (1-based) as the fixture has them (none where it has null).
  void set_grads(const nlohmann::json& fx, int t) {
    for (std::size_t k = 0; k < params.size(); ++k) {
      const auto& g = fx.at("params").at(k).at("grads").at(t - 1);
      if (g.is_null())
        params[k]->grad = fb::Tensor{};
      else
        params[k]->grad = tensor_of(g.get<std::vector<float>>(), params[k]->value.shape());
    }
  }
};

/// Runs `steps` fixture steps (from step `first`) with `opt`.
void run_steps(fb::Optimizer& opt, Model& m, const nlohmann::json& fx, int first, int last) {
  for (int t = first; t <= last; ++t) {
    const auto lrs = fx.at("lrs").at(t - 1).get<std::vector<double>>();
    opt.set_lrs(lrs);
    opt.set_mom(fx.at("moms").at(t - 1).get<double>());
    m.set_grads(fx, t);
    opt.step();
  }
}

}  // namespace

TEST_CASE("Optimizer matches fastai's Adam and SGD step by step", "[optim]") {
  const auto fx = load_optimizer_fixture();
  const std::map<std::string, fb::OptFunc> scenarios = {
      {"adam", fb::Adam{}},
      {"adam_l2", fb::Adam{.decouple_wd = false}},
      {"adam_wd_bn_bias", fb::Adam{.wd_bn_bias = true}},
      {"sgd", fb::SGD{.mom = 0.9f, .wd = 0.01f}},
      {"sgd_l2", fb::SGD{.mom = 0.9f, .wd = 0.01f, .decouple_wd = false}},
      {"sgd_plain", fb::SGD{.mom = 0.0f, .wd = 0.01f}},
  };
  const int steps = fx.at("steps").get<int>();
  for (const auto& [name, opt_func] : scenarios) {
    SECTION(name) {
      Model m(fx);
      fb::Optimizer opt(m.groups, opt_func, 1e-3);
      REQUIRE(opt.n_groups() == 2);
      const auto& expected = fx.at("scenarios").at(name);
      for (int t = 1; t <= steps; ++t) {
        run_steps(opt, m, fx, t, t);
        for (std::size_t k = 0; k < m.params.size(); ++k)
          check_close(values_of(m.params[k]->value),
                      expected.at(t - 1).at(m.names[k]).get<std::vector<float>>(),
                      name + " step " + std::to_string(t) + " " + m.names[k]);
      }
      // fastai keeps a step count per parameter: `late` had no gradient at steps 1 and 2.
      CHECK(opt.step_count(0, 0) == steps);
      CHECK(opt.step_count(1, 2) == steps - 2);
    }
  }
}

TEST_CASE("Optimizer leaves frozen parameters and buffers alone", "[optim]") {
  auto w = fb::make_parameter(fb::ones({4}));
  auto frozen = fb::make_parameter(fb::ones({4}));
  frozen.trainable = false;
  auto buffer = fb::make_parameter(fb::ones({4}), fb::ParamKind::buffer);
  for (auto* p : {&w, &frozen, &buffer}) p->grad = fb::full({4}, 0.5);
  fb::Optimizer opt({{&w, &frozen, &buffer}}, fb::Adam{}, 1e-2);
  opt.step();
  CHECK(values_of(frozen.value) == std::vector<float>(4, 1.0f));
  CHECK(values_of(buffer.value) == std::vector<float>(4, 1.0f));
  CHECK(values_of(w.value) != std::vector<float>(4, 1.0f));
  CHECK(opt.step_count(0, 1) == 0);
  // Unfrozen later, it starts its own count at 1 (fastai's per-parameter state).
  frozen.trainable = true;
  opt.step();
  CHECK(opt.step_count(0, 0) == 2);
  CHECK(opt.step_count(0, 1) == 1);
  CHECK(values_of(frozen.value) != std::vector<float>(4, 1.0f));
  CHECK(values_of(buffer.value) == std::vector<float>(4, 1.0f));
}

TEST_CASE("Optimizer gives bias and batchnorm parameters no weight decay by default", "[optim]") {
  // A zero gradient: Adam's update is 0, so only weight decay can move a parameter.
  auto weight = fb::make_parameter(fb::ones({3}));
  auto bias = fb::make_parameter(fb::ones({3}), fb::ParamKind::bias);
  auto bn = fb::make_parameter(fb::ones({3}), fb::ParamKind::batchnorm);
  for (auto* p : {&weight, &bias, &bn}) p->grad = fb::zeros({3});
  SECTION("Adam, decoupled") {
    fb::Optimizer opt({{&weight, &bias, &bn}}, fb::Adam{.wd = 0.1f}, 0.5);
    opt.step();
    CHECK(values_of(weight.value)[0] == Approx(1.0 - 0.5 * 0.1).epsilon(1e-6));
    CHECK(values_of(bias.value) == std::vector<float>(3, 1.0f));
    CHECK(values_of(bn.value) == std::vector<float>(3, 1.0f));
  }
  SECTION("wd_bn_bias decays them too") {
    fb::Optimizer opt({{&weight, &bias, &bn}}, fb::Adam{.wd = 0.1f, .wd_bn_bias = true}, 0.5);
    opt.step();
    CHECK(values_of(bias.value)[0] == Approx(0.95).epsilon(1e-6));
    CHECK(values_of(bn.value)[0] == Approx(0.95).epsilon(1e-6));
  }
  SECTION("SGD, L2: wd·p is added to the gradient in place, as fastai's l2_reg") {
    fb::Optimizer opt({{&weight, &bias}}, fb::SGD{.wd = 0.1f, .decouple_wd = false}, 0.5);
    opt.step();
    CHECK(values_of(weight.grad)[0] == Approx(0.1).epsilon(1e-6));
    CHECK(values_of(weight.value)[0] == Approx(1.0 - 0.5 * 0.1).epsilon(1e-6));
    CHECK(values_of(bias.grad)[0] == 0.0f);
    CHECK(values_of(bias.value)[0] == 1.0f);
  }
}

TEST_CASE("Optimizer applies lr_mult and wd_mult per parameter", "[optim]") {
  const fb::Tensor g = fb::tensor({0.3f, -0.7f, 1.1f});
  auto a = fb::make_parameter(fb::tensor({1.0f, -2.0f, 0.5f}));
  auto b = fb::make_parameter(fb::tensor({1.0f, -2.0f, 0.5f}));
  a.lr_mult = 0.5f;
  a.wd_mult = 4.0f;
  fb::Optimizer opt_a({{&a}}, fb::Adam{.wd = 0.01f}, 1e-2);
  fb::Optimizer opt_b({{&b}}, fb::Adam{.wd = 0.01f}, 0.5e-2);
  opt_b.set_wd(0.04f);  // wd·wd_mult, as a float like Adam::wd
  for (int t = 0; t < 3; ++t) {
    a.grad = g.clone();
    b.grad = g.clone();
    opt_a.step();
    opt_b.step();
  }
  CHECK(values_of(a.value) == values_of(b.value));
}

TEST_CASE("Optimizer hyper-parameters per group", "[optim]") {
  auto p = fb::make_parameter(fb::ones({2}));
  auto q = fb::make_parameter(fb::ones({2}));
  auto r = fb::make_parameter(fb::ones({2}));
  fb::Optimizer opt({{&p}, {&q}, {&r}}, fb::SGD{.mom = 0.9f}, 0.1);
  CHECK(opt.n_groups() == 3);
  CHECK(opt.lr(2) == 0.1);
  CHECK(opt.mom(1) == Approx(0.9));
  const std::vector<double> lrs{1e-4, 1e-3, 1e-2};
  opt.set_lrs(lrs);
  CHECK(opt.lr(0) == 1e-4);
  CHECK(opt.lr(2) == 1e-2);
  opt.set_mom(0.85);
  CHECK(opt.mom(2) == 0.85);
  opt.set_wd(0.1);
  CHECK(opt.wd(0) == 0.1);
  CHECK(opt.params(1).front() == &q);
  CHECK(fb::opt_name(opt.opt_func()) == "SGD");
}

TEST_CASE("Optimizer::zero_grad clears every group's gradients", "[optim]") {
  auto p = fb::make_parameter(fb::ones({2}));
  auto q = fb::make_parameter(fb::ones({3}));
  p.grad = fb::full({2}, 2.0);
  q.grad = fb::full({3}, 3.0);
  fb::Optimizer opt({{&p}, {&q}}, fb::Adam{}, 0.1);
  opt.zero_grad();
  CHECK(values_of(p.grad) == std::vector<float>(2, 0.0f));
  CHECK(values_of(q.grad) == std::vector<float>(3, 0.0f));
}

TEST_CASE("Optimizer state_dict: a resumed run continues exactly as an uninterrupted one",
          "[optim]") {
  const auto fx = load_optimizer_fixture();
  for (const auto& opt_func :
       {fb::OptFunc{fb::Adam{}}, fb::OptFunc{fb::SGD{.mom = 0.9f, .wd = 0.01f}}}) {
    DYNAMIC_SECTION(fb::opt_name(opt_func)) {
      Model straight(fx);
      fb::Optimizer opt(straight.groups, opt_func, 1e-3);
      run_steps(opt, straight, fx, 1, 5);

      Model first(fx);
      fb::Optimizer opt1(first.groups, opt_func, 1e-3);
      run_steps(opt1, first, fx, 1, 3);
      const fb::StateDict sd = opt1.state_dict();
      CHECK(sd.contains("opt"));
      CHECK(sd.contains("group.1.lr"));
      CHECK(sd.at("state.1.2.step").item<std::int64_t>() == 1);  // `late` stepped once
      // Saving copies: more steps of the first optimiser do not change what was saved.
      const auto saved = values_of(sd.at(
          std::holds_alternative<fb::Adam>(opt_func) ? "state.0.0.exp_avg" : "state.0.0.momentum"));
      run_steps(opt1, first, fx, 4, 4);
      CHECK(values_of(sd.at(std::holds_alternative<fb::Adam>(opt_func) ? "state.0.0.exp_avg"
                                                                       : "state.0.0.momentum")) ==
            saved);

      // A fresh model holding the weights after step 3 (as a checkpoint of the model would) and
      // a fresh optimiser loaded from the dict.
      Model again(fx);
      fb::Optimizer opt_again(again.groups, opt_func, 1e-3);
      run_steps(opt_again, again, fx, 1, 3);
      Model resumed(fx);
      for (std::size_t k = 0; k < resumed.params.size(); ++k)
        resumed.params[k]->value = again.params[k]->value.clone();
      fb::Optimizer opt2(resumed.groups, opt_func, 1.0);
      opt2.load_state_dict(sd);
      CHECK(opt2.step_count(1, 2) == 1);
      CHECK(opt2.lr(1) == Approx(fx.at("lrs").at(2).at(1).get<double>()).epsilon(1e-6));
      run_steps(opt2, resumed, fx, 4, 5);
      for (std::size_t k = 0; k < resumed.params.size(); ++k)
        CHECK(values_of(resumed.params[k]->value) == values_of(straight.params[k]->value));
    }
  }
}

TEST_CASE("Optimizer::clear_state forgets moments and step counts", "[optim]") {
  auto p = fb::make_parameter(fb::ones({2}));
  p.grad = fb::ones({2});
  fb::Optimizer opt({{&p}}, fb::Adam{}, 0.1);
  opt.step();
  opt.step();
  CHECK(opt.step_count(0, 0) == 2);
  opt.clear_state();
  CHECK(opt.step_count(0, 0) == 0);
  CHECK(opt.state_dict().size() == 4);  // opt and one group's lr, mom, wd
}

TEST_CASE("Optimizer errors name what is wrong", "[optim]") {
  auto p = fb::make_parameter(fb::ones({2, 3}));
  fb::Optimizer opt({{&p}, {}}, fb::Adam{}, 0.1);

  const std::vector<double> three{1, 2, 3};
  CHECK_THROWS_AS(opt.set_lrs(three), fb::shape_error);
  CHECK_THAT(error_of<fb::shape_error>([&] { opt.set_lrs(three); }),
             Contains("got 3 learning rates for 2 parameter groups"));
  CHECK_THROWS_AS(opt.set_moms(three), fb::shape_error);
  CHECK_THAT(error_of<fb::index_error>([&] { (void)opt.lr(2); }),
             Contains("group 2 is out of range for 2 groups"));
  CHECK_THROWS_AS(fb::Optimizer({}, fb::Adam{}, 0.1), fb::value_error);
  CHECK_THAT(error_of<fb::value_error>([&] { fb::Optimizer({{nullptr}}, fb::SGD{}, 0.1); }),
             Contains("parameter 0 of group 0 is null"));
  CHECK_THROWS_AS(fb::Optimizer({{&p}}, fb::SGD{}, -1.0), fb::value_error);

  p.grad = fb::ones({3, 2});
  CHECK_THAT(error_of<fb::shape_error>([&] { opt.step(); }),
             Contains("expected a float32 gradient of the parameter's shape and device"));

  // A state dict of another optimiser, another number of groups, or mismatched shapes.
  p.grad = fb::ones({2, 3});
  opt.step();
  auto sd = opt.state_dict();
  fb::Optimizer sgd({{&p}, {}}, fb::SGD{.mom = 0.9f}, 0.1);
  CHECK_THAT(error_of<fb::value_error>([&] { sgd.load_state_dict(sd); }),
             Contains("the state is for Adam, this optimiser is SGD"));
  fb::Optimizer one_group({{&p}}, fb::Adam{}, 0.1);
  CHECK_THAT(error_of<fb::value_error>([&] { one_group.load_state_dict(sd); }),
             Contains("the state has 2 parameter groups, this optimiser 1"));
  auto q = fb::make_parameter(fb::ones({6}));
  fb::Optimizer other_shape({{&q}, {}}, fb::Adam{}, 0.1);
  CHECK_THAT(error_of<fb::shape_error>([&] { other_shape.load_state_dict(sd); }),
             Contains("'state.0.0.exp_avg' has shape [2, 3], its parameter [6]"));
  fb::Optimizer no_param({{}, {}}, fb::Adam{}, 0.1);
  CHECK_THROWS_AS(no_param.load_state_dict(sd), fb::index_error);
}

TEST_CASE("Optimizer copies have their own state", "[optim]") {
  auto p = fb::make_parameter(fb::ones({3}));
  p.grad = fb::full({3}, 0.5);
  fb::Optimizer opt({{&p}}, fb::Adam{}, 0.1);
  opt.step();
  const fb::Optimizer copy = opt;
  const auto saved = values_of(copy.state_dict().at("state.0.0.exp_avg"));
  opt.step();
  CHECK(values_of(copy.state_dict().at("state.0.0.exp_avg")) == saved);
  CHECK(values_of(opt.state_dict().at("state.0.0.exp_avg")) != saved);
  CHECK(copy.step_count(0, 0) == 1);
  CHECK(copy.params(0).front() == &p);  // the same borrowed parameter
}
