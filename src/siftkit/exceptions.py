"""Exceptions and warnings raised by siftkit.

Every error says what was wrong, what was expected, what was received and how
to fix it. All of them derive from :class:`SiftError`, so ``except SiftError``
catches anything siftkit raises on purpose; each also derives from the builtin
exception a Python user would expect (``ValueError``, ``FileNotFoundError``…).
"""

from __future__ import annotations

__all__ = [
    "SiftError",
    "DataFileNotFoundError",
    "UnreadableDataError",
    "ColumnNotFoundError",
    "EmptyDatasetError",
    "EmptyTextError",
    "MissingLabelsError",
    "SingleClassError",
    "DuplicateIdError",
    "EmbeddingsError",
    "InvalidParameterError",
    "OutputExistsError",
    "RunFolderError",
    "MissingExtraError",
    "NotFittedError",
    "UnknownPluginError",
    "InvalidResultError",
    "SiftWarning",
    "ShrunkNeighborsWarning",
    "ColumnInferenceWarning",
    "DetectorFailedWarning",
]


class SiftError(Exception):
    """Base class of every error siftkit raises on purpose."""


class DataFileNotFoundError(SiftError, FileNotFoundError):
    """The input path does not exist."""


class UnreadableDataError(SiftError, ValueError):
    """The input exists but cannot be parsed in the format its name promises."""


class ColumnNotFoundError(SiftError, KeyError):
    """A column named by the user is not in the data: ``role`` (id, text, label, split) is
    what it was named for, ``name`` the name, ``columns`` those the data has."""

    def __init__(
        self, message: str, *, role: str = "", name: str = "", columns: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.role, self.name, self.columns = role, name, columns

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class EmptyDatasetError(SiftError, ValueError):
    """The input holds no rows."""


class EmptyTextError(SiftError, ValueError):
    """The text column is empty in every row."""


class MissingLabelsError(SiftError, ValueError):
    """Some rows have no label where labels are required."""


class SingleClassError(SiftError, ValueError):
    """Labels are required but hold a single class."""


class DuplicateIdError(SiftError, ValueError):
    """The id column holds the same id on more than one row."""


class EmbeddingsError(SiftError, ValueError):
    """Precomputed embeddings have the wrong shape or hold NaN/inf."""


class InvalidParameterError(SiftError, ValueError):
    """A parameter is outside its allowed values."""


class OutputExistsError(SiftError, FileExistsError):
    """The output folder already holds something that would be overwritten."""


class RunFolderError(SiftError, ValueError):
    """A folder is not a readable siftkit run folder."""


class MissingExtraError(SiftError, ImportError):
    """An optional dependency is needed; the message names the extra that installs it."""


class NotFittedError(SiftError, AttributeError):
    """A fitted attribute was read before ``fit`` was called."""


class UnknownPluginError(SiftError, KeyError):
    """No encoder or detector is registered under the requested name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidResultError(SiftError, ValueError):
    """A detector returned columns that break the contract (a bug in that detector)."""


class SiftWarning(UserWarning):
    """Base class of every warning siftkit emits."""


class ShrunkNeighborsWarning(SiftWarning):
    """There are fewer rows than the requested number of neighbours; k was reduced."""


class ColumnInferenceWarning(SiftWarning):
    """A column's role was guessed in a way the user may want to override."""


class CacheUnavailableWarning(SiftWarning):
    """The embedding cache folder cannot be written; embedding goes on without it."""


class FirstSheetWarning(SiftWarning):
    """A workbook holds several sheets; the first was read."""


class TitleRowsWarning(SiftWarning):
    """Lines above a table's header (a title) were skipped."""


class RepeatedHeaderWarning(SiftWarning):
    """Rows repeating a table's header (files joined end to end) were dropped."""


class LiteralQuotesWarning(SiftWarning):
    """A table's quote characters were read as part of its values, not as quoting."""


class TruncatedFileWarning(SiftWarning):
    """A file's last line was cut short (a download or copy that stopped) and left out."""


class TextEncodingWarning(SiftWarning):
    """A file that is not UTF-8 was read in another encoding (Windows-1252)."""


class LabelVariantsWarning(SiftWarning):
    """Some classes look like others: one name written several ways ("Spam", "spam"), or
    several classes joined ("sports|news"). Each is a class of its own."""


class FeatureScaleWarning(SiftWarning):
    """Vectors given as data have columns of very different spreads, which decide their
    directions alone."""


class UnknownWordsWarning(SiftWarning):
    """The text encoder's vocabulary lacks much of what the texts are written in."""


class LongTextsWarning(SiftWarning):
    """Many texts are longer than the text encoder reads: only their beginnings are embedded."""


class HintNotMetWarning(SiftWarning):
    """Category discovery found far from the number of categories it was asked for."""


class DetectorFailedWarning(SiftWarning):
    """A detector raised an error; it is recorded in the summary and the others still ran."""
