// Tokenizer tests on tricky Python: every string form, f-strings with nested
// expressions and format specs, continuations, brackets, indentation, limits.
#include "formats/python/python_tokenizer.h"

#include <gtest/gtest.h>

namespace modelgate::python {
namespace {

struct Flat {
  TokenKind kind;
  std::string text;
};

std::vector<Flat> Lex(std::string_view src, TokenStream* out = nullptr) {
  TokenStream ts = Tokenize(src, Limits());
  std::vector<Flat> v;
  for (const Token& t : ts.tokens) {
    v.push_back({t.kind, t.kind == TokenKind::kString || t.kind == TokenKind::kFStringMiddle ? t.value
                                                                                             : std::string(TokenText(src, t))});
  }
  if (out) *out = std::move(ts);
  return v;
}

std::string Names(const std::vector<Flat>& v) {
  std::string s;
  for (const Flat& f : v) {
    if (f.kind == TokenKind::kName) s += f.text + " ";
  }
  return s;
}

TEST(PythonTokenizer, SimpleStatementHasNewline) {
  TokenStream ts;
  auto v = Lex("import os\nos.system('true')\n", &ts);
  ASSERT_EQ(ts.error, TokenizeError::kNone);
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(v[2].kind, TokenKind::kNewline);
  EXPECT_EQ(v[7].kind, TokenKind::kString);
  EXPECT_EQ(v[7].text, "true");
  EXPECT_EQ(ts.tokens[3].line, 2u);
  EXPECT_TRUE(ts.tokens[3].line_start);
}

TEST(PythonTokenizer, StringPrefixesAndEscapes) {
  TokenStream ts;
  auto v = Lex(R"(a = r'\n' + b"\x41\102" + u'\u00e9' + Rb'\d' + '\'q' + "x\
y")", &ts);
  ASSERT_EQ(ts.error, TokenizeError::kNone);
  std::vector<std::string> strings;
  for (const Flat& f : v) {
    if (f.kind == TokenKind::kString) strings.push_back(f.text);
  }
  ASSERT_EQ(strings.size(), 6u);
  EXPECT_EQ(strings[0], "\\n");
  EXPECT_EQ(strings[1], "AB");
  EXPECT_EQ(strings[2], "\xC3\xA9");
  EXPECT_EQ(strings[3], "\\d");
  EXPECT_EQ(strings[4], "'q");
  EXPECT_EQ(strings[5], "xy");
}

TEST(PythonTokenizer, TripleQuotedStringSpansLinesAndHidesCode) {
  TokenStream ts;
  auto v = Lex("s = '''\nos.system('x')\n'''\nt = 1\n", &ts);
  ASSERT_EQ(ts.error, TokenizeError::kNone);
  EXPECT_EQ(Names(v), "s t ");
  EXPECT_EQ(ts.tokens.back().kind, TokenKind::kNewline);
  EXPECT_EQ(ts.tokens[4].line, 4u);  // t
}

TEST(PythonTokenizer, FStringExpressionsAreTokens) {
  TokenStream ts;
  auto v = Lex("x = f\"a{os.system('t')!r:>{width}}b{{c}}\"\n", &ts);
  ASSERT_EQ(ts.error, TokenizeError::kNone) << TokenizeErrorName(ts.error);
  EXPECT_EQ(Names(v), "x os system r width ");
  std::string middles;
  for (const Flat& f : v) {
    if (f.kind == TokenKind::kFStringMiddle) middles += "[" + f.text + "]";
  }
  EXPECT_EQ(middles, "[a][>][b{c}]");
  EXPECT_EQ(v[2].kind, TokenKind::kFStringStart);
}

TEST(PythonTokenizer, NestedFStringsWithSameQuotes) {
  TokenStream ts;
  auto v = Lex("y = f\"{f\"{eval('1')}\"}\"\nz = 2\n", &ts);
  ASSERT_EQ(ts.error, TokenizeError::kNone) << TokenizeErrorName(ts.error);
  EXPECT_EQ(Names(v), "y eval z ");
}

TEST(PythonTokenizer, RawFStringKeepsBackslashes) {
  auto v = Lex("p = rf'\\d{n}\\w'\n");
  ASSERT_GE(v.size(), 5u);
  EXPECT_EQ(v[3].text, "\\d");
}

TEST(PythonTokenizer, BracketsJoinLinesAndBackslashContinues) {
  TokenStream ts;
  auto v = Lex("f(a,\n  b)\nx = 1 + \\\n  2\n", &ts);
  ASSERT_EQ(ts.error, TokenizeError::kNone);
  int newlines = 0;
  for (const Flat& f : v) newlines += f.kind == TokenKind::kNewline;
  EXPECT_EQ(newlines, 2);
}

TEST(PythonTokenizer, CommentsAndBlankLinesAreSkipped) {
  TokenStream ts;
  auto v = Lex("# os.system('x')\n\n   \nx = 1  # eval('y')\n", &ts);
  EXPECT_EQ(Names(v), "x ");
}

TEST(PythonTokenizer, IndentationWidth) {
  TokenStream ts;
  Lex("def f():\n    return 1\n\tpass\n", &ts);
  ASSERT_GE(ts.tokens.size(), 8u);
  EXPECT_EQ(ts.tokens[0].indent, 0u);
  EXPECT_EQ(ts.tokens[6].indent, 4u);  // return
  EXPECT_EQ(ts.tokens.back().indent, 8u);  // pass (tab)
}

TEST(PythonTokenizer, Numbers) {
  auto v = Lex("x = 0x1F + 1_000 + 1e-5 + .5j + 0o17\n");
  int numbers = 0;
  for (const Flat& f : v) numbers += f.kind == TokenKind::kNumber;
  EXPECT_EQ(numbers, 5);
}

TEST(PythonTokenizer, ErrorsAreReported) {
  TokenStream ts;
  Lex("x = 'abc\ny = 1\n", &ts);
  EXPECT_EQ(ts.error, TokenizeError::kUnterminatedString);
  EXPECT_EQ(ts.error_line, 1u);
  Lex("x = '''abc\n", &ts);
  EXPECT_EQ(ts.error, TokenizeError::kUnterminatedTripleString);
  Lex("x = (1, 2\n", &ts);
  EXPECT_EQ(ts.error, TokenizeError::kUnclosedBracket);
  Lex("x = 1)\n", &ts);
  EXPECT_EQ(ts.error, TokenizeError::kUnmatchedBracket);
  Lex(std::string_view("x = 1\0\n", 7), &ts);
  EXPECT_EQ(ts.error, TokenizeError::kNullByte);
  Lex("x = $\n", &ts);
  EXPECT_EQ(ts.error, TokenizeError::kInvalidCharacter);
  Lex("x = f'{1'\n", &ts);
  EXPECT_NE(ts.error, TokenizeError::kNone);
}

TEST(PythonTokenizer, NestingLimitStops) {
  std::string deep = "x = " + std::string(10000, '(') + std::string(10000, ')') + "\n";
  TokenStream ts = Tokenize(deep, Limits());
  EXPECT_EQ(ts.error, TokenizeError::kTooDeep);
  EXPECT_TRUE(ts.truncated);
  std::string fdeep;
  for (int k = 0; k < 300; ++k) fdeep += "f'{";
  ts = Tokenize(fdeep, Limits());
  EXPECT_EQ(ts.error, TokenizeError::kTooDeep);
}

TEST(PythonTokenizer, TokenLimitStops) {
  Limits l;
  l.max_python_tokens = 10;
  TokenStream ts = Tokenize("a b c d e f g h i j k l m n o p\n", l);
  EXPECT_EQ(ts.error, TokenizeError::kTooManyTokens);
  EXPECT_EQ(ts.tokens.size(), 10u);
}

TEST(PythonTokenizer, EncodingDeclaration) {
  EXPECT_EQ(SourceEncodingDeclaration("# -*- coding: utf-7 -*-\nx = 1\n"), "utf-7");
  EXPECT_EQ(SourceEncodingDeclaration("#!/usr/bin/python\n# vim: set fileencoding=Latin-1 :\n"), "latin-1");
  EXPECT_EQ(SourceEncodingDeclaration("x = 1\n# coding: utf-7\n"), "");
  EXPECT_EQ(SourceEncodingDeclaration("import os\n"), "");
}

TEST(PythonTokenizer, StringPrefixLikeNamesAreNames) {
  auto v = Lex("rb = br = f = 1\nprint(rb, fr)\n");
  EXPECT_EQ(Names(v), "rb br f print rb fr ");
}

}  // namespace
}  // namespace modelgate::python
