// The op vocabulary: arithmetic and promotion, broadcasting, comparisons, where, unary math,
// reductions and matmul, each against a naive reference.
#include <cmath>
#include <limits>
#include <vector>

#include <fastblock/tensor.hpp>

#include "catch.hpp"

using namespace fastblock;
using Catch::Matchers::Contains;

namespace {
std::vector<double> doubles_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  std::vector<double> out;
  dispatch(c.dtype(), [&]<class T>() {
    for (T v : c.span<T>()) out.push_back(static_cast<double>(v));
  });
  return out;
}
}  // namespace

TEST_CASE("arithmetic promotes dtypes like PyTorch", "[ops]") {
  const Tensor i = tensor({1, 2, 3});
  const Tensor f = tensor({0.5f, 1.5f, 2.5f});
  CHECK((i + i).dtype() == int64);
  CHECK((i + f).dtype() == float32);
  CHECK((i + 1).dtype() == int64);
  CHECK((i + 0.5).dtype() == float32);
  CHECK((i / 2).dtype() == float32);
  CHECK(doubles_of(i / 2) == std::vector<double>{0.5, 1.0, 1.5});
  CHECK((tensor({std::uint8_t{250}}) + 10).dtype() == uint8);
  CHECK(doubles_of(tensor({std::uint8_t{250}}) + 10) ==
        std::vector<double>{4});  // wraps, as uint8 does
  CHECK((tensor({true, false}) + tensor({true, true})).dtype() == int64);
  CHECK(doubles_of(1 - f) == std::vector<double>{0.5, -0.5, -1.5});
  CHECK(doubles_of(2 * i - i * i) == std::vector<double>{1, 0, -3});
  CHECK(doubles_of(-i) == std::vector<double>{-1, -2, -3});
  CHECK(doubles_of(maximum(i, tensor({2, 2, 2}))) == std::vector<double>{2, 2, 3});
  CHECK(doubles_of(minimum(i, tensor({2, 2, 2}))) == std::vector<double>{1, 2, 2});
  CHECK_THROWS_WITH(-tensor({true}), Contains("cannot negate a bool tensor"));
}

TEST_CASE("broadcasting aligns trailing dimensions and names both shapes on mismatch", "[ops]") {
  const Tensor a = arange(6).reshape({2, 3}).to(float32);
  CHECK(doubles_of(a + tensor({10.0f, 20.0f, 30.0f})) == std::vector<double>{10, 21, 32, 13, 24, 35});
  CHECK(doubles_of(a + tensor({100.0f, 200.0f}).unsqueeze(1)) ==
        std::vector<double>{100, 101, 102, 203, 204, 205});
  CHECK((a + scalar_tensor(1.0f)).shape() == Shape{2, 3});
  CHECK((zeros({4, 1, 3}) + zeros({2, 1})).shape() == Shape{4, 2, 3});
  CHECK_THROWS_AS(zeros({64, 20}) + zeros({64, 19}), shape_error);
  CHECK_THROWS_WITH(zeros({64, 20}) * zeros({64, 19}),
                    Contains("fastblock::mul: cannot broadcast shapes [64, 20] and [64, 19]") &&
                        Contains("dimension 1 has sizes 20 and 19"));
}

TEST_CASE("large ops on strided views agree with a naive loop", "[ops]") {
  // Big enough to be split over the thread pool; a transposed operand takes the strided path.
  Generator gen(7);
  const Tensor a = randn({300, 257}, gen), b = randn({257, 300}, gen);
  const Tensor c = a * b.t() + 1;
  const Tensor ac = a.contiguous(), bc = b.t().contiguous();
  const float* pa = ac.data<float>();
  const float* pb = bc.data<float>();
  const Tensor cc = c.contiguous();
  const float* pc = cc.data<float>();
  bool same = true;
  for (std::int64_t i = 0; i < a.numel(); ++i) same = same && pc[i] == pa[i] * pb[i] + 1;
  CHECK(same);
  const Tensor row = a + tensor({1.0f}).expand({257});
  CHECK(row.at<float>({299, 256}) == a.at<float>({299, 256}) + 1);
}

