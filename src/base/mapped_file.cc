#include "modelgate/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace modelgate {

namespace {
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};
}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang the scanner (we reject non-regular files below).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::IOError(path + ": " + std::strerror(errno));
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::IOError(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + ": not a regular file");
  std::unique_ptr<MappedFile> file(new MappedFile());
  std::size_t size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return file;
  if (size < kReadThreshold) {
    file->buffer_.reset(new std::uint8_t[size]);
    std::size_t got = 0;
    while (got < size) {
      ssize_t n = ::pread(fd, file->buffer_.get() + got, size - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IOError(path + ": read: " + std::strerror(errno));
      if (n == 0) break;  // file shrank while we read it: scan what is there
      got += static_cast<std::size_t>(n);
    }
    file->data_ = file->buffer_.get();
    file->size_ = got;
    return file;
  }
  // Files up to kPopulateLimit are usually read end to end (a pickle is
  // decoded whole): populate the mapping in one call instead of thousands
  // of page faults. Larger files (checkpoints) are touched sparsely.
  constexpr std::size_t kPopulateLimit = 64u << 20;
  int flags = MAP_PRIVATE | (size <= kPopulateLimit ? MAP_POPULATE : 0);
  void* p = ::mmap(nullptr, size, PROT_READ, flags, fd, 0);
  if (p == MAP_FAILED) return Status::IOError(path + ": mmap: " + std::strerror(errno));
  file->data_ = static_cast<const std::uint8_t*>(p);
  file->size_ = size;
  file->mapped_ = true;
  return file;
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace modelgate
