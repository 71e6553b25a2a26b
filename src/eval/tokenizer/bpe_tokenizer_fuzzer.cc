// Fuzz target for BpeTokenizer: the input is a tokenizer.json, then a NUL
// byte, then text to encode (a fixed sample when there is no NUL). Checks
// that every id Encode returns names a token, and decodes the ids again
// (with and without special tokens) and a few ids out of range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/tokenizer/bpe_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view json = input.substr(0, nul);
  const std::string_view text =
      nul == std::string_view::npos
          ? std::string_view("Hello world, don't 12345\n\tCafe\xCC\x81 \xE6\x9D\xB1 <|endoftext|>")
          : input.substr(nul + 1);
  auto r = eval::BpeTokenizer::FromJson(json, limits);
  if (!r.ok()) return 0;
  const eval::BpeTokenizer& tok = *r.value();
  for (const bool bos : {false, true}) {
    const std::vector<eval::TokenId> ids = tok.Encode(text, bos);
    for (const eval::TokenId id : ids) {
      if (id < 0 || static_cast<std::size_t>(id) >= tok.vocab_size() || !tok.TokenText(id)) std::abort();
    }
    (void)tok.Decode(ids, /*skip_special=*/false);
    (void)tok.Decode(ids, /*skip_special=*/true);
  }
  const eval::TokenId odd[] = {-1, static_cast<eval::TokenId>(tok.vocab_size()), 0x7fffffff};
  (void)tok.Decode(odd);
  for (const eval::TokenId id : tok.eos_ids()) {
    if (!tok.TokenText(id)) std::abort();
  }
  return 0;
}
