"""Labels for every row from keywords, descriptions or a few labeled rows.

A thin plugin over :class:`siftkit.label.TransductiveLabeler`: it builds the class
prototypes from a topics file (keywords or descriptions, embedded by the run's encoder) or
takes the labeled rows of a partly labeled column as seeds, and writes
``predicted_label``, ``label_confidence`` and ``label_source``. It reuses the run's
embeddings and kNN graph; for text rows, the embeddings joined with their words and their
graph (:mod:`siftkit.detectors.words`), the topics joined with their own words likewise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from siftkit._validation import Interval, Options
from siftkit.data.dataset import label_key
from siftkit.detectors.base import Context, Detector, Result, register_detector
from siftkit.detectors.clusters import categories_without_labels
from siftkit.detectors.words import graph_with_words, rows_with_words, word_view
from siftkit.embed.base import has_content
from siftkit.exceptions import InvalidParameterError
from siftkit.label import TransductiveLabeler
from siftkit.label.names import name_texts, names_fit, with_names
from siftkit.label.other import fits_no_claimed_class, named_categories, other_rule, unclaimed
from siftkit.label.presence import (
    DOUBTFUL_BELOW,
    DOUBTFUL_UNFIT_SHARE,
    TopicPresence,
)
from siftkit.label.topics import (
    OTHER,
    keyword_mentions,
    naming_rows,
    read_topics,
    shared_keywords,
)
from siftkit.label.transductive import MIN_CALIBRATION_ROWS, neighbor_agreement

#: Why a row is ``other`` under each rule of :func:`siftkit.label.other.other_rule`, as
#: reasons any of which is enough.
UNCLAIMED = "its category (found without the labels) is one no {kind} claims"
FAR_FROM_LABEL = "it is far less like its label than rows typically are"
OTHER_MEANINGS = {
    "reach": [
        UNCLAIMED.format(kind="class"),
        "the labeled rows reach it over the neighbour graph less than they reach almost "
        "every labeled row held out from them",
    ],
    "topics": [UNCLAIMED.format(kind="topic"), FAR_FROM_LABEL],
    "similarity": [
        FAR_FROM_LABEL + " (with fewer than "
        f"{MIN_CALIBRATION_ROWS} labeled rows in some class nothing more can be told: rows of "
        "no class go unmarked when they are most of the data)"
    ],
}


#: What a run's topics were measured against (:mod:`siftkit.label.presence`), by their source.
CHANCE_TOPICS = {
    "keywords": "random sets of common words",
    "descriptions": "rewordings of their description with random common words",
}


def other_meaning(entry: dict[str, Any]) -> str | None:
    """What ``other`` means in the run of the ``labeling`` summary ``entry``, in words (None
    when ``other`` was not asked for): "a row is `other` when …", its reasons numbered."""
    reasons = list(OTHER_MEANINGS.get(entry.get("other_rule") or "", []))
    if not reasons:
        return None
    if entry.get("topic_presence") is not None:  # topics measured against chance
        reasons.append(f"it is no nearer its topic than most {CHANCE_TOPICS[entry['source']]} are")
    if entry.get("absent_topics"):
        reasons.append("its closest topic is one the data may not hold")
    if OTHER in (entry.get("seed_classes") or []):
        reasons.append("it is most like the rows labeled `other`")
    if len(reasons) == 1:
        return f"a row is `other` when {reasons[0]}"
    listed = " ".join(f"({i}) {reason}" for i, reason in enumerate(reasons, 1))
    return f"a row is `other` when any of these holds: {listed}"


#: Labeled without ``other``, a run says how many rows fit no class when they are more than
#: this share of the rows predicted. Where the classes cover the data the rules mark under
#: a tenth (the far tail of each class's rows, and rows their keywords do not speak for: 161
#: of 2,000 rows on the bundled glosses with a keyword topic for each of their 10
#: categories); beside two topics for two of them, 1,628.
OTHER_HINT_SHARE = 0.1


#: Without ``other``, a row of a category no class claims (:func:`siftkit.label.other.unclaimed`)
#: or closest to a topic the data does not hold keeps that label: its confidence, unless
#: calibrated on held-out labeled rows, is the model's times these odds that the row belongs
#: to some class at all, which nothing tells (``docs/labeling.md`` gives the measurements).
UNCLAIMED_ODDS = 0.5


def other_hint(entry: dict[str, Any]) -> str | None:
    """For the ``labeling`` summary ``entry`` of a run labeled without ``other``: when more
    than ``OTHER_HINT_SHARE`` of the rows predicted fit no class, a sentence saying so and
    how to label them ``other``; else None."""
    fits_none, predicted = entry.get("n_fit_no_class", 0), entry["n_predicted"]
    if entry.get("other_rule") is not None or fits_none <= OTHER_HINT_SHARE * predicted:
        return None
    kind = "class" if entry["source"] == "propagated" else "topic"
    seeds = " --seed-labels COLUMN" if kind == "class" else ""  # the partly labeled column
    halved = (
        "" if entry.get("confidence_calibrated")
        else f" (halved for the rows of categories no {kind} claims)"
    )  # fmt: skip
    return (
        f"{fits_none:,} of the {predicted:,} rows predicted ({fits_none / predicted:.0%}) fit "
        f"no {kind} and took the closest one all the same; their confidence says how surely "
        f"that one is the closest{halved}, not that it fits. `sift label DATA{seeds} --other` "
        f"labels them `other` (Python: `label_rows(..., other=True)`)"
    )


def absent_hint(entry: dict[str, Any]) -> str | None:
    """For the ``labeling`` summary ``entry``: a sentence naming the topics the data
    may not hold (:mod:`siftkit.label.presence`) and what became of their rows; else None."""
    absent = entry.get("absent_topics") or []
    if not absent:
        return None
    presence, rows = entry["topic_presence"], entry["n_absent_topic_rows"]
    one = len(absent) == 1
    if one:
        share = f"{presence[absent[0]]:.0%} of them"
        named = f"`{absent[0]}`"
    else:
        share = "the share in brackets of them"
        named = ", ".join(f"`{topic}` ({presence[topic]:.0%})" for topic in absent)
    it, its = ("it", "its") if one else ("them", "their")
    if entry["source"] == "keywords":
        given = f"{its} keywords come no nearer the rows than random sets of common words do"
    else:
        given = (
            f"{its} description{'s' * (not one)} come{'s' * one} no nearer the rows than "
            f"rewordings of {it} with random common words do"
        )
    note = (
        f"{named} may not be in the data: {given} (nearer than {share}; a topic the data holds "
        "beats nearly all)"
    )
    if not rows:
        return note + f"; no row took {it} as its closest topic"
    if entry.get("other_rule") is not None:
        return note + f"; the {rows:,} rows closest to {it} are labeled `other`"
    return note + (
        f". {rows:,} rows took {it} as their closest topic all the same; `sift label DATA --other` "
        "labels them `other` (Python: `label_rows(..., other=True)`)"
    )


def doubtful_hint(entry: dict[str, Any], run: str = "RUN") -> str | None:
    """For the ``labeling`` summary ``entry``: a sentence per doubtful topic
    (:meth:`siftkit.label.presence.TopicPresence.doubtful`) that kept rows, saying why and
    which topic its rows rank next, and the query (over the run folder ``run``) that lists
    them; else None."""
    doubtful = [t for t in entry.get("doubtful_topics") or [] if t["rows"]]
    if not doubtful:
        return None
    against = CHANCE_TOPICS[entry["source"]]
    notes = []
    for topic in doubtful:
        reasons = []
        if topic["presence"] < DOUBTFUL_BELOW:
            reasons.append(
                f"it comes nearer the rows than only {topic['presence']:.0%} of {against} do, "
                "where a topic the data holds beats nearly all"
            )
        # near the rows, but most rows it took fit it no better: few of them may be its own
        doubt = "may not be in the data" if reasons else "may hold far fewer rows than took it"
        if topic.get("unfit_share", 0.0) >= DOUBTFUL_UNFIT_SHARE:
            reasons.append(
                f"{topic['unfit_share']:.0%} of the {topic['closest']:,} rows closest to it "
                f"(outside the categories no topic claims) are no nearer it than most "
                f"{against} are (under half for nearly every topic the data holds)"
            )
        instead = (
            f"Of the {topic['rows']:,} rows labeled with it, {topic['instead_rows']:,} rank "
            f"`{topic['instead']}` next; read" if "instead" in topic
            else f"Read its {topic['rows']:,} rows"
        )  # fmt: skip
        notes.append(
            f"`{topic['topic']}` {doubt}: {'; and '.join(reasons)}. {instead} "
            f'before trusting them (`sift query {run} "select text from rows where '
            f"predicted_label = '{topic['topic']}'\"`)"
        )
    return "; ".join(notes)


#: Rows read for how many of the rows naming a topic's keywords took it, at most.
NAMING_SAMPLE = 20_000
#: A topic is narrow when fewer than this share of the rows naming its keywords alone took
#: it, and they are at least NAMING_ROWS_MIN. (1,771 Debian fortunes of 12 topics with four
#: keywords each: `law` 21 of 85, its seeds all "Humor in the Court" jokes; the other
#: topics 74-94%.)
NARROW_BELOW, NAMING_ROWS_MIN = 0.5, 10


def keyword_uptake(
    texts: Any,
    keywords: list[list[str]],
    codes: np.ndarray,
    judged: np.ndarray,
    random_state: int,
) -> dict[str, Any]:
    """How many of the ``judged`` rows that name one topic's keywords alone
    (:func:`siftkit.label.topics.naming_rows`) took that topic (``codes``): ``rows`` and
    ``took`` per topic (in order); ``named``, the rows naming any of its keywords; ``read``,
    the rows read (at most ``NAMING_SAMPLE``, drawn at random)."""
    rows = np.flatnonzero(judged)
    if len(rows) > NAMING_SAMPLE:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(rows, NAMING_SAMPLE, replace=False))
    mentions = keyword_mentions([texts[i] for i in rows], keywords)
    named = naming_rows(mentions)
    took = named == codes[rows]
    n_topics = len(keywords)
    return {
        "read": int(len(rows)),
        "rows": np.bincount(named[named >= 0], minlength=n_topics).tolist(),
        "took": np.bincount(named[took & (named >= 0)], minlength=n_topics).tolist(),
        "named": mentions.sum(axis=0).tolist(),
        "keywords": [list(words) for words in keywords],
    }


def unnamed_hint(entry: dict[str, Any]) -> str | None:
    """For the ``labeling`` summary ``entry`` of a keyword run: a sentence naming the topics
    that took rows though no row read names any of their keywords (a misspelt word, or a
    topic the data does not speak of in those words), but for those named absent or doubtful
    already; else None."""
    uptake = entry.get("keyword_uptake")
    if not uptake or "named" not in uptake:
        return None
    counts = entry.get("predicted_counts") or {}
    topics = entry["classes"][: len(uptake["named"])]
    named_already = set(entry.get("absent_topics") or []) | {
        doubt["topic"] for doubt in entry.get("doubtful_topics") or []
    }
    unnamed = [
        f"`{topic}` ({', '.join(words)}; {counts.get(topic, 0):,} rows)"
        for topic, named, words in zip(topics, uptake["named"], uptake["keywords"], strict=True)
        if named == 0 and counts.get(topic, 0) > 0 and topic not in named_already
    ]
    if not unnamed:
        return None
    return (
        f"no row names a keyword of {', '.join(unnamed)}: its rows are only those nearest "
        "the keywords' embedding. Check their spelling, or use the words the data uses"
    )


def shared_hint(entry: dict[str, Any]) -> str | None:
    """For the ``labeling`` summary ``entry`` of a keyword run: a sentence naming the keywords
    given for several topics (ignoring case), which tell none of them from the others; else
    None."""
    uptake = entry.get("keyword_uptake")
    if not uptake or "keywords" not in uptake:
        return None
    given = dict(zip(entry["classes"], uptake["keywords"], strict=False))
    shared = [f"`{word}` ({' and '.join(f'`{name}`' for name in names)})"
              for word, names in shared_keywords(given).items()]  # fmt: skip
    if not shared:
        return None
    return (
        f"{'the keyword' if len(shared) == 1 else 'the keywords'} {', '.join(shared)} "
        f"{'is' if len(shared) == 1 else 'are'} given for several topics: the rows naming "
        f"{'it' if len(shared) == 1 else 'them'} are told apart by their other words only. "
        "Keep each keyword to the one topic it names best"
    )


def narrow_hint(entry: dict[str, Any]) -> str | None:
    """For the ``labeling`` summary ``entry`` of a keyword run: a sentence per topic that
    fewer than ``NARROW_BELOW`` of the rows naming its keywords alone took; else None."""
    uptake = entry.get("keyword_uptake")
    if not uptake:
        return None
    topics = entry["classes"][: len(uptake["rows"])]
    shares = {t: took / rows for t, rows, took in zip(topics, uptake["rows"], uptake["took"],
              strict=True) if rows >= NAMING_ROWS_MIN}  # fmt: skip
    narrow = [t for t, share in shares.items() if share < NARROW_BELOW]
    if not narrow:
        return None
    others = [share for t, share in shares.items() if t not in narrow]
    beside = ""
    if others:
        low, high = f"{min(others):.0%}", f"{max(others):.0%}"
        span = low if low == high else f"{low}-{high}"
        beside = f"; {'the other topic' if len(others) == 1 else 'the other topics'} {span}"
    sampled = f" (of {uptake['read']:,} rows read)" if uptake["read"] < entry["n_predicted"] else ""
    notes = []
    for topic in narrow:
        i = topics.index(topic)
        rows, took = uptake["rows"][i], uptake["took"][i]
        notes.append(
            f"`{topic}` may be narrower than its keywords: of the {rows:,} rows that name them "
            f"and no other topic's{sampled}, {took:,} took it ({took / rows:.0%}{beside})"
        )
    return "; ".join(notes) + (
        ". The rows most like a topic's keywords seed it, and they may be of one kind: more "
        "keywords, or a few labeled rows of it (`--seed-labels-file`), widen it"
    )


def unknown_hint(entry: dict[str, Any]) -> str | None:
    """For the ``labeling`` summary ``entry``: a sentence naming the topics the encoder knows
    none of the words of, left out of the labeling; else None."""
    unknown = entry.get("unknown_topics") or []
    if not unknown:
        return None
    named = ", ".join(f"`{topic}`" for topic in unknown)
    return (
        f"The encoder knows none of the words of {named} (the tfidf encoder knows only words "
        f"the rows use), so no row is labeled with {'it' if len(unknown) == 1 else 'them'}"
    )


def labeling_notes(entry: dict[str, Any], run: str = "RUN") -> list[str]:
    """The hints a run's ``labeling`` summary ``entry`` calls for, as sentences: topics the
    encoder does not know (:func:`unknown_hint`) or the data may not hold
    (:func:`absent_hint`, :func:`doubtful_hint`), keyword topics no row names
    (:func:`unnamed_hint`), keywords given for several topics (:func:`shared_hint`), topics
    narrower than their keywords (:func:`narrow_hint`), rows that fit no class
    (:func:`other_hint`); ``run`` names the run folder in the commands they give."""
    hints = (
        unknown_hint(entry), absent_hint(entry), doubtful_hint(entry, run), unnamed_hint(entry),
        shared_hint(entry), narrow_hint(entry), other_hint(entry),
    )  # fmt: skip
    return [note for note in hints if note is not None]


def doubtful_topics(
    measured: TopicPresence,
    unfit: np.ndarray,
    counted: np.ndarray,
    labeled: np.ndarray,
    codes: np.ndarray,
    proba: np.ndarray,
    classes: np.ndarray,
) -> list[dict[str, Any]]:
    """The doubtful topics of ``measured`` (:meth:`TopicPresence.doubtful`), each with its
    name, presence, ``closest`` (the ``counted`` rows whose ``codes`` is the topic),
    ``unfit_share`` (the share of those ``unfit``: no nearer it than topics nobody meant),
    ``rows`` (those of them ``labeled`` with it in the end) and the class most of those rank
    next (the runner-up of ``proba``), with how many do. ``counted``: the rows to label
    outside the categories no topic claims."""
    n_topics = len(measured.presence)
    topic_codes = np.where(counted & (codes < n_topics), codes, -1)
    closest = np.bincount(topic_codes[topic_codes >= 0], minlength=n_topics)
    unfit_count = np.bincount(topic_codes[unfit & (topic_codes >= 0)], minlength=n_topics)
    unfit_share = unfit_count / np.maximum(closest, 1)
    out = []
    for t in measured.doubtful(unfit_share, closest):
        rows = labeled & (codes == t)
        entry: dict[str, Any] = {
            "topic": str(classes[t]), "presence": round(float(measured.presence[t]), 3),
            "closest": int(closest[t]), "unfit_share": round(float(unfit_share[t]), 3),
            "rows": int(rows.sum()),
        }  # fmt: skip
        if rows.any() and len(classes) > 1:  # a topic alone ranks nothing next
            others = proba[rows].copy()
            others[:, t] = -np.inf
            runner_up = np.bincount(others.argmax(axis=1), minlength=len(classes))
            entry["instead"] = str(classes[int(runner_up.argmax())])
            entry["instead_rows"] = int(runner_up.max())
        out.append(entry)
    return out


def topics_and_seed_classes(topics: np.ndarray, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """(classes, seed code per row): the ``topics`` in their order, then the classes of the
    seed ``labels`` that name no topic; -1 for rows without a seed label. A label names a
    topic written another way too (``ANIMAL`` the topic ``animal``: :func:`label_key`), and
    its rows are the topic's; labels naming no topic stay classes as written."""
    names = {label_key(str(topic)): i for i, topic in enumerate(topics)}
    extra = [c for c in labels.classes if label_key(str(c)) not in names]
    classes = np.array([*topics, *extra], dtype=object)
    added = {str(c): len(topics) + i for i, c in enumerate(extra)}
    codes = np.array(
        [names.get(label_key(str(c)), added.get(str(c))) for c in labels.classes], dtype=np.int64
    )
    return classes, np.where(labels.codes >= 0, codes[np.clip(labels.codes, 0, None)], -1)


