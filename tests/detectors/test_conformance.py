"""One conformance suite for every registered detector, over corner-case contexts.

Each detector must, on every context: run or be skipped with a reason; return exactly its
declared columns, one value per row, scores in [0, 1] without NaN, boolean flags; leave the
(read-only) context untouched; give the same output twice; and not depend on row order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from detector_contexts import build_context

from siftkit._validation import Interval, Options
from siftkit.detectors import Context, Detector, detector_classes, run_detectors
from siftkit.detectors.label_errors import MIN_CLASS_ROWS
from siftkit.exceptions import InvalidParameterError

BUILTIN = {"duplicates", "near_duplicates", "outliers", "label_errors"}


def registered_detectors() -> dict[str, type[Detector]]:
    """Every registered detector class (a test module's own plugins are left out)."""
    return {
        name: cls
        for name, cls in detector_classes().items()
        if isinstance(cls, type)
        and issubclass(cls, Detector)
        and not cls.__module__.startswith(("test_", "tests.", "conftest"))
    }


DETECTORS = registered_detectors()


# --- the corner cases ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    vectors: np.ndarray
    labels: list[Any] | None
    k: int = 10
    # Rows whose neighbours are tied at equal similarity beyond k: which of them make the
    # list depends on row order, so a neighbour vote is order-dependent for those rows.
    # "zero_rows": the zero vectors (similarity 0 to everything); "all": every row.
    tied: str = "none"


def _base(seed: int = 0, n_per: int = 20) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, 12)) * 3.0
    members = np.repeat(np.arange(3), n_per)
    vectors = centers[members] + rng.normal(size=(len(members), 12))
    labels = [["ant", "bee", "cat"][m] for m in members]
    labels[4] = "cat"  # one mislabeled row
    return vectors.astype(np.float32), labels


def make_cases() -> dict[str, Case]:
    vectors, labels = _base()
    rng = np.random.default_rng(1)
    cases: dict[str, Case] = {"generic": Case(vectors, labels)}

    copies = rng.choice(len(vectors), size=15, replace=True)  # some rows copied twice
    cases["duplicate_rows"] = Case(
        np.vstack([vectors, vectors[copies]]), labels + [labels[i] for i in copies]
    )
    zeroed = vectors.copy()
    zeroed[[0, 21, 22, 50, 59]] = 0.0
    cases["zero_vectors"] = Case(zeroed, labels, tied="zero_rows")
    with_nan = vectors.copy()
    with_nan[[3, 30]] = np.nan
    with_nan[45, 2] = np.nan
    cases["nan_rows"] = Case(with_nan, labels, tied="zero_rows")
    cases["fewer_rows_than_k"] = Case(vectors[[0, 25, 45]], ["ant", "bee", "ant"], k=20)
    cases["two_rows"] = Case(vectors[[0, 25]], ["ant", "bee"])
    cases["single_row"] = Case(vectors[:1], ["ant"])
    cases["single_class"] = Case(vectors, ["ant"] * len(vectors))
    cases["all_rows_identical"] = Case(
        np.repeat(vectors[:1], 25, axis=0), ["ant", "bee"] * 12 + ["ant"], tied="all"
    )
    cases["no_labels"] = Case(vectors, None)
    some_missing = list(labels)
    for i in (1, 2, 33, 58):
        some_missing[i] = None
    cases["some_labels_missing"] = Case(vectors, some_missing)
    cases["integer_labels"] = Case(vectors, [{"ant": 3, "bee": 7, "cat": 11}[x] for x in labels])
    return cases


CASES = make_cases()


def context_for(case: Case, order: np.ndarray | None = None) -> Context:
    order = np.arange(len(case.vectors)) if order is None else order
    labels = None if case.labels is None else [case.labels[i] for i in order]
    return build_context(case.vectors[order], labels, k=case.k)


def run_one(context: Context, detector: Detector) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    outcome = run_detectors(context, [detector], raise_errors=True)
    return outcome.summaries[detector.name], outcome.columns


# --- the suite ----------------------------------------------------------------------------


def test_registry_holds_detectors_only() -> None:
    assert BUILTIN <= set(DETECTORS)
    assert "fake" not in detector_classes()  # the conftest encoder is an encoder
    for name, cls in DETECTORS.items():
        assert cls.name == name
        assert cls.columns, f"{name} declares no columns"


@pytest.fixture(params=sorted(DETECTORS))
def detector_cls(request: pytest.FixtureRequest) -> type[Detector]:
    return DETECTORS[request.param]


@pytest.fixture(params=sorted(CASES))
def case_name(request: pytest.FixtureRequest) -> str:
    return request.param


def snapshot(context: Context) -> dict[str, np.ndarray]:
    arrays = {
        "embeddings": context.embeddings,
        "row_ids": context.row_ids,
        "content_hashes": context.content_hashes,
        "graph.indices": context.graph.indices,
        "graph.similarities": context.graph.similarities,
    }
    if context.labels is not None:
        arrays["labels.codes"] = context.labels.codes
        arrays["labels.classes"] = context.labels.classes
    return arrays


