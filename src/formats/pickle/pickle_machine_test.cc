// Tests for the symbolic pickle machine. Pickles are assembled opcode by
// opcode with a small builder so each test states exactly which bytes it
// feeds; expectations come from what Modules/_pickle.c does with those bytes
// (see pickletools for the opcode reference), not from the machine's output.
#include "formats/pickle/pickle_machine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "formats/pickle/opcodes.h"
#include "formats/pickle/pickle_builder_for_test.h"

namespace modelgate::pickle {
namespace {


StreamTrace Decode(const PickleBuilder& p, const Limits& limits = Limits::Default()) {
  return RunStream(p.view(), 0, limits);
}

// Index of module.name in t.globals, or -1.
int FindGlobal(const StreamTrace& t, std::string_view module, std::string_view name) {
  for (std::size_t k = 0; k < t.globals.size(); ++k) {
    if (t.globals[k].module == module && t.globals[k].name == name) return static_cast<int>(k);
  }
  return -1;
}

std::string Dump(const StreamTrace& t) {
  std::string s = "stopped=" + std::to_string(t.stopped) + " error=" + ErrorKindName(t.error) + " at " +
                  std::to_string(t.error_offset) + " (" + t.error_message + ") globals:";
  for (const auto& g : t.globals) s += " [" + g.module + "|" + g.name + "]";
  return s;
}

// --- string opcodes feeding STACK_GLOBAL ------------------------------------

PickleBuilder WithStrings(void (*push)(PickleBuilder&, std::string_view)) {
  PickleBuilder p;
  p.Proto(4);
  push(p, "os");
  push(p, "system");
  p.Op(kStackGlobal).CallWithStr("true").Stop();
  return p;
}

TEST(PickleMachine, StackGlobalAcceptsEveryCountedStringOpcode) {
  const std::pair<const char*, void (*)(PickleBuilder&, std::string_view)> cases[] = {
      {"SHORT_BINUNICODE", [](PickleBuilder& p, std::string_view s) { p.Sbu(s); }},
      {"BINUNICODE", [](PickleBuilder& p, std::string_view s) { p.BinUnicode(s); }},
      {"BINUNICODE8", [](PickleBuilder& p, std::string_view s) { p.BinUnicode8(s); }},
      {"BINSTRING", [](PickleBuilder& p, std::string_view s) { p.Op(kBinString).LE(s.size(), 4).Raw(s); }},
      {"SHORT_BINSTRING",
       [](PickleBuilder& p, std::string_view s) { p.Op(kShortBinString).U8(static_cast<std::uint8_t>(s.size())).Raw(s); }},
  };
  for (const auto& [label, push] : cases) {
    SCOPED_TRACE(label);
    StreamTrace t = Decode(WithStrings(push));
    ASSERT_TRUE(t.stopped) << Dump(t);
    int g = FindGlobal(t, "os", "system");
    ASSERT_GE(g, 0) << Dump(t);
    EXPECT_EQ(t.globals[g].opcode, kStackGlobal);
    EXPECT_FALSE(t.globals[g].via_memo);
    EXPECT_FALSE(t.globals[g].unresolved);
    ASSERT_EQ(t.calls.size(), 1u);
    EXPECT_EQ(t.calls[0].callee, g);
  }
}

TEST(PickleMachine, UnicodeOpcodeDecodesRawUnicodeEscapes) {
  // V\u006fs\n -> "os" (raw-unicode-escape), V\u0073ystem\n -> "system".
  PickleBuilder p;
  p.Raw("V\\u006fs\n").Raw("V\\u0073ystem\n").Op(kStackGlobal).CallWithStr("x").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  EXPECT_GE(FindGlobal(t, "os", "system"), 0) << Dump(t);
}

TEST(PickleMachine, StringOpcodeDecodesEscapes) {
  // S'o\x73'\n -> "os"; S"sys\164em"\n (octal 164 = 't') -> "system".
  PickleBuilder p;
  p.Raw("S'o\\x73'\n").Raw("S\"sys\\164em\"\n").Op(kStackGlobal).CallWithStr("x").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  EXPECT_GE(FindGlobal(t, "os", "system"), 0) << Dump(t);
}

TEST(PickleMachine, UnquotedStringIsBadArgument) {
  PickleBuilder p;
  p.Raw("Sos\n").Stop();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kBadArgument);
}

// --- memo forms ---------------------------------------------------------------

TEST(PickleMachine, NamesFetchedFromMemoAreMarkedViaMemo) {
  struct Case {
    const char* label;
    void (*put)(PickleBuilder&, int);
    void (*get)(PickleBuilder&, int);
  };
  const Case cases[] = {
      {"PUT/GET", [](PickleBuilder& p, int i) { p.Raw("p" + std::to_string(i) + "\n"); },
       [](PickleBuilder& p, int i) { p.Raw("g" + std::to_string(i) + "\n"); }},
      {"BINPUT/BINGET", [](PickleBuilder& p, int i) { p.Op(kBinPut).U8(static_cast<std::uint8_t>(i)); },
       [](PickleBuilder& p, int i) { p.Op(kBinGet).U8(static_cast<std::uint8_t>(i)); }},
      {"LONG_BINPUT/LONG_BINGET", [](PickleBuilder& p, int i) { p.Op(kLongBinPut).LE(70000 + i, 4); },
       [](PickleBuilder& p, int i) { p.Op(kLongBinGet).LE(70000 + i, 4); }},
      {"MEMOIZE/BINGET", [](PickleBuilder& p, int) { p.Op(kMemoize); },
       [](PickleBuilder& p, int i) { p.Op(kBinGet).U8(static_cast<std::uint8_t>(i)); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    // Names are stored, popped, then fetched back for STACK_GLOBAL.
    PickleBuilder p;
    p.Proto(4).Sbu("os");
    c.put(p, 0);
    p.Op(kPop).Sbu("system");
    c.put(p, 1);
    p.Op(kPop);
    c.get(p, 0);
    c.get(p, 1);
    p.Op(kStackGlobal).CallWithStr("true").Stop();
    StreamTrace t = Decode(p);
    ASSERT_TRUE(t.stopped) << Dump(t);
    int g = FindGlobal(t, "os", "system");
    ASSERT_GE(g, 0) << Dump(t);
    EXPECT_TRUE(t.globals[g].via_memo);
    ASSERT_EQ(t.calls.size(), 1u);
    EXPECT_EQ(t.calls[0].callee, g);
  }
}

TEST(PickleMachine, DupOperandIsMarkedViaMemo) {
  PickleBuilder p;
  p.Proto(4).Sbu("os").Op(kDup).Sbu("system").Op(kStackGlobal).CallWithStr("true").Op(kPop).Op(kPop);
  p.None().Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  int g = FindGlobal(t, "os", "system");
  ASSERT_GE(g, 0);
  EXPECT_TRUE(t.globals[g].via_memo);
}

TEST(PickleMachine, GetOfMissingMemoIndexFails) {
  PickleBuilder p;
  p.Proto(2).None().Op(kBinPut).U8(0).Op(kBinGet).U8(1).Stop();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kMemoMissing);
  EXPECT_EQ(t.error_offset, 5u);  // PROTO(2) NONE(1) BINPUT(2) -> BINGET at 5
}

// --- GLOBAL / INST and call kinds ---------------------------------------------

TEST(PickleMachine, GlobalResolvesModuleAndName) {
  PickleBuilder p;
  p.Global("os", "system").Mark().Raw("S'true'\n").Op(kTuple).Op(kReduce).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.globals.size(), 1u);
  EXPECT_EQ(t.globals[0].module, "os");
  EXPECT_EQ(t.globals[0].name, "system");
  EXPECT_EQ(t.globals[0].opcode, kGlobal);
  EXPECT_EQ(t.globals[0].offset, 0u);
  EXPECT_EQ(t.globals[0].calls, 1u);
  EXPECT_EQ(t.protocol, -1);
}

TEST(PickleMachine, EveryCallKindIsRecordedWithCalleeAndArguments) {
  struct Case {
    const char* label;
    CallKind kind;
    PickleBuilder p;
  };
  std::vector<Case> cases;
  {
    PickleBuilder p;
    p.Proto(2).Global("os", "system").Sbu("argREDUCE").Op(kTuple1).Op(kReduce).Stop();
    cases.push_back({"REDUCE", CallKind::kReduce, p});
  }
  {
    PickleBuilder p;
    p.Proto(2).Global("os", "system").Sbu("argNEWOBJ").Op(kTuple1).Op(kNewObj).Stop();
    cases.push_back({"NEWOBJ", CallKind::kNewObj, p});
  }
  {
    PickleBuilder p;
    p.Proto(4).Global("os", "system").Sbu("argNEWOBJEX").Op(kTuple1).Op(kEmptyDict).Op(kNewObjEx).Stop();
    cases.push_back({"NEWOBJ_EX", CallKind::kNewObjEx, p});
  }
  {
    PickleBuilder p;
    p.Mark().Raw("S'argINST'\n").Op(kInst).Raw("os\nsystem\n").Stop();
    cases.push_back({"INST", CallKind::kInst, p});
  }
  {
    PickleBuilder p;
    p.Mark().Global("os", "system").Raw("S'argOBJ'\n").Op(kObj).Stop();
    cases.push_back({"OBJ", CallKind::kObj, p});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    StreamTrace t = Decode(c.p);
    ASSERT_TRUE(t.stopped) << Dump(t);
    int g = FindGlobal(t, "os", "system");
    ASSERT_GE(g, 0) << Dump(t);
    ASSERT_EQ(t.calls.size(), 1u);
    EXPECT_EQ(t.calls[0].kind, c.kind);
    EXPECT_EQ(t.calls[0].callee, g);
    EXPECT_EQ(t.calls[0].callee_description, "os.system");
    std::string want = std::string("arg") + c.label;
    want.erase(std::remove(want.begin(), want.end(), '_'), want.end());  // "argNEWOBJEX"
    EXPECT_NE(t.calls[0].args_preview.find(want), std::string::npos) << t.calls[0].args_preview;
    EXPECT_EQ(t.globals[g].calls, 1u);
  }
}

TEST(PickleMachine, InstResolvesModuleAndNameFromItsLines) {
  PickleBuilder p;
  p.Mark().Op(kInst).Raw("subprocess\nPopen\n").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  int g = FindGlobal(t, "subprocess", "Popen");
  ASSERT_GE(g, 0);
  EXPECT_EQ(t.globals[g].opcode, kInst);
}

TEST(PickleMachine, CallOnCallResultHasDynamicCallee) {
  // getattr(os, 'system')('true'): the second REDUCE calls an object.
  PickleBuilder p;
  p.Proto(2).Global("builtins", "getattr").Global("os", "path").Sbu("system").Op(kTuple2).Op(kReduce);
  p.CallWithStr("true").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_EQ(t.calls[0].callee, FindGlobal(t, "builtins", "getattr"));
  EXPECT_EQ(t.calls[1].callee, -1);
  EXPECT_NE(t.calls[1].callee_description.find("builtins.getattr"), std::string::npos)
      << t.calls[1].callee_description;
  EXPECT_NE(t.calls[1].args_preview.find("true"), std::string::npos);
}

// --- mutations, EXT, bytes ----------------------------------------------------

TEST(PickleMachine, BuildSetItemAndAppendOnAGlobalAreMutations) {
  PickleBuilder p;
  p.Proto(2).Global("numpy", "size").Op(kEmptyDict).Op(kBuild);         // BUILD on a global
  p.Global("os", "environ").Sbu("K").Sbu("V").Op(kSetItem);              // SETITEM on a global
  p.Global("sys", "path").Sbu("/tmp").Op(kAppend);                      // APPEND on a global
  p.Op(kTuple3).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.global_mutations.size(), 3u);
  EXPECT_EQ(t.global_mutations[0].opcode, kBuild);
  EXPECT_EQ(t.global_mutations[0].target, FindGlobal(t, "numpy", "size"));
  EXPECT_EQ(t.global_mutations[1].opcode, kSetItem);
  EXPECT_EQ(t.global_mutations[1].target, FindGlobal(t, "os", "environ"));
  EXPECT_EQ(t.global_mutations[2].opcode, kAppend);
  EXPECT_EQ(t.global_mutations[2].target, FindGlobal(t, "sys", "path"));
}

