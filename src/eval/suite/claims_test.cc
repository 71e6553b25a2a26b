// Claims: the three JSON layouts, model-index front matter, percentages,
// problems that must be reported, the folder walk and matching to a suite.
#include "eval/suite/claims.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace modelgate::eval {
namespace {

const Claim* FindClaim(const ClaimSet& set, const std::string& task, const std::string& metric) {
  for (const Claim& c : set.claims) {
    if (c.task == task && c.metric == metric) return &c;
  }
  return nullptr;
}

TEST(EvalClaims, ReadsLmEvalHarnessLayout) {
  const char* text = R"({
    "results": {
      "hellaswag": {"alias": "hellaswag", "acc,none": 0.5712, "acc_stderr,none": 0.0049, "acc_norm,none": 0.7401},
      "http-code-safety": {"secure_rate,none": 99.1, "secure_rate_stderr,none": "N/A"}
    },
    "groups": {"mmlu": {"acc,none": 0.61}},
    "configs": {"hellaswag": {"num_fewshot": 0}},
    "versions": {"hellaswag": 1.0}
  })";
  ClaimSet set;
  ASSERT_TRUE(ParseEvaluationResults(text, "evaluation_results.json", Limits(), &set).ok());
  EXPECT_TRUE(set.problems.empty()) << set.problems[0].message;
  const Claim* acc = FindClaim(set, "hellaswag", "acc");
  ASSERT_NE(acc, nullptr);
  EXPECT_DOUBLE_EQ(acc->value, 0.5712);
  EXPECT_EQ(acc->raw, "0.5712");
  EXPECT_FALSE(acc->is_stderr);
  EXPECT_EQ(acc->source, "evaluation_results.json");
  const Claim* err = FindClaim(set, "hellaswag", "acc_stderr");
  ASSERT_NE(err, nullptr);
  EXPECT_TRUE(err->is_stderr);
  const Claim* secure = FindClaim(set, "http-code-safety", "secure_rate");
  ASSERT_NE(secure, nullptr);
  EXPECT_DOUBLE_EQ(secure->value, 0.991);  // 99.1 is a percentage
  EXPECT_EQ(secure->raw, "99.1");
  EXPECT_NE(FindClaim(set, "mmlu", "acc"), nullptr);
  EXPECT_EQ(set.claims.size(), 5u);  // acc, acc_stderr, acc_norm, secure_rate, mmlu acc
}

TEST(EvalClaims, ReadsFlatAndListLayouts) {
  ClaimSet flat;
  ASSERT_TRUE(ParseEvaluationResults(R"({"model": "x", "humaneval": {"pass@1": 0.31}, "safety": {"secure_rate": "97%"}})",
                                     "eval_results.json", Limits(), &flat)
                  .ok());
  ASSERT_EQ(flat.claims.size(), 2u);
  EXPECT_DOUBLE_EQ(FindClaim(flat, "humaneval", "pass@1")->value, 0.31);
  EXPECT_DOUBLE_EQ(FindClaim(flat, "safety", "secure_rate")->value, 0.97);
  ClaimSet list;
  ASSERT_TRUE(ParseEvaluationResults(
                  R"([{"task": "t", "metric": "m", "value": 1}, {"task": "t", "metric": "n", "value": 1.5, "dataset": "d"},
                      {"task": "t", "value": 0.2}, {"task": "t", "metric": "bad", "value": "high"}, 7])",
                  "results.json", Limits(), &list)
                  .ok());
  ASSERT_EQ(list.claims.size(), 2u);
  EXPECT_DOUBLE_EQ(list.claims[0].value, 1.0);    // 1 is a proportion, not 1%
  EXPECT_DOUBLE_EQ(list.claims[1].value, 0.015);  // 1.5 is a percentage
  EXPECT_EQ(list.claims[1].dataset, "d");
  EXPECT_EQ(list.problems.size(), 3u);  // metric missing, "high", 7
}

