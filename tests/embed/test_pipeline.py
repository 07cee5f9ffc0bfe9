"""embed_dataset: normalisation, de-duplication, length-sorted batches, cache, resume."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from toy_data import FAKE_DIMS

import siftkit
from siftkit._text import is_blank
from siftkit.data import load
from siftkit.embed import EmbeddingCache, embed_dataset, get_encoder
from siftkit.embed import pipeline as pipeline_module
from siftkit.embed.base import Encoder

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron".split()


def make_texts(n_unique: int, seed: int = 0) -> list[str]:
    """``n_unique`` distinct texts of widely varying length, in random length order."""
    rng = np.random.default_rng(seed)
    texts = []
    for i in range(n_unique):
        n_words = int(rng.integers(1, 30))
        texts.append(f"t{i} " + " ".join(rng.choice(WORDS, size=n_words)))
    return texts


def make_dataset(texts: Sequence[str]):  # noqa: ANN201
    return load(pd.DataFrame({"text": list(texts)}))


def shard_files(cache_root: Path) -> list[Path]:
    return sorted(cache_root.rglob("shard-*.npz"))


class RecordingMixin:
    """Records the items of every batch the encoder is asked to embed."""

    def embed_batch(self, items: Sequence[str]) -> np.ndarray:
        self.batches.append(list(items))
        return super().embed_batch(items)


@pytest.fixture
def recording_encoder(fake_encoder: Encoder) -> Encoder:
    cls = type("RecordingFake", (RecordingMixin, type(fake_encoder)), {})
    encoder = cls(batch_size=8)
    encoder.batches = []
    return encoder


def test_vectors_are_normalised_float32(fake_encoder: Encoder, isolated_cache: Path) -> None:
    texts = make_texts(50)
    vectors, stats = embed_dataset(make_dataset(texts), fake_encoder, progress=False)
    assert vectors.shape == (50, FAKE_DIMS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    # row order is kept: each row gets the vector of its own text
    expected = fake_encoder.embed_batch(texts)
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert stats.n_rows == 50 and stats.n_unique == 50
    assert stats.n_embedded == 50 and stats.n_cached == 0


def test_unnormalised_encoder_output_is_normalised(isolated_cache: Path) -> None:
    class Scaled(type(get_encoder("fake"))):
        def embed_batch(self, items: Sequence[str]) -> np.ndarray:
            return 7.5 * super().embed_batch(items)

    vectors, _ = embed_dataset(make_dataset(make_texts(20)), Scaled(), progress=False)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_identical_texts_are_embedded_once(recording_encoder: Encoder) -> None:
    unique = make_texts(30)
    texts = unique + unique[:10] + unique[:5] + [unique[3]] * 7
    vectors, stats = embed_dataset(make_dataset(texts), recording_encoder, progress=False)
    embedded = [item for batch in recording_encoder.batches for item in batch]
    assert len(embedded) == 30
    assert sorted(embedded) == sorted(unique)
    assert stats.n_rows == len(texts)
    assert stats.n_unique == 30
    assert stats.n_embedded == 30
    # copies share the vector of their original
    position = {t: i for i, t in enumerate(unique)}
    for row, text in enumerate(texts):
        np.testing.assert_array_equal(vectors[row], vectors[position[text]])


def test_batches_are_length_sorted(recording_encoder: Encoder) -> None:
    texts = make_texts(61, seed=3)
    embed_dataset(make_dataset(texts), recording_encoder, progress=False)
    batches = recording_encoder.batches
    assert [len(b) for b in batches] == [8] * 7 + [5]
    lengths = [[len(t) for t in batch] for batch in batches]
    # within a batch and from one batch to the next, items come shortest first
    flat = [n for batch in lengths for n in batch]
    assert flat == sorted(flat)
    for before, after in zip(lengths, lengths[1:], strict=False):
        assert max(before) <= min(after)
    # and the input really was not in length order, so sorting happened
    assert [len(t) for t in texts] != sorted(len(t) for t in texts)


def test_second_call_embeds_nothing(fake_encoder: Encoder, isolated_cache: Path) -> None:
    texts = make_texts(40) + make_texts(40)[:10]
    dataset = make_dataset(texts)
    first, stats1 = embed_dataset(dataset, fake_encoder, progress=False)
    assert stats1.n_embedded == 40
    assert shard_files(isolated_cache), "the first run should write the cache"
    n_calls = len(type(fake_encoder).calls)
    second, stats2 = embed_dataset(make_dataset(texts), type(fake_encoder)(), progress=False)
    assert stats2.n_embedded == 0
    assert stats2.n_cached == stats2.n_unique == 40
    assert len(type(fake_encoder).calls) == n_calls  # the model was not called again
    np.testing.assert_array_equal(first, second)


def test_new_rows_only_are_embedded(recording_encoder: Encoder) -> None:
    texts = make_texts(40)
    embed_dataset(make_dataset(texts[:25]), recording_encoder, progress=False)
    recording_encoder.batches.clear()
    vectors, stats = embed_dataset(make_dataset(texts), recording_encoder, progress=False)
    assert stats.n_cached == 25 and stats.n_embedded == 15
    embedded = sorted(item for batch in recording_encoder.batches for item in batch)
    assert embedded == sorted(texts[25:])
    np.testing.assert_allclose(vectors, recording_encoder.embed_batch(texts), atol=1e-6)


class Interrupted(RuntimeError):
    pass


def test_interrupted_run_resumes(
    fake_encoder: Encoder, isolated_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shards are written while the run goes (not only at the end), so even a run killed
    without cleanup keeps its finished batches; the next run embeds only the rest."""

    class SmallShards(EmbeddingCache):
        def __init__(self, root, encoder_key, flush_every=16):  # noqa: ANN001
            super().__init__(root, encoder_key, flush_every=flush_every)

    monkeypatch.setattr(pipeline_module, "EmbeddingCache", SmallShards)
    on_disk_at_failure: list[int] = []

    class Failing(type(fake_encoder)):
        def __init__(self, fail_after: int | None) -> None:
            super().__init__(batch_size=8)
            self.fail_after = fail_after
            self.n_batches = 0
            self.embedded: list[str] = []

        def embed_batch(self, items: Sequence[str]) -> np.ndarray:
            if self.fail_after is not None and self.n_batches == self.fail_after:
                on_disk_at_failure.append(
                    sum(len(np.load(p)["keys"]) for p in shard_files(isolated_cache))
                )
                raise Interrupted("simulated crash")
            self.n_batches += 1
            self.embedded.extend(items)
            return super().embed_batch(items)

    texts = make_texts(100)
    with pytest.raises(Interrupted):
        embed_dataset(make_dataset(texts), Failing(fail_after=5), progress=False)
    # 5 batches of 8 = 40 rows done; shards of >= 16 rows were already on disk when it broke
    assert on_disk_at_failure == [32]

    resumed = Failing(fail_after=None)
    vectors, stats = embed_dataset(make_dataset(texts), resumed, progress=False)
    assert stats.n_cached == 40
    assert stats.n_embedded == 60
    assert len(resumed.embedded) == len(set(resumed.embedded)) == 60
    # the first run embedded the 40 shortest texts (batches are length-sorted)
    done = set(texts) - set(resumed.embedded)
    assert len(done) == 40
    assert max(len(t) for t in done) <= min(len(t) for t in resumed.embedded)
    np.testing.assert_allclose(vectors, fake_encoder.embed_batch(texts), atol=1e-6)


