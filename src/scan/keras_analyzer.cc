// AnalyzeKerasConfig: a Keras model configuration as JSON (Keras 2
// model_config/training_config from .h5 root attributes, Keras 3 config.json
// and metadata.json from .keras zips, layer metadata from keras_metadata.pb).
//
// The whole JSON tree is walked iteratively (depth checked before parsing,
// explicit stack after), and every object with a "class_name" is treated as
// a serialised object, so layers inside nested Sequential/Functional models,
// wrappers (TimeDistributed, Bidirectional), initializers, losses and custom
// objects are all seen.
//
// Severity policy (docs/formats/keras.md, "Findings"):
// - Lambda layers carry marshalled Python bytecode that Keras 2 (and Keras 3
//   on the legacy .h5 path, or with safe_mode=False) runs on load: high; a
//   Lambda whose code references process, file, network or import
//   primitives is critical with the names as evidence. Code that cannot be
//   decoded is high.
// - A callable named by module and name that is a known code-execution
//   primitive (os.system, builtins.exec ...) or that switches off or sidesteps
//   safe mode (enable_unsafe_deserialization, get_file, load_model): critical.
//   Other functions from outside the Keras namespace: high; custom classes:
//   medium. registered_name that disagrees with class_name: high.
// - TorchModuleWrapper's base64 "module" is a torch.save pickle that Keras
//   torch.loads: high, and the bytes are queued (role "nested-pickle") for
//   the pickle engine. Any other base64 string that decodes to a pickle or a
//   zip is queued too.
#include <array>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "formats/marshal/marshal.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using json = nlohmann::json;
using Evidence = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------- names

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Modules Keras itself (and the Keras team's libraries) serialise from.
bool KerasNamespace(std::string_view m) {
  for (std::string_view root : {"keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras", "keras_hub",
                                "keras_nlp", "keras_cv", "tensorflow_addons", "tfa"}) {
    if (m == root || (StartsWith(m, root) && m.size() > root.size() && m[root.size()] == '.')) return true;
  }
  return false;
}

std::string_view TopModule(std::string_view m) { return m.substr(0, m.find('.')); }

// Modules whose functions reach the process, files, network or the
// interpreter. Any of their callables in a config is critical.
bool DangerousModule(std::string_view m) {
  static const std::set<std::string_view> kMods = {
      "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys", "socket", "shutil", "importlib",
      "runpy", "pty", "pickle", "_pickle", "dill", "marshal", "ctypes", "code", "codeop", "webbrowser",
      "multiprocessing", "requests", "urllib", "urllib2", "httplib", "http", "ftplib", "telnetlib", "smtplib",
      "asyncio", "pathlib", "tempfile", "commands", "popen2", "platform", "signal", "_thread", "thread",
      "threading", "operator", "functools", "types", "inspect", "gc", "pydoc", "timeit", "cProfile", "profile",
      "pdb", "bdb", "trace", "doctest", "zipimport", "io", "_io", "fileinput", "glob", "numpy.lib.npyio"};
  return kMods.count(m) > 0 || kMods.count(TopModule(m)) > 0;
}

// Keras callables that switch safe mode off or act on files/network during
// load (CVE-2025-9906, CVE-2025-8747), wherever they are imported from.
bool SafeModeBypassName(std::string_view n) {
  static const std::set<std::string_view> kNames = {"enable_unsafe_deserialization", "get_file", "load_model",
                                                    "func_load", "load_weights", "write_file", "read_file",
                                                    "save_model", "load_img", "get_file_from_url",
                                                    "set_global_attribute"};
  return kNames.count(n) > 0;
}

// Names in Lambda bytecode (co_names, string constants) that reach the
// process, files, network, imports or the interpreter's internals.
bool DangerousCodeName(std::string_view n) {
  static const std::set<std::string_view> kNames = {
      "os", "posix", "nt", "subprocess", "system", "popen", "Popen", "exec", "eval", "compile", "__import__",
      "import_module", "importlib", "socket", "open", "builtins", "__builtins__", "getattr", "setattr",
      "delattr", "globals", "locals", "vars", "pty", "shutil", "rmtree", "remove", "unlink", "rmdir",
      "spawn", "spawnl", "spawnv", "spawnlp", "spawnvp", "execv", "execve", "execl", "execlp", "execvp",
      "fork", "kill", "ctypes", "cdll", "CDLL", "urlopen", "urllib", "requests", "http", "pickle", "marshal",
      "loads", "load", "breakpoint", "__subclasses__", "__globals__", "__code__", "__getattribute__",
      "__reduce__", "check_output", "check_call", "call", "run", "getoutput", "getstatusoutput", "sys",
      "modules", "write", "webbrowser", "connect", "send", "sendall", "recv", "environ", "putenv", "chmod",
      "chown", "symlink", "rename", "makedirs", "mkdir", "tempfile", "runpy", "run_path", "run_module"};
  return kNames.count(n) > 0;
}

// ---------------------------------------------------------------- base64

bool Base64Value(char c, std::uint8_t* v) {
  if (c >= 'A' && c <= 'Z') *v = static_cast<std::uint8_t>(c - 'A');
  else if (c >= 'a' && c <= 'z') *v = static_cast<std::uint8_t>(c - 'a' + 26);
  else if (c >= '0' && c <= '9') *v = static_cast<std::uint8_t>(c - '0' + 52);
  else if (c == '+' || c == '-') *v = 62;
  else if (c == '/' || c == '_') *v = 63;
  else return false;
  return true;
}

// Decodes standard or URL-safe base64, skipping whitespace (Python's
// codecs "base64" inserts newlines every 76 characters). `max_out` bounds the
// output. Returns false on any other character or bad padding.
bool DecodeBase64(std::string_view s, std::vector<std::uint8_t>* out, std::size_t max_out = ~std::size_t{0}) {
  out->clear();
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    std::uint8_t v = 0;
    if (padding || !Base64Value(c, &v)) return false;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<std::uint8_t>(acc >> bits));
      if (out->size() >= max_out) return true;
    }
  }
  return bits < 6;
}

