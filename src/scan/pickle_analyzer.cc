// Pickle analysis: runs the symbolic machine over every stream in a blob and
// judges what it saw against the policy, allowlist first:
//
//   denylisted global (or an attribute walk that reaches one)  -> critical
//   attribute walk / dunder name, unlisted stdlib callable called,
//   unlisted third-party function called, dynamic callable, EXT opcodes,
//   mutation of a module-level object, reader disagreements,
//   errors after calls, limits hit                              -> high
//   unlisted stdlib global not called, unaudited third-party class,
//   parse errors before any call                                -> medium
//   allowlisted                                                 -> nothing
//
// Streams: pickle.load reads the first; legacy torch.save files hold five
// (magic number, protocol, sys_info, object, storage keys) followed by raw
// storage bytes; anything else after the first STOP is decoded as a further
// stream if it looks like one, else reported as trailing bytes.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <string>

#include "formats/pickle/opcodes.h"
#include "formats/pickle/pickle_machine.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using pickle::CallSite;
using pickle::ErrorKind;
using pickle::GlobalRef;
using pickle::StreamTrace;

constexpr int kLegacyTorchStreams = 5;

bool OutOfTime(const void* ctx) { return static_cast<const ScanContext*>(ctx)->OutOfTime(); }

bool IsDunder(std::string_view part) {
  return part.size() > 4 && part.substr(0, 2) == "__" && part.substr(part.size() - 2) == "__";
}

bool LooksLikeClass(std::string_view name) {
  std::size_t dot = name.rfind('.');
  std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return !last.empty() && last.front() >= 'A' && last.front() <= 'Z';
}

// Modules re-export what they import under private or dunder names
// (argparse._os is os, numpy.__builtins__ is builtins). Maps the first
// component of an attribute path to the module it most likely names.
std::string ResolveAliases(std::string_view path) {
  std::size_t dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view tail = dot == std::string_view::npos ? std::string_view() : path.substr(dot);
  if (head == "__builtins__" || head == "__builtin__") return "builtins" + std::string(tail);
  if (!IsDunder(head)) {
    while (head.size() > 1 && head.front() == '_') head.remove_prefix(1);
  }
  return std::string(head) + std::string(tail);
}

struct Verdict {
  std::string id;
  Severity severity = Severity::kInfo;
  std::string title;
  std::string reason;
  const PolicyRule* rule = nullptr;
  std::string resolved;  // for attribute walks: the denylisted name reached
};

