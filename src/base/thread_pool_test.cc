#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace modelgate {
namespace {

TEST(ThreadPool, RunsEveryIndexOnceAcrossManyCalls) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3u);
  for (std::size_t n : {0u, 1u, 2u, 7u, 1000u}) {
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> hits(n);
      pool.Run(n, [&](std::size_t i) { hits[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << n << " " << i;
    }
  }
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  const std::thread::id self = std::this_thread::get_id();
  bool inline_only = true;
  pool.Run(10, [&](std::size_t) { inline_only = inline_only && std::this_thread::get_id() == self; });
  EXPECT_TRUE(inline_only);
}

}  // namespace
}  // namespace modelgate