TEST_CASE("comparisons give bool masks; ~, & and | combine them", "[ops]") {
  const Tensor t = tensor({0.0f, 1.0f, 2.0f});
  const Tensor m = t == 1;
  CHECK(m.dtype() == boolean);
  CHECK(doubles_of(m) == std::vector<double>{0, 1, 0});
  CHECK(doubles_of(~m) == std::vector<double>{1, 0, 1});
  CHECK(doubles_of(t > 0.5) == std::vector<double>{0, 1, 1});
  CHECK(doubles_of(t <= 1) == std::vector<double>{1, 1, 0});
  CHECK(doubles_of(t != t) == std::vector<double>{0, 0, 0});
  CHECK(doubles_of((t > 0) & (t < 2)) == std::vector<double>{0, 1, 0});
  CHECK(doubles_of((t < 1) | (t > 1)) == std::vector<double>{1, 0, 1});
  CHECK(doubles_of(tensor({true, false}) == 1) == std::vector<double>{1, 0});
  CHECK_THROWS_WITH(~t, Contains("must be a bool tensor, got float32 tensor of shape [3]"));
}

TEST_CASE("where selects elementwise with broadcasting", "[ops]") {
  const Tensor c = tensor({true, false, true});
  CHECK(doubles_of(where(c, tensor({1, 2, 3}), tensor({-1, -2, -3}))) == std::vector<double>{1, -2, 3});
  CHECK(doubles_of(where(c, tensor({1.0f, 2.0f, 3.0f}), 0)) == std::vector<double>{1, 0, 3});
  CHECK(doubles_of(where(c, 5, tensor({7, 8, 9}))) == std::vector<double>{5, 8, 5});
  CHECK(where(c, 1, 0).dtype() == int64);
  CHECK(where(c, 1.0, 0).dtype() == float32);
  CHECK(where(c.unsqueeze(1), zeros({1, 4}), ones({3, 1})).shape() == Shape{3, 4});
  CHECK_THROWS_WITH(where(tensor({1.0f}), zeros({1}), zeros({1})),
                    Contains("the condition must be a bool tensor"));
  CHECK_THROWS_WITH(where(c, zeros({2}), zeros({3})),
                    Contains("cannot broadcast condition [3], input [2] and other [3]"));
}

TEST_CASE("the seed's hand-written binary cross-entropy works as written", "[ops][seed]") {
  // def binary_cross_entropy(inputs, targets):
  //     inputs = inputs.sigmoid()
  //     return -torch.where(targets==1, inputs, 1-inputs).log().mean()
  auto binary_cross_entropy = [](Tensor inputs, const Tensor& targets) {
    inputs = inputs.sigmoid();
    return -where(targets == 1, inputs, 1 - inputs).log().mean();
  };
  const Tensor activs = tensor({{1.1090f, -1.4315f, 2.8930f}, {0.5827f, 3.0797f, 2.5147f}});
  const Tensor targets = tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 1.0f}});
  double expected = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      const double p = 1 / (1 + std::exp(-static_cast<double>(activs.at<float>({i, j}))));
      expected -= std::log(targets.at<float>({i, j}) == 1 ? p : 1 - p) / 6;
    }
  const Tensor loss = binary_cross_entropy(activs, targets);
  CHECK(loss.dim() == 0);
  CHECK(loss.item<double>() == Approx(expected).epsilon(1e-6));
}

TEST_CASE("unary math is stable at the extremes", "[ops]") {
  const Tensor x = tensor({-1000.0f, -1.0f, 0.0f, 1.0f, 1000.0f});
  const auto s = doubles_of(x.sigmoid());
  CHECK(s[0] == 0.0);
  CHECK(s[2] == 0.5);
  CHECK(s[3] == Approx(1 / (1 + std::exp(-1.0))));
  CHECK(s[4] == 1.0);
  CHECK(doubles_of(relu(x)) == std::vector<double>{0, 0, 0, 1, 1000});
  CHECK(doubles_of(abs(tensor({-3, 4}))) == std::vector<double>{3, 4});
  CHECK(abs(tensor({-3, 4})).dtype() == int64);
  CHECK(exp(tensor({0, 1})).dtype() == float32);
  CHECK(doubles_of(exp(tensor({0.0f})))[0] == 1.0);
  CHECK(std::isinf(doubles_of(log(tensor({0.0f})))[0]));
  CHECK(doubles_of(sqrt(tensor({4.0f, 9.0f}))) == std::vector<double>{2, 3});
  CHECK(doubles_of(tensor({2.0f, 3.0f}).pow(2)) == std::vector<double>{4, 9});
  CHECK(doubles_of(tensor({4.0f}).pow(0.5)) == std::vector<double>{2});
  CHECK(doubles_of(tensor({-2.0f, 0.5f, 7.0f}).clamp(0, 1)) == std::vector<double>{0, 0.5, 1});
  CHECK(doubles_of(tensor({-2, 5}).clamp(0, 1)) == std::vector<double>{0, 1});
  CHECK_THROWS_AS(tensor({1.0f}).clamp(1, 0), value_error);
  CHECK(doubles_of(tanh(tensor({0.0f})))[0] == 0.0);
}

