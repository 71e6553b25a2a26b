// Tests for the marshal decoder: code objects marshalled by CPython 3.11
// (Debian's /usr/bin/python3) and hand-built 3.7/3.8 layouts, refs, and
// hostile inputs.
#include "formats/marshal/marshal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace modelgate {
namespace {

std::vector<std::uint8_t> FromHex(const std::string& h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// marshal.dumps((lambda x: __import__('os').system('true')).__code__), Python 3.11.2.
const char kPy311OsSystem[] =
    "e30100000000000000000000000300000003000000f34600000097007401000000000000000000006401a6010000ab0100000000"
    "00000000a00100000000000000000000000000000000000000006402a6010000ab010000000000000000530029034eda026f73da"
    "04747275652902da0a5f5f696d706f72745f5fda0673797374656d2901da0178730100000020fa093c7061796c6f61643efa083c"
    "6c616d6264613e720800000001000000731c00000080008d2a9054d10a1ad40a1ad70a21d20a21a026d10a29d40a298000f3000000"
    "00";
// marshal.dumps((lambda x: x * 2 + 1).__code__), Python 3.11.2.
const char kPy311Benign[] =
    "e30100000000000000000000000200000003000000f31200000097007c0064017a05000064027a000000530029034ee902000000"
    "e901000000a9002901da0178730100000020fa073c737464696e3efa083c6c616d6264613e720700000001000000730e00000080"
    "00882188618925902189298000f300000000";

TEST(Marshal, DecodesPython311LambdaNames) {
  auto b = FromHex(kPy311OsSystem);
  Result<MarshalSummary> r = DecodeMarshalCode(b, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->layout, "3.11-3.13");
  ASSERT_EQ(r->code_objects.size(), 1u);
  EXPECT_EQ(r->code_objects[0].name, "<lambda>");
  EXPECT_EQ(r->code_objects[0].filename, "<payload>");
  EXPECT_TRUE(Contains(r->all_names, "__import__"));
  EXPECT_TRUE(Contains(r->all_names, "system"));
  EXPECT_TRUE(Contains(r->all_strings, "os"));
  EXPECT_TRUE(Contains(r->all_strings, "true"));
}

TEST(Marshal, BenignLambdaHasNoNames) {
  auto b = FromHex(kPy311Benign);
  Result<MarshalSummary> r = DecodeMarshalCode(b, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->all_names.empty());
  EXPECT_EQ(r->code_objects[0].varnames, std::vector<std::string>{"x"});
}

// Builder for hand-made marshal data.
struct M {
  std::vector<std::uint8_t> b;
  M& u8(std::uint8_t v) { b.push_back(v); return *this; }
  M& i32(std::uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i))); return *this; }
  M& str(const std::string& s, bool ref = false) {
    u8(ref ? 'Z' | 0x80 : 'Z').u8(static_cast<std::uint8_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  M& tuple(std::uint8_t n) { return u8(')').u8(n); }
  M& none() { return u8('N'); }
  M& bytes(const std::string& s) { u8('s').i32(static_cast<std::uint32_t>(s.size())); b.insert(b.end(), s.begin(), s.end()); return *this; }
  M& ref(std::uint32_t i) { return u8('r').i32(i); }
};

// A 3.8-3.10 layout code object: 6 ints, code, consts, names, varnames,
// freevars, cellvars, filename, name, firstlineno, lnotab. `nested` adds a
// nested code object to the constants.
void Code38(M& m, const std::string& name, const std::vector<std::string>& names, bool nested, bool py37 = false) {
  m.u8('c');
  for (int i = 0; i < (py37 ? 5 : 6); ++i) m.i32(0);
  m.bytes("\x64\x00\x53\x00");
  m.tuple(nested ? 2 : 1).str("secret-const");
  if (nested) Code38(m, "inner", {"eval"}, false, py37);
  m.tuple(static_cast<std::uint8_t>(names.size()));
  for (const std::string& n : names) m.str(n);
  m.tuple(0).tuple(0).tuple(0);
  m.str("<file>").str(name).i32(1).bytes("");
}

TEST(Marshal, DecodesPython38LayoutWithNestedCode) {
  M m;
  Code38(m, "outer", {"os", "system"}, true);
  Result<MarshalSummary> r = DecodeMarshalCode(m.b, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->layout, "3.8-3.10");
  ASSERT_EQ(r->code_objects.size(), 2u);
  EXPECT_EQ(r->code_objects[1].name, "inner");
  EXPECT_TRUE(Contains(r->all_names, "eval"));
  EXPECT_TRUE(Contains(r->all_names, "system"));
  EXPECT_TRUE(Contains(r->all_strings, "secret-const"));
}

TEST(Marshal, DecodesPython37Layout) {
  M m;
  Code38(m, "f", {"exec"}, false, /*py37=*/true);
  Result<MarshalSummary> r = DecodeMarshalCode(m.b, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->layout, "3.7");
  EXPECT_TRUE(Contains(r->all_names, "exec"));
}

TEST(Marshal, RefsResolveToEarlierStrings) {
  // names tuple = (ref to "system" interned in consts).
  M m;
  m.u8('c');
  for (int i = 0; i < 6; ++i) m.i32(0);
  m.bytes("");
  m.tuple(1).str("system", /*ref=*/true);  // ref index 0
  m.tuple(1).ref(0);
  m.tuple(0).tuple(0).tuple(0).str("f").str("n").i32(0).bytes("");
  Result<MarshalSummary> r = DecodeMarshalCode(m.b, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Contains(r->all_names, "system"));
}

TEST(Marshal, RejectsHostileInput) {
  EXPECT_FALSE(DecodeMarshalCode({}, Limits()).ok());
  M bad_ref;
  bad_ref.ref(5);
  EXPECT_FALSE(DecodeMarshalCode(bad_ref.b, Limits()).ok());
  M not_code;
  not_code.str("hello");
  EXPECT_FALSE(DecodeMarshalCode(not_code.b, Limits()).ok());
  auto cut = FromHex(kPy311OsSystem);
  for (std::size_t n = 0; n < cut.size(); ++n) {
    // Dropping the 3.11 exception table leaves a valid 3.7 layout (5 ints,
    // 8 objects, int, 1 object): marshal carries no version, so that parse
    // is legitimate. Any other cut must fail.
    Result<MarshalSummary> r = DecodeMarshalCode(ByteView(cut.data(), n), Limits());
    if (r.ok()) {
      EXPECT_EQ(r->layout, "3.7") << n;
      EXPECT_EQ(n, cut.size() - 5);
    }
  }
  M trailing;
  Code38(trailing, "f", {}, false);
  trailing.u8('N');
  EXPECT_FALSE(DecodeMarshalCode(trailing.b, Limits()).ok());
  // A tuple claiming more items than bytes remain.
  M big;
  big.u8('(').i32(0x7fffffff);
  EXPECT_FALSE(DecodeMarshalCode(big.b, Limits()).ok());
}

TEST(Marshal, DeepNestingHitsTheLimit) {
  M m;
  for (int i = 0; i < 1000; ++i) m.tuple(1);
  m.none();
  Limits limits;
  Result<MarshalSummary> r = DecodeMarshalCode(m.b, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
}

TEST(Marshal, ValueLimit) {
  M m;
  m.u8('(').i32(5000);
  for (int i = 0; i < 5000; ++i) m.none();
  Limits limits;
  limits.max_marshal_values = 100;
  Result<MarshalSummary> r = DecodeMarshalCode(m.b, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
}

TEST(Marshal, SelfReferencingTupleDoesNotLoop) {
  // code whose consts tuple (FLAG_REF, index 0) contains a ref to itself.
  M m;
  m.u8('c');
  for (int i = 0; i < 6; ++i) m.i32(0);
  m.bytes("");
  m.u8(')' | 0x80).u8(1).ref(0);
  m.tuple(0).tuple(0).tuple(0).tuple(0).str("f").str("n").i32(0).bytes("");
  Result<MarshalSummary> r = DecodeMarshalCode(m.b, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->code_objects.size(), 1u);
}

}  // namespace
}  // namespace modelgate
