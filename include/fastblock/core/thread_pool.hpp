// fastblock/core/thread_pool.hpp — the worker threads shared by data loading and CPU kernels.
//
// Contract: a ThreadPool owns a fixed set of std::jthread workers fed from one FIFO queue. submit()
// hands back a std::future that carries the task's value or exception. parallel_for() splits an
// index range into contiguous chunks, lets the calling thread work on them too, and blocks until
// all are done; because it falls back to running inline when called from one of the pool's own
// workers (nested parallelism) or when the range is too small to split, it cannot deadlock.
// Destroying a pool runs every task already queued, then joins the workers.
//
// default_thread_pool() is the process-wide instance; set_num_threads(n) before its first use, or
// FASTBLOCK_NUM_THREADS, sets its size.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

namespace detail {

class PoolTask;

/// What PoolTask can own: a callable invocable as an lvalue once decay-copied, other than a
/// PoolTask itself (which must be moved, not wrapped).
template <class F>
concept PoolTaskCallable =
    !std::same_as<std::remove_cvref_t<F>, PoolTask> && std::invocable<std::decay_t<F>&>;

/// What parallel_for accepts: f(chunk_begin, chunk_end), called as an lvalue.
template <class F>
concept ChunkFunction = std::invocable<F&, std::int64_t, std::int64_t>;

/// A move-only type-erased `void()` callable for the queue.
///
/// std::function demands copyable targets and std::packaged_task is move-only;
/// std::move_only_function would do, but it is C++23.
class PoolTask {
 public:
  /// An empty task; calling it is undefined, it only exists to be assigned to.
  PoolTask() = default;

  /// Takes ownership of (a decayed copy of) `f`.
  template <PoolTaskCallable F>
  explicit PoolTask(F&& f) : impl_(std::make_unique<Holder<std::decay_t<F>>>(std::forward<F>(f))) {}

  /// Runs the stored callable.
  void operator()() { impl_->run(); }

  /// Whether a callable is stored.
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  struct HolderBase {
    virtual ~HolderBase() = default;
    virtual void run() = 0;
  };

  template <class F>
  struct Holder final : HolderBase {
    template <class G>
    explicit Holder(G&& g) : fn(std::forward<G>(g)) {}
    void run() override { fn(); }
    F fn;
  };

  std::unique_ptr<HolderBase> impl_;
};

/// Book-keeping shared by the caller and the helper tasks of one parallel_for call.
///
/// Held by std::shared_ptr because helper tasks may be dequeued after the call has returned; such
/// late helpers only find that no chunk is left and never touch the user's callable.
struct ParallelForState {
  std::int64_t begin = 0;
  std::uint64_t chunk_base = 0;       // every chunk has at least this many indices ...
  std::uint64_t chunk_remainder = 0;  // ... and the first chunk_remainder chunks one more
  std::uint64_t n_chunks = 0;
  std::atomic<std::uint64_t> next_chunk{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::condition_variable all_done;
  std::uint64_t pending = 0;  // chunks not yet finished; guarded by mutex
  std::exception_ptr error;   // first exception thrown by a chunk; guarded by mutex
};

/// Claims and runs chunks until none is left; shared by the caller and every helper.
///
/// Takes `f` by pointer so a late helper never forms a reference to a callable that has gone.
/// A non-owning reference to a chunk function `void(std::int64_t, std::int64_t)`. parallel_for
/// erases the caller's lambda into one of these, so the scheduling code below is compiled once
/// instead of once per call site (it dominated the parse time of the kernel headers).
class ChunkRef {
 public:
  template <class F>
  explicit ChunkRef(F& f) noexcept
      : obj_(std::addressof(f)), call_([](void* o, std::int64_t b, std::int64_t e) {
          std::invoke(*static_cast<F*>(o), b, e);
        }) {}
  void operator()(std::int64_t b, std::int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, std::int64_t, std::int64_t);
};

/// Claims and runs chunks until none are left; records the first exception.
void run_parallel_chunks(ParallelForState& state, ChunkRef f);
/// Parses a FASTBLOCK_NUM_THREADS value: a positive decimal integer, surrounding blanks allowed.
///
/// Kept separate from the environment lookup so it can be tested without touching the process
/// environment or the default pool. Throws value_error naming the variable and the value.
[[nodiscard]] std::size_t parse_num_threads(std::string_view text);

}  // namespace detail

/// A fixed-size pool of worker threads with a FIFO task queue.
///
/// Tasks must not block waiting for other tasks of the same pool (e.g. future::get() on a task
/// submitted to it) — that can deadlock once every worker waits. parallel_for is the safe way to
/// nest parallel work.
class ThreadPool {
 public:
  /// Starts `n_threads` workers; throws value_error if n_threads is 0.
  explicit ThreadPool(std::size_t n_threads);

