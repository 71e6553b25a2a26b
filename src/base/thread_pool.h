// ThreadPool: a fixed set of worker threads for fine-grained parallel loops.
//
// ParallelFor (parallel.h) starts and joins threads on every call, which is
// fine for per-file work but costs tens of microseconds; a language model
// decoding one token runs a dozen matrix products per layer, so the runtime
// keeps its threads alive between calls.
//
// Run(n, fn) calls fn(0) ... fn(n - 1), spread over the workers and the
// calling thread, and returns when all have returned. Calls to Run are
// serialised (one loop at a time); fn must not call Run on the same pool and
// must not throw. Indices are handed out in order from a shared counter.
#ifndef MODELGATE_BASE_THREAD_POOL_H_
#define MODELGATE_BASE_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace modelgate {

class ThreadPool {
 public:
  // `threads` counts the caller: ThreadPool(1) runs everything inline.
  // 0 = one per core.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;  // owns threads
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return size_; }
  void Run(std::size_t n, const std::function<void(std::size_t)>& fn);

 private:
  void WorkerLoop();
  void Drain();

  unsigned size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mu_;  // one Run at a time
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::uint64_t generation_ = 0;  // guarded by mu_; bumped per Run
  bool stop_ = false;             // guarded by mu_
  unsigned busy_ = 0;             // workers inside the current loop, guarded by mu_
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0;
  std::atomic<std::size_t> next_{0};
};

}  // namespace modelgate

#endif  // MODELGATE_BASE_THREAD_POOL_H_
