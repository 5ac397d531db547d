// fastblock/tensor/ops-inl.hpp — definitions of the op vocabulary for CPU tensors.
// Included by tensor/ops.hpp in header-only builds, compiled once by src/fastblock.cpp otherwise.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <fastblock/cpu/elementwise.hpp>
#include <fastblock/cpu/matmul.hpp>
#include <fastblock/cpu/reduce.hpp>
#include <fastblock/cpu/vector_math.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/ops.hpp>

namespace fastblock {
namespace detail {

/// A 0-d tensor holding `v` as dtype `d` (broadcasts against anything).
inline Tensor scalar_tensor(Scalar v, Dtype d) {
  Tensor t(Shape{}, d);
  t.fill_(v);
  return t;
}

/// PyTorch's rule for tensor ⊕ scalar: the tensor's dtype wins unless the scalar is floating and
/// the tensor is not.
inline Dtype scalar_dtype(const Tensor& t, Scalar s) {
  return (!s.is_integral() && !is_floating(t.dtype())) ? float32 : t.dtype();
}

/// out = f(a, b) over the broadcast shape, operands converted to T, result stored as R.
template <class T, class R, class F>
Tensor binary_as(const char* op, const Tensor& a, const Tensor& b, F f) {
  require_cpu(a, op);
  require_cpu(b, op);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  const Tensor ca = a.to(dtype_of<T>).expand(shape), cb = b.to(dtype_of<T>).expand(shape);
  Tensor out(shape, dtype_of<R>);
  cpu_kernels::map_into<R>(out, f, cpu_kernels::view_of<T>(ca), cpu_kernels::view_of<T>(cb));
  return out;
}

enum class Arith { add, sub, mul, div, max, min };

inline Tensor arith(const char* op, Arith kind, const Tensor& a, const Tensor& b, Dtype compute) {
  if (kind == Arith::div) compute = float32;
  if (compute == boolean) compute = int64;  // arithmetic on masks counts, as sum() does
  return dispatch(compute, [&]<class T>() -> Tensor {
    if constexpr (std::is_same_v<T, bool>) {
      return {};
    } else {
      switch (kind) {
        case Arith::add:
          return binary_as<T, T>(op, a, b, [](T x, T y) { return static_cast<T>(x + y); });
        case Arith::sub:
          return binary_as<T, T>(op, a, b, [](T x, T y) { return static_cast<T>(x - y); });
        case Arith::mul:
          return binary_as<T, T>(op, a, b, [](T x, T y) { return static_cast<T>(x * y); });
        case Arith::div:
          return binary_as<T, T>(op, a, b, [](T x, T y) { return static_cast<T>(x / y); });
        case Arith::max:
          return binary_as<T, T>(op, a, b, [](T x, T y) { return (x != x || x > y) ? x : y; });
        case Arith::min:
          return binary_as<T, T>(op, a, b, [](T x, T y) { return (x != x || x < y) ? x : y; });
      }
      return {};
    }
  });
}

enum class Cmp { eq, ne, lt, le, gt, ge };

inline Tensor compare(const char* op, Cmp kind, const Tensor& a, const Tensor& b, Dtype compute) {
  return dispatch(compute, [&]<class T>() -> Tensor {
    switch (kind) {
      case Cmp::eq:
        return binary_as<T, bool>(op, a, b, [](T x, T y) { return x == y; });
      case Cmp::ne:
        return binary_as<T, bool>(op, a, b, [](T x, T y) { return x != y; });
      case Cmp::lt:
        return binary_as<T, bool>(op, a, b, [](T x, T y) { return x < y; });
      case Cmp::le:
        return binary_as<T, bool>(op, a, b, [](T x, T y) { return x <= y; });
      case Cmp::gt:
        return binary_as<T, bool>(op, a, b, [](T x, T y) { return x > y; });
      case Cmp::ge:
        return binary_as<T, bool>(op, a, b, [](T x, T y) { return x >= y; });
    }
    return {};
  });
}

/// out = fn(x) with x converted to float32 (the transcendental functions), vectorised.
inline Tensor unary_float(const char* op, const Tensor& x, cpu_kernels::FloatFn fn) {
  require_cpu(x, op);
  const Tensor cx = x.to(float32).contiguous();
  Tensor out(x.shape(), float32);
  cpu_kernels::apply_dense(fn, cx.data<float>(), out.data<float>(), x.numel());
  return out;
}

/// out = f(x) keeping x's dtype; f is a generic lambda, instantiated for every dtype.
template <class F>
Tensor unary_same(const char* op, const Tensor& x, F f) {
  require_cpu(x, op);
  Tensor out(x.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    cpu_kernels::map_into<T>(
        out, [&](T v) { return f(v); }, cpu_kernels::view_of<T>(x));
  });
  return out;
}

/// Shape after reducing `dim`, with or without keeping it as size 1.
inline Shape reduced_shape(const Shape& s, int dim, bool keepdim) {
  Shape out = s;
  if (keepdim)
    out[dim] = 1;
  else
    out.erase(dim);
  return out;
}

/// Applies f(ptr, n, stride) -> R along `dim` of x (as T), giving a tensor of dtype R.
template <class T, class R, class F>
Tensor reduce_along(const char* op, const Tensor& x, std::int64_t dim, bool keepdim, F f) {
  require_cpu(x, op);
  const int d = wrap_dim(dim, x.dim(), op);
  const Tensor c = x.to(dtype_of<T>).contiguous();
  std::int64_t outer = 1, inner = 1;
  const std::int64_t n = x.dim() == 0 ? 1 : x.shape()[d];
  for (int i = 0; i < d; ++i) outer *= x.shape()[i];
  for (int i = d + 1; i < x.dim(); ++i) inner *= x.shape()[i];
  Tensor out(x.dim() == 0 ? Shape{} : reduced_shape(x.shape(), d, keepdim), dtype_of<R>);
  cpu_kernels::reduce_dim(c.data<T>(), out.data<R>(), outer, n, inner, f);
  return out;
}

inline void require_nonempty(const char* op, const Tensor& x) {
  if (x.numel() == 0)
    throw shape_error(std::string("fastblock::") + op + ": cannot reduce an empty " + x.describe() +
                      " (the result is undefined)");
}

template <bool Largest>
Tensor extreme_along(const char* op, const Tensor& x, std::int64_t dim, bool keepdim) {
  require_nonempty(op, x);
  return dispatch(x.dtype(), [&]<class T>() {
    return reduce_along<T, T>(op, x, dim, keepdim, [](const T* p, std::int64_t n, std::int64_t s) {
      return p[cpu_kernels::arg_extreme<Largest>(p, n, s) * s];
    });
  });
}

template <bool Largest>
Tensor arg_extreme_along(const char* op, const Tensor& x, std::int64_t dim, bool keepdim) {
  require_nonempty(op, x);
  return dispatch(x.dtype(), [&]<class T>() {
    return reduce_along<T, std::int64_t>(op, x, dim, keepdim,
                                         [](const T* p, std::int64_t n, std::int64_t s) {
                                           return cpu_kernels::arg_extreme<Largest>(p, n, s);
                                         });
  });
}

}  // namespace detail

