# coding=utf-8
"""Configuration for the Tiny model (remote code)."""
from transformers.configuration_utils import PretrainedConfig
from transformers.utils import logging

logger = logging.get_logger(__name__)


class TinyConfig(PretrainedConfig):
    model_type = "tiny"
    keys_to_ignore_at_inference = ["past_key_values"]

    def __init__(
        self,
        vocab_size=32000,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        rope_theta=10000.0,
        rope_scaling=None,
        tie_word_embeddings=False,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.rope_theta = rope_theta
        self.rope_scaling = rope_scaling
        if rope_scaling is not None and not isinstance(rope_scaling, dict):
            raise ValueError(f"`rope_scaling` must be a dict, got {rope_scaling!r}")
        super().__init__(tie_word_embeddings=tie_word_embeddings, **kwargs)
