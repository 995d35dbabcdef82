"""Plan the inlining of local variables that only hold a flag's value.

`enabled = flag_enabled("x")` inside a function, assigned once and never declared global or
nonlocal, is replaced at every read by the flag's value, and the assignment goes.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def _declared(function: cst.CSTNode) -> set[str]:
    collector = LocalNames()
    function.visit(collector)
    return collector.declared


Assignment = tuple[cst.CSTNode, cst.Name, cst.BaseExpression]  # statement, target, value


def inline_plan(wrapper: MetadataWrapper, assignments: Sequence[Assignment],
                calls: dict[int, bool], names: dict[int, bool], dropped: set[int]) -> None:
    """Add to `names` the reads to replace and to `dropped` the assignments to remove."""
    found = [(statement, target, value) for statement, target, expression in assignments
             if (value := flag_value(expression, calls)) is not None]
    if not found:
        return
    scopes = wrapper.resolve(ScopeProvider)
    for statement, target, value in found:
        scope = scopes.get(statement)
        if not isinstance(scope, FunctionScope) or target.value in _declared(scope.node):
            continue
        bound = list(scope.assignments[target.value])
        if len(bound) != 1 or getattr(bound[0], "node", None) is not target:
            continue
        reads = [access.node for access in bound[0].references]
        if all(isinstance(read, cst.Name) for read in reads):
            names.update((id(read), value) for read in reads)
            dropped.add(id(statement))