// --- arithmetic
// -----------------------------------------------------------------------------------

FASTBLOCK_FUNC Tensor operator+(const Tensor& a, const Tensor& b) {
  return detail::arith("add", detail::Arith::add, a, b, promote(a.dtype(), b.dtype()));
}
FASTBLOCK_FUNC Tensor operator-(const Tensor& a, const Tensor& b) {
  return detail::arith("sub", detail::Arith::sub, a, b, promote(a.dtype(), b.dtype()));
}
FASTBLOCK_FUNC Tensor operator*(const Tensor& a, const Tensor& b) {
  return detail::arith("mul", detail::Arith::mul, a, b, promote(a.dtype(), b.dtype()));
}
FASTBLOCK_FUNC Tensor operator/(const Tensor& a, const Tensor& b) {
  return detail::arith("div", detail::Arith::div, a, b, float32);
}
FASTBLOCK_FUNC Tensor maximum(const Tensor& a, const Tensor& b) {
  return detail::arith("maximum", detail::Arith::max, a, b, promote(a.dtype(), b.dtype()));
}
FASTBLOCK_FUNC Tensor minimum(const Tensor& a, const Tensor& b) {
  return detail::arith("minimum", detail::Arith::min, a, b, promote(a.dtype(), b.dtype()));
}

