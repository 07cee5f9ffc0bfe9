"""The non-model encoders, precomputed embeddings, and encoder lookup."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siftkit._text import WORD_CHARS
from siftkit.data import Dataset, load
from siftkit.embed import (
    available_encoders,
    default_encoder_name,
    embed_dataset,
    get_encoder,
    load_embeddings,
)
from siftkit.exceptions import (
    DataFileNotFoundError,
    EmbeddingsError,
    EmptyDatasetError,
    FeatureScaleWarning,
    NotFittedError,
    UnknownPluginError,
)


def embed(data, encoder: str, **load_kwargs):  # noqa: ANN001, ANN201
    dataset = load(data, **load_kwargs)
    vectors, _ = embed_dataset(dataset, get_encoder(encoder), progress=False)
    return vectors


def assert_unit_or_zero(vectors: np.ndarray) -> None:
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    norms = np.linalg.norm(vectors, axis=1)
    assert np.all(np.isclose(norms, 1.0, atol=1e-5) | (norms == 0))


# --- TF-IDF + SVD -------------------------------------------------------------------------


def test_tfidf_separates_topics() -> None:
    texts = [f"football goal team match {i}" for i in range(10)] + [
        f"bread cheese soup recipe {i}" for i in range(10)
    ]
    vectors = embed(pd.DataFrame({"text": texts}), "tfidf", text="text")
    assert vectors.shape[0] == 20
    assert 2 <= vectors.shape[1] <= 19  # at most n_rows - 1 components
    assert_unit_or_zero(vectors)
    sims = vectors @ vectors.T
    same = sims[:10, :10][~np.eye(10, dtype=bool)].mean()
    across = sims[:10, 10:].mean()
    assert same > across + 0.3


def test_tfidf_reads_chinese_by_its_characters_and_their_pairs() -> None:
    """Without spaces a Chinese text was one token of its own: texts sharing words shared
    nothing."""
    texts = [f"球队赢得了第{i}场比赛" for i in range(10)] + [
        f"银行第{i}次提高了利率" for i in range(10)
    ]
    vectors = embed(pd.DataFrame({"text": texts}), "tfidf", text="text")
    sims = vectors @ vectors.T
    same = sims[:10, :10][~np.eye(10, dtype=bool)].mean()
    assert same > sims[:10, 10:].mean() + 0.3


def test_tfidf_reads_a_text_s_words_in_its_first_word_chars() -> None:
    texts = [f"football goal team match {i}" for i in range(5)] + [
        f"bread cheese soup recipe {i}" for i in range(5)
    ]
    tail = " " * WORD_CHARS + "bread cheese soup recipe " * 50
    clipped = embed(pd.DataFrame({"text": texts}), "tfidf", text="text")
    long = embed(pd.DataFrame({"text": [texts[0] + tail] + texts[1:]}), "tfidf", text="text")
    np.testing.assert_allclose(long, clipped, atol=1e-6)


# identical texts give sklearn's SVD zero total variance (a harmless divide warning)
@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
@pytest.mark.parametrize(
    "texts",
    [
        ["cat", "cat", "cat"],  # one word
        ["cat", "dog"],  # two words, two rows
        ["cat", "dog", "cat dog", "dog"],
        ["cat"],  # a single row
        ["a", "b", "?"],  # no word of two letters at all
        ["dog cat"] * 5,  # identical texts
    ],
)
def test_tfidf_tiny_vocabulary(texts: list[str]) -> None:
    vectors = embed(pd.DataFrame({"text": texts}), "tfidf", text="text")
    assert vectors.shape[0] == len(texts)
    assert vectors.shape[1] >= 1
    assert_unit_or_zero(vectors)
    # equal texts, equal vectors; different texts are not all collapsed
    for i, a in enumerate(texts):
        for j, b in enumerate(texts):
            if a == b:
                np.testing.assert_array_equal(vectors[i], vectors[j])
    if len(set(texts)) > 1:
        assert len({v.tobytes() for v in vectors}) > 1


def test_tfidf_on_few_rows_keeps_every_similarity_between_them() -> None:
    # three definitions sharing no word: a truncated SVD to two dimensions made two of them
    # identical (near duplicates at 1.000); their own span keeps them apart
    texts = [
        "a sensory receptor that responds to heat and cold",
        "the place designated as the end (as of a race or journey)",
        "a port in southwestern Alabama on Mobile Bay",
    ]
    vectors = embed(pd.DataFrame({"text": texts}), "tfidf", text="text")
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(3), atol=1e-5)
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(400)]
    many = [" ".join(rng.choice(words, size=6)) for _ in range(120)]
    encoder = get_encoder("tfidf").fit_texts(many)
    raw = encoder.vectorizer_.transform(many).toarray()
    got = encoder.embed_batch(many)
    assert got.shape == (120, 120)
    np.testing.assert_allclose(got @ got.T, raw @ raw.T, atol=1e-5)


def test_tfidf_deterministic() -> None:
    rng = np.random.default_rng(1)
    words = "red green blue cyan magenta yellow black white".split()
    texts = [" ".join(rng.choice(words, size=5)) for _ in range(50)]
    frame = pd.DataFrame({"text": texts})
    first = embed(frame, "tfidf", text="text")
    np.testing.assert_array_equal(first, embed(frame, "tfidf", text="text"))


def test_tfidf_unfitted_raises() -> None:
    with pytest.raises(NotFittedError):
        get_encoder("tfidf").embed_batch(["hello"])


# --- tabular ------------------------------------------------------------------------------


@pytest.fixture
def messy_table() -> pd.DataFrame:
    return pd.DataFrame({
        "size": [1.0, np.nan, np.inf, -np.inf, 5.0, 2.0, 3.0, np.nan],
        "count": [1, 2, 3, 4, 5, 6, 7, 8],
        "empty": [np.nan] * 8,
        "color": ["red", None, "blue", "red", np.nan, "green", "red", "blue"],
        "flag": [True, False, True, True, False, False, True, False],
    })  # fmt: skip


def test_tabular_messy_values_give_finite_vectors(messy_table: pd.DataFrame) -> None:
    dataset = load(messy_table)
    assert set(dataset.schema.numeric) == {"size", "count"}
    assert dataset.schema.ignored == ("empty",)  # no value in any row
    assert "color" in dataset.schema.categorical
    vectors, stats = embed_dataset(dataset, get_encoder("tabular"), progress=False)
    assert vectors.shape[0] == 8
    assert stats.n_embedded == 8
    assert_unit_or_zero(vectors)
    assert (np.linalg.norm(vectors, axis=1) > 0).all()
    # rows differing only where a value is missing still get different vectors
    assert len({v.tobytes() for v in vectors}) == 8


def test_tabular_deterministic(messy_table: pd.DataFrame) -> None:
    np.testing.assert_array_equal(embed(messy_table, "tabular"), embed(messy_table, "tabular"))


def test_tabular_reads_a_date_column_alike_in_every_batch() -> None:
    """A date column is told on all rows at fit: a batch holding mostly its few unreadable
    values still reads its dates as dates."""
    when = [f"2024-01-{1 + i % 28:02d}" for i in range(96)] + ["unknown"] * 4
    dataset = load(pd.DataFrame({"when": when, "size": np.arange(100.0)}))
    encoder = get_encoder("tabular").fit(dataset)
    alone, among_unknowns = encoder.embed_batch([95]), encoder.embed_batch([95, 96, 97, 98, 99])
    np.testing.assert_allclose(alone[0], among_unknowns[0], rtol=1e-6)


def test_tabular_identical_rows_get_identical_vectors() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 1.0, 9.0], "b": ["x", "y", "x", "y"]})
    vectors = embed(frame, "tabular")
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])


def test_tabular_missing_category_is_its_own_value() -> None:
    frame = pd.DataFrame({"kind": ["a", None, "a", None, "b", "b"], "size": [1, 2, 1, 2, 3, 3]})
    vectors = embed(frame, "tabular")
    assert_unit_or_zero(vectors)
    np.testing.assert_array_equal(vectors[1], vectors[3])
    assert not np.allclose(vectors[1], vectors[0])
    assert not np.allclose(vectors[1], vectors[4])


def test_tabular_on_text_alone_names_the_text_column() -> None:
    dataset = load(pd.DataFrame({"definition": ["a small dog", "a large cat", "a red car"]}))
    with pytest.raises(EmptyDatasetError, match="its text column 'definition' is embedded by"):
        get_encoder("tabular").fit(dataset)


def test_tabular_a_row_without_any_value_embeds_to_nothing() -> None:
    frame = pd.DataFrame({"size": [1.0, np.nan, 3.0, np.inf, 2.0],
                          "kind": ["a", None, "b", None, None]})  # fmt: skip
    norms = np.linalg.norm(embed(frame, "tabular"), axis=1)
    assert norms[1] == norms[3] == 0.0  # inf is no value either
    assert (norms[[0, 2, 4]] > 0).all()  # a missing category beside a number is a value


def test_tabular_rows_along_one_line_from_the_centre_are_told_apart() -> None:
    """Standardised rows compared by direction alone would make a row and one three times as
    far out along the same line identical; the offset coordinate tells them apart, and a row
    at the average row is not a zero vector."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 3))
    values[1] = 3.0 * values[0]
    values[2] = values.mean(axis=0)
    vectors = embed(pd.DataFrame(values, columns=["a", "b", "c"]), "tabular")
    assert vectors.shape == (200, 4)
    assert_unit_or_zero(vectors)
    assert float(vectors[0] @ vectors[1]) < 0.95
    assert np.linalg.norm(vectors[2]) > 0.99


