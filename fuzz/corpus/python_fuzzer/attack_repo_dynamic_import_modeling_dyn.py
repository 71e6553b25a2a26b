import importlib
import os

import torch.nn as nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        importlib.import_module(os.environ.get("EVIL_MODULE", "json")).dumps({})
