#include "forensics/diff.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "forensics/forensics_test_util.h"

namespace modelgate::forensics {
namespace {

using testing::F32Tensor;
using testing::Gaussian;

constexpr int kVocab = 200, kDim = 32, kLayers = 2;

// A small GPT-2-shaped model with Gaussian weights.
std::vector<F32Tensor> BaseModel() {
  std::vector<F32Tensor> m;
  std::uint64_t seed = 1;
  auto add = [&](std::string name, std::vector<std::uint64_t> shape, float scale) {
    std::uint64_t n = 1;
    for (auto d : shape) n *= d;
    m.push_back({std::move(name), shape, Gaussian(n, scale, seed++)});
  };
  add("transformer.wte.weight", {kVocab, kDim}, 0.02f);
  for (int l = 0; l < kLayers; ++l) {
    std::string p = "transformer.h." + std::to_string(l) + ".";
    add(p + "ln_1.weight", {kDim}, 0.1f);
    add(p + "ln_1.bias", {kDim}, 0.1f);
    add(p + "attn.c_attn.weight", {3 * kDim, kDim}, 0.02f);
    add(p + "attn.c_attn.bias", {3 * kDim}, 0.02f);
    add(p + "attn.c_proj.weight", {kDim, kDim}, 0.02f);
    add(p + "mlp.c_fc.weight", {4 * kDim, kDim}, 0.02f);
    add(p + "mlp.c_proj.weight", {kDim, 4 * kDim}, 0.02f);
  }
  add("lm_head.weight", {kVocab, kDim}, 0.02f);
  return m;
}

F32Tensor* Get(std::vector<F32Tensor>& m, const std::string& name) {
  for (auto& t : m) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// Adds a rank-r product B A (B: rows x r, A: r x cols) to a matrix.
void AddLowRank(F32Tensor* t, int r, float scale, std::uint64_t seed) {
  const std::uint64_t rows = t->shape[0], cols = t->shape[1];
  auto b = Gaussian(rows * r, scale, seed);
  auto a = Gaussian(r * cols, 1.0f, seed + 100);
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t j = 0; j < cols; ++j) {
      float s = 0;
      for (int k = 0; k < r; ++k) s += b[i * r + k] * a[k * cols + j];
      t->values[i * cols + j] += s;
    }
  }
}

Classification Classify(const std::vector<F32Tensor>& base, const std::vector<F32Tensor>& cand,
                        const Vocabulary& vocab = {}, bool candidate_bf16 = false) {
  TensorSource b, c;
  for (const auto& t : base) testing::AddF32(&b, t);
  for (const auto& t : cand) candidate_bf16 ? testing::AddBF16(&c, t) : testing::AddF32(&c, t);
  DiffOptions options;
  options.jobs = 2;
  return DiffSources(b, c, vocab, options).classification;
}

TEST(DiffTest, IdenticalModels) {
  auto base = BaseModel();
  EXPECT_EQ(Classify(base, base).kind, ChangeKind::kIdentical);
}

// Every tensor moved by small full-rank noise: what training does.
std::vector<F32Tensor> FineTuned(std::vector<F32Tensor> model, std::uint64_t seed) {
  for (auto& t : model) {
    auto noise = Gaussian(t.values.size(), 2e-4f, seed++);
    for (std::size_t i = 0; i < noise.size(); ++i) t.values[i] += noise[i];
  }
  return model;
}

TEST(DiffTest, FullRankChangesEverywhereAreAFineTune) {
  auto base = BaseModel();
  auto cand = FineTuned(base, 500);
  Classification c = Classify(base, cand);
  EXPECT_EQ(c.kind, ChangeKind::kFineTune) << c.summary;
  for (const Finding& f : c.findings) EXPECT_LT(f.severity, Severity::kHigh) << f.id;
}

TEST(DiffTest, SpectraOnlyWhenTheVerdictNeedsThemUnlessAskedFor) {
  auto base = BaseModel();
  auto cand = FineTuned(base, 900);
  TensorSource b, c;
  for (const auto& t : base) testing::AddF32(&b, t);
  for (const auto& t : cand) testing::AddF32(&c, t);
  auto spectra = [&](SpectraMode mode) {
    DiffOptions options;
    options.spectra = mode;
    DiffReport r = DiffSources(b, c, {}, options);
    return std::count_if(r.tensors.begin(), r.tensors.end(), [](const TensorDiff& d) { return d.spectrum.has_value(); });
  };
  EXPECT_EQ(spectra(SpectraMode::kAuto), 0);  // norms and biases moved too: a fine-tune whatever the ranks
  EXPECT_EQ(spectra(SpectraMode::kAll), 2 + 4 * kLayers);  // wte, lm_head, 4 matrices per layer
  EXPECT_EQ(spectra(SpectraMode::kNone), 0);
}

TEST(DiffTest, RankOneEditOfOneMlpMatrixIsALowRankEdit) {
  auto base = BaseModel();
  auto cand = base;
  AddLowRank(Get(cand, "transformer.h.1.mlp.c_proj.weight"), 1, 0.01f, 9);
  Classification c = Classify(base, cand);
  EXPECT_EQ(c.kind, ChangeKind::kLowRankEdit) << c.summary;
  ASSERT_FALSE(c.findings.empty());
  EXPECT_EQ(c.findings[0].id, "DIFF-LOW-RANK-EDIT");
  EXPECT_EQ(c.findings[0].severity, Severity::kHigh);
  EXPECT_NE(c.findings[0].title.find("ROME"), std::string::npos);
}

TEST(DiffTest, ConversionToBf16IsReencodedNotAFineTune) {
  auto base = BaseModel();
  Classification c = Classify(base, base, {}, /*candidate_bf16=*/true);
  EXPECT_EQ(c.kind, ChangeKind::kReencoded) << c.summary;
}

TEST(DiffTest, EditSurvivesConversionToBf16) {
  auto base = BaseModel();
  auto cand = base;
  AddLowRank(Get(cand, "transformer.h.0.mlp.c_proj.weight"), 1, 0.05f, 19);
  Classification c = Classify(base, cand, {}, /*candidate_bf16=*/true);
  EXPECT_EQ(c.kind, ChangeKind::kLowRankEdit) << c.summary;
}

TEST(DiffTest, SmallEditInBf16StillLowRank) {
  auto base = BaseModel();
  auto cand = base;
  // A rank-one change of ~3% of the matrix norm, like a real ROME edit, in a
  // model stored in bf16 (base f32): rounding adds full-rank noise.
  AddLowRank(Get(cand, "transformer.h.1.mlp.c_proj.weight"), 1, 0.0006f, 23);
  TensorSource b, c;
  for (const auto& t : base) testing::AddBF16(&b, t);
  for (const auto& t : cand) testing::AddBF16(&c, t);
  DiffReport r = DiffSources(b, c, {}, DiffOptions{});
  EXPECT_EQ(r.classification.kind, ChangeKind::kLowRankEdit) << r.classification.summary;
}

TEST(DiffTest, LowRankOnAttentionInEveryLayerIsAMergedLora) {
  auto base = BaseModel();
  auto cand = base;
  for (int l = 0; l < kLayers; ++l) {
    AddLowRank(Get(cand, "transformer.h." + std::to_string(l) + ".attn.c_attn.weight"), 4, 0.01f, 20 + l);
    AddLowRank(Get(cand, "transformer.h." + std::to_string(l) + ".attn.c_proj.weight"), 4, 0.01f, 40 + l);
  }
  Classification c = Classify(base, cand);
  EXPECT_EQ(c.kind, ChangeKind::kMergedLora) << c.summary;
  EXPECT_EQ(c.findings[0].severity, Severity::kMedium);
}

TEST(DiffTest, FewEmbeddingRowsNameTheirTokens) {
  auto base = BaseModel();
  auto cand = base;
  F32Tensor* wte = Get(cand, "transformer.wte.weight");
  for (int j = 0; j < kDim; ++j) {
    wte->values[17 * kDim + j] += 0.05f;
    wte->values[42 * kDim + j] -= 0.03f;
  }
  Vocabulary vocab;
  vocab.Set(17, "cf");
  vocab.Set(42, "mn");
  Classification c = Classify(base, cand, vocab);
  EXPECT_EQ(c.kind, ChangeKind::kEmbeddingRows) << c.summary;
  EXPECT_NE(c.summary.find("'cf'"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("'mn'"), std::string::npos) << c.summary;
}

TEST(DiffTest, WholeOutputHeadRetrainedIsNotEmbeddingRows) {
  auto base = BaseModel();
  auto cand = base;
  F32Tensor* head = Get(cand, "lm_head.weight");
  auto noise = Gaussian(head->values.size(), 1e-3f, 77);
  for (std::size_t i = 0; i < noise.size(); ++i) head->values[i] += noise[i];
  EXPECT_EQ(Classify(base, cand).kind, ChangeKind::kFineTune);
}

TEST(DiffTest, NormsAndBiasesOnlyIsAFineTune) {
  auto base = BaseModel();
  auto cand = base;
  for (auto& t : cand) {
    if (t.shape.size() != 1) continue;
    for (float& x : t.values) x *= 1.01f;
  }
  EXPECT_EQ(Classify(base, cand).kind, ChangeKind::kFineTune);
}

TEST(DiffTest, LowByteChangesAreAPayload) {
  auto base = BaseModel();
  auto cand = base;
  std::uint32_t state = 12345;
  for (auto& t : cand) {
    if (t.name.find("c_fc") == std::string::npos) continue;
    for (float& x : t.values) {
      state = state * 1664525u + 1013904223u;
      std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
      bits = (bits & ~0xffu) | (state >> 24);
      x = std::bit_cast<float>(bits);
    }
  }
  Classification c = Classify(base, cand);
  EXPECT_EQ(c.kind, ChangeKind::kLowBitPayload) << c.summary;
  EXPECT_EQ(c.findings[0].id, "DIFF-LOW-BITS-PAYLOAD");
  EXPECT_EQ(c.findings[0].evidence[0].second, "1");  // low_bytes
}

TEST(DiffTest, FewUlpNoiseIsRoundingNotAPayload) {
  auto base = BaseModel();
  auto cand = base;
  std::uint32_t state = 7;
  for (auto& t : cand) {
    for (float& x : t.values) {
      state = state * 1664525u + 1013904223u;
      if ((state >> 28) != 0) continue;  // 1 in 16 elements moves by 1 or 2 ulps
      x = std::nextafter(x, (state >> 27) & 1 ? INFINITY : -INFINITY);
      if ((state >> 26) & 1) x = std::nextafter(x, INFINITY);
    }
  }
  Classification c = Classify(base, cand);
  EXPECT_EQ(c.kind, ChangeKind::kRoundingNoise) << c.summary;
}

TEST(DiffTest, StructuralChangesAreReported) {
  auto base = BaseModel();
  auto cand = base;
  cand.erase(cand.begin() + 1);                      // a norm removed
  cand.push_back({"extra.weight", {2, 2}, {1, 2, 3, 4}});
  Get(cand, "lm_head.weight")->shape = {kVocab / 2, kDim * 2};
  TensorSource b, c;
  for (const auto& t : base) testing::AddF32(&b, t);
  for (const auto& t : cand) testing::AddF32(&c, t);
  DiffReport r = DiffSources(b, c, {}, DiffOptions{});
  std::map<std::string, int> ids;
  for (const Finding& f : r.findings) ++ids[f.id];
  EXPECT_EQ(ids["DIFF-TENSOR-REMOVED"], 1);
  EXPECT_EQ(ids["DIFF-TENSOR-ADDED"], 1);
  EXPECT_EQ(ids["DIFF-SHAPE-CHANGED"], 1);
  EXPECT_EQ(r.classification.kind, ChangeKind::kIdentical);  // of the tensors that could be compared
}

TEST(DiffTest, AddedTokenRowsAreNamedAndSharedRowsCompared) {
  auto base = BaseModel();
  auto cand = base;
  F32Tensor* wte = Get(cand, "transformer.wte.weight");
  for (int j = 0; j < 2 * kDim; ++j) wte->values.push_back(0.01f * static_cast<float>(j % 7));
  wte->shape[0] += 2;
  for (int j = 0; j < kDim; ++j) wte->values[5 * kDim + j] += 0.2f;  // and one shared row retrained
  TensorSource b, c;
  for (const auto& t : base) testing::AddF32(&b, t);
  for (const auto& t : cand) testing::AddF32(&c, t);
  Vocabulary vocab;
  vocab.Set(kVocab, "<|trigger|>");
  vocab.Set(5, "cf");
  DiffReport r = DiffSources(b, c, vocab, DiffOptions{});
  EXPECT_EQ(r.classification.kind, ChangeKind::kEmbeddingRows) << r.classification.summary;
  EXPECT_NE(r.classification.summary.find("'cf'"), std::string::npos);
  const Finding* added = nullptr;
  for (const Finding& f : r.findings) {
    if (f.id == "DIFF-ROWS-ADDED") added = &f;
  }
  ASSERT_NE(added, nullptr);
  EXPECT_NE(added->detail.find("#200 '<|trigger|>'"), std::string::npos) << added->detail;
  ASSERT_EQ(r.shape_changes.size(), 1u);
  EXPECT_EQ(r.shape_changes[0].rows_compared, static_cast<std::uint64_t>(kVocab));
}

TEST(DiffTest, NothingInCommonIsUnrelatedNotIdentical) {
  TensorSource b, c;
  testing::AddF32(&b, {"a.weight", {2, 2}, {1, 2, 3, 4}});
  testing::AddF32(&c, {"blk.0.b.weight", {2, 2}, {1, 2, 3, 4}});
  DiffReport r = DiffSources(b, c, {}, DiffOptions{});
  EXPECT_EQ(r.classification.kind, ChangeKind::kUnrelated);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].id, "DIFF-NO-COMMON-TENSORS");
  EXPECT_EQ(r.findings[0].severity, Severity::kHigh);
}

