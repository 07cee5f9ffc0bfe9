"""Sentence embeddings joined with the words of their texts (``siftkit.embed.words``)."""

from __future__ import annotations

import numpy as np
import pytest
from toy_data import TOPIC_WORDS, texts

from siftkit.embed.base import l2_normalize
from siftkit.embed.words import WORD_WEIGHT, WordView


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], np.ndarray]:
    """Texts of the three toy topics, 30 each, and their topic codes."""
    rng = np.random.default_rng(0)
    rows = [(t, code) for code, words in enumerate(TOPIC_WORDS.values())
            for t in texts(words, 30, rng)]  # fmt: skip
    return [t for t, _ in rows], np.array([c for _, c in rows])


def test_joined_rows_are_unit_and_mix_the_two_cosines(corpus) -> None:
    sentences, _ = corpus
    embeddings = np.random.default_rng(1).normal(size=(len(sentences), 8)).astype(np.float32)
    view = WordView(n_dims=6).fit(sentences)
    joined = view.join(embeddings, sentences)
    assert joined.shape == (len(sentences), 8 + 6) and joined.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)
    unit = l2_normalize(embeddings)
    words = l2_normalize(view.encoder_.embed_batch(sentences))
    expected = (unit @ unit.T + WORD_WEIGHT**2 * words @ words.T) / (1 + WORD_WEIGHT**2)
    np.testing.assert_allclose(joined @ joined.T, expected, atol=1e-5)


def test_a_row_the_encoder_saw_nothing_in_stays_empty(corpus) -> None:
    sentences, _ = corpus
    embeddings = np.random.default_rng(1).normal(size=(len(sentences), 8)).astype(np.float32)
    embeddings[3] = 0.0  # a text of tokens the encoder does not know: its words are known
    joined = WordView(n_dims=6).fit(sentences).join(embeddings, sentences)
    assert not joined[3].any() and np.linalg.norm(joined[4]) > 0.99


def test_the_words_tell_apart_texts_the_embeddings_do_not(corpus) -> None:
    sentences, topic = corpus
    noise = np.random.default_rng(2).normal(size=(len(sentences), 32)).astype(np.float32)
    joined = WordView(weight=2.0).fit(sentences).join(noise, sentences)
    similarity = joined @ joined.T
    np.fill_diagonal(similarity, -np.inf)
    assert (topic[similarity.argmax(axis=1)] == topic).mean() > 0.95
    alone = l2_normalize(noise) @ l2_normalize(noise).T
    np.fill_diagonal(alone, -np.inf)
    assert (topic[alone.argmax(axis=1)] == topic).mean() < 0.6


def test_texts_of_unseen_words_keep_their_embedding(corpus) -> None:
    sentences, _ = corpus
    view = WordView().fit(sentences)
    vector = np.array([[3.0, 4.0]], dtype=np.float32)
    joined = view.join(vector, ["zebra quartz"])
    np.testing.assert_allclose(joined[0, :2], [0.6, 0.8], atol=1e-6)
    assert not joined[0, 2:].any()


def test_a_few_short_texts_still_join() -> None:
    few = ["cat", "boat", "cat boat"]
    joined = WordView().fit(few).join(np.eye(3, dtype=np.float32), few)
    assert joined.shape[0] == 3 and np.isfinite(joined).all()


def test_many_texts_learn_from_a_sample_and_join_block_by_block(corpus, monkeypatch) -> None:
    """Past FIT_TEXTS the words are learned from an even sample; joining goes JOIN_BLOCK rows
    at a time, the same rows as joined at once."""
    from siftkit.embed import words as words_module

    sentences, _ = corpus
    embeddings = np.random.default_rng(3).normal(size=(len(sentences), 8)).astype(np.float32)
    whole = WordView(n_dims=6).fit(sentences)
    at_once = whole.join(embeddings, sentences)
    monkeypatch.setattr(words_module, "JOIN_BLOCK", 7)
    np.testing.assert_allclose(whole.join(embeddings, sentences), at_once, atol=1e-6)
    learned = []
    real_fit = words_module.TfidfSvdEncoder.fit_texts

    def recording_fit(self, texts):  # noqa: ANN001, ANN202
        learned.append(list(texts))
        return real_fit(self, texts)

    monkeypatch.setattr(words_module.TfidfSvdEncoder, "fit_texts", recording_fit)
    monkeypatch.setattr(words_module, "FIT_TEXTS", 30)
    sampled = WordView(n_dims=6).fit(sentences)
    assert len(learned[0]) == 30 and learned[0][0] == sentences[0]
    assert learned[0][-1] == sentences[-1]  # evenly spaced over all the texts
    assert sampled.join(embeddings, sentences).shape == at_once.shape