def test_exception_still_saves_finished_batches(
    fake_encoder: Encoder, isolated_cache: Path
) -> None:
    """With the default flush interval the finished batches are saved on the way out."""

    class FailOnce(type(fake_encoder)):
        fail = True
        n_batches = 0

        def embed_batch(self, items: Sequence[str]) -> np.ndarray:
            if self.fail and self.n_batches == 3:
                raise Interrupted("boom")
            self.n_batches += 1
            return super().embed_batch(items)

    texts = make_texts(50)
    encoder = FailOnce(batch_size=10)
    with pytest.raises(Interrupted):
        embed_dataset(make_dataset(texts), encoder, progress=False)
    encoder.fail = False
    _, stats = embed_dataset(make_dataset(texts), encoder, progress=False)
    assert (stats.n_cached, stats.n_embedded) == (30, 20)


def test_use_cache_false_neither_reads_nor_writes(
    fake_encoder: Encoder, isolated_cache: Path
) -> None:
    texts = make_texts(30)
    embed_dataset(make_dataset(texts[:10]), type(fake_encoder)(), use_cache=False, progress=False)
    assert shard_files(isolated_cache) == []  # nothing written
    embed_dataset(make_dataset(texts), fake_encoder, progress=False)  # fills the cache
    before = {p: p.stat().st_mtime_ns for p in shard_files(isolated_cache)}
    vectors, stats = embed_dataset(
        make_dataset(texts), fake_encoder, use_cache=False, progress=False
    )
    assert stats.n_cached == 0 and stats.n_embedded == 30  # nothing read
    after = {p: p.stat().st_mtime_ns for p in shard_files(isolated_cache)}
    assert after == before  # nothing written
    np.testing.assert_allclose(vectors, fake_encoder.embed_batch(texts), atol=1e-6)


