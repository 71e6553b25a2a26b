#include "forensics/inspect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>

#include <nlohmann/json.hpp>

#include "formats/safetensors/safetensors.h"

namespace modelgate::forensics {
namespace {

const std::string kDir = std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/forensics/inspect/";

std::vector<std::uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

// Fills a TensorSource from an F32-only safetensors fixture by hand (the
// format loaders are tested elsewhere).
std::unique_ptr<TensorSource> Load(const std::string& name) {
  auto src = std::make_unique<TensorSource>();
  ByteView bytes = src->Adopt(ReadAll(kDir + name));
  auto parsed = ReadSafetensors(bytes, Limits());
  EXPECT_TRUE(parsed.ok());
  if (!parsed.ok()) return src;
  std::vector<SafetensorsTensor> ts = parsed.value().tensors;
  std::sort(ts.begin(), ts.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  for (const auto& t : ts) {
    TensorInfo info;
    info.name = t.name;
    info.dtype = DType::kF32;
    info.stored_dtype = t.dtype;
    info.shape = t.shape;
    info.elements = t.element_count.value_or(0);
    info.file = name;
    info.encoded = TensorBytes(parsed.value(), t, bytes);
    src->Add(std::move(info));
  }
  return src;
}

nlohmann::json Expected() {
  std::ifstream in(kDir + "expected.json");
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::vector<std::string> Ids(const std::vector<Finding>& fs, Severity at_least) {
  std::vector<std::string> ids;
  for (const auto& f : fs) {
    if (f.severity >= at_least) ids.push_back(f.id);
  }
  return ids;
}

InspectReport Inspect(const TensorSource& src, unsigned jobs = 2) {
  InspectOptions o;
  o.jobs = jobs;
  return InspectTensors(src, o);
}

TEST(Inspect, StatisticsMatchNumpy) {
  nlohmann::json expected = Expected();
  ASSERT_FALSE(expected.is_discarded());
  for (const std::string file : {"benign.safetensors", "lowbyte_elf.safetensors", "bf16.safetensors"}) {
    auto src = Load(file);
    InspectReport r = Inspect(*src);
    const auto& want = expected["tensors"][file];
    ASSERT_EQ(r.tensors.size(), want.size()) << file;
    for (const TensorStats& t : r.tensors) {
      SCOPED_TRACE(file + " " + t.name);
      const auto& w = want[t.name];
      ASSERT_TRUE(t.analysed) << t.problem;
      EXPECT_EQ(t.elements, w["elements"].get<std::uint64_t>());
      EXPECT_NEAR(t.mean, w["mean"].get<double>(), 1e-7);
      EXPECT_NEAR(t.stddev, w["std"].get<double>(), 1e-7);
      EXPECT_NEAR(t.excess_kurtosis, w["excess_kurtosis"].get<double>(), 1e-4);
      EXPECT_FLOAT_EQ(static_cast<float>(t.min), w["min"].get<float>());
      EXPECT_FLOAT_EQ(static_cast<float>(t.max), w["max"].get<float>());
      EXPECT_EQ(t.zeros, w["zeros"].get<std::uint64_t>());
      EXPECT_EQ(t.nonzero, w["nonzero"].get<std::uint64_t>());
      EXPECT_EQ(t.nonzero_low16_zero, w["nonzero_low16_zero"].get<std::uint64_t>());
      ASSERT_EQ(t.lanes.size(), 4u);
      for (int j = 0; j < 4; ++j) EXPECT_NEAR(t.lanes[j].entropy_bits, w["entropy_bits"][j].get<double>(), 1e-9);
    }
  }
}

TEST(Inspect, BenignTrainedWeightsHaveNothingAboveInfo) {
  for (const std::string file : {"benign.safetensors", "bf16.safetensors"}) {
    auto src = Load(file);
    InspectReport r = Inspect(*src);
    auto findings = InspectFindings(r, file);
    EXPECT_TRUE(Ids(findings, Severity::kLow).empty()) << file << ": " << findings.front().id;
    EXPECT_EQ(Ids(findings, Severity::kInfo).back(), "INSPECT-NO-BASE-LIMITS");
    EXPECT_TRUE(r.hits.empty());
  }
}

TEST(Inspect, Bf16StoredAsF32IsRecognised) {
  auto src = Load("bf16.safetensors");
  InspectReport r = Inspect(*src);
  EXPECT_TRUE(r.bf16_stored_as_f32);
  auto ids = Ids(InspectFindings(r, "m"), Severity::kInfo);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "INSPECT-BF16-AS-F32"), ids.end());
  auto benign = Load("benign.safetensors");
  EXPECT_FALSE(Inspect(*benign).bf16_stored_as_f32);
}

void ExpectPayloadFound(const std::string& file, Signature sig) {
  nlohmann::json p = Expected()["payloads"][file];
  auto src = Load(file);
  for (unsigned jobs : {1u, 3u}) {
    InspectReport r = Inspect(*src, jobs);
    ASSERT_FALSE(r.hits.empty()) << file;
    const SignatureHit& h = r.hits.front();
    EXPECT_EQ(h.signature, sig);
    EXPECT_EQ(h.lanes, p["lanes"].get<int>());
    EXPECT_EQ(r.tensors[h.tensor].name, p["location"][0].get<std::string>());
    EXPECT_EQ(h.element, p["location"][1].get<std::uint64_t>());
    auto findings = InspectFindings(r, file);
    EXPECT_EQ(findings.front().id, "INSPECT-EMBEDDED-SIGNATURE");
    EXPECT_EQ(findings.front().severity, Severity::kHigh);
  }
}

TEST(Inspect, ElfInLowestByteAcrossTensorBoundary) {
  ExpectPayloadFound("lowbyte_elf.safetensors", Signature::kElf);
}

TEST(Inspect, ElfInLowestTwoBytes) { ExpectPayloadFound("low2_elf.safetensors", Signature::kElf); }

TEST(Inspect, ScriptInLow16BitsOfBf16Model) {
  ExpectPayloadFound("bf16_script.safetensors", Signature::kShebang);
  nlohmann::json p = Expected()["payloads"]["bf16_script.safetensors"];
  auto src = Load("bf16_script.safetensors");
  InspectReport r = Inspect(*src);
  EXPECT_TRUE(r.bf16_stored_as_f32);
  auto findings = InspectFindings(r, "m");
  auto it = std::find_if(findings.begin(), findings.end(),
                         [](const Finding& f) { return f.id == "INSPECT-BF16-LOW-BITS-SET"; });
  ASSERT_NE(it, findings.end());
  EXPECT_EQ(it->severity, Severity::kHigh);
  EXPECT_EQ(it->member, p["location"][0].get<std::string>());
  std::int64_t idx = r.tensors[r.hits.front().tensor].first_low16_set;
  EXPECT_EQ(idx, p["location"][1].get<std::int64_t>());
  const TensorStats& t = r.tensors[r.hits.front().tensor];
  EXPECT_EQ(t.nonzero - t.nonzero_low16_zero, p["elements_changed"].get<std::uint64_t>());
}

// Hand-built tensors for what the fixtures do not cover.
class HandBuilt {
 public:
  void AddF32(const std::string& name, const std::vector<float>& v) {
    std::vector<std::uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    TensorInfo t;
    t.name = name;
    t.dtype = DType::kF32;
    t.shape = {v.size()};
    t.elements = v.size();
    t.encoded = src.Adopt(std::move(b));
    src.Add(std::move(t));
  }
  TensorSource src;
};

std::vector<float> Gaussian(std::size_t n, unsigned seed, float sd = 0.02f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Inspect, NanInfOutliersAndUnreadableTensors) {
  HandBuilt m;
  auto v = Gaussian(20000, 1);
  v[10] = NAN;
  v[11] = INFINITY;
  v[12] = 5e4f;
  m.AddF32("w", v);
  TensorInfo missing;
  missing.name = "gone";
  missing.dtype = DType::kF32;
  missing.elements = 4;
  m.src.Add(missing);
  TensorInfo odd;
  odd.name = "odd";
  odd.dtype = DType::kUnsupported;
  odd.stored_dtype = "F8_E4M3";
  m.src.Add(odd);
  m.src.AddProblem({"x.safetensors", "", "header truncated"});
  InspectReport r = Inspect(m.src);
  EXPECT_EQ(r.tensors[0].nan, 1u);
  EXPECT_EQ(r.tensors[0].pos_inf, 1u);
  EXPECT_EQ(r.tensors[0].huge, 1u);
  EXPECT_FALSE(r.tensors[1].analysed);
  EXPECT_FALSE(r.tensors[2].analysed);
  auto ids = Ids(InspectFindings(r, "m"), Severity::kLow);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "INSPECT-NAN-INF"), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "INSPECT-EXPONENT-OUTLIER"), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "INSPECT-TENSOR-UNREADABLE"), 3);
}

