"""Which Python grammar a project's files are parsed with: its target version, not flagdebt's.

The stdlib `ast` parses what the running interpreter knows; a file written for a newer
Python (`type X = ...` on 3.11) is parsed again with libcst, which knows newer grammars.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

from flagdebt.lines import split_lines

if TYPE_CHECKING:
    import ast

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


def parse_module(source: str | bytes, target: Version | None = None) -> ast.Module:
    """`ast.parse`, also for a file in a grammar newer than the running Python's (see
    `parse_with_stand_ins`)."""
    return parse_with_stand_ins(source, target)[0]


def parse_with_stand_ins(source: str | bytes, target: Version | None = None
                         ) -> tuple[ast.Module, list[range]]:
    """The module's parse, and the lines of the statements that got stand-ins.

    When the running interpreter cannot parse `source` but libcst can at `target` (see
    `newer_than_running`), the module is parsed with each top-level statement it cannot
    parse replaced by a stand-in (`stand_ins`): the rest keeps its lines and columns, so a
    rewrite of that rest splices into the original text, and the stand-ins read the names the
    statements mention, so no import or definition they use looks unused. Raises the
    interpreter's SyntaxError (or ValueError) when that does not work either.
    """
    import ast

    try:
        return ast.parse(source), []
    except SyntaxError:
        if not newer_than_running(target):
            raise
        masked = stand_ins(source, target)
        if masked is None:
            raise
        return ast.parse(masked[0]), masked[1]


def stand_ins(source: str | bytes, target: Version | None) -> tuple[str, list[range]] | None:
    """`source` with each top-level statement the running Python cannot parse replaced by a
    tuple of the names it mentions on its first line and blank lines after, and the 1-based
    line ranges replaced; None when libcst cannot parse it at `target` either."""
    import ast
    import keyword

    import libcst as cst

    try:
        module = cst.parse_module(source, config=cst_config(target))
    except (cst.ParserSyntaxError, RecursionError):
        return None
    header = "".join(module.code_for_node(line) for line in module.header)
    parts = [module.code_for_node(statement) for statement in module.body]
    footer = "".join(module.code_for_node(line) for line in module.footer)
    if header + "".join(parts) + footer != module.code:
        return None
    out, replaced = [header], []
    line = len(split_lines(header)) + 1
    for statement, text in zip(module.body, parts):
        lines = split_lines(text, keepends=True)
        try:
            ast.parse(text)
        except SyntaxError:
            lead = len(getattr(statement, "leading_lines", ()))
            words = dict.fromkeys(w for w in WORD.findall(text) if not keyword.iskeyword(w))
            body = f"({', '.join(words)},)" if words else "pass"
            newline = lines[-1][len(lines[-1].rstrip("\r\n")):] or "\n"
            out.append("".join(lines[:lead]) + body + newline * (len(lines) - lead))
            replaced.append(range(line + lead, line + len(lines)))
        else:
            out.append(text)
        line += len(lines)
    return "".join(out) + footer, replaced


WORD = re.compile(r"[^\W\d]\w*")
