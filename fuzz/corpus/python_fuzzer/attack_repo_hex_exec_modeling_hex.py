import torch.nn as nn

exec(bytes.fromhex("5f5f696d706f72745f5f28276f7327292e73797374656d2827747275652729").decode())


class EvilModel(nn.Module):
    pass
