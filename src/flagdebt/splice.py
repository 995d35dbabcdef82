"""Rewrite a module one top-level statement at a time.

libcst is exact but slow (a parse with metadata costs ~30x an `ast.parse`), so the codemod
only hands it the top-level statements that can hold a flag call, each as a module of its
own, and splices the rewritten text back between the untouched lines. `ast` finds the
statement boundaries and counts the names a rewrite left unused.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flagdebt.astscan import assignment
from flagdebt.lines import newline_of, split_lines

IDENTIFIERS = re.compile(r"[\w.\[\], |]*")
WORD = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True, order=True)
class Chunk:
    """Lines `start` (0-based) to `end` (exclusive) holding whole top-level statements."""

    start: int
    end: int
    nodes: tuple[ast.stmt, ...] = ()

    def text(self, lines: Sequence[str]) -> str:
        return "".join(lines[self.start:self.end])


def chunks(tree: ast.Module) -> list[Chunk]:
    """The top-level statements of a module, statements sharing a line kept together."""
    return body_chunks(tree.body)


def body_chunks(body: Sequence[ast.stmt]) -> list[Chunk]:
    """The statements of a body, statements sharing a line kept together."""
    found: list[Chunk] = []
    for node in body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))]) - 1
        last = node.end_lineno or node.lineno
        if found and first < found[-1].end:
            previous = found.pop()
            found.append(Chunk(previous.start, max(previous.end, last), (*previous.nodes, node)))
        else:
            found.append(Chunk(first, last, (node,)))
    return found


def any_within(ordered: Sequence[int], low: int, high: int) -> bool:
    """Whether the sorted numbers hold one from `low` to `high` (both included)."""
    at = bisect_left(ordered, low)
    return at < len(ordered) and ordered[at] <= high


def touching(all_chunks: Iterable[Chunk], lines: Sequence[int]) -> list[Chunk]:
    """The chunks that contain one of the given 1-based line numbers (sorted)."""
    return [chunk for chunk in all_chunks if any_within(lines, chunk.start + 1, chunk.end)]


def inner_chunks(chunk: Chunk, lines: Sequence[str], targets: Sequence[int]) -> list[Chunk]:
    """For a class, the statements of its body that hold a target line (recursively); else `chunk`.

    `targets` are sorted 1-based line numbers. A smaller chunk is a smaller libcst parse; a
    body that cannot be cut out cleanly (a target in the class header, lines indented less
    than the body) stays whole.
    """
    node = chunk.nodes[0] if len(chunk.nodes) == 1 else None
    if not isinstance(node, ast.ClassDef):
        return [chunk]
    body = body_chunks(node.body)
    header_end = body[0].start
    if header_end <= chunk.start or any_within(targets, chunk.start + 1, header_end):
        return [chunk]
    selected = touching(body, targets)
    if any(dedent(inner, lines) is None for inner in selected):
        return [chunk]
    return [part for inner in selected for part in inner_chunks(inner, lines, targets)]


class Nesting:
    """The class statements of a body, to find the classes around a line by bisection
    (classes of one body never share a line)."""

    def __init__(self, body: Sequence[ast.stmt]) -> None:
        self.classes = [node for node in body if isinstance(node, ast.ClassDef)]
        self.starts = [node.lineno for node in self.classes]
        self.inner: dict[int, Nesting] = {}

    def around(self, line: int) -> list[ast.ClassDef]:
        """The classes whose statement spans 1-based `line`, outermost first."""
        found: list[ast.ClassDef] = []
        level = self
        while True:
            at = bisect_right(level.starts, line) - 1
            if at < 0 or line > (level.classes[at].end_lineno or 0):
                return found
            node = level.classes[at]
            found.append(node)
            if at not in level.inner:
                level.inner[at] = Nesting(node.body)
            level = level.inner[at]


def indent_of(chunk: Chunk, lines: Sequence[str]) -> str:
    """The indentation of a chunk's first line."""
    first = lines[chunk.start]
    return first[: len(first) - len(first.lstrip())]


def dedent(chunk: Chunk, lines: Sequence[str]) -> str | None:
    """The chunk's text moved to column 0, or None when a line is indented less than the first."""
    prefix = indent_of(chunk, lines)
    moved = []
    for line in lines[chunk.start:chunk.end]:
        if line.startswith(prefix):
            moved.append(line[len(prefix):])
        elif not line.strip():
            moved.append(line.lstrip(" \t"))
        else:
            return None
    return "".join(moved)


def indent(text: str, prefix: str) -> str:
    """Text moved back to the indentation it was cut from (blank lines stay empty)."""
    if not prefix:
        return text
    return "".join(prefix + line if line.strip() else line for line in split_lines(text, keepends=True))


def _is_blank(line: str) -> bool:
    return not line.strip()


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def splice(lines: Sequence[str], replaced: dict[Chunk, str]) -> str:
    """The module with each chunk replaced by its new text; "" removes it, keeping paragraphs."""
    out: list[str] = []
    position, code_before = 0, False
    for chunk in sorted(replaced):
        before = lines[position:chunk.start]
        out.extend(before)
        code_before = code_before or any(not _is_blank(x) and not _is_comment(x) for x in before)
        position = chunk.end
        text = replaced[chunk]
        if text:
            out.append(text)
            code_before = True
            continue
        position = _close_gap(out, lines, position, code_before)
    out.extend(lines[position:])
    result = "".join(out)
    return result if result.strip() else ""


def _close_gap(out: list[str], lines: Sequence[str], position: int, code_before: bool) -> int:
    """After a removed chunk: drop the comments above it, keep one paragraph break."""
    if code_before:
        while out and _is_comment(out[-1]):
            out.pop()
    pre = 0
    while out and _is_blank(out[-1]):
        out.pop()
        pre += 1
    post = 0
    while position + post < len(lines) and _is_blank(lines[position + post]):
        post += 1
    if position + post >= len(lines):
        return len(lines)  # nothing follows: no blank lines at the end either
    newline = newline_of(lines[position + post]) or "\n"
    opener = bool(out) and out[-1].rstrip().endswith(":")  # the first statement of a block went
    keep = max(pre, post) if any(not _is_blank(line) for line in out) and not opener else pre
    out.extend([newline] * keep)
    return position + post


def name_counts(tree: ast.AST) -> Counter[str]:
    """How often each name and dotted name is read (or assigned), plus names in plain strings."""
    counts: Counter[str] = Counter()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Name:
            counts[node.id] += 1  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            dotted = _dotted(node)  # type: ignore[arg-type]
            if dotted:
                counts[dotted] += 1
        elif kind is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
            if IDENTIFIERS.fullmatch(node.value):  # type: ignore[attr-defined]
                counts.update(WORD.findall(node.value))  # type: ignore[attr-defined]
    return counts


def _dotted(node: ast.Attribute) -> str | None:
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    return ".".join([value.id, *reversed(parts)]) if isinstance(value, ast.Name) else None


def import_names(node: ast.AST) -> set[str]:
    """The names an import statement binds, dotted for `import a.b`."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {alias.asname or alias.name for alias in node.names}
    return set()


def assigned_name(node: ast.stmt) -> str | None:
    """The single plain name a module-level assignment binds, if that is all it does."""
    target, value = assignment(node)
    return target.id if isinstance(target, ast.Name) and value is not None else None