def test_tabular_rows_far_out_are_outliers() -> None:
    """Rows 7 standard deviations out, along directions the bulk also takes, are the run's
    top outliers (compared by direction alone they ranked 36th to 228th of 500)."""
    import siftkit

    rng = np.random.default_rng(2)
    values = rng.normal(size=(500, 4))
    directions = rng.normal(size=(5, 4))
    values[:5] = 7.0 * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    run = siftkit.audit(pd.DataFrame(values, columns=list("abcd")), detectors=["outliers"],
                        progress=False)  # fmt: skip
    top = run.rows["outlier_score"].rank(ascending=False, method="first")
    assert sorted(top[:5].astype(int)) == [1, 2, 3, 4, 5]
    assert run.rows["is_outlier"][:5].all()


def test_tabular_mostly_constant_column_does_not_blow_tiny_differences_up() -> None:
    """A column 0 on every row but the copies, where it is 0.001: standardised by the tiny
    spread those copies alone give it, a copy lay far from its source (cosine 0.3) and was an
    outlier; scaled by its largest deviation it differs from its source as much as a one-hot
    column would (as the digits' copies do there, it is then a near duplicate)."""
    import siftkit

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(400, 40)), columns=[f"c{i}" for i in range(40)])
    frame["flat"] = 0.0
    copies = frame.iloc[:4].assign(flat=0.001)
    table = pd.concat([frame, copies], ignore_index=True)
    vectors = embed(table, "tabular")
    similarity = (vectors[:4] * vectors[400:]).sum(axis=1)
    assert (similarity > 0.98).all(), similarity
    run = siftkit.audit(table, detectors=["outliers"], progress=False)
    assert not run.rows["is_outlier"][400:].any()
    # rows far off in a mostly constant column still lie apart from the rest
    frame["flat"] = np.where(np.arange(400) < 3, 50.0, 0.0)
    vectors = embed(frame, "tabular")
    assert float(vectors[0] @ vectors[3]) < 0.9