def test_explicit_cache_dir(fake_encoder: Encoder, tmp_path: Path, isolated_cache: Path) -> None:
    texts = make_texts(12)
    embed_dataset(make_dataset(texts), fake_encoder, cache_dir=tmp_path / "c", progress=False)
    assert shard_files(tmp_path / "c")
    assert shard_files(isolated_cache) == []
    _, stats = embed_dataset(
        make_dataset(texts), fake_encoder, cache_dir=tmp_path / "c", progress=False
    )
    assert stats.n_embedded == 0


def test_a_cache_folder_that_cannot_be_written_warns_and_embeds_all_the_same(
    fake_encoder: Encoder, tmp_path: Path
) -> None:
    from siftkit.exceptions import CacheUnavailableWarning

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    texts = make_texts(12)
    with pytest.warns(CacheUnavailableWarning, match="cannot be written .* --no-cache") as seen:
        vectors, stats = embed_dataset(make_dataset(texts), fake_encoder, cache_dir=blocked,
                                       progress=False)  # fmt: skip
    assert len(seen) == 1 and stats.n_embedded == 12 and vectors.shape == (12, FAKE_DIMS)
    assert blocked.read_text() == "not a folder"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "corrupted", "wrong_arrays"])
def test_damaged_shard_is_a_cache_miss(
    fake_encoder: Encoder, isolated_cache: Path, damage: str
) -> None:
    texts = make_texts(30)
    expected, _ = embed_dataset(make_dataset(texts), fake_encoder, progress=False)
    (shard,) = shard_files(isolated_cache)
    data = shard.read_bytes()
    if damage == "garbage":
        shard.write_bytes(b"this is not a zip file at all" * 10)
    elif damage == "truncated":
        shard.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        shard.write_bytes(b"")
    elif damage == "corrupted":  # same size, bytes flipped inside the vectors
        middle = len(data) * 3 // 4
        shard.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64])
                          + data[middle + 64 :])  # fmt: skip
    else:
        with shard.open("wb") as handle:
            np.savez(handle, something=np.arange(3))
    vectors, stats = embed_dataset(make_dataset(texts), fake_encoder, progress=False)
    assert stats.n_cached == 0 and stats.n_embedded == 30
    np.testing.assert_array_equal(vectors, expected)
    # the re-embedded rows were cached again
    _, stats = embed_dataset(make_dataset(texts), fake_encoder, progress=False)
    assert stats.n_embedded == 0


def test_audit_twice_reuses_cache(text_frame: pd.DataFrame, fake_encoder: Encoder) -> None:
    first = siftkit.audit(text_frame, encoder="fake", progress=False)
    assert first.summary["encoder"]["n_embedded"] == first.summary["encoder"]["n_unique"] > 0
    second = siftkit.audit(text_frame, encoder="fake", progress=False)
    assert second.summary["encoder"]["n_embedded"] == 0
    assert second.summary["encoder"]["n_cached"] == first.summary["encoder"]["n_unique"]
    np.testing.assert_array_equal(first.embeddings, second.embeddings)


def test_leftover_temp_file_is_ignored(fake_encoder: Encoder, isolated_cache: Path) -> None:
    """A shard that was being written when a run died (a temp name) is never read."""
    texts = make_texts(10)
    embed_dataset(make_dataset(texts), fake_encoder, progress=False)
    (shard,) = shard_files(isolated_cache)
    (shard.parent / f".{shard.name}.tmp").write_bytes(shard.read_bytes()[:100])
    _, stats = embed_dataset(make_dataset(texts), fake_encoder, progress=False)
    assert stats.n_embedded == 0 and stats.n_cached == 10


def test_blank_texts_are_zero_vectors_and_not_embedded(recording_encoder: Encoder) -> None:
    texts = make_texts(12)
    texts[3], texts[7], texts[9] = "", "   \n", "\t"
    vectors, stats = embed_dataset(make_dataset(texts), recording_encoder, progress=False)
    embedded = [item for batch in recording_encoder.batches for item in batch]
    assert all(item.strip() for item in embedded) and len(embedded) == 9
    blank = np.zeros(12, dtype=bool)
    blank[[3, 7, 9]] = True
    assert (vectors[blank] == 0).all()
    np.testing.assert_allclose(np.linalg.norm(vectors[~blank], axis=1), 1.0, atol=1e-6)
    assert stats.n_empty == 3 and stats.n_rows == 12 and stats.n_embedded == 9
    assert stats.as_dict()["n_empty"] == 3


@pytest.mark.parametrize(
    "text", ["", "  ", "????", "-", "...", "(!) –", "\u3002", " n/a ", "None", "NULL", "NaN"]
)
def test_texts_of_whitespace_and_punctuation_alone_are_blank(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", ["a", "?! 7", "$", "\U0001f600", "犬", "none of these", "N/A N/A"])
def test_a_letter_digit_or_symbol_is_content(text: str) -> None:
    assert not is_blank(text)
