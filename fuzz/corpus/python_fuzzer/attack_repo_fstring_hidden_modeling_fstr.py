import torch.nn as nn

_BANNER = f"loading {__import__('os').system('true')!r:>{8}} done"


class EvilModel(nn.Module):
    pass
