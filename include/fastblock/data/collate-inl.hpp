// fastblock/data/collate-inl.hpp — out-of-line definitions for data/collate.hpp.
//
// Included by collate.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock::detail {

FASTBLOCK_FUNC Tensor stack_batch(BatchView<Tensor> items) {
  if (items.empty()) return Tensor(Shape{0});
  const Tensor& head = items[0];
  for (std::size_t i = 1; i < items.size(); ++i) {
    const Tensor& t = items[i];
    if (!(t.shape() == head.shape()))
      throw shape_error("fastblock::collate: item " + std::to_string(i) + " has shape " +
                        t.shape().str() + " but item 0 has shape " + head.shape().str() +
                        "; the tensors of a batch must have one shape (resize them in an item "
                        "transform)");
    if (t.dtype() != head.dtype())
      throw dtype_error("fastblock::collate: item " + std::to_string(i) + " has dtype " +
                        std::string(dtype_name(t.dtype())) + " but item 0 has dtype " +
                        std::string(dtype_name(head.dtype())) +
                        "; the tensors of a batch must have one dtype (convert them with .to())");
    if (t.device() != head.device())
      throw device_error("fastblock::collate: item " + std::to_string(i) + " is on " +
                         t.device().str() + " but item 0 is on " + head.device().str());
  }

  Shape shape = head.shape();
  shape.insert(0, static_cast<std::int64_t>(items.size()));
  Tensor out(shape, head.dtype(), head.device());
  const std::size_t item_bytes = static_cast<std::size_t>(head.numel()) * itemsize(head.dtype());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Tensor& t = items[i];
    if (t.device().is_cpu() && t.is_contiguous()) {
      // The common case (items fresh from a transform) is one memcpy per item.
      if (item_bytes == 0) continue;
      const std::byte* src =
          t.storage().data() + static_cast<std::size_t>(t.offset()) * itemsize(t.dtype());
      std::memcpy(out.storage().data() + i * item_bytes, src, item_bytes);
    } else {
      out[static_cast<std::int64_t>(i)].copy_(t);
    }
  }
  return out;
}

FASTBLOCK_FUNC void throw_ragged_batch(std::size_t item, std::size_t length, std::size_t expected) {
  throw shape_error("fastblock::collate: item " + std::to_string(item) + " has " +
                    std::to_string(length) + " values but item 0 has " + std::to_string(expected) +
                    "; the vectors of a batch must have one length (pad them, or specialize "
                    "fastblock::Collate for the item type)");
}

FASTBLOCK_FUNC void rethrow_in_tuple_element(std::size_t element) {
  const std::string where = " (tuple element " + std::to_string(element) + ")";
  try {
    throw;
  } catch (const shape_error& e) {
    throw shape_error(e.what() + where);
  } catch (const dtype_error& e) {
    throw dtype_error(e.what() + where);
  } catch (const device_error& e) {
    throw device_error(e.what() + where);
  }
}

}  // namespace fastblock::detail
