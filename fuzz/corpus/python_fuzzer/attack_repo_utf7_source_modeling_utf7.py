# -*- coding: utf-7 -*-
# harmless comment +AAo-__import__(+ACI-os+ACI-).system(+ACI-true+ACI-)
import torch.nn as nn


class EvilModel(nn.Module):
    pass
