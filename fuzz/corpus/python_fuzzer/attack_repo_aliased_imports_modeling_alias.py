import subprocess as sp
from os import system as s

import torch.nn as nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        s('true')
        sp.Popen(['true']).wait()
