// fastblock/data/dataloader.hpp — mini-batches from a dataset, shuffled, prefetched, reproducible.
//
// Contract: `DataLoader(ds, {.bs = 64, .shuffle = true})` is a range of batches; each batch is
// `collate` of up to bs items (data/collate.hpp), so its type is `collate_t<dataset_item_t<D>>`;
// `DataLoader(ds, options, after_batch)` passes every batch through `after_batch(batch, rng)`
// (fastai's after_batch, where DataBlock's batch_tfms run) and yields what that returns.
// Every `begin()` (every range-for) starts a new epoch; `len(dl)` is the number of batches per
// epoch (ceil(n / bs), or floor with drop_last). The loader owns its dataset (shared with its
// copies and running epochs, never modified): pass a std::span, or std::move a large vector, to
// avoid a copy.
//
// Reproducibility: epoch e visits the items in the order `Generator::derive(seed, {e})
// .permutation(n)` (with shuffle; else 0, 1, ..., n-1), and item i is read through
// `get(i, Generator::derive(seed, {e, i}))` when the dataset has the hook (data/dataset.hpp). So
// the batches depend on (dataset, options, epoch) and on nothing else: num_workers = 0, 1, 4 or
// the default give bit-identical batches. The values differ from PyTorch's for the same seed
// (different generator), and the seed's `first(dl)` prints other letters than the book's.
//
// Workers: with num_workers = 0 items load in the consuming thread, one batch at a time. Otherwise
// batches are built on a thread pool (default_thread_pool() for -1, or a pool of num_workers
// threads owned by the loader and its copies): up to `prefetch` batches are in flight while the
// consumer works on the current one, the items of a batch are loaded by several workers, and the
// worker that loads the last item collates the batch. No task ever waits for another, so this
// cannot deadlock the shared pool; a loop running inside a default_thread_pool() worker loads
// synchronously instead.
//
// Errors: an exception thrown while loading item i reaches the consumer at that item's batch,
// from `begin()` or `++it`, as "fastblock::DataLoader: item i failed: <what()>" — the same
// fastblock exception type for fastblock errors, fastblock::error otherwise, with the original
// kept as the nested exception (std::rethrow_if_nested). When several items of a batch fail, the
// one earliest in the batch is reported, whatever the thread count. Collation errors arrive the
// same way ("batch b failed to collate: ..."). Leaving a loop early (break, exception) or
// destroying a loader or iterator cancels the batches in flight and waits for their running items
// to finish: nothing outlives the iterator, and nothing hangs on work that was never started.
//
// Bad input: an item whose reading throws io_error or data_error (a file that is missing,
// truncated, corrupt or not an image; a malformed value or an unknown label) is bad input; any
// other exception is a bug and always stops the loader as above. With the default
// `.on_bad_item = OnBadItem::error` bad input stops it too. With `OnBadItem::skip` the item is
// left out of its batch, so that batch is smaller (also under drop_last), and a batch that loses
// every item is not yielded: the loop goes on to the next one. The error message, which names the
// file, goes to std::cerr the first time the loader meets that item index ("fastblock::DataLoader:
// skipping item 17 (bad input): <what()>"), never again in later epochs; an epoch that skipped
// items ends with one line, "fastblock::DataLoader: skipped 3 of 500 items this epoch (bad input,
// logged above)". `skipped()`, `total_skipped()` and `bad_items()` tell the same to a program.
// What is skipped depends only on the items, so batches stay independent of the worker count;
// the messages are written by the consuming thread, in batch order. `size()`, `len(dl)` and `n()`
// keep their nominal values: they do not know which items are bad before an epoch reads them.
// Copies of a loader share its record of bad items; with_options() shares the logged indices
// (the dataset is the same) and starts its own counts.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/dataset.hpp>

