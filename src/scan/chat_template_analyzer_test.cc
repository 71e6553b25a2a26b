// Unit tests for the chat template analysis and the constant folder; the
// corpus of real templates and payloads is in chat_template_corpus_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "modelgate/policy.h"
#include "scan/analyzers.h"
#include "scan/chat_template_fold.h"

namespace modelgate {
namespace {

std::vector<Finding> Analyze(const std::string& text, Limits limits = Limits::Default()) {
  ScanContext ctx("t", limits, Policy::Builtin());
  Blob blob;
  AnalyzeChatTemplate(text, blob, "test", ctx);
  return ctx.TakeFindings();
}

Severity Max(const std::vector<Finding>& fs, const std::string& id = "") {
  Severity m = Severity::kInfo;
  bool any = false;
  for (const Finding& f : fs) {
    if (!id.empty() && f.id != id) continue;
    if (!any || f.severity > m) m = f.severity;
    any = true;
  }
  return any ? m : Severity::kInfo;
}

bool Has(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs) {
    if (f.id == id) return true;
  }
  return false;
}

std::string Fold(const std::string& expr) {
  JinjaLexResult lex = LexJinja("{{ " + expr + " }}", Limits::Default());
  FoldedString f = FoldConstantString(lex.tokens, 1, lex.tokens.size() - 1);
  return f.ok && !f.is_list ? f.value : "<not folded>";
}

TEST(ChatTemplateFold, EvaluatesPayloadConstructions) {
  EXPECT_EQ(Fold("'__cla' ~ 'ss__'"), "__class__");
  EXPECT_EQ(Fold("'__cla' 'ss__'"), "__class__");
  EXPECT_EQ(Fold("'__ssalc__'|reverse"), "__class__");
  EXPECT_EQ(Fold("'__ssalc__'[::-1]"), "__class__");
  EXPECT_EQ(Fold("'%c%c'|format(95, 95)"), "__");
  EXPECT_EQ(Fold("'%s%s' % ('_', '_')"), "__");
  EXPECT_EQ(Fold("'{}{}'.format('_', '_')"), "__");
  EXPECT_EQ(Fold("['__cl', 'ass__']|join"), "__class__");
  EXPECT_EQ(Fold("''.join(['__', 'init__'])"), "__init__");
  EXPECT_EQ(Fold("dict(__cla=1, ss__=2)|join"), "__class__");
  EXPECT_EQ(Fold("'_' * 2"), "__");
  EXPECT_EQ(Fold("'xxclassxx'|replace('x', '_')"), "__class__");
  EXPECT_EQ(Fold("('__cla' ~ 'ss__')|upper|lower"), "__class__");
  EXPECT_EQ(Fold("x ~ 'a'"), "<not folded>");
}

TEST(ChatTemplateAnalyzer, BenignConstructsRaiseNothing) {
  EXPECT_TRUE(Analyze("{% set ns = namespace(found=false) %}{% set ns.found = true %}{{ ns.found }}").empty());
  EXPECT_TRUE(Analyze("{{ strftime_now('%d %b %Y') }}{{ raise_exception('x') }}").empty());
  EXPECT_TRUE(Analyze("{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|join('\\n') }}")
                  .empty());
  EXPECT_TRUE(Analyze("{{ message['content'].split('</think>')[-1] | trim }}{{ loop.index0 % 2 }}").empty());
  EXPECT_TRUE(Analyze("{{ 'a' ~ 'b' }}{{ '=' * 10 }}").empty());
}

TEST(ChatTemplateAnalyzer, Severities) {
  EXPECT_EQ(Max(Analyze("{{ ''.__class__ }}")), Severity::kCritical);
  EXPECT_EQ(Max(Analyze("{{ lipsum }}"), "JINJA-GADGET-GLOBAL"), Severity::kMedium);
  EXPECT_EQ(Max(Analyze("{{ lipsum.x }}"), "JINJA-GADGET-GLOBAL"), Severity::kCritical);
  EXPECT_EQ(Max(Analyze("{{ x|attr(y) }}")), Severity::kHigh);
  EXPECT_EQ(Max(Analyze("{{ x._y }}")), Severity::kHigh);
  EXPECT_EQ(Max(Analyze("{{ x.popen('true') }}")), Severity::kCritical);
  EXPECT_EQ(Max(Analyze("{% include 'a' %}")), Severity::kMedium);
  EXPECT_EQ(Max(Analyze("{{ '{}'.format(x) }}")), Severity::kMedium);
  EXPECT_EQ(Max(Analyze("{{ '__' }}")), Severity::kHigh);
  EXPECT_EQ(Max(Analyze("{{ '\\x5f\\x5f' }}")), Severity::kCritical);
  EXPECT_EQ(Max(Analyze("{{ x['a' ~ y] }}")), Severity::kHigh);
  EXPECT_EQ(Max(Analyze("{{ '\\N{FOO BAR}' }}")), Severity::kHigh);
}

TEST(ChatTemplateAnalyzer, EvidenceCarriesPositionAndDecodedName) {
  auto fs = Analyze("line one\n{{ x['\\x5f\\x5fglobals\\x5f\\x5f'] }}");
  ASSERT_TRUE(Has(fs, "JINJA-DUNDER-ACCESS"));
  for (const Finding& f : fs) {
    if (f.id != "JINJA-DUNDER-ACCESS") continue;
    bool at = false, name = false;
    for (const auto& [k, v] : f.evidence) {
      at |= k == "at" && v == "2:6";
      name |= k == "name" && v == "__globals__";
    }
    EXPECT_TRUE(at && name);
  }
}

TEST(ChatTemplateAnalyzer, LimitsAndSyntaxErrors) {
  Limits small;
  small.max_chat_template_bytes = 64;
  EXPECT_TRUE(Has(Analyze(std::string(100, 'a'), small), "JINJA-TOO-LARGE"));
  EXPECT_EQ(Max(Analyze("{{ 'unterminated }}"), "JINJA-SYNTAX-ERROR"), Severity::kMedium);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{% if x %}";
  EXPECT_TRUE(Has(Analyze(deep), "JINJA-NESTING-LIMIT"));
  EXPECT_TRUE(Has(Analyze("{{ " + std::string(500, '[') + " }}"), "JINJA-NESTING-LIMIT"));
}

TEST(ChatTemplateAnalyzer, LongConstructionsStayLinear) {
  std::string chain = "{{ 'a'";
  for (int i = 0; i < 100000; ++i) chain += " ~ 'a'";
  chain += " }}";
  std::string adjacent = "{{ " + std::string(200000, '\'') + " }}";  // 100000 empty literals
  auto start = std::chrono::steady_clock::now();
  (void)Analyze(chain);
  (void)Analyze(adjacent);
  // Generous for sanitizer builds; a quadratic pass takes minutes here.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace modelgate
