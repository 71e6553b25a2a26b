// See bounded_file.h. open(2) + fstat(2) on the same descriptor, so the
// checks apply to the file actually read.
#include "eval/suite/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace modelgate::eval {

Status ReadBoundedFile(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks, std::string* out) {
  out->clear();
  // O_NONBLOCK: opening a FIFO planted in a model folder must not hang.
  const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::IOError(fmt::format("{}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError(fmt::format("{}: not a regular file", path));
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::LimitExceeded(fmt::format("{}: {} bytes, more than the limit of {}", path, st.st_size, max_bytes));
  }
  out->resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out->size()) {
    const ssize_t n = ::read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::IOError(fmt::format("{}: {}", path, std::strerror(err)));
    }
    if (n == 0) break;  // shrank while reading
    done += static_cast<std::size_t>(n);
  }
  out->resize(done);
  ::close(fd);
  return Status::Ok();
}

}  // namespace modelgate::eval