namespace fastblock {

/// The after_batch of a loader that has none: the collated batch is the batch.
struct NoBatchTransform {};

namespace detail {

/// A loader's after_batch: `f(Batch&&, Generator&)` returning the new batch.
template <class F, class Batch>
concept BatchTransformFor = std::invocable<const F&, Batch&&, Generator&> &&
    !std::is_void_v<std::invoke_result_t<const F&, Batch&&, Generator&>>;

/// What a loader yields: the collated batch, through after_batch when there is one (when
/// after_batch is not one, the collated batch, after DataLoader's static_assert has said so).
template <class AfterBatch, class Batch>
struct after_batch_result {
  using type = Batch;
};
template <class AfterBatch, class Batch>
requires BatchTransformFor<AfterBatch, Batch>
struct after_batch_result<AfterBatch, Batch> {
  using type = std::remove_cvref_t<std::invoke_result_t<const AfterBatch&, Batch&&, Generator&>>;
};

/// The stream key that tells a batch's generator from the items' ({epoch, i}).
inline constexpr std::uint64_t batch_stream_key = 0x6261746368ULL;  // "batch"

}  // namespace detail

/// What a DataLoader over items of type `Item` yields, with after_batch `AfterBatch`.
template <class Item, class AfterBatch = NoBatchTransform>
using loader_batch_t = typename detail::after_batch_result<AfterBatch, collate_t<Item>>::type;

/// What a DataLoader does with an item whose reading throws io_error or data_error (see the
/// contract above): stop with the error, or leave the item out, log it once and count it.
enum class OnBadItem {
  /// Stop the epoch with the error, naming the item (the default: bad data is never hidden).
  error,
  /// Leave the item out of its batch; log each bad item once and count them per epoch.
  skip,
};

/// The knobs of a DataLoader, by name: `DataLoader(ds, {.bs = 8, .shuffle = true})`.
struct DataLoaderOptions {
  /// `num_workers` value meaning "use the workers of default_thread_pool()".
  static constexpr int default_num_workers = -1;

  /// Items per batch (fastai's bs / batch_size); must be >= 1.
  std::int64_t bs = 64;
  /// Visit the items in a new random order every epoch.
  bool shuffle = false;
  /// Skip the last batch when it would hold fewer than bs items.
  bool drop_last = false;
  /// Seeds the order and every item's generator (see the contract above).
  std::uint64_t seed = 0;
  /// 0: load in the consuming thread; n > 0: a pool of n threads; -1: default_thread_pool().
  int num_workers = default_num_workers;
  /// Batches built ahead of the consumer when loading on workers; must be >= 1.
  int prefetch = 2;
  /// Stop at an unreadable or malformed item, or skip it (see the contract above).
  OnBadItem on_bad_item = OnBadItem::error;
};

namespace detail {

/// Throws value_error naming the first invalid option.
void validate_options(const DataLoaderOptions& options);

/// Number of batches of an epoch over n items.
[[nodiscard]] std::size_t batch_count(std::size_t n, std::size_t bs, bool drop_last) noexcept;

/// The visiting order of one epoch (see the contract).
[[nodiscard]] std::vector<std::size_t> epoch_order(std::size_t n, bool shuffle, std::uint64_t seed,
                                                   std::uint64_t epoch);

/// Rethrows `error` with `context` prepended to its message: the same type for fastblock's own
/// exceptions, fastblock::error for others, the original nested inside (std::throw_with_nested).
[[noreturn]] void rethrow_with_context(std::exception_ptr error, const std::string& context);

/// The exception a batch's future holds when its epoch was abandoned; nobody ever sees it.
[[nodiscard]] std::exception_ptr cancelled_batch();

/// The error for dereferencing a loader iterator whose batch failed to load.
[[noreturn]] void throw_no_batch();

/// The error for one_batch() on a loader without batches.
[[noreturn]] void throw_no_batches(std::size_t n_items, std::int64_t bs, bool drop_last);

/// The error for one_batch() when every item of the epoch was skipped as bad input.
[[noreturn]] void throw_all_skipped(std::size_t n_items);

/// An item left out of its batch as bad input.
struct SkippedItem {
  /// Its position in the batch, which orders the log.
  std::size_t position;
  /// Its index in the dataset.
  std::size_t index;
  /// The what() of its error, which names the file.
  std::string message;
};

/// What loading one batch gave: the batch (none when every item was skipped or loading failed),
/// the items skipped, in batch order, and the error that stopped it, if one did.
template <class Batch>
struct LoadedBatch {
  std::optional<Batch> batch;
  std::vector<SkippedItem> skipped;
  std::exception_ptr error;
};

/// The item indices a loader has logged as bad, shared by its copies and their epochs (which
/// may outlive the loader), so that each is logged once for the life of the loader; the mutex is
/// there for copies and one_batch() consuming on other threads.
class BadItemLog {
 public:
  /// Writes to std::cerr, as one text, the items of `skipped` not logged before.
  void log(const std::vector<SkippedItem>& skipped);
  /// The indices logged so far, ascending.
  [[nodiscard]] std::vector<std::size_t> indices() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::size_t> logged_;  // guarded by mutex_
};

/// A loader's counts of skipped items, shared by its copies and their epochs.
struct SkipCounts {
  /// Items skipped by the last epoch that ran to its end.
  std::atomic<std::size_t> last_epoch{0};
  /// Items skipped by every epoch, finished or not.
  std::atomic<std::size_t> total{0};
};

/// Writes the end-of-epoch line for `skipped` of `visited` items to std::cerr.
void report_skipped(std::size_t skipped, std::size_t visited);

/// One batch being loaded: its items, filled by chunks of positions, then collated.
///
/// Shared by the consumer and the chunk tasks. Each chunk loads its positions in order and stops
/// at its first failure; the failure earliest in the batch wins, so the reported item does not
/// depend on how the batch was split. With `skip`, bad input is not a failure: the chunk records
/// the item and goes on. Only the skips before the winning failure are reported with it, since
/// every chunk is sure to have reached those positions. The chunk that finishes last collates the
/// batch (or records the error) in the promise, after which no task touches the dataset again.
template <class D, class AfterBatch>
class BatchJob {
 public:
  using Item = dataset_item_t<D>;
  using Batch = loader_batch_t<Item, AfterBatch>;

