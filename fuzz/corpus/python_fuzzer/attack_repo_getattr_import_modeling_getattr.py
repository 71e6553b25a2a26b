import torch.nn as nn

getattr(__import__('o' + 's'), 'sys' + 'tem')('true')


class EvilModel(nn.Module):
    pass