bool LooksLikeBase64Text(std::string_view s) {
  if (s.size() < 24) return false;
  std::uint8_t v = 0;
  for (char c : s) {
    if (!Base64Value(c, &v) && c != '=' && c != '\n' && c != '\r') return false;
  }
  return true;
}

std::string Join(const std::vector<std::string>& v, std::size_t max_items = 40) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max_items; ++i) out += (i ? ", " : "") + v[i].substr(0, 80);
  if (v.size() > max_items) out += ", ... (" + std::to_string(v.size()) + " in all)";
  return out;
}

const std::string* StringAt(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
}

// ---------------------------------------------------------------- walk

class KerasConfigScan {
 public:
  KerasConfigScan(const Blob& blob, ScanContext& ctx) : blob_(blob), ctx_(ctx) {}

  void Run(const json& root) {
    if (root.is_object() && !root.contains("class_name") && StringAt(root, "keras_version")) {
      // metadata.json of a .keras archive.
      Evidence ev = {{"keras_version", StringAt(root, "keras_version")->substr(0, 100)}};
      if (const std::string* d = StringAt(root, "date_saved")) ev.emplace_back("date_saved", d->substr(0, 100));
      ctx_.Report("KERAS-VERSION", Severity::kInfo, "Keras archive metadata", blob_.member, std::nullopt,
                  "metadata.json names the Keras version that saved the model.", std::move(ev));
    }
    struct Item {
      const json* node;
      std::string path;
    };
    std::vector<Item> stack{{&root, "$"}};
    while (!stack.empty()) {
      if (ctx_.OutOfTime()) {
        ctx_.Report("KERAS-CONFIG-TIME-LIMIT", Severity::kHigh, "Keras config only partly checked (time limit)",
                    blob_.member, std::nullopt, "The per-file time budget ran out while walking the configuration.");
        return;
      }
      Item it = std::move(stack.back());
      stack.pop_back();
      const json& n = *it.node;
      if (n.is_object()) {
        Object(n, it.path);
        std::vector<Item> kids;
        for (auto e = n.begin(); e != n.end(); ++e) {
          if (e.key() == "safe_mode" && e->is_boolean() && !e->get<bool>()) {
            ctx_.Report("KERAS-SAFE-MODE-OFF", Severity::kHigh, "Keras config turns safe mode off", blob_.member,
                        std::nullopt,
                        "The key 'safe_mode' is set to false at " + it.path +
                            ". Safe mode is what stops Keras 3 from running Lambda bytecode on load.",
                        {{"path", it.path}});
          }
          kids.push_back({&e.value(), it.path + "." + e.key()});
        }
        stack.insert(stack.end(), kids.rbegin(), kids.rend());
      } else if (n.is_array()) {
        for (std::size_t i = n.size(); i-- > 0;) stack.push_back({&n[i], it.path + "[" + std::to_string(i) + "]"});
      } else if (n.is_string()) {
        String(n.get_ref<const std::string&>(), it.path, &n);
      }
    }
  }

