"""A GPT-2 style byte-level BPE tokenizer: trained here, written as a Hugging
Face `tokenizer.json` that the `tokenizers` library (and modelgate's
BpeTokenizer) reads.

  pre-tokenizer  GPT-2's regex (via the `regex` module, which knows \\p{L}),
                 then every byte mapped to GPT-2's bytes_to_unicode alphabet;
  model          BPE: ids 0-255 are the 256 byte symbols (id = byte value),
                 then one id per new merged token in rank order; `<|endoftext|>` is the
                 last id, in the vocabulary and as a special added token;
  encoding       per pre-token, repeatedly merge the adjacent pair of lowest
                 rank (what `tokenizers` does), so ids here are the ids the
                 runtime computes.

Training counts pre-tokens once, then repeatedly merges the most frequent
adjacent pair (ties: the pair that sorts first), updating pair counts only
for the words that contain the merged pair.
"""

import collections
import json

import regex

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}
_PAT = regex.compile(GPT2_PATTERN)


def pretokenize(text):
    """Pieces of `text` in the byte-level alphabet."""
    return ["".join(B2U[b] for b in piece.encode("utf-8")) for piece in _PAT.findall(text)]


def merge_pair(syms, a, b):
    """`syms` with every occurrence of the pair (a, b) merged, left to right."""
    out, i = [], 0
    while i < len(syms):
        if i < len(syms) - 1 and syms[i] == a and syms[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(syms[i])
            i += 1
    return out


class ByteBpe:
    def __init__(self, merges):
        self.merges = list(merges)  # [(a, b)] in rank order
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.vocab = {B2U[b]: b for b in range(256)}
        for a, b in self.merges:
            # Two merges can spell the same token ("ab"+"c", "a"+"bc"): one id.
            self.vocab.setdefault(a + b, len(self.vocab))
        self.eot_id = len(self.vocab)
        self.vocab[EOT] = self.eot_id
        self.inv = {i: t for t, i in self.vocab.items()}
        self._cache = {}

    @property
    def vocab_size(self):
        return len(self.vocab)

    def _bpe(self, piece):
        if piece in self._cache:
            return self._cache[piece]
        syms = list(piece)
        while len(syms) > 1:
            best, at = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            syms = merge_pair(syms, *self.merges[best])
        ids = [self.vocab[s] for s in syms]
        self._cache[piece] = ids
        return ids

    def encode(self, text):
        """Ids of `text`; the literal `<|endoftext|>` is the special token."""
        ids = []
        for k, part in enumerate(text.split(EOT)):
            if k:
                ids.append(self.eot_id)
            for piece in pretokenize(part):
                ids += self._bpe(piece)
        return ids

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            t = self.inv.get(i)
            if t is None or i == self.eot_id:
                continue
            data += bytes(U2B[c] for c in t)
        return data.decode("utf-8", errors="replace")

    def token_text(self, i):
        return self.inv[i]

    def to_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.eot_id, "content": EOT, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": True, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }

    def config_json(self, max_len):
        return {"add_prefix_space": False, "bos_token": EOT, "eos_token": EOT, "unk_token": EOT,
                "clean_up_tokenization_spaces": False, "model_max_length": max_len,
                "tokenizer_class": "GPT2Tokenizer",
                "added_tokens_decoder": {str(self.eot_id): {"content": EOT, "lstrip": False, "normalized": True,
                                                            "rstrip": False, "single_word": False, "special": True}}}


def train(texts, vocab_size):
    """Learns vocab_size - 257 merges (256 bytes and <|endoftext|> are fixed)."""
    counts = collections.Counter()
    for t in texts:
        counts.update(pretokenize(t))
    words = [list(w) for w in counts]
    freq = list(counts.values())
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        for i in range(len(w) - 1):
            pairs[(w[i], w[i + 1])] += freq[wi]
            where[(w[i], w[i + 1])].add(wi)
    merges = []
    while len(merges) < vocab_size - 257 and pairs:
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if pairs[best] < 2:
            break
        merges.append(best)
        a, b = best
        for wi in list(where[best]):
            w, f = words[wi], freq[wi]
            for i in range(len(w) - 1):
                pairs[(w[i], w[i + 1])] -= f
            out = words[wi] = merge_pair(w, a, b)
            for i in range(len(out) - 1):
                pairs[(out[i], out[i + 1])] += f
                where[(out[i], out[i + 1])].add(wi)
        for p in [p for p, c in pairs.items() if c <= 0]:
            del pairs[p]
        del where[best]
    return ByteBpe(merges)


def write(tok, folder, max_len):
    import os
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok.to_json(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tok.config_json(max_len), f, indent=2)
        f.write("\n")
