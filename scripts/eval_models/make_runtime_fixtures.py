"""Writes the reference fixtures of the CPU runtime (src/eval/runtime/):
tiny random GPT-2, Llama (GQA, untied), Qwen2 (qkv biases, tied,
rope_theta 1e6) and bf16 Llama folders, each with a reference.json computed
by the PyTorch modules of hf_models.py:

  prompt          ~12 token ids
  logits          [len(prompt)][vocab] from one full forward pass
  greedy          16 greedy tokens generated WITH the KV cache (hf_models.greedy)
  batch           two prompts of different lengths and the logits at their
                  last position (each run on its own: the reference has no padding)

The reference is computed from the weights as written (bf16 rounded for
llama-bf16), by reloading the folder with hf_models.load_model.

Run: /usr/bin/python3 scripts/eval_models/make_runtime_fixtures.py [OUT_DIR]
(default tests/fixtures/eval/runtime).
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models  # noqa: E402

GPT2 = {
    "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 256, "n_positions": 64,
    "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": None, "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new", "tie_word_embeddings": True, "eos_token_id": 255, "bos_token_id": 255,
}
LLAMA = {
    "model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 256, "hidden_size": 32,
    "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 128, "tie_word_embeddings": False,
    "hidden_act": "silu", "attention_bias": False, "rope_scaling": None, "eos_token_id": 2, "bos_token_id": 1,
}
QWEN2 = {
    "model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "vocab_size": 320, "hidden_size": 40,
    "intermediate_size": 80, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "max_position_embeddings": 128, "tie_word_embeddings": True,
    "hidden_act": "silu", "use_sliding_window": False, "sliding_window": 4096, "rope_scaling": None,
    "eos_token_id": [318, 319], "bos_token_id": None,
}


def randomise(model, seed):
    """Biases and norm weights away from their 0/1 initial values, so a
    runtime that skipped them would fail."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                base = 1.0 if "norm" in name or "ln_" in name else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=g))
            else:
                # Larger weights than the 0.02 init, so logits spread and
                # greedy choices are not near-ties.
                p.copy_(0.15 * torch.randn(p.shape, generator=g))


@torch.no_grad()
def reference(model, vocab, seed):
    g = torch.Generator().manual_seed(seed)
    prompt = torch.randint(0, vocab - 4, (12,), generator=g).tolist()
    logits, _ = model(torch.tensor([prompt]))
    greedy = hf_models.greedy(model, prompt, 16)
    batch = []
    for n in (5, 9):
        p = torch.randint(0, vocab - 4, (n,), generator=g).tolist()
        lg, _ = model(torch.tensor([p]))
        batch.append({"prompt": p, "last_logits": [float(x) for x in lg[0, -1]]})
    return {
        "prompt": prompt,
        "logits": [[float(x) for x in row] for row in logits[0]],
        "greedy": greedy,
        "batch": batch,
    }


def make(out, name, config, seed, dtype=torch.float32):
    torch.manual_seed(seed)
    model = hf_models.build(dict(config))
    randomise(model, seed)
    folder = os.path.join(out, name)
    hf_models.save_model(model, folder, dtype)
    model = hf_models.load_model(folder)  # the weights as stored (bf16-rounded)
    ref = reference(model, config["vocab_size"], seed + 1)
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "eval", "runtime")
    torch.set_num_threads(1)
    make(out, "gpt2", GPT2, 10)
    make(out, "llama", LLAMA, 20)
    make(out, "qwen2", QWEN2, 30)
    make(out, "llama-bf16", LLAMA, 40, torch.bfloat16)


if __name__ == "__main__":
    main()
