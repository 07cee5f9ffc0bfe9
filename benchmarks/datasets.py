"""Benchmark and demo data that works offline: WordNet glosses, Fashion-MNIST, digits.

WordNet comes from Debian's ``wordnet-base`` and Fashion-MNIST from ``dataset-fashion-mnist``;
``ensure_debian_package`` installs them when missing (benchmarks only, never tests).

    python -m benchmarks.datasets --demo examples/wordnet_nouns.csv
    python -m benchmarks.datasets --common-words src/siftkit/label/common_words.txt

rebuild the bundled demo file and the common words keyword topics are tested against
(:mod:`siftkit.label.presence`).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

WORDNET_NOUNS = Path("/usr/share/wordnet/data.noun")
WORDNET_VERBS = Path("/usr/share/wordnet/data.verb")
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FORTUNES_DIR = Path("/usr/share/games/fortunes")
#: The fortune files read as topics (Debian `fortunes`), and how many of each at most.
FORTUNE_TOPICS = ("computers", "food", "love", "politics", "science", "sports", "law",
                  "medicine", "startrek", "education", "pets", "drugs")  # fmt: skip
FORTUNES_PER_TOPIC, FORTUNE_MAX_CHARS = 220, 200

#: WordNet's lexicographer files for nouns: lex_filenum -> name.
NOUN_LEXNAMES = {
    3: "noun.Tops", 4: "noun.act", 5: "noun.animal", 6: "noun.artifact", 7: "noun.attribute",
    8: "noun.body", 9: "noun.cognition", 10: "noun.communication", 11: "noun.event",
    12: "noun.feeling", 13: "noun.food", 14: "noun.group", 15: "noun.location",
    16: "noun.motive", 17: "noun.object", 18: "noun.person", 19: "noun.phenomenon",
    20: "noun.plant", 21: "noun.possession", 22: "noun.process", 23: "noun.quantity",
    24: "noun.relation", 25: "noun.shape", 26: "noun.state", 27: "noun.substance",
    28: "noun.time",
}  # fmt: skip

#: WordNet's lexicographer files for verbs: lex_filenum -> name.
VERB_LEXNAMES = {
    29: "verb.body", 30: "verb.change", 31: "verb.cognition", 32: "verb.communication",
    33: "verb.competition", 34: "verb.consumption", 35: "verb.contact", 36: "verb.creation",
    37: "verb.emotion", 38: "verb.motion", 39: "verb.perception", 40: "verb.possession",
    41: "verb.social", 42: "verb.stative", 43: "verb.weather",
}  # fmt: skip


def ensure_debian_package(name: str, marker: Path) -> None:
    """Install a Debian data package if ``marker`` is missing (needs root and apt)."""
    if marker.exists():
        return
    if shutil.which("apt-get") is None:
        raise SystemExit(f"{marker} is missing and apt-get is unavailable: install {name}.")
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", name], check=True)


def _read_wordnet(path: Path, pos: str, lexnames: dict[int, str]) -> pd.DataFrame:
    """Synsets of one WordNet data file: ``synset`` (offset-pos), ``word``, ``definition``
    (the gloss without its quoted examples) and ``category`` (lexicographer file)."""
    ensure_debian_package("wordnet-base", path)
    rows = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("  "):  # licence header
                continue
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            lexnum = int(fields[1])
            word = fields[4].replace("_", " ")
            definition = gloss.split('; "')[0].strip().rstrip(";").strip()
            rows.append((f"{fields[0]}-{pos}", word, definition, lexnames[lexnum]))
    return pd.DataFrame(rows, columns=["synset", "word", "definition", "category"])


def load_wordnet_nouns() -> pd.DataFrame:
    """All 82,115 noun synsets: ``word``, ``definition`` (gloss without examples), ``category``."""
    return _read_wordnet(WORDNET_NOUNS, "n", NOUN_LEXNAMES)


def load_wordnet_verbs() -> pd.DataFrame:
    """All 13,767 verb synsets, in the same columns as :func:`load_wordnet_nouns`."""
    return _read_wordnet(WORDNET_VERBS, "v", VERB_LEXNAMES)


def sample_wordnet(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """A seeded random sample of ``n_rows`` noun glosses (every category keeps its share)."""
    frame = load_wordnet_nouns()
    return frame.sample(n=min(n_rows, len(frame)), random_state=seed).reset_index(drop=True)


#: The demo's categories: ten common, mostly distinct kinds of thing.
DEMO_CATEGORIES = (
    "noun.animal", "noun.artifact", "noun.body", "noun.communication", "noun.food",
    "noun.location", "noun.person", "noun.plant", "noun.substance", "noun.time",
)  # fmt: skip


def demo_sample(per_category: int = 200, seed: int = 0) -> pd.DataFrame:
    """The bundled demo: ``per_category`` random glosses from each of DEMO_CATEGORIES."""
    frame = load_wordnet_nouns()
    frame = frame[frame["category"].isin(DEMO_CATEGORIES)]
    sample = frame.groupby("category", group_keys=False).sample(n=per_category, random_state=seed)
    return sample.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def load_fortunes(seed: int = 0) -> pd.DataFrame:
    """Short fortunes of ``FORTUNE_TOPICS`` (Debian `fortunes`): ``text`` (whitespace
    joined, at most ``FORTUNE_MAX_CHARS`` characters) and ``topic`` (the file), at most
    ``FORTUNES_PER_TOPIC`` of each, drawn at random, in random order."""
    ensure_debian_package("fortunes", FORTUNES_DIR / FORTUNE_TOPICS[0])
    rows = []
    for topic in FORTUNE_TOPICS:
        raw = (FORTUNES_DIR / topic).read_text(encoding="utf-8", errors="replace")
        texts = [" ".join(entry.split()) for entry in raw.split("\n%\n")]
        rows += [(text, topic) for text in texts if 0 < len(text) <= FORTUNE_MAX_CHARS]
    frame = pd.DataFrame(rows, columns=["text", "topic"]).drop_duplicates("text")
    shuffled = frame.sample(frac=1.0, random_state=seed)
    return shuffled.groupby("topic").head(FORTUNES_PER_TOPIC).reset_index(drop=True)


#: The common words: this many nouns and verbs of WordNet with the most senses.
COMMON_NOUNS, COMMON_VERBS = 600, 400

COMMON_WORDS_HEADER = """\
# Common English words: the {nouns} nouns and {verbs} verbs of WordNet 3.0 with the most senses
# (single words of three letters or more), most senses first. Written by
# `python -m benchmarks.datasets --common-words`. From WordNet 3.0, Copyright 2006 by Princeton
# University, under the WordNet 3.0 license (examples/WORDNET_LICENSE in the siftkit sources):
# THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
# REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.
"""


def most_senses(index: Path, n_words: int) -> list[str]:
    """The ``n_words`` lemmas of a WordNet index file with the most senses (single words of
    letters only, three or more; ties in file order)."""
    ensure_debian_package("wordnet-base", index)
    counts = []
    with index.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("  "):  # licence header
                continue
            lemma, _, senses = line.split()[:3]
            if lemma.isalpha() and len(lemma) >= 3:
                counts.append((lemma, int(senses)))
    return [lemma for lemma, _ in sorted(counts, key=lambda c: -c[1])[:n_words]]


def common_words() -> list[str]:
    """WordNet's most polysemous nouns, then verbs not among them."""
    nouns = most_senses(WORDNET_NOUNS.with_name("index.noun"), COMMON_NOUNS)
    verbs = most_senses(WORDNET_VERBS.with_name("index.verb"), COMMON_VERBS + COMMON_NOUNS)
    return nouns + [v for v in verbs if v not in set(nouns)][:COMMON_VERBS]


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    n_dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def load_fashion_mnist() -> tuple[np.ndarray, np.ndarray]:
    """All 70,000 Fashion-MNIST images as (70000, 784) uint8 and their labels (0-9)."""
    ensure_debian_package("dataset-fashion-mnist", FASHION_DIR)
    images, labels = [], []
    for prefix in ("train", "t10k"):
        images.append(_read_idx(next(FASHION_DIR.rglob(f"{prefix}-images-idx3-ubyte.gz"))))
        labels.append(_read_idx(next(FASHION_DIR.rglob(f"{prefix}-labels-idx1-ubyte.gz"))))
    return np.concatenate(images).reshape(-1, 784), np.concatenate(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, help="write the demo CSV here")
    parser.add_argument("--per-category", type=int, default=200)
    parser.add_argument("--common-words", type=Path, help="write the common words here")
    args = parser.parse_args()
    if args.common_words:
        words = common_words()
        header = COMMON_WORDS_HEADER.format(nouns=COMMON_NOUNS, verbs=COMMON_VERBS)
        args.common_words.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
        print(f"wrote {len(words)} words to {args.common_words}")
    if args.demo:
        frame = demo_sample(args.per_category, seed=0).rename(columns={"synset": "id"})
        frame.to_csv(args.demo, index=False)
        print(f"wrote {len(frame)} rows to {args.demo}")


if __name__ == "__main__":
    main()