TEST(PickleMachine, MutatingAFreshObjectIsNotAGlobalMutation) {
  PickleBuilder p;
  p.Proto(2).Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce);
  p.Sbu("k").None().Op(kSetItem).Op(kEmptyDict).Op(kBuild).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  EXPECT_TRUE(t.global_mutations.empty());
}

TEST(PickleMachine, ExtOpcodesAreRecorded) {
  PickleBuilder p;
  p.Proto(2).Op(kExt1).U8(1).Op(kExt2).LE(0x1234, 2).Op(kExt4).LE(0x12345678, 4).Op(kTuple3).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.ext_offsets.size(), 3u);
  EXPECT_EQ(t.ext_offsets[0], 2u);
  EXPECT_EQ(t.ext_offsets[1], 4u);
  EXPECT_EQ(t.ext_offsets[2], 7u);
}

TEST(PickleMachine, ExtCodeZeroIsBadArgument) {
  PickleBuilder p;
  p.Proto(2).Op(kExt1).U8(0).Stop();
  StreamTrace t = Decode(p);
  EXPECT_EQ(t.error, ErrorKind::kBadArgument);
}

TEST(PickleMachine, BytesArgumentsAreCollectedIncludingNestedOnes) {
  // pickle.loads(b'AAA', (b'BBB',), [b'CCC'])
  PickleBuilder p;
  p.Proto(3).Global("pickle", "loads").Mark();
  // BytesArg::offset is the offset of the bytes themselves: after each
  // SHORT_BINBYTES opcode and its 1-byte length.
  std::size_t a_off = p.size() + 2;
  p.ShortBinBytes("AAA");
  std::size_t b_off = p.size() + 2;
  p.ShortBinBytes("BBB").Op(kTuple1).Op(kEmptyList);
  std::size_t c_off = p.size() + 2;
  p.ShortBinBytes("CCC").Op(kAppend).Op(kTuple).Op(kReduce).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.calls.size(), 1u);
  std::vector<std::pair<std::uint64_t, std::string>> got;
  for (const BytesArg& b : t.calls[0].bytes_args) {
    got.push_back({b.offset, std::string(reinterpret_cast<const char*>(b.view.data()), b.view.size())});
  }
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (std::pair<std::uint64_t, std::string>{a_off, "AAA"}));
  EXPECT_EQ(got[1], (std::pair<std::uint64_t, std::string>{b_off, "BBB"}));
  EXPECT_EQ(got[2], (std::pair<std::uint64_t, std::string>{c_off, "CCC"}));
  // The view and the offset agree (pickle_machine.h: offset of the bytes).
  const std::uint8_t* base = p.bytes().data();
  for (const BytesArg& b : t.calls[0].bytes_args) EXPECT_EQ(b.view.data(), base + b.offset);
}

