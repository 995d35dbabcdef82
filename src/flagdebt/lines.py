"""What a line of source is: Python's tokenizer's definition, used wherever code is split.

The tokenizer ends a line only at `\\n`, `\\r\\n` or `\\r`. `str.splitlines()` also breaks at
form feeds, `\\x0b`, `\\x1c`-`\\x1e`, U+0085, U+2028 and U+2029, which Python allows inside
comments and strings; splitting code with it moves text out of a comment into the code.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

BREAK = re.compile(r"\r\n?|\n")
_ENDS = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of `text` as the tokenizer sees them; a final line break adds no empty line."""
    if "\r" not in text:
        parts = text.split("\n")
        if keepends:
            parts = [part + "\n" for part in parts[:-1]] + [parts[-1]]
    elif keepends:
        parts = _ENDS.split(text)
    else:
        parts = BREAK.split(text)
    if parts and not parts[-1]:
        parts.pop()
    return parts


def line_starts(text: str) -> list[int]:
    """The offset where each line begins (the first is 0)."""
    if "\r" not in text:
        starts = [0]
        find = text.find
        position = find("\n")
        while position != -1:
            starts.append(position + 1)
            position = find("\n", position + 1)
        return starts
    return [0, *(match.end() for match in BREAK.finditer(text))]


def line_number(starts: Sequence[int], offset: int) -> int:
    """The 1-based number of the line holding `offset` (`starts` from `line_starts`)."""
    return bisect.bisect_right(starts, offset)


def has_lone_cr(text: str) -> bool:
    """Does a `\\r` end a line on its own (a classic Mac line end, or one stray CR)?"""
    return "\r" in text and text.count("\r") != text.count("\r\n")


def newline_of(line: str) -> str:
    """The line break a line ends with ("" for the last line without one)."""
    if line.endswith("\r\n"):
        return "\r\n"
    return line[-1] if line.endswith(("\n", "\r")) else ""
