// Source-reader tests: imports and aliases, call resolution, constant
// folding, scopes (import time vs deferred), and negatives.
#include "formats/python/python_source.h"

#include <gtest/gtest.h>

namespace modelgate::python {
namespace {

SourceFacts Read(std::string_view src) { return ReadPythonSource(src, Limits()); }

const Call* FindCall(const SourceFacts& f, std::string_view callee) {
  for (const Call& c : f.calls) {
    if (c.callee.kind == ValueKind::kName && c.callee.text == callee) return &c;
  }
  return nullptr;
}

TEST(PythonSource, ImportsAndAliases) {
  SourceFacts f = Read("import os.path\nimport subprocess as sp\nfrom os import system as s, popen\n"
                       "from .configuration_x import XConfig\nsp.run(['true'])\ns('x')\npopen('y')\n");
  ASSERT_EQ(f.imports.size(), 5u);
  EXPECT_EQ(f.imports[0].module, "os.path");
  EXPECT_EQ(f.imports[0].bound_as, "os");
  EXPECT_EQ(f.imports[2].name, "system");
  EXPECT_EQ(f.imports[4].module, ".configuration_x");
  EXPECT_EQ(f.imports[4].bound_as, "XConfig");
  ASSERT_NE(FindCall(f, "subprocess.run"), nullptr);
  EXPECT_EQ(FindCall(f, "subprocess.run")->written, "sp.run");
  EXPECT_NE(FindCall(f, "os.system"), nullptr);
  EXPECT_NE(FindCall(f, "os.popen"), nullptr);
}

TEST(PythonSource, ImportTimeVersusDeferred) {
  SourceFacts f = Read(
      "import os\n"
      "os.system('a')\n"
      "class A:\n"
      "    os.popen('b')\n"
      "    def m(self):\n"
      "        os.execv('c', [])\n"
      "def g(x=os.getcwd()): os.spawnl('d')\n"
      "h = lambda: os.kill(1, 9)\n"
      "if __name__ == '__main__':\n"
      "    os.remove('e')\n"
      "os.fork()\n");
  ASSERT_NE(FindCall(f, "os.system"), nullptr);
  EXPECT_TRUE(FindCall(f, "os.system")->site.at_import);
  EXPECT_TRUE(FindCall(f, "os.popen")->site.at_import);  // class bodies run on import
  EXPECT_FALSE(FindCall(f, "os.execv")->site.at_import);
  EXPECT_EQ(FindCall(f, "os.execv")->site.function, "m");
  EXPECT_TRUE(FindCall(f, "os.getcwd")->site.at_import);  // default values run on import
  EXPECT_FALSE(FindCall(f, "os.spawnl")->site.at_import);
  EXPECT_FALSE(FindCall(f, "os.kill")->site.at_import);
  EXPECT_FALSE(FindCall(f, "os.remove")->site.at_import);
  EXPECT_TRUE(FindCall(f, "os.fork")->site.at_import);
  EXPECT_EQ(FindCall(f, "os.fork")->site.line, 11u);
  EXPECT_EQ(FindCall(f, "os.fork")->site.col, 1u);
}

TEST(PythonSource, DynamicImportAndGetattrFold) {
  SourceFacts f = Read("getattr(__import__('o'+'s'), 'sys' + 'tem')('true')\n"
                       "m = importlib.import_module('subprocess')\nm.call('x')\n");
  const Call* c = FindCall(f, "os.system");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->callee.built);
  EXPECT_TRUE(c->callee.resolved);
  EXPECT_NE(FindCall(f, "subprocess.call"), nullptr);
}

TEST(PythonSource, ComputedNamesAreMarked) {
  SourceFacts f = Read("import os\nname = input()\ngetattr(os, name)('x')\n__import__(name)\n");
  int computed = 0;
  for (const Call& c : f.calls) {
    computed += !c.callee.computed.empty() ||
                (c.callee.text == "builtins.__import__" && !c.args.empty() && c.args[0].kind != ValueKind::kString);
  }
  EXPECT_GE(computed, 2);
}

TEST(PythonSource, GetattrOnLocalsIsNotComputedModuleAccess) {
  SourceFacts f = Read("def f(config, key):\n    return getattr(config, key)(1)\n");
  for (const Call& c : f.calls) EXPECT_TRUE(c.callee.computed.empty()) << c.written;
}

TEST(PythonSource, DecodersFeedExec) {
  SourceFacts f = Read("import base64, codecs\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
                       "eval(bytes.fromhex('31').decode())\ncode = codecs.decode('...', 'rot13')\nexec(code)\n");
  int decoded = 0;
  for (const Call& c : f.calls) {
    if (c.callee.text == "builtins.exec" || c.callee.text == "builtins.eval") {
      ASSERT_FALSE(c.args.empty());
      decoded += c.args[0].kind == ValueKind::kDecoded;
      if (c.args[0].text == "base64.b64decode") {
        EXPECT_EQ(c.args[0].payload, "print(1)");
      }
    }
  }
  EXPECT_EQ(decoded, 3);
}

TEST(PythonSource, ChrChainsFoldAndCount) {
  SourceFacts f = Read("exec(chr(111)+chr(115)+chr(46)+chr(115)+chr(121)+chr(115)+chr(116)+chr(101)+chr(109))\n");
  EXPECT_EQ(f.max_chr_calls_in_statement, 9u);
  const Call* c = FindCall(f, "builtins.exec");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->args.size(), 1u);
  EXPECT_EQ(c->args[0].text, "os.system");
  EXPECT_TRUE(c->args[0].built);
}