// --- STACK_GLOBAL operand checks ---------------------------------------------

TEST(PickleMachine, StackGlobalOnLoadTimeValuesIsUnresolved) {
  // The module operand is a global (an object only known at load time).
  PickleBuilder p;
  p.Proto(4).Global("numpy", "size").Sbu("system").Op(kStackGlobal).CallWithStr("true").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  bool found = false;
  for (const GlobalRef& g : t.globals) {
    if (g.unresolved) {
      found = true;
      EXPECT_EQ(g.name, "system");
      EXPECT_NE(g.module.find("numpy.size"), std::string::npos) << g.module;
    }
  }
  EXPECT_TRUE(found) << Dump(t);
}

TEST(PickleMachine, StackGlobalOnIntsIsBadGlobalOperands) {
  PickleBuilder p;
  p.Proto(4).Int1(1).Int1(2).Op(kStackGlobal).Stop();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kBadGlobalOperands);
  EXPECT_EQ(t.error_offset, 6u);
}

// --- errors -------------------------------------------------------------------

TEST(PickleMachine, TruncationInsideAnArgumentPointsAtTheOpcode) {
  PickleBuilder p;
  p.Proto(2).Op(kShortBinUnicode).U8(10).Raw("abc");
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kTruncated);
  EXPECT_EQ(t.error_offset, 2u);
  EXPECT_EQ(t.end, 2u);
}

