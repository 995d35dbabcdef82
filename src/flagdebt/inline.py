"""Plan the inlining of local variables that only hold a flag's value.

`enabled = flag_enabled("x")` inside a function, assigned once and never declared global or
nonlocal, is replaced at every read by the flag's value, and the assignment goes.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import FunctionScope, MetadataWrapper, ScopeProvider

from flagdebt.cstscan import LocalNames


def flag_value(node: cst.BaseExpression, calls: dict[int, bool]) -> bool | None:
    """The constant a planned flag call (possibly under `not`) evaluates to, else None."""
    negated = False
    while isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        negated, node = not negated, node.expression
    value = calls.get(id(node)) if isinstance(node, cst.Call) else None
    return None if value is None else value != negated


class _Candidates(cst.CSTVisitor):
    def __init__(self, calls: dict[int, bool]) -> None:
        super().__init__()
        self.calls = calls
        self.found: list[tuple[cst.CSTNode, cst.Name, bool]] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._consider(node, node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._consider(node, node.target, node.value)

    def _consider(self, node: cst.CSTNode, target: cst.BaseExpression,
                  value: cst.BaseExpression) -> None:
        flag = flag_value(value, self.calls)
        if isinstance(target, cst.Name) and flag is not None:
            self.found.append((node, target, flag))


def _declared(function: cst.CSTNode) -> set[str]:
    collector = LocalNames()
    function.visit(collector)
    return collector.declared


def inline_plan(wrapper: MetadataWrapper, calls: dict[int, bool], names: dict[int, bool],
                dropped: set[int]) -> None:
    """Add to `names` the reads to replace and to `dropped` the assignments to remove."""
    candidates = _Candidates(calls)
    wrapper.module.visit(candidates)
    if not candidates.found:
        return
    scopes = wrapper.resolve(ScopeProvider)
    for statement, target, value in candidates.found:
        scope = scopes.get(statement)
        if not isinstance(scope, FunctionScope) or target.value in _declared(scope.node):
            continue
        assignments = list(scope.assignments[target.value])
        if len(assignments) != 1 or getattr(assignments[0], "node", None) is not target:
            continue
        reads = [access.node for access in assignments[0].references]
        if all(isinstance(read, cst.Name) for read in reads):
            names.update((id(read), value) for read in reads)
            dropped.add(id(statement))
