import torch.nn as nn

ｅｘｅｃ("__import__('os').system('true')")


class EvilModel(nn.Module):
    pass