TEST(PickleMachine, MissingStopIsTruncated) {
  PickleBuilder p;
  p.Proto(2).None();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kTruncated);
  EXPECT_EQ(t.error_offset, 3u);
}

TEST(PickleMachine, UnknownOpcodeIsReportedAtItsOffset) {
  PickleBuilder p;
  p.Proto(2).None().Op(0xff).Stop();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kUnknownOpcode);
  EXPECT_EQ(t.error_offset, 3u);
}

TEST(PickleMachine, StackUnderflowCases) {
  {
    SCOPED_TRACE("POP on an empty stack");
    PickleBuilder p;
    p.Op(kPop).Stop();
    StreamTrace t = Decode(p);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow);
    EXPECT_EQ(t.error_offset, 0u);
  }
  {
    SCOPED_TRACE("REDUCE with one item");
    PickleBuilder p;
    p.Proto(2).Global("os", "system").Op(kReduce).Stop();
    StreamTrace t = Decode(p);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow);
    EXPECT_TRUE(t.calls.empty());
  }
  {
    SCOPED_TRACE("REDUCE whose callable sits below a MARK");
    PickleBuilder p;
    p.Proto(2).Global("os", "system").Mark().Op(kEmptyTuple).Op(kReduce).Stop();
    StreamTrace t = Decode(p);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow);
    EXPECT_TRUE(t.calls.empty());
  }
  {
    SCOPED_TRACE("TUPLE1 with the item below a MARK");
    PickleBuilder p;
    p.None().Mark().Op(kTuple1).Stop();
    StreamTrace t = Decode(p);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow);
    EXPECT_EQ(t.error_offset, 2u);
  }
  {
    SCOPED_TRACE("STOP with only a fenced item");
    PickleBuilder p;
    p.None().Mark().Stop();
    StreamTrace t = Decode(p);
    EXPECT_FALSE(t.stopped);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow);
  }
}

