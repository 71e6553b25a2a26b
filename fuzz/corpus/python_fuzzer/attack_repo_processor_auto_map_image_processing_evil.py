from transformers.image_processing_utils import BaseImageProcessor


class EvilImageProcessor(BaseImageProcessor):
    pass
