// ReadBoundedFile: reads a whole text file of at most `max_bytes`, for
// suites (a path the user gives) and claim files (inside an untrusted model
// folder, where symlinks are not followed: a submitted README.md linking to
// /dev/zero or to the host's files must not be read).
#ifndef MODELGATE_EVAL_SUITE_BOUNDED_FILE_H_
#define MODELGATE_EVAL_SUITE_BOUNDED_FILE_H_

#include <cstdint>
#include <string>

#include "modelgate/status.h"

namespace modelgate::eval {

// Fills *out with the file's bytes. kIOError when it cannot be opened or is
// not a regular file (or is a symlink and !follow_symlinks), kLimitExceeded
// when larger than max_bytes.
Status ReadBoundedFile(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks, std::string* out);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_BOUNDED_FILE_H_
