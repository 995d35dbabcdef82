"""Flag reads in JavaScript, TypeScript and template expressions: `form("key", ...)` calls.

A form is a dotted call name: `waffle.flag_is_active` needs that receiver (the last part
before the method), a bare `useGate` takes any receiver or none. Only calls whose first
argument is a string literal are reads; the scanner only reads, it never rewrites.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

QUOTED = r"""(?P<q>['"`])(?P<key>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)"""


@dataclass(frozen=True, slots=True)
class ScriptRead:
    """A call that reads a flag: 1-based line and column, the form it matched, and the key."""

    line: int
    col: int
    callee: str
    key: str
    dynamic: bool = False


def _form_pattern(form: str) -> str:
    *receiver, method = form.split(".")
    head = (r"(?<![\w$])" + r"\s*\.\s*".join(map(re.escape, receiver)) + r"\s*\.\s*"
            if receiver else r"(?<![\w$])")
    return head + re.escape(method) + r"\s*\(\s*"


@lru_cache(maxsize=32)
def compile_forms(forms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regular expression for all forms; group `form<n>` says which one matched."""
    if not forms:
        return None
    alternatives = "|".join(f"(?P<form{n}>{_form_pattern(form)})" for n, form in enumerate(forms))
    return re.compile(f"(?:{alternatives}){QUOTED}")


def trigger_words(forms: Iterable[str]) -> tuple[bytes, ...]:
    """Bytes a file must contain to hold one of the forms (their method names)."""
    return tuple(sorted({form.rsplit(".", 1)[-1].encode() for form in forms}))


def find_reads(text: str, forms: Sequence[str]) -> Iterator[ScriptRead]:
    """Every call of a form with a literal first argument, in text order."""
    pattern = compile_forms(tuple(forms))
    if pattern is None:
        return
    starts = _line_starts(text)
    for match in pattern.finditer(text):
        number, start = _matched_form(match)
        line = bisect.bisect_right(starts, start)
        key = match["key"]
        dynamic = match["q"] == "`" and "${" in key
        yield ScriptRead(line, start - starts[line - 1] + 1, forms[number], key, dynamic)


def _matched_form(match: re.Match[str]) -> tuple[int, int]:
    """Which form matched (its index) and where its text starts."""
    for name, value in match.groupdict().items():
        if name.startswith("form") and value is not None:
            return int(name[4:]), match.start(name)
    return 0, match.start()


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]

