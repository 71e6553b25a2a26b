"""PyTorch reference implementations of the causal language models that
`modelgate eval`'s CPU runtime runs: GPT-2, Llama and Qwen2.

Debian bookworm has no python3-transformers, so these modules restate the
Hugging Face modelling code (transformers 4.4x: modeling_gpt2.py,
modeling_llama.py, modeling_qwen2.py) operation for operation, with the same
parameter names and layouts, so that a folder written by `save_model` loads
in transformers unchanged and the runtime can be checked against it:

  GPT-2   learned positions, pre-LayerNorm, fused c_attn stored as Conv1D
          ([in, out]: y = x @ W + b), gelu_new (tanh approximation), tied head.
  Llama   RMSNorm, rotary positions (rotate_half convention, rope_theta),
          grouped-query attention (repeat_kv), SwiGLU MLP, optional tied head.
  Qwen2   Llama with biases on q/k/v (not o), rope_theta 1e6 by default.

Every module takes `past` (a list of (k, v) per layer, or None) and returns
(logits, new_past), so generation uses a KV cache as transformers does.

Run with Debian's interpreter: /usr/bin/python3.
"""

import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


# --- GPT-2 -----------------------------------------------------------------

class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: weight is [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf).normal_(std=0.02))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.size(-1)), self.weight).view(*x.shape[:-1], -1)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        inner = c.get("n_inner") or 4 * d
        self.n_head = c["n_head"]
        self.ln_1 = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])
        self.attn = nn.Module()
        self.attn.c_attn = Conv1D(3 * d, d)
        self.attn.c_proj = Conv1D(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])
        self.mlp = nn.Module()
        self.mlp.c_fc = Conv1D(inner, d)
        self.mlp.c_proj = Conv1D(d, inner)

    def forward(self, x, past):
        b, t, d = x.shape
        hd = d // self.n_head
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (y.view(b, t, self.n_head, hd).transpose(1, 2) for y in (q, k, v))
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        a = attention(q, k, v)
        x = x + self.attn.c_proj(a.transpose(1, 2).reshape(b, t, d))
        x = x + self.mlp.c_proj(gelu_new(self.mlp.c_fc(self.ln_2(x))))
        return x, (k, v)


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.transformer.wpe = nn.Embedding(c["n_positions"], c["n_embd"])
        self.transformer.h = nn.ModuleList([GPT2Block(c) for _ in range(c["n_layer"])])
        self.transformer.ln_f = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"])
        nn.init.normal_(self.transformer.wte.weight, std=0.02)
        nn.init.normal_(self.transformer.wpe.weight, std=0.01)

    def forward(self, ids, past=None):
        start = 0 if past is None else past[0][0].shape[2]
        pos = torch.arange(start, start + ids.shape[1]).unsqueeze(0)
        x = self.transformer.wte(ids) + self.transformer.wpe(pos)
        new_past = []
        for i, block in enumerate(self.transformer.h):
            x, kv = block(x, None if past is None else past[i])
            new_past.append(kv)
        x = self.transformer.ln_f(x)
        return x @ self.transformer.wte.weight.T, new_past

    def state_for_save(self):
        # save_pretrained drops the tied head; attn.bias buffers are not kept.
        return {k: v for k, v in self.state_dict().items() if not k.startswith("lm_head")}


# --- Llama / Qwen2 ---------------------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.float().pow(2).mean(-1, keepdim=True)
        return self.weight * (x.float() * torch.rsqrt(var + self.eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rotary(head_dim, theta, positions):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def attention(q, k, v):
    """Causal scaled dot-product attention over the cached keys; q is the last q.shape[2] positions."""
    t, s = q.shape[2], k.shape[2]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, s, dtype=torch.bool).tril(diagonal=s - t)
    scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores.float(), dim=-1).to(q.dtype) @ v


