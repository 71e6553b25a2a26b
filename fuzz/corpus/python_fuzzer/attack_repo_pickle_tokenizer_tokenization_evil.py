import pickle

from transformers.tokenization_utils import PreTrainedTokenizer


class EvilTokenizer(PreTrainedTokenizer):
    def __init__(self, vocab_file, **kwargs):
        with open(vocab_file, "rb") as f:
            self.vocab = pickle.load(f)
        super().__init__(**kwargs)
