// fastblock/data/datablock_summary-inl.hpp — out-of-line definitions for
// data/datablock_summary.hpp.
//
// Included by datablock_summary.hpp in header-only mode and compiled once into the library
// otherwise; every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <exception>
#include <ostream>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/data/datablock_summary.hpp>
#include <fastblock/data/dataloader.hpp>

namespace fastblock::detail::summary {

FASTBLOCK_FUNC std::string indent(std::string_view text, std::size_t n) {
  std::string out(n, ' ');
  for (const char c : text) {
    out += c;
    if (c == '\n') out.append(n, ' ');
  }
  return out;
}

FASTBLOCK_FUNC void fail(std::ostream& os, const std::string& stage) {
  const std::exception_ptr error = std::current_exception();
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  os << "    failed: " << what << '\n';
  os.flush();
  rethrow_with_context(error, "fastblock::DataBlock::summary: " + stage + " failed: ");
}

}  // namespace fastblock::detail::summary
