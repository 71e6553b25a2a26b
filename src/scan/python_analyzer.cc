// AnalyzePythonSource: turns what the Python source reader saw
// (formats/python/python_source.h) into findings.
//
// Severity policy (docs/formats/python.md, "Findings"):
// - Repository Python files run only with trust_remote_code=True, so what
//   they do is judged against what modeling / configuration / tokenization
//   files normally do: import torch and transformers, join paths, read vocab
//   files, log. Nothing of that reaches `high`.
// - Process execution at import time (module level, class bodies,
//   decorators, default values: it runs as soon as the loader imports the
//   module) and exec/eval of decoded data are critical.
// - Process execution later, exec/eval/compile, unpickling, ctypes, network
//   clients, writes to absolute or home paths, module names or attributes
//   computed at run time, names assembled from pieces: high.
// - Downloads from the Hub, deletions, encoded blobs, chr() chains,
//   non-ASCII identifiers, unparseable source: medium. Imports of risky
//   modules without a call: low or medium. A summary is always reported.
#include <algorithm>
#include <set>

#include "formats/python/python_source.h"
#include "scan/repository_internal.h"

namespace modelgate {
namespace {

using python::Call;
using python::Site;
using python::SourceFacts;
using python::Value;
using python::ValueKind;

enum class Category { kNone, kProcess, kExec, kDeserialize, kNative, kNetwork, kHub, kDelete, kOpen, kImport };

bool HasPrefix(const std::string& n, std::string_view p) { return n.compare(0, p.size(), p) == 0; }

// The spellings the source reader canonicalises (posix/nt -> os, __builtin__ -> builtins).
std::string Normalize(std::string n) {
  for (std::string_view from : {"posix", "nt"}) {
    if (HasPrefix(n, from) && (n.size() == from.size() || n[from.size()] == '.')) n = "os" + n.substr(from.size());
  }
  if (HasPrefix(n, "__builtin__")) n = "builtins" + n.substr(11);
  return n;
}

bool AnyPrefix(const std::string& n, std::initializer_list<std::string_view> ps) {
  for (std::string_view p : ps) {
    if (HasPrefix(n, p)) return true;
  }
  return false;
}

Category Classify(const std::string& n) {
  if (AnyPrefix(n, {"os.system", "os.popen", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
                    "os.startfile", "os.kill", "os.killpg", "subprocess.Popen", "subprocess.run", "subprocess.call",
                    "subprocess.check_call", "subprocess.check_output", "subprocess.getoutput",
                    "subprocess.getstatusoutput", "pty.spawn", "pty.fork", "commands.",
                    "asyncio.create_subprocess_", "_posixsubprocess.", "platform.popen", "pexpect.",
                    "multiprocessing.util.spawnv_passfds"})) {
    return Category::kProcess;
  }
  if (AnyPrefix(n, {"builtins.eval", "builtins.exec", "builtins.compile", "builtins.breakpoint", "runpy.",
                    "code.interact", "code.InteractiveInterpreter", "code.InteractiveConsole", "code.compile_command",
                    "types.FunctionType", "types.CodeType", "timeit.timeit", "timeit.repeat", "pdb.run"})) {
    return Category::kExec;
  }
  if (AnyPrefix(n, {"pickle.load", "pickle.Unpickler", "_pickle.", "cPickle.", "marshal.load", "dill.load",
                    "cloudpickle.load", "joblib.load", "shelve.open", "jsonpickle.decode", "yaml.unsafe_load",
                    "torch.serialization._load"})) {
    return Category::kDeserialize;
  }
  if (AnyPrefix(n, {"ctypes.", "_ctypes.", "cffi."})) return Category::kNative;
  if (n == "socket.gethostname") return Category::kNone;
  if (AnyPrefix(n, {"socket.", "requests.", "urllib.request.", "urllib.urlopen", "urllib2.", "urllib3.", "http.client.",
                    "httplib.", "httpx.", "aiohttp.", "ftplib.", "smtplib.", "telnetlib.", "paramiko.", "websocket.",
                    "websockets.", "pycurl.", "xmlrpc.client.", "asyncio.open_connection", "ssl.", "webbrowser.",
                    "dns.resolver."})) {
    return Category::kNetwork;
  }
  if (AnyPrefix(n, {"huggingface_hub.hf_hub_download", "huggingface_hub.snapshot_download", "huggingface_hub.HfApi",
                    "huggingface_hub.file_download.", "huggingface_hub.hf_hub_url",
                    "transformers.utils.hub.cached_file", "transformers.utils.cached_file", "torch.hub.load",
                    "torch.hub.download_url_to_file", "torch.hub.load_state_dict_from_url"})) {
    return Category::kHub;
  }
  if (AnyPrefix(n, {"shutil.rmtree", "shutil.move", "shutil.chown", "os.remove", "os.unlink", "os.rmdir",
                    "os.removedirs", "os.rename", "os.replace", "os.chmod", "os.chown", "os.truncate"})) {
    return Category::kDelete;
  }
  if (n == "builtins.open" || n == "io.open" || n == "codecs.open") return Category::kOpen;
  if (n == "builtins.__import__" || n == "importlib.import_module") return Category::kImport;
  return Category::kNone;
}

// Modules whose import alone is worth noting: medium for process / native /
// code execution, low for network and unpickling.
Severity ImportSeverity(const std::string& module) {
  std::string top = module.substr(0, module.find('.'));
  static const std::set<std::string> kMedium = {"subprocess", "pty", "ctypes", "_ctypes", "cffi", "_posixsubprocess",
                                                "pexpect", "commands", "marshal", "runpy", "posix", "nt"};
  static const std::set<std::string> kLow = {"socket", "requests", "urllib3", "httpx", "aiohttp", "ftplib",
                                             "smtplib", "telnetlib", "paramiko", "websocket", "websockets",
                                             "pycurl", "pickle", "_pickle", "cPickle", "dill", "cloudpickle",
                                             "shelve", "webbrowser", "urllib2", "httplib"};
  if (kMedium.count(top)) return Severity::kMedium;
  if (kLow.count(top) || HasPrefix(module, "urllib.request") || HasPrefix(module, "http.client") ||
      HasPrefix(module, "xmlrpc.client")) {
    return Severity::kLow;
  }
  return Severity::kInfo;
}

std::string Where(const Site& s) { return std::to_string(s.line) + ":" + std::to_string(s.col); }
std::string Runs(const Site& s) {
  if (s.at_import) return "at import (module level)";
  return s.function.empty() ? "deferred (lambda or __main__ block)" : "when " + s.function + "() is called";
}

std::string Describe(const Value& v) {
  switch (v.kind) {
    case ValueKind::kString: {
      std::string s = v.text.size() > 200 ? v.text.substr(0, 200) + "..." : v.text;
      return "'" + s + "'" + (v.built ? " (assembled)" : "");
    }
    case ValueKind::kName: return v.text;
    case ValueKind::kDecoded: return "<" + v.text + " output>";
    case ValueKind::kUnknown: return v.computed.empty() ? "<expression>" : v.computed;
  }
  return "";
}

class PythonFindings {
 public:
  PythonFindings(const SourceFacts& f, const Blob& blob, const std::string& label, ScanContext& ctx)
      : f_(f), blob_(blob), label_(label), ctx_(ctx) {}

