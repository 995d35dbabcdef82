"""Terminal niceties: colour only when asked for, NO_COLOR honoured, progress only on a terminal."""

from __future__ import annotations

import io

import pytest

from flagdebt import steps
from flagdebt.model import Finding
from flagdebt.report import Summary
from flagdebt.report.text import render_text

FINDINGS = [Finding("a.py", 3, 5, "FD001", "x", "flag 'x' expired", "error"),
            Finding("a.py", 4, 5, "FD002", "y", "flag 'y' expires soon", "warning")]


def test_text_is_plain_without_colour() -> None:
    text = render_text(FINDINGS, Summary(1, 1, 2, 2, 1))
    assert "\033[" not in text
    assert text.splitlines()[0] == "a.py:3:5: FD001 flag 'x' expired"


def test_colour_marks_errors_red_and_warnings_yellow() -> None:
    lines = render_text(FINDINGS, Summary(1, 1, 2, 2, 1, color=True)).splitlines()
    assert "\033[31mFD001" in lines[0] and "\033[33mFD002" in lines[1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_and_output_files_turn_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", _Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert steps.use_color(None) is True
    assert steps.use_color(__import__("pathlib").Path("report.txt")) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert steps.use_color(None) is False


def test_progress_only_for_large_scans_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", _Terminal())
    with steps.progress(steps.PROGRESS_MIN_FILES) as progress:
        assert progress is not None
        progress(10)
    with steps.progress(10) as progress:
        assert progress is None
    monkeypatch.setenv("CI", "true")
    with steps.progress(steps.PROGRESS_MIN_FILES) as progress:
        assert progress is None