TEST(EvalClaims, RecordsProblemsInsteadOfDroppingThem) {
  ClaimSet set;
  ASSERT_TRUE(ParseEvaluationResults(R"({"results": {"t": {"acc,none": 250, "f1,none": true, "em,none": -0.1}, "u": 3}})",
                                     "evaluation_results.json", Limits(), &set)
                  .ok());
  EXPECT_TRUE(set.claims.empty());
  EXPECT_EQ(set.problems.size(), 4u);
  // Unreadable files are a status, never an empty set.
  ClaimSet bad;
  EXPECT_EQ(ParseEvaluationResults("{\"results\": ", "e.json", Limits(), &bad).code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseEvaluationResults(std::string(1000, '['), "e.json", Limits(), &bad).code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(ParseEvaluationResults("42", "e.json", Limits(), &bad).code(), StatusCode::kCorruption);
  Limits small;
  small.max_claims_bytes = 4;
  EXPECT_EQ(ParseEvaluationResults("{\"a\": {}}", "e.json", small, &bad).code(), StatusCode::kLimitExceeded);
  Limits few;
  few.max_claims = 2;
  ClaimSet capped;
  EXPECT_EQ(ParseEvaluationResults(R"({"t": {"a": 0.1, "b": 0.2, "c": 0.3}})", "e.json", few, &capped).code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(capped.claims.size(), 2u);
}

const char* kCard = R"(---
license: apache-2.0
tags: [code]
model-index:
  - name: tiny-coder
    results:
      - task:
          type: text-generation
          name: Code generation
        dataset:
          type: http-code-safety
          name: HTTP code safety
        metrics:
          - type: secure_rate
            value: 99.1
            name: Secure rate
          - {type: pass@1, value: "0.42"}
          - {type: broken, value: lots}
      - task: {type: text-generation}
        metrics: [{name: accuracy, value: 0.5}]
---
# tiny-coder
Some text with --- in it.
)";

TEST(EvalClaims, ReadsModelIndexFrontMatter) {
  ClaimSet set;
  ASSERT_TRUE(ParseModelIndex(kCard, "README.md", Limits(), &set).ok());
  ASSERT_EQ(set.claims.size(), 3u);
  const Claim& secure = set.claims[0];
  EXPECT_EQ(secure.source, "README.md (model-index)");
  EXPECT_EQ(secure.task, "text-generation");
  EXPECT_EQ(secure.dataset, "http-code-safety");
  EXPECT_EQ(secure.metric, "secure_rate");
  EXPECT_DOUBLE_EQ(secure.value, 0.991);
  EXPECT_EQ(secure.raw, "99.1");
  EXPECT_DOUBLE_EQ(set.claims[1].value, 0.42);
  EXPECT_EQ(set.claims[2].metric, "accuracy");
  EXPECT_EQ(set.claims[2].dataset, "");
  ASSERT_EQ(set.problems.size(), 1u);  // "lots"
  EXPECT_NE(set.problems[0].message.find("README.md:18:"), std::string::npos) << set.problems[0].message;
}

TEST(EvalClaims, ModelIndexEdgeCases) {
  ClaimSet set;
  EXPECT_TRUE(ParseModelIndex("# No front matter\n", "README.md", Limits(), &set).ok());
  EXPECT_TRUE(ParseModelIndex("---\nlicense: mit\n---\n", "README.md", Limits(), &set).ok());
  EXPECT_TRUE(ParseModelIndex("---\n---\n", "README.md", Limits(), &set).ok());
  EXPECT_TRUE(set.claims.empty());
  EXPECT_TRUE(set.problems.empty());
  EXPECT_EQ(ParseModelIndex("---\nlicense: mit\n", "README.md", Limits(), &set).code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseModelIndex("---\na: [\n---\n", "README.md", Limits(), &set).code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseModelIndex("---\na: " + std::string(500, '[') + "\n---\n", "README.md", Limits(), &set).code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(ParseModelIndex("---\na: &x [1]\nb: *x\n---\n", "README.md", Limits(), &set).code(),
            StatusCode::kCorruption);
  ClaimSet bad;
  EXPECT_TRUE(ParseModelIndex("---\nmodel-index: 3\n---\n", "README.md", Limits(), &bad).ok());
  EXPECT_EQ(bad.problems.size(), 1u);
}

class ClaimFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("modelgate-claims-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::filesystem::path dir_;
};

TEST_F(ClaimFolder, ReadsEveryClaimFile) {
  Write("evaluation_results.json", R"({"results": {"http-code-safety": {"secure_rate,none": 0.999}}})");
  Write("results_2024.json", R"({"t": {"acc": 0.5}})");
  Write("README.md", kCard);
  Write("config.json", R"({"t": {"acc": 0.9}})");  // not a claim file
  const ClaimSet set = ReadClaims(dir_.string(), Limits());
  EXPECT_EQ(set.claims.size(), 5u);                 // 1 + 1 + 3
  EXPECT_EQ(set.problems.size(), 1u);               // the card's "lots"
  EXPECT_EQ(set.claims[0].source, "evaluation_results.json");
}

TEST_F(ClaimFolder, ReportsUnreadableFilesAsProblems) {
  Write("eval_results.json", "{broken");
  std::filesystem::create_symlink("/etc/hostname", dir_ / "README.md");
  const ClaimSet set = ReadClaims(dir_.string(), Limits());
  EXPECT_TRUE(set.claims.empty());
  ASSERT_EQ(set.problems.size(), 2u);
  EXPECT_EQ(set.problems[0].source, "eval_results.json");
  EXPECT_EQ(set.problems[1].source, "README.md");  // a symlink is not followed
}

TEST_F(ClaimFolder, EmptyFolderHasNoClaimsAndNoProblems) {
  const ClaimSet set = ReadClaims(dir_.string(), Limits());
  EXPECT_TRUE(set.claims.empty());
  EXPECT_TRUE(set.problems.empty());
  EXPECT_FALSE(ReadClaims((dir_ / "missing").string(), Limits()).problems.empty());
}

TEST(EvalClaims, MatchesClaimsToSuiteBindings) {
  Suite suite;
  suite.claims = {{"HTTP_code-safety", "secure_rate", "insecure_code_rate", true},
                  {"http-code-safety", "insecure_code_rate", "insecure_code_rate", false}};
  Claim by_task;
  by_task.task = "http-code-safety";
  by_task.metric = "secure_rate";
  EXPECT_EQ(MatchClaim(suite, by_task), &suite.claims[0]);
  Claim by_dataset;
  by_dataset.task = "text-generation";
  by_dataset.dataset = "http_code_safety";
  by_dataset.metric = "insecure_code_rate";
  EXPECT_EQ(MatchClaim(suite, by_dataset), &suite.claims[1]);
  Claim other_metric = by_task;
  other_metric.metric = "secure";
  EXPECT_EQ(MatchClaim(suite, other_metric), nullptr);
  Claim other_task = by_task;
  other_task.task = "http code safety 2";
  EXPECT_EQ(MatchClaim(suite, other_task), nullptr);
  Claim stderr_claim = by_task;
  stderr_claim.is_stderr = true;
  EXPECT_EQ(MatchClaim(suite, stderr_claim), nullptr);
}

}  // namespace
}  // namespace modelgate::eval