  /// The job of batch `batch` of `epoch`: the dataset positions `indices`, in `n_chunks` chunks;
  /// the finished batch goes through `after_batch`; `skip` leaves bad input out.
  BatchJob(const D& dataset, const AfterBatch& after_batch, std::uint64_t seed, std::uint64_t epoch,
           std::size_t batch, std::vector<std::size_t> indices, std::size_t n_chunks, bool skip)
      : dataset_(&dataset),
        after_batch_(&after_batch),
        seed_(seed),
        epoch_(epoch),
        batch_(batch),
        indices_(std::move(indices)),
        slots_(indices_.size()),
        n_chunks_(n_chunks),
        remaining_(n_chunks),
        skip_(skip) {}

  /// The batch, its skipped items or the error of its first failing item; call once.
  [[nodiscard]] std::future<LoadedBatch<Batch>> future() { return promise_.get_future(); }
  /// Number of chunks the items are split into.
  [[nodiscard]] std::size_t n_chunks() const noexcept { return n_chunks_; }

  /// Asks the chunks not started on an item yet to skip the rest of their work.
  void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }

  /// Loads the positions of chunk `chunk`; the last chunk to finish completes the promise.
  void run_chunk(std::size_t chunk) noexcept {
    const std::size_t n = indices_.size();
    const std::size_t lo = chunk * n / n_chunks_, hi = (chunk + 1) * n / n_chunks_;
    for (std::size_t k = lo; k < hi; ++k) {
      if (cancelled_.load(std::memory_order_relaxed)) break;
      try {
        const std::size_t i = indices_[k];
        if constexpr (RandomAccessDataset<D>) {
          Generator rng = Generator::derive(seed_, {epoch_, static_cast<std::uint64_t>(i)});
          slots_[k].emplace(fastblock::get_item(*dataset_, i, rng));
        } else {
          slots_[k].emplace((*dataset_)[i]);
        }
      } catch (const io_error& e) {
        if (!skipped(k, e)) break;
      } catch (const data_error& e) {
        if (!skipped(k, e)) break;
      } catch (...) {
        failed(k);
        break;
      }
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) finish();
  }

