// SuiteSchema: checks a suite, already read into DocNodes, against the
// format of suite.h / docs/eval/suites.md and fills a Suite. Shared by the
// YAML and JSONL readers. Unknown keys are errors: a typo in a security
// suite ("bandit_test") must not silently disable a check.
#ifndef MODELGATE_EVAL_SUITE_SUITE_SCHEMA_H_
#define MODELGATE_EVAL_SUITE_SUITE_SCHEMA_H_

#include <string>
#include <unordered_set>

#include "eval/suite/suite.h"
#include "eval/suite/suite_doc.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

class SuiteSchema {
 public:
  // `suite` must outlive this object; `source` names the file in messages.
  SuiteSchema(const std::string& source, const Limits& limits, Suite* suite)
      : source_(source), limits_(limits), suite_(suite) {}

  // Reads the header object (everything but `cases`; `cases` is accepted
  // only when `allow_cases`, and then left to the caller).
  Status Header(const DocNode& node, bool allow_cases);
  // Reads one case and appends it. REQUIRES: Header() succeeded.
  Status Case(const DocNode& node);

 private:
  Status Error(const DocNode& node, const std::string& message) const;
  Status Keys(const DocNode& node, std::initializer_list<const char*> allowed, const char* what) const;
  Status Text(const DocNode& node, std::string* out) const;
  Status Bool(const DocNode& node, bool* out) const;
  Status Unsigned(const DocNode& node, std::uint64_t* out) const;
  Status Number(const DocNode& node, double* out) const;
  Status TextList(const DocNode& node, std::vector<std::string>* out) const;
  Status ReadDecoding(const DocNode& node, Decoding* out) const;
  Status ReadMetric(const DocNode& node);
  Status ReadClaim(const DocNode& node);
  Status ReadProbe(const DocNode& node);
  Status ReadCheck(const DocNode& node, Check* out) const;
  Status DeclaredMetric(const DocNode& node, const std::string& name) const;

  const std::string& source_;
  const Limits& limits_;
  Suite* suite_;
  std::unordered_set<std::string> case_ids_;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_SUITE_SCHEMA_H_