// Classifies one global. Returns false when it is allowed (no finding).
bool Classify(const Policy& policy, const GlobalRef& g, Verdict* v) {
  std::string module = Policy::MapPython2Module(g.module, g.name);
  std::string full = module + "." + g.name;
  bool called = g.calls > 0;
  if (g.unresolved) {
    v->id = "PICKLE-GLOBAL-UNRESOLVED";
    v->severity = Severity::kCritical;
    v->title = "Imports a global whose name is only known at load time";
    v->reason = "STACK_GLOBAL takes its module and name from values the pickle computes while loading (" +
                g.module + ", " + g.name + "), so it can import any callable while showing scanners none";
    return true;
  }
  const PolicyRule* rule = policy.Match(g.module, g.name);
  if (rule != nullptr && rule->denies()) {
    v->id = called ? "PICKLE-CALL-DENYLISTED" : "PICKLE-GLOBAL-DENYLISTED";
    v->severity = Severity::kCritical;
    v->title = (called ? "Calls " : "Imports ") + full + ", which can run code or reach the system";
    v->reason = rule->reason;
    v->rule = rule;
    // Say what an attribute walk reaches too (torch + serialization.os.system
    // matches torch.serialization.*, but it is os.system that runs).
    if (g.name.find('.') != std::string::npos) {
      std::string_view name = g.name;
      for (std::size_t pos = name.find('.'); pos != std::string_view::npos; pos = name.find('.', pos + 1)) {
        std::string suffix(name.substr(pos + 1));
        const PolicyRule* deny = policy.MatchDeny(suffix);
        if (deny == nullptr) deny = policy.MatchDeny(suffix = ResolveAliases(suffix));
        if (deny != nullptr) {
          v->resolved = suffix;
          v->reason = deny->reason;
          break;
        }
      }
    }
    return true;
  }
  // An attribute walk in the name ("serialization.os.system"): find what it
  // reaches. Only the name's own components are resolved; the module path is
  // a real import path and is judged as a whole.
  bool walks = g.name.find('.') != std::string::npos;
  bool dunder = false;
  {
    std::string_view rest = g.name;
    while (!rest.empty()) {
      std::size_t dot = rest.find('.');
      std::string_view part = rest.substr(0, dot);
      dunder = dunder || IsDunder(part);
      rest.remove_prefix(dot == std::string_view::npos ? rest.size() : dot + 1);
    }
  }
  if (walks || dunder) {
    std::string_view name = g.name;
    for (std::size_t pos = 0; pos != std::string_view::npos;) {
      // Try the path as written ("_pickle.loads") and with aliases resolved
      // ("_os.system" -> "os.system").
      std::string suffix(name.substr(pos));
      const PolicyRule* deny = policy.MatchDeny(suffix);
      if (deny == nullptr) {
        suffix = ResolveAliases(suffix);
        deny = policy.MatchDeny(suffix);
      }
      if (deny != nullptr) {
        v->id = called ? "PICKLE-CALL-DENYLISTED" : "PICKLE-GLOBAL-DENYLISTED";
        v->severity = Severity::kCritical;
        v->title = "Reaches " + std::string(suffix) + " by walking attributes of " + module;
        v->reason = deny->reason;
        v->rule = deny;
        v->resolved = std::string(suffix);
        return true;
      }
      std::size_t dot = name.find('.', pos);
      pos = dot == std::string_view::npos ? dot : dot + 1;
    }
  }
  // Allowed: an allow rule matched, and either it names this global exactly
  // or the name is a plain attribute (no walk, no dunder).
  if (rule != nullptr && (rule->pattern == full || (!walks && !dunder))) return false;
  if (walks || dunder) {
    v->id = "PICKLE-GLOBAL-ATTRIBUTE-WALK";
    v->severity = Severity::kHigh;
    v->title = "Global name walks attributes: " + full;
    v->reason = "find_class resolves dotted and dunder names by walking attributes, a way to reach "
                "callables that no allowlist names; no benign model needs it";
    return true;
  }
  if (policy.IsStdlib(module)) {
    v->id = called ? "PICKLE-CALL-UNLISTED-STDLIB" : "PICKLE-GLOBAL-UNLISTED-STDLIB";
    v->severity = called ? Severity::kHigh : Severity::kMedium;
    v->title = (called ? "Calls standard-library " : "Imports standard-library ") + full +
               ", which is not on the allowlist";
    v->reason = called ? "no model format modelgate knows calls this at load time"
                       : "referenced but not called directly; review how it is used";
    return true;
  }
  if (LooksLikeClass(g.name)) {
    v->id = "PICKLE-GLOBAL-UNAUDITED-CLASS";
    v->severity = Severity::kMedium;
    v->title = "Reconstructs " + full + ", a class outside the allowlist";
    v->reason = "loading imports this module and runs the class's reconstruction code; it must be "
                "installed and trusted on the loading machine (allow it with --policy once reviewed)";
    return true;
  }
  v->id = called ? "PICKLE-CALL-UNLISTED-FUNCTION" : "PICKLE-GLOBAL-UNLISTED-FUNCTION";
  v->severity = called ? Severity::kHigh : Severity::kMedium;
  v->title = (called ? "Calls " : "Imports ") + full + ", a function outside the allowlist";
  v->reason = called ? "model formats call only known reconstruction functions at load time"
                     : "referenced but not called directly; review how it is used";
  return true;
}

class StreamJudge {
 public:
  StreamJudge(const Blob& blob, ScanContext& ctx) : blob_(blob), ctx_(ctx) {}

  void Judge(const StreamTrace& t, int stream, const char* context);
  int nested() const { return nested_; }

 private:
  void JudgeGlobals(const StreamTrace& t, std::vector<std::pair<std::string, std::string>> base);
  // index: the global's index in t.globals, or -1 for one named through a resolver.
  void ReportGlobal(const StreamTrace& t, const GlobalRef& g, std::int32_t index, const Verdict& v,
                    std::vector<std::pair<std::string, std::string>> ev, const std::string& via);
  void JudgeCalls(const StreamTrace& t, const std::vector<std::pair<std::string, std::string>>& base);
  void JudgeEnd(const StreamTrace& t, const std::vector<std::pair<std::string, std::string>>& base);
  void QueueNested(const CallSite& c, const std::string& why);

