"""linediff: difflib's unified diff on short files, a diff that applies on long ones."""

from __future__ import annotations

import difflib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flagdebt import linediff
from flagdebt.linediff import matching_blocks, unified_lines

LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "def f():\n", "    return 1\n", "\n", "x"]),
                 max_size=40)
HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n")


def apply(a: list[str], diff: list[str]) -> list[str]:
    """The lines of `a` with a unified diff applied, checking every context and removed line."""
    out: list[str] = []
    at = 0
    for line in diff[2:]:
        hunk = HUNK.fullmatch(line)
        if hunk:
            start = int(hunk[1]) - (0 if hunk[2] == "0" else 1)
            assert start >= at
            out.extend(a[at:start])
            at = start
        elif line[0] == "+":
            out.append(line[1:])
        else:
            assert a[at] == line[1:], (at, line)
            at += 1
            if line[0] == " ":
                out.append(line[1:])
    return out + a[at:]


@given(LINES, LINES)
def test_a_short_file_gets_difflibs_diff(a: list[str], b: list[str]) -> None:
    expected = list(difflib.unified_diff(a, b, "a/m.py", "b/m.py"))
    assert list(unified_lines(a, b, "a/m.py", "b/m.py")) == expected


@settings(max_examples=300)
@given(LINES, LINES)
def test_the_anchored_diff_applies(a: list[str], b: list[str]) -> None:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(linediff, "DIRECT", 3)  # every stretch is cut at its anchors
        diff = list(unified_lines(a, b, "a/m.py", "b/m.py"))
        blocks = matching_blocks(a, b)
    assert apply(a, diff) == b
    assert (diff == []) == (a == b)
    for (i, j, size), (i2, j2, _) in zip(blocks, blocks[1:-1]):
        assert a[i:i + size] == b[j:j + size]
        assert i + size <= i2 and j + size <= j2 and (i + size, j + size) != (i2, j2)


def test_many_similar_changes_in_a_long_file() -> None:
    a = [line for n in range(3000) for line in (f"def f{n}():\n", "    if flag_enabled('x'):\n",
                                                   f"        return {n + 1}\n", "    return 0\n", "\n")]
    b = [line for n in range(3000) for line in (f"def f{n}():\n", f"    return {n + 1}\n", "\n")]
    diff = list(unified_lines(a, b, "a/m.py", "b/m.py"))
    assert apply(a, diff) == b
    assert sum(line.startswith("-") for line in diff) == 1 + 3 * 3000
    assert sum(line.startswith("+") for line in diff) == 1 + 3000