TEST(Inspect, RandomBytesAndTextInLowByteAreLaneAnomalies) {
  HandBuilt m;
  std::mt19937 rng(4);
  std::vector<float> random(8192);
  for (auto& x : random) {
    std::uint32_t bits = rng();
    std::memcpy(&x, &bits, 4);
  }
  m.AddF32("random", random);
  auto text = Gaussian(8192, 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &text[i], 4);
    bits = (bits & ~0xffu) | static_cast<std::uint8_t>("lorem ipsum dolor sit amet "[i % 27]);
    std::memcpy(&text[i], &bits, 4);
  }
  m.AddF32("text", text);
  m.AddF32("clean", Gaussian(8192, 3));
  InspectReport r = Inspect(m.src);
  std::vector<std::string> flagged;
  for (const Finding& f : InspectFindings(r, "m")) {
    if (f.id == "INSPECT-BYTE-LANE-ANOMALY") flagged.push_back(f.member);
  }
  EXPECT_EQ(flagged, (std::vector<std::string>{"random", "text"}));
}

TEST(Inspect, RandomBytesOverTheExponentLowBitAreALaneAnomaly) {
  HandBuilt m;
  std::mt19937 rng(9);
  auto v = Gaussian(3136, 10);
  for (float& x : v) {  // random bytes 0-2, as a payload in the low 3 bytes writes them
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    bits = (bits & 0xff000000u) | (rng() & 0x00ffffffu);
    std::memcpy(&x, &bits, 4);
  }
  m.AddF32("payload", v);
  m.AddF32("trained", Gaussian(3136, 11));
  std::vector<float> norm(4096);
  std::normal_distribution<float> d(1.0f, 0.02f);
  for (float& x : norm) x = d(rng);  // straddles 2^0: one exponent pair holds everything
  m.AddF32("norm", norm);
  InspectReport r = Inspect(m.src);
  std::vector<std::string> flagged;
  for (const Finding& f : InspectFindings(r, "m")) {
    if (f.severity > Severity::kInfo) flagged.push_back(f.id + " " + f.member);
  }
  EXPECT_EQ(flagged, (std::vector<std::string>{"INSPECT-BYTE-LANE-ANOMALY payload"}));
}

