import subprocess

import torch.nn as nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        subprocess.run(['true'], check=False)