  void Run(std::size_t source_size) {
    CheckLimits();
    ParseState(source_size);
    for (const Call& c : f_.calls) OneCall(c);
    References();
    Imports();
    Obfuscation();
    Summary();
  }

 private:
  std::vector<std::pair<std::string, std::string>> CallEvidence(const Call& c) {
    std::vector<std::pair<std::string, std::string>> ev = {
        {"file", label_}, {"line:col", Where(c.site)}, {"call", c.written}, {"resolved", Describe(c.callee)},
        {"runs", Runs(c.site)}};
    for (std::size_t k = 0; k < c.args.size() && k < 2; ++k) ev.push_back({"arg" + std::to_string(k), Describe(c.args[k])});
    return ev;
  }

  void Report(const char* id, Severity sev, const std::string& title, const std::string& detail,
              std::vector<std::pair<std::string, std::string>> ev) {
    ctx_.Report(id, sev, title, blob_.member, std::nullopt, detail, std::move(ev));
  }

  void OneCall(const Call& c) {
    const Value& callee = c.callee;
    bool decoded_arg = false;
    std::string payload;
    for (const Value& a : c.args) {
      if (a.kind == ValueKind::kDecoded || (a.kind == ValueKind::kString && a.obscured)) {
        decoded_arg = true;
        if (payload.empty()) payload = a.kind == ValueKind::kDecoded ? a.payload : a.text.substr(0, 400);
      }
    }
    if (!callee.computed.empty() && callee.kind == ValueKind::kUnknown) {
      bool import = callee.computed.find("import") != std::string::npos;
      Report(import ? "PYTHON-DYNAMIC-IMPORT" : "PYTHON-DYNAMIC-ATTRIBUTE", Severity::kHigh,
             label_ + ": calls " + (import ? "a module imported by a computed name" : "an attribute looked up by a computed name"),
             "The callee is `" + callee.computed + "`: its name is only known when the code runs, so this scan "
             "cannot tell what is called. Modeling code names what it imports and calls.",
             CallEvidence(c));
      return;
    }
    if (callee.kind != ValueKind::kName) return;
    Category cat = Classify(callee.text);
    if (callee.built && callee.resolved && cat != Category::kNone) {
      Report("PYTHON-OBFUSCATED-NAME", Severity::kHigh, label_ + ": calls " + callee.text + " through a name assembled from pieces",
             "The module or attribute name is built at run time (concatenation, chr(), reversal) so a text search "
             "does not find it; the scanner folded the constants and resolved it.",
             CallEvidence(c));
    }
    switch (cat) {
      case Category::kNone: return;
      case Category::kProcess:
        Report("PYTHON-PROCESS", c.site.at_import ? Severity::kCritical : Severity::kHigh,
               label_ + ": starts a process (" + callee.text + ")" + (c.site.at_import ? " at import time" : ""),
               c.site.at_import ? "This runs as soon as a loader imports the module (trust_remote_code=True). "
                                  "Model code never starts processes."
                                : "Model code never starts processes; this runs when the function is called "
                                  "(for modeling classes, when the model is built or run).",
               CallEvidence(c));
        return;
      case Category::kExec: {
        bool obfuscated = decoded_arg;
        auto ev = CallEvidence(c);
        if (!payload.empty()) ev.push_back({"decoded", payload});
        Report(obfuscated ? "PYTHON-OBFUSCATED-EXEC" : "PYTHON-EXEC", obfuscated ? Severity::kCritical : Severity::kHigh,
               label_ + (obfuscated ? ": executes decoded data (" : ": executes dynamic code (") + callee.text + ")",
               obfuscated ? "Data decoded or assembled at run time (base64, hex, zlib, codecs, marshal, chr() chains) is passed to " + callee.text +
                                ": the classic way to hide a payload from reviewers and scanners."
                          : "eval/exec/compile run code that is not in the file as code. Modeling code has no need.",
               std::move(ev));
        return;
      }
      case Category::kDeserialize:
        Report("PYTHON-DESERIALIZE", Severity::kHigh, label_ + ": unpickles or unmarshals data (" + callee.text + ")",
               "Unpickling runs code chosen by whoever wrote the bytes (see CVE-2023-7018, transformers' "
               "TransfoXL tokenizer). The data it reads was not scanned as part of this file.",
               CallEvidence(c));
        return;
      case Category::kNative:
        Report("PYTHON-NATIVE", Severity::kHigh, label_ + ": loads native code (" + callee.text + ")",
               "ctypes / cffi call into shared libraries directly, outside anything Python can restrict.",
               CallEvidence(c));
        return;
      case Category::kNetwork:
        Report("PYTHON-NETWORK", Severity::kHigh, label_ + ": opens a network connection (" + callee.text + ")",
               "Model code does not talk to the network; remote code that does can exfiltrate data (tokens, "
               "environment variables, files) or fetch a second stage.",
               CallEvidence(c));
        return;
      case Category::kHub:
        Report("PYTHON-HUB-DOWNLOAD", Severity::kMedium, label_ + ": downloads from the Hugging Face Hub (" + callee.text + ")",
               "The files it fetches (possibly from another repository) were not part of this scan.",
               CallEvidence(c));
        return;
      case Category::kDelete:
        Report("PYTHON-FILE-MODIFY", c.site.at_import ? Severity::kHigh : Severity::kMedium,
               label_ + ": deletes, moves or changes permissions of files (" + callee.text + ")",
               "Model code does not delete or move files; review what path it touches.", CallEvidence(c));
        return;
      case Category::kOpen: {
        const Value* mode = c.mode ? &*c.mode : c.args.size() >= 2 ? &c.args[1] : nullptr;
        bool writes = mode && mode->kind == ValueKind::kString &&
                      mode->text.find_first_of("wax+") != std::string::npos;
        const Value* path = c.args.empty() ? nullptr : &c.args[0];
        bool outside = path && path->kind == ValueKind::kString && !path->text.empty() &&
                       (path->text[0] == '/' || path->text[0] == '~' || path->text[0] == '\\' ||
                        path->text.find("..") != std::string::npos);
        if (writes && outside) {
          Report("PYTHON-FILE-WRITE", Severity::kHigh, label_ + ": writes to " + path->text,
                 "Model code writes only where the caller asks (save_pretrained); a constant absolute or home path "
                 "(shell profiles, SSH keys, site-packages) is a persistence or tampering attempt.",
                 CallEvidence(c));
        }
        return;
      }
      case Category::kImport: {
        if (!c.args.empty() && c.args[0].kind != ValueKind::kString) {
          Report("PYTHON-DYNAMIC-IMPORT", Severity::kHigh, label_ + ": imports a module whose name is computed",
                 "The module name is only known when the code runs (" + Describe(c.args[0]) +
                     "), so this scan cannot tell what is imported and run.",
                 CallEvidence(c));
        } else if (!c.args.empty() && c.args[0].kind == ValueKind::kString) {
          Severity s = ImportSeverity(c.args[0].text);
          if (s > Severity::kInfo) {
            Report("PYTHON-IMPORT-RISKY", s, label_ + ": imports " + c.args[0].text + " dynamically",
                   "A module that can run processes, load native code or reach the network is imported by name "
                   "at run time.",
                   CallEvidence(c));
          }
        }
        return;
      }
    }
  }

