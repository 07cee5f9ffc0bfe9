"""Topics the data does not hold: does siftkit tell them from the topics it holds?

A topic's presence (:mod:`siftkit.label.presence`) ranks how close its closest rows come to
it against topics nobody meant in the same form — a keyword topic against random sets of
common words, a description against rewordings of itself with random common words in place
of its words; below 0.02 the topic is taken for absent. Three text sets, MiniLM embeddings:
the bundled demo glosses (10 WordNet noun categories) with a three-keyword topic and a
description for each and topics they do not hold; 12,000 WordNet noun glosses with each of
the 26 categories' names as a one-word topic and in the labeling benchmark's description
sentence (its fixed rule, ``noun.animal`` -> ``animal``); WordNet verb glosses with the 15
categories' names (as words, and in a sentence), six three-keyword verb topics and noun
topics verbs do not hold. Some "absent" topics are partly there (``crime``: the demo's people
include thieves and murderers); the table shows each topic's presence.

Baselines: no test at all (every topic present: what labeling does without one), and a fixed
threshold on the closest rows' mean cosine, the one that errs least over the other two sets'
topics of the same kind (a threshold carried from data the user knows to data they do not).
And, on the demo glosses, each topic alone with ``sift label --other``: the rows labeled with
it. Doubtful topics: beside the topics a text set holds (the demo glosses', the nouns', and
twelve keyword topics for 1,779 Debian fortunes of twelve fortune files), each topic it does
not hold in turn, and whether it is named doubtful; the same with only some of the held
topics given (most rows then fit none); and per fortune topic, the rows naming its keywords
alone and the share labeled with it (a topic narrower than its keywords).

    python -m benchmarks.topic_presence [--quick]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._common import Report, argument_parser, fmt

NAME = "topic_presence"
DEMO_CSV = "examples/wordnet_nouns.csv"
VERB_ROWS, QUICK_VERB_ROWS = 13_767, 2_000
NOUN_ROWS, QUICK_NOUN_ROWS = 12_000, 2_000

DEMO_PRESENT = {
    "plants": ["plant", "tree", "flower"], "animal": ["animal", "bird", "fish"],
    "food": ["food", "dish", "drink"], "body": ["body", "organ", "muscle"],
    "person": ["person", "worker", "leader"], "time": ["time", "day", "period"],
    "location": ["place", "region", "city"], "substance": ["substance", "chemical", "material"],
    "artifact": ["tool", "device", "building"],
    "communication": ["language", "message", "writing"],
}  # fmt: skip
DEMO_ABSENT = {
    "spaceships": ["starship", "warp drive", "hyperspace"],
    "football": ["goal", "match", "league"], "weather": ["rain", "storm", "wind"],
    "emotion": ["joy", "anger", "fear"], "crime": ["theft", "murder", "fraud"],
    "maths": ["equation", "theorem", "number"], "money": ["money", "payment", "price"],
    "software": ["software", "compiler", "code"],
}  # fmt: skip
VERB_PRESENT = {
    "motion": ["move", "walk", "run"], "weather": ["rain", "snow", "shine"],
    "communication": ["speak", "tell", "write"], "consumption": ["eat", "drink", "consume"],
    "emotion": ["love", "fear", "anger"], "competition": ["fight", "compete", "win"],
}  # fmt: skip
VERB_ABSENT = {
    "spaceships": ["starship", "warp drive", "hyperspace"],
    "furniture": ["chair", "table", "sofa"], "software": ["software", "compiler", "code"],
    "dinosaurs": ["dinosaur", "fossil", "reptile"], "colors": ["red", "blue", "green"],
    "planets": ["planet", "galaxy", "orbit"],
}  # fmt: skip


#: Debian fortunes (benchmarks.datasets.load_fortunes): a few keywords per fortune file, as a
#: user would write them, and topics the fortunes hold little or nothing of.
FORTUNE_PRESENT = {
    "computers": ["computer", "software", "programming", "unix"],
    "food": ["food", "eating", "cooking", "dinner"], "love": ["love", "romance", "heart", "kiss"],
    "politics": ["government", "president", "election", "politician"],
    "science": ["science", "physics", "scientist", "experiment"],
    "sports": ["sports", "baseball", "football", "game"],
    "law": ["law", "lawyer", "judge", "court"],
    "medicine": ["doctor", "medicine", "hospital", "health"],
    "startrek": ["star trek", "captain kirk", "spock", "starship"],
    "education": ["school", "teacher", "student", "university"],
    "pets": ["dog", "cat", "pet"], "drugs": ["drugs", "alcohol", "beer", "marijuana"],
}  # fmt: skip
FORTUNE_ABSENT = {
    "cryptocurrency": ["bitcoin", "blockchain", "crypto wallet"],
    "weather": ["weather", "rain", "snow", "storm"],
    "knitting": ["knitting", "yarn", "wool", "crochet"],
}  # fmt: skip


DEMO_PRESENT_DESCRIBED = {
    "plants": "Kinds of plants, trees and flowers.", "animal": "Animals, birds and fish.",
    "food": "Food, dishes and drinks.", "body": "Parts of the body, organs and muscles.",
    "person": "People, workers and leaders.", "time": "Times, days and periods.",
    "location": "Places, regions and cities.", "substance": "Substances, chemicals and materials.",
    "artifact": "Tools, devices and buildings.",
    "communication": "Language, messages and writing.",
}  # fmt: skip
DEMO_ABSENT_DESCRIBED = {
    "spaceships": "Starships, warp drives and travel through hyperspace.",
    "football": "Football goals, matches and leagues.", "weather": "Rain, storms and wind.",
    "emotion": "Emotions such as joy, anger and fear.",
    "crime": "Crimes such as theft, murder and fraud.",
    "maths": "Equations, theorems and numbers.", "money": "Money, payments and prices.",
    "software": "Software, compilers and code.",
}  # fmt: skip
#: The verb categories' names in a sentence (the nouns' is the labeling benchmark's).
VERB_DESCRIPTION = "A dictionary definition of a verb of {word}."
VERB_ABSENT_DESCRIBED = {
    "spaceships": "Starships, warp drives and travel through hyperspace.",
    "furniture": "Chairs, tables and sofas.", "software": "Software, compilers and code.",
    "dinosaurs": "Dinosaurs, fossils and reptiles.",
    "colors": "Colors such as red, blue and green.",
    "planets": "Planets, galaxies and orbits.",
}  # fmt: skip


def measure(
    name: str,
    texts: Sequence[str],
    present: dict[str, list[str]],
    absent: dict[str, list[str]],
    kind: str = "keywords",
) -> pd.DataFrame:
    """One row per topic (``kind``: keywords, or descriptions, each a list of one sentence):
    whether the data holds it, its presence and closest cosine."""
    from benchmarks.noise_cases import embed_texts
    from siftkit.embed.base import l2_normalize
    from siftkit.label.presence import TopicPresence, closeness

    rows = l2_normalize(embed_texts(texts))
    topics = {**present, **absent}
    vectors = np.vstack([embed_texts(given).mean(axis=0) for given in topics.values()])
    test = TopicPresence.of_keywords if kind == "keywords" else TopicPresence.of_descriptions
    found = test(rows, vectors, list(topics.values()), embed_texts).presence
    return pd.DataFrame({
        "data": name, "kind": kind, "topic": list(topics),
        "given": [", ".join(given) for given in topics.values()],
        "held": [t in present for t in topics], "presence": found,
        "cosine": closeness(rows, l2_normalize(vectors.astype(np.float32))),
    })  # fmt: skip


def described(topics: dict[str, str]) -> dict[str, list[str]]:
    """Descriptions as :func:`measure` takes them: each topic's list of sentences."""
    return {topic: [sentence] for topic, sentence in topics.items()}


