// fastblock/core/thread_pool-inl.hpp — out-of-line definitions for core/thread_pool.hpp.
//
// Included by thread_pool.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>

namespace fastblock {

namespace detail {

/// The pool whose worker the calling thread is, or nullptr; set once when a worker starts.
FASTBLOCK_FUNC const ThreadPool*& current_thread_pool() noexcept {
  thread_local const ThreadPool* pool = nullptr;
  return pool;
}

FASTBLOCK_FUNC std::size_t parse_num_threads(std::string_view text) {
  constexpr std::string_view blanks = " \t\n\r\f\v";
  std::string_view digits = text;
  const auto first = digits.find_first_not_of(blanks);
  digits = first == std::string_view::npos ? std::string_view{} : digits.substr(first);
  digits = digits.substr(0, digits.find_last_not_of(blanks) + 1);

  std::size_t value = 0;
  bool valid = false;
  if (!digits.empty()) {
    const char* const last = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), last, value);
    valid = ec == std::errc{} && ptr == last && value > 0;
  }
  if (!valid) {
    throw value_error("FASTBLOCK_NUM_THREADS must be a positive integer, got \"" +
                      std::string(text) + "\"");
  }
  return value;
}

FASTBLOCK_FUNC void run_parallel_chunks(ParallelForState& state, ChunkRef f) {
  for (;;) {
    const std::uint64_t i = state.next_chunk.fetch_add(1, std::memory_order_relaxed);
    if (i >= state.n_chunks) return;
    // After a failure the remaining chunks are only counted down, not run: the call will throw.
    if (!state.failed.load(std::memory_order_relaxed)) {
      const std::uint64_t lo = i * state.chunk_base + std::min(i, state.chunk_remainder);
      const std::uint64_t hi = lo + state.chunk_base + (i < state.chunk_remainder ? 1 : 0);
      // Offsets may exceed INT64_MAX for huge ranges; unsigned addition wraps back correctly.
      const auto base = static_cast<std::uint64_t>(state.begin);
      try {
        f(static_cast<std::int64_t>(base + lo), static_cast<std::int64_t>(base + hi));
      } catch (...) {
        const std::lock_guard lock(state.mutex);
        if (!state.error) state.error = std::current_exception();
        state.failed.store(true, std::memory_order_relaxed);
      }
    }
    const std::lock_guard lock(state.mutex);
    if (--state.pending == 0) state.all_done.notify_all();
  }
}

}  // namespace detail

FASTBLOCK_FUNC ThreadPool::ThreadPool(std::size_t n_threads) : n_threads_(n_threads) {
  if (n_threads == 0) throw value_error("fastblock::ThreadPool: n_threads must be >= 1, got 0");
  try {
    workers_.reserve(n_threads);
    for (std::size_t i = 0; i < n_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (...) {
    // The destructor will not run, and workers already started would wait forever in theirs.
    shutdown();
    throw;
  }
}

FASTBLOCK_FUNC ThreadPool::~ThreadPool() { shutdown(); }

FASTBLOCK_FUNC void ThreadPool::shutdown() noexcept {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::jthread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

FASTBLOCK_FUNC bool ThreadPool::in_worker() const noexcept {
  return detail::current_thread_pool() == this;
}

FASTBLOCK_FUNC void ThreadPool::throw_bad_grain(std::int64_t grain) {
  throw value_error("fastblock::ThreadPool::parallel_for: grain must be >= 1, got " +
                    std::to_string(grain));
}

FASTBLOCK_FUNC void ThreadPool::parallel_chunks(std::int64_t begin, std::uint64_t n,
                                                std::uint64_t max_chunks, detail::ChunkRef f) {
  // A few chunks per participant lets fast threads pick up the slack of slow ones.
  // The caller is one of the size() threads: with FASTBLOCK_NUM_THREADS=2 on two cores, two
  // threads compute, not three (oversubscription made 2 threads slower than 1).
  const std::uint64_t participants = static_cast<std::uint64_t>(n_threads_);
  const std::uint64_t n_chunks = std::min(max_chunks, participants * chunks_per_thread);

  auto state = std::make_shared<detail::ParallelForState>();
  state->begin = begin;
  state->chunk_base = n / n_chunks;
  state->chunk_remainder = n % n_chunks;
  state->n_chunks = n_chunks;
  state->pending = n_chunks;

  const std::uint64_t helpers = std::min<std::uint64_t>(n_chunks - 1, participants - 1);
  try {
    for (std::uint64_t h = 0; h < helpers; ++h) {
      enqueue(detail::PoolTask([state, f] { detail::run_parallel_chunks(*state, f); }));
    }
  } catch (...) {
    // Fewer helpers only means the caller does more of the work; correctness is unaffected.
  }
  detail::run_parallel_chunks(*state, f);
  std::unique_lock lock(state->mutex);
  state->all_done.wait(lock, [&] { return state->pending == 0; });
  if (state->error) std::rethrow_exception(state->error);
}

FASTBLOCK_FUNC void ThreadPool::enqueue(detail::PoolTask task) {
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
}

FASTBLOCK_FUNC void ThreadPool::worker_loop() {
  detail::current_thread_pool() = this;
  for (;;) {
    detail::PoolTask task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Once stopping, keep draining: the destructor promises queued tasks still run.
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // Never throws: submit() wraps user code in a packaged_task, parallel_for catches per chunk.
    task();
  }
}

FASTBLOCK_FUNC std::size_t default_num_threads() {
  const char* const value = std::getenv("FASTBLOCK_NUM_THREADS");
  if (value != nullptr && *value != '\0') return detail::parse_num_threads(value);
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<std::size_t>(hardware);
}

FASTBLOCK_FUNC ThreadPool& default_thread_pool() {
  static ThreadPool pool([] {
    detail::default_pool_created = true;
    const std::size_t requested = detail::requested_num_threads;
    return requested > 0 ? requested : default_num_threads();
  }());
  return pool;
}

FASTBLOCK_FUNC void set_num_threads(std::size_t n) {
  if (n == 0) throw value_error("fastblock::set_num_threads: needs at least 1 thread");
  detail::requested_num_threads = n;
  if (detail::default_pool_created && default_thread_pool().size() != n)
    throw value_error("fastblock::set_num_threads(" + std::to_string(n) +
                      "): the thread pool already runs " +
                      std::to_string(default_thread_pool().size()) +
                      " threads; call set_num_threads before anything else uses it");
}

}  // namespace fastblock