// _pickle.c refuses APPEND/SETITEM/APPENDS/SETITEMS/ADDITEMS whose target sits at or
// below the innermost MARK ("unexpected MARK found", checked in load_append,
// do_append, do_setitems, load_additems: `x <= fence`). The machine accepts
// them and decodes on, so it reports calls after this point that the loader
// never makes, and error offsets differ from the loader's. Each input below
// was checked with CPython 3.11 pickle.loads, which raises on all of them.
TEST(PickleMachine, ContainerOpcodesRespectTheMarkFence) {
  struct Case {
    std::string_view bytes;
    std::uint64_t error_offset;
  };
  const Case cases[] = {
      {"](Na.", 3},                               // APPEND: list below the mark
      {"}(NNs.", 4},                              // SETITEM: dict below the mark
      {"]((Ne.", 4},                              // APPENDS: list below the outer mark
      {"}((NNu.", 5},                             // SETITEMS
      {std::string_view("\x8f((N\x90.", 6), 4},  // ADDITEMS
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.bytes));
    StreamTrace t = RunStream(ByteView(reinterpret_cast<const std::uint8_t*>(c.bytes.data()), c.bytes.size()), 0,
                              Limits::Default());
    EXPECT_FALSE(t.stopped);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow) << Dump(t);
    EXPECT_EQ(t.error_offset, c.error_offset) << Dump(t);
    // With a call after it, pickle.loads raises before the call (checked
    // with builtins.print: nothing printed); the machine must not record it.
    std::string with_call = std::string(c.bytes.substr(0, c.bytes.size() - 1)) + "cbuiltins\nprint\n(S'x'\ntR.";
    t = RunStream(ByteView(reinterpret_cast<const std::uint8_t*>(with_call.data()), with_call.size()), 0,
                  Limits::Default());
    EXPECT_TRUE(t.calls.empty()) << Dump(t);
  }
}

TEST(PickleMachine, PopRemovesAMarkThatIsOnTop) {
  // _pickle.c load_pop: when the innermost mark equals the stack length the
  // mark is popped, not an object. So N N ( 0 0 . leaves one None.
  PickleBuilder p;
  p.None().None().Mark().Op(kPop).Op(kPop).Stop();
  StreamTrace t = Decode(p);
  EXPECT_TRUE(t.stopped) << Dump(t);
}

TEST(PickleMachine, PopMarkDiscardsItemsAboveTheMark) {
  {
    PickleBuilder p;
    p.None().Mark().None().None().Op(kPopMark).Stop();
    StreamTrace t = Decode(p);
    EXPECT_TRUE(t.stopped) << Dump(t);
  }
  {
    // Everything was above the mark: nothing is left for STOP.
    PickleBuilder p;
    p.Mark().None().None().Op(kPopMark).Stop();
    StreamTrace t = Decode(p);
    EXPECT_FALSE(t.stopped);
    EXPECT_EQ(t.error, ErrorKind::kStackUnderflow);
    EXPECT_EQ(t.error_offset, 4u);
  }
  {
    PickleBuilder p;
    p.None().Op(kPopMark).Stop();
    StreamTrace t = Decode(p);
    EXPECT_EQ(t.error, ErrorKind::kMarkMissing);
  }
}

TEST(PickleMachine, DecoyNamesDiscardedByPopMarkDoNotNameTheGlobal) {
  // ( 'numpy' 'ndarray' 1 'os' 'system' STACK_GLOBAL: the decoys are gone.
  PickleBuilder p;
  p.Proto(4).Mark().Sbu("numpy").Sbu("ndarray").Op(kPopMark).StackGlobal("os", "system").CallWithStr("true").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  EXPECT_GE(FindGlobal(t, "os", "system"), 0);
  EXPECT_LT(FindGlobal(t, "numpy", "ndarray"), 0);
}

TEST(PickleMachine, Protocol6IsUnsupported) {
  PickleBuilder p;
  p.Proto(6).None().Stop();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kUnsupportedProtocol);
}

TEST(PickleMachine, ProtocolIsRecorded) {
  PickleBuilder p;
  p.Proto(5).None().Stop();
  StreamTrace t = Decode(p);
  EXPECT_TRUE(t.stopped);
  EXPECT_EQ(t.protocol, 5);
}

// --- frames ---------------------------------------------------------------------

TEST(PickleMachine, FrameLongerThanTheDataIsTruncated) {
  PickleBuilder p;
  p.Proto(4).Op(kFrame).LE(1000, 8).None().Stop();
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kTruncated);
  EXPECT_EQ(t.error_offset, 2u);
}

TEST(PickleMachine, OpcodeStraddlingAFrameEndIsAnAnomalyButDecodes) {
  // FRAME of 3 bytes, then SHORT_BINUNICODE 'os' (4 bytes): the opcode ends
  // one byte after its frame. _pickle.c reads on; pickle.py refuses.
  PickleBuilder p;
  p.Proto(4).Op(kFrame).LE(3, 8);
  std::size_t straddler = p.size();
  p.Sbu("os").Sbu("system").Op(kStackGlobal).CallWithStr("true").Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_FALSE(t.frame_anomalies.empty());
  EXPECT_EQ(t.frame_anomalies[0].offset, straddler);
  EXPECT_GE(FindGlobal(t, "os", "system"), 0);
}

TEST(PickleMachine, ExactFramesHaveNoAnomaly) {
  PickleBuilder p;
  p.Proto(4).BeginFrame().StackGlobal("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Stop().EndFrame();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  EXPECT_TRUE(t.frame_anomalies.empty());
}

// --- limits and bombs ---------------------------------------------------------------

TEST(PickleMachine, OpcodeLimitStopsDecoding) {
  PickleBuilder p;
  for (int k = 0; k < 100; ++k) p.None().Op(kPop);
  p.None().Stop();
  Limits l;
  l.max_pickle_opcodes = 50;
  StreamTrace t = Decode(p, l);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kLimit);
  EXPECT_EQ(t.opcodes, 50u);
}

