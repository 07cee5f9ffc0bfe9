"""Text shown to people in tables, lists and lines (one line, cut to a width), text read
from files, what a blank text is, and the part of a text its words are counted in."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from pathlib import Path
from typing import Any

from siftkit.exceptions import UnreadableDataError


def one_line(value: Any, width: int) -> str:
    """``value`` as text on one line (each run of whitespace one space), at most ``width``
    characters: a longer one is cut, its last character "…"."""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


#: What a cell may hold for "no value" (pandas' list for CSV files). In a CSV column of numbers
#: they are missing values; elsewhere a value as written ("None" is a class, "NA" an id), as
#: in JSON and Parquet files. A text that is one of them alone is blank: a placeholder.
NA_TEXTS = frozenset((
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
))  # fmt: skip


#: HTML tags as scraped pages and reviews carry them (``<br />``, ``<p>``, ``<a href=…>``): the
#: names of common tags only, their attributes with values, so that ``a <b and c> d`` in a
#: formula is left alone.
HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|blockquote|br|code|div|em|font|h[1-6]|hr|i|img|li|ol|p|pre|s|small|span|"
    r"strong|sub|sup|table|td|th|tr|tt|u|ul)"
    r"""(?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))*\s*/?>""",
    re.IGNORECASE,
)
HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]+\d*|#\d+|#[xX][0-9a-fA-F]+);")


def plain_text(text: str) -> str:
    """``text`` without HTML markup: its tags (``HTML_TAG``) become spaces and its entities
    (``&amp;``, ``&#39;``) the characters they stand for; any other text as it is."""
    if "<" in text:
        text = HTML_TAG.sub(" ", text)
    if "&" in text and HTML_ENTITY.search(text):
        text = html.unescape(text)
    return text


def is_blank(item: Any) -> bool:
    """Whether ``item`` is a blank text (empty, or only whitespace and punctuation, such as
    ``"???"`` or ``"-"``, or a placeholder for no value, such as ``"N/A"``: ``NA_TEXTS``):
    nothing to embed, so it stays the zero vector (see
    :func:`siftkit.embed.base.has_content`). A letter, a digit
    or a symbol (``$``, an emoji) is content. Items other than texts are never blank."""
    return isinstance(item, str) and (
        item.strip() in NA_TEXTS or not any(unicodedata.category(char)[0] in "LNS" for char in item)
    )


#: A text's words are counted in its first this many characters (the tfidf encoder, the word
#: view, category keywords): a few thousand words say what a text is about, and counting all of
#: a long one costs time in proportion (200 texts of 95,000 characters: grouped in 21.5 s, 4.5 s
#: read this far).
WORD_CHARS = 20_000


#: A web address in a text (``https://t.co/x1Yz``, ``www.example.org/page``).
WEB_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def word_part(text: str) -> str:
    """The part of ``text`` its words are counted in: its first ``WORD_CHARS`` characters,
    without web addresses (``https://t.co/x1Yz``: their pieces are no words of the text, and
    named categories "https")."""
    part = text[:WORD_CHARS]
    return WEB_ADDRESS.sub(" ", part) if "http" in part or "www." in part else part


#: Characters of Chinese and Japanese (Han ideographs, kana), written without spaces between
#: words: where words are read, each is a word of its own (and two side by side a word of two
#: characters, as most of theirs are), as search engines read them.
UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: A word where words are read (the tfidf encoder, the word view): a run of two or more
#: letters or digits of a script written with spaces, or one ``UNSPACED`` character.
WORD_PATTERN = rf"(?u)[{UNSPACED}]|[^\W{UNSPACED}]{{2,}}"
#: Where a word of a script written with spaces starts and ends: no letter or digit of such a
#: script before (after) it (an ``UNSPACED`` character, a word of its own, may be).
WORD_START, WORD_END = rf"(?<![^\W{UNSPACED}])", rf"(?![^\W{UNSPACED}])"
_UNSPACED_RUN = re.compile(rf"[{UNSPACED}]+")


def is_unspaced(char: str) -> bool:
    """Whether ``char`` (one character) is of a script written without spaces (``UNSPACED``)."""
    return _UNSPACED_RUN.fullmatch(char) is not None


def word_count(text: str) -> int:
    """About how many words ``text`` holds: its runs between spaces, a run of ``UNSPACED``
    characters counting one word per two of them ("体育" one, "球队赢得了比赛" four)."""
    spaced = len(_UNSPACED_RUN.sub(" ", text).split())
    unspaced = sum((len(run) + 1) // 2 for run in _UNSPACED_RUN.findall(text))
    return spaced + unspaced


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the number it takes: "1 group", "3 groups", "1 category"
    (``plural`` where adding "s" does not make it)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


#: Byte-order marks naming an encoding other than UTF-8, as Windows' "Unicode" saves write
#: (Excel's "Unicode Text" is UTF-16): UTF-32's first, as its little-endian mark begins with
#: UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def encoding_of(head: bytes) -> str:
    """The encoding of text starting with the bytes ``head`` (its first four suffice): UTF-16
    or UTF-32 where a byte-order mark names it, else UTF-8 (a mark of its own skipped)."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding
    return "utf-8-sig"


def read_unicode(path: Path, fix: str) -> str:
    """The text of the file ``path``: UTF-8, or UTF-16 or UTF-32 with a byte-order mark (a
    mark dropped); raises :class:`UnreadableDataError` naming the bad byte and ``fix`` when
    it is none of them."""
    data = path.read_bytes()
    try:
        return data.decode(encoding_of(data[:4]))
    except UnicodeDecodeError as exc:
        raise UnreadableDataError(
            f"Could not read {str(path)!r} as UTF-8 text ({exc.reason} at byte {exc.start}). {fix}"
        ) from exc
