"""Fixtures for detector tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from detector_contexts import build_context

from siftkit.detectors import Context


@pytest.fixture
def make_context() -> Callable[..., Context]:
    return build_context
