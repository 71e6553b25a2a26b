// ParallelFor: runs fn(0) ... fn(n - 1) on up to `jobs` threads (0 = one per
// core), handing out indices in order from a shared counter, so callers that
// sort their work longest-first get longest-first scheduling. Returns when
// every call has returned. fn must be safe to call concurrently and must not
// throw.
#ifndef MODELGATE_BASE_PARALLEL_H_
#define MODELGATE_BASE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace modelgate {

template <typename Fn>
void ParallelFor(std::size_t n, unsigned jobs, Fn&& fn) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::min<std::size_t>(n, jobs != 0 ? jobs : hw);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
}

}  // namespace modelgate

#endif  // MODELGATE_BASE_PARALLEL_H_