  /// Lets the workers finish every queued task, then joins them.
  ~ThreadPool();

  /// Workers keep `this`, so a pool cannot be copied or moved.
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  /// Number of worker threads. parallel_for computes on at most this many threads, counting its
  /// caller, so a pool of N never oversubscribes N cores.
  [[nodiscard]] std::size_t size() const noexcept { return n_threads_; }

  /// Whether the calling thread is one of this pool's workers.
  [[nodiscard]] bool in_worker() const noexcept;

  /// Queues `f` and returns a future for its result; an exception thrown by `f` is rethrown by
  /// future::get().
  template <std::invocable F>
  auto submit(F&& f) -> std::future<std::invoke_result_t<F>> {
    std::packaged_task<std::invoke_result_t<F>()> task(std::forward<F>(f));
    auto future = task.get_future();
    enqueue(detail::PoolTask(std::move(task)));
    return future;
  }

  /// Calls f(chunk_begin, chunk_end) over contiguous chunks covering [begin, end) exactly once.
  ///
  /// Chunks hold at least `grain` indices (grain >= 1, else value_error); an empty range is a
  /// no-op. The calling thread runs chunks too, with at most size() - 1 workers helping, and the
  /// call returns when all are finished. `f` is
  /// called concurrently from several threads, so it must be safe to call that way. If chunks
  /// throw, chunks not yet started are skipped and the first exception is rethrown here. Runs
  /// f(begin, end) inline when the range holds fewer than 2 * grain indices or when called from a
  /// worker of this pool, so nested parallel_for calls never deadlock.
  template <detail::ChunkFunction F>
  void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, F&& f) {
    if (grain < 1) throw_bad_grain(grain);
    if (end <= begin) return;
    // Unsigned, because end - begin can exceed INT64_MAX.
    const std::uint64_t n = static_cast<std::uint64_t>(end) - static_cast<std::uint64_t>(begin);
    const std::uint64_t max_chunks = n / static_cast<std::uint64_t>(grain);
    if (max_chunks < 2 || in_worker()) {
      std::invoke(f, begin, end);
      return;
    }
    parallel_chunks(begin, n, max_chunks, detail::ChunkRef(f));
  }

 private:
  static constexpr std::uint64_t chunks_per_thread = 4;

  [[noreturn]] static void throw_bad_grain(std::int64_t grain);
  /// The scheduling part of parallel_for: `n` indices from `begin` in at most `max_chunks` chunks.
  void parallel_chunks(std::int64_t begin, std::uint64_t n, std::uint64_t max_chunks,
                       detail::ChunkRef f);
  void enqueue(detail::PoolTask task);
  void worker_loop();
  void shutdown() noexcept;

  std::size_t n_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<detail::PoolTask> queue_;  // guarded by mutex_
  bool stopping_ = false;               // guarded by mutex_
  std::vector<std::jthread> workers_;
};

/// Worker count for default_thread_pool(): FASTBLOCK_NUM_THREADS if set and non-empty, otherwise
/// std::thread::hardware_concurrency() (at least 1). Throws value_error for an invalid value.
[[nodiscard]] std::size_t default_num_threads();

/// The process-wide pool shared by data loading and CPU kernels, created on first use with
/// set_num_threads()'s count, else default_num_threads() workers, and joined at program exit.
ThreadPool& default_thread_pool();

/// torch.set_num_threads for fastblock: the size of default_thread_pool(), which is created with
/// it on first use. value_error for 0, and once the pool runs with another size (a pool in use
/// cannot be resized without stopping the work on it: call this first thing in main).
void set_num_threads(std::size_t n);

namespace detail {
/// set_num_threads()'s request (0: none), read when the pool is created.
inline std::atomic<std::size_t> requested_num_threads{0};
/// Set when default_thread_pool() has been created.
inline std::atomic<bool> default_pool_created{false};
}  // namespace detail

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/core/thread_pool-inl.hpp>
#endif
