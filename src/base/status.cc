#include "modelgate/status.h"

namespace modelgate {

std::string Status::ToString() const {
  const char* prefix = "OK";
  switch (code_) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCorruption: prefix = "corruption"; break;
    case StatusCode::kNotSupported: prefix = "not supported"; break;
    case StatusCode::kInvalidArgument: prefix = "invalid argument"; break;
    case StatusCode::kIOError: prefix = "I/O error"; break;
    case StatusCode::kLimitExceeded: prefix = "limit exceeded"; break;
  }
  return std::string(prefix) + ": " + message_;
}

}  // namespace modelgate
