"""Text from users' code and files made safe to show: one line, no terminal escapes.

A key or file name can hold ESC, NUL, newlines, other C0/C1 controls or bidi overrides.
Printed raw they recolour a terminal, forge or split a line of a report, or reorder what a
reviewer reads; shown as Python escapes (`\\x1b`, `\\n`, `\\u202e`) they stay recognisable.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` with every non-printable character (controls, format characters such as
    bidi overrides, lone surrogates, separators other than space) escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
