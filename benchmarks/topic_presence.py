"""Keyword topics the data does not hold: does siftkit tell them from the topics it holds?

A keyword topic's presence (:mod:`siftkit.label.presence`) ranks how close its closest rows
come to its keywords against random sets of common words; below 0.02 the topic is taken for
absent. Three text sets, MiniLM embeddings: the bundled demo glosses (10 WordNet noun
categories) with a three-keyword topic for each and topics they do not hold; 12,000 WordNet
noun glosses with each of the 26 categories' names as a one-word topic (the labeling
benchmark's fixed rule, ``noun.animal`` -> ``animal``); WordNet verb glosses with the 15
categories' names, six three-keyword verb topics and noun topics verbs do not hold. Some
"absent" topics are partly there (``crime``: the demo's people include thieves and murderers);
the table shows each topic's presence.

Baselines: no test at all (every topic present: what keyword labeling does without one), and
a fixed threshold on the closest rows' mean cosine, the one that errs least over the other two
sets' topics (a threshold carried from data the user knows to data they do not). And, on the demo
glosses, each topic alone with ``sift label --other``: the rows labeled with it.

    python -m benchmarks.topic_presence [--quick]
"""

from __future__ import annotations

from collections.abc import Sequence

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


def measure(
    name: str, texts: Sequence[str], present: dict[str, list[str]], absent: dict[str, list[str]]
) -> pd.DataFrame:
    """One row per topic: whether the data holds it, its presence and closest cosine."""
    from benchmarks.noise_cases import embed_texts
    from siftkit.embed.base import l2_normalize
    from siftkit.label.presence import RandomTopics, closeness, topic_presence

    rows = l2_normalize(embed_texts(texts))
    topics = {**present, **absent}
    vectors = np.vstack([embed_texts(words).mean(axis=0) for words in topics.values()])
    null = RandomTopics(embed_texts, 0)
    found = topic_presence(rows, vectors, [len(w) for w in topics.values()], null)
    return pd.DataFrame({
        "data": name, "topic": list(topics), "keywords": [", ".join(w) for w in topics.values()],
        "held": [t in present for t in topics], "presence": found,
        "cosine": closeness(rows, l2_normalize(vectors.astype(np.float32))),
    })  # fmt: skip


def one_topic_runs(topics: dict[str, list[str]], held: bool) -> list[list[str]]:
    """A one-topic ``--other`` run on the demo glosses per topic: the rows labeled with it,
    and for a topic the data holds (its name the category's, ``plants`` -> ``noun.plant``),
    their precision and the category's recall."""
    import siftkit

    demo = pd.read_csv(DEMO_CSV)
    frame = demo.drop(columns="category")
    out = []
    for topic, words in topics.items():
        run = siftkit.label_rows(frame, text="definition", id="id", keywords={topic: words},
                                 other=True, progress=False)  # fmt: skip
        entry = run.summary["labeling"]
        labeled = (run.rows["predicted_label"] == topic).to_numpy()
        precision = recall = "-"
        if held:
            truth = (demo["category"] == f"noun.{topic.rstrip('s')}").to_numpy()
            precision = fmt((labeled & truth).sum() / max(labeled.sum(), 1))
            recall = fmt((labeled & truth).sum() / truth.sum())
        out.append([topic, "yes" if held else "no", fmt(entry["topic_presence"][topic]),
                    str(int(labeled.sum())), precision, recall])  # fmt: skip
    return out


