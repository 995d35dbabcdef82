"""After a removal: drop the imports and key constants that the rewrite left unused.

Only names that were used before the rewrite and are unused after it are removed, so an
import that was already unused stays. libcst's RemoveImportsVisitor is not used: it skips
relative imports and folds `from m import (\\n a,\\n b,\\n)` onto one line, which a reviewer
would have to undo.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

import libcst as cst

STRING_NAMES = re.compile(r"[\w.\[\], |]*")
WORD = re.compile(r"[A-Za-z_]\w*")


class _NameCounter(cst.CSTVisitor):
    """How often each name is read, outside import statements (and inside plain-name strings)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if isinstance(value, str) and STRING_NAMES.fullmatch(value):
            self.counts.update(WORD.findall(value))


def name_counts(tree: cst.CSTNode) -> Counter[str]:
    """Reads of every name in a tree, as a conservative measure of what is still used."""
    counter = _NameCounter()
    tree.visit(counter)
    return counter.counts


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return cst.helpers.get_full_name_for_node_or_raise(alias.name).split(".")[0]


class _ImportPruner(cst.CSTTransformer):
    def __init__(self, unused: set[str]) -> None:
        super().__init__()
        self.unused = unused

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import
                     ) -> cst.Import | cst.RemovalSentinel:
        return _prune(updated_node, updated_node.names, self.unused, parenthesized=False)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        return _prune(updated_node, updated_node.names, self.unused, updated_node.lpar is not None)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        return close_line(original_node, updated_node)


def close_line(original: cst.SimpleStatementLine, line: cst.SimpleStatementLine
               ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
    """Remove a statement line left empty; drop a semicolon left dangling at its end."""
    if not line.body:
        return cst.RemoveFromParent()
    if len(line.body) == len(original.body):
        return line
    last = line.body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return line.with_changes(body=[*line.body[:-1], last])


def _prune(node: cst.Import | cst.ImportFrom, names: Sequence[cst.ImportAlias],
           unused: set[str], parenthesized: bool) -> cst.Import | cst.ImportFrom | cst.RemovalSentinel:
    kept = [alias for alias in names if _bound_name(alias) not in unused]
    if len(kept) == len(names):
        return node
    if not kept:
        return cst.RemoveFromParent()
    if not parenthesized or names[-1] not in kept:
        trailing = names[-1].comma if parenthesized else cst.MaybeSentinel.DEFAULT
        kept[-1] = kept[-1].with_changes(comma=trailing)
    return node.with_changes(names=kept)


def prune_imports(before: cst.Module, after: cst.Module) -> cst.Module:
    """Remove the import names `after` no longer reads but `before` did."""
    old, new = name_counts(before), name_counts(after)
    unused = {name for name in old if new[name] == 0}
    if not unused:
        return after
    return after.visit(_ImportPruner(unused))


class _ConstantDropper(cst.CSTTransformer):
    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        return False  # only module-level constants

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign
                     ) -> cst.Assign | cst.RemovalSentinel:
        target = updated_node.targets[0].target if len(updated_node.targets) == 1 else None
        if isinstance(target, cst.Name) and target.value in self.names:
            return cst.RemoveFromParent()
        return updated_node

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
                        ) -> cst.AnnAssign | cst.RemovalSentinel:
        target = updated_node.target
        if isinstance(target, cst.Name) and target.value in self.names:
            return cst.RemoveFromParent()
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        return close_line(original_node, updated_node)


def drop_constants(tree: cst.Module, names: set[str]) -> cst.Module:
    """Remove module-level `NAME = "..."` assignments of the given names that nothing reads."""
    counts = name_counts(tree)
    unread = {name for name in names if counts[name] <= 1}  # the assignment target itself
    return tree.visit(_ConstantDropper(unread)) if unread else tree
