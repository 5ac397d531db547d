// Tensor: construction, metadata, element access, views and copies.
#include <fastblock/tensor.hpp>

#include "catch.hpp"

using namespace fastblock;
using Catch::Matchers::Contains;

namespace {
std::vector<float> values(const Tensor& t) {
  const Tensor c = t.contiguous().to(float32);
  const auto s = c.span<float>();
  return {s.begin(), s.end()};
}
}  // namespace

TEST_CASE("tensors are created from values, shapes and fills", "[tensor]") {
  const Tensor t = tensor({6, 11, 13, 0});
  CHECK(t.dtype() == int64);
  CHECK(t.shape() == Shape{4});
  CHECK(t.at<int>({2}) == 13);
  CHECK(tensor({1.5f, 2.5f}).dtype() == float32);
  CHECK(tensor({1.5, 2.5}).dtype() == float32);
  CHECK(tensor({true, false}).dtype() == boolean);
  CHECK(tensor({std::uint8_t{255}}).dtype() == uint8);

  const Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(m.shape() == Shape{2, 3});
  CHECK(m.at<int>({1, 2}) == 6);
  CHECK(m.at<int>({-1, -1}) == 6);
  CHECK_THROWS_WITH(tensor({{1, 2}, {3}}), Contains("row 1 has 1 values, expected 2"));

  CHECK(values(zeros({2, 2})) == std::vector<float>{0, 0, 0, 0});
  CHECK(values(ones({3}, int64)) == std::vector<float>{1, 1, 1});
  CHECK(full({2}, 7).dtype() == int64);
  CHECK(full({2}, 0.5).dtype() == float32);
  CHECK(values(full({2}, 0.5)) == std::vector<float>{0.5f, 0.5f});
  CHECK(scalar_tensor(3.0f).dim() == 0);
  CHECK(scalar_tensor(3.0f).item<float>() == 3.0f);
  CHECK(Tensor().numel() == 0);
  CHECK_THROWS_AS(Tensor({2, -1}), shape_error);
  CHECK_THROWS_WITH(from_vector(std::vector<float>{1, 2, 3}).reshape({2, 2}),
                    Contains("cannot view a tensor of shape [3] (3 elements) as shape [2, 2]"));
}

TEST_CASE("ranges follow PyTorch", "[tensor]") {
  CHECK(values(arange(5)) == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange(5).dtype() == int64);
  CHECK(arange(0.0, 1.0, 0.25).dtype() == float32);
  CHECK(values(arange(0.0, 1.0, 0.25)) == std::vector<float>{0, 0.25f, 0.5f, 0.75f});
  CHECK(values(arange(5, 0, -2)) == std::vector<float>{5, 3, 1});
  CHECK(arange(3, 3).numel() == 0);
  CHECK_THROWS_AS(arange(0, 1, 0), value_error);
  const Tensor l = linspace(0.05, 0.95, 29);
  CHECK(l.numel() == 29);
  CHECK(l.at<float>({0}) == 0.05f);
  CHECK(l.at<float>({28}) == 0.95f);
  CHECK(l.at<float>({14}) == Approx(0.5f));
  CHECK(linspace(1, 2, 1).at<float>({0}) == 1.0f);
}

TEST_CASE("item and at check their arguments", "[tensor]") {
  const Tensor t = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  CHECK_THROWS_WITH(
      t.item(), Contains("expected a tensor with one element, got float32 tensor of shape [2, 2]"));
  CHECK_THROWS_WITH(t.at({2, 0}), Contains("index 2 is out of range for dimension 0"));
  CHECK_THROWS_WITH(t.at({0}), Contains("1 indices for a float32 tensor of shape [2, 2]"));
  CHECK_THROWS_WITH(t.data<std::int64_t>(), Contains("expected dtype int64, got float32 tensor"));
  CHECK(t[1][0].item<float>() == 3.0f);
  CHECK(t.sum().item<double>() == 10.0);
}

TEST_CASE("copies share storage; clone does not", "[tensor]") {
  Tensor a = zeros({3});
  Tensor b = a;  // NOLINT(performance-unnecessary-copy-initialization): sharing is the point
  b.fill_(2);
  CHECK(a.at<float>({1}) == 2.0f);
  CHECK(a.shares_storage(b));
  Tensor c = a.clone();
  c.fill_(5);
  CHECK(a.at<float>({1}) == 2.0f);
  CHECK_FALSE(c.shares_storage(a));
}

