// Policy: which pickle globals are allowed, which are denied, and which are
// loaders whose byte arguments are nested pickles.
//
// The built-in policy is compiled from data/policy/{allowlist,denylist}.txt
// (one entry per line, each with a reason). Users extend or override it with
// their own file in the same format (`modelgate scan --policy FILE`):
//
//     # ACTION       PATTERN                       REASON
//     allow-class    mycompany.models.*            our own model classes
//     deny           mycompany.models.unsafe_fn    calls out to the shell
//
// ACTION is allow | allow-class | allow-loader | deny | deny-loader.
// PATTERN is "module.name" (exact) or "prefix.*" (the module, its submodules
// and all names in them, including dotted attribute walks). allow-class only
// matches names that look like classes (first letter upper case).
// The most specific pattern wins: exact over prefix, longer prefix over
// shorter; at equal specificity the later line (a user file) wins.
//
// Thread-safe once built (all lookups are const).
#ifndef MODELGATE_POLICY_H_
#define MODELGATE_POLICY_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "modelgate/status.h"

namespace modelgate {

enum class PolicyAction { kAllow, kAllowClass, kAllowLoader, kDeny, kDenyLoader };

struct PolicyRule {
  PolicyAction action = PolicyAction::kAllow;
  std::string pattern;  // as written
  std::string reason;
  std::string source;   // "builtin denylist:12" or "policy.txt:3"

  bool denies() const { return action == PolicyAction::kDeny || action == PolicyAction::kDenyLoader; }
  bool is_loader() const {
    return action == PolicyAction::kAllowLoader || action == PolicyAction::kDenyLoader;
  }
};

class Policy {
 public:
  Policy() = default;
  // Not copyable: rules are indexed by address.
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  // The built-in lists. Built once, on first use; thread-safe.
  static const Policy& Builtin();
  // A fresh copy of the built-in lists, to extend with AddRules (--policy).
  static std::unique_ptr<Policy> NewBuiltin();

  // Adds the rules in `text`. `source` names the text in messages. Returns
  // kInvalidArgument naming source:line for a malformed line (nothing is
  // added then).
  Status AddRules(std::string_view text, std::string_view source);

  // The rule deciding `module` + "." + `name`, or nullptr when no rule
  // matches. Python 2 module names are mapped first (__builtin__ -> builtins,
  // copy_reg -> copyreg, cPickle -> pickle, ...), as pickle's fix_imports does.
  const PolicyRule* Match(std::string_view module, std::string_view name) const;

  // Like Match on a full dotted path, but only consults deny rules; used to
  // resolve attribute walks ("serialization.os.system" reaches os.system).
  const PolicyRule* MatchDeny(std::string_view dotted) const;

  // True when the top-level package of `module` is in the Python standard
  // library (data/policy/stdlib_modules.txt).
  bool IsStdlib(std::string_view module) const;

  // Applies pickle's Python 2 -> 3 module renames (for matching and display).
  static std::string MapPython2Module(std::string_view module, std::string_view name);

  std::size_t size() const { return rules_.size(); }

 private:
  const PolicyRule* Lookup(std::string_view full, bool class_like, bool deny_only) const;

  // Hash and equality that accept string_view, so lookups do not allocate.
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using RuleIndex =
      std::unordered_map<std::string, std::vector<const PolicyRule*>, StringHash, std::equal_to<>>;

  std::vector<std::unique_ptr<PolicyRule>> rules_;
  // Exact "module.name" and prefix ("module" for "module.*") indices; each
  // vector holds candidates in insertion order (later wins).
  RuleIndex exact_;
  RuleIndex prefix_;
  // Patterns ending in a partial component ("torch._C._jit_*"), stored
  // without the '*', in insertion order.
  std::vector<std::pair<std::string, const PolicyRule*>> partial_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> stdlib_;
};

}  // namespace modelgate

#endif  // MODELGATE_POLICY_H_