def test_tabular_rows_missing_a_value_stay_with_their_kind() -> None:
    """A missing-value indicator is 0 or 1, as a one-hot column is: standardised, the 12 rows
    (of 300) missing `a` lay 4.9 units out along it and formed a category of their own."""
    import siftkit

    rng = np.random.default_rng(4)
    kind = np.repeat([0, 1], 150)
    frame = pd.DataFrame(rng.normal(size=(300, 6)) + 3.0 * kind[:, None], columns=list("abcdef"))
    missing = rng.choice(300, 12, replace=False)
    frame.loc[missing, "a"] = np.nan
    run = siftkit.audit(frame, detectors=["clusters"], progress=False)
    clusters = run.rows["cluster"].to_numpy()
    # each category is one kind, the rows missing `a` among them
    for code in np.unique(clusters):
        assert len(np.unique(kind[clusters == code])) == 1
    assert run.summary["clusters"]["n_clusters"] == 2
    assert "missing" not in " ".join(run.rows["cluster_name"].unique())


def test_tabular_unfitted_raises() -> None:
    with pytest.raises(NotFittedError):
        get_encoder("tabular").embed_batch([0])


# --- vectors ------------------------------------------------------------------------------


def test_vectors_from_numpy_array() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(30, 5))
    dataset = load(features)
    assert default_encoder_name(dataset) == "vectors"
    vectors, _ = embed_dataset(dataset, get_encoder("vectors"), progress=False)
    expected = features / np.linalg.norm(features, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, atol=1e-6)


