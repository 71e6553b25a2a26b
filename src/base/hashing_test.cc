#include "base/hashing.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace modelgate {
namespace {

TEST(Hashing, Sha256KnownVector) {
  // FIPS 180-2 appendix B.1.
  EXPECT_EQ(HexEncode(HashBytes(HashKind::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(HashBytes(HashKind::kSha256, "")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Hashing, Blake2b512KnownVector) {
  // RFC 7693 appendix A: BLAKE2b-512("abc").
  EXPECT_EQ(HexEncode(HashBytes(HashKind::kBlake2b512, "abc")),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  EXPECT_EQ(DigestSize(HashKind::kBlake2b512), 64u);
}

TEST(Hashing, StreamingEqualsOneShotAndHasherIsReusable) {
  StreamHasher h(HashKind::kSha256);
  h.Update("a");
  h.Update("");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), HashBytes(HashKind::kSha256, "abc"));
  h.Update("abc");
  EXPECT_EQ(h.Finish(), HashBytes(HashKind::kSha256, "abc"));
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    char templ[] = "/tmp/modelgate-hash-XXXXXX";
    fd_ = mkstemp(templ);
    path_ = templ;
    EXPECT_EQ(write(fd_, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

TEST(Hashing, FileRangeEqualsDigestOfTheSlice) {
  std::string data(3 * kHashReadChunk + 12345, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 9));
  TempFile file(data);
  for (auto [off, len] : {std::pair<std::size_t, std::size_t>{0, data.size()},
                          {7, 100},
                          {kHashReadChunk - 3, kHashReadChunk + 6},
                          {data.size(), 0}}) {
    Result<std::string> d = HashFileRange(file.fd(), off, len, HashKind::kSha256, "f");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d.value(), HashBytes(HashKind::kSha256, std::string_view(data).substr(off, len))) << off << "+" << len;
  }
}

TEST(Hashing, FileRangePastTheEndNamesTheFile) {
  TempFile file("short");
  Result<std::string> d = HashFileRange(file.fd(), 0, 10, HashKind::kSha256, "weights.bin");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kIOError);
  EXPECT_NE(d.status().message().find("weights.bin"), std::string::npos);
  EXPECT_NE(d.status().message().find("changed"), std::string::npos);
}

TEST(Hashing, LargeRangesAreMappedAndEqualTheSliceDigest) {
  std::string data(kHashMapWindow + kHashMapThreshold + 4097, '\0');
  for (std::size_t i = 0; i < data.size(); i += 512) data[i] = static_cast<char>(i >> 9);
  TempFile file(data);
  for (auto [off, len] : {std::pair<std::size_t, std::size_t>{0, data.size()}, {4097, kHashMapThreshold + 1},
                          {kHashMapWindow - 1, kHashMapThreshold + 3000}}) {
    Result<std::string> d = HashFileRange(file.fd(), off, len, HashKind::kBlake2b512, "f");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d.value(), HashBytes(HashKind::kBlake2b512, std::string_view(data).substr(off, len)));
  }
  // Past the end: not mapped (that would fault), reported as a change.
  Result<std::string> past = HashFileRange(file.fd(), 0, data.size() + kHashMapThreshold, HashKind::kSha256, "big");
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("changed while hashing"), std::string::npos);
}

// A page that vanishes under a mapping (the file was truncated) is reported,
// not a crash: the SIGBUS guard jumps out of the hash.
TEST(Hashing, TruncatedMappingIsReportedNotFatal) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  TempFile file(std::string(4 * page, 'x'));
  // Install the guard through an ordinary mapped hash first.
  std::string big(kHashMapThreshold, 'y');
  TempFile other(big);
  ASSERT_TRUE(HashFileRange(other.fd(), 0, big.size(), HashKind::kSha256, "other").ok());
  void* map = mmap(nullptr, 4 * page, PROT_READ, MAP_SHARED, file.fd(), 0);
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_EQ(ftruncate(file.fd(), 0), 0);
  StreamHasher hasher(HashKind::kSha256);
  EXPECT_FALSE(hasher.UpdateGuarded(static_cast<const unsigned char*>(map), 4 * page));
  munmap(map, 4 * page);
  StreamHasher fresh(HashKind::kSha256);  // the process and other hashers are fine
  EXPECT_TRUE(fresh.UpdateGuarded(reinterpret_cast<const unsigned char*>(big.data()), big.size()));
  EXPECT_EQ(fresh.Finish(), HashBytes(HashKind::kSha256, big));
}

TEST(Hashing, HexRoundTrip) {
  std::string raw;
  ASSERT_TRUE(HexDecode("00ffA0", &raw));
  EXPECT_EQ(raw, std::string("\x00\xff\xa0", 3));
  EXPECT_EQ(HexEncode(raw), "00ffa0");
  EXPECT_FALSE(HexDecode("abc", &raw));
  EXPECT_FALSE(HexDecode("zz", &raw));
}

}  // namespace
}  // namespace modelgate