#define FASTBLOCK_SCALAR_ARITH(OP, NAME, KIND)                                          \
  FASTBLOCK_FUNC Tensor operator OP(const Tensor& a, Scalar b) {                        \
    const Dtype d = detail::scalar_dtype(a, b);                                         \
    return detail::arith(NAME, detail::Arith::KIND, a, detail::scalar_tensor(b, d), d); \
  }                                                                                     \
  FASTBLOCK_FUNC Tensor operator OP(Scalar a, const Tensor& b) {                        \
    const Dtype d = detail::scalar_dtype(b, a);                                         \
    return detail::arith(NAME, detail::Arith::KIND, detail::scalar_tensor(a, d), b, d); \
  }
FASTBLOCK_SCALAR_ARITH(+, "add", add)
FASTBLOCK_SCALAR_ARITH(-, "sub", sub)
FASTBLOCK_SCALAR_ARITH(*, "mul", mul)
FASTBLOCK_SCALAR_ARITH(/, "div", div)
#undef FASTBLOCK_SCALAR_ARITH

FASTBLOCK_FUNC Tensor operator-(const Tensor& a) {
  if (a.dtype() == boolean)
    throw dtype_error("fastblock::neg: cannot negate a " + a.describe() +
                      " (use ~mask for logical not)");
  return detail::unary_same("neg", a, [](auto v) { return static_cast<decltype(v)>(-v); });
}

// --- comparisons and logic
// ------------------------------------------------------------------------

#define FASTBLOCK_COMPARE(OP, NAME, KIND)                                                       \
  FASTBLOCK_FUNC Tensor operator OP(const Tensor& a, const Tensor& b) {                         \
    return detail::compare(NAME, detail::Cmp::KIND, a, b, promote(a.dtype(), b.dtype()));       \
  }                                                                                             \
  FASTBLOCK_FUNC Tensor operator OP(const Tensor& a, Scalar b) {                                \
    const Dtype d = detail::scalar_dtype(a, b) == boolean ? int64 : detail::scalar_dtype(a, b); \
    return detail::compare(NAME, detail::Cmp::KIND, a, detail::scalar_tensor(b, d), d);         \
  }
FASTBLOCK_COMPARE(==, "eq", eq)
FASTBLOCK_COMPARE(!=, "ne", ne)
FASTBLOCK_COMPARE(<, "lt", lt)
FASTBLOCK_COMPARE(<=, "le", le)
FASTBLOCK_COMPARE(>, "gt", gt)
FASTBLOCK_COMPARE(>=, "ge", ge)
#undef FASTBLOCK_COMPARE

namespace detail {
inline void require_mask(const char* op, const Tensor& t, const char* what) {
  if (t.dtype() != boolean)
    throw dtype_error(std::string("fastblock::") + op + ": " + what +
                      " must be a bool tensor, got " + t.describe() +
                      " (make one with a comparison, e.g. targets == 1)");
}
}  // namespace detail

FASTBLOCK_FUNC Tensor operator~(const Tensor& mask) {
  detail::require_mask("logical_not", mask, "the operand");
  detail::require_cpu(mask, "logical_not");
  Tensor out(mask.shape(), boolean);
  cpu_kernels::map_into<bool>(
      out, [](bool v) { return !v; }, cpu_kernels::view_of<bool>(mask));
  return out;
}
FASTBLOCK_FUNC Tensor operator&(const Tensor& a, const Tensor& b) {
  detail::require_mask("logical_and", a, "the left operand");
  detail::require_mask("logical_and", b, "the right operand");
  return detail::binary_as<bool, bool>("logical_and", a, b, [](bool x, bool y) { return x && y; });
}
FASTBLOCK_FUNC Tensor operator|(const Tensor& a, const Tensor& b) {
  detail::require_mask("logical_or", a, "the left operand");
  detail::require_mask("logical_or", b, "the right operand");
  return detail::binary_as<bool, bool>("logical_or", a, b, [](bool x, bool y) { return x || y; });
}