TEST_CASE("reductions along a dimension and over everything", "[ops]") {
  const Tensor x = tensor({{1.0f, 5.0f, 3.0f}, {4.0f, 2.0f, 6.0f}});
  CHECK(x.sum().item<float>() == 21.0f);
  CHECK(doubles_of(x.sum(0)) == std::vector<double>{5, 7, 9});
  CHECK(doubles_of(x.sum(1)) == std::vector<double>{9, 12});
  CHECK(x.sum(1, true).shape() == Shape{2, 1});
  CHECK(x.sum(-1).shape() == Shape{2});
  CHECK(x.mean().item<float>() == 3.5f);
  CHECK(doubles_of(x.mean(0)) == std::vector<double>{2.5, 3.5, 4.5});
  CHECK(x.max().item<float>() == 6.0f);
  CHECK(doubles_of(x.max(1)) == std::vector<double>{5, 6});
  CHECK(doubles_of(x.min(0)) == std::vector<double>{1, 2, 3});
  CHECK(x.argmax().item<std::int64_t>() == 5);
  CHECK(doubles_of(x.argmax(1)) == std::vector<double>{1, 2});
  CHECK(x.argmax(1).dtype() == int64);
  CHECK(doubles_of(x.argmin(0, true)) == std::vector<double>{0, 1, 0});
  CHECK(x.argmin(0, true).shape() == Shape{1, 3});
  CHECK(doubles_of(x.t().sum(1)) == std::vector<double>{5, 7, 9});  // strided input

  CHECK(tensor({1, 2, 3}).sum().dtype() == int64);
  CHECK(tensor({true, true, false}).sum().item<int>() == 2);
  CHECK(tensor({1, 2}).mean().dtype() == float32);
  CHECK(doubles_of(tensor({3, 1, 3}).argmax()) == std::vector<double>{0});  // first of equal maxima
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(tensor({1.0f, nan, 3.0f}).argmax().item<int>() == 1);
  CHECK(std::isnan(tensor({1.0f, nan, 3.0f}).max().item<float>()));
  CHECK(std::isnan(zeros({0}).mean().item<float>()));
  CHECK(zeros({0}).sum().item<float>() == 0.0f);
  CHECK_THROWS_WITH(zeros({0, 3}).max(),
                    Contains("cannot reduce an empty float32 tensor of shape [0]"));
  CHECK_THROWS_WITH(x.sum(2), Contains("fastblock::sum: dimension 2 is out of range"));
  CHECK(scalar_tensor(4.0f).sum(0).item<float>() == 4.0f);
  CHECK(tensor({1.0f, 0.0f}).any());
  CHECK_FALSE(tensor({1.0f, 0.0f}).all());
  CHECK(zeros({0}).all());
}

TEST_CASE("large sums are exact to float precision and independent of thread count", "[ops]") {
  const std::int64_t n = 1'000'003;
  const Tensor x = ones({n});
  CHECK(x.sum().item<double>() == static_cast<double>(n));
  CHECK(x.mean().item<float>() == 1.0f);
  Generator gen(3);
  const Tensor r = rand({n}, gen);
  double ref = 0;
  for (float v : r.span<float>()) ref += v;
  CHECK(r.sum().item<double>() == Approx(ref).epsilon(1e-6));
}

namespace {
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const std::int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = zeros({m, n});
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < k; ++p) acc += double(a.at<float>({i, p})) * b.at<float>({p, j});
      out[i][j].fill_(acc);
    }
  return out;
}
}  // namespace