def one_topic_runs(topics: dict[str, list[str]], held: bool, kind: str) -> list[list[str]]:
    """A one-topic ``--other`` run on the demo glosses per topic (``kind``: keywords, or
    descriptions, each a list of one sentence): the rows labeled with it, and for a topic the
    data holds (its name the category's, ``plants`` -> ``noun.plant``), their precision and
    the category's recall."""
    import siftkit

    demo = pd.read_csv(DEMO_CSV)
    frame = demo.drop(columns="category")
    out = []
    for topic, given in topics.items():
        topic_given = {topic: given if kind == "keywords" else given[0]}
        run = siftkit.label_rows(frame, text="definition", id="id", other=True, progress=False,
                                 **{kind: topic_given})  # fmt: skip
        entry = run.summary["labeling"]
        labeled = (run.rows["predicted_label"] == topic).to_numpy()
        precision = recall = "-"
        if held:
            truth = (demo["category"] == f"noun.{topic.rstrip('s')}").to_numpy()
            precision = fmt((labeled & truth).sum() / max(labeled.sum(), 1))
            recall = fmt((labeled & truth).sum() / truth.sum())
        out.append([kind, topic, "yes" if held else "no", fmt(entry["topic_presence"][topic]),
                    str(int(labeled.sum())), precision, recall])  # fmt: skip
    return out