FASTBLOCK_FUNC Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::require_mask("where", cond, "the condition");
  detail::require_cpu(a, "where");
  detail::require_cpu(b, "where");
  Shape shape;
  try {
    shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  } catch (const shape_error&) {
    throw shape_error("fastblock::where: cannot broadcast condition " + cond.shape().str() +
                      ", input " + a.shape().str() + " and other " + b.shape().str() +
                      " to one shape");
  }
  const Dtype d = promote(a.dtype(), b.dtype());
  return dispatch(d, [&]<class T>() {
    const Tensor cc = cond.expand(shape), ca = a.to(d).expand(shape), cb = b.to(d).expand(shape);
    Tensor out(shape, d);
    cpu_kernels::map_into<T>(
        out, [](bool c, T x, T y) { return c ? x : y; }, cpu_kernels::view_of<bool>(cc),
        cpu_kernels::view_of<T>(ca), cpu_kernels::view_of<T>(cb));
    return out;
  });
}
FASTBLOCK_FUNC Tensor where(const Tensor& cond, const Tensor& a, Scalar b) {
  return where(cond, a, detail::scalar_tensor(b, detail::scalar_dtype(a, b)));
}
FASTBLOCK_FUNC Tensor where(const Tensor& cond, Scalar a, const Tensor& b) {
  return where(cond, detail::scalar_tensor(a, detail::scalar_dtype(b, a)), b);
}
FASTBLOCK_FUNC Tensor where(const Tensor& cond, Scalar a, Scalar b) {
  const Dtype d = (a.is_integral() && b.is_integral()) ? int64 : float32;
  return where(cond, detail::scalar_tensor(a, d), detail::scalar_tensor(b, d));
}

FASTBLOCK_FUNC std::vector<Tensor> where(const Tensor& cond) {
  if (cond.dtype() != boolean)
    throw dtype_error(
        "fastblock::where: the one-argument form takes a bool tensor (a mask such "
        "as `y == 1`), got " +
        std::string(dtype_name(cond.dtype())));
  const Tensor c = cond.contiguous();
  const bool* p = c.data<bool>();
  const int dims = std::max(c.dim(), 1);
  std::vector<std::vector<std::int64_t>> at(static_cast<std::size_t>(dims));
  std::array<std::int64_t, 6> index{};
  for (std::int64_t k = 0; k < c.numel(); ++k) {
    if (p[k]) {
      for (int d = 0; d < c.dim(); ++d)
        at[static_cast<std::size_t>(d)].push_back(index[static_cast<std::size_t>(d)]);
      if (c.dim() == 0) at[0].push_back(0);
    }
    // Row-major increment of the multi-index.
    for (int d = c.dim() - 1; d >= 0; --d) {
      if (++index[static_cast<std::size_t>(d)] < c.size(d)) break;
      index[static_cast<std::size_t>(d)] = 0;
    }
  }
  std::vector<Tensor> out;
  out.reserve(at.size());
  for (const auto& v : at) {
    Tensor t(Shape{static_cast<std::int64_t>(v.size())}, int64);
    std::copy(v.begin(), v.end(), t.data<std::int64_t>());
    out.push_back(std::move(t));
  }
  return out;
}

// --- unary math
// -------------------------------------------------------------------------------------

