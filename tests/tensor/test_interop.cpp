// Zero-copy Eigen and xtensor views of tensors.
#include <fastblock/tensor.hpp>
#include <fastblock/tensor/eigen.hpp>
#include <fastblock/tensor/xtensor.hpp>

#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "catch.hpp"

using namespace fastblock;

TEST_CASE("as_eigen maps a tensor's memory, strides included", "[interop]") {
  Tensor t = arange(6).reshape({2, 3}).to(float32);
  auto m = as_eigen<float>(t);
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 3);
  CHECK(m(1, 2) == 5.0f);
  m(0, 0) = 42.0f;  // writes go to the tensor
  CHECK(t.at<float>({0, 0}) == 42.0f);

  auto mt = as_eigen<float>(t.t());  // a transposed view, no copy
  CHECK(mt.rows() == 3);
  CHECK(mt(2, 1) == 5.0f);
  CHECK(mt.data() == t.data<float>());

  auto col = as_eigen<float>(t.select(1, 1));  // 1-D, stride 3
  CHECK(col.rows() == 2);
  CHECK(col(1, 0) == 4.0f);

  const Eigen::MatrixXf product = as_eigen<float>(t) * as_eigen<float>(t.t());
  CHECK(allclose(from_eigen(product), matmul(t, t.t())));
  CHECK_THROWS_AS(as_eigen<float>(zeros({2, 2, 2})), shape_error);
  CHECK_THROWS_AS(as_eigen<std::int64_t>(t), dtype_error);
}

TEST_CASE("as_xtensor adapts a tensor for numpy-like code", "[interop]") {
  Tensor t = arange(12).reshape({3, 4}).to(float32);
  auto a = as_xtensor<float>(t);
  CHECK(a.dimension() == 2);
  CHECK(a(2, 3) == 11.0f);
  const xt::xtensor<float, 1> sums = xt::sum(a, {1});
  CHECK(sums(1) == 22.0f);
  a(0, 1) = -1.0f;
  CHECK(t.at<float>({0, 1}) == -1.0f);

  auto v = as_xtensor<float>(t.slice(1, 0, 4, 2));  // strided view
  CHECK(v.shape()[1] == 2);
  CHECK(v(1, 1) == 6.0f);
  auto row = xt::view(a, 1, xt::all());
  CHECK(row(3) == 7.0f);
}