 private:
  void Object(const json& o, const std::string& path) {
    const std::string* cls = StringAt(o, "class_name");
    if (!cls) return;
    const json empty;
    const json& config = o.contains("config") ? o["config"] : empty;
    if (*cls == "Lambda" && config.is_object()) Keras2Lambda(config, path);
    if (*cls == "__lambda__") {
      const std::string* code = StringAt(config, "code");
      if (!code && config.is_object() && config.contains("value") && config["value"].is_array() &&
          !config["value"].empty() && config["value"][0].is_string()) {
        code = config["value"][0].get_ptr<const std::string*>();
      }
      Lambda(code, path + ".config", "Keras 3 __lambda__");
    }
    if (*cls == "TorchModuleWrapper") TorchWrapper(config, path);
    const std::string* module = StringAt(o, "module");
    const std::string* registered = StringAt(o, "registered_name");
    const std::string* fn_name = config.is_string() ? config.get_ptr<const std::string*>() : nullptr;
    const bool is_function = *cls == "function" && fn_name;
    if (module) {
      // Reported here with the module; the string walk need not repeat it.
      if (is_function) handled_.insert(fn_name);
      if (registered) handled_.insert(registered);
      const std::string name = is_function ? *fn_name : *cls;
      // A function registered as "package>name" is Keras' normal custom-object
      // mechanism (resolved through the registry, not by importing the module).
      const bool registered_custom = registered && registered->find('>') != std::string::npos;
      Callable(*module, name, path, is_function && !registered_custom ? "function" : "class");
    }
    if (registered && !registered->empty() && *registered != *cls && !EndsWith(*registered, ">" + *cls) &&
        !(is_function && (*registered == *fn_name || EndsWith(*registered, ">" + *fn_name)))) {
      std::string reg = *registered;
      std::size_t gt = reg.rfind('>');
      std::string short_name = gt == std::string::npos ? reg : reg.substr(gt + 1);
      ctx_.Report("KERAS-REGISTERED-NAME-MISMATCH", Severity::kHigh,
                  "Keras registered_name points elsewhere than class_name", blob_.member, std::nullopt,
                  "At " + path + ", registered_name '" + reg + "' does not name the class '" + *cls +
                      "'. Keras 3 resolves registered_name first (custom objects, the global registry), so the "
                      "loader builds something other than what class_name and module suggest.",
                  {{"path", path}, {"class_name", *cls}, {"registered_name", reg},
                   {"module", module ? *module : ""}});
      if (DangerousCodeName(short_name) || SafeModeBypassName(short_name)) {
        Callable(gt == std::string::npos ? "" : reg.substr(0, gt), short_name, path, "registered_name");
      }
    }
  }