TEST(PickleMachine, MarkDepthLimit) {
  Limits l;
  l.max_pickle_stack_depth = 10;
  PickleBuilder ok, bad;
  for (int k = 0; k < 10; ++k) ok.Mark();
  for (int k = 0; k < 10; ++k) ok.Op(kTuple);
  ok.Stop();
  StreamTrace t = Decode(ok, l);
  EXPECT_TRUE(t.stopped) << Dump(t);
  for (int k = 0; k < 11; ++k) bad.Mark();
  t = Decode(bad, l);
  EXPECT_EQ(t.error, ErrorKind::kLimit);
  EXPECT_EQ(t.error_offset, 10u);
}

TEST(PickleMachine, MemoEntryLimit) {
  Limits l;
  l.max_pickle_memo_entries = 5;
  PickleBuilder p;
  p.None();
  for (int k = 0; k < 6; ++k) p.Op(kMemoize);
  p.Stop();
  StreamTrace t = Decode(p, l);
  EXPECT_EQ(t.error, ErrorKind::kLimit);
  EXPECT_EQ(t.error_offset, 6u);  // the sixth MEMOIZE
  // Re-putting the same index does not grow the memo.
  PickleBuilder q;
  q.None();
  for (int k = 0; k < 20; ++k) q.Op(kBinPut).U8(0);
  q.Stop();
  t = Decode(q, l);
  EXPECT_TRUE(t.stopped) << Dump(t);
}

TEST(PickleMachine, DupAndMemoExpansionBombsFinishQuickly) {
  auto start = std::chrono::steady_clock::now();
  {
    // 200k DUPs of a list, all appended to it: exponential if copied.
    PickleBuilder p;
    p.Proto(2).Global("x", "f").Op(kEmptyList).Mark().Op(kEmptyList);
    for (int k = 0; k < 200000; ++k) p.Op(kDup);
    p.Op(kAppends).Op(kTuple1).Op(kReduce).Stop();
    StreamTrace t = Decode(p);
    EXPECT_TRUE(t.stopped) << Dump(t);
    ASSERT_EQ(t.calls.size(), 1u);
    EXPECT_LT(t.calls[0].args_preview.size(), 1000u);
  }
  {
    // L0 = []; Ln = [Ln-1, Ln-1] via the memo, 40k levels: 2^40000 leaves.
    PickleBuilder p;
    p.Proto(2).Global("x", "f").Op(kEmptyList).Op(kBinPut).U8(0);
    for (int k = 0; k < 40000; ++k) {
      p.Op(kPop).Mark().Op(kBinGet).U8(0).Op(kBinGet).U8(0).Op(kList).Op(kBinPut).U8(0);
    }
    p.Op(kTuple1).Op(kReduce).Stop();
    StreamTrace t = Decode(p);
    EXPECT_TRUE(t.stopped) << Dump(t);
    ASSERT_EQ(t.calls.size(), 1u);
    EXPECT_LT(t.calls[0].args_preview.size(), 1000u);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 5.0);
}

TEST(PickleMachine, HundredThousandNestedMarksFinishQuickly) {
  auto start = std::chrono::steady_clock::now();
  PickleBuilder p;
  p.Proto(2).Global("x", "f");
  for (int k = 0; k < 100000; ++k) p.Mark();
  for (int k = 0; k < 100000; ++k) p.Op(kTuple);
  p.Op(kTuple1).Op(kReduce).Stop();
  StreamTrace t = Decode(p);
  EXPECT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_LT(t.calls[0].args_preview.size(), 1000u);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 5.0);
}

// --- results and streams ------------------------------------------------------------

TEST(PickleMachine, LegacyTorchMagicNumberIsRecognised) {
  // 0x1950a86a20f9469cfc6c as LONG1's little-endian two's complement bytes.
  const std::uint64_t lo = 0xa86a20f9469cfc6cull, hi = 0x1950;
  std::string magic;
  for (int k = 0; k < 8; ++k) magic.push_back(static_cast<char>(lo >> (8 * k)));
  for (int k = 0; k < 2; ++k) magic.push_back(static_cast<char>(hi >> (8 * k)));
  PickleBuilder p;
  p.Proto(2).Op(kLong1).U8(10).Raw(magic).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  EXPECT_TRUE(t.result_is_legacy_torch_magic);

  std::string other = magic;
  other[0] ^= 1;
  PickleBuilder q;
  q.Proto(2).Op(kLong1).U8(10).Raw(other).Stop();
  t = Decode(q);
  ASSERT_TRUE(t.stopped);
  EXPECT_FALSE(t.result_is_legacy_torch_magic);
}