#: Where predicted labels come from, per ``label_source`` of a predicted row, in words.
LABEL_SOURCES = {
    "keywords": "a few keywords per topic", "descriptions": "a sentence per topic",
    "propagated": "the labeled rows",
}  # fmt: skip


def source_note(entry: dict[str, Any]) -> str:
    """What the labels of the ``labeling`` summary ``entry`` were predicted from, in words."""
    note = LABEL_SOURCES.get(entry["source"], entry["source"])
    named = (entry.get("label_names") or {}).get("used")
    if named and entry["source"] == "propagated":
        note += " and their classes' names"
    if entry["source"] != "propagated" and entry["n_given"]:
        note += f" and {entry['n_given']} labeled rows"
        added = entry.get("seed_classes") or []
        if entry.get("other_rule") and OTHER in added:  # rows that fit no topic, no class
            added = [c for c in added if c != OTHER]
            note += f", {entry['given_counts'][OTHER]} of them `other`"
        if added:
            classes = "class" if len(added) == 1 else "classes"
            note += (
                f" ({len(added)} {classes} from labeled rows"
                f"{' and their names' if named else ' alone'}: {', '.join(added)})"
            )
    return note


def confidence_note(entry: dict[str, Any]) -> str:
    """How ``label_confidence`` was made, in words, for the ``labeling`` summary ``entry``."""
    if entry["confidence_calibrated"]:
        return "calibrated on labeled rows held out from the labeling"
    if len(entry["classes"]) == 1 and entry.get("other_rule"):
        return "one topic: the share of a row's neighbours given the same verdict, it or other"
    if entry["source"] != "propagated":
        return (
            "not calibrated, which takes labeled rows to hold out: how surely a row and the "
            "rows around it keep their labels under other choices of seed rows and among "
            "their neighbours"
        )
    return (
        f"not calibrated: with at least {MIN_CALIBRATION_ROWS} labeled rows in every class the "
        f"confidence is fitted on held-out labeled rows{_short_classes(entry)}; here it is how "
        "surely a row and the rows around it keep their labels under other choices of labeled "
        "rows and among their neighbours"
    )


