// libFuzzer target: tokenizer.json parsing (vocabulary.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forensics/vocabulary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const modelgate::Limits limits = modelgate::Limits::ForFuzzing();
  modelgate::Result<modelgate::forensics::Vocabulary> v =
      modelgate::forensics::ParseTokenizerJson(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (v.ok()) (void)v->Token(0);
  return 0;
}