  const Blob& blob_;
  ScanContext& ctx_;
  int nested_ = 0;
};

void StreamJudge::Judge(const StreamTrace& t, int stream, const char* context) {
  std::vector<std::pair<std::string, std::string>> base = {{"stream", std::to_string(stream)}};
  if (context != nullptr) base.push_back({"context", context});
  JudgeGlobals(t, base);
  JudgeCalls(t, base);
  for (const auto& m : t.global_mutations) {
    const GlobalRef& g = t.globals[static_cast<std::size_t>(m.target)];
    std::string name = g.module + "." + g.name;
    auto ev = base;
    ev.push_back({"global", name});
    ev.push_back({"opcode", pickle::OpcodeName(m.opcode)});
    ctx_.Report("PICKLE-MUTATES-GLOBAL", Severity::kHigh, "Modifies module-level object " + name, blob_.member,
                m.offset,
                std::string(pickle::OpcodeName(m.opcode)) +
                    " is applied to a module-level object rather than to a freshly built one, so loading "
                    "rewrites state of the loading process (attributes, registries, environment). No "
                    "model format does this.",
                ev);
  }
  if (!t.ext_offsets.empty()) {
    auto ev = base;
    ev.push_back({"count", std::to_string(t.ext_offsets.size())});
    ctx_.Report("PICKLE-EXT-OPCODE", Severity::kHigh, "Uses copyreg extension codes (EXT1/EXT2/EXT4)",
                blob_.member, t.ext_offsets.front(),
                "EXT opcodes name a global through the process-wide copyreg extension registry, so what "
                "they load depends on the loading process, not on the file, and scanners cannot see it. "
                "No model library writes them.",
                ev);
  }
  for (const auto& f : t.frame_anomalies) {
    auto ev = base;
    ev.push_back({"detail", f.detail});
    ctx_.Report("PICKLE-FRAME-MISMATCH", Severity::kHigh, "FRAME lengths disagree with the data", blob_.member,
                f.offset,
                "The protocol-4 frame structure is inconsistent: " + f.detail +
                    ". The two Python unpicklers disagree on such input, a known way to show a scanner "
                    "one stream and the loader another.",
                ev);
  }
  JudgeEnd(t, base);
  for (std::size_t k = 0; k < t.inline_streams.size(); ++k) {
    Judge(t.inline_streams[k], stream, "joblib object array");
  }
}

// numpy's _ufunc_reconstruct(module, name) is __import__ plus getattr: a
// GLOBAL in disguise (pickled ufuncs such as np.log1p use it). With literal
// arguments it is judged as the global it names; otherwise as itself.
bool IsAttributeResolver(const GlobalRef& g) {
  return g.name == "_ufunc_reconstruct" && (g.module == "numpy.core" || g.module == "numpy._core");
}

void StreamJudge::JudgeGlobals(const StreamTrace& t, std::vector<std::pair<std::string, std::string>> base) {
  const Policy& policy = ctx_.policy();
  for (std::size_t k = 0; k < t.globals.size(); ++k) {
    const GlobalRef& g = t.globals[k];
    if (IsAttributeResolver(g)) {
      std::vector<const CallSite*> calls;
      bool literal = g.calls > 0;
      for (const CallSite& c : t.calls) {
        if (c.callee != static_cast<std::int32_t>(k)) continue;
        calls.push_back(&c);
        literal = literal && c.str_args.size() >= 2;
      }
      if (literal) {
        for (const CallSite* c : calls) {
          GlobalRef named;
          named.module = c->str_args[0];
          named.name = c->str_args[1];
          named.offset = c->offset;
          named.opcode = pickle::kReduce;
          named.references = 1;
          Verdict v;
          if (Classify(policy, named, &v)) ReportGlobal(t, named, -1, v, base, g.module + "." + g.name);
        }
        continue;
      }
    }
    Verdict v;
    if (Classify(policy, g, &v)) ReportGlobal(t, g, static_cast<std::int32_t>(k), v, base, "");
  }
}

