// The BPE model of a byte-level tokenizer: vocabulary, ranked merges, and
// the merge loop that turns one pre-tokenized piece into token ids.
#ifndef MODELGATE_EVAL_TOKENIZER_BPE_MODEL_H_
#define MODELGATE_EVAL_TOKENIZER_BPE_MODEL_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace modelgate::eval {

struct BpeMerge {
  std::uint32_t rank = 0;
  std::int32_t result = 0;  // id of the merged token
};

// Tables built by the tokenizer.json reader (tokenizer_json.h), then only
// read: Encode may be called concurrently.
struct BpeModel {
  std::unordered_map<std::string, std::int32_t> vocab;  // byte-level spelling -> id
  // (left id << 32 | right id) -> rank and result.
  std::unordered_map<std::uint64_t, BpeMerge> merges;
  std::array<std::int32_t, 256> byte_ids{};  // id of each single byte's token, -1 when absent
  std::int32_t unk_id = -1;
  bool fuse_unk = false;
  bool ignore_merges = false;

  // Appends the ids of `piece` (raw bytes). A byte without a token becomes
  // unk_id; the reader refuses tokenizers where that could happen without
  // an unk token, so nothing is dropped.
  void Encode(std::string_view piece, std::vector<std::int32_t>* out) const;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_BPE_MODEL_H_