#: Classes short of labeled rows named by :func:`confidence_note`, at most.
SHORT_CLASSES_NAMED = 5


def _short_classes(entry: dict[str, Any]) -> str:
    """The classes of the ``labeling`` summary ``entry`` with fewer than MIN_CALIBRATION_ROWS
    labeled rows and how many each has, as a clause (empty for runs written before
    ``given_counts`` was)."""
    counts = entry.get("given_counts") or {}
    short = [(name, n) for name, n in counts.items() if n < MIN_CALIBRATION_ROWS]
    if not short:
        return ""
    named = ", ".join(f"{name} ({n})" for name, n in short[:SHORT_CLASSES_NAMED])
    more = len(short) - SHORT_CLASSES_NAMED
    rest = f" and {more} more" if more > 0 else ""
    return f" ({len(short)} of {len(counts)} classes have fewer: {named}{rest})"


@register_detector
class Labeling(Detector):
    """Predicted labels: ``predicted_label``, ``label_confidence``, ``label_source``.

    ``label_source`` says where a row's label comes from: ``given`` (the row was labeled),
    ``keywords`` / ``descriptions`` (predicted from topics), ``propagated`` (predicted from
    the labeled rows: without topics, or in a class no topic names), ``other`` (fits no
    topic) or ``abstained`` (below ``min_confidence``, or empty: see ``empty_rows``).

    Parameters
    ----------
    keywords : a YAML/JSON file, or a dict, mapping each topic to a few keywords (at least
        two topics, or one with ``other``); or a list of topics, each its own keyword.
    descriptions : a YAML/JSON file, or a dict, mapping each topic to a sentence describing it
        (likewise).
    min_confidence : rows less confident than this get no label (``abstained``).
    other : give rows that fit no topic the label "other" instead of the closest topic. With
        one topic and no seed class beside it, a row's confidence is the share of its
        neighbours given the same verdict, the topic or "other", and ``min_confidence``
        reads it.
    use_labels : ``"auto"`` takes a label column's labeled rows as seeds when some rows are
        unlabeled (with topics, a label naming no topic adds a class, its labeled rows'
        mean standing for the topic vector); ``"never"`` ignores labels.
    label_names : with seeds and a text encoder, read the seed classes' names as keywords
        (:mod:`siftkit.label.names`): ``"auto"`` when they fit the labeled rows better than
        chance, ``"always"``, or ``"never"``.
    words : with a text column, join each row's embedding with the words of its text (and
        each topic's with the words of its keywords or description) before labeling; False
        labels from the embeddings alone.
    """

    name = "labeling"
    requires = ("embeddings", "graph")
    columns = ("predicted_label", "label_confidence", "label_source")
    parameter_constraints = {
        "keywords": [type(None), str, dict, list],
        "descriptions": [type(None), str, dict],
        "min_confidence": [Interval(float, 0.0, 1.0)],
        "other": [bool],
        "use_labels": [Options(("auto", "never"))],
        "label_names": [Options(("auto", "always", "never"))],
        "words": [bool],
    }

    def __init__(
        self,
        keywords: str | dict[str, Any] | list[str] | None = None,
        descriptions: str | dict[str, Any] | None = None,
        min_confidence: float = 0.0,
        other: bool = False,
        use_labels: str = "auto",
        label_names: str = "auto",
        words: bool = True,
    ) -> None:
        self.keywords = keywords
        self.descriptions = descriptions
        self.min_confidence = min_confidence
        self.other = other
        self.use_labels = use_labels
        self.label_names = label_names
        self.words = words

    def check_params(self) -> None:
        super().check_params()
        if self.keywords is not None and self.descriptions is not None:
            raise InvalidParameterError("Give topics as keywords or as descriptions, not both.")
        if self.topic_source is not None:  # read now: a bad file fails before embedding
            read_topics(*self.topic_source, alone=self.other)

    @property
    def topic_source(self) -> tuple[str | dict[str, Any] | list[str], str] | None:
        if self.keywords is not None:
            return self.keywords, "keywords"
        if self.descriptions is not None:
            return self.descriptions, "descriptions"
        return None

    def _seeds(self, context: Context) -> bool:
        labels = context.labels
        return (
            labels is not None
            and self.use_labels == "auto"
            and bool(labels.missing.any())
            and bool((~labels.missing).any())
        )

    def skip_reason(self, context: Context) -> str | None:
        reason = super().skip_reason(context)
        if reason is not None:
            return reason
        if self.topic_source is None and not self._seeds(context):
            labels = context.labels
            complete = labels is not None and not labels.missing.any()
            if complete:
                return "nothing to label: every row has a label already"
            return (
                "nothing to label from (`sift label` takes keywords, descriptions or seed "
                "labels; an audit labels the empty cells of a partly filled label column)"
            )
        if self.topic_source is not None and context.encode_texts is None:
            return f"{self.topic_source[1]} need a text encoder (the run has none)"
        return None

    def run(self, context: Context) -> Result:
        n = context.n_rows
        labels = context.labels
        vectors, graph = context.embeddings, context.graph
        view = word_view(context) if self.words else None  # None without a text column
        if view is not None:
            vectors, graph = rows_with_words(context), graph_with_words(context)
        prototypes, classes, source = None, None, "propagated"
        measured = None  # the topics measured against topics nobody meant
        unknown: list[str] = []  # topics none of whose words the encoder knows
        if self.topic_source is not None:
            given, kind = self.topic_source
            topics = read_topics(given, kind, alone=self.other)
            prototypes = np.vstack([context.encode_texts(texts).mean(axis=0)
                                    for texts in topics.values()])  # fmt: skip
            topics, prototypes, unknown = self._known_topics(
                topics, prototypes, kind, alone=self.other or self._seeds(context)
            )
            classes = np.array(list(topics), dtype=object)
            measure = (TopicPresence.of_keywords if kind == "keywords"
                       else TopicPresence.of_descriptions)  # fmt: skip
            measured = measure(context.embeddings, prototypes, list(topics.values()),
                               context.encode_texts, context.random_state)  # fmt: skip
            if view is not None:
                prototypes = view.join(prototypes, [" ".join(t) for t in topics.values()])
            source = kind
        codes = np.full(n, -1, dtype=np.int64)
        seed_classes: list[str] = []  # classes the seeds add to the topics
        if self._seeds(context):
            if classes is None:
                classes = labels.classes
                codes = labels.codes.copy()
            else:
                classes, codes = topics_and_seed_classes(classes, labels)
                seed_classes = [str(c) for c in classes[len(prototypes) :]]
                # a class without a topic: a zero row, its seeds' mean stands in
                missing = np.zeros((len(seed_classes), prototypes.shape[1]), prototypes.dtype)
                prototypes = np.vstack([prototypes, missing])
        names = None  # how the seed classes' names fit their rows, when they were tried
        encoder = context.encode_texts
        if self.label_names != "never" and encoder is not None and self._seeds(context):
            prototypes, names = self._with_names(context, view, vectors, classes, codes,
                                                 prototypes)  # fmt: skip
        model = TransductiveLabeler(
            min_confidence=self.min_confidence, random_state=context.random_state,
        ).fit(
            vectors, codes, prototypes=prototypes, n_classes=len(classes), graph=graph,
        )  # fmt: skip
        if self.other and not all(isinstance(c, str) for c in classes):
            # classes such as 7 share the column with the word `other`: written as text ("7"),
            # whether or not a row turns out to be other, so the column's type is the run's
            classes = np.array([str(c) for c in classes], dtype=object)
        predicted = np.asarray(classes, dtype=object)[np.clip(model.labels_, 0, None)]
        sources = np.full(n, source, dtype=object)
        # a class without a topic is predicted from its labeled rows alone
        sources[model.labels_ >= len(classes) - len(seed_classes)] = "propagated"
        sources[codes >= 0] = "given"
        # judged whether or not `other` was asked for: without it the count is a hint
        rule = other_rule(model)
        judged = (codes < 0) & context.with_content  # the rows to label
        # categories only where the classes can claim them: one or two labeled rows say too
        # little about where their class's categories are (docs/labeling.md). Beside a partly
        # labeled column, finding them without its labels costs a second discovery: only for
        # `other`, not for the count that hints at it
        claimable = rule != "similarity" and (self.other or context.labels is None)
        categories = categories_without_labels(context) if claimable else None
        outside = unclaimed(vectors, categories, model)  # the categories no class claims
        if source == "keywords" and context.texts is not None and outside.any():
            texts = [context.texts[i] for i in np.flatnonzero(outside)]
            named = naming_rows(keyword_mentions(texts, list(topics.values())))
            outside &= ~named_categories(categories, outside, named)
        fits_none = (outside | fits_no_claimed_class(vectors, model, outside)) & judged
        absent = np.zeros(0, dtype=np.int64)  # topics the data does not hold
        unfit = np.zeros(n, dtype=bool)  # rows no nearer their topic than topics nobody meant
        if measured is not None:
            unfit = judged & measured.unfit(model.seeds_, model.labels_)
            fits_none |= unfit
            absent = measured.absent
        # rows closest to a topic the data does not hold fit no class either
        absent_rows = judged & np.isin(model.labels_, absent)
        misfit = fits_none | absent_rows if self.other else np.zeros(n, dtype=bool)
        if self.other and OTHER in seed_classes:
            # rows most like those labeled `other` fit no topic, as those rows do
            misfit |= judged & (model.labels_ == list(map(str, classes)).index(OTHER))
        abstained = (model.labels_ < 0) & ~misfit
        confidence = model.confidence_.astype(np.float64)
        if not self.other and not model.calibrated_:
            # a row of a category no class claims, or closest to a topic the data does not
            # hold, keeps that label, right only if the row belongs to some class at all,
            # which nothing tells: even odds. (Held-out labeled rows calibrate a fit otherwise.)
            doubted = judged & (outside | absent_rows) & ~abstained
            confidence[doubted] *= UNCLAIMED_ODDS
            abstained |= doubted & (confidence < self.min_confidence)
        if len(classes) == 1 and self.other and graph.k:
            # one topic leaves one class to choose from: the choice is the topic or `other`,
            # a row is as sure of it as its neighbours share it, and abstains by that
            verdict = misfit.astype(np.int64)
            agreement = neighbor_agreement(graph.indices, graph.similarities, verdict)
            confidence[judged] = agreement[judged]
            abstained |= judged & (confidence < self.min_confidence)
            misfit &= ~abstained
        predicted[misfit] = OTHER
        sources[misfit] = OTHER
        predicted[abstained] = None
        sources[abstained] = "abstained"
        # the rows of categories no topic claims fit none (counted by `n_fit_no_class`):
        # taken by the closest topic, they say the topics leave part of the data out, not
        # that this one is missing (docs/labeling.md, "Doubtful topics")
        kept = judged & ~abstained & ~misfit & (model.labels_ >= 0)
        doubtful = [] if measured is None else doubtful_topics(
            measured, unfit, judged & ~outside, kept, model.labels_, model.proba_, classes,
        )  # fmt: skip
        uptake = None
        if source == "keywords" and context.texts is not None:
            # a row labeled `other` did not take the topic its text names
            uptake = keyword_uptake(
                context.texts, list(topics.values()), np.where(misfit, -1, model.labels_),
                judged & ~abstained, context.random_state,
            )  # fmt: skip
        counts = {str(k): int(v) for k, v in
                  zip(*np.unique(predicted[~abstained].astype(str), return_counts=True),
                      strict=True)}  # fmt: skip
        summary: dict[str, Any] = {
            "source": source,
            "classes": [str(c) for c in classes],
            "seed_classes": seed_classes,
            "label_names": names,
            "n_given": int((codes >= 0).sum()),
            "given_counts": {str(c): int(n) for c, n in zip(
                classes, np.bincount(codes[codes >= 0], minlength=len(classes)), strict=True
            )},
            "n_predicted": int(((codes < 0) & ~abstained & ~misfit).sum()),
            "n_other": int(misfit.sum()),
            "other_rule": rule if self.other else None,
            "n_fit_no_class": int((fits_none & ~abstained).sum()),
            "topic_presence": None if measured is None
            else {str(c): round(float(p), 3)
                  for c, p in zip(classes, measured.presence, strict=False)},
            "absent_topics": [str(classes[c]) for c in absent],
            "doubtful_topics": doubtful,
            "keyword_uptake": uptake,
            "unknown_topics": unknown,
            "n_absent_topic_rows": int((absent_rows & ~abstained).sum()),
            "n_abstained": int(abstained.sum()),
            "n_empty": int(((codes < 0) & ~judged).sum()),
            "predicted_counts": counts,
            "mean_confidence": round(float(confidence[judged].mean()), 4)
            if judged.any() else None,
            "confidence_calibrated": model.calibrated_,
            "method": model.method_,
            "metric_learned": model.metric_learned_,
            "confused_classes": [[str(classes[c]) for c in group]
                                 for group in model.confused_groups_],
            "weak_graph": model.weak_graph_,
            "words_joined": view is not None,
        }  # fmt: skip
        return Result(
            columns={
                "predicted_label": predicted,
                "label_confidence": confidence,
                "label_source": sources,
            },
            summary=summary,
        )

    @staticmethod
    def _known_topics(
        topics: dict[str, list[str]], embedded: np.ndarray, kind: str, alone: bool
    ) -> tuple[dict[str, list[str]], np.ndarray, list[str]]:
        """(the ``topics`` whose ``embedded`` vector is not zero, their vectors, the names of
        the others): an encoder that knows none of a topic's words (``tfidf`` knows the words
        of the rows only) embeds it as the zero vector, like nothing the rows hold. Raises
        when it knows the words of no topic, or of one only and a topic may not stand
        ``alone`` (without `other` or seed classes beside it, every row would take it)."""
        known = has_content(embedded)
        if not known.any():
            raise InvalidParameterError(
                f"The encoder knows none of the words of the {kind}: each embeds to nothing "
                "(the tfidf encoder knows only words the rows use). Give words the rows use, "
                "or use the default encoder."
            )
        unknown = [str(t) for t, k in zip(topics, known, strict=True) if not k]
        kept = {t: words for (t, words), k in zip(topics.items(), known, strict=True) if k}
        if len(kept) == 1 and unknown and not alone:
            raise InvalidParameterError(
                f"The encoder knows the words of one topic only, `{next(iter(kept))}` (none of "
                f"{', '.join(f'`{t}`' for t in unknown)}), and one topic leaves nothing to "
                "choose: every row would take it. Give words the rows use (the tfidf encoder "
                "knows only those), or `--other` to tell that topic's rows from the rest."
            )
        return kept, embedded[known], unknown

    def _with_names(
        self,
        context: Context,
        view: Any,
        vectors: np.ndarray,
        classes: np.ndarray,
        codes: np.ndarray,
        prototypes: np.ndarray | None,
    ) -> tuple[np.ndarray | None, dict[str, Any]]:
        """``prototypes`` with each class without a topic (all classes, without topics) given
        its name's embedding, when ``label_names`` says to use them; and the summary's note
        of the names: the words embedded per class, whether used, and why."""
        texts = name_texts(classes)
        named = context.encode_texts(texts)
        if view is not None:
            named = view.join(named, texts)
        words = {str(c): t for c, t in zip(classes, texts, strict=True)}
        if self.other and OTHER in words:
            # `other`, beside --other, names no topic: its labeled rows' mean stands in, and
            # whether names fit is asked of the other classes
            other_code = list(words).index(OTHER)
            named[other_code] = 0.0
            codes = np.where(codes == other_code, -1, codes)
            del words[OTHER]
        fit = names_fit(vectors, codes, named, random_state=context.random_state)
        used = self.label_names == "always" or fit.used
        note = {
            "used": used,
            "p_value": None if fit.p_value is None else round(fit.p_value, 4),
            "reason": "asked for (label_names='always')" if self.label_names == "always"
            else fit.reason,
            "words": words,
        }  # fmt: skip
        return (with_names(prototypes, named) if used else prototypes), note
