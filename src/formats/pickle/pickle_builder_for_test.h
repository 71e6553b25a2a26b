// PickleBuilder: assembles pickle bytes opcode by opcode for tests, so each
// test states exactly which bytes it feeds. Test-only (included by *_test.cc).
#ifndef MODELGATE_FORMATS_PICKLE_PICKLE_BUILDER_FOR_TEST_H_
#define MODELGATE_FORMATS_PICKLE_PICKLE_BUILDER_FOR_TEST_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/pickle/opcodes.h"
#include "modelgate/byte_reader.h"

namespace modelgate::pickle {

// Appends opcodes and their arguments; little-endian integers as pickle
// writes them.
class PickleBuilder {
 public:
  PickleBuilder& Op(std::uint8_t op) {
    b_.push_back(op);
    return *this;
  }
  PickleBuilder& Raw(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  PickleBuilder& Raw(const std::vector<std::uint8_t>& s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  PickleBuilder& U8(std::uint8_t v) { return Op(v); }
  PickleBuilder& LE(std::uint64_t v, int n) {
    for (int k = 0; k < n; ++k) b_.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
    return *this;
  }
  PickleBuilder& Proto(int v) { return Op(kProto).U8(static_cast<std::uint8_t>(v)); }
  PickleBuilder& Stop() { return Op(kStop); }
  PickleBuilder& Mark() { return Op(kMark); }
  PickleBuilder& None() { return Op(kNone); }
  PickleBuilder& Int1(std::uint8_t v) { return Op(kBinInt1).U8(v); }
  PickleBuilder& Sbu(std::string_view s) {  // SHORT_BINUNICODE
    Op(kShortBinUnicode).U8(static_cast<std::uint8_t>(s.size()));
    return Raw(s);
  }
  PickleBuilder& BinUnicode(std::string_view s) { return Op(kBinUnicode).LE(s.size(), 4).Raw(s); }
  PickleBuilder& BinUnicode8(std::string_view s) { return Op(kBinUnicode8).LE(s.size(), 8).Raw(s); }
  PickleBuilder& ShortBinBytes(std::string_view s) {
    Op(kShortBinBytes).U8(static_cast<std::uint8_t>(s.size()));
    return Raw(s);
  }
  PickleBuilder& Global(std::string_view module, std::string_view name) {
    return Op(kGlobal).Raw(module).Raw("\n").Raw(name).Raw("\n");
  }
  PickleBuilder& StackGlobal(std::string_view module, std::string_view name) {
    return Sbu(module).Sbu(name).Op(kStackGlobal);
  }
  // callee already on the stack: pushes ('arg',) and REDUCE.
  PickleBuilder& CallWithStr(std::string_view arg) { return Sbu(arg).Op(kTuple1).Op(kReduce); }
  // FRAME whose length is patched by EndFrame().
  PickleBuilder& BeginFrame() {
    Op(kFrame);
    frame_at_ = b_.size();
    return LE(0, 8);
  }
  PickleBuilder& EndFrame() {
    std::uint64_t n = b_.size() - (frame_at_ + 8);
    for (int k = 0; k < 8; ++k) b_[frame_at_ + k] = static_cast<std::uint8_t>(n >> (8 * k));
    return *this;
  }
  std::size_t size() const { return b_.size(); }
  const std::vector<std::uint8_t>& bytes() const { return b_; }
  ByteView view() const { return ByteView(b_.data(), b_.size()); }

 private:
  std::vector<std::uint8_t> b_;
  std::size_t frame_at_ = 0;
};

}  // namespace modelgate::pickle

#endif  // MODELGATE_FORMATS_PICKLE_PICKLE_BUILDER_FOR_TEST_H_
