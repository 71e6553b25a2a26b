// Tests for ReadNpy: real numpy output (tests/fixtures/npy, written by
// numpy 1.24 through numpy.save / numpy.lib.format.write_array) and
// hand-built headers covering literal_eval's quirks and damaged input.
#include "formats/npy/npy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace modelgate {
namespace {

std::vector<std::uint8_t> ReadFixture(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/npy/" + name, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Builds an .npy file around `header` (no padding added).
std::vector<std::uint8_t> MakeNpy(const std::string& header, const std::string& data = "", int major = 1) {
  std::vector<std::uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
  std::uint64_t n = header.size();
  out.push_back(n & 0xFF);
  out.push_back((n >> 8) & 0xFF);
  if (major >= 2) {
    out.push_back((n >> 16) & 0xFF);
    out.push_back((n >> 24) & 0xFF);
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

NpyFile MustRead(const std::vector<std::uint8_t>& bytes) {
  Result<NpyFile> r = ReadNpy(bytes, Limits::Default());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : NpyFile{};
}

TEST(NpyReader, ReadsNumpyFloat32Version1) {
  NpyFile f = MustRead(ReadFixture("float32_v1.npy"));
  EXPECT_EQ(f.major, 1);
  EXPECT_EQ(f.header_state, NpyHeaderState::kOk);
  EXPECT_EQ(f.descr, "'<f4'");
  EXPECT_EQ(f.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(f.element_count, 6u);
  EXPECT_EQ(f.itemsize, 4u);
  EXPECT_EQ(f.expected_data_bytes, 24u);
  EXPECT_EQ(f.data_bytes, 24u);
  EXPECT_EQ(f.data_offset % 64, 0u);  // numpy aligns data to 64 bytes
  EXPECT_FALSE(f.has_object);
  EXPECT_TRUE(f.anomalies.empty());
}

TEST(NpyReader, ReadsNumpyVersion2LargeStructuredHeader) {
  NpyFile f = MustRead(ReadFixture("structured_v2.npy"));
  EXPECT_EQ(f.major, 2);
  EXPECT_GT(f.header_length, 65535u);
  EXPECT_EQ(f.header_state, NpyHeaderState::kOk);
  EXPECT_TRUE(f.structured);
  EXPECT_EQ(f.itemsize, 3000u * 4);
  EXPECT_EQ(f.expected_data_bytes, f.data_bytes);
  // Longer than numpy's 10000-character default: np.load needs allow_pickle=True.
  EXPECT_TRUE(f.Has(NpyAnomalyKind::kHeaderOverNumpyLimit));
}

TEST(NpyReader, ReadsNumpyVersion3Utf8FieldNames) {
  NpyFile f = MustRead(ReadFixture("unicode_v3.npy"));
  EXPECT_EQ(f.major, 3);
  EXPECT_EQ(f.header_state, NpyHeaderState::kOk);
  EXPECT_NE(f.descr.find("größe"), std::string::npos);
  EXPECT_EQ(f.itemsize, 12u);
  EXPECT_EQ(f.expected_data_bytes, 36u);
  EXPECT_TRUE(f.anomalies.empty());
}

TEST(NpyReader, FlagsNumpyObjectArray) {
  NpyFile f = MustRead(ReadFixture("object_ints_strings.npy"));
  EXPECT_TRUE(f.has_object);
  EXPECT_EQ(f.object_fields, std::vector<std::string>{"<descr>"});
  EXPECT_FALSE(f.expected_data_bytes.has_value());
  ASSERT_GT(f.data_bytes, 2u);
  EXPECT_TRUE(f.anomalies.empty());
}

TEST(NpyReader, FindsObjectFieldInsideNestedStructuredDtype) {
  NpyFile f = MustRead(ReadFixture("nested_object_field.npy"));
  EXPECT_TRUE(f.has_object);
  EXPECT_EQ(f.object_fields, std::vector<std::string>{"b/d"});
}

TEST(NpyReader, ReadsFortranOrderSubarrayAndScalar) {
  NpyFile fo = MustRead(ReadFixture("fortran_int16.npy"));
  EXPECT_TRUE(fo.fortran_order);
  EXPECT_EQ(fo.expected_data_bytes, 24u);
  NpyFile sub = MustRead(ReadFixture("subarray_field.npy"));
  EXPECT_EQ(sub.itemsize, 4u * 6 + 5 + 12);
  EXPECT_TRUE(sub.anomalies.empty());
  NpyFile sc = MustRead(ReadFixture("scalar_0d.npy"));
  EXPECT_TRUE(sc.shape.empty());
  EXPECT_EQ(sc.element_count, 1u);
  EXPECT_EQ(sc.expected_data_bytes, 8u);
}

TEST(NpyReader, RejectsMissingMagic) {
  std::vector<std::uint8_t> b = {'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  EXPECT_EQ(ReadNpy(b, Limits::Default()).status().code(), StatusCode::kCorruption);
}

TEST(NpyReader, ReportsTruncatedAndTrailingData) {
  const std::string h = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n";
  NpyFile shortf = MustRead(MakeNpy(h, std::string(8, 'x')));
  EXPECT_TRUE(shortf.Has(NpyAnomalyKind::kDataTruncated));
  NpyFile longf = MustRead(MakeNpy(h, std::string(20, 'x')));
  EXPECT_TRUE(longf.Has(NpyAnomalyKind::kTrailingData));
  EXPECT_EQ(longf.anomalies[0].offset, longf.data_offset + 12);
}

TEST(NpyReader, DuplicateDescrKeyKeepsLastValueLikePython) {
  NpyFile f = MustRead(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'descr': '|O'}",
                               "\x80\x03K\x01."));
  EXPECT_TRUE(f.Has(NpyAnomalyKind::kDuplicateKey));
  EXPECT_TRUE(f.has_object);
  EXPECT_EQ(f.descr, "'|O'");
}

TEST(NpyReader, EvaluatesEscapesConcatenationAndQuotesBeforeDtypeCheck) {
  // "\x4f" is 'O'; '|' 'O' concatenates to '|O'; a naive byte search misses both.
  NpyFile esc = MustRead(MakeNpy("{\"descr\": \"\\x4f\", \"fortran_order\": False, \"shape\": (1,)}", "\x80\x03."));
  EXPECT_EQ(esc.header_state, NpyHeaderState::kOk);
  EXPECT_TRUE(esc.has_object);
  NpyFile cat = MustRead(MakeNpy("{'descr': '|' 'O', 'fortran_order': False, 'shape': (1,)}", "\x80\x03."));
  EXPECT_TRUE(cat.has_object);
  NpyFile comma = MustRead(MakeNpy("{'descr': 'i4, O', 'fortran_order': False, 'shape': (1,)}", "\x80\x03."));
  EXPECT_TRUE(comma.has_object);
  NpyFile sub = MustRead(MakeNpy("{'descr': ('O', (2,)), 'fortran_order': False, 'shape': (1,)}", "\x80\x03."));
  EXPECT_TRUE(sub.has_object);
  NpyFile word = MustRead(MakeNpy("{'descr': 'object', 'fortran_order': False, 'shape': (1,)}", "\x80\x03."));
  EXPECT_TRUE(word.has_object);
}

TEST(NpyReader, AcceptsPython2LongSuffixOnlyBeforeVersion3) {
  const std::string h = "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 3L), }";
  NpyFile v1 = MustRead(MakeNpy(h, std::string(12, '\0'), 1));
  EXPECT_EQ(v1.header_state, NpyHeaderState::kOk);
  EXPECT_EQ(v1.element_count, 6u);
  NpyFile v3 = MustRead(MakeNpy(h, std::string(12, '\0'), 3));
  EXPECT_EQ(v3.header_state, NpyHeaderState::kInvalid);
  EXPECT_TRUE(v3.Has(NpyAnomalyKind::kHeaderSyntax));
}

TEST(NpyReader, AcceptsCommentsAndBoolDimensionsAsPythonDoes) {
  NpyFile f = MustRead(MakeNpy("{'descr': '<u1', # comment\n 'fortran_order': False, 'shape': (True, 2)}\n",
                               std::string(2, '\0')));
  EXPECT_EQ(f.header_state, NpyHeaderState::kOk);
  EXPECT_EQ(f.element_count, 2u);
}

TEST(NpyReader, RejectsBadShapes) {
  NpyFile neg = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': (-1,)}"));
  EXPECT_TRUE(neg.Has(NpyAnomalyKind::kBadShape));
  NpyFile lst = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': [1]}"));
  EXPECT_TRUE(lst.Has(NpyAnomalyKind::kBadShape));
  NpyFile big = MustRead(
      MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"));
  EXPECT_TRUE(big.Has(NpyAnomalyKind::kShapeOverflow));
  NpyFile huge = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': (99999999999999999999,)}"));
  EXPECT_TRUE(huge.Has(NpyAnomalyKind::kShapeOverflow));
  NpyFile fo = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': 0, 'shape': ()}", "x"));
  EXPECT_TRUE(fo.Has(NpyAnomalyKind::kBadFortranOrder));
}

TEST(NpyReader, ReportsWrongKeysAndNonDictHeaders) {
  NpyFile missing = MustRead(MakeNpy("{'descr': '|O', 'shape': (1,)}", "\x80\x03."));
  EXPECT_TRUE(missing.Has(NpyAnomalyKind::kHeaderKeys));
  EXPECT_TRUE(missing.has_object);  // still seen although numpy rejects the keys
  NpyFile extra = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': (1,), 'x': 1}", "a"));
  EXPECT_TRUE(extra.Has(NpyAnomalyKind::kHeaderKeys));
  NpyFile lst = MustRead(MakeNpy("['descr', '<u1']"));
  EXPECT_TRUE(lst.Has(NpyAnomalyKind::kHeaderNotDict));
  NpyFile set = MustRead(MakeNpy("{'descr', 'shape'}"));
  EXPECT_TRUE(set.Has(NpyAnomalyKind::kHeaderNotDict));
}

TEST(NpyReader, ReportsSyntaxErrorsWithOffsets) {
  NpyFile f = MustRead(MakeNpy("{'descr': '<u1' 'fortran_order': False}"));
  EXPECT_EQ(f.header_state, NpyHeaderState::kInvalid);
  NpyFile name = MustRead(MakeNpy("{'descr': os.system, 'fortran_order': False, 'shape': ()}"));
  ASSERT_TRUE(name.Has(NpyAnomalyKind::kHeaderSyntax));
  NpyFile unterminated = MustRead(MakeNpy("{'descr': '<u1"));
  EXPECT_TRUE(unterminated.Has(NpyAnomalyKind::kHeaderSyntax));
  NpyFile nul = MustRead(MakeNpy(std::string("{'descr': '<u1',\0 'fortran_order': False, 'shape': ()}", 52), "x"));
  EXPECT_TRUE(nul.Has(NpyAnomalyKind::kHeaderSyntax));
}

TEST(NpyReader, MarksValidButUnevaluatedLiteralsUnsupported) {
  NpyFile named = MustRead(MakeNpy("{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': ()}"));
  EXPECT_EQ(named.header_state, NpyHeaderState::kUnsupported);
  EXPECT_TRUE(named.Has(NpyAnomalyKind::kHeaderUnsupported));
  NpyFile cplx = MustRead(MakeNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1+2j,)}"));
  EXPECT_EQ(cplx.header_state, NpyHeaderState::kUnsupported);
  EXPECT_TRUE(cplx.has_object);  // conservative search of the unparsed text
}

TEST(NpyReader, BoundsDeepNestingWithoutRecursion) {
  std::string deep = "{'descr': " + std::string(100000, '[') + "}";
  NpyFile f = MustRead(MakeNpy(deep, "", 2));
  EXPECT_TRUE(f.Has(NpyAnomalyKind::kHeaderSyntax));
  // Nesting within CPython's limit parses and is walked without recursion.
  std::string ok_deep = "{'descr': ";
  for (int i = 0; i < 90; ++i) ok_deep += "[('f', ";
  ok_deep += "'|O'";
  for (int i = 0; i < 90; ++i) ok_deep += ")]";
  ok_deep += ", 'fortran_order': False, 'shape': ()}";
  NpyFile g = MustRead(MakeNpy(ok_deep, "\x80\x03.", 2));
  EXPECT_EQ(g.header_state, NpyHeaderState::kOk);
  EXPECT_TRUE(g.has_object);
}

TEST(NpyReader, ReportsVersionAndHeaderLengthProblems) {
  NpyFile v = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': ()}", "x", 4));
  EXPECT_TRUE(v.Has(NpyAnomalyKind::kUnknownVersion));
  EXPECT_EQ(v.header_state, NpyHeaderState::kInvalid);
  std::vector<std::uint8_t> t = MakeNpy("{'descr': '<u1'}");
  t[8] = 0xFF;  // header length 0x..FF, far past the end
  NpyFile trunc = MustRead(t);
  EXPECT_TRUE(trunc.Has(NpyAnomalyKind::kHeaderTruncated));
  Limits small;
  small.max_header_bytes = 16;
  Result<NpyFile> big = ReadNpy(MakeNpy(std::string(64, ' ')), small);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->header_state, NpyHeaderState::kTooLarge);
}

TEST(NpyReader, RejectsVersion3HeaderThatIsNotUtf8) {
  NpyFile f = MustRead(MakeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': (), '\xff': 1}", "x", 3));
  EXPECT_TRUE(f.Has(NpyAnomalyKind::kHeaderEncoding));
  EXPECT_EQ(f.header_state, NpyHeaderState::kInvalid);
}

}  // namespace
}  // namespace modelgate