 private:
  /// Called in a handler: records bad input `e` at position k when skipping (true), else records
  /// the failure (false).
  bool skipped(std::size_t k, const error& e) noexcept {
    if (!skip_) {
      failed(k);
      return false;
    }
    try {
      SkippedItem item{k, indices_[k], e.what()};
      const std::lock_guard lock(mutex_);
      skipped_.push_back(std::move(item));
      return true;
    } catch (...) {  // out of memory: not bad input any more
      failed(k);
      return false;
    }
  }

  /// Called in a handler: records the current exception as the failure at position k.
  void failed(std::size_t k) noexcept {
    const std::lock_guard lock(mutex_);
    if (k < failed_at_) {
      failed_at_ = k;
      error_ = std::current_exception();
    }
  }

  void finish() noexcept {
    if (cancelled_.load(std::memory_order_relaxed)) {
      slots_.clear();
      promise_.set_exception(cancelled_batch());
      return;
    }
    LoadedBatch<Batch> result;
    std::sort(skipped_.begin(), skipped_.end(),
              [](const SkippedItem& a, const SkippedItem& b) { return a.position < b.position; });
    // Chunks stop at their first failure: skips after it depend on the split, so they wait for
    // an epoch that gets that far.
    std::erase_if(skipped_, [&](const SkippedItem& s) { return s.position > failed_at_; });
    result.skipped = std::move(skipped_);
    if (error_) {
      try {
        rethrow_with_context(error_, "fastblock::DataLoader: item " +
                                         std::to_string(indices_[failed_at_]) + " failed: ");
      } catch (...) {
        result.error = std::current_exception();
      }
    } else if (result.skipped.size() < slots_.size()) {
      try {
        std::vector<const Item*> items;
        items.reserve(slots_.size());
        for (const std::optional<Item>& slot : slots_)
          if (slot) items.push_back(&*slot);
        if constexpr (std::same_as<AfterBatch, NoBatchTransform>) {
          result.batch.emplace(fastblock::collate(BatchView<Item>(items)));
        } else {
          Generator rng = Generator::derive(
              seed_, {epoch_, static_cast<std::uint64_t>(batch_), batch_stream_key});
          result.batch.emplace(
              std::invoke(*after_batch_, fastblock::collate(BatchView<Item>(items)), rng));
        }
      } catch (...) {
        try {
          rethrow_with_context(
              std::current_exception(),
              "fastblock::DataLoader: batch " + std::to_string(batch_) + " failed to collate: ");
        } catch (...) {
          result.error = std::current_exception();
        }
      }
    }
    // Items are freed here, by the worker, before the consumer can be released.
    slots_.clear();
    error_ = nullptr;
    promise_.set_value(std::move(result));
  }

  const D* dataset_;
  const AfterBatch* after_batch_;
  std::uint64_t seed_, epoch_;
  std::size_t batch_;
  std::vector<std::size_t> indices_;
  std::vector<std::optional<Item>> slots_;
  std::size_t n_chunks_;
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> cancelled_{false};
  bool skip_;
  std::mutex mutex_;
  std::size_t failed_at_ = std::numeric_limits<std::size_t>::max();  // guarded by mutex_
  std::exception_ptr error_;                                         // guarded by mutex_
  std::vector<SkippedItem> skipped_;                                 // guarded by mutex_
  std::promise<LoadedBatch<Batch>> promise_;
};

/// What an EpochRun reports skipped items to: the loader's log and counts, and whether the run
/// is an epoch (counted, reported at its end) or a look at one batch (logged only).
struct SkipSink {
  std::shared_ptr<BadItemLog> log;
  std::shared_ptr<SkipCounts> counts;
  bool count = true;
};

/// One pass over the dataset: the order, the batches in flight and the current batch.
///
/// Owns a share of the dataset and of the loader's pool, so it stays valid if the loader goes
/// first. Its destructor cancels what is in flight and waits for it.
template <class D, class AfterBatch>
class EpochRun {
 public:
  using Batch = loader_batch_t<dataset_item_t<D>, AfterBatch>;

