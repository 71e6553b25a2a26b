// One finding as the JSON object of the scan report schema
// (docs/schema/scan-report-v1.schema.json, "finding"), for other commands'
// JSON documents (diff, inspect) that carry findings.
#ifndef MODELGATE_REPORT_FINDING_JSON_H_
#define MODELGATE_REPORT_FINDING_JSON_H_

#include <nlohmann/json.hpp>

#include "modelgate/finding.h"

namespace modelgate {

using Json = nlohmann::ordered_json;

// Keys in a fixed order: id, severity, title, path, member, offset, detail,
// evidence (an object; repeated keys get "#2", "#3" suffixes).
Json FindingObject(const Finding& f);

}  // namespace modelgate

#endif  // MODELGATE_REPORT_FINDING_JSON_H_