def main(argv: Sequence[str] | None = None) -> None:
    from benchmarks.datasets import load_wordnet_verbs, sample_wordnet
    from benchmarks.labeling import category_word
    from siftkit.label.presence import ABSENT_BELOW, CLOSEST_ROWS, NULL_TOPICS, ROW_QUANTILE

    args = argument_parser(__doc__.splitlines()[0]).parse_args(argv)
    report = Report(
        NAME,
        "Keyword topics the data does not hold: siftkit vs baselines",
        quick=args.quick,
        details={
            "siftkit": f"`topic_presence`: the mean cosine of a topic's {CLOSEST_ROWS} closest "
            f"rows ranked against {NULL_TOPICS} random sets of as many common words; absent "
            f"below {ABSENT_BELOW}; with `--other` a row also fits no topic when its topic is "
            f"nearer to it than under {ROW_QUANTILE:.0%} of such sets",
            "encoder": "MiniLM (siftkit's default text encoder)",
        },
    )
    demo = pd.read_csv(DEMO_CSV)
    nouns = sample_wordnet(QUICK_NOUN_ROWS if args.quick else NOUN_ROWS, 0)
    noun_topics = {category_word(c): [category_word(c)] for c in sorted(nouns["category"].unique())}
    verbs = load_wordnet_verbs()
    verbs = verbs.sample(n=QUICK_VERB_ROWS if args.quick else VERB_ROWS, random_state=0)
    verb_topics = {category_word(c): [category_word(c)] for c in sorted(verbs["category"].unique())}
    verb_present = {**{f"{t} (name)": w for t, w in verb_topics.items()}, **VERB_PRESENT}
    table = pd.concat([
        measure("demo glosses", demo["definition"].tolist(), DEMO_PRESENT, DEMO_ABSENT),
        measure("WordNet nouns", nouns["definition"].tolist(), noun_topics, {}),
        measure("WordNet verbs", verbs["definition"].tolist(), verb_present, VERB_ABSENT),
    ], ignore_index=True)  # fmt: skip
    table["siftkit: absent"] = table["presence"] < ABSENT_BELOW
    # a fixed cosine threshold, the one that errs least over the other data sets' topics
    # (what a user could carry from one data set to the next)
    chosen = {}
    for data in table["data"].unique():
        others = table[table["data"] != data]
        candidates = np.unique(others["cosine"])
        errors = [((others["cosine"] < c) == others["held"]).sum() for c in candidates]
        chosen[data] = float(candidates[int(np.argmin(errors))])
    table["cosine threshold: absent"] = table["cosine"] < table["data"].map(chosen)
    methods = {"siftkit": "siftkit: absent",
               "cosine threshold from the other sets": "cosine threshold: absent"}  # fmt: skip
    summary = []
    for data, part in table.groupby("data", sort=False):
        held, missing = part[part["held"]], part[~part["held"]]
        for method, column in methods.items():
            summary.append([data, method, f"{int(held[column].sum())} of {len(held)}",
                            f"{int(missing[column].sum())} of {len(missing)}"])  # fmt: skip
        summary[-1][1] += f" ({chosen[data]:.3f})"
        summary.append([data, "no test", f"0 of {len(held)}", f"0 of {len(missing)}"])
    report.section(
        "Topics taken for absent",
        "Held: topics the data holds (flagged: false alarms); not held: topics it does not.",
    )
    report.table(["data", "method", "held topics flagged absent", "topics not held flagged"],
                 summary)  # fmt: skip
    report.section("Every topic")
    report.table(
        ["data", "topic", "keywords", "held", "presence", "siftkit: absent",
         f"mean cosine of the {CLOSEST_ROWS} closest rows"],
        [[r["data"], r["topic"], r["keywords"], "yes" if r["held"] else "no",
          fmt(r["presence"]), "absent" if r["siftkit: absent"] else "", fmt(r["cosine"])]
         for r in table.to_dict("records")],
    )  # fmt: skip
    report.section(
        "One topic and the rest",
        f"The demo glosses ({len(demo):,} rows), `sift label --keywords ONE.yaml --other` with "
        "one topic: the rows labeled with it (the rest `other`), and for a topic the data "
        "holds, their precision and the recall of its category. Before the presence test "
        "(2026-12-06), `spaceships` took 816.",
    )
    runs = one_topic_runs(DEMO_PRESENT, True) + one_topic_runs(DEMO_ABSENT, False)
    report.table(["topic", "held", "presence", "rows labeled it", "precision", "recall"], runs)
    report.save()


if __name__ == "__main__":
    main()
