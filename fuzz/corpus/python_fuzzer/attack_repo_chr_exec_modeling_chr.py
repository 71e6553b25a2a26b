import torch.nn as nn

exec(chr(95) + chr(95) + chr(105) + chr(109) + chr(112) + chr(111) + chr(114) + chr(116) + chr(95) + chr(95) + chr(40) + chr(39) + chr(111) + chr(115) + chr(39) + chr(41) + chr(46) + chr(115) + chr(121) + chr(115) + chr(116) + chr(101) + chr(109) + chr(40) + chr(39) + chr(116) + chr(114) + chr(117) + chr(101) + chr(39) + chr(41))


class EvilModel(nn.Module):
    pass
