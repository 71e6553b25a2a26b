// Tests for the pickle analyzer through the public ScanBytes entry point, on
// pickles assembled opcode by opcode. Each expectation follows the severity
// rules documented at the top of pickle_analyzer.cc.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "formats/pickle/opcodes.h"
#include "formats/pickle/pickle_builder_for_test.h"
#include "modelgate/policy.h"
#include "modelgate/scan.h"

namespace modelgate {
namespace {

using namespace pickle;  // opcode constants


// os.system('true'), protocol 2.
std::vector<std::uint8_t> OsSystem() {
  PickleBuilder p;
  p.Proto(2).Global("os", "system").CallWithStr("true").Stop();
  return p.bytes();
}

FileReport Scan(const std::vector<std::uint8_t>& bytes, const Policy* policy = nullptr) {
  ScanOptions o;
  o.policy = policy;
  return ScanBytes(ByteView(bytes.data(), bytes.size()), "test.pkl", o);
}
FileReport Scan(const PickleBuilder& p, const Policy* policy = nullptr) { return Scan(p.bytes(), policy); }

std::string Describe(const FileReport& r) {
  std::string s;
  for (const Finding& f : r.findings) {
    s += "\n  " + f.id + " " + std::string(SeverityName(f.severity)) + " [" + f.member + "] " + f.title;
  }
  return s.empty() ? " (no findings)" : s;
}

const Finding* Find(const FileReport& r, std::string_view id) {
  for (const Finding& f : r.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string Evidence(const Finding& f, std::string_view key) {
  for (const auto& [k, v] : f.evidence) {
    if (k == key) return v;
  }
  return "";
}

TEST(PickleAnalyzer, DenylistedCallIsCritical) {
  FileReport r = Scan(OsSystem());
  EXPECT_EQ(r.format, "pickle");
  const Finding* f = Find(r, "PICKLE-CALL-DENYLISTED");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(Evidence(*f, "global"), "os.system");
  EXPECT_NE(Evidence(*f, "call").find("true"), std::string::npos);
  EXPECT_EQ(f->offset, 2u);  // the GLOBAL opcode after PROTO
  EXPECT_EQ(r.MaxSeverity(), Severity::kCritical);
}

TEST(PickleAnalyzer, DenylistedImportWithoutCallIsCritical) {
  PickleBuilder p;
  p.Proto(2).Global("posix", "system").Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-GLOBAL-DENYLISTED");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kCritical);
}

TEST(PickleAnalyzer, TorchSerializationAttributeWalkIsCritical) {
  PickleBuilder p;
  p.Proto(4).StackGlobal("torch", "serialization.os.system").CallWithStr("true").Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-CALL-DENYLISTED");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kCritical);
  // The finding says what the walk reaches, not only which prefix rule
  // (torch.serialization.*) matched.
  EXPECT_EQ(Evidence(*f, "resolves_to"), "os.system") << "evidence lacks resolves_to";
}

TEST(PickleAnalyzer, PrivateAliasWalkResolvesToOsSystem) {
  PickleBuilder p;
  p.Global("argparse", "_os.system").Op(kMark).Raw("S'true'\n").Op(kTuple).Op(kReduce).Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-CALL-DENYLISTED");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(Evidence(*f, "resolves_to"), "os.system");
}

TEST(PickleAnalyzer, DunderBuiltinsOfAnAllowedModuleIsCritical) {
  PickleBuilder p;
  p.Proto(4).StackGlobal("numpy", "__builtins__").Stop();
  FileReport r = Scan(p);
  ASSERT_EQ(r.MaxSeverity(), Severity::kCritical) << Describe(r);
  const Finding* f = Find(r, "PICKLE-GLOBAL-DENYLISTED");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(Evidence(*f, "resolves_to"), "builtins");
}

TEST(PickleAnalyzer, UnlistedStdlibCallIsHighAndReferenceIsMedium) {
  {
    PickleBuilder p;
    p.Proto(2).Global("textwrap", "dedent").Sbu("  x").Op(kTuple1).Op(kReduce).Stop();
    FileReport r = Scan(p);
    const Finding* f = Find(r, "PICKLE-CALL-UNLISTED-STDLIB");
    ASSERT_NE(f, nullptr) << Describe(r);
    EXPECT_EQ(f->severity, Severity::kHigh);
    EXPECT_EQ(r.MaxSeverity(), Severity::kHigh) << Describe(r);
  }
  {
    PickleBuilder p;
    p.Proto(2).Global("textwrap", "dedent").Stop();
    FileReport r = Scan(p);
    const Finding* f = Find(r, "PICKLE-GLOBAL-UNLISTED-STDLIB");
    ASSERT_NE(f, nullptr) << Describe(r);
    EXPECT_EQ(f->severity, Severity::kMedium);
    EXPECT_EQ(r.MaxSeverity(), Severity::kMedium) << Describe(r);
  }
  {
    // functools.partial is allowlisted (building one is harmless); what it
    // wraps is judged on its own: partial(os.system) is still critical.
    PickleBuilder p;
    p.Proto(2).Global("functools", "partial").Global("collections", "OrderedDict").Op(kTuple1).Op(kReduce).Stop();
    EXPECT_LT(Scan(p).MaxSeverity(), Severity::kMedium);
    PickleBuilder q;
    q.Proto(2).Global("functools", "partial").Global("os", "system").Op(kTuple1).Op(kReduce).Stop();
    FileReport r = Scan(q);
    const Finding* f = Find(r, "PICKLE-GLOBAL-DENYLISTED");
    ASSERT_NE(f, nullptr) << Describe(r);
    EXPECT_EQ(f->severity, Severity::kCritical);
  }
}

TEST(PickleAnalyzer, ThirdPartyClassIsMediumAndDoesNotFail) {
  PickleBuilder p;
  p.Proto(2).Global("mycompany.models", "TinyNet").Op(kEmptyTuple).Op(kNewObj).Op(kEmptyDict).Op(kBuild).Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-GLOBAL-UNAUDITED-CLASS");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kMedium);
  EXPECT_LT(r.MaxSeverity(), Severity::kHigh) << Describe(r);
}

TEST(PickleAnalyzer, ThirdPartyFunctionCalledIsHigh) {
  PickleBuilder p;
  p.Proto(2).Global("mycompany.utils", "build_model").CallWithStr("cfg").Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-CALL-UNLISTED-FUNCTION");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kHigh);
}

TEST(PickleAnalyzer, CallOfACallResultIsDynamic) {
  PickleBuilder p;
  p.Proto(2).Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).CallWithStr("x").Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-CALL-DYNAMIC");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_GE(f->severity, Severity::kHigh);
  EXPECT_NE(Evidence(*f, "callee").find("collections.OrderedDict"), std::string::npos);
}

TEST(PickleAnalyzer, NestedPickleBytesAreScanned) {
  std::vector<std::uint8_t> inner = OsSystem();
  PickleBuilder p;
  p.Proto(3).Global("pickle", "loads").Op(kBinBytes).LE(inner.size(), 4).Raw(inner).Op(kTuple1).Op(kReduce).Stop();
  FileReport r = Scan(p);
  const Finding* nested = Find(r, "PICKLE-NESTED-PICKLE");
  ASSERT_NE(nested, nullptr) << Describe(r);
  EXPECT_GE(nested->severity, Severity::kHigh);
  bool inner_found = false;
  for (const Finding& f : r.findings) {
    if (f.id == "PICKLE-CALL-DENYLISTED" && Evidence(f, "global") == "os.system") {
      inner_found = true;
      EXPECT_NE(f.member.find("<bytes@"), std::string::npos) << f.member;
      EXPECT_EQ(f.severity, Severity::kCritical);
    }
  }
  EXPECT_TRUE(inner_found) << Describe(r);
}

TEST(PickleAnalyzer, ErrorAfterACallIsHigh) {
  PickleBuilder p;
  p.Proto(2).Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Op(0xff).Stop();
  FileReport r = Scan(p);
  EXPECT_GE(r.MaxSeverity(), Severity::kHigh) << Describe(r);
  PickleBuilder q;
  q.Proto(2).Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Op(kShortBinUnicode).Op(50).Raw("ab");
  r = Scan(q);
  const Finding* f = Find(r, "PICKLE-ERROR-AFTER-CALLS");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(Evidence(*f, "calls_before_error"), "1");
}

TEST(PickleAnalyzer, ParseErrorWithoutCallsIsMedium) {
  PickleBuilder p;
  p.Proto(2).Op(kEmptyDict).Op(kShortBinUnicode).Op(50).Raw("ab");
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-PARSE-ERROR");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kMedium);
  EXPECT_EQ(f->offset, 3u);
  EXPECT_EQ(Find(r, "PICKLE-ERROR-AFTER-CALLS"), nullptr);
}

TEST(PickleAnalyzer, SecondStreamAfterABenignFirstIsAnalysed) {
  PickleBuilder p;
  p.Proto(2).Op(kEmptyDict).Stop().Raw(OsSystem());
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-CALL-DENYLISTED");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(Evidence(*f, "stream"), "1");
  const Finding* m = Find(r, "PICKLE-MULTIPLE-STREAMS");
  ASSERT_NE(m, nullptr) << Describe(r);
  EXPECT_EQ(m->severity, Severity::kLow);
}

TEST(PickleAnalyzer, TrailingGarbageIsLow) {
  PickleBuilder p;
  p.Proto(2).Op(kEmptyDict).Stop().Raw(std::string_view("\x00\x01\x02garbage", 10));
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-TRAILING-BYTES");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kLow);
  EXPECT_EQ(f->offset, 4u);
  EXPECT_EQ(Find(r, "PICKLE-MULTIPLE-STREAMS"), nullptr);
}

TEST(PickleAnalyzer, CleanPickleHasNoFindings) {
  PickleBuilder p;
  p.Proto(2).Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Sbu("w").Op(kNone).Op(kSetItem).Stop();
  FileReport r = Scan(p);
  EXPECT_TRUE(r.findings.empty()) << Describe(r);
}

TEST(PickleAnalyzer, ExtOpcodeIsReported) {
  PickleBuilder p;
  p.Proto(2).Op(kExt2).LE(300, 2).Op(kEmptyTuple).Op(kReduce).Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-EXT-OPCODE");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->offset, 2u);
}

TEST(PickleAnalyzer, MutatingAModuleLevelObjectIsHigh) {
  PickleBuilder p;
  p.Proto(2).Global("collections", "OrderedDict").Op(kEmptyDict).Sbu("x").Op(kNone).Op(kSetItem).Op(kBuild).Stop();
  FileReport r = Scan(p);
  const Finding* f = Find(r, "PICKLE-MUTATES-GLOBAL");
  ASSERT_NE(f, nullptr) << Describe(r);
  EXPECT_EQ(f->severity, Severity::kHigh);
}

TEST(PickleAnalyzer, UserPolicyAllowsACustomClass) {
  PickleBuilder p;
  p.Proto(2).Global("mycompany.models", "TinyNet").Op(kEmptyTuple).Op(kNewObj).Stop();
  ASSERT_NE(Find(Scan(p), "PICKLE-GLOBAL-UNAUDITED-CLASS"), nullptr);
  auto policy = Policy::NewBuiltin();
  ASSERT_TRUE(policy->AddRules("allow-class mycompany.models.*  reviewed\n", "policy.txt").ok());
  FileReport r = Scan(p, policy.get());
  EXPECT_EQ(Find(r, "PICKLE-GLOBAL-UNAUDITED-CLASS"), nullptr) << Describe(r);
  EXPECT_TRUE(r.findings.empty()) << Describe(r);
  // The user policy does not weaken the denylist.
  FileReport evil = Scan(OsSystem(), policy.get());
  EXPECT_EQ(evil.MaxSeverity(), Severity::kCritical);
}

}  // namespace
}  // namespace modelgate
