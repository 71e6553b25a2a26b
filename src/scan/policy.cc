// Policy parsing and matching. Lookups walk the dotted name from the longest
// prefix to the shortest, so cost is proportional to the number of dots, not
// to the number of rules.
#include "modelgate/policy.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace modelgate {

extern const char kBuiltinAllowlist[];
extern const char kBuiltinDenylist[];
extern const char kStdlibModules[];

namespace {

bool ParseAction(std::string_view word, PolicyAction* out) {
  if (word == "allow") *out = PolicyAction::kAllow;
  else if (word == "allow-class") *out = PolicyAction::kAllowClass;
  else if (word == "allow-loader") *out = PolicyAction::kAllowLoader;
  else if (word == "deny") *out = PolicyAction::kDeny;
  else if (word == "deny-loader") *out = PolicyAction::kDenyLoader;
  else return false;
  return true;
}

std::string_view NextWord(std::string_view* line) {
  std::size_t b = 0;
  while (b < line->size() && std::isspace(static_cast<unsigned char>((*line)[b]))) ++b;
  std::size_t e = b;
  while (e < line->size() && !std::isspace(static_cast<unsigned char>((*line)[e]))) ++e;
  std::string_view w = line->substr(b, e - b);
  line->remove_prefix(e);
  return w;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ValidPattern(std::string_view p) {
  if (p.empty()) return false;
  for (char c : p) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '*')) return false;
  }
  std::size_t star = p.find('*');
  // Only a trailing ".*" (or a trailing "*" inside the last component, e.g.
  // "torch._C._jit_*") is supported.
  return star == std::string_view::npos || star == p.size() - 1;
}

bool LooksLikeClass(std::string_view name) {
  std::size_t dot = name.rfind('.');
  std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return !last.empty() && std::isupper(static_cast<unsigned char>(last.front()));
}

}  // namespace

Status Policy::AddRules(std::string_view text, std::string_view source) {
  std::vector<std::unique_ptr<PolicyRule>> added;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    std::string where = std::string(source) + ":" + std::to_string(line_no);
    auto rule = std::make_unique<PolicyRule>();
    std::string_view action = NextWord(&line);
    std::string_view pattern = NextWord(&line);
    if (!ParseAction(action, &rule->action)) {
      return Status::InvalidArgument(where + ": unknown action '" + std::string(action) +
                                     "' (expected allow, allow-class, allow-loader, deny, deny-loader)");
    }
    if (!ValidPattern(pattern)) {
      return Status::InvalidArgument(where + ": bad pattern '" + std::string(pattern) +
                                     "' (expected module.name or module.*)");
    }
    rule->pattern = std::string(pattern);
    rule->reason = std::string(Trim(line));
    rule->source = where;
    added.push_back(std::move(rule));
  }
  for (auto& rule : added) {
    const std::string& p = rule->pattern;
    if (p.size() >= 2 && p.compare(p.size() - 2, 2, ".*") == 0) {
      prefix_[p.substr(0, p.size() - 2)].push_back(rule.get());
    } else if (p.back() == '*') {
      // "torch._C._jit_*": a prefix of the last component.
      partial_.emplace_back(p.substr(0, p.size() - 1), rule.get());
    } else {
      exact_[p].push_back(rule.get());
    }
    rules_.push_back(std::move(rule));
  }
  return Status::Ok();
}

const PolicyRule* Policy::Lookup(std::string_view full, bool class_like, bool deny_only) const {
  auto usable = [&](const PolicyRule* r) {
    return (!deny_only || r->denies()) && (r->action != PolicyAction::kAllowClass || class_like);
  };
  auto pick = [&](const std::vector<const PolicyRule*>& candidates) -> const PolicyRule* {
    for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
      if (usable(*it)) return *it;
    }
    return nullptr;
  };
  if (auto it = exact_.find(full); it != exact_.end()) {
    if (const PolicyRule* r = pick(it->second)) return r;
  }
  // The longest partial-component pattern that matches ("torch._C._jit_*");
  // it competes with the dotted prefixes by length.
  const PolicyRule* partial = nullptr;
  std::size_t partial_len = 0;
  for (const auto& [text, rule] : partial_) {
    if (text.size() >= partial_len && full.substr(0, text.size()) == text && usable(rule)) {
      partial = rule;
      partial_len = text.size();
    }
  }
  // Longest prefix first: "a.b.c" tries "a.b.c" (for "a.b.c.*"), "a.b", "a".
  std::size_t end = full.size();
  for (;;) {
    std::string_view head = full.substr(0, end);
    if (partial != nullptr && partial_len > head.size()) return partial;
    if (auto it = prefix_.find(head); it != prefix_.end()) {
      if (const PolicyRule* r = pick(it->second)) return r;
    }
    std::size_t dot = head.rfind('.');
    if (dot == std::string_view::npos) break;
    end = dot;
  }
  return partial;
}

std::string Policy::MapPython2Module(std::string_view module, std::string_view name) {
  // The subset of Lib/_compat_pickle.py IMPORT_MAPPING/NAME_MAPPING that
  // matters for security decisions.
  static const std::pair<std::string_view, std::string_view> kModules[] = {
      {"__builtin__", "builtins"}, {"copy_reg", "copyreg"}, {"cPickle", "pickle"},
      {"commands", "subprocess"},  {"urllib2", "urllib.request"}, {"httplib", "http.client"},
      {"thread", "_thread"},       {"Queue", "queue"},      {"SocketServer", "socketserver"},
      {"StringIO", "io"},          {"cStringIO", "io"},     {"UserDict", "collections"},
      {"UserList", "collections"}, {"UserString", "collections"}, {"exceptions", "builtins"},
      {"xmlrpclib", "xmlrpc.client"}, {"BaseHTTPServer", "http.server"},
      {"SimpleHTTPServer", "http.server"}, {"CGIHTTPServer", "http.server"}, {"urlparse", "urllib.parse"},
  };
  if (module == "__builtin__" && name == "reduce") return "functools";
  if (module == "__builtin__" && name == "intern") return "sys";
  for (const auto& [from, to] : kModules) {
    if (module == from) return std::string(to);
  }
  return std::string(module);
}

const PolicyRule* Policy::Match(std::string_view module, std::string_view name) const {
  std::string full = MapPython2Module(module, name);
  full.push_back('.');
  full.append(name);
  return Lookup(full, LooksLikeClass(name), false);
}

const PolicyRule* Policy::MatchDeny(std::string_view dotted) const {
  return Lookup(dotted, LooksLikeClass(dotted), true);
}

bool Policy::IsStdlib(std::string_view module) const {
  std::size_t dot = module.find('.');
  return stdlib_.find(module.substr(0, dot)) != stdlib_.end();
}

std::unique_ptr<Policy> Policy::NewBuiltin() {
  auto p = std::make_unique<Policy>();
  // The built-in data is tested (policy_test.cc); a parse error here is a
  // build defect, so fail loudly rather than run without a denylist.
  Status s = p->AddRules(kBuiltinAllowlist, "builtin allowlist");
  if (s.ok()) s = p->AddRules(kBuiltinDenylist, "builtin denylist");
  if (!s.ok()) {
    std::fprintf(stderr, "modelgate: %s\n", s.ToString().c_str());
    std::abort();
  }
  std::string_view text = kStdlibModules;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.front() != '#') p->stdlib_.insert(std::string(line));
  }
  return p;
}

const Policy& Policy::Builtin() {
  static const Policy* policy = NewBuiltin().release();
  return *policy;
}

}  // namespace modelgate
