// RFC 3339 timestamps in UTC with whole seconds ("2026-11-22T05:00:00Z"), as
// in-toto statements and CycloneDX metadata write them.
#ifndef MODELGATE_BASE_RFC3339_H_
#define MODELGATE_BASE_RFC3339_H_

#include <string>

namespace modelgate {

std::string NowRfc3339();

}  // namespace modelgate

#endif  // MODELGATE_BASE_RFC3339_H_
