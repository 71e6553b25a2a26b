// AnalyzeChatTemplate: finds server-side template injection in Jinja chat
// templates (GGUF tokenizer.chat_template, tokenizer_config.json
// chat_template).
//
// Why: llama-cpp-python < 0.2.72 rendered GGUF chat templates with a plain
// jinja2.Environment (CVE-2024-34359), so a template that walks
// `''.__class__.__mro__[1].__subclasses__()` or
// `lipsum.__globals__.os.popen(...)` ran code when the model was loaded.
// transformers uses ImmutableSandboxedEnvironment; minja, jinja2cpp and
// Python services differ. So everything Jinja's sandbox refuses is flagged,
// whatever the runtime.
//
// How: the template is tokenized by the Jinja lexer (escapes decoded as
// Jinja decodes them), then each {{ }} / {% %} tag is inspected for
//   - attribute / subscript / |attr / attribute= access to names starting
//     with '_' (the sandbox's rule) and names that walk to code (os, popen,
//     mro, subclasses, globals, builtins ...);
//   - constant string constructions (folded, see chat_template_fold.h) that
//     spell such names, and any literal or identifier containing "__";
//   - |attr with a computed name, constructions feeding subscripts;
//   - Jinja's known escape gadgets (lipsum, cycler, joiner, self, config,
//     request, url_for, get_flashed_messages);
//   - .format / .format_map on strings (the sandbox wraps them: format
//     fields can walk attributes);
//   - {% import / include / extends / from %} (template loading);
//   - templates beyond the size or nesting limits, and syntax errors.
// Severity (docs/formats/jinja.md): walks towards code are critical, dynamic
// names and unusual constructs high, template loading and syntax errors
// medium. Benign chat templates use none of these.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/jinja/jinja_lexer.h"
#include "scan/analyzers.h"
#include "scan/chat_template_fold.h"

