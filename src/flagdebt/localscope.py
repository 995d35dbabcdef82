"""Which names each function binds, and where they are read, in one pass over a libcst tree.

A lighter stand-in for libcst's ScopeProvider (about a third of its cost), enough for the
removal's clean-ups: functions, lambdas and comprehensions are scopes; a class body is a scope
that the functions inside it do not see; `global`/`nonlocal` names are not locals; a read
belongs to the nearest enclosing scope that binds the name, as in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

FunctionLike = cst.FunctionDef | cst.Lambda | cst.ListComp | cst.SetComp | cst.DictComp \
    | cst.GeneratorExp | cst.ClassDef | cst.Module


@dataclass
class Scope:
    """One scope: the names it binds (with the binding Name nodes) and the reads made in it."""

    node: FunctionLike
    parent: Scope | None
    path: str
    bound: dict[str, list[cst.CSTNode]] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)
    nonlocal_names: set[str] = field(default_factory=set)
    reads: list[cst.Name] = field(default_factory=list)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (cst.FunctionDef, cst.Lambda))

    def bind(self, name: cst.Name) -> None:
        self.bound.setdefault(name.value, []).append(name)


class LocalScopes(cst.CSTVisitor):
    """Collects every scope of a tree; `resolve()` then gives each function's locals."""

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[Scope] = []
        self._stack: list[Scope] = []
        self._skip: set[int] = set()  # Name nodes that are not reads (attributes, keywords...)

    # Scopes.
    def _push(self, node: FunctionLike, label: str) -> None:
        parent = self._stack[-1] if self._stack else None
        path = f"{parent.path}.{label}" if parent is not None and parent.path else label
        scope = Scope(node, parent, path)
        self.scopes.append(scope)
        self._stack.append(scope)

    def _pop(self) -> None:
        self._stack.pop()

    def visit_Module(self, node: cst.Module) -> None:
        self._push(node, "")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack[-1].bind(node.name)
        self._skip.add(id(node.name))
        self._push(node, node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._stack[-1].bind(node.name)
        self._skip.add(id(node.name))
        self._push(node, node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push(node, "<lambda>")

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._push(node, "<comprehension>")

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._push(node, "<comprehension>")

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._push(node, "<comprehension>")

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._push(node, "<comprehension>")

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop()

    # Bindings.
    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._stack[-1].bind(target)
            self._skip.add(id(target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def visit_Param(self, node: cst.Param) -> None:
        self._bind_target(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):  # a read and a write
            self._stack[-1].bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind_target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        owner = next((s for s in reversed(self._stack) if not isinstance(
            s.node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp))), self._stack[0])
        if isinstance(node.target, cst.Name):
            owner.bind(node.target)
            self._skip.add(id(node.target))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            first = node.name
            while isinstance(first, cst.Attribute):
                first = first.value  # type: ignore[assignment]
            if isinstance(first, cst.Name):
                self._stack[-1].bind(first)
        self._skip.update(id(n) for n in _names_in(node.name))

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._bind_target(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._bind_target(node.name)

    def visit_Global(self, node: cst.Global) -> None:
        self._stack[-1].declared.update(item.name.value for item in node.names)
        self._skip.update(id(item.name) for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self._stack[-1].declared.update(item.name.value for item in node.names)
        self._stack[-1].nonlocal_names.update(item.name.value for item in node.names)
        self._skip.update(id(item.name) for item in node.names)

    # Names that are not variables.
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._skip:
            self._stack[-1].reads.append(node)

    def function_locals(self) -> dict[tuple[str, str], tuple[list[cst.CSTNode], list[cst.Name]]]:
        """(function path, name) -> (binding nodes, reads), for every function's locals."""
        found: dict[tuple[str, str], tuple[list[cst.CSTNode], list[cst.Name]]] = {}
        for scope in self.scopes:
            if scope.is_function:
                for name, nodes in scope.bound.items():
                    if name not in scope.declared:
                        found[(scope.path, name)] = (nodes, [])
        for scope in self.scopes:  # `nonlocal x; x = ...` binds the enclosing function's x
            for name in scope.nonlocal_names & scope.bound.keys():
                owner = _owner(scope.parent, name) if scope.parent is not None else None
                entry = found.get((owner.path, name)) if owner is not None else None
                if entry is not None:
                    entry[0].extend(scope.bound[name])
        for scope in self.scopes:
            for read in scope.reads:
                owner = _owner(scope, read.value)
                if owner is not None and owner.is_function:
                    entry = found.get((owner.path, read.value))
                    if entry is not None:
                        entry[1].append(read)
        return found


def _owner(scope: Scope, name: str) -> Scope | None:
    """The scope a read of `name` in `scope` resolves to (class bodies are skipped above)."""
    current: Scope | None = scope
    first = True
    while current is not None:
        if name in current.declared and name not in current.nonlocal_names:
            return None  # global
        if name in current.bound and name not in current.declared \
                and (first or not isinstance(current.node, cst.ClassDef)):
            return current
        first = False
        current = current.parent
    return None


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, cst.Attribute):
        return [*_names_in(node.value), node.attr]
    return []