  /// Epoch `epoch` of `dataset`, stopping after yielding `max_batches` batches (1 for
  /// one_batch()); skipped items go to `sink`.
  EpochRun(std::shared_ptr<const D> dataset, std::shared_ptr<const AfterBatch> after_batch,
           const DataLoaderOptions& options, std::uint64_t epoch,
           std::shared_ptr<ThreadPool> own_pool, std::size_t max_batches, SkipSink sink)
      : dataset_(std::move(dataset)),
        after_batch_(std::move(after_batch)),
        own_pool_(std::move(own_pool)),
        sink_(std::move(sink)),
        seed_(options.seed),
        epoch_(epoch),
        bs_(static_cast<std::size_t>(options.bs)),
        skip_(options.on_bad_item == OnBadItem::skip),
        order_(epoch_order(fastblock::len(*dataset_), options.shuffle, options.seed, epoch)),
        max_yield_(max_batches) {
    n_batches_ = batch_count(order_.size(), bs_, options.drop_last);
    if (options.num_workers != 0) {
      pool_ = own_pool_ ? own_pool_.get() : &default_thread_pool();
      // Waiting on tasks of the pool we run on could deadlock it: load here instead.
      if (pool_->in_worker()) pool_ = nullptr;
    }
    depth_ = pool_ ? static_cast<std::size_t>(options.prefetch) : 1;
  }

  EpochRun(const EpochRun&) = delete;
  EpochRun& operator=(const EpochRun&) = delete;

  ~EpochRun() {
    for (Pending& p : pending_) p.job->cancel();
    for (Pending& p : pending_) p.result.wait();
  }

  /// Whether advance() went past the last batch.
  [[nodiscard]] bool done() const noexcept { return done_; }

  /// The batch advance() loaded; throws when it failed to load.
  [[nodiscard]] Batch& current() {
    if (!current_) throw_no_batch();
    return *current_;
  }

  /// Moves to the next batch that has items, waiting for it; rethrows the error of a batch that
  /// failed. Logs the items skipped on the way, and reports them when the epoch ends.
  void advance() {
    current_.reset();
    while (yielded_ < max_yield_ && consumed_ < n_batches_) {
      fill();
      Pending next = std::move(pending_.front());
      pending_.pop_front();
      ++consumed_;
      LoadedBatch<Batch> loaded = next.result.get();
      note(loaded.skipped);
      if (loaded.error) std::rethrow_exception(loaded.error);
      if (loaded.batch) {
        current_.emplace(std::move(*loaded.batch));
        ++yielded_;
        // Keep `prefetch` batches in flight while the consumer works on this one.
        if (pool_) fill();
        return;
      }
    }
    if (!done_ && consumed_ == n_batches_ && sink_.count) {
      sink_.counts->last_epoch.store(skipped_, std::memory_order_relaxed);
      if (skipped_ > 0) report_skipped(skipped_, std::min(n_batches_ * bs_, order_.size()));
    }
    done_ = true;
  }

 private:
  struct Pending {
    std::shared_ptr<BatchJob<D, AfterBatch>> job;
    std::future<LoadedBatch<Batch>> result;
  };

  void note(const std::vector<SkippedItem>& skipped) {
    if (skipped.empty()) return;
    sink_.log->log(skipped);
    if (!sink_.count) return;
    skipped_ += skipped.size();
    sink_.counts->total.fetch_add(skipped.size(), std::memory_order_relaxed);
  }

  void fill() {
    // A batch in flight yields at most one batch: submit no more than can still be yielded.
    const std::size_t wanted = std::min(depth_, max_yield_ - yielded_);
    while (pending_.size() < wanted && submitted_ < n_batches_) submit(submitted_++);
  }

  void submit(std::size_t b) {
    const std::size_t lo = b * bs_, hi = std::min(lo + bs_, order_.size());
    std::vector<std::size_t> indices(order_.begin() + static_cast<std::ptrdiff_t>(lo),
                                     order_.begin() + static_cast<std::ptrdiff_t>(hi));
    const std::size_t n_chunks = pool_ ? std::min(hi - lo, pool_->size()) : 1;
    auto job = std::make_shared<BatchJob<D, AfterBatch>>(*dataset_, *after_batch_, seed_, epoch_, b,
                                                         std::move(indices), n_chunks, skip_);
    pending_.push_back({job, job->future()});
    for (std::size_t c = 0; c < n_chunks; ++c) {
      if (!pool_) {
        job->run_chunk(c);
        continue;
      }
      try {
        (void)pool_->submit([job, c] { job->run_chunk(c); });
      } catch (...) {
        job->run_chunk(c);  // could not queue it (out of memory): do it here
      }
    }
  }