TEST_CASE("views select, slice, reshape, permute and expand without copying", "[tensor]") {
  const Tensor x = arange(24).reshape({2, 3, 4});
  CHECK(x.is_contiguous());

  const Tensor row = x[1];
  CHECK(row.shape() == Shape{3, 4});
  CHECK(row.shares_storage(x));
  CHECK(row.at<int>({0, 0}) == 12);
  CHECK(x.select(2, -1).at<int>({1, 2}) == 23);

  const Tensor s = x.slice(2, 1, 4, 2);
  CHECK(s.shape() == Shape{2, 3, 2});
  CHECK(!s.is_contiguous());
  CHECK(values(s[0][0]) == std::vector<float>{1, 3});
  CHECK(x.slice(0, -1, 100).shape() == Shape{1, 3, 4});
  CHECK(x.slice(1, 2, 1).shape() == Shape{2, 0, 4});
  CHECK_THROWS_AS(x.slice(0, 0, 1, 0), value_error);

  const Tensor p = x.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.at<int>({3, 1, 2}) == x.at<int>({1, 2, 3}));
  CHECK(p.shares_storage(x));
  CHECK_THROWS_WITH(x.permute({0, 0, 1}), Contains("dimension 0 appears twice"));

  const Tensor t = x.transpose(0, 2).contiguous();
  CHECK(t.is_contiguous());
  CHECK(t.at<int>({3, 2, 1}) == 23);

  CHECK(x.reshape({6, -1}).shape() == Shape{6, 4});
  CHECK(x.flatten().shape() == Shape{24});
  CHECK(x.flatten(1).shape() == Shape{2, 12});
  CHECK(x.unsqueeze(0).shape() == Shape{1, 2, 3, 4});
  CHECK(x.unsqueeze(-1).shape() == Shape{2, 3, 4, 1});
  CHECK(x.unsqueeze(1).squeeze(1).shape() == x.shape());
  CHECK(x.squeeze(0).shape() == x.shape());
  CHECK_THROWS_WITH(x.view({4, 6}).t().view({24}), Contains("expected a contiguous tensor"));
  CHECK(values(x.view({4, 6}).t().reshape({24})).at(1) == 6.0f);

  const Tensor e = tensor({1.0f, 2.0f}).unsqueeze(1).expand({2, 3});
  CHECK(e.strides() == Strides{1, 0});
  CHECK(values(e) == std::vector<float>{1, 1, 1, 2, 2, 2});
  CHECK_THROWS_WITH(tensor({1.0f, 2.0f}).expand({3}), Contains("cannot expand shape [2] to [3]"));
  CHECK_THROWS_WITH(x.size(3),
                    Contains("dimension 3 is out of range for a tensor with 3 dimensions"));
}

TEST_CASE("views stay inside their storage", "[tensor]") {
  const Tensor x = zeros({4});
  CHECK_THROWS_WITH(Tensor(x.storage(), {5}, {1}, 0, float32),
                    Contains("reaches outside a storage of 4 float32 elements"));
  CHECK_THROWS_AS(Tensor(x.storage(), {2}, {1}, 3, float32), index_error);
  CHECK_NOTHROW(Tensor(x.storage(), {2}, {-1}, 1, float32));
  CHECK_THROWS_AS(Tensor(x.storage(), {2}, {-1}, 0, float32), index_error);
  CHECK_THROWS_WITH(x[4], Contains("index 4 is out of range for dimension 0 of size 4"));
}

TEST_CASE("conversions between dtypes are defined for every value", "[tensor]") {
  const Tensor f = tensor({-1.5f, 0.0f, 2.7f, 300.0f, 1e30f});
  CHECK(values(f.to(int64)) == std::vector<float>{-1, 0, 2, 300, 9223372036854775807.0f});
  CHECK(values(f.to(uint8)) == std::vector<float>{0, 0, 2, 255, 255});
  CHECK(values(f.to(boolean)) == std::vector<float>{1, 0, 1, 1, 1});
  const Tensor nan = tensor({std::nanf("")});
  CHECK(nan.to(int64).item<std::int64_t>() == 0);
  const Tensor same = f.to(float32);
  CHECK(same.shares_storage(f));
}

TEST_CASE("copy_ broadcasts, converts and handles overlapping views", "[tensor]") {
  Tensor dst = zeros({2, 3});
  dst.copy_(tensor({1, 2, 3}));
  CHECK(values(dst) == std::vector<float>{1, 2, 3, 1, 2, 3});
  Tensor x = arange(6).to(float32);
  x.slice(0, 1, 6).copy_(x.slice(0, 0, 5));  // overlapping: must read the old values
  CHECK(values(x) == std::vector<float>{0, 0, 1, 2, 3, 4});
  CHECK_THROWS_AS(dst.copy_(zeros({4})), shape_error);
}

TEST_CASE("devices other than the CPU are refused with a clear error", "[tensor]") {
  // This test program does not include <fastblock/cuda.hpp>, so no backend is registered.
  REQUIRE_FALSE(has_backend(DeviceType::CUDA));
  CHECK_THROWS_WITH(Tensor({2}, float32, cuda), Contains("no back end for cuda:0") &&
                                                    Contains("<fastblock/cuda.hpp>") &&
                                                    Contains("fastblock::cuda"));
  CHECK_THROWS_AS(zeros({2}).to(cuda), device_error);
  CHECK_THROWS_AS(backend(cuda), device_error);
  CHECK(zeros({2}).to(cpu).device() == cpu);
}

TEST_CASE("large host blocks are recycled, and empty_host_cache frees them", "[tensor]") {
  empty_host_cache();
  const std::byte* first = nullptr;
  {
    const Tensor big = zeros({512, 512});  // 1 MiB: above the cache's 64 KiB threshold
    first = big.storage().data();
  }
  CHECK(host_cache_bytes() >= std::size_t{512} * 512 * 4);
  const Tensor again = ones({512, 512});
  CHECK(again.storage().data() == first);  // same size class: the cached block comes back
  CHECK(again.sum().item<float>() == 512.0f * 512.0f);
  const Tensor small = zeros({16});  // small blocks bypass the cache
  CHECK(host_cache_bytes() == 0);
  { const Tensor other = zeros({300, 300}); }
  CHECK(host_cache_bytes() > 0);
  empty_host_cache();
  CHECK(host_cache_bytes() == 0);
}
