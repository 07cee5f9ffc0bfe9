"""Copies between train and test (leakage): Fashion-MNIST with copies planted across splits.

Fashion-MNIST's 60,000 training and 10,000 test images (Debian ``dataset-fashion-mnist``),
raw pixels. Copies of ``PLANTED_PER_KIND`` test images of each kind are added to the
training rows: exact, with pixel noise (a normal of ``NOISE_GREY_LEVELS`` grey levels, as
recompression leaves), and shifted by one pixel (as a crop a pixel off leaves). A planted
copy is found when the method puts it with its test image.

Baselines, measured in the same run on the same rows:

- exact hashing: a hash of each image's bytes, as ``DataFrame.duplicated`` finds copies;
- average hash (aHash, as image de-duplication tools compute it): each image as 7x7 blocks of
  4x4 pixels, a bit per block above the image's mean, images of one hash copies.

siftkit: ``siftkit.audit`` with the pixels as ``--embeddings``, a ``split`` column, and the
``near_duplicates`` detector (defaults); its summary's ``groups_across_splits``.

    python -m benchmarks.leakage [--quick]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

import siftkit
from benchmarks._common import Report, parse_args, scratch_dir, seconds, timed
from benchmarks.datasets import load_fashion_mnist

NAME = "leakage"
N_TRAIN, N_TEST = 60_000, 10_000
QUICK_TRAIN, QUICK_TEST = 6_000, 1_000
PLANTED_PER_KIND, QUICK_PLANTED = 100, 20
NOISE_GREY_LEVELS = 6.0
KINDS = ("exact", "noise", "shift")
TRAIN, TEST = "train", "test"


def planted_copies(
    test_images: np.ndarray, n_per_kind: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(copies, the test row each copies, its kind) for ``n_per_kind`` test images of each
    of ``KINDS``, no image copied twice."""
    sources = rng.choice(len(test_images), size=n_per_kind * len(KINDS), replace=False)
    kinds = np.repeat(KINDS, n_per_kind)
    copies = test_images[sources].astype(np.float64)
    noisy = kinds == "noise"
    copies[noisy] += rng.normal(0.0, NOISE_GREY_LEVELS, size=copies[noisy].shape)
    shifted = kinds == "shift"
    copies[shifted] = np.roll(copies[shifted].reshape(-1, 28, 28), 1, axis=2).reshape(-1, 784)
    return np.clip(np.round(copies), 0, 255).astype(np.uint8), sources, kinds


def exact_hashes(images: np.ndarray) -> np.ndarray:
    return np.array([hashlib.blake2b(row.tobytes(), digest_size=8).hexdigest() for row in images])


def average_hashes(images: np.ndarray) -> np.ndarray:
    """aHash: 7x7 blocks of 4x4 pixels, a bit per block above the image's mean."""
    blocks = images.reshape(-1, 7, 4, 7, 4).astype(np.float64).mean(axis=(2, 4)).reshape(-1, 49)
    bits = blocks > blocks.mean(axis=1, keepdims=True)
    return np.array([np.packbits(row).tobytes().hex() for row in bits])


def hash_groups(hashes: np.ndarray) -> np.ndarray:
    """A group per hash shared by two rows or more, -1 for a hash of one row."""
    codes, _ = pd.factorize(hashes)
    sizes = np.bincount(codes)
    return np.where(sizes[codes] > 1, codes, -1)