  std::shared_ptr<const D> dataset_;
  std::shared_ptr<const AfterBatch> after_batch_;
  std::shared_ptr<ThreadPool> own_pool_;
  SkipSink sink_;
  ThreadPool* pool_ = nullptr;  // null: load in the consuming thread
  std::uint64_t seed_, epoch_;
  std::size_t bs_;
  bool skip_;
  std::vector<std::size_t> order_;
  std::size_t n_batches_ = 0, depth_ = 1, submitted_ = 0, consumed_ = 0;
  std::size_t max_yield_, yielded_ = 0, skipped_ = 0;
  bool done_ = false;
  std::deque<Pending> pending_;
  std::optional<Batch> current_;
};

}  // namespace detail

/// Batches of a dataset: fastai's / PyTorch's DataLoader (see the contract above).
template <Dataset D, class AfterBatch = NoBatchTransform>
class DataLoader {
 public:
  /// The dataset type the loader owns.
  using dataset_type = D;
  /// What the dataset yields.
  using item_type = dataset_item_t<D>;
  /// What the loader yields: `collate_t<item_type>`, through after_batch when there is one.
  using batch_type = loader_batch_t<item_type, AfterBatch>;

  /// Input iterator over one epoch's batches; move-only, and it owns the epoch's work.
  class iterator {
   public:
    /// Iterator traits: a single-pass (input) iterator over batches.
    using value_type = batch_type;
    using reference = batch_type&;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    /// An iterator that equals end() (what a moved-from iterator also is).
    iterator() = default;

    /// The current batch; may be moved from (`auto batch = std::move(*it)`).
    batch_type& operator*() const { return run_->current(); }
    /// Member access to the current batch.
    batch_type* operator->() const { return &run_->current(); }
    /// Waits for the next batch; throws the error of a batch that failed to load.
    iterator& operator++() {
      run_->advance();
      return *this;
    }
    /// Same as ++it (input iterators need not return a copy).
    void operator++(int) { ++*this; }
    /// True once the epoch has no batch left.
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.run_ || it.run_->done();
    }

