import torch.nn as nn

_run = __builtins__['ex' + 'ec']


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        _run("__import__('os').system('true')")