FASTBLOCK_FUNC Tensor exp(const Tensor& x) {
  return detail::unary_float("exp", x, cpu_kernels::FloatFn::exp);
}
FASTBLOCK_FUNC Tensor log(const Tensor& x) {
  return detail::unary_float("log", x, cpu_kernels::FloatFn::log);
}
FASTBLOCK_FUNC Tensor sigmoid(const Tensor& x) {
  return detail::unary_float("sigmoid", x, cpu_kernels::FloatFn::sigmoid);
}
FASTBLOCK_FUNC Tensor tanh(const Tensor& x) {
  return detail::unary_float("tanh", x, cpu_kernels::FloatFn::tanh);
}
FASTBLOCK_FUNC Tensor sqrt(const Tensor& x) {
  return detail::unary_float("sqrt", x, cpu_kernels::FloatFn::sqrt);
}
FASTBLOCK_FUNC Tensor relu(const Tensor& x) {
  if (x.dtype() == boolean) return x.clone();
  return detail::unary_same("relu", x,
                            [](auto v) { return v > decltype(v){0} ? v : decltype(v){0}; });
}
FASTBLOCK_FUNC Tensor abs(const Tensor& x) {
  return detail::unary_same("abs", x, [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>)
      return v;
    else
      return static_cast<T>(v < T{0} ? -v : v);
  });
}
FASTBLOCK_FUNC Tensor pow(const Tensor& x, Scalar exponent) {
  detail::require_cpu(x, "pow");
  const auto e = static_cast<float>(exponent.value());
  const Tensor cx = x.to(float32);
  Tensor out(x.shape(), float32);
  if (e == 2.0f)
    cpu_kernels::map_into<float>(
        out, [](float v) { return v * v; }, cpu_kernels::view_of<float>(cx));
  else
    cpu_kernels::map_into<float>(
        out, [e](float v) { return std::pow(v, e); }, cpu_kernels::view_of<float>(cx));
  return out;
}
FASTBLOCK_FUNC Tensor clamp(const Tensor& x, Scalar lo, Scalar hi) {
  if (lo.value() > hi.value())
    throw value_error("fastblock::clamp: lower bound " + std::to_string(lo.value()) +
                      " is above upper bound " + std::to_string(hi.value()));
  const Dtype d = promote(detail::scalar_dtype(x, lo), detail::scalar_dtype(x, hi));
  detail::require_cpu(x, "clamp");
  const Tensor cx = x.to(d);
  Tensor out(x.shape(), d);
  dispatch(d, [&]<class T>() {
    const T l = cpu_kernels::convert<T>(lo.value()), h = cpu_kernels::convert<T>(hi.value());
    cpu_kernels::map_into<T>(
        out, [l, h](T v) { return v < l ? l : (v > h ? h : v); }, cpu_kernels::view_of<T>(cx));
  });
  return out;
}

// --- reductions
// -------------------------------------------------------------------------------------

FASTBLOCK_FUNC Tensor sum(const Tensor& x) { return sum(x.reshape({-1}), 0); }
FASTBLOCK_FUNC Tensor sum(const Tensor& x, std::int64_t dim, bool keepdim) {
  if (is_floating(x.dtype())) {
    if (x.dim() <= 1 && x.is_contiguous()) {  // whole-vector sums: fixed blocks, many threads
      detail::require_cpu(x, "sum");
      wrap_dim(dim, x.dim(), "sum");
      Tensor out(x.dim() == 0 || !keepdim ? Shape{} : Shape{1}, float32);
      *out.data<float>() = static_cast<float>(cpu_kernels::sum_dense(x.data<float>(), x.numel()));
      return out;
    }
    return detail::reduce_along<float, float>(
        "sum", x, dim, keepdim, [](const float* p, std::int64_t n, std::int64_t s) {
          return static_cast<float>(s == 1 ? cpu_kernels::sum_contiguous(p, n)
                                           : cpu_kernels::sum_strided<double>(p, n, s));
        });
  }
  return detail::reduce_along<std::int64_t, std::int64_t>(
      "sum", x, dim, keepdim, cpu_kernels::sum_strided<std::int64_t, std::int64_t>);
}
FASTBLOCK_FUNC Tensor mean(const Tensor& x) { return mean(x.reshape({-1}), 0); }
FASTBLOCK_FUNC Tensor mean(const Tensor& x, std::int64_t dim, bool keepdim) {
  const std::int64_t n = x.dim() == 0 ? 1 : x.size(dim);
  if (n == 0) {
    Tensor out = detail::reduce_along<float, float>(
        "mean", x, dim, keepdim, [](const float*, std::int64_t, std::int64_t) { return 0.0f; });
    return out.fill_(std::numeric_limits<float>::quiet_NaN());
  }
  return sum(x.to(float32), dim, keepdim) / n;
}
FASTBLOCK_FUNC Tensor max(const Tensor& x) { return max(x.reshape({-1}), 0); }
FASTBLOCK_FUNC Tensor max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return detail::extreme_along<true>("max", x, dim, keepdim);
}
FASTBLOCK_FUNC Tensor min(const Tensor& x) { return min(x.reshape({-1}), 0); }
FASTBLOCK_FUNC Tensor min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return detail::extreme_along<false>("min", x, dim, keepdim);
}
FASTBLOCK_FUNC Tensor argmax(const Tensor& x) { return argmax(x.reshape({-1}), 0); }
FASTBLOCK_FUNC Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  return detail::arg_extreme_along<true>("argmax", x, dim, keepdim);
}
FASTBLOCK_FUNC Tensor argmin(const Tensor& x) { return argmin(x.reshape({-1}), 0); }
FASTBLOCK_FUNC Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  return detail::arg_extreme_along<false>("argmin", x, dim, keepdim);
}