TEST(PickleMachine, IntResultIsRecorded) {
  PickleBuilder p;
  p.Proto(2).Op(kBinInt2).LE(1001, 2).Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped);
  EXPECT_TRUE(t.result_is_int);
  EXPECT_EQ(t.result_int, 1001);
}

TEST(PickleMachine, SecondStreamStartsAtTheFirstStreamsEnd) {
  PickleBuilder p;
  p.Proto(2).None().Stop();
  std::size_t first_end = p.size();
  p.Proto(2).Global("os", "system").CallWithStr("true").Stop();
  StreamTrace a = RunStream(p.view(), 0, Limits::Default());
  ASSERT_TRUE(a.stopped);
  EXPECT_EQ(a.end, first_end);
  EXPECT_TRUE(a.globals.empty());
  StreamTrace b = RunStream(p.view(), a.end, Limits::Default());
  ASSERT_TRUE(b.stopped) << Dump(b);
  EXPECT_EQ(b.start, first_end);
  EXPECT_EQ(b.end, p.size());
  EXPECT_GE(FindGlobal(b, "os", "system"), 0);
}

// --- joblib -------------------------------------------------------------------------

// The pickle joblib.dump writes for one array, up to and including the BUILD
// of the NumpyArrayWrapper (joblib/numpy_pickle.py, NumpyPickler.save):
// wrapper = NEWOBJ(NumpyArrayWrapper), state dict {subclass, shape, order,
// dtype, allow_mmap, numpy_array_alignment_bytes}, dtype built by
// numpy.dtype(typestr, False, True) + BUILD (3, endian, None, None, None,
// elsize, alignment, flags).
void JoblibWrapper(PickleBuilder& p, std::string_view typestr, std::uint32_t count, int flags, bool aligned) {
  p.StackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper").Op(kEmptyTuple).Op(kNewObj).Op(kEmptyDict).Mark();
  p.Sbu("subclass").StackGlobal("numpy", "ndarray");
  p.Sbu("shape").Op(kBinInt).LE(count, 4).Op(kTuple1);
  p.Sbu("order").Sbu("C");
  p.Sbu("dtype").StackGlobal("numpy", "dtype").Sbu(typestr).Op(kNewFalse).Op(kNewTrue).Op(kTuple3).Op(kReduce);
  p.Mark().Int1(3).Sbu(typestr[0] == 'O' ? "|" : "<").None().None().None();
  p.Op(kBinInt).LE(0xffffffff, 4).Op(kBinInt).LE(0xffffffff, 4).Int1(static_cast<std::uint8_t>(flags));
  p.Op(kTuple).Op(kBuild);
  p.Sbu("allow_mmap").Op(kNewFalse);
  if (aligned) p.Sbu("numpy_array_alignment_bytes").Int1(16);
  p.Op(kSetItems).Op(kBuild);
}

TEST(PickleMachine, JoblibArrayDataIsSkipped) {
  PickleBuilder p;
  p.Proto(4).BeginFrame();
  JoblibWrapper(p, "i4", 3, 0, true);
  p.EndFrame();
  // Padding byte, padding, then 3 x int32 of raw data that would be invalid
  // opcodes (0xff) if parsed as pickle.
  std::size_t data_start = p.size();
  std::uint8_t pad = static_cast<std::uint8_t>(16 - ((p.size() + 1) % 16));
  p.U8(pad);
  for (int k = 0; k < pad; ++k) p.U8(0xff);
  for (int k = 0; k < 12; ++k) p.U8(0xff);
  p.Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.joblib_arrays.size(), 1u);
  EXPECT_EQ(t.joblib_arrays[0].offset, data_start);
  EXPECT_EQ(t.joblib_arrays[0].data_bytes, 1u + pad + 12u);
  EXPECT_FALSE(t.joblib_arrays[0].object_dtype);
  EXPECT_TRUE(t.frame_anomalies.empty());
  EXPECT_EQ(t.end, p.size());
}

TEST(PickleMachine, JoblibArrayWithoutAlignmentHasNoPaddingByte) {
  PickleBuilder p;
  p.Proto(2);
  JoblibWrapper(p, "f8", 2, 0, false);
  for (int k = 0; k < 16; ++k) p.U8(0xff);
  p.Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.joblib_arrays.size(), 1u);
  EXPECT_EQ(t.joblib_arrays[0].data_bytes, 16u);
}

TEST(PickleMachine, PlainUnpicklerDoesNotSkipJoblibData) {
  PickleBuilder p;
  p.Proto(2);
  JoblibWrapper(p, "f8", 2, 0, false);
  for (int k = 0; k < 16; ++k) p.U8(0xff);
  p.Stop();
  MachineOptions o;
  o.joblib_arrays = false;
  StreamTrace t = RunStream(p.view(), 0, Limits::Default(), o);
  EXPECT_EQ(t.error, ErrorKind::kUnknownOpcode);
  EXPECT_TRUE(t.joblib_arrays.empty());
}