TEST(PythonSource, BuiltinsTricks) {
  SourceFacts f = Read("g = __builtins__['ex' + 'ec']\nvars(__builtins__)['eval']('1')\n"
                       "globals()['__builtins__'].exec('2')\nimport builtins\nbuiltins.__dict__['compile']('3','','exec')\n");
  EXPECT_NE(FindCall(f, "builtins.eval"), nullptr);
  EXPECT_NE(FindCall(f, "builtins.exec"), nullptr);
  EXPECT_NE(FindCall(f, "builtins.compile"), nullptr);
  bool ref = false;
  for (const Reference& r : f.references) ref |= r.name == "builtins.exec" && r.built;
  EXPECT_TRUE(ref);
}

TEST(PythonSource, ReversedStringAndSysModules) {
  SourceFacts f = Read("import sys\nsys.modules['os'].system('x')\n__import__('so'[::-1]).popen('y')\n");
  EXPECT_NE(FindCall(f, "os.system"), nullptr);
  EXPECT_NE(FindCall(f, "os.popen"), nullptr);
}

TEST(PythonSource, FullwidthIdentifiersFold) {
  SourceFacts f = Read("\xEF\xBD\x85\xEF\xBD\x98\xEF\xBD\x85\xEF\xBD\x83('1')\n");  // ｅｘｅｃ
  EXPECT_NE(FindCall(f, "builtins.exec"), nullptr);
  EXPECT_EQ(f.non_ascii_names.size(), 1u);
}

TEST(PythonSource, StarImportsResolveBareNames) {
  SourceFacts f = Read("from torch import *\nfrom subprocess import *\nPopen(['true'])\nx = [1]\nlen(x)\n");
  EXPECT_NE(FindCall(f, "subprocess.Popen"), nullptr);
}

TEST(PythonSource, OpenModeAndPath) {
  SourceFacts f = Read("import os\nopen(os.path.expanduser('~/.bashrc'), 'a')\nopen(p, mode='w')\n");
  int opens = 0;
  for (const Call& c : f.calls) {
    if (c.callee.text != "builtins.open") continue;
    ++opens;
    if (opens == 1) {
      EXPECT_EQ(c.args[0].text, "~/.bashrc");
      EXPECT_EQ(c.args[1].text, "a");
    } else {
      ASSERT_TRUE(c.mode.has_value());
      EXPECT_EQ(c.mode->text, "w");
    }
  }
  EXPECT_EQ(opens, 2);
}

TEST(PythonSource, StringsAndCommentsDoNotProduceCalls) {
  SourceFacts f = Read("'''os.system(\"x\")'''\n# eval('y')\nx = \"subprocess.run(['z'])\"\n");
  EXPECT_TRUE(f.calls.empty());
}

TEST(PythonSource, MethodCallsOnLocalsAreNotResolvedToBuiltins) {
  SourceFacts f = Read("import torch\nmodel.eval()\nself.compile(x)\ntorch.compile(m)\nre.compile('a')\n");
  EXPECT_EQ(FindCall(f, "builtins.eval"), nullptr);
  EXPECT_EQ(FindCall(f, "builtins.compile"), nullptr);
  EXPECT_NE(FindCall(f, "torch.compile"), nullptr);
}

TEST(PythonSource, LocalDefinitionShadowsBuiltin) {
  SourceFacts f = Read("def eval(x):\n    return x\neval(1)\n");
  EXPECT_EQ(FindCall(f, "builtins.eval"), nullptr);
}

TEST(PythonSource, EncodedLiteral) {
  std::string blob(400, 'Q');
  for (std::size_t k = 0; k < blob.size(); k += 7) blob[k] = '7';
  SourceFacts f = Read("X = '" + blob + "'\n");
  ASSERT_EQ(f.encoded_literals.size(), 1u);
  EXPECT_EQ(f.encoded_literals[0].alphabet, "base64");
}

TEST(PythonSource, EvaluationBudgetBoundsNestedGetattr) {
  std::string src = "import os\n";
  for (int k = 0; k < 150; ++k) src += "getattr(";
  src += "os";
  for (int k = 0; k < 150; ++k) src += ", 'x')";
  src += "()\n";
  SourceFacts f = Read(src);
  EXPECT_FALSE(f.truncated);
  EXPECT_GT(f.calls.size(), 0u);
}

}  // namespace
}  // namespace modelgate::python