// --- matmul
// -----------------------------------------------------------------------------------------

namespace detail {
inline cpu_kernels::MatrixRef matrix_ref(const Tensor& t) {  // t: 2-D float32 view
  return {t.data<float>(), t.size(0), t.size(1), t.stride(0), t.stride(1)};
}
/// A 2-D float32 operand Eigen can map, copying only when its strides do not allow it.
inline Tensor mappable(const Tensor& t) { return matrix_ref(t).mappable() ? t : t.contiguous(); }
}  // namespace detail

FASTBLOCK_FUNC Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::require_cpu(a, "matmul");
  detail::require_cpu(b, "matmul");
  if (a.dim() == 0 || b.dim() == 0)
    throw shape_error("fastblock::matmul: both operands need at least one dimension, got shapes " +
                      a.shape().str() + " and " + b.shape().str());
  if (a.dtype() != float32 || b.dtype() != float32)
    throw dtype_error("fastblock::matmul: expected float32 operands, got a " + a.describe() +
                      " and a " + b.describe() + " (convert with .to(float32))");
  // PyTorch's rules: a 1-D left operand is a row, a 1-D right operand a column, removed afterwards.
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  const std::int64_t m = a2.size(-2), k = a2.size(-1), k2 = b2.size(-2), n = b2.size(-1);
  if (k != k2)
    throw shape_error("fastblock::matmul: shapes " + a.shape().str() + " and " + b.shape().str() +
                      " cannot be multiplied (" + std::to_string(k) + " != " + std::to_string(k2) +
                      ")");
  Shape batch_a, batch_b;
  for (int i = 0; i + 2 < a2.dim(); ++i) batch_a.push_back(a2.size(i));
  for (int i = 0; i + 2 < b2.dim(); ++i) batch_b.push_back(b2.size(i));
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b);
  } catch (const shape_error&) {
    throw shape_error("fastblock::matmul: batch dimensions of shapes " + a.shape().str() + " and " +
                      b.shape().str() + " do not broadcast");
  }
  Shape full_a = batch, full_b = batch, out_shape = batch;
  full_a.push_back(m), full_a.push_back(k);
  full_b.push_back(k), full_b.push_back(n);
  out_shape.push_back(m), out_shape.push_back(n);
  const std::int64_t batches = batch.numel();
  const Tensor ea = a2.expand(full_a).reshape({batches, m, k});
  const Tensor eb = b2.expand(full_b).reshape({batches, k, n});
  Tensor out(out_shape, float32);
  float* po = out.data<float>();
  auto one = [&](std::int64_t i, bool parallel) {
    const Tensor ai = detail::mappable(ea[i]), bi = detail::mappable(eb[i]);
    cpu_kernels::gemm(detail::matrix_ref(ai), detail::matrix_ref(bi), po + i * m * n, parallel);
  };
  if (batches == 1) {
    one(0, true);
  } else {
    default_thread_pool().parallel_for(0, batches, 1, [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t i = b0; i < b1; ++i) one(i, false);
    });
  }
  Tensor result = out;
  if (b.dim() == 1) result = result.squeeze(-1);
  if (a.dim() == 1) result = result.squeeze(result.dim() == 1 ? 0 : -2);
  return result;
}

// --- whole-tensor checks
// ----------------------------------------------------------------------------

FASTBLOCK_FUNC bool equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && (a == b).all();
}

FASTBLOCK_FUNC bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  const Tensor fa = a.to(float32), fb = b.to(float32);
  return (abs(fa - fb) <= atol + rtol * abs(fb)).all();
}

// --- Tensor members that forward to the free functions
// ------------------------------------------------