TEST(Inspect, BigEndianF32AndOtherWidthsUseTheLeastSignificantByte) {
  std::ifstream in("/bin/true", std::ios::binary);
  std::vector<std::uint8_t> elf((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(elf.size(), 256u);
  TensorSource src;
  // Big-endian f32 ('>f4'): the lowest byte of element i is byte 4i+3.
  auto v = Gaussian(4096, 8);
  std::vector<std::uint8_t> be(v.size() * 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    if (i >= 100 && i < 356) bits = (bits & ~0xffu) | elf[i - 100];
    for (int j = 0; j < 4; ++j) be[4 * i + j] = static_cast<std::uint8_t>(bits >> (24 - 8 * j));
  }
  TensorInfo t;
  t.name = "be";
  t.dtype = DType::kF32;
  t.elements = v.size();
  t.shape = {v.size()};
  t.big_endian = true;
  t.encoded = src.Adopt(std::move(be));
  src.Add(t);
  // f64 with one NaN: 8 lanes.
  std::vector<double> d(64, 0.5);
  d[3] = std::nan("");
  std::vector<std::uint8_t> db(d.size() * 8);
  std::memcpy(db.data(), d.data(), db.size());
  TensorInfo f64;
  f64.name = "f64";
  f64.dtype = DType::kF64;
  f64.elements = d.size();
  f64.shape = {d.size()};
  f64.encoded = src.Adopt(std::move(db));
  src.Add(f64);
  InspectReport r = Inspect(src);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].signature, Signature::kElf);
  EXPECT_EQ(r.hits[0].element, 100u);
  EXPECT_EQ(r.tensors[1].lanes.size(), 8u);
  EXPECT_EQ(r.tensors[1].nan, 1u);
  EXPECT_EQ(r.tensors[1].exponent_p50, -1);  // 0.5 = 2^-1
}

TEST(Inspect, FullF32TensorInBf16ModelIsRewrittenNotPayload) {
  HandBuilt m;
  auto bf16 = Gaussian(50000, 5);
  for (float& x : bf16) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    bits &= 0xffff0000u;  // truncate to bf16
    std::memcpy(&x, &bits, 4);
  }
  m.AddF32("base", bf16);
  m.AddF32("merged", Gaussian(4000, 6));
  InspectReport r = Inspect(m.src);
  EXPECT_TRUE(r.bf16_stored_as_f32);
  auto findings = InspectFindings(r, "m");
  auto ids = Ids(findings, Severity::kLow);
  EXPECT_EQ(ids, (std::vector<std::string>{"INSPECT-BF16-TENSOR-REWRITTEN"}));
}

}  // namespace
}  // namespace modelgate::forensics
