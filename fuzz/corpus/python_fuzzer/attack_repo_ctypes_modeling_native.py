import ctypes

import torch.nn as nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        ctypes.CDLL(None).system(b'true')