  void References() {
    std::set<std::string> seen;
    for (const python::Reference& r : f_.references) {
      // Only callables that run something: constants and types (subprocess.PIPE, ctypes.c_int,
      // types.CodeType in isinstance checks) are everyday references.
      Category cat = Classify(r.name);
      bool callable = cat == Category::kProcess ||
                      (cat == Category::kExec && !HasPrefix(r.name, "types.")) ||
                      AnyPrefix(r.name, {"ctypes.CDLL", "ctypes.cdll", "ctypes.PyDLL", "ctypes.pydll",
                                         "ctypes.windll", "ctypes.WinDLL", "ctypes.LibraryLoader"});
      if (!callable) continue;
      if (!seen.insert(r.name + "@" + std::to_string(r.site.line)).second) continue;
      if (r.built) {
        Report("PYTHON-OBFUSCATED-NAME", Severity::kHigh, label_ + ": refers to " + r.name + " through a name assembled from pieces",
               "The module or attribute name is built at run time (concatenation, chr(), reversal) so a text search "
               "does not find it; the scanner folded the constants and resolved it.",
               {{"file", label_}, {"line:col", Where(r.site)}, {"resolved", r.name}, {"runs", Runs(r.site)}});
      }
      Report("PYTHON-DANGEROUS-REFERENCE", Severity::kHigh, label_ + ": passes " + r.name + " around",
             "A process / code-execution callable is referenced without being called here (assigned, stored, "
             "passed as an argument), so whoever receives it can call it.",
             {{"file", label_}, {"line:col", Where(r.site)}, {"resolved", r.name}, {"runs", Runs(r.site)}});
    }
  }