void StreamJudge::ReportGlobal(const StreamTrace& t, const GlobalRef& g, std::int32_t index, const Verdict& v,
                               std::vector<std::pair<std::string, std::string>> ev, const std::string& via) {
  ev.push_back({"global", g.module + "." + g.name});
  ev.push_back({"opcode", pickle::OpcodeName(g.opcode)});
  ev.push_back({"calls", std::to_string(g.calls)});
  if (!via.empty()) ev.push_back({"resolved_by", via});
  if (g.via_memo) ev.push_back({"names_via", "memo/DUP"});
  if (!v.resolved.empty()) ev.push_back({"resolves_to", v.resolved});
  if (v.rule != nullptr) ev.push_back({"rule", v.rule->source});
  std::string args;
  for (const CallSite& c : t.calls) {
    if (index >= 0 && c.callee == index) {
      args = c.args_preview;
      ev.push_back({"call", std::string(pickle::CallKindName(c.kind)) + " " + c.args_preview});
      break;
    }
  }
  std::string detail = v.reason;
  if (!detail.empty()) detail[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(detail[0])));
  detail += ". ";
  if (g.calls > 0) {
    detail += "Loading this pickle calls it" + (args.empty() ? std::string(".") : " with " + args + ".");
  } else if (!via.empty()) {
    detail += "Loading this pickle fetches it through " + via + " (import plus getattr).";
  } else {
    detail += "Loading this pickle imports it.";
  }
  ctx_.Report(v.id, v.severity, v.title, blob_.member, g.offset, detail, ev);
}

void StreamJudge::QueueNested(const CallSite& c, const std::string& why) {
  for (const pickle::BytesArg& b : c.bytes_args) {
    if (b.view.empty()) continue;
    if (static_cast<std::uint32_t>(nested_) >= ctx_.limits().max_nested_pickles) {
      ctx_.Report("PICKLE-LIMIT-EXCEEDED", Severity::kHigh, "Too many nested pickles to follow", blob_.member,
                  b.offset, "More byte strings are handed to loaders than the scanner follows; the rest was not analysed.",
                  {{"limit", std::to_string(ctx_.limits().max_nested_pickles)}});
      return;
    }
    ++nested_;
    ctx_.EnqueueChild(blob_, "<bytes@" + std::to_string(b.offset) + ">", b.view, nullptr, why);
  }
}

void StreamJudge::JudgeCalls(const StreamTrace& t, const std::vector<std::pair<std::string, std::string>>& base) {
  const Policy& policy = ctx_.policy();
  std::map<std::string, const CallSite*> dynamic;
  for (const CallSite& c : t.calls) {
    if (c.callee < 0) {
      dynamic.emplace(c.callee_description, &c);
      QueueNested(c, "nested-pickle");
      continue;
    }
    const GlobalRef& g = t.globals[static_cast<std::size_t>(c.callee)];
    const PolicyRule* rule = policy.Match(g.module, g.name);
    if (rule != nullptr && rule->is_loader()) {
      if (rule->denies() && !c.bytes_args.empty()) {
        auto ev = base;
        ev.push_back({"loader", g.module + "." + g.name});
        ev.push_back({"bytes", std::to_string(c.bytes_args.front().view.size())});
        ctx_.Report("PICKLE-NESTED-PICKLE", Severity::kHigh, "Unpickles bytes embedded in the pickle",
                    blob_.member, c.offset,
                    g.module + "." + g.name +
                        " is called on bytes carried inside this pickle, so a second pickle runs when "
                        "this one loads. The embedded bytes are scanned as their own member.",
                    ev);
      }
      QueueNested(c, "nested-pickle");
    } else if (rule == nullptr || rule->denies()) {
      // Bytes handed to an unknown or denied callable may be a payload for a
      // loader we do not know: scan them too (routing ignores non-payloads).
      QueueNested(c, "call-argument");
    }
  }
  for (const auto& [desc, c] : dynamic) {
    auto ev = base;
    ev.push_back({"callee", desc});
    ev.push_back({"opcode", pickle::CallKindName(c->kind)});
    ev.push_back({"args", c->args_preview});
    ctx_.Report("PICKLE-CALL-DYNAMIC", Severity::kHigh, "Calls a callable that is not a named global",
                blob_.member, c->offset,
                "The pickle calls the " + desc +
                    " rather than a global it names; this is how payloads chain getattr-style lookups to "
                    "reach callables no allowlist can see.",
                ev);
  }
}

