// fastblock/data/dataloader-inl.hpp — out-of-line definitions for data/dataloader.hpp.
//
// Included by dataloader.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <iostream>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/dataloader.hpp>

namespace fastblock::detail {

FASTBLOCK_FUNC void validate_options(const DataLoaderOptions& options) {
  if (options.bs < 1)
    throw value_error("fastblock::DataLoader: bs must be >= 1, got " + std::to_string(options.bs));
  if (options.num_workers < DataLoaderOptions::default_num_workers)
    throw value_error(
        "fastblock::DataLoader: num_workers must be >= 0, or -1 for default_thread_pool(), got " +
        std::to_string(options.num_workers));
  if (options.prefetch < 1)
    throw value_error("fastblock::DataLoader: prefetch must be >= 1, got " +
                      std::to_string(options.prefetch));
  if (options.on_bad_item != OnBadItem::error && options.on_bad_item != OnBadItem::skip)
    throw value_error("fastblock::DataLoader: on_bad_item must be OnBadItem::error or skip, got " +
                      std::to_string(static_cast<int>(options.on_bad_item)));
}

FASTBLOCK_FUNC std::size_t batch_count(std::size_t n, std::size_t bs, bool drop_last) noexcept {
  return drop_last ? n / bs : n / bs + (n % bs != 0 ? 1 : 0);
}

FASTBLOCK_FUNC std::vector<std::size_t> epoch_order(std::size_t n, bool shuffle, std::uint64_t seed,
                                                    std::uint64_t epoch) {
  std::vector<std::size_t> order(n);
  if (!shuffle) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    return order;
  }
  const std::vector<std::int64_t> perm =
      Generator::derive(seed, {epoch}).permutation(static_cast<std::int64_t>(n));
  for (std::size_t k = 0; k < n; ++k) order[k] = static_cast<std::size_t>(perm[k]);
  return order;
}

FASTBLOCK_FUNC void rethrow_with_context(std::exception_ptr error, const std::string& context) {
  // Most derived first; each handler keeps the caller's `catch (const io_error&)` working.
  try {
    std::rethrow_exception(std::move(error));
  } catch (const shape_error& e) {
    std::throw_with_nested(shape_error(context + e.what()));
  } catch (const dtype_error& e) {
    std::throw_with_nested(dtype_error(context + e.what()));
  } catch (const index_error& e) {
    std::throw_with_nested(index_error(context + e.what()));
  } catch (const data_error& e) {
    std::throw_with_nested(data_error(context + e.what()));
  } catch (const io_error& e) {
    std::throw_with_nested(io_error(context + e.what()));
  } catch (const device_error& e) {
    std::throw_with_nested(device_error(context + e.what()));
  } catch (const value_error& e) {
    std::throw_with_nested(value_error(context + e.what()));
  } catch (const training_error& e) {
    std::throw_with_nested(training_error(context + e.what()));
  } catch (const std::exception& e) {
    std::throw_with_nested(fastblock::error(context + e.what()));
  } catch (...) {
    std::throw_with_nested(
        fastblock::error(context + "an exception not derived from std::exception"));
  }
}

FASTBLOCK_FUNC std::exception_ptr cancelled_batch() {
  return std::make_exception_ptr(
      fastblock::error("fastblock::DataLoader: the epoch was abandoned before this batch"));
}

FASTBLOCK_FUNC void throw_no_batch() {
  throw fastblock::error(
      "fastblock::DataLoader: no batch at this position (loading it failed, or the epoch ended)");
}

FASTBLOCK_FUNC void throw_no_batches(std::size_t n_items, std::int64_t bs, bool drop_last) {
  throw index_error("fastblock::DataLoader::one_batch: the loader has no batch (" +
                    std::to_string(n_items) + " items, bs " + std::to_string(bs) +
                    (drop_last ? ", drop_last" : "") + ")");
}

FASTBLOCK_FUNC void throw_all_skipped(std::size_t n_items) {
  throw data_error("fastblock::DataLoader::one_batch: every item of the epoch (" +
                   std::to_string(n_items) + ") was skipped as bad input (logged above)");
}

FASTBLOCK_FUNC void BadItemLog::log(const std::vector<SkippedItem>& skipped) {
  const std::lock_guard lock(mutex_);
  std::string text;
  for (const SkippedItem& item : skipped)
    if (logged_.insert(item.index).second)
      text += "fastblock::DataLoader: skipping item " + std::to_string(item.index) +
              " (bad input): " + item.message + "\n";
  // One write under the lock: lines of loaders consuming on other threads do not interleave.
  if (!text.empty()) std::cerr << text << std::flush;
}

FASTBLOCK_FUNC std::vector<std::size_t> BadItemLog::indices() const {
  const std::lock_guard lock(mutex_);
  return {logged_.begin(), logged_.end()};
}

FASTBLOCK_FUNC void report_skipped(std::size_t skipped, std::size_t visited) {
  std::cerr << ("fastblock::DataLoader: skipped " + std::to_string(skipped) + " of " +
                std::to_string(visited) + " items this epoch (bad input, logged above)\n")
            << std::flush;
}

}  // namespace fastblock::detail
