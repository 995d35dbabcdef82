"""Which Python grammar a project's files are parsed with: its target version, not flagdebt's.

The stdlib `ast` parses what the running interpreter knows; a file written for a newer
Python (`type X = ...` on 3.11) is parsed again with libcst, which knows newer grammars.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

Version = tuple[int, int]
TARGET = re.compile(r"py3(\d{1,2})")
LOWER_BOUND = re.compile(r"(>=|~=|==|>)\s*3\.(\d+)")
TARGET_HELP = "expected 'py3X' like 'py310' or 'py312'"


def parse_target(text: str) -> Version | None:
    """`py312` -> (3, 12); None when the text is not a target version."""
    match = TARGET.fullmatch(text.strip())
    return (3, int(match[1])) if match else None


def from_requires_python(spec: str) -> Version | None:
    """The oldest Python a `requires-python` specifier allows (`>=3.10,<4` -> (3, 10)).

    The code must run there, so that version's grammar is the one it is written in.
    """
    bounds = [(3, int(minor) + (1 if op == ">" else 0)) for op, minor in LOWER_BOUND.findall(spec)]
    return max(bounds) if bounds else None


def newer_than_running(target: Version | None) -> bool:
    """Whether files may hold syntax the running interpreter's `ast` cannot parse.

    No target means the newest grammar libcst supports.
    """
    return target is None or target > sys.version_info[:2]


def cst_config(target: Version | None) -> cst.PartialParserConfig:
    """libcst's parser configuration for a target (clamped to the versions libcst knows)."""
    import libcst as cst

    try:
        from libcst._parser.types.config import KNOWN_PYTHON_VERSION_STRINGS
    except ImportError:  # a libcst without the list: its default grammar
        return cst.PartialParserConfig()
    known = sorted(tuple(int(p) for p in v.split(".")) for v in KNOWN_PYTHON_VERSION_STRINGS)
    wanted = target if target is not None else known[-1]
    chosen = max((v for v in known if v <= wanted), default=known[-1])
    return cst.PartialParserConfig(python_version=".".join(map(str, chosen)))


def describe(target: Version | None) -> str:
    return f"Python {target[0]}.{target[1]}" if target else "the newest Python libcst knows"