void StreamJudge::JudgeEnd(const StreamTrace& t, const std::vector<std::pair<std::string, std::string>>& base) {
  if (t.stopped) return;
  auto ev = base;
  ev.push_back({"error", pickle::ErrorKindName(t.error)});
  ev.push_back({"message", t.error_message});
  ev.push_back({"opcodes_decoded", std::to_string(t.opcodes)});
  ev.push_back({"calls_before_error", std::to_string(t.calls.size())});
  if (t.error == ErrorKind::kLimit || t.error == ErrorKind::kTimeout) {
    ctx_.Report("PICKLE-LIMIT-EXCEEDED", Severity::kHigh, "Pickle exceeds the scanner's bounds; not fully analysed",
                blob_.member, t.error_offset,
                t.error_message + ". Everything after this point was not analysed, so the file is not known "
                                  "to be clean. Benign models stay far inside these bounds.",
                ev);
    return;
  }
  bool after_calls = !t.calls.empty() || !t.globals.empty();
  if (t.error == ErrorKind::kUnknownOpcode) {
    ctx_.Report("PICKLE-UNKNOWN-OPCODE", Severity::kHigh, "Invalid pickle opcode", blob_.member, t.error_offset,
                t.error_message + ". The unpickler raises here, but only after running every opcode before "
                                  "it; scanners that stop early or skip unknown bytes can be shown a different "
                                  "stream than the loader runs.",
                ev);
    return;
  }
  Severity sev = after_calls ? Severity::kHigh : Severity::kMedium;
  std::string detail = t.error_message + ". ";
  detail += after_calls
                ? "The loader runs every opcode before the error, including the " + std::to_string(t.calls.size()) +
                      " call(s) and " + std::to_string(t.globals.size()) +
                      " import(s) above, and only then fails: a payload can run and the load still look like a "
                      "corrupt file."
                : "The stream cannot be fully parsed, so it is not known to be clean.";
  ctx_.Report(after_calls ? "PICKLE-ERROR-AFTER-CALLS" : "PICKLE-PARSE-ERROR", sev,
              after_calls ? "Pickle fails after imports or calls have already run" : "Pickle cannot be fully parsed",
              blob_.member, t.error_offset, detail, ev);
}

// Element size of a legacy storage class named in a storage record's args
// pickle ((key, location, storage_type)), or 0 when unknown.
std::uint64_t StorageElementSize(const StreamTrace& t) {
  static const std::pair<std::string_view, std::uint64_t> kSizes[] = {
      {"DoubleStorage", 8}, {"FloatStorage", 4},  {"HalfStorage", 2},         {"BFloat16Storage", 2},
      {"LongStorage", 8},   {"IntStorage", 4},    {"ShortStorage", 2},        {"CharStorage", 1},
      {"ByteStorage", 1},   {"BoolStorage", 1},   {"ComplexFloatStorage", 8}, {"ComplexDoubleStorage", 16},
      {"QInt8Storage", 1},  {"QUInt8Storage", 1}, {"QInt32Storage", 4},       {"QUInt4x2Storage", 1},
  };
  for (auto it = t.globals.rbegin(); it != t.globals.rend(); ++it) {
    for (const auto& [name, size] : kSizes) {
      if (it->name == name) return size;
    }
  }
  return 0;
}

