// PickleMachine: a symbolic pickle virtual machine.
//
// It decodes every opcode of protocols 0-5 and mirrors what CPython's C
// unpickler (Modules/_pickle.c) does to its stack, mark stack and memo, but
// with symbolic values: a GLOBAL pushes a reference to "module.name", a
// REDUCE pushes "the object returned by calling X" -- nothing is imported or
// called. The result is a StreamTrace: every global the stream resolves, every
// call site, every mutation of a module-level object, every bytes value handed
// to a call (candidates for nested pickles), and how the stream ended.
//
// Faithfulness notes (where readers differ, we follow the C unpickler, which
// is what pickle.load, torch.load and joblib.load run, and record the
// disagreement):
//  - FRAME is checked for length but frame boundaries are not enforced (C);
//    pickle.py's _Unframer rejects opcodes straddling a frame end. Both facts
//    are recorded as frame anomalies.
//  - STACK_GLOBAL resolves names from any str value: the memo, DUP, and every
//    string opcode (STRING/BINSTRING decode to str in Python 3).
//  - Stack and mark semantics (fences, underflow) match _pickle.c so that
//    "calls before the error" are exactly the calls a loader would make.
//  - joblib: when BUILD completes a joblib NumpyArrayWrapper, joblib's
//    NumpyUnpickler reads the array's raw bytes (or, for object arrays, a
//    whole inline pickle) straight from the file. The machine skips the raw
//    bytes and decodes the inline pickle as a separate trace, as joblib does.
//
// Values are kept in an arena of small nodes; lists, dicts and sets keep only
// their first kContainerKeep items (enough for analysis) so memory is bounded
// by the opcode count, never by declared sizes.
#ifndef MODELGATE_FORMATS_PICKLE_PICKLE_MACHINE_H_
#define MODELGATE_FORMATS_PICKLE_PICKLE_MACHINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"

namespace modelgate::pickle {

// A global the stream resolves (GLOBAL, INST, STACK_GLOBAL, EXT*).
struct GlobalRef {
  std::string module;  // as written (Python 2 names are not mapped here)
  std::string name;    // may be dotted ("serialization.os.system")
  std::uint64_t offset = 0;  // of the first opcode that resolved it
  std::uint8_t opcode = 0;
  std::uint32_t references = 0;  // times pushed by GLOBAL/STACK_GLOBAL/INST
  std::uint32_t calls = 0;       // REDUCE/NEWOBJ/NEWOBJ_EX/INST/OBJ with this callee
  // STACK_GLOBAL operands came from the memo or DUP rather than straight
  // from string opcodes (a classic way to hide names from naive scanners).
  bool via_memo = false;
  // STACK_GLOBAL operands were values only known at load time (a global or
  // an object returned by a call), so what gets imported cannot be known
  // statically. module/name then describe those values.
  bool unresolved = false;
};

enum class CallKind : std::uint8_t { kReduce, kNewObj, kNewObjEx, kInst, kObj };
const char* CallKindName(CallKind k);

// A bytes value passed (possibly nested in tuples/lists/dicts/objects) as an
// argument of a call.
struct BytesArg {
  std::uint64_t offset = 0;  // of the bytes themselves in the stream's data
  ByteView view;             // into the stream's data
};

struct CallSite {
  CallKind kind = CallKind::kReduce;
  std::uint64_t offset = 0;
  // Index into StreamTrace::globals, or -1 when the callable is not a global
  // (e.g. the result of another call: getattr(x, "system")(...)).
  std::int32_t callee = -1;
  std::string callee_description;  // "os.system", or "object returned by builtins.getattr"
  std::string args_preview;        // short Python-like rendering of the arguments
  std::vector<BytesArg> bytes_args;
  // Literal str arguments at the top level of the argument tuple, in order,
  // up to the first non-str (at most 4): lets rules see through resolvers
  // such as numpy's _ufunc_reconstruct(module, name).
  std::vector<std::string> str_args;
};

// BUILD, SETITEM(S), APPEND(S) or ADDITEMS applied directly to a module-level
// object (a global), i.e. the pickle mutates the loader's process state.
struct GlobalMutation {
  std::uint64_t offset = 0;
  std::uint8_t opcode = 0;
  std::int32_t target = -1;  // index into globals
};

enum class ErrorKind : std::uint8_t {
  kNone,
  kTruncated,          // the data ended inside an opcode or before STOP
  kUnknownOpcode,
  kBadArgument,        // malformed text argument, bad UTF-8, negative length ...
  kStackUnderflow,
  kMarkMissing,
  kMemoMissing,        // GET of an index never PUT
  kBadGlobalOperands,  // STACK_GLOBAL operands not str
  kUnsupportedProtocol,
  kLimit,              // a Limits bound was hit; the rest was not decoded
  kTimeout,
};
const char* ErrorKindName(ErrorKind k);

struct FrameAnomaly {
  std::uint64_t offset = 0;
  std::string detail;
};

struct JoblibArray {
  std::uint64_t offset = 0;      // of the raw data (after BUILD)
  std::uint64_t data_bytes = 0;  // raw bytes skipped, or the inline pickle's length
  bool object_dtype = false;     // data is an inline pickle (see inline_streams)
};

struct StreamTrace {
  std::uint64_t start = 0;  // offset of the first opcode
  std::uint64_t end = 0;    // offset just past STOP, or of the failing opcode
  int protocol = -1;        // from PROTO, -1 when absent
  std::uint64_t opcodes = 0;
  bool stopped = false;     // reached STOP