def test_features_in_different_units_warn_naming_the_widest_column(tmp_path: Path) -> None:
    """Raw measurements (the wine data's columns, proline in the hundreds beside ratios
    near 1) would be compared by the widest column alone: a warning says so and how to fix it;
    pixels, embeddings and a constant column do not warn."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(50, 6))
    features[:, 4] *= 400.0
    with pytest.warns(FeatureScaleWarning, match=r"column 4 \(from 0\) \d+ times .* as a table"):
        embed_dataset(load(features), get_encoder("vectors"), progress=False)
    np.save(tmp_path / "vectors.npy", features)
    with pytest.warns(FeatureScaleWarning, match="The columns of '.*vectors.npy'"):
        load_embeddings(tmp_path / "vectors.npy", 50)
    pixels = rng.integers(0, 16, size=(50, 8)).astype(float)
    pixels[:, 0] = 0.0  # a border pixel, never inked
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        embed_dataset(load(pixels), get_encoder("vectors"), progress=False)
        load_embeddings(rng.normal(size=(50, 16)), 50)


def test_vectors_from_a_vector_column() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(12, 4)).astype(np.float32)
    frame = pd.DataFrame({"emb": list(matrix), "label": ["a", "b"] * 6})
    dataset = load(frame)
    assert dataset.schema.vector == ("emb",)
    assert default_encoder_name(dataset) == "vectors"
    vectors, _ = embed_dataset(dataset, get_encoder("vectors"), progress=False)
    np.testing.assert_allclose(
        vectors, matrix / np.linalg.norm(matrix, axis=1, keepdims=True), atol=1e-6
    )


def test_two_vector_columns_are_normalised_then_concatenated() -> None:
    rng = np.random.default_rng(0)
    first = rng.normal(size=(10, 3)) * 100.0  # a large scale must not dominate
    second = rng.normal(size=(10, 5))
    frame = pd.DataFrame({"a_vec": [list(r) for r in first], "b_vec": [list(r) for r in second]})
    dataset = load(frame)
    assert dataset.schema.vector == ("a_vec", "b_vec")
    vectors, _ = embed_dataset(dataset, get_encoder("vectors"), progress=False)
    assert vectors.shape == (10, 8)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    expected = np.hstack([unit(first), unit(second)]) / np.sqrt(2.0)
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    # each block carries half the squared norm
    np.testing.assert_allclose(np.linalg.norm(vectors[:, :3], axis=1), np.sqrt(0.5), atol=1e-6)


def test_vectors_with_nan_are_rejected() -> None:
    features = np.ones((5, 3))
    features[2, 1] = np.nan
    with pytest.raises(EmbeddingsError, match=r"\[2\]"):
        embed(features, "vectors")


@pytest.mark.parametrize("bad", ["mixed_lengths", "missing"])
def test_bad_vector_column_is_rejected(bad: str) -> None:
    frame = pd.DataFrame({"emb": [[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]], "x": [1, 2, 3]})
    frame.at[2, "emb"] = [1.0, 2.0, 3.0] if bad == "mixed_lengths" else None
    dataset = load(frame)
    # force the role (inference alone would not call this a vector column)
    dataset = Dataset(frame=dataset.frame, schema=replace(dataset.schema, vector=("emb",)),
                      source=dataset.source)  # fmt: skip
    with pytest.raises(EmbeddingsError, match="emb"):
        embed_dataset(dataset, get_encoder("vectors"), progress=False)


def test_a_column_of_empty_lists_is_a_vector_column_that_says_so() -> None:
    frame = pd.DataFrame({"emb": [[], [], [], []], "x": [1, 2, 3, 4]})
    dataset = load(frame, label=False)
    assert dataset.schema.vector == ("emb",)  # not a categorical column of lists
    with pytest.raises(EmbeddingsError, match="empty vectors .* in 4 of 4 rows"):
        embed_dataset(dataset, get_encoder("vectors"), progress=False)
    # an empty list first does not hide the vectors after it
    frame["emb"] = [[], [1.0, 2.0], [2.0, 1.0], [1.0, 1.0]]
    assert load(frame, label=False).schema.vector == ("emb",)


# --- precomputed embeddings ---------------------------------------------------------------


def test_load_embeddings_array_and_path(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(20, 6)) * 3.0
    from_array = load_embeddings(raw, 20)
    path = tmp_path / "vectors.npy"
    np.save(path, raw)
    from_path = load_embeddings(path, 20)
    from_str = load_embeddings(str(path), 20)
    expected = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    for vectors in (from_array, from_path, from_str):
        assert vectors.dtype == np.float32 and vectors.shape == (20, 6)
        np.testing.assert_allclose(vectors, expected, atol=1e-6)


def test_load_embeddings_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError):
        load_embeddings(tmp_path / "missing.npy", 3)
    with pytest.raises(EmbeddingsError, match="rows"):
        load_embeddings(np.ones((4, 2)), 3)
    with pytest.raises(EmbeddingsError, match="2-D"):
        load_embeddings(np.ones(3), 3)
    bad = np.ones((3, 2))
    bad[1, 0] = np.inf
    with pytest.raises(EmbeddingsError, match="NaN or inf"):
        load_embeddings(bad, 3)
    with pytest.raises(EmbeddingsError):
        load_embeddings(np.ones((3, 0)), 3)
    with pytest.raises(EmbeddingsError):
        load_embeddings(np.array([["a", "b"]] * 3), 3)
    not_npy = tmp_path / "text.npy"
    not_npy.write_text("hello")
    with pytest.raises(EmbeddingsError):
        load_embeddings(not_npy, 3)


# --- lookup -------------------------------------------------------------------------------


def test_unknown_encoder_suggests_a_name() -> None:
    with pytest.raises(UnknownPluginError, match="Did you mean") as info:
        get_encoder("minlm")
    assert "'minilm'" in str(info.value)
    with pytest.raises(KeyError):  # also catchable as the builtin a user would expect
        get_encoder("tfdif")


def test_unknown_encoder_far_from_everything_lists_choices() -> None:
    with pytest.raises(UnknownPluginError) as info:
        get_encoder("zzzzzzzzzz")
    message = str(info.value)
    assert "Did you mean" not in message
    for name in ("minilm", "tfidf", "tabular", "vectors"):
        assert name in message


def test_builtin_encoders_are_registered() -> None:
    assert {"minilm", "tfidf", "tabular", "vectors"} <= set(available_encoders())


def test_default_encoder_name() -> None:
    text = load(pd.DataFrame({"text": ["a long sentence about cats", "another one about dogs"]}))
    assert default_encoder_name(text) == "minilm"
    array = load(np.ones((3, 4)))
    assert default_encoder_name(array) == "vectors"
    numeric = load(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4, 5, 6]}))
    assert default_encoder_name(numeric) == "tabular"
    categorical = load(pd.DataFrame({"a": [1.0, 2.0, 3.0], "kind": ["x", "y", "x"]}))
    assert default_encoder_name(categorical) == "tabular"
    vector_col = load(pd.DataFrame({"emb": [[1.0, 0.0], [0.0, 1.0]], "n": [1, 2]}))
    assert default_encoder_name(vector_col) == "vectors"