// The legacy tar format's 'storages' and 'tensors' members interleave
// pickles with raw records (torch/serialization.py, _legacy_load):
//   storages: count pickle, then per storage an args pickle
//             (key, location, storage_type), an int64 element count and the
//             raw elements; then a storage-views pickle.
//   tensors:  count pickle, then per tensor an args pickle, int32 ndim,
//             4 padding bytes, ndim int64 sizes, ndim int64 strides, int64
//             storage offset.
// Every pickle in them is unpickled by torch.load, so every one is judged.
void AnalyzeLegacyTarRecords(const Blob& blob, ScanContext& ctx, StreamJudge& judge,
                             const pickle::MachineOptions& opts, bool storages) {
  ByteView data = blob.bytes;
  auto bad_record = [&](std::uint64_t at, const std::string& what) {
    ctx.Report("TORCH-LEGACY-RECORD-TRUNCATED", Severity::kMedium, "Legacy torch record does not fit the member",
               blob.member, at,
               what + "; the rest of the member was not analysed, so it is not known to be clean.",
               {{"member_kind", storages ? "storages" : "tensors"}});
  };
  StreamTrace count = pickle::RunStream(data, 0, ctx.limits(), opts);
  judge.Judge(count, 0, "legacy torch tar");
  if (!count.stopped) return;
  if (!count.result_is_int || count.result_int < 0) return bad_record(count.end, "the record count is not an int");
  std::uint64_t pos = count.end;
  std::uint64_t n = static_cast<std::uint64_t>(count.result_int);
  ByteReader r(data);
  for (std::uint64_t i = 0; i < n; ++i) {
    if (ctx.OutOfTime()) return bad_record(pos, "the time budget ran out");
    StreamTrace t = pickle::RunStream(data, pos, ctx.limits(), opts);
    judge.Judge(t, static_cast<int>(std::min<std::uint64_t>(i + 1, INT32_MAX)), "legacy torch tar");
    if (!t.stopped) return;
    if (!r.Seek(t.end)) return bad_record(t.end, "record past the end");
    if (storages) {
      std::uint64_t elems = 0, bytes = 0, elem_size = StorageElementSize(t);
      if (elem_size == 0) return bad_record(t.end, "storage record names no known storage type");
      if (!r.ReadU64LE(&elems) || __builtin_mul_overflow(elems, elem_size, &bytes) || !r.Skip(bytes)) {
        return bad_record(t.end, "storage data runs past the end of the member");
      }
    } else {
      std::int32_t ndim = 0;
      if (!r.ReadI32LE(&ndim) || ndim < 0 || ndim > 64 || !r.Skip(4 + 16ull * static_cast<std::uint64_t>(ndim) + 8)) {
        return bad_record(t.end, "tensor record has a bad dimension count or runs past the end");
      }
    }
    pos = r.pos();
  }
  if (storages && pos < data.size()) {
    StreamTrace views = pickle::RunStream(data, pos, ctx.limits(), opts);
    judge.Judge(views, static_cast<int>(std::min<std::uint64_t>(n + 1, INT32_MAX)), "legacy torch tar");
  }
}

}  // namespace

void AnalyzePickle(const Blob& blob, ScanContext& ctx) {
  ByteView data = blob.bytes;
  pickle::MachineOptions opts;
  opts.out_of_time = &OutOfTime;
  opts.out_of_time_ctx = &ctx;
  StreamJudge judge(blob, ctx);
  if (blob.role == "torch-legacy-tar-storages" || blob.role == "torch-legacy-tar-tensors") {
    AnalyzeLegacyTarRecords(blob, ctx, judge, opts, blob.role == "torch-legacy-tar-storages");
    return;
  }
  std::uint64_t pos = 0;
  int stream = 0;
  bool legacy = false;
  while (pos < data.size()) {
    if (stream > 0) {
      if (legacy && stream >= kLegacyTorchStreams) break;  // raw storage bytes follow
      if (static_cast<std::uint32_t>(stream) >= ctx.limits().max_pickle_streams) {
        ctx.Report("PICKLE-LIMIT-EXCEEDED", Severity::kHigh, "More pickle streams than the scanner follows",
                   blob.member, pos, "Only the first " + std::to_string(stream) + " streams were analysed.",
                   {{"streams", std::to_string(stream)}});
        break;
      }
      if (!pickle::LooksLikePickle(data, pos)) {
        ctx.Report("PICKLE-TRAILING-BYTES", Severity::kLow, "Bytes after the end of the pickle", blob.member, pos,
                   std::to_string(data.size() - pos) +
                       " bytes follow the last STOP opcode and do not decode as another pickle. pickle.load "
                       "ignores them; a custom loader reading further would not.",
                   {{"bytes", std::to_string(data.size() - pos)}});
        break;
      }
    }
    StreamTrace t = pickle::RunStream(data, pos, ctx.limits(), opts);
    if (stream == 0) legacy = t.stopped && t.result_is_legacy_torch_magic;
    judge.Judge(t, stream, legacy ? "legacy torch.save" : nullptr);
    ++stream;
    if (!t.stopped) break;
    pos = t.end;
  }
  if (legacy) {
    ctx.Report("TORCH-LEGACY-FORMAT", Severity::kInfo, "Legacy (pre-1.6) torch.save format", blob.member, 0,
               "Stacked pickles (magic number, protocol, sys_info, object, storage keys) followed by raw "
               "storage bytes; every pickle stream was analysed.",
               {{"streams", std::to_string(std::min(stream, kLegacyTorchStreams))}});
  } else if (stream > 1) {
    ctx.Report("PICKLE-MULTIPLE-STREAMS", Severity::kLow, "More than one pickle stream", blob.member, 0,
               "pickle.load reads only the first stream, but loaders that read on (legacy torch.load, custom "
               "code) run the others; every stream was analysed.",
               {{"streams", std::to_string(stream)}});
  }
}

}  // namespace modelgate