  void Imports() {
    std::set<std::string> seen;
    for (const python::Import& im : f_.imports) {
      std::string full = im.name.empty() || im.name == "*" ? im.module : im.module + "." + im.name;
      Severity s = std::max(ImportSeverity(im.module), ImportSeverity(full));
      // `from os import system` binds a process / exec callable by name.
      Category cat = Classify(Normalize(full));
      if (cat == Category::kProcess || cat == Category::kExec || cat == Category::kNative) s = std::max(s, Severity::kMedium);
      if (s == Severity::kInfo || !seen.insert(im.module).second) continue;
      Report("PYTHON-IMPORT-RISKY", s, label_ + ": imports " + full,
             "A module that can run processes, load native code, unpickle or reach the network. The import "
             "alone does nothing; calls made through it are reported separately.",
             {{"file", label_}, {"line:col", Where(im.site)}, {"module", full}, {"runs", Runs(im.site)}});
    }
  }

  void Obfuscation() {
    for (const python::EncodedLiteral& e : f_.encoded_literals) {
      Report("PYTHON-ENCODED-BLOB", Severity::kMedium,
             label_ + ": long " + e.alphabet + " string literal (" + std::to_string(e.length) + " characters)",
             "Long encoded literals are how payloads are smuggled past review; modeling code keeps data in "
             "weight and vocab files.",
             {{"file", label_}, {"line:col", Where(e.site)}, {"length", std::to_string(e.length)},
              {"alphabet", e.alphabet}});
    }
    if (f_.max_chr_calls_in_statement >= 8) {
      Report("PYTHON-CHR-CHAIN", Severity::kMedium,
             label_ + ": " + std::to_string(f_.max_chr_calls_in_statement) + " chr() calls in one statement",
             "Building text character by character hides names and payloads from text search.",
             {{"file", label_}, {"line:col", Where(f_.chr_site)}, {"count", std::to_string(f_.max_chr_calls_in_statement)}});
    }
    for (std::size_t k = 0; k < f_.non_ascii_names.size() && k < 20; ++k) {
      const auto& [site, name] = f_.non_ascii_names[k];
      Report("PYTHON-NON-ASCII-NAME", Severity::kMedium, label_ + ": non-ASCII identifier",
             "Python NFKC-normalises identifiers, so a name written with look-alike letters (fullwidth, "
             "mathematical alphanumerics) can be `exec` or `os` to the interpreter while no text search "
             "matches it.",
             {{"file", label_}, {"line:col", Where(site)}, {"identifier", name}});
    }
    if (!f_.encoding.empty()) {
      static const std::set<std::string> kPlain = {"utf-8", "utf8", "utf_8", "ascii", "us-ascii", "latin-1",
                                                   "latin1", "iso-8859-1", "iso8859-1", "iso-8859-15", "cp1252"};
      std::string e = f_.encoding;
      bool plain = kPlain.count(e) || HasPrefix(e, "utf-8-") || HasPrefix(e, "utf_8_");
      // Codecs that change what ASCII bytes mean (utf-7, utf-16/32, escapes, rot13, idna ...) can hide
      // code in what reads as a comment; other legacy encodings (CJK, code pages) only change literals.
      bool transforms = false;
      for (std::string_view k : {"7", "16", "32", "unicode", "escape", "rot", "idna", "puny", "uu", "hex", "base64",
                                 "zip", "zlib", "bz2", "quopri", "mbcs", "undefined"}) {
        transforms |= e.find(k) != std::string::npos;
      }
      if (!plain) {
        Report("PYTHON-SOURCE-ENCODING", transforms ? Severity::kHigh : Severity::kMedium, label_ + ": declares source encoding " + e,
               "Python decodes the file with this codec before compiling it (PEP 263). Encodings such as utf-7 "
               "turn harmless-looking bytes into code (a newline hidden as +AAo-), so the code Python runs is "
               "not the text the scanner read.",
               {{"file", label_}, {"encoding", e}});
      }
    }
  }