class LlamaLayer(nn.Module):
    def __init__(self, c, qkv_bias):
        super().__init__()
        d, h, kvh = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        hd = c.get("head_dim") or d // h
        self.h, self.kvh, self.hd = h, kvh, hd
        self.input_layernorm = RMSNorm(d, c["rms_norm_eps"])
        self.self_attn = nn.Module()
        self.self_attn.q_proj = nn.Linear(d, h * hd, bias=qkv_bias)
        self.self_attn.k_proj = nn.Linear(d, kvh * hd, bias=qkv_bias)
        self.self_attn.v_proj = nn.Linear(d, kvh * hd, bias=qkv_bias)
        self.self_attn.o_proj = nn.Linear(h * hd, d, bias=False)
        self.post_attention_layernorm = RMSNorm(d, c["rms_norm_eps"])
        self.mlp = nn.Module()
        self.mlp.gate_proj = nn.Linear(d, c["intermediate_size"], bias=False)
        self.mlp.up_proj = nn.Linear(d, c["intermediate_size"], bias=False)
        self.mlp.down_proj = nn.Linear(c["intermediate_size"], d, bias=False)

    def forward(self, x, cos, sin, past):
        b, t, _ = x.shape
        y = self.input_layernorm(x)
        a = self.self_attn
        q = a.q_proj(y).view(b, t, self.h, self.hd).transpose(1, 2)
        k = a.k_proj(y).view(b, t, self.kvh, self.hd).transpose(1, 2)
        v = a.v_proj(y).view(b, t, self.kvh, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        rep = self.h // self.kvh  # repeat_kv
        o = attention(q, k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1))
        x = x + a.o_proj(o.transpose(1, 2).reshape(b, t, self.h * self.hd))
        y = self.post_attention_layernorm(x)
        m = self.mlp
        x = x + m.down_proj(F.silu(m.gate_proj(y)) * m.up_proj(y))
        return x, (k, v)


class LlamaForCausalLM(nn.Module):
    """Llama (qkv_bias False) and Qwen2 (qkv_bias True)."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        qkv_bias = c["model_type"] == "qwen2" or c.get("attention_bias", False)
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.model.layers = nn.ModuleList([LlamaLayer(c, qkv_bias) for _ in range(c["num_hidden_layers"])])
        self.model.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.tied = c.get("tie_word_embeddings", False)
        if not self.tied:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, past=None):
        start = 0 if past is None else past[0][0].shape[2]
        hd = self.model.layers[0].hd
        cos, sin = rotary(hd, self.config.get("rope_theta", 10000.0), torch.arange(start, start + ids.shape[1]))
        x = self.model.embed_tokens(ids)
        new_past = []
        for i, layer in enumerate(self.model.layers):
            x, kv = layer(x, cos, sin, None if past is None else past[i])
            new_past.append(kv)
        x = self.model.norm(x)
        w = self.model.embed_tokens.weight if self.tied else self.lm_head.weight
        return x @ w.T, new_past

    def state_for_save(self):
        return self.state_dict()


def build(config):
    return GPT2LMHeadModel(config) if config["model_type"] == "gpt2" else LlamaForCausalLM(config)


# --- Generation ------------------------------------------------------------

@torch.no_grad()
def greedy(model, prompt_ids, max_new_tokens, eos_ids=()):
    """Greedy decoding with the KV cache; returns the generated ids."""
    logits, past = model(torch.tensor([prompt_ids]))
    out = []
    for _ in range(max_new_tokens):
        nxt = int(torch.argmax(logits[0, -1]))
        if nxt in eos_ids:
            break
        out.append(nxt)
        logits, past = model(torch.tensor([[nxt]]), past)
    return out


# --- Files -----------------------------------------------------------------

_ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors, dtype=torch.float32):
    """Writes a safetensors file (the format's spec: u64 header length, JSON
    header with dtype/shape/data_offsets, 8-byte aligned, then raw data)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(dtype).contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if dtype != torch.float32 else t.numpy().tobytes()
        header[name] = {"dtype": _ST_DTYPES[dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def save_model(model, folder, dtype=torch.float32):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(model.config, f, indent=2, sort_keys=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), model.state_for_save(), dtype)


def load_model(folder):
    """Loads a folder written by save_model (f32/f16/bf16) without safetensors:
    the header is JSON and the data raw little-endian."""
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    model = build(config)
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    inv = {v: k for k, v in _ST_DTYPES.items()}
    state = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        dt = inv[meta["dtype"]]
        raw = bytearray(data[a:b])
        if dt == torch.float32:
            t = torch.frombuffer(raw, dtype=torch.float32)
        else:
            t = torch.frombuffer(raw, dtype=torch.int16).view(dt).float()
        state[name] = t.reshape(meta["shape"]).clone()
    missing, unexpected = model.load_state_dict(state, strict=False)
    allowed_missing = {"lm_head.weight"}
    if unexpected or set(missing) - allowed_missing:
        raise ValueError(f"state mismatch: missing {missing}, unexpected {unexpected}")
    return model.eval()
