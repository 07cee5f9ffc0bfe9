"""Every plugin, setting and command is documented (docs/ stays true to the code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siftkit.cli import main
from siftkit.detectors import detector_classes
from siftkit.embed import available_encoders

DOCS = Path(__file__).resolve().parents[1] / "docs"


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(detector_classes()))
def test_every_detector_and_its_parameters_are_documented(name: str) -> None:
    text = read("detectors.md")
    detector = detector_classes()[name]
    assert f"`{name}`" in text
    for parameter in detector.parameter_constraints:
        assert parameter in (detector.__doc__ or ""), (name, parameter)


@pytest.mark.parametrize("name", [e for e in available_encoders() if e != "fake"])
def test_every_encoder_is_documented(name: str) -> None:
    assert f"`{name}`" in read("embedding.md")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_and_option_is_documented(command: str) -> None:
    text = read("cli.md")
    assert f"sift {command}" in text
    for param in main.commands[command].params:
        for flag in getattr(param, "opts", []):
            if flag.startswith("--"):
                assert flag in text, (command, flag)
