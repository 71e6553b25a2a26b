// Tests for the policy: the built-in lists and the matching rules documented
// in include/modelgate/policy.h (exact over prefix, longer prefix over
// shorter, later over earlier at equal specificity, allow-class for classes
// only, Python 2 names mapped first).
#include "modelgate/policy.h"

#include <string>

#include <gtest/gtest.h>

namespace modelgate {
namespace {

bool Denied(const Policy& p, std::string_view module, std::string_view name) {
  const PolicyRule* r = p.Match(module, name);
  return r != nullptr && r->denies();
}

bool Allowed(const Policy& p, std::string_view module, std::string_view name) {
  const PolicyRule* r = p.Match(module, name);
  return r != nullptr && !r->denies();
}

TEST(Policy, BuiltinListsParse) {
  const Policy& p = Policy::Builtin();
  EXPECT_GT(p.size(), 100u);
  EXPECT_EQ(&p, &Policy::Builtin());  // built once
  EXPECT_EQ(Policy::NewBuiltin()->size(), p.size());
}

TEST(Policy, DenylistCoversShellAndEvalInEverySpelling) {
  const Policy& p = Policy::Builtin();
  EXPECT_TRUE(Denied(p, "os", "system"));
  EXPECT_TRUE(Denied(p, "posix", "system"));
  EXPECT_TRUE(Denied(p, "nt", "system"));
  EXPECT_TRUE(Denied(p, "builtins", "eval"));
  EXPECT_TRUE(Denied(p, "builtins", "exec"));
  EXPECT_TRUE(Denied(p, "__builtin__", "eval"));  // Python 2 name, mapped by fix_imports
  EXPECT_TRUE(Denied(p, "subprocess", "Popen"));
  EXPECT_TRUE(Denied(p, "subprocess", "check_output"));
  // A prefix rule covers submodules too.
  EXPECT_TRUE(Denied(p, "asyncio.unix_events", "_UnixSubprocessTransport._start"));
  EXPECT_TRUE(Denied(p, "commands", "getoutput"));  // Python 2 commands -> subprocess
}

TEST(Policy, DeniedRuleCarriesReasonAndSource) {
  const PolicyRule* r = Policy::Builtin().Match("os", "system");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->action, PolicyAction::kDeny);
  EXPECT_FALSE(r->reason.empty());
  EXPECT_NE(r->source.find("denylist"), std::string::npos) << r->source;
}

TEST(Policy, AttributeWalksReachDenylistedNames) {
  const Policy& p = Policy::Builtin();
  // torch + "serialization.os.system": the module path torch.serialization is
  // denied as a whole, and the walked suffix reaches os.system.
  EXPECT_TRUE(Denied(p, "torch", "serialization.os.system"));
  const PolicyRule* r = p.MatchDeny("os.system");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->denies());
  EXPECT_NE(p.MatchDeny("builtins.eval"), nullptr);
  // MatchDeny ignores allow rules entirely.
  EXPECT_EQ(p.MatchDeny("collections.OrderedDict"), nullptr);
  EXPECT_EQ(p.MatchDeny("torch._utils._rebuild_tensor_v2"), nullptr);
}

TEST(Policy, AllowlistCoversOrdinaryModelGlobals) {
  const Policy& p = Policy::Builtin();
  EXPECT_TRUE(Allowed(p, "torch._utils", "_rebuild_tensor_v2"));
  EXPECT_TRUE(Allowed(p, "collections", "OrderedDict"));
  EXPECT_TRUE(Allowed(p, "numpy.core.multiarray", "_reconstruct"));
  EXPECT_TRUE(Allowed(p, "numpy", "dtype"));
  EXPECT_TRUE(Allowed(p, "copyreg", "_reconstructor"));
  EXPECT_TRUE(Allowed(p, "copy_reg", "_reconstructor"));  // Python 2 name
  // Not everything in an allowed module is allowed.
  EXPECT_FALSE(Allowed(p, "collections", "namedtuple_hack"));
}

TEST(Policy, AllowClassMatchesClassesOnly) {
  const Policy& p = Policy::Builtin();
  const PolicyRule* r = p.Match("torch.nn.modules.linear", "Linear");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->action, PolicyAction::kAllowClass);
  EXPECT_FALSE(Allowed(p, "torch.nn.modules.module", "_addindent"));
  EXPECT_FALSE(Allowed(p, "torch.nn.functional", "relu"));
}

TEST(Policy, ExactRuleBeatsPrefixRule) {
  auto p = Policy::NewBuiltin();
  ASSERT_TRUE(p->AddRules("allow os.getcwd  harmless for our models\n", "user.txt").ok());
  EXPECT_TRUE(Allowed(*p, "os", "getcwd"));
  EXPECT_TRUE(Denied(*p, "os", "system"));
  // A user prefix allow does not override the built-in exact deny.
  ASSERT_TRUE(p->AddRules("allow builtins.*   too broad\n", "user.txt").ok());
  EXPECT_TRUE(Denied(*p, "builtins", "eval"));
  EXPECT_TRUE(Allowed(*p, "builtins", "print"));
}

