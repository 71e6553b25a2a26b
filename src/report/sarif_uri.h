// Internal to src/report/: how a file path becomes a SARIF artifact URI.
#ifndef MODELGATE_REPORT_SARIF_URI_H_
#define MODELGATE_REPORT_SARIF_URI_H_

#include <string>
#include <string_view>

namespace modelgate::report_internal {

// Relative paths stay relative (code scanning resolves them against the
// repository root), with '\' turned into '/', leading "./" dropped and every
// byte outside RFC 3986 unreserved characters and '/' percent-encoded (so
// arbitrary bytes, including invalid UTF-8, yield a valid URI). Absolute
// paths become file:// URIs ("/x" -> "file:///x", "C:\x" -> "file:///C:/x").
std::string SarifArtifactUri(std::string_view path);

}  // namespace modelgate::report_internal

#endif  // MODELGATE_REPORT_SARIF_URI_H_