  void Callable(const std::string& module, const std::string& name, const std::string& path, const char* how) {
    const std::string full = module.empty() ? name : module + "." + name;
    Evidence ev = {{"path", path}, {"callable", full}, {"referenced_as", how}};
    // builtins holds harmless functions too: only its dangerous ones count.
    const bool dangerous_module =
        DangerousModule(module) && (TopModule(module) != "builtins" || DangerousCodeName(name));
    if (SafeModeBypassName(name) || dangerous_module) {
      ctx_.Report("KERAS-DANGEROUS-CALLABLE", Severity::kCritical, "Keras config names a dangerous callable",
                  blob_.member, std::nullopt,
                  "At " + path + " the configuration names '" + full +
                      "'. Keras imports the module and calls or instantiates it while loading: " +
                      (SafeModeBypassName(name)
                           ? "this one turns safe mode off, loads another model or reads/writes files or the "
                             "network during load (CVE-2025-9906, CVE-2025-8747); Lambda bytecode then runs."
                           : "it reaches the process, files, network or the interpreter (code execution, "
                             "CVE-2025-1550)."),
                  std::move(ev));
      return;
    }
    if (module.empty() || KerasNamespace(module) || module == "builtins") return;
    // __main__ is the loading program's own module, not something the file
    // can import: a custom object, not a foreign function.
    if (std::string_view(how) == "function" && module != "__main__") {
      ctx_.Report("KERAS-FOREIGN-FUNCTION", Severity::kHigh, "Keras config calls a function outside Keras",
                  blob_.member, std::nullopt,
                  "At " + path + " the configuration names the function '" + full +
                      "', which Keras 3 before 3.9 imports from any module and calls; no built-in layer needs "
                      "it.",
                  std::move(ev));
    } else {
      ctx_.Report("KERAS-CUSTOM-OBJECT", Severity::kMedium, "Keras config uses a class from outside Keras",
                  blob_.member, std::nullopt,
                  "At " + path + " the configuration names '" + full +
                      "'. Loading imports that module (or needs it in custom_objects), so its code runs: review "
                      "it before loading.",
                  std::move(ev));
    }
  }

  // Keras 2 Lambda: config.function is [base64 marshal, defaults, closure]
  // (function_type "lambda") or a name (function_type "function") resolved
  // in the globals of config.module (any module in sys.modules).
  void Keras2Lambda(const json& config, const std::string& path) {
    for (const char* field : {"function", "output_shape"}) {
      const std::string type_key = std::string(field) + "_type";
      const std::string* type = StringAt(config, type_key.c_str());
      if (!config.contains(field)) continue;
      const json* fn_at = &config[field];
      // tf.keras writes tuples in keras_metadata.pb (SavedModel) as
      // {"class_name": "__tuple__", "items": [...]}.
      if (fn_at->is_object() && StringAt(*fn_at, "class_name") && *StringAt(*fn_at, "class_name") == "__tuple__" &&
          fn_at->contains("items")) {
        fn_at = &(*fn_at)["items"];
      }
      const json& fn = *fn_at;
      const std::string* code = nullptr;
      if (fn.is_array() && !fn.empty() && fn[0].is_string()) code = fn[0].get_ptr<const std::string*>();
      if (fn.is_string() && type && *type == "lambda") code = fn.get_ptr<const std::string*>();
      if (code && (!type || *type == "lambda")) {
        handled_.insert(code);
        Lambda(code, path + ".config." + field, "Keras 2 Lambda");
        continue;
      }
      if (fn.is_string() && type && *type == "function") {
        const std::string mod_key = std::string_view(field) == "function" ? "module" : "output_shape_module";
        const std::string* mod = StringAt(config, mod_key.c_str());
        const std::string name = fn.get<std::string>();
        if (mod && !mod->empty() && *mod != "__main__") Callable(*mod, name, path + ".config." + field, "function");
        if (!(mod && DangerousModule(*mod)) && !SafeModeBypassName(name)) {
          ctx_.Report("KERAS-LAMBDA-FUNCTION", Severity::kMedium, "Keras Lambda layer calls a function by name",
                      blob_.member, std::nullopt,
                      "At " + path + " a Lambda layer calls '" + name + "' looked up in the globals of module '" +
                          (mod ? *mod : std::string("?")) +
                          "' (any module already imported) or custom_objects. Review what that resolves to.",
                      {{"path", path}, {"function", name}, {"module", mod ? *mod : ""}});
        }
      }
    }
  }

