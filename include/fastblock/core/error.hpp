// fastblock/core/error.hpp — the one exception hierarchy of fastblock.
//
// Every error fastblock raises derives from fastblock::error (itself a std::runtime_error), so a
// user can catch all of them in one place. Messages name the offending shape, file, row, label or
// value and say what was expected: "cannot broadcast shapes [64, 20] and [64, 19]".
#pragma once

#include <stdexcept>
#include <string>

namespace fastblock {

/// Base of every exception fastblock throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A tensor has the wrong shape, rank or number of elements for the operation.
class shape_error : public error {
 public:
  using error::error;
};

/// A tensor has an element type (dtype) or device the operation does not support.
class dtype_error : public error {
 public:
  using error::error;
};

/// An index or range lies outside the valid bounds.
class index_error : public error {
 public:
  using error::error;
};

/// Input data (a CSV cell, a label, a text file) is malformed; the message names file, line,
/// column.
class data_error : public error {
 public:
  using error::error;
};

/// A file or stream could not be read or written, or its content is truncated or corrupt.
class io_error : public error {
 public:
  using error::error;
};

/// An accelerator is missing, out of memory, or reported a failure.
class device_error : public error {
 public:
  using error::error;
};

/// Training cannot go on: the loss became NaN or infinite (the message names epoch and batch).
class training_error : public error {
 public:
  using error::error;
};

/// An argument has a value outside its documented domain (a negative batch size, 0 threads).
class value_error : public error {
 public:
  using error::error;
};

}  // namespace fastblock