def leakage(groups: np.ndarray, splits: np.ndarray, copy_rows: np.ndarray,
            sources: np.ndarray) -> tuple[np.ndarray, int, int]:  # fmt: skip
    """(whether each planted copy is in its test image's group, the groups holding rows of
    both splits, the test rows in them)."""
    found = (groups[copy_rows] >= 0) & (groups[copy_rows] == groups[sources])
    rows = pd.DataFrame({"group": groups, "split": splits})[groups >= 0]
    spread = rows.groupby("group")["split"].nunique()
    across = spread.index[spread > 1]
    test_rows = int(((rows["split"] == TEST) & rows["group"].isin(across)).sum())
    return found, len(across), test_rows


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(__doc__.splitlines()[0], argv)
    n_train, n_test = (QUICK_TRAIN, QUICK_TEST) if args.quick else (N_TRAIN, N_TEST)
    n_planted = QUICK_PLANTED if args.quick else PLANTED_PER_KIND
    images, labels = load_fashion_mnist()
    train, test = images[:n_train], images[N_TRAIN : N_TRAIN + n_test]
    rng = np.random.default_rng(0)
    copies, sources, kinds = planted_copies(test, n_planted, rng)
    # rows: the test images first (their positions are the sources), then training, then copies
    pixels = np.concatenate([test, train, copies])
    splits = np.array([TEST] * n_test + [TRAIN] * (n_train + len(copies)), dtype=object)
    classes = np.concatenate([labels[N_TRAIN : N_TRAIN + n_test], labels[:n_train],
                              labels[N_TRAIN:][sources]])  # fmt: skip
    copy_rows = np.arange(n_test + n_train, len(pixels))
    report = Report(
        NAME,
        "Copies between train and test: Fashion-MNIST with planted leaks",
        quick=args.quick,
        details={
            "dataset": f"Fashion-MNIST, {n_train:,} training and {n_test:,} test images (raw "
            f"pixels); {len(copies):,} training rows added, copies of as many test images: "
            f"{n_planted} exact, {n_planted} with pixel noise (sd {NOISE_GREY_LEVELS:g} grey "
            f"levels), {n_planted} shifted a pixel",
            "siftkit": "audit with the pixels as embeddings, a split column, near_duplicates "
            "(defaults)",
        },
    )
    results = {}
    for name, hashes in (("exact hashing (baseline)", exact_hashes),
                         ("average hash, aHash 7x7 (baseline)", average_hashes)):  # fmt: skip
        secs, groups = timed(lambda hashes=hashes: hash_groups(hashes(pixels)))
        results[name] = (secs, *leakage(groups, splits, copy_rows, sources))
    frame = pd.DataFrame({"label": classes.astype(str), "split": splits})
    with scratch_dir(NAME, keep=args.keep) as scratch:
        secs, audit = timed(
            lambda: siftkit.audit(
                frame,
                embeddings=pixels.astype(np.float32),
                output=scratch,
                detectors=["near_duplicates"],
                progress=False,
            )  # fmt: skip
        )
        groups = audit.rows["duplicate_group"].to_numpy()
        summary = audit.summary["near_duplicates"]
    results["siftkit near_duplicates"] = (secs, *leakage(groups, splits, copy_rows, sources))

    report.section(
        "Planted copies found",
        "A copy is found when it is grouped with the test image it copies. Time: the hashing, "
        "or siftkit's whole audit (neighbour graph included).",
    )
    rows = []
    for name, (secs, found, n_groups, test_rows) in results.items():
        by_kind = [f"{found[kinds == kind].mean():.0%}" for kind in KINDS]
        rows.append([name, *by_kind, f"{found.mean():.0%}", f"{n_groups:,}", f"{test_rows:,}",
                     seconds(secs)])  # fmt: skip
    report.table(
        ["method", *(f"{kind} copies found" for kind in KINDS), "all found",
         "groups across splits", "test rows in them", "seconds"],
        rows, align="lrrrrrrr",
    )  # fmt: skip
    _, found, _, test_rows = results["siftkit near_duplicates"]
    natural = test_rows - int(found.sum())
    report.add(
        f"siftkit's summary: {summary['groups_across_splits']:,} groups across splits, rows "
        f"{summary['rows_across_splits']}; similarity cut {summary['similarity_cut']}. Beyond "
        f"the planted copies it finds about {natural:,} test images with a near copy among "
        "the original training images, which no hash finds."
    )
    report.save()


if __name__ == "__main__":
    main()