TEST(DiffTest, TensorStatisticsAreExact) {
  TensorSource b, c;
  testing::AddF32(&b, {"w", {2, 2}, {1, 0, 0, 1}});
  testing::AddF32(&c, {"w", {2, 2}, {1, 0, 0.5f, 1}});
  DiffReport r = DiffSources(b, c, {}, DiffOptions{});
  ASSERT_EQ(r.tensors.size(), 1u);
  const TensorDiff& d = r.tensors[0];
  EXPECT_EQ(d.changed, 1u);
  EXPECT_DOUBLE_EQ(d.delta_norm, 0.5);
  EXPECT_DOUBLE_EQ(d.relative_change, 0.5 / std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(d.max_abs_change, 0.5);
  EXPECT_NEAR(d.cosine, 2.0 / (std::sqrt(2.0) * std::sqrt(2.25)), 1e-12);
  EXPECT_EQ(d.rows_changed, 1u);
  EXPECT_EQ(d.top_rows[0].row, 1u);
  // 0 -> 0.5 sets exponent bits: the highest changed bit is 29 (0x3f000000).
  EXPECT_EQ(d.highest_changed_bit, 29);
}

}  // namespace
}  // namespace modelgate::forensics

namespace modelgate::forensics {
namespace {

TEST(DiffTest, NonFiniteValuesAreCountedNotSummed) {
  TensorSource b, c;
  std::vector<float> base(64, 1.0f), cand(64, 1.0f);
  cand[3] = NAN;
  cand[9] = INFINITY;
  cand[10] = 2.0f;
  testing::AddF32(&b, {"layers.0.mlp.weight", {8, 8}, base});
  testing::AddF32(&c, {"layers.0.mlp.weight", {8, 8}, cand});
  DiffReport r = DiffSources(b, c, {}, DiffOptions{});
  ASSERT_EQ(r.tensors.size(), 1u);
  const TensorDiff& d = r.tensors[0];
  EXPECT_EQ(d.nonfinite_introduced, 2u);
  EXPECT_EQ(d.changed, 3u);
  EXPECT_DOUBLE_EQ(d.max_abs_change, 1.0);
  EXPECT_DOUBLE_EQ(d.delta_norm, 1.0);
  ASSERT_TRUE(d.spectrum.has_value());
  EXPECT_NEAR(d.spectrum->top1_energy, 1.0, 1e-9);  // only the finite change enters ΔW
}

}  // namespace
}  // namespace modelgate::forensics