TEST(Policy, LongerPrefixBeatsShorter) {
  auto p = Policy::NewBuiltin();
  ASSERT_TRUE(p->AddRules("allow os.path.*  path helpers\n", "user.txt").ok());
  EXPECT_TRUE(Allowed(*p, "os.path", "join"));
  EXPECT_TRUE(Denied(*p, "os", "system"));
  ASSERT_TRUE(p->AddRules("deny mycorp.*  all of it\nallow mycorp.models.*  but the models\n", "u2").ok());
  EXPECT_TRUE(Allowed(*p, "mycorp.models.bert", "Encoder"));
  EXPECT_TRUE(Denied(*p, "mycorp.tools", "run"));
}

TEST(Policy, LaterRuleWinsAtEqualSpecificity) {
  auto p = Policy::NewBuiltin();
  ASSERT_TRUE(Denied(*p, "builtins", "eval"));
  ASSERT_TRUE(p->AddRules("allow builtins.eval   we trust this corpus\n", "policy.txt").ok());
  const PolicyRule* r = p->Match("builtins", "eval");
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->denies());
  EXPECT_EQ(r->source, "policy.txt:1");
  EXPECT_EQ(r->reason, "we trust this corpus");
  // And a later deny takes it back.
  ASSERT_TRUE(p->AddRules("\n# comment\ndeny builtins.eval  changed our mind\n", "p2").ok());
  EXPECT_TRUE(Denied(*p, "builtins", "eval"));
  EXPECT_EQ(p->Match("builtins", "eval")->source, "p2:3");
  // The built-in singleton is untouched.
  EXPECT_TRUE(Denied(Policy::Builtin(), "builtins", "eval"));
}

TEST(Policy, UserAllowClassForCustomModels) {
  auto p = Policy::NewBuiltin();
  EXPECT_EQ(p->Match("mycompany.models", "Net"), nullptr);
  ASSERT_TRUE(p->AddRules("allow-class mycompany.models.*  ours\n", "user.txt").ok());
  EXPECT_TRUE(Allowed(*p, "mycompany.models", "Net"));
  EXPECT_FALSE(Allowed(*p, "mycompany.models", "make_net"));
}

TEST(Policy, AddRulesRejectsBadLinesAndAddsNothing) {
  struct Case {
    const char* text;
    const char* where;
  };
  const Case cases[] = {
      {"allow a.b ok\npermit os.system nope\n", "bad.txt:2"},
      {"# header\n\nallow os.sys*tem bad star\n", "bad.txt:3"},
      {"deny os;system bad char\n", "bad.txt:1"},
      {"allow\n", "bad.txt:1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = Policy::NewBuiltin();
    std::size_t before = p->size();
    Status s = p->AddRules(c.text, "bad.txt");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.ToString().find(c.where), std::string::npos) << s.ToString();
    EXPECT_EQ(p->size(), before);
    EXPECT_EQ(p->Match("a", "b"), nullptr);  // the valid first line was not kept either
  }
}

TEST(Policy, CommentsAndBlankLinesAreIgnored) {
  Policy p;
  ASSERT_TRUE(p.AddRules("# only comments\n\n   \n deny x.y  # trailing comment\n", "c").ok());
  EXPECT_EQ(p.size(), 1u);
  EXPECT_TRUE(Denied(p, "x", "y"));
  EXPECT_EQ(p.Match("x", "z"), nullptr);
}

TEST(Policy, IsStdlib) {
  const Policy& p = Policy::Builtin();
  EXPECT_TRUE(p.IsStdlib("os"));
  EXPECT_TRUE(p.IsStdlib("functools"));
  EXPECT_TRUE(p.IsStdlib("os.path"));
  EXPECT_TRUE(p.IsStdlib("xml.etree.ElementTree"));
  EXPECT_TRUE(p.IsStdlib("__builtin__"));
  EXPECT_FALSE(p.IsStdlib("numpy"));
  EXPECT_FALSE(p.IsStdlib("torch.nn"));
  EXPECT_FALSE(p.IsStdlib("sklearn"));
  EXPECT_FALSE(p.IsStdlib("oss"));
}

TEST(Policy, MapPython2Module) {
  EXPECT_EQ(Policy::MapPython2Module("__builtin__", "eval"), "builtins");
  EXPECT_EQ(Policy::MapPython2Module("__builtin__", "reduce"), "functools");
  EXPECT_EQ(Policy::MapPython2Module("copy_reg", "_reconstructor"), "copyreg");
  EXPECT_EQ(Policy::MapPython2Module("cPickle", "loads"), "pickle");
  EXPECT_EQ(Policy::MapPython2Module("numpy", "ndarray"), "numpy");
}

}  // namespace
}  // namespace modelgate