namespace modelgate {
namespace {

using Tokens = std::vector<JinjaToken>;

bool HasDunder(const std::string& s) { return s.find("__") != std::string::npos; }

// Names whose access leads to code or the interpreter's internals.
bool IsCodeWalkName(const std::string& n) {
  static const std::set<std::string> kWalk = {"os",      "popen",       "subprocess", "builtins", "eval",
                                              "exec",    "globals",     "subclasses", "mro",      "import",
                                              "getattr", "check_output", "spawn",     "execv",    "execve",
                                              "f_globals", "f_back",    "gi_frame",   "co_code",  "func_globals"};
  return kWalk.count(n) != 0;
}

// Objects Jinja (and Flask) put in every template's namespace whose
// attributes reach Python globals.
bool IsGadgetGlobal(const std::string& n) {
  static const std::set<std::string> kGadgets = {"lipsum", "cycler",  "joiner",  "self",
                                                 "config", "request", "url_for", "get_flashed_messages"};
  return kGadgets.count(n) != 0;
}

bool IsOp(const Tokens& t, std::size_t i, std::size_t end, const char* op) {
  return i < end && t[i].kind == JinjaTokenKind::kOperator && t[i].value == op;
}
bool IsName(const Tokens& t, std::size_t i, std::size_t end, const char* name) {
  return i < end && t[i].kind == JinjaTokenKind::kName && t[i].value == name;
}
// True when token i ends an operand (so a following '[' subscripts it).
bool EndsValue(const JinjaToken& k) {
  static const std::set<std::string> kKeywords = {"in", "and", "or", "not", "is", "if", "else", "elif", "for", "set",
                                                  "with", "import", "as", "from", "include", "extends"};
  if (k.kind == JinjaTokenKind::kName) return kKeywords.count(k.value) == 0;
  if (k.kind == JinjaTokenKind::kString || k.kind == JinjaTokenKind::kNumber) return true;
  return k.kind == JinjaTokenKind::kOperator && (k.value == ")" || k.value == "]" || k.value == "}");
}
// Index of the bracket closing the one at `open`, or `end`.
std::size_t MatchClose(const Tokens& t, std::size_t open, std::size_t end) {
  int depth = 0;
  for (std::size_t i = open; i < end; ++i) {
    if (t[i].kind != JinjaTokenKind::kOperator) continue;
    const std::string& v = t[i].value;
    if (v == "(" || v == "[" || v == "{") ++depth;
    if (v == ")" || v == "]" || v == "}") {
      if (--depth == 0) return i;
    }
  }
  return end;
}
// Tokens [b, e) are one or more adjacent string literals.
bool AllStrings(const Tokens& t, std::size_t b, std::size_t e) {
  if (b >= e) return false;
  for (std::size_t i = b; i < e; ++i) {
    if (t[i].kind != JinjaTokenKind::kString) return false;
  }
  return true;
}
std::string Concat(const Tokens& t, std::size_t b, std::size_t e) {
  std::string s;
  for (std::size_t i = b; i < e; ++i) s += t[i].value;
  return s;
}
// Printable form of a decoded name for evidence (control bytes escaped).
std::string Shown(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class TemplateInspector {
 public:
  TemplateInspector(std::string_view text, const Blob& at, const std::string& where, ScanContext& ctx)
      : text_(text), at_(at), where_(where), ctx_(ctx) {}

  void Run();

 private:
  void Issue(const char* id, Severity sev, const std::string& title, const JinjaToken& tok, const std::string& name,
             const std::string& detail) {
    std::string loc = std::to_string(tok.line) + ":" + std::to_string(tok.column);
    if (!reported_.insert(std::string(id) + "@" + loc + "#" + name).second) return;
    std::string construct(text_.substr(tok.offset, 100));
    std::size_t nl = construct.find('\n');
    if (nl != std::string::npos) construct.resize(nl);
    std::vector<std::pair<std::string, std::string>> ev = {
        {"template", where_}, {"at", loc}, {"construct", Shown(construct)}};
    if (!name.empty()) ev.emplace_back("name", Shown(name));
    ctx_.Report(id, sev, title, at_.member, std::nullopt,
                "In the chat template " + where_ + " at line " + loc + ": " + detail, std::move(ev));
  }

  // An attribute name reached through `via` (attribute, subscript, |attr ...).
  void Access(const std::string& name, const std::string& via, const JinjaToken& tok, bool called) {
    if (HasDunder(name)) {
      Issue("JINJA-DUNDER-ACCESS", Severity::kCritical, "Chat template reaches a Python internal (" + Shown(name) + ")",
            tok, name,
            via + " access to '" + Shown(name) +
                "'. Jinja's sandbox refuses it; an unsandboxed renderer (llama-cpp-python < 0.2.72, CVE-2024-34359) "
                "walks from here to Python's globals and runs code when the model is loaded.");
    } else if (!name.empty() && name[0] == '_') {
      Issue("JINJA-PRIVATE-ACCESS", Severity::kHigh, "Chat template reads a private attribute (" + Shown(name) + ")",
            tok, name, via + " access to '" + Shown(name) + "', which Jinja's sandbox refuses. No chat template needs it.");
    }
    if (IsCodeWalkName(name) || (name == "system" && called) || (name == "__import__")) {
      Issue("JINJA-CODE-WALK", Severity::kCritical, "Chat template walks to code execution (" + Shown(name) + ")", tok,
            name,
            via + " access to '" + Shown(name) +
                "': the names of Python's code-execution and introspection machinery. An unsandboxed renderer runs "
                "it when the model is loaded.");
    }
  }

  void InspectTag(std::size_t b, std::size_t e, bool block);
  void InspectSubscript(std::size_t open, std::size_t close);
  void InspectAttrFilter(std::size_t bar, std::size_t e);
  void InspectAttributeArgs(std::size_t bar, std::size_t e);
  void InspectFormat(std::size_t dot, std::size_t e);
  void InspectConstruction(const FoldedString& f, const JinjaToken& tok, bool feeds_access);

  std::string_view text_;
  const Blob& at_;
  const std::string& where_;
  ScanContext& ctx_;
  Tokens t_;
  std::set<std::string> reported_;
  std::set<std::size_t> consumed_strings_;
  std::size_t folded_until_ = 0;  // literals already judged as access names
};

void TemplateInspector::InspectConstruction(const FoldedString& f, const JinjaToken& tok, bool feeds_access) {
  std::vector<std::string> values = f.is_list ? f.list : std::vector<std::string>{f.value};
  for (const std::string& v : values) {
    bool risky = HasDunder(v) || (!v.empty() && v[0] == '_') || IsCodeWalkName(v);
    if (f.operations > 0 && risky) {
      Issue("JINJA-CONSTRUCTED-NAME", Severity::kCritical, "Chat template assembles the name '" + Shown(v) + "'", tok,
            v,
            "a string built from pieces (" + f.how + ") spells '" + Shown(v) +
                "': the way SSTI payloads hide Python internals from filters. An unsandboxed renderer uses it to "
                "walk to code.");
      return;
    }
  }
  if (feeds_access && f.operations > 0) {
    Issue("JINJA-CONSTRUCTED-NAME", Severity::kHigh, "Chat template builds an attribute name", tok, f.value,
          "an attribute or key name is assembled (" + f.how + ") instead of written out; no chat template needs that.");
  }
}

void TemplateInspector::InspectSubscript(std::size_t open, std::size_t close) {
  std::size_t b = open + 1;
  if (AllStrings(t_, b, close)) {
    for (std::size_t i = b; i < close; ++i) consumed_strings_.insert(i);
    if (close - b > 1) InspectConstruction(FoldConstantString(t_, b, close), t_[b], true);
    Access(Concat(t_, b, close), "Subscript", t_[b], IsOp(t_, close + 1, t_.size(), "("));
    return;
  }
  FoldedString f = FoldConstantString(t_, b, close);
  if (f.ok && f.end == close) {
    for (std::size_t i = b; i < close; ++i) consumed_strings_.insert(i);
    InspectConstruction(f, t_[b], true);
    if (!f.is_list) Access(f.value, "Subscript (constructed)", t_[b], IsOp(t_, close + 1, t_.size(), "("));
    return;
  }
  // A partly computed key: flag string building inside the brackets.
  bool has_string = false, builds = false;
  for (std::size_t i = b; i < close; ++i) {
    if (t_[i].kind == JinjaTokenKind::kString) has_string = true;
    if (t_[i].kind == JinjaTokenKind::kOperator && (t_[i].value == "~" || t_[i].value == "%")) builds = true;
    if (IsOp(t_, i, close, "|") && i + 1 < close && t_[i + 1].kind == JinjaTokenKind::kName) {
      const std::string& fl = t_[i + 1].value;
      if (fl == "join" || fl == "format" || fl == "reverse" || fl == "replace") builds = true;
    }
  }
  if (has_string && builds) {
    Issue("JINJA-CONSTRUCTED-NAME", Severity::kHigh, "Chat template computes a subscript from strings", t_[b], "",
          "a key is assembled from string pieces at render time; the scanner cannot tell which attribute it names.");
  }
}

void TemplateInspector::InspectAttrFilter(std::size_t bar, std::size_t e) {
  const JinjaToken& name_tok = t_[bar + 1];
  std::size_t open = bar + 2;
  if (!IsOp(t_, open, e, "(")) {
    Issue("JINJA-DYNAMIC-ATTRIBUTE", Severity::kHigh, "Chat template uses |attr", name_tok, "",
          "the attr filter without an argument list; Jinja raises, but no chat template uses |attr.");
    return;
  }
  std::size_t close = MatchClose(t_, open, e);
  std::size_t b = open + 1;
  bool called = IsOp(t_, close + 1, e, "(");
  if (AllStrings(t_, b, close)) {
    for (std::size_t i = b; i < close; ++i) consumed_strings_.insert(i);
    Access(Concat(t_, b, close), "|attr()", t_[b], called);
    return;
  }
  FoldedString f = FoldConstantString(t_, b, close);
  if (f.ok && !f.is_list && f.end == close) {
    for (std::size_t i = b; i < close; ++i) consumed_strings_.insert(i);
    InspectConstruction(f, t_[b], true);
    Access(f.value, "|attr() (constructed)", t_[b], called);
    return;
  }
  Issue("JINJA-DYNAMIC-ATTRIBUTE", Severity::kHigh, "Chat template reads an attribute whose name is computed",
        name_tok, "",
        "|attr() with a name computed at render time: the scanner cannot see which attribute is read, and SSTI "
        "payloads use exactly this to reach __globals__ past filters.");
}

// map/selectattr/rejectattr/sort/groupby/sum/unique/min/max take attribute
// names (dotted paths) that Jinja resolves with getattr.
void TemplateInspector::InspectAttributeArgs(std::size_t bar, std::size_t e) {
  const std::string& f = t_[bar + 1].value;
  std::size_t open = bar + 2;
  if (!IsOp(t_, open, e, "(")) return;
  std::size_t close = MatchClose(t_, open, e);
  bool positional_attr = f == "selectattr" || f == "rejectattr" || f == "groupby";
  auto check_path = [&](std::size_t b, std::size_t stop) {
    if (AllStrings(t_, b, stop)) {
      for (std::size_t i = b; i < stop; ++i) consumed_strings_.insert(i);
      std::string path = Concat(t_, b, stop);
      std::size_t start = 0;
      while (start <= path.size()) {
        std::size_t dot = path.find('.', start);
        if (dot == std::string::npos) dot = path.size();
        Access(path.substr(start, dot - start), "|" + f + " attribute", t_[b], false);
        start = dot + 1;
      }
    } else if (b < stop) {
      Issue("JINJA-DYNAMIC-ATTRIBUTE", Severity::kHigh, "Chat template passes a computed attribute name to |" + f,
            t_[b], "", "|" + f + " resolves the attribute name with getattr; here the name is computed at render time.");
    }
  };
  // Walk the top-level arguments.
  std::size_t i = open + 1, index = 0;
  while (i < close) {
    std::size_t arg_end = i;
    int depth = 0;
    for (; arg_end < close; ++arg_end) {
      const JinjaToken& k = t_[arg_end];
      if (k.kind == JinjaTokenKind::kOperator) {
        if (k.value == "(" || k.value == "[" || k.value == "{") ++depth;
        if (k.value == ")" || k.value == "]" || k.value == "}") --depth;
        if (depth == 0 && k.value == ",") break;
      }
    }
    if (IsName(t_, i, close, "attribute") && IsOp(t_, i + 1, close, "=")) {
      check_path(i + 2, arg_end);
    } else if (index == 0 && positional_attr) {
      check_path(i, arg_end);
    }
    ++index;
    i = arg_end + 1;
  }
}

void TemplateInspector::InspectFormat(std::size_t dot, std::size_t e) {
  const JinjaToken& m = t_[dot + 1];
  bool literal = dot > 0 && t_[dot - 1].kind == JinjaTokenKind::kString;
  if (!literal) {
    Issue("JINJA-STRING-FORMAT", Severity::kHigh, "Chat template calls ." + m.value + " on a computed string", m, "",
          "str." + m.value + " fields can read attributes ({0.__class__}); Jinja's sandbox has to intercept it, "
          "other renderers do not. No chat template needs it.");
    return;
  }
  const std::string& fmt = t_[dot - 1].value;
  bool walks = false;
  for (std::size_t i = fmt.find('{'); i != std::string::npos; i = fmt.find('{', i + 1)) {
    std::size_t close = fmt.find('}', i);
    if (close == std::string::npos) break;
    std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.find_first_of(".[") != std::string::npos) walks = true;
  }
  (void)e;
  if (walks) {
    Issue("JINJA-STRING-FORMAT", HasDunder(fmt) ? Severity::kCritical : Severity::kHigh,
          "Chat template format string reads attributes", m, fmt,
          "the format string's fields read attributes or items of its arguments ('" + Shown(fmt) +
              "'); an unsandboxed renderer follows them anywhere.");
  } else {
    Issue("JINJA-STRING-FORMAT", Severity::kMedium, "Chat template calls ." + m.value + " on a string", m, "",
          "str." + m.value + " is intercepted by Jinja's sandbox; here the fields are plain.");
  }
}

void TemplateInspector::InspectTag(std::size_t b, std::size_t e, bool block) {
  if (block && b < e && t_[b].kind == JinjaTokenKind::kName) {
    const std::string& tag = t_[b].value;
    if (tag == "import" || tag == "include" || tag == "extends" || tag == "from") {
      Issue("JINJA-TEMPLATE-LOADING", Severity::kMedium, "Chat template loads another template ({% " + tag + " %})",
            t_[b], "",
            "{% " + tag + " %} makes the renderer load a template by name through its loader; chat templates are "
            "self-contained, and with a file-system loader this reads other files.");
    }
  }
  for (std::size_t i = b; i < e; ++i) {
    const JinjaToken& k = t_[i];
    if (k.kind == JinjaTokenKind::kOperator) {
      if (k.value == "." && i + 1 < e && t_[i + 1].kind == JinjaTokenKind::kName) {
        const std::string& attr = t_[i + 1].value;
        Access(attr, "Attribute", t_[i + 1], IsOp(t_, i + 2, e, "("));
        if ((attr == "format" || attr == "format_map") && IsOp(t_, i + 2, e, "(")) InspectFormat(i, e);
      } else if (k.value == "[" && i > b && EndsValue(t_[i - 1])) {
        std::size_t close = MatchClose(t_, i, e);
        if (close < e) InspectSubscript(i, close);
      } else if (k.value == "|" && i + 1 < e && t_[i + 1].kind == JinjaTokenKind::kName) {
        const std::string& f = t_[i + 1].value;
        if (f == "attr") {
          InspectAttrFilter(i, e);
        } else if (f == "map" || f == "selectattr" || f == "rejectattr" || f == "sort" || f == "groupby" ||
                   f == "sum" || f == "unique" || f == "min" || f == "max") {
          InspectAttributeArgs(i, e);
        }
      }
      continue;
    }
    if (k.kind == JinjaTokenKind::kName) {
      bool after_dot = i > b && IsOp(t_, i - 1, e, ".");
      bool after_bar = i > b && IsOp(t_, i - 1, e, "|");
      bool after_is = i > b && (IsName(t_, i - 1, e, "is") || IsName(t_, i - 1, e, "not"));
      if (!after_dot && HasDunder(k.value)) {
        Issue("JINJA-DUNDER-LITERAL", Severity::kHigh, "Chat template uses the name " + Shown(k.value), k, k.value,
              "an identifier containing '__'; Python internals are spelled this way and no chat template needs one.");
      }
      if (!after_dot && !after_bar && !after_is && IsGadgetGlobal(k.value) && !IsOp(t_, i + 1, e, "=") &&
          !(i > b && (IsName(t_, i - 1, e, "set") || IsName(t_, i - 1, e, "for") || IsName(t_, i - 1, e, "macro")))) {
        bool walked = IsOp(t_, i + 1, e, ".") || IsOp(t_, i + 1, e, "[") ||
                      (IsOp(t_, i + 1, e, "|") && IsName(t_, i + 2, e, "attr"));
        if (walked) {
          Issue("JINJA-GADGET-GLOBAL", Severity::kCritical, "Chat template walks from the '" + k.value + "' global", k,
                k.value,
                "'" + k.value + "' is a Jinja/Flask global whose attributes lead to Python globals (the classic "
                "SSTI gadget, e.g. lipsum.__globals__.os); an unsandboxed renderer runs code from here.");
        } else {
          Issue("JINJA-GADGET-GLOBAL", Severity::kMedium, "Chat template references the '" + k.value + "' global", k,
                k.value, "'" + k.value + "' is a known SSTI gadget object; chat templates do not use it.");
        }
      }
      if (!after_dot && (k.value == "dict") && IsOp(t_, i + 1, e, "(")) {
        FoldedString f = FoldConstantString(t_, i, e);
        if (f.ok) InspectConstruction(f, k, false);
      }
      continue;
    }
    if (k.kind == JinjaTokenKind::kString) {
      if (k.unknown_named_escape) {
        Issue("JINJA-UNDECODED-ESCAPE", Severity::kHigh, "Chat template string uses a \\N{...} escape", k, "",
              "a named Unicode escape the scanner does not decode; Python does, so the string's value is unknown here.");
      }
      // Only the start of a run of adjacent literals begins a construction.
      if (i > b && t_[i - 1].kind == JinjaTokenKind::kString) continue;
      std::size_t run_end = i;
      while (run_end < e && t_[run_end].kind == JinjaTokenKind::kString) ++run_end;
      std::string joined = Concat(t_, i, run_end);
      bool consumed = consumed_strings_.count(i) != 0;
      if (i >= folded_until_) {
        FoldedString f = FoldConstantString(t_, i, e);
        if (f.ok) {
          InspectConstruction(f, k, false);
          folded_until_ = f.end;  // strings inside were part of this fold: O(n) overall
        }
      }
      if (!consumed && HasDunder(joined)) {
        bool raw_has = false;
        for (std::size_t j = i; j < run_end; ++j) raw_has |= t_[j].raw.find("__") != std::string::npos;
        bool hidden = !raw_has;  // escapes or literal concatenation produced the "__"
        Issue("JINJA-DUNDER-LITERAL", hidden ? Severity::kCritical : Severity::kHigh,
              hidden ? "Chat template hides '__' in a string literal" : "Chat template string contains '__'", k, joined,
              std::string(hidden ? "escape sequences or adjacent literals spell '" : "the literal '") + Shown(joined) +
                  "'" + (hidden ? ", hiding a Python internal's name from filters; payloads pass it to |attr or []."
                                : "; Python internals are spelled with '__' and no chat template needs it."));
      }
      continue;
    }
  }
}

void TemplateInspector::Run() {
  std::string_view text = text_;
  const Limits& lim = ctx_.limits();
  JinjaToken whole;
  if (text.size() > lim.max_chat_template_bytes) {
    Issue("JINJA-TOO-LARGE", Severity::kHigh, "Chat template larger than the scanner analyses", whole, "",
          std::to_string(text.size()) + " bytes; only the first " + std::to_string(lim.max_chat_template_bytes) +
              " were analysed. Real chat templates are a few KB.");
    text = text.substr(0, lim.max_chat_template_bytes);
  }
  JinjaLexResult lex = LexJinja(text, lim);
  t_ = std::move(lex.tokens);
  if (lex.status != JinjaLexStatus::kOk) {
    JinjaToken at;
    at.line = lex.error_line;
    at.column = lex.error_column;
    bool nesting = lex.status == JinjaLexStatus::kNestingLimit;
    Issue(nesting ? "JINJA-NESTING-LIMIT" : "JINJA-SYNTAX-ERROR", nesting ? Severity::kHigh : Severity::kMedium,
          nesting ? "Chat template nests deeper than the scanner analyses" : "Chat template does not compile", at, "",
          lex.error + (nesting ? ". The rest of the template was not analysed."
                               : ". Jinja refuses the template, so nothing in it renders; the tokens before the error "
                                 "were analysed."));
  }
  // Tags, and block nesting ({% if %} ... {% endif %}).
  static const std::set<std::string> kOpeners = {"if", "for", "macro", "call", "filter", "with", "block", "autoescape"};
  std::uint32_t depth = 0;
  bool depth_reported = false;
  for (std::size_t i = 0; i < t_.size(); ++i) {
    JinjaTokenKind k = t_[i].kind;
    if (k != JinjaTokenKind::kVariableBegin && k != JinjaTokenKind::kBlockBegin) continue;
    bool block = k == JinjaTokenKind::kBlockBegin;
    std::size_t e = i + 1;
    while (e < t_.size() && t_[e].kind != JinjaTokenKind::kVariableEnd && t_[e].kind != JinjaTokenKind::kBlockEnd) ++e;
    if (block && i + 1 < e && t_[i + 1].kind == JinjaTokenKind::kName) {
      const std::string& tag = t_[i + 1].value;
      bool set_block = tag == "set" && [&] {
        for (std::size_t j = i + 2; j < e; ++j) {
          if (IsOp(t_, j, e, "=")) return false;
        }
        return true;
      }();
      if (kOpeners.count(tag) != 0 || set_block) {
        if (++depth > lim.max_jinja_nesting && !depth_reported) {
          depth_reported = true;
          Issue("JINJA-NESTING-LIMIT", Severity::kHigh, "Chat template nests blocks deeper than the scanner expects",
                t_[i + 1], "",
                "more than " + std::to_string(lim.max_jinja_nesting) +
                    " nested blocks; real chat templates nest a handful. Deep nesting exhausts Jinja's recursive "
                    "parser.");
        }
      } else if (tag.compare(0, 3, "end") == 0 && depth > 0) {
        --depth;
      }
    }
    InspectTag(i + 1, e, block);
    i = e;
  }
}

}  // namespace

void AnalyzeChatTemplate(std::string_view template_text, const Blob& at, const std::string& where, ScanContext& ctx) {
  TemplateInspector(template_text, at, where, ctx).Run();
}

}  // namespace modelgate
