// Parallel trial runner whose results do not depend on the number of threads.
//
// Work is split into whole trials; each trial builds its own generators from its stream keys,
// writes its result into the slot of its index, and reductions run afterwards in index order. The
// output is therefore bit-identical for any thread count on a given platform.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace banditry::sim {

/// Number of threads to use when the caller passes 0: the hardware concurrency, at least 1.
inline unsigned default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

/// Runs `trial(t)` for t = 0..count-1 on `threads` threads (0 = default_threads()) and returns the
/// results in trial order. The first exception thrown by a trial stops further trials and is
/// rethrown here. \tparam Trial callable `Result(std::size_t)`, Result default-constructible.
template <class Trial>
auto run_trials(std::size_t count, unsigned threads, Trial&& trial)
    -> std::vector<std::invoke_result_t<Trial&, std::size_t>> {
  using Result = std::invoke_result_t<Trial&, std::size_t>;
  std::vector<Result> results(count);
  if (threads == 0) threads = default_threads();
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(count, 1)));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= count) return;
      try {
        results[t] = trial(t);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker);
  }
  if (error) std::rethrow_exception(error);
  return results;
}

}  // namespace banditry::sim