  ErrorKind error = ErrorKind::kNone;
  std::uint64_t error_offset = 0;
  std::string error_message;

  std::vector<GlobalRef> globals;
  std::vector<CallSite> calls;
  std::vector<GlobalMutation> global_mutations;
  std::vector<FrameAnomaly> frame_anomalies;
  std::vector<std::uint64_t> ext_offsets;   // EXT1/EXT2/EXT4 (copyreg extension registry)
  std::uint64_t persistent_ids = 0;         // PERSID/BINPERSID
  std::uint64_t out_of_band_buffers = 0;    // NEXT_BUFFER
  std::vector<JoblibArray> joblib_arrays;
  std::vector<StreamTrace> inline_streams;  // joblib object-array pickles

  // What STOP returned, when it was an int (legacy torch's magic number
  // 0x1950a86a20f9469cfc6c, or its protocol version).
  bool result_is_int = false;
  bool result_is_legacy_torch_magic = false;
  std::int64_t result_int = 0;
};

struct TorchRecords;  // torch_records.h

struct MachineOptions {
  // Apply joblib's NumpyUnpickler BUILD behaviour (raw array data follows a
  // NumpyArrayWrapper). On for ordinary scanning; a plain pickle.load would
  // not do it.
  bool joblib_arrays = true;
  // Returns true when the caller's time budget is spent (polled every 64K
  // opcodes); may be empty.
  bool (*out_of_time)(const void* ctx) = nullptr;
  const void* out_of_time_ctx = nullptr;
  // When set, the machine also records what PyTorch tensor recovery needs:
  // storage persistent ids, rebuild calls and every container edge (see
  // torch_records.h; use ExtractTorchTensors rather than setting this).
  // Off for scanning. Not owned; must outlive the RunStream call.
  TorchRecords* torch = nullptr;
};

// Decodes one pickle stream starting at `start` in `data`, until STOP, an
// error or a limit. Never throws; never reads outside `data`. Every
// ByteView in the trace points into `data`, so `data` must outlive the
// trace. Thread-safe (no shared state).
StreamTrace RunStream(ByteView data, std::uint64_t start, const Limits& limits,
                      const MachineOptions& options = {});

// True when the bytes at `start` begin with something a pickler writes
// first and decode without error for a few opcodes (used for routing).
// `decoded_ops` receives how many opcodes decoded cleanly (bounded small).
bool LooksLikePickle(ByteView data, std::uint64_t start = 0);

}  // namespace modelgate::pickle

#endif  // MODELGATE_FORMATS_PICKLE_PICKLE_MACHINE_H_
