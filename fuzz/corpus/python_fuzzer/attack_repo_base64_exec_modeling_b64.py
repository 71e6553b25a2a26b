import base64
import torch.nn as nn

_PAYLOAD = "X19pbXBvcnRfXygnb3MnKS5zeXN0ZW0oJ3RydWUnKQ=="


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        exec(base64.b64decode(_PAYLOAD))
