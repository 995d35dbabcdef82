"""Tests parametrized over a removed flag's state: `@ddt.data(True, False)` or
`@pytest.mark.parametrize("active", [True, False])` feeding `override_flag(X, active=active)`.

The run with the dead value exercised the dead branch and goes with it; the run with the
live value stays as a plain test: the parametrization and the parameter go, and every read
of the parameter becomes the live value (so the override is a no-op and goes too). Only
the plain form is taken; anything else stays a blocking read to decide by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst

from flagdebt.cstscan import dotted, literal_bool, walk

DDT_DATA = ("data",)  # `@ddt.data(...)`, `@data(...)`
DDT_OTHERS = ("unpack", "idata", "file_data")
PARAMETRIZE = ("mark", "parametrize")


class Parametrized:
    """The live-value plan of one parametrized override, found in one chunk's tree."""

    def __init__(self, tree: cst.Module) -> None:
        self._owners: dict[int, cst.FunctionDef] | None = None
        self.tree = tree

    def owner(self, call: cst.Call) -> cst.FunctionDef | None:
        """The innermost function whose body holds `call`."""
        if self._owners is None:
            finder = _Owners()
            self.tree.visit(finder)
            self._owners = finder.owners
        return self._owners.get(id(call))

    def plan(self, call: cst.Call, active: cst.BaseExpression, other_calls: Iterable[cst.Call]
             ) -> tuple[int, int, str, frozenset[int]] | str:
        """(the test, its parametrize decorator's call, the parameter and its reads) when the
        override's `active` is a test parameter over exactly True and False; else why not."""
        if not isinstance(active, cst.Name):
            return "an override whose `active` is not True or False: decide by hand"
        name = active.value
        function = self.owner(call)
        if function is None or name not in _parameter_names(function):
            return "an override whose `active` is not True or False: decide by hand"
        decorator = _parametrization(function, name)
        if decorator is None:
            return (f"an override whose `active` is the parameter '{name}', not parametrized "
                    "over exactly True and False by one plain `ddt.data` or `parametrize`: "
                    "decide by hand")
        values = _bool_values(decorator, name)
        if values is None or set(values) != {True, False}:
            return (f"an override whose `active` is the parameter '{name}', not parametrized "
                    "over exactly True and False: decide by hand")
        reads = _Reads(name)
        function.body.visit(reads)
        if reads.rebound:
            return f"the test rebinds the parameter '{name}' it overrides the flag with: decide by hand"
        used = {id(node) for node in reads.found}
        for other in other_calls:
            if other is not call and any(id(node) in used for node in _names(other)):
                return (f"the parameter '{name}' also sets another flag read or override: "
                        "decide by hand")
        return id(function), id(decorator), name, frozenset(used)


def _parameter_names(function: cst.FunctionDef) -> list[str]:
    params = function.params
    return [param.name.value for param in (*params.posonly_params, *params.params)]


def _parametrization(function: cst.FunctionDef, name: str) -> cst.Call | None:
    """The one `ddt.data(...)` or `parametrize("name", [...])` call that feeds `name`."""
    found: list[cst.Call] = []
    for decorator in function.decorators:
        node = decorator.decorator
        parts = dotted(node.func if isinstance(node, cst.Call) else node)
        if tuple(parts[-1:]) in {(other,) for other in DDT_OTHERS}:
            return None
        if not isinstance(node, cst.Call):
            continue
        if parts[-1:] == DDT_DATA and len(parts) <= 2:
            params = [p for p in _parameter_names(function) if p not in ("self", "cls")]
            if params[:1] != [name]:
                return None
            found.append(node)
        elif tuple(parts[-2:]) == PARAMETRIZE:
            first = node.args[0].value if node.args else None
            if isinstance(first, cst.SimpleString) and first.evaluated_value == name:
                found.append(node)
    return found[0] if len(found) == 1 else None


def _bool_values(call: cst.Call, name: str) -> list[bool] | None:
    """The literal True/False values a parametrization gives; None for anything else."""
    if any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    if dotted(call.func)[-1] == "data":
        items: Sequence[cst.BaseExpression] = [arg.value for arg in call.args]
    else:
        if len(call.args) != 2 or not isinstance(call.args[1].value, (cst.List, cst.Tuple)):
            return None
        items = [element.value for element in call.args[1].value.elements
                 if isinstance(element, cst.Element)]
        if len(items) != len(call.args[1].value.elements):
            return None
    values = [literal_bool(item) for item in items]
    return [value for value in values if value is not None] \
        if values and None not in values else None


def _names(node: cst.CSTNode) -> Iterable[cst.Name]:
    return (inner for inner in walk(node) if isinstance(inner, cst.Name))


class _Owners(cst.CSTVisitor):
    def __init__(self) -> None:
        self.owners: dict[int, cst.FunctionDef] = {}
        self.stack: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if self.stack:
            self.owners[id(node)] = self.stack[-1]


class _Reads(cst.CSTVisitor):
    """The loads of one name in a function body; `rebound` when the body binds it again
    (an assignment, a loop or `with` target, an inner parameter, `global`, ...)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[cst.Name] = []
        self.rebound = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `x.active` is not the parameter
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # nor the keyword in `f(active=...)`
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        self.rebound = self.rebound or node.name.value == self.name
        if node.default is not None:
            node.default.visit(self)
        return False

    def _binds(self, target: cst.CSTNode) -> None:
        if any(name.value == self.name for name in _names(target)):
            self.rebound = True

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._binds(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._binds(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._binds(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._binds(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._binds(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._binds(node.name)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self._binds(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._binds(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        self.rebound = self.rebound or any(item.name.value == self.name for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.rebound = self.rebound or any(item.name.value == self.name for item in node.names)

    def visit_Del(self, node: cst.Del) -> None:
        self._binds(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.rebound = self.rebound or node.name.value == self.name

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.rebound = self.rebound or node.name.value == self.name

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.found.append(node)