   private:
    friend class DataLoader;
    explicit iterator(std::unique_ptr<detail::EpochRun<D, AfterBatch>> run)
        : run_(std::move(run)) {}
    std::unique_ptr<detail::EpochRun<D, AfterBatch>> run_;
  };

  /// Takes ownership of `dataset`; throws value_error for an invalid option.
  explicit DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::move(dataset), options, AfterBatch{}) {}

  /// Takes ownership of `dataset`; every collated batch then goes through
  /// `after_batch(std::move(batch), rng)` (fastai's after_batch, where batch transforms run), on
  /// the worker that collates it, with `rng = Generator::derive(seed, {epoch, b, key})` for
  /// batch b: reproducible like the items.
  DataLoader(D dataset, DataLoaderOptions options, AfterBatch after_batch)
      : dataset_(std::make_shared<const D>(std::move(dataset))),
        after_batch_(std::make_shared<const AfterBatch>(std::move(after_batch))),
        options_(options) {
    static_assert(detail::check_collatable<item_type>() || true);  // the message, once
    static_assert(std::same_as<AfterBatch, NoBatchTransform> ||
                      detail::BatchTransformFor<AfterBatch, collate_t<item_type>>,
                  "fastblock::DataLoader: after_batch must be callable as "
                  "`f(Batch&&, Generator&)` with the collated batch and return the new batch");
    detail::validate_options(options_);
    if (options_.num_workers > 0)
      pool_ = std::make_shared<ThreadPool>(static_cast<std::size_t>(options_.num_workers));
  }

  /// Starts epoch `epoch()` and waits for its first batch; the next begin() is the next epoch.
  iterator begin() {
    iterator it(make_run(epoch_++, std::numeric_limits<std::size_t>::max()));
    it.run_->advance();
    return it;
  }
  /// The end of every epoch; compare iterators with it.
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

  /// Batches per epoch: `len(dl)`.
  [[nodiscard]] std::size_t size() const noexcept {
    return detail::batch_count(fastblock::len(*dataset_), static_cast<std::size_t>(options_.bs),
                               options_.drop_last);
  }

  /// The first batch of the epoch the next begin() starts, without starting it (so looking at a
  /// batch before training changes nothing). Throws index_error when there is no batch. With
  /// OnBadItem::skip it logs the bad items it meets but does not count them, and it throws
  /// data_error when every item of the epoch is bad.
  [[nodiscard]] batch_type one_batch() const {
    if (size() == 0)
      detail::throw_no_batches(fastblock::len(*dataset_), options_.bs, options_.drop_last);
    auto run = make_run(epoch_, 1, false);
    run->advance();
    if (run->done()) detail::throw_all_skipped(fastblock::len(*dataset_));
    return std::move(run->current());
  }

  /// A loader over the same dataset and batch transform with other options (fastai's
  /// `dl.new(shuffle=False, drop_last=False)`), starting at epoch 0; value_error for an invalid
  /// option. It shares the dataset, and the worker pool when the thread count is unchanged.
  [[nodiscard]] DataLoader with_options(DataLoaderOptions options) const {
    detail::validate_options(options);
    DataLoader copy = *this;
    if (options.num_workers != options_.num_workers)
      copy.pool_ = options.num_workers > 0
                       ? std::make_shared<ThreadPool>(static_cast<std::size_t>(options.num_workers))
                       : nullptr;
    copy.options_ = options;
    copy.epoch_ = 0;
    copy.counts_ = std::make_shared<detail::SkipCounts>();
    return copy;
  }

  /// The epoch the next begin() starts (0 for a new loader).
  [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_; }
  /// Makes the next begin() start epoch `epoch` (to resume training, or to replay an epoch).
  void set_epoch(std::uint64_t epoch) noexcept { epoch_ = epoch; }

  /// The dataset the batches come from (fastai's `dl.dataset`).
  [[nodiscard]] const D& dataset() const noexcept { return *dataset_; }
  /// The options the loader was built with.
  [[nodiscard]] const DataLoaderOptions& options() const noexcept { return options_; }
  /// Items per batch (fastai's `dl.bs`).
  [[nodiscard]] std::int64_t bs() const noexcept { return options_.bs; }
  /// Items in the dataset (fastai's `dl.n`), bad ones included.
  [[nodiscard]] std::size_t n() const noexcept { return fastblock::len(*dataset_); }

  /// Items skipped as bad input by the last epoch that ran to its end (0 before one has).
  [[nodiscard]] std::size_t skipped() const noexcept {
    return counts_->last_epoch.load(std::memory_order_relaxed);
  }
  /// Items skipped as bad input by every epoch so far, finished or not, counted again in each
  /// epoch that meets them (one_batch() counts nothing).
  [[nodiscard]] std::size_t total_skipped() const noexcept {
    return counts_->total.load(std::memory_order_relaxed);
  }
  /// The dataset indices of the bad items met so far, each once, ascending: those logged.
  [[nodiscard]] std::vector<std::size_t> bad_items() const { return log_->indices(); }

 private:
  [[nodiscard]] std::unique_ptr<detail::EpochRun<D, AfterBatch>> make_run(std::uint64_t epoch,
                                                                          std::size_t max_batches,
                                                                          bool count = true) const {
    return std::make_unique<detail::EpochRun<D, AfterBatch>>(
        dataset_, after_batch_, options_, epoch, pool_, max_batches,
        detail::SkipSink{log_, counts_, count});
  }

  std::shared_ptr<const D> dataset_;
  std::shared_ptr<const AfterBatch> after_batch_;
  DataLoaderOptions options_;
  std::shared_ptr<ThreadPool> pool_;  // only for num_workers > 0; shared by copies
  std::uint64_t epoch_ = 0;
  // Shared by copies, and by epochs that outlive the loader.
  std::shared_ptr<detail::BadItemLog> log_ = std::make_shared<detail::BadItemLog>();
  std::shared_ptr<detail::SkipCounts> counts_ = std::make_shared<detail::SkipCounts>();
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/dataloader-inl.hpp>
#endif