def check_contract(
    detector: Detector, context: Context, entry: dict[str, Any], columns: dict[str, np.ndarray]
) -> None:
    if entry["status"] == "skipped":
        assert isinstance(entry["reason"], str) and entry["reason"].strip()
        assert columns == {}
        return
    assert entry["status"] == "ok", entry
    assert set(columns) == set(detector.columns)
    n = context.n_rows
    for name, values in columns.items():
        assert values.shape == (n,), name
        if name.endswith("_score"):
            assert np.issubdtype(values.dtype, np.floating), name
            assert np.isfinite(values).all(), name
            assert (values >= 0.0).all() and (values <= 1.0).all(), name
        if name.startswith("is_"):
            assert values.dtype == bool, name
    if "duplicate_group" in columns:
        groups = columns["duplicate_group"]
        assert np.issubdtype(groups.dtype, np.integer)
        assert (groups >= -1).all()
        used = np.unique(groups[groups >= 0])
        np.testing.assert_array_equal(used, np.arange(len(used)))  # numbered 0..g-1
        assert all((groups == g).sum() >= 2 for g in used)  # a group has 2+ rows
    if "suggested_label" in columns:
        allowed = set(context.labels.classes.tolist())
        labeled = ~context.labels.missing
        assert set(columns["suggested_label"][labeled].tolist()) <= allowed
        assert all(s is None for s in columns["suggested_label"][~labeled])  # nothing to mend


def test_contract(detector_cls: type[Detector], case_name: str) -> None:
    case = CASES[case_name]
    context = context_for(case)
    before = {name: array.copy() for name, array in snapshot(context).items()}
    detector = detector_cls()
    entry, columns = run_one(context, detector)
    check_contract(detector, context, entry, columns)
    if entry["status"] == "skipped" and detector.name == "labeling":
        # labeling runs on request: given topics, or seeds (a partly labeled column)
        partly_labeled = context.labels is not None and context.labels.missing.any()
        assert not partly_labeled, f"unexpected skip: {entry['reason']}"
        assert "nothing to label" in entry["reason"]
    elif entry["status"] == "skipped":
        needs_labels = "labels" in detector.requires
        # two classes or more, and (label errors) two with enough labeled rows to judge by
        enough = MIN_CLASS_ROWS if detector.name == "label_errors" else 1
        codes = None if context.labels is None else context.labels.codes
        judgeable = codes is not None and (np.bincount(codes[codes >= 0]) >= enough).sum() >= 2
        assert needs_labels and not judgeable, f"unexpected skip: {entry['reason']}"
        if context.labels is None:
            assert "label" in entry["reason"]
    # nothing in the context changed, and nothing can be written
    for name, array in snapshot(context).items():
        np.testing.assert_array_equal(array, before[name], err_msg=name)
        if array.size:
            assert not array.flags.writeable, name
            with pytest.raises(ValueError, match="read-only"):
                array[(0,) * array.ndim] = array[(0,) * array.ndim]


def test_deterministic(detector_cls: type[Detector], case_name: str) -> None:
    case = CASES[case_name]
    first_entry, first = run_one(context_for(case), detector_cls())
    second_entry, second = run_one(context_for(case), detector_cls())
    third_entry, third = run_one(context_for(case), detector_cls())
    assert first.keys() == second.keys() == third.keys()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
        np.testing.assert_array_equal(first[name], third[name], err_msg=name)
    assert first_entry == second_entry


def partition(groups: np.ndarray, row_ids: np.ndarray) -> set[frozenset[int]]:
    """Groups as sets of row ids (singletons, -1, left out)."""
    return {frozenset(row_ids[groups == g].tolist()) for g in np.unique(groups[groups >= 0])}


def flag_counts(flags: np.ndarray, keys: np.ndarray, row_ids: np.ndarray) -> dict[Any, int]:
    """How many rows are flagged within each group of rows sharing a key, keyed by the
    group's row ids (so it does not depend on order)."""
    counts = {}
    for key in np.unique(keys):
        members = keys == key
        counts[frozenset(row_ids[members].tolist())] = int(flags[members].sum())
    return counts


