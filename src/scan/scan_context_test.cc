// Tests for ScanContext: the per-id findings cap, depth and decompression
// budgets.
#include "scan/scan_context.h"

#include <gtest/gtest.h>

#include "modelgate/policy.h"

namespace modelgate {
namespace {

int CountId(const std::vector<Finding>& fs, const std::string& id) {
  int n = 0;
  for (const Finding& f : fs) n += f.id == id;
  return n;
}

TEST(ScanContext, CapKeepsTheMostSevereOccurrenceVisible) {
  Limits limits;
  limits.max_findings_per_file = 3;
  ScanContext ctx("f", limits, Policy::Builtin());
  for (int i = 0; i < 10; ++i) ctx.Report("X-ID", Severity::kLow, "t", "", std::nullopt, "d");
  ctx.Report("X-ID", Severity::kCritical, "t", "", std::nullopt, "d");  // beyond the cap
  std::vector<Finding> fs = ctx.TakeFindings();
  EXPECT_EQ(CountId(fs, "X-ID"), 3);
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.front().id, "X-ID");
  EXPECT_EQ(fs.front().severity, Severity::kCritical);
  ASSERT_EQ(CountId(fs, "REPORT-FINDINGS-CAPPED"), 1);
  for (const Finding& f : fs) {
    if (f.id == "REPORT-FINDINGS-CAPPED") {
      EXPECT_NE(f.detail.find("11 times"), std::string::npos) << f.detail;
    }
  }
}

TEST(ScanContext, RefusesChildrenBeyondTheDepthLimit) {
  Limits limits;
  limits.max_nesting_depth = 1;
  ScanContext ctx("f", limits, Policy::Builtin());
  Blob root;
  ctx.EnqueueChild(root, "a", ByteView(), nullptr);
  ASSERT_TRUE(ctx.HasPending());
  Blob a = ctx.PopPending();
  EXPECT_EQ(a.member, "a");
  ctx.EnqueueChild(a, "b", ByteView(), nullptr);
  EXPECT_FALSE(ctx.HasPending());
  EXPECT_EQ(CountId(ctx.TakeFindings(), "CONTAINER-DEPTH-LIMIT"), 1);
}

TEST(ScanContext, DecompressionBudgetIsChargedAndReportedOnce) {
  Limits limits;
  limits.max_decompressed_bytes = 100;
  ScanContext ctx("f", limits, Policy::Builtin());
  Blob root;
  EXPECT_TRUE(ctx.ChargeDecompressed(60, root));
  EXPECT_EQ(ctx.DecompressionBudget(), 40u);
  EXPECT_FALSE(ctx.ChargeDecompressed(41, root));
  EXPECT_FALSE(ctx.ChargeDecompressed(1, root));
  EXPECT_EQ(CountId(ctx.TakeFindings(), "CONTAINER-DECOMPRESSION-LIMIT"), 1);
}

}  // namespace
}  // namespace modelgate