def doubtful_runs(
    name: str,
    frame: pd.DataFrame,
    present: dict[str, list[str]],
    absent: dict[str, list[str]],
    kind: str,
) -> tuple[list[list[str]], list[str]]:
    """``sift label`` with the ``present`` topics and one of ``absent`` beside them (each in
    turn; none when ``absent`` is empty): per run, the extra topic's presence, whether it was
    taken for absent or named doubtful, and the rows labeled with it; and the held topics
    named doubtful in any run."""
    import siftkit

    def run(topics: dict[str, list[str]]) -> dict[str, Any]:
        given = {t: words if kind == "keywords" else words[0] for t, words in topics.items()}
        return siftkit.label_rows(frame, text="text", progress=False, **{kind: given}).summary[
            "labeling"
        ]

    rows, held_doubtful = [], set()
    for extra in list(absent) or [None]:
        topics = {**present, **({extra: absent[extra]} if extra else {})}
        entry = run(topics)
        doubtful = {d["topic"] for d in entry["doubtful_topics"]}
        held_doubtful |= doubtful & set(present)
        if extra is not None:
            rows.append([kind, name, extra, fmt(entry["topic_presence"][extra]),
                         "absent" if extra in entry["absent_topics"] else "",
                         "doubtful" if extra in doubtful else "",
                         str(entry["predicted_counts"].get(extra, 0))])  # fmt: skip
    return rows, sorted(held_doubtful)


#: Some of the held topics only: every 2nd (two runs, one from each offset) and every 4th
#: (four runs), so the rows of the other categories fit none of the topics given.
PARTIAL_STEPS = (2, 4)


def partial_runs(
    frame: pd.DataFrame, present: dict[str, list[str]], absent: dict[str, list[str]]
) -> tuple[int, int, int, int]:
    """``sift label`` with some of the ``present`` keyword topics (``PARTIAL_STEPS``), alone and
    with one of ``absent`` beside them (in turn): (held topics named doubtful, held topics
    given, topics not held named doubtful or taken for absent, such runs)."""
    import siftkit

    names = list(present)
    held_named = held = missed_named = missed = 0
    subsets = [(step, offset) for step in PARTIAL_STEPS for offset in range(step)]
    for run, (step, offset) in enumerate(subsets):
        chosen = {t: present[t] for t in names[offset::step]}
        entry = siftkit.label_rows(frame, text="text", keywords=chosen, progress=False).summary[
            "labeling"
        ]
        held_named += len(entry["doubtful_topics"])
        held += len(chosen)
        extra = list(absent)[run % len(absent)]
        entry = siftkit.label_rows(
            frame, text="text", keywords={**chosen, extra: absent[extra]}, progress=False
        ).summary["labeling"]
        named = {d["topic"] for d in entry["doubtful_topics"]} | set(entry["absent_topics"])
        missed_named += extra in named
        missed += 1
    return held_named, held, missed_named, missed


