import os
import torch.nn as nn

os.system('true')


class EvilModel(nn.Module):
    pass
