// Tests for the Jinja lexer: delimiters, whitespace control, raw blocks,
// comments, Python string escapes as Jinja decodes them, positions, errors.
#include "formats/jinja/jinja_lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace modelgate {
namespace {

std::vector<JinjaToken> Lex(const std::string& s) {
  JinjaLexResult r = LexJinja(s, Limits::Default());
  EXPECT_EQ(r.status, JinjaLexStatus::kOk) << r.error;
  return r.tokens;
}

std::string Kinds(const std::vector<JinjaToken>& t) {
  std::string out;
  for (const JinjaToken& k : t) {
    switch (k.kind) {
      case JinjaTokenKind::kText: out += "T"; break;
      case JinjaTokenKind::kVariableBegin: out += "{{"; break;
      case JinjaTokenKind::kVariableEnd: out += "}}"; break;
      case JinjaTokenKind::kBlockBegin: out += "{%"; break;
      case JinjaTokenKind::kBlockEnd: out += "%}"; break;
      case JinjaTokenKind::kName: out += "n"; break;
      case JinjaTokenKind::kString: out += "s"; break;
      case JinjaTokenKind::kNumber: out += "#"; break;
      case JinjaTokenKind::kOperator: out += k.value; break;
    }
    out += " ";
  }
  return out;
}

TEST(JinjaLexer, TextVariablesAndBlocks) {
  auto t = Lex("Hi {{ name|upper }}!{% if x -%} y {%- endif %}");
  EXPECT_EQ(Kinds(t), "T {{ n | n }} T {% n n %} T {% n %} ");
  EXPECT_EQ(t[0].value, "Hi ");
  EXPECT_EQ(t[2].value, "name");
}

TEST(JinjaLexer, DecodesEveryPythonEscape) {
  auto t = Lex(R"({{ '\x5f\u005f\U0000005f\137\N{LOW LINE}\n\'' }})");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].value, "_____\n'");
  EXPECT_TRUE(t[1].escaped);
  auto named = Lex(R"({{ "\N{latin small letter a}\N{NO SUCH NAME}" }})");
  EXPECT_EQ(named[1].value.substr(0, 1), "a");
  EXPECT_TRUE(named[1].unknown_named_escape);
  auto plain = Lex(R"({{ 'a\qb' }})");
  EXPECT_EQ(plain[1].value, "a\\qb");  // unknown escapes keep the backslash
  EXPECT_FALSE(plain[1].escaped);
}

TEST(JinjaLexer, DelimitersInsideStringsAndBrackets) {
  auto t = Lex(R"({{ "}}" }}{{ {'a': {'b': 1}} }}{% set x = "%}" %})");
  EXPECT_EQ(Kinds(t), "{{ s }} {{ { s : { s : # } } }} {% n n = s %} ");
  EXPECT_EQ(t[1].value, "}}");
}

TEST(JinjaLexer, RawBlocksAndCommentsAreNotCode) {
  auto t = Lex("{% raw %}{{ x.__class__ }}{% endraw %}{# {{ y }} #}z{%- raw -%}a{%- endraw -%}");
  EXPECT_EQ(Kinds(t), "T T T ");
  EXPECT_EQ(t[0].value, "{{ x.__class__ }}");
  EXPECT_EQ(t[1].value, "z");
}

TEST(JinjaLexer, OperatorsNumbersAndPositions) {
  auto t = Lex("a\n  {{ 2**3 // 1.5e3 ~ x[::-1] != y }}");
  EXPECT_EQ(Kinds(t), "T {{ # ** # // # ~ n [ : : - # ] != n }} ");
  EXPECT_EQ(t[1].line, 2u);
  EXPECT_EQ(t[1].column, 3u);
  EXPECT_EQ(t[2].column, 6u);
  EXPECT_EQ(t[6].value, "1.5e3");
}

TEST(JinjaLexer, SyntaxErrorsAndLimits) {
  EXPECT_EQ(LexJinja("{{ 'abc }}", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  EXPECT_EQ(LexJinja("{{ x ", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  EXPECT_EQ(LexJinja("{{ x ) }}", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  EXPECT_EQ(LexJinja("{{ x ! y }}", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  EXPECT_EQ(LexJinja("{# open", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  EXPECT_EQ(LexJinja("{% raw %}x", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  EXPECT_EQ(LexJinja(R"({{ '\x5' }})", Limits::Default()).status, JinjaLexStatus::kSyntaxError);
  JinjaLexResult deep = LexJinja("{{ " + std::string(1000, '(') + " }}", Limits::Default());
  EXPECT_EQ(deep.status, JinjaLexStatus::kNestingLimit);
}

}  // namespace
}  // namespace modelgate