TEST(PickleMachine, JoblibObjectArrayInlinePickleIsDecoded) {
  PickleBuilder p;
  p.Proto(4).BeginFrame();
  JoblibWrapper(p, "O8", 1, 63, true);
  p.EndFrame();
  // Object arrays: no padding; the array is a whole pickle written inline.
  std::size_t inner = p.size();
  p.Proto(2).Global("os", "system").CallWithStr("true").Stop();
  p.Stop();
  StreamTrace t = Decode(p);
  ASSERT_TRUE(t.stopped) << Dump(t);
  ASSERT_EQ(t.joblib_arrays.size(), 1u);
  EXPECT_TRUE(t.joblib_arrays[0].object_dtype);
  ASSERT_EQ(t.inline_streams.size(), 1u);
  EXPECT_EQ(t.inline_streams[0].start, inner);
  EXPECT_TRUE(t.inline_streams[0].stopped);
  EXPECT_GE(FindGlobal(t.inline_streams[0], "os", "system"), 0);
  EXPECT_LT(FindGlobal(t, "os", "system"), 0);  // not in the outer trace
}

TEST(PickleMachine, JoblibArrayRunningPastTheEndIsTruncated) {
  PickleBuilder p;
  p.Proto(2);
  JoblibWrapper(p, "i4", 1000, 0, true);
  p.U8(0);
  for (int k = 0; k < 10; ++k) p.U8(0);
  StreamTrace t = Decode(p);
  EXPECT_FALSE(t.stopped);
  EXPECT_EQ(t.error, ErrorKind::kTruncated);
}

// --- real files ---------------------------------------------------------------------

std::vector<std::uint8_t> ReadFile(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), {});
}

TEST(PickleMachine, BenignPicklesFromRealLibrariesDecodeToStop) {
  std::filesystem::path dir = std::filesystem::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/benign";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".pkl") continue;
    ++n;
    SCOPED_TRACE(e.path().filename().string());
    std::vector<std::uint8_t> bytes = ReadFile(e.path());
    StreamTrace t = RunStream(ByteView(bytes.data(), bytes.size()), 0, Limits::Default());
    EXPECT_TRUE(t.stopped) << Dump(t);
    EXPECT_EQ(t.error, ErrorKind::kNone);
    EXPECT_EQ(t.end, bytes.size());
    EXPECT_TRUE(t.frame_anomalies.empty());
    EXPECT_TRUE(LooksLikePickle(ByteView(bytes.data(), bytes.size())));
  }
  EXPECT_GE(n, 20);
}

// --- LooksLikePickle ------------------------------------------------------------------

ByteView View(std::string_view s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

TEST(LooksLikePickle, AcceptsProtocolHeadersAndProtocol0) {
  for (int proto = 2; proto <= 5; ++proto) {
    PickleBuilder p;
    p.Proto(proto).Op(kEmptyDict).Stop();
    EXPECT_TRUE(LooksLikePickle(p.view())) << proto;
  }
  EXPECT_TRUE(LooksLikePickle(View("(lp0\nI1\naI2\na.")));
  EXPECT_TRUE(LooksLikePickle(View("(dp0\nS'a'\np1\nI1\ns.")));
  EXPECT_TRUE(LooksLikePickle(View("cos\nsystem\n(S'true'\ntR.")));
}

TEST(LooksLikePickle, RejectsTextJsonZipAndNoise) {
  EXPECT_FALSE(LooksLikePickle(View("hello world\n")));
  EXPECT_FALSE(LooksLikePickle(View("The quick brown fox jumps over the lazy dog.\n")));
  EXPECT_FALSE(LooksLikePickle(View("{\"a\": 1, \"b\": [1, 2]}")));
  EXPECT_FALSE(LooksLikePickle(View("[1, 2, 3]")));
  EXPECT_FALSE(LooksLikePickle(View(std::string_view("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10))));
  EXPECT_FALSE(LooksLikePickle(View("")));
  EXPECT_FALSE(LooksLikePickle(View(std::string_view("\x80\x09.", 3))));  // protocol 9
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int k = 0; k < 500; ++k) {
    std::vector<std::uint8_t> buf(256);
    for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    // Skip the 1-in-256 buffers that start like a protocol-2+ pickle.
    if (buf[0] == kProto) continue;
    if (LooksLikePickle(ByteView(buf.data(), buf.size()))) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
}

TEST(LooksLikePickle, AcceptsGlobalWithABrokenName) {
  // The loader still imports 'os' before failing on the name.
  EXPECT_TRUE(LooksLikePickle(View(std::string_view("cos\nsys\xfftem\n(S'true'\ntR.", 23))));
  EXPECT_TRUE(LooksLikePickle(View("cos\n")));
}

}  // namespace
}  // namespace modelgate::pickle