def test_row_order_invariance(detector_cls: type[Detector], case_name: str) -> None:
    case = CASES[case_name]
    n = len(case.vectors)
    order = np.random.default_rng(7).permutation(n)
    if n > 1:
        while (order == np.arange(n)).all():
            order = np.roll(order, 1)
    entry, original = run_one(context_for(case), detector_cls())
    permuted_context = context_for(case, order)
    permuted_entry, permuted = run_one(permuted_context, detector_cls())
    assert entry["status"] == permuted_entry["status"]
    if entry["status"] != "ok":
        return
    ids = np.arange(n)
    compared = np.ones(n, dtype=bool)
    uses_labels = "labels" in detector_cls.requires or detector_cls.name == "outliers"
    if case.tied != "none" and uses_labels and context_for(case).labels is not None:
        if case.tied == "all":
            pytest.skip("all neighbours tie; which k are listed depends on position")
        # the vote of a zero vector's row follows whichever tied rows are listed
        compared = np.linalg.norm(context_for(case).embeddings, axis=1) > 0
    hashes = context_for(case).content_hashes
    for name, values in original.items():
        got = permuted[name]  # row i of the permuted data is row order[i] of the original
        if name == "duplicate_group":
            assert partition(got, ids[order]) == partition(values, ids), name
        elif name == "is_duplicate":
            # which copy counts as "first" depends on order; how many are flagged does not
            assert flag_counts(got, hashes[order], ids[order]) == flag_counts(
                values, hashes, ids
            ), name
        elif name == "is_near_duplicate":
            groups = original["duplicate_group"]
            keys = np.where(groups >= 0, groups, -1 - ids)  # singletons: their own key
            permuted_groups = permuted["duplicate_group"]
            permuted_keys = np.where(permuted_groups >= 0, permuted_groups, -1 - ids[order])
            assert flag_counts(got, permuted_keys, ids[order]) == flag_counts(values, keys, ids), (
                name
            )
        elif np.issubdtype(values.dtype, np.floating):
            rows = compared[order]
            np.testing.assert_allclose(got[rows], values[order][rows], atol=1e-5, err_msg=name)
        else:
            rows = compared[order]
            np.testing.assert_array_equal(got[rows], values[order][rows], err_msg=name)


# --- parameters ---------------------------------------------------------------------------


def test_get_params_and_check_params(detector_cls: type[Detector]) -> None:
    detector = detector_cls()
    params = detector.get_params()
    assert set(params) == set(detector_cls.parameter_constraints)
    signature = inspect.signature(detector_cls.__init__)
    for name, value in params.items():
        assert signature.parameters[name].default == value, name
    detector.check_params()
    clone = detector_cls(**params)
    assert clone.get_params() == params
    # parameters are stored unchanged, scikit-learn style
    for name, value in params.items():
        assert getattr(clone, name) is value or getattr(clone, name) == value


def bad_values(constraints: list[Any]) -> list[Any]:
    """Values that break every constraint in the list."""
    candidates: list[Any] = ["not a number", None, float("nan"), True]
    for constraint in constraints:
        if isinstance(constraint, Interval):
            if constraint.low is not None:
                candidates.append(constraint.low if constraint.open_low else constraint.low - 1)
            if constraint.high is not None:
                high = constraint.high
                candidates.append(high if constraint.open_high else high + 1)
            if constraint.kind is int:
                candidates.append(2.5)
        elif isinstance(constraint, Options):
            candidates.append("no-such-option")
    from siftkit._validation import _satisfies

    return [v for v in candidates if not any(_satisfies(v, c) for c in constraints)]


PARAM_CASES = [
    pytest.param(name, param, value, id=f"{name}-{param}-{value!r}")
    for name, cls in sorted(DETECTORS.items())
    for param, constraints in cls.parameter_constraints.items()
    for value in bad_values(constraints)
]


def test_every_parametrised_detector_has_invalid_cases() -> None:
    with_params = {name for name, cls in DETECTORS.items() if cls.parameter_constraints}
    assert with_params == {p.values[0] for p in PARAM_CASES}
    assert {"near_duplicates", "outliers", "label_errors"} <= with_params


@pytest.mark.parametrize(("name", "param", "value"), PARAM_CASES)
def test_invalid_parameter_raises(name: str, param: str, value: Any) -> None:
    detector = DETECTORS[name](**{param: value})
    with pytest.raises(InvalidParameterError, match=repr(param)):
        detector.check_params()
    context = context_for(CASES["generic"])
    with pytest.raises(InvalidParameterError, match=repr(param)):
        run_detectors(context, [detector])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("near_duplicates", {"threshold": 1.0}),
        ("near_duplicates", {"threshold": 0.01}),
        ("outliers", {"k": 1, "threshold": 0.5}),
        ("label_errors", {"k": 1, "temperature": 10.0, "margin": 0.0, "knn_weight": 0.0}),
        (
            "label_errors",
            {"margin": 1.0, "knn_weight": 1.0, "prototype_weight": 0.0, "off_topic_margin": 0.0},
        ),
        ("label_errors", {"knn_weight": 0.0, "prototype_weight": 1.0}),
    ],
)
def test_edge_parameters_run(name: str, params: dict[str, Any], case_name: str) -> None:
    detector = DETECTORS[name](**params)
    context = context_for(CASES[case_name])
    entry, columns = run_one(context, detector)
    check_contract(detector, context, entry, columns)


def test_make_context_fixture_builds_read_only_context(
    make_context: Callable[..., Context],
) -> None:
    vectors = np.array([[1.0, 0.0], [np.nan, 1.0], [0.0, 2.0]])
    context = make_context(vectors, ["a", "b", "a"], k=5)
    np.testing.assert_array_equal(context.embeddings[1], [0.0, 0.0])
    np.testing.assert_allclose(context.embeddings[2], [0.0, 1.0])
    assert context.graph.k == 2
    assert context.labels.codes.tolist() == [0, 1, 0]
