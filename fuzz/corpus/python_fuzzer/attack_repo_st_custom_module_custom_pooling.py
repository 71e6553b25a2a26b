import os

os.system('true')


class EvilPooling:
    pass