  void Lambda(const std::string* code, const std::string& path, const char* flavour) {
    Evidence ev = {{"path", path}, {"kind", flavour}};
    const std::string runs =
        " Keras 2 (and tf.keras) runs it when the model is loaded; Keras 3 refuses it in safe mode for .keras "
        "files but runs it on the legacy .h5 path (CVE-2025-9905) and whenever safe_mode=False "
        "(CVE-2024-3660 for the unguarded loaders).";
    std::vector<std::uint8_t> raw;
    if (!code || !DecodeBase64(*code, &raw) || raw.empty()) {
      ctx_.Report("KERAS-LAMBDA", Severity::kHigh, "Keras Lambda layer with undecodable code", blob_.member,
                  std::nullopt, "The Lambda at " + path + " holds code that is not valid base64." + runs,
                  std::move(ev));
      return;
    }
    ev.emplace_back("code_bytes", std::to_string(raw.size()));
    Result<MarshalSummary> m = DecodeMarshalCode(ByteView(raw), ctx_.limits());
    if (!m.ok()) {
      ev.emplace_back("problem", m.status().message());
      ctx_.Report("KERAS-LAMBDA", Severity::kHigh, "Keras Lambda layer with undecodable bytecode", blob_.member,
                  std::nullopt,
                  "The Lambda at " + path + " holds marshal data the scanner could not decode (" +
                      m.status().message() + "), so what it calls is unknown." + runs,
                  std::move(ev));
      return;
    }
    const MarshalSummary& s = m.value();
    std::vector<std::string> bad;
    for (const std::string& n : s.all_names) {
      if (DangerousCodeName(n)) bad.push_back(n);
    }
    for (const std::string& n : s.all_strings) {
      if (DangerousCodeName(n)) bad.push_back("'" + n + "'");
    }
    ev.emplace_back("python_layout", s.layout);
    ev.emplace_back("names", Join(s.all_names));
    ev.emplace_back("strings", Join(s.all_strings, 20));
    if (!s.code_objects.empty()) ev.emplace_back("co_filename", s.code_objects[0].filename.substr(0, 200));
    ev.emplace_back("code_objects", std::to_string(s.code_objects.size()));
    if (!bad.empty()) {
      ev.emplace_back("dangerous", Join(bad));
      ctx_.Report("KERAS-LAMBDA-DANGEROUS", Severity::kCritical, "Keras Lambda layer runs dangerous code",
                  blob_.member, std::nullopt,
                  "The Lambda at " + path + " is Python bytecode that references " + Join(bad) +
                      ": process, file, network or import primitives." + runs,
                  std::move(ev));
      return;
    }
    ctx_.Report("KERAS-LAMBDA", Severity::kHigh, "Keras Lambda layer carries Python bytecode", blob_.member,
                std::nullopt,
                "The Lambda at " + path + " is marshalled Python bytecode (names: " + Join(s.all_names, 12) +
                    "). It references nothing known to be dangerous, but arbitrary bytecode can do anything." + runs,
                std::move(ev));
  }

  void TorchWrapper(const json& config, const std::string& path) {
    const std::string* b64 = StringAt(config, "module");
    // Keras 3.11+ may serialise the bytes as {"class_name": "__bytes__",
    // "config": {"value": base64}}.
    if (!b64 && config.is_object() && config.contains("module") && config["module"].is_object()) {
      const json& wrapped = config["module"];
      if (wrapped.contains("config")) b64 = StringAt(wrapped["config"], "value");
    }
    Evidence ev = {{"path", path}};
    auto raw = std::make_shared<std::vector<std::uint8_t>>();
    const bool ok = b64 && DecodeBase64(*b64, raw.get(), ctx_.limits().max_member_bytes) && !raw->empty();
    if (b64) handled_.insert(b64);
    ev.emplace_back("payload_bytes", std::to_string(ok ? raw->size() : 0));
    ctx_.Report("KERAS-TORCH-MODULE-WRAPPER", Severity::kHigh, "Keras TorchModuleWrapper carries a pickled module",
                blob_.member, std::nullopt,
                "At " + path +
                    ", TorchModuleWrapper stores a torch.save'd module as base64; Keras torch.loads it with "
                    "weights_only=False when the model is loaded, which unpickles it (CVE-2025-49655)." +
                    (ok ? " The bytes were queued and analysed as a pickle." : " The payload is not valid base64."),
                std::move(ev));
    if (ok && ctx_.ChargeDecompressed(raw->size(), blob_)) {
      std::shared_ptr<const std::vector<std::uint8_t>> owner = raw;
      ctx_.EnqueueChild(blob_, "<" + path + ".config.module>", ByteView(*owner), owner, "nested-pickle");
    }
  }