FASTBLOCK_FUNC Tensor Tensor::exp() const { return fastblock::exp(*this); }
FASTBLOCK_FUNC Tensor Tensor::log() const { return fastblock::log(*this); }
FASTBLOCK_FUNC Tensor Tensor::sigmoid() const { return fastblock::sigmoid(*this); }
FASTBLOCK_FUNC Tensor Tensor::tanh() const { return fastblock::tanh(*this); }
FASTBLOCK_FUNC Tensor Tensor::relu() const { return fastblock::relu(*this); }
FASTBLOCK_FUNC Tensor Tensor::sqrt() const { return fastblock::sqrt(*this); }
FASTBLOCK_FUNC Tensor Tensor::abs() const { return fastblock::abs(*this); }
FASTBLOCK_FUNC Tensor Tensor::neg() const { return -*this; }
FASTBLOCK_FUNC Tensor Tensor::pow(Scalar e) const { return fastblock::pow(*this, e); }
FASTBLOCK_FUNC Tensor Tensor::clamp(Scalar lo, Scalar hi) const {
  return fastblock::clamp(*this, lo, hi);
}
FASTBLOCK_FUNC Tensor Tensor::sum() const { return fastblock::sum(*this); }
FASTBLOCK_FUNC Tensor Tensor::sum(std::int64_t d, bool k) const {
  return fastblock::sum(*this, d, k);
}
FASTBLOCK_FUNC Tensor Tensor::mean() const { return fastblock::mean(*this); }
FASTBLOCK_FUNC Tensor Tensor::mean(std::int64_t d, bool k) const {
  return fastblock::mean(*this, d, k);
}
FASTBLOCK_FUNC Tensor Tensor::max() const { return fastblock::max(*this); }
FASTBLOCK_FUNC Tensor Tensor::max(std::int64_t d, bool k) const {
  return fastblock::max(*this, d, k);
}
FASTBLOCK_FUNC Tensor Tensor::min() const { return fastblock::min(*this); }
FASTBLOCK_FUNC Tensor Tensor::min(std::int64_t d, bool k) const {
  return fastblock::min(*this, d, k);
}
FASTBLOCK_FUNC Tensor Tensor::argmax() const { return fastblock::argmax(*this); }
FASTBLOCK_FUNC Tensor Tensor::argmax(std::int64_t d, bool k) const {
  return fastblock::argmax(*this, d, k);
}
FASTBLOCK_FUNC Tensor Tensor::argmin(std::int64_t d, bool k) const {
  return fastblock::argmin(*this, d, k);
}
FASTBLOCK_FUNC bool Tensor::all() const {
  return numel() == 0 || fastblock::min((*this != 0).to(uint8)).item<int>() == 1;
}
FASTBLOCK_FUNC bool Tensor::any() const {
  return numel() != 0 && fastblock::max((*this != 0).to(uint8)).item<int>() == 1;
}

FASTBLOCK_FUNC Tensor& Tensor::add_(const Tensor& other, Scalar alpha) {
  if (!device().is_cpu() && other.device() == device() && other.shape() == shape_ &&
      dtype_ == float32 && other.dtype() == float32 && is_contiguous() && other.is_contiguous()) {
    // The one in-place op layers need on a device: residual sums and gradient accumulation.
    DeviceBackend& be = backend(device());
    if (alpha.value() == 1) {
      be.add(data<float>(), other.data<float>(), data<float>(), numel());
    } else {
      Tensor scaled(shape_, float32, device());
      be.scale(other.data<float>(), static_cast<float>(alpha.value()), scaled.data<float>(),
               numel());
      be.add(data<float>(), scaled.data<float>(), data<float>(), numel());
    }
    return *this;
  }
  return copy_(alpha.value() == 1 ? *this + other : *this + other * alpha);
}
FASTBLOCK_FUNC Tensor& Tensor::add_(Scalar other) { return copy_(*this + other); }
FASTBLOCK_FUNC Tensor& Tensor::sub_(const Tensor& other) { return copy_(*this - other); }
FASTBLOCK_FUNC Tensor& Tensor::mul_(const Tensor& other) { return copy_(*this * other); }
FASTBLOCK_FUNC Tensor& Tensor::mul_(Scalar other) { return copy_(*this * other); }
FASTBLOCK_FUNC Tensor& Tensor::div_(const Tensor& other) { return copy_(*this / other); }
FASTBLOCK_FUNC Tensor& Tensor::div_(Scalar other) { return copy_(*this / other); }

}  // namespace fastblock