def main(argv: Sequence[str] | None = None) -> None:
    import siftkit
    from benchmarks.datasets import load_fortunes, load_wordnet_verbs, sample_wordnet
    from benchmarks.labeling import DESCRIPTION, category_word
    from siftkit.detectors.labeling import NAMING_ROWS_MIN, NARROW_BELOW
    from siftkit.label.presence import (
        ABSENT_BELOW,
        CLOSEST_ROWS,
        DESCRIPTION_ROW_QUANTILE,
        DOUBTFUL_BELOW,
        DOUBTFUL_UNFIT_SHARE,
        NULL_REWORDINGS,
        NULL_TOPICS,
        ROW_QUANTILE,
    )

    args = argument_parser(__doc__.splitlines()[0]).parse_args(argv)
    report = Report(
        NAME,
        "Topics the data does not hold: siftkit vs baselines",
        quick=args.quick,
        details={
            "siftkit": f"`topic_presence`: the mean cosine of a topic's {CLOSEST_ROWS} closest "
            f"rows ranked against {NULL_TOPICS} random sets of as many common words (a keyword "
            f"topic) or {NULL_REWORDINGS} rewordings of it with random common words in place "
            f"of its words (a description); absent below {ABSENT_BELOW}; with `--other` a row "
            f"also fits no topic when its topic is nearer to it than under {ROW_QUANTILE:.0%} "
            f"of those ({DESCRIPTION_ROW_QUANTILE:.0%} for a description)",
            "encoder": "MiniLM (siftkit's default text encoder)",
        },
    )
    demo = pd.read_csv(DEMO_CSV)
    nouns = sample_wordnet(QUICK_NOUN_ROWS if args.quick else NOUN_ROWS, 0)
    noun_words = [category_word(c) for c in sorted(nouns["category"].unique())]
    verbs = load_wordnet_verbs()
    verbs = verbs.sample(n=QUICK_VERB_ROWS if args.quick else VERB_ROWS, random_state=0)
    verb_words = [category_word(c) for c in sorted(verbs["category"].unique())]
    verb_present = {**{f"{w} (name)": [w] for w in verb_words}, **VERB_PRESENT}
    noun_described = {w: DESCRIPTION.format(article="an" if w[0] in "aeiou" else "a", word=w)
                      for w in noun_words}  # fmt: skip
    verb_described = {w: VERB_DESCRIPTION.format(word=w) for w in verb_words}
    texts = {"demo glosses": demo["definition"].tolist(),
             "WordNet nouns": nouns["definition"].tolist(),
             "WordNet verbs": verbs["definition"].tolist()}  # fmt: skip
    table = pd.concat([
        measure("demo glosses", texts["demo glosses"], DEMO_PRESENT, DEMO_ABSENT),
        measure("WordNet nouns", texts["WordNet nouns"], {w: [w] for w in noun_words}, {}),
        measure("WordNet verbs", texts["WordNet verbs"], verb_present, VERB_ABSENT),
        measure("demo glosses", texts["demo glosses"], described(DEMO_PRESENT_DESCRIBED),
                described(DEMO_ABSENT_DESCRIBED), "descriptions"),
        measure("WordNet nouns", texts["WordNet nouns"], described(noun_described), {},
                "descriptions"),
        measure("WordNet verbs", texts["WordNet verbs"], described(verb_described),
                described(VERB_ABSENT_DESCRIBED), "descriptions"),
    ], ignore_index=True)  # fmt: skip
    table["siftkit: absent"] = table["presence"] < ABSENT_BELOW
    # a fixed cosine threshold, the one that errs least over the other data sets' topics of
    # the same kind (what a user could carry from one data set to the next)
    chosen = {}
    for (kind, data), _ in table.groupby(["kind", "data"], sort=False):
        others = table[(table["kind"] == kind) & (table["data"] != data)]
        candidates = np.unique(others["cosine"])
        errors = [((others["cosine"] < c) == others["held"]).sum() for c in candidates]
        chosen[kind, data] = float(candidates[int(np.argmin(errors))])
    threshold = table.apply(lambda r: chosen[r["kind"], r["data"]], axis=1)
    table["cosine threshold: absent"] = table["cosine"] < threshold
    methods = {"siftkit": "siftkit: absent",
               "cosine threshold from the other sets": "cosine threshold: absent"}  # fmt: skip
    summary = []
    for (kind, data), part in table.groupby(["kind", "data"], sort=False):
        held, missing = part[part["held"]], part[~part["held"]]
        for method, column in methods.items():
            summary.append([kind, data, method, f"{int(held[column].sum())} of {len(held)}",
                            f"{int(missing[column].sum())} of {len(missing)}"])  # fmt: skip
        summary[-1][2] += f" ({chosen[kind, data]:.3f})"
        summary.append([kind, data, "no test", f"0 of {len(held)}", f"0 of {len(missing)}"])
    report.section(
        "Topics taken for absent",
        "Held: topics the data holds (flagged: false alarms); not held: topics it does not.",
    )
    report.table(["topics as", "data", "method", "held topics flagged absent",
                  "topics not held flagged"], summary)  # fmt: skip
    report.section("Every topic")
    report.table(
        ["topics as", "data", "topic", "given", "held", "presence", "siftkit: absent",
         f"mean cosine of the {CLOSEST_ROWS} closest rows"],
        [[r["kind"], r["data"], r["topic"], r["given"], "yes" if r["held"] else "no",
          fmt(r["presence"]), "absent" if r["siftkit: absent"] else "", fmt(r["cosine"])]
         for r in table.to_dict("records")],
    )  # fmt: skip
    doubt, named = [], []
    demo_frame = demo.rename(columns={"definition": "text"})[["text"]]
    noun_frame = nouns.rename(columns={"definition": "text"})[["text"]]
    fortunes = load_fortunes()
    for kind, frame, name, present, absent in (
        ("keywords", fortunes[["text"]], "fortunes", FORTUNE_PRESENT, FORTUNE_ABSENT),
        ("keywords", demo_frame, "demo glosses", DEMO_PRESENT, DEMO_ABSENT),
        ("descriptions", demo_frame, "demo glosses", described(DEMO_PRESENT_DESCRIBED),
         described(DEMO_ABSENT_DESCRIBED)),
        ("keywords", noun_frame, "WordNet nouns", {w: [w] for w in noun_words}, {}),
        ("descriptions", noun_frame, "WordNet nouns", described(noun_described), {}),
    ):  # fmt: skip
        found, held = doubtful_runs(name, frame, present, absent, kind)
        doubt += found
        named.append(f"{kind} on the {name}: {len(held)} of {len(present)} held topics named "
                     f"doubtful{' (' + ', '.join(held) + ')' if held else ''}")  # fmt: skip
    report.section(
        "Doubtful topics",
        "`sift label` with the topics the data holds and one it does not beside them, each in "
        f"turn: the extra topic's presence, whether it is taken for absent (under "
        f"{ABSENT_BELOW}) or named doubtful (presence under {DOUBTFUL_BELOW}, or at least "
        f"{DOUBTFUL_UNFIT_SHARE:.0%} of the rows closest to it fitting it no better than the "
        "topics nobody meant), and the rows labeled with it. False alarms: "
        + "; ".join(named)
        + ".",
    )
    report.table(["topics as", "data", "topic not held", "presence", "absent", "doubtful",
                  "rows labeled with it"], doubt)  # fmt: skip
    partial = []
    for name, frame, present, absent in (
        ("demo glosses", demo_frame, DEMO_PRESENT, DEMO_ABSENT),
        ("fortunes", fortunes[["text"]], FORTUNE_PRESENT, FORTUNE_ABSENT),
    ):
        held_named, held, missed_named, missed = partial_runs(frame, present, absent)
        partial.append([name, f"{held_named} of {held}", f"{missed_named} of {missed}"])
    report.section(
        "Doubtful topics when only some are given",
        "Keyword topics for some of the categories only (every 2nd and every 4th of the held "
        "topics above, from each offset: 6 runs), so most rows fit none of them and take the "
        "closest all the same; and the same with one topic the data does not hold beside "
        "them (each in turn). Rows of a category no topic claims are left out of the share "
        "that names a topic doubtful; counted, as before 2026-12-06, they named 6 of the 20 "
        "held topics on the demo glosses doubtful and 5 of the 24 on the fortunes, and 6 of 6 "
        "topics not held on each.",
    )
    report.table(["data", "held topics named doubtful", "topics not held named doubtful or "
                  "absent"], partial)  # fmt: skip
    report.section(
        "Topics narrower than their keywords",
        f"The {len(fortunes):,} fortunes labeled from their keywords alone: per topic, the rows "
        "that name its keywords (whole words) and no other topic's, and the share of them "
        f"labeled with it; under {NARROW_BELOW:.0%} (of {NAMING_ROWS_MIN} such rows or more), "
        "the topic is named narrower than its keywords.",
    )
    uptake = siftkit.label_rows(fortunes[["text"]], text="text", keywords=FORTUNE_PRESENT,
                                progress=False).summary["labeling"]["keyword_uptake"]  # fmt: skip
    report.table(
        ["topic", "rows naming its keywords alone", "labeled with it", "share", "narrow"],
        [[t, str(r), str(k), fmt(k / r) if r else "-",
          "narrow" if r >= NAMING_ROWS_MIN and k / r < NARROW_BELOW else ""]
         for t, r, k in zip(FORTUNE_PRESENT, uptake["rows"], uptake["took"], strict=True)],
    )  # fmt: skip
    report.section(
        "One topic and the rest",
        f"The demo glosses ({len(demo):,} rows), `sift label --keywords ONE.yaml --other` (or "
        "`--descriptions`) with one topic: the rows labeled with it (the rest `other`), and "
        "for a topic the data holds, their precision and the recall of its category. Before "
        "the presence test (2026-12-06), the keyword topic `spaceships` took 816.",
    )
    runs = [*one_topic_runs(DEMO_PRESENT, True, "keywords"),
            *one_topic_runs(DEMO_ABSENT, False, "keywords"),
            *one_topic_runs(described(DEMO_PRESENT_DESCRIBED), True, "descriptions"),
            *one_topic_runs(described(DEMO_ABSENT_DESCRIBED), False, "descriptions")]  # fmt: skip
    report.table(["topics as", "topic", "held", "presence", "rows labeled it", "precision",
                  "recall"], runs)  # fmt: skip
    report.save()


if __name__ == "__main__":
    main()
