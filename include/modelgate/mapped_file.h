// MappedFile: the read-only bytes of one file.
//
// Large files are memory-mapped so that a multi-gigabyte checkpoint costs only
// the pages of its central directory and pickle members; files below
// kReadThreshold are read into memory instead, because for them one read()
// is cheaper than mmap + munmap (this matters when scanning thousands of
// small files). Not copyable: it owns the mapping or the buffer.
#ifndef MODELGATE_MAPPED_FILE_H_
#define MODELGATE_MAPPED_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "modelgate/byte_reader.h"
#include "modelgate/status.h"

namespace modelgate {

class MappedFile {
 public:
  // Maps `path` read-only. On failure returns kIOError naming the path and
  // the OS error.
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Valid until this object is destroyed.
  ByteView bytes() const { return ByteView(data_, size_); }

  static constexpr std::size_t kReadThreshold = 256 * 1024;

 private:
  MappedFile() = default;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::unique_ptr<std::uint8_t[]> buffer_;
};

}  // namespace modelgate

#endif  // MODELGATE_MAPPED_FILE_H_
