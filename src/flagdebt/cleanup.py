"""After a removal: drop the imports and key constants that the rewrite left unused.

Only names that were used before the rewrite and are unused after it are removed, so an
import that was already unused stays. libcst's RemoveImportsVisitor is not used: it skips
relative imports and folds `from m import (\\n a,\\n b,\\n)` onto one line, which a reviewer
would have to undo.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import libcst as cst
import libcst.helpers

STRING_NAMES = re.compile(r"[\w.\[\], |]*")
WORD = re.compile(r"[A-Za-z_]\w*")


def _bound_name(alias: cst.ImportAlias) -> str:
    """The name an import makes usable: `x` for `import m as x`, `a.b` for `import a.b`."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return cst.helpers.get_full_name_for_node_or_raise(alias.name)


class BlockKeeper(cst.CSTTransformer):
    """Keeps paragraphs: a removed statement's blank lines pass to the next statement."""

    def __init__(self) -> None:
        super().__init__()
        self.removed_statements: set[int] = set()

    def forget(self, original: cst.BaseStatement) -> cst.RemovalSentinel:
        self.removed_statements.add(id(original))
        return cst.RemoveFromParent()

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.BaseSuite:
        body = carry_blank_lines(original_node.body, updated_node.body, self.removed_statements, {})
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = carry_blank_lines(original_node.body, updated_node.body, self.removed_statements, {})
        return updated_node.with_changes(body=body)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        closed = close_line(original_node, updated_node)
        return self.forget(original_node) if isinstance(closed, cst.RemovalSentinel) else closed


class ImportPruner(BlockKeeper):
    """Removes the import names given as unused, keeping the layout of what stays."""

    def __init__(self, unused: set[str]) -> None:
        super().__init__()
        self.unused = unused

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import
                     ) -> cst.Import | cst.RemovalSentinel:
        kept = _kept(updated_node.names, self.unused, parenthesized=False)
        if kept is None:
            return updated_node
        return updated_node.with_changes(names=kept) if kept else cst.RemoveFromParent()

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        kept = _kept(updated_node.names, self.unused, updated_node.lpar is not None)
        if kept is None:
            return updated_node
        return updated_node.with_changes(names=kept) if kept else cst.RemoveFromParent()


def close_line(original: cst.SimpleStatementLine, line: cst.SimpleStatementLine
               ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
    """Remove a statement line left empty; drop a semicolon left dangling at its end."""
    if not line.body:
        return cst.RemoveFromParent()
    if len(line.body) == len(original.body):
        return line
    last = line.body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return line.with_changes(body=[*line.body[:-1], last])


def _kept(names: Sequence[cst.ImportAlias], unused: set[str],
          parenthesized: bool) -> list[cst.ImportAlias] | None:
    """The aliases an import keeps, None when it keeps them all."""
    kept = [alias for alias in names if _bound_name(alias) not in unused]
    if len(kept) == len(names):
        return None
    if kept and (not parenthesized or names[-1] not in kept):
        trailing = names[-1].comma if parenthesized else cst.MaybeSentinel.DEFAULT
        kept[-1] = kept[-1].with_changes(comma=trailing)
    return kept


Item = TypeVar("Item", cst.BaseElement, cst.BaseDictElement, cst.Arg)


def without(items: Sequence[Item], drop: Callable[[Item], bool]) -> list[Item] | None:
    """The items of a list, dict or call that stay, the last one taking the old last one's
    comma (so a trailing comma or its absence is kept); None when all stay."""
    kept = [item for item in items if not drop(item)]
    if len(kept) == len(items):
        return None
    if kept and items[-1] not in kept:
        kept[-1] = kept[-1].with_changes(comma=items[-1].comma)
    return kept


def leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """The blank and comment lines above a statement."""
    lines: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    return lines


def _blank_head(statement: cst.BaseStatement) -> bool:
    lines = leading_lines(statement)
    return bool(lines) and lines[0].comment is None


def _blank_count(statement: cst.BaseStatement) -> int:
    count = 0
    for line in leading_lines(statement):
        if line.comment is not None:
            break
        count += 1
    return count


def carry_blank_lines(original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement],
                      removed: set[int], expanded: dict[int, int]) -> list[cst.BaseStatement]:
    """Give the blank lines that stood before a removed statement to the one that follows it."""
    result, index, carry = list(updated), 0, 0
    for statement in original:
        count = 0 if id(statement) in removed else expanded.get(id(statement), 1)
        if count == 0:
            carry = max(carry, _blank_count(statement))
            continue
        if carry and 0 < index < len(result) and _blank_count(result[index]) < carry:
            target = result[index]
            extra = [cst.EmptyLine(indent=False)] * (carry - _blank_count(target))
            result[index] = target.with_changes(leading_lines=[*extra, *leading_lines(target)])
        carry, index = 0, index + count
    return result


Block = TypeVar("Block", cst.Module, cst.IndentedBlock)


def trim_head(before: Sequence[cst.BaseStatement], node: Block) -> Block:
    """Drop blank lines a removal left at the top of a module or block."""
    if not node.body or (before and _blank_head(before[0])) or not _blank_head(node.body[0]):
        return node
    if isinstance(node, cst.Module) and any(line.comment for line in node.header):
        return node
    first = node.body[0]
    lines = list(leading_lines(first))
    while lines and lines[0].comment is None:
        lines.pop(0)
    return node.with_changes(body=[first.with_changes(leading_lines=lines), *node.body[1:]])
