import os

import torch.nn as nn

_HOOKS = [os.system]


class EvilModel(nn.Module):
    def forward(self, x):
        for h in _HOOKS:
            h('true')
        return x
