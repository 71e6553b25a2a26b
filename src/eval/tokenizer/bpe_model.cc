// The BPE merge loop, as tokenizers' Word::merge_all runs it.
//
// Symbols form a doubly linked list over an array. A min-heap holds
// candidate pairs keyed by (rank, position of the left symbol); the lowest
// rank merges first and, among equal ranks (the same pair at several
// places), the leftmost. Entries made stale by an earlier merge are
// detected when popped (the left symbol is gone, or its right neighbour is
// no longer the one the entry was made for) and skipped. Each merge pushes
// at most two new pairs, so a piece of n bytes costs O(n log n).
#include "eval/tokenizer/bpe_model.h"

#include <algorithm>
#include <functional>

#include "eval/tokenizer/byte_alphabet.h"

namespace modelgate::eval {
namespace {

struct Symbol {
  std::int32_t id;
  std::int32_t prev;  // index, -1 at the start
  std::int32_t next;  // index, -1 at the end
  std::uint32_t len;  // bytes covered; 0 once merged into its left neighbour
};

struct Candidate {
  std::uint32_t rank;
  std::int32_t pos;    // left symbol
  std::int32_t right;  // right symbol when pushed
  std::int32_t result;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

std::uint64_t PairKey(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}

}  // namespace

void BpeModel::Encode(std::string_view piece, std::vector<std::int32_t>* out) const {
  if (piece.empty()) return;
  if (ignore_merges) {
    std::string spelled;
    AppendByteLevel(piece, &spelled);
    if (const auto it = vocab.find(spelled); it != vocab.end()) {
      out->push_back(it->second);
      return;
    }
  }
  thread_local std::vector<Symbol> symbols;
  symbols.clear();
  for (const char ch : piece) {
    const std::int32_t id = byte_ids[static_cast<unsigned char>(ch)];
    const std::int32_t use = id >= 0 ? id : unk_id;
    if (id < 0 && fuse_unk && !symbols.empty() && symbols.back().id == unk_id && unk_id >= 0) {
      symbols.back().len += 1;
      continue;
    }
    const auto index = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({use, index - 1, -1, 1});
    if (index > 0) symbols[static_cast<std::size_t>(index - 1)].next = index;
  }
  // A min-heap (std::greater) whose storage is reused across pieces.
  thread_local std::vector<Candidate> heap;
  heap.clear();
  auto push_pair = [&](std::int32_t left) {
    const Symbol& l = symbols[static_cast<std::size_t>(left)];
    if (l.next < 0 || l.id < 0) return;
    const Symbol& r = symbols[static_cast<std::size_t>(l.next)];
    if (r.id < 0) return;
    const auto it = merges.find(PairKey(l.id, r.id));
    if (it == merges.end()) return;
    heap.push_back({it->second.rank, left, l.next, it->second.result});
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  };
  for (std::size_t i = 0; i + 1 < symbols.size(); ++i) push_pair(static_cast<std::int32_t>(i));
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& l = symbols[static_cast<std::size_t>(top.pos)];
    if (l.len == 0 || l.next != top.right) continue;
    Symbol& r = symbols[static_cast<std::size_t>(top.right)];
    // The pair's ids may have changed by merges on either side.
    const auto it = merges.find(PairKey(l.id, r.id));
    if (it == merges.end() || it->second.rank != top.rank) continue;
    l.id = top.result;
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<std::size_t>(r.next)].prev = top.pos;
    if (l.prev >= 0) push_pair(l.prev);
    push_pair(top.pos);
  }
  for (const Symbol& s : symbols) {
    if (s.len > 0 && s.id >= 0) out->push_back(s.id);
  }
}

}  // namespace modelgate::eval