  // Any other base64 string that decodes to a pickle or a zip is queued.
  void String(const std::string& s, const std::string& path, const json* node) {
    if (handled_.count(node->get_ptr<const std::string*>())) return;
    if (s.find("enable_unsafe_deserialization") != std::string::npos || s == "safe_mode_saving") {
      ctx_.Report("KERAS-SAFE-MODE-OFF", Severity::kHigh, "Keras config mentions a safe-mode switch",
                  blob_.member, std::nullopt,
                  "The string at " + path + " names '" + s.substr(0, 80) +
                      "', which turns safe mode off for the rest of the process (CVE-2025-9906, CVE-2025-8747).",
                  {{"path", path}});
    }
    if (!LooksLikeBase64Text(s)) return;
    std::vector<std::uint8_t> head;
    DecodeBase64(s.substr(0, 8), &head, 6);
    const bool pickle = head.size() >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5;
    const bool zip = head.size() >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    if (!pickle && !zip) return;
    auto raw = std::make_shared<std::vector<std::uint8_t>>();
    if (!DecodeBase64(s, raw.get(), ctx_.limits().max_member_bytes) || !ctx_.ChargeDecompressed(raw->size(), blob_)) {
      return;
    }
    ctx_.Report("KERAS-EMBEDDED-PAYLOAD", Severity::kMedium, "Keras config embeds a base64 pickle or zip",
                blob_.member, std::nullopt,
                "The string at " + path + " decodes to a " + (pickle ? "pickle" : "zip archive") + " of " +
                    std::to_string(raw->size()) + " bytes. It was queued and analysed.",
                {{"path", path}, {"kind", pickle ? "pickle" : "zip"}});
    std::shared_ptr<const std::vector<std::uint8_t>> owner = raw;
    ctx_.EnqueueChild(blob_, "<" + path + ">", ByteView(*owner), owner, pickle ? "nested-pickle" : "");
  }

  const Blob& blob_;
  ScanContext& ctx_;
  std::set<const std::string*> handled_;  // base64 strings already decoded as Lambda/torch payloads
};

}  // namespace

void AnalyzeKerasConfig(const Blob& blob, ScanContext& ctx) {
  std::string_view text = AsStringView(blob.bytes);
  const std::size_t depth = JsonDepth(text, ctx.limits().max_json_depth);
  if (depth > ctx.limits().max_json_depth) {
    ctx.Report("KERAS-CONFIG-TOO-DEEP", Severity::kHigh, "Keras config nests deeper than the scanner reads",
               blob.member, std::nullopt,
               "The JSON nests more than " + std::to_string(ctx.limits().max_json_depth) +
                   " levels; it was not checked. Keras models nest a few dozen levels at most.",
               {{"limit", std::to_string(ctx.limits().max_json_depth)}});
    return;
  }
  json root = json::parse(text.begin(), text.end(), nullptr, false);
  if (root.is_discarded()) {
    ctx.Report("KERAS-CONFIG-INVALID", Severity::kHigh, "Keras config is not valid JSON", blob.member, std::nullopt,
               "The configuration could not be parsed as strict JSON. Python's json module also accepts NaN, "
               "Infinity and other extensions, so Keras may still load a model the scanner could not check.",
               {{"bytes", std::to_string(blob.bytes.size())}});
    return;
  }
  KerasConfigScan(blob, ctx).Run(root);
}

}  // namespace modelgate
