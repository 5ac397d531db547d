// fastblock/tensor/print.hpp — tensors print exactly as PyTorch prints them.
//
// `repr(t)` reproduces Python's `repr(torch_tensor)` byte for byte (PyTorch 1.13's
// torch/_tensor_str.py): the same choice between integer, fixed and scientific notation, the same
// column widths and line wrapping, `...` summaries of large tensors and the same `dtype=`/`size=`
// suffixes. Identical text lets a user diff a fastblock log against the PyTorch notebook it ports,
// and lets the tests check printing against golden files written by PyTorch itself.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// How tensors print; the fields mean what torch.set_printoptions' arguments mean.
struct PrintOptions {
  /// Digits after the decimal point in fixed and scientific notation.
  int precision = 4;
  /// Tensors with more elements than this are summarised with `...`.
  std::int64_t threshold = 1000;
  /// Items shown at each end of every summarised dimension.
  std::int64_t edgeitems = 3;
  /// Characters per line at which 1-D rows wrap (the indentation counts).
  int linewidth = 80;
  /// Forces scientific notation on (true) or off (false); unset lets the values decide.
  std::optional<bool> sci_mode{};
};

/// The options `repr` and `operator<<` use by default. This is process-wide state, like PyTorch's
/// PRINT_OPTS: change it from one thread at a time, while no other thread prints.
PrintOptions& print_options();

/// Replaces the default options (torch.set_printoptions); `set_printoptions({})` restores the
/// defaults.
void set_printoptions(const PrintOptions& opts);

/// What Python's `repr()` prints for the same PyTorch tensor: `tensor([0., 1., 0.])`. `prefix`
/// names the type, so a tensor subclass prints as `TensorMultiCategory([0., 1.])` with continuation
/// lines indented under its bracket. Throws value_error for a negative precision or edgeitems.
std::string repr(const Tensor& t, std::string_view prefix = "tensor",
                 const PrintOptions& opts = print_options());

/// Writes `repr(t)` with the current print_options().
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/tensor/print-inl.hpp>
#endif
