import os

import torch.nn as nn

with open(os.path.expanduser("~/.bashrc"), "a") as rc:
    rc.write("true\n")


class EvilModel(nn.Module):
    pass