TEST_CASE("matmul follows PyTorch's rules and matches a naive product", "[ops][matmul]") {
  Generator gen(1);
  const Tensor a = randn({7, 5}, gen), b = randn({5, 3}, gen);
  CHECK(allclose(matmul(a, b), naive_matmul(a, b), 1e-5, 1e-5));
  // Transposed operands map without a copy; sliced ones with a row stride too.
  const Tensor at = randn({5, 7}, gen), bt = randn({3, 5}, gen);
  CHECK(allclose(matmul(at.t(), bt.t()), naive_matmul(at.t(), bt.t()), 1e-5, 1e-5));
  const Tensor wide = randn({7, 10}, gen);
  CHECK(allclose(matmul(wide.slice(1, 0, 10, 2), b), naive_matmul(wide.slice(1, 0, 10, 2), b), 1e-5,
                 1e-5));
  // Large enough to run in row blocks on the thread pool.
  const Tensor big_a = randn({130, 257}, gen), big_b = randn({257, 96}, gen);
  CHECK(allclose(matmul(big_a, big_b), naive_matmul(big_a, big_b), 1e-4, 1e-4));

  const Tensor v = randn({5}, gen);
  CHECK(matmul(a, v).shape() == Shape{7});
  CHECK(matmul(v, b).shape() == Shape{3});
  CHECK(matmul(v, v).dim() == 0);
  CHECK(matmul(v, v).item<float>() == Approx((v * v).sum().item<float>()));
  const Tensor batch = randn({4, 7, 5}, gen);
  const Tensor out = matmul(batch, b);
  CHECK(out.shape() == Shape{4, 7, 3});
  CHECK(allclose(out[2], naive_matmul(batch[2], b), 1e-5, 1e-5));
  CHECK(matmul(randn({2, 1, 7, 5}, gen), randn({3, 5, 2}, gen)).shape() == Shape{2, 3, 7, 2});
  CHECK(matmul(zeros({2, 0}), zeros({0, 3})).sum().item<float>() == 0.0f);

  CHECK_THROWS_WITH(matmul(zeros({64, 20}), zeros({19, 5})),
                    Contains("shapes [64, 20] and [19, 5] cannot be multiplied (20 != 19)"));
  CHECK_THROWS_WITH(matmul(tensor({{1, 2}}), tensor({{1}, {2}})),
                    Contains("expected float32 operands"));
  CHECK_THROWS_AS(matmul(scalar_tensor(1.0f), zeros({1})), shape_error);
}

TEST_CASE("in-place updates write through views", "[ops]") {
  Tensor w = ones({2, 3});
  w[1].mul_(3);
  CHECK(doubles_of(w) == std::vector<double>{1, 1, 1, 3, 3, 3});
  w.add_(ones({3}), 0.5);
  CHECK(doubles_of(w) == std::vector<double>{1.5, 1.5, 1.5, 3.5, 3.5, 3.5});
  w.sub_(w).add_(2).div_(4);
  CHECK(doubles_of(w) == std::vector<double>{0.5, 0.5, 0.5, 0.5, 0.5, 0.5});
  CHECK_THROWS_AS(w.add_(ones({3, 3})), shape_error);
}

TEST_CASE("equal and allclose compare whole tensors", "[ops]") {
  CHECK(equal(tensor({1, 2}), tensor({1, 2})));
  CHECK_FALSE(equal(tensor({1, 2}), tensor({1, 2, 3}).slice(0, 0, 2).unsqueeze(0)));
  CHECK(allclose(tensor({1.0f}), tensor({1.0f + 1e-7f})));
  CHECK_FALSE(allclose(tensor({1.0f}), tensor({1.1f})));
  CHECK_FALSE(allclose(tensor({std::nanf("")}), tensor({std::nanf("")})));
}

TEST_CASE("where(cond) gives the indices of true elements per dimension", "[tensor][ops]") {
  // The seed's `torch.where(dsets.train[0][1]==1.)[0]`.
  const Tensor y = tensor({0.f, 0.f, 1.f, 0.f, 1.f});
  const auto idxs = where(y == 1.);
  REQUIRE(idxs.size() == 1);
  CHECK(repr(idxs[0]) == "tensor([2, 4])");
  const auto rc = where(tensor({{true, false}, {false, true}, {true, true}}));
  REQUIRE(rc.size() == 2);
  CHECK(repr(rc[0]) == "tensor([0, 1, 2, 2])");
  CHECK(repr(rc[1]) == "tensor([0, 1, 0, 1])");
  // A non-contiguous view, no true element, and a non-bool argument.
  const auto t = where(tensor({{true, false}, {true, false}}).t());
  CHECK(repr(t[0]) == "tensor([0, 0])");
  CHECK(repr(t[1]) == "tensor([0, 1])");
  CHECK(where(zeros({3}) == 1.)[0].numel() == 0);
  CHECK_THROWS_AS(where(zeros({3})), dtype_error);
}