  void CheckLimits() {
    if (f_.truncated || f_.budget_exhausted) {
      Report("PYTHON-LIMIT", Severity::kHigh, label_ + ": source too large or complex to analyse fully",
             std::string("Analysis stopped at a limit (") +
                 (f_.truncated ? std::string(python::TokenizeErrorName(f_.error)) : "expression evaluation budget") +
                 "); Python reads what the scanner did not.",
             {{"file", label_}, {"tokens", std::to_string(f_.token_count)}});
    }
  }

  void ParseState(std::size_t source_size) {
    if (source_size > ctx_.limits().max_python_source_bytes) {
      Report("PYTHON-LIMIT", Severity::kHigh, label_ + ": source larger than the analysis limit",
             "Only the first " + std::to_string(ctx_.limits().max_python_source_bytes) +
                 " bytes were analysed; Python reads the whole file.",
             {{"file", label_}, {"bytes", std::to_string(source_size)}});
    }
    if (f_.error != python::TokenizeError::kNone && !f_.truncated) {
      Report("PYTHON-PARSE-ERROR", Severity::kMedium, label_ + ": not valid Python (" +
                                                          std::string(python::TokenizeErrorName(f_.error)) + ")",
             "Python refuses to import the file, so it cannot run; but code before the error was analysed "
             "as written and a loader on another Python version may read it differently.",
             {{"file", label_}, {"line:col", std::to_string(f_.error_line) + ":" + std::to_string(f_.error_col + 1)},
              {"error", std::string(python::TokenizeErrorName(f_.error))}});
    }
  }

  void Summary() {
    std::string modules;
    std::set<std::string> seen;
    for (const python::Import& im : f_.imports) {
      std::string top = im.module;
      if (!seen.insert(top).second) continue;
      if (modules.size() > 300) {
        modules += ", ...";
        break;
      }
      modules += (modules.empty() ? "" : ", ") + top;
    }
    Report("PYTHON-SOURCE", Severity::kInfo, label_ + ": Python source analysed",
           "Imports, calls (resolved through aliases) and module-level code were checked.",
           {{"file", label_}, {"tokens", std::to_string(f_.token_count)}, {"imports", modules},
            {"calls", std::to_string(f_.calls.size())}});
  }

  const SourceFacts& f_;
  const Blob& blob_;
  const std::string& label_;
  ScanContext& ctx_;
};

}  // namespace

void AnalyzePythonSource(std::string_view source, const Blob& blob, const std::string& file_label, ScanContext& ctx) {
  SourceFacts facts = python::ReadPythonSource(source, ctx.limits());
  PythonFindings(facts, blob, file_label, ctx).Run(source.size());
}

}  // namespace modelgate
