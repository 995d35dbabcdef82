"""The light scope analysis agrees with libcst's ScopeProvider on every function local."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import FunctionScope, MetadataWrapper, ScopeProvider

from flagdebt.localscope import LocalScopes

ROOT = Path(__file__).parent.parent
SOURCES = sorted(ROOT.glob("fixtures/remove/*/*.py"))

TRICKY = '''
import os.path as p
from m import (a, b as c)

def outer(x, *args, y=1, **kw):
    total = 0
    for i, (j, k) in enumerate(args):
        total += i
    with open(x) as handle, open(y) as (first):
        data = handle.read()
    try:
        pass
    except ValueError as error:
        print(error)
    squares = [n * n for n in range(x) if n]
    if (found := total) > 1:
        print(found)
    def inner():
        nonlocal total
        total = 2
        return data
    class Local:
        attr = total
        def method(self):
            return attr
    g = lambda q, r=total: q + r
    global G
    G = 1
    keyword = dict(total=1)
    return inner, Local, g, squares, p, c, kw.get("z"), keyword
'''


def oracle(module: cst.Module) -> dict[tuple[int, str], tuple[int, int]]:
    """(function node id, name) -> (bindings, reads) by ScopeProvider."""
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    bindings: dict[tuple[int, str], int] = {}
    reads: dict[tuple[int, str], set[int]] = {}
    for scope in set(scopes.values()):
        if not isinstance(scope, FunctionScope):
            continue
        for assignment in scope.assignments:
            if not hasattr(assignment, "node"):
                continue
            key = (id(scope.node), assignment.name)
            bindings[key] = bindings.get(key, 0) + 1
            reads.setdefault(key, set()).update(id(access.node) for access in assignment.references)
    for node in _aug_targets(module):  # `x += 1` reads x too; ScopeProvider lists it as a binding only
        scope = scopes.get(node)
        if isinstance(scope, FunctionScope) and (id(scope.node), node.value) in reads:
            reads[(id(scope.node), node.value)].add(id(node))
    return {key: (count, len(reads[key])) for key, count in bindings.items()}


class _AugTargets(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Name] = []

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.found.append(node.target)


def _aug_targets(module: cst.Module) -> list[cst.Name]:
    visitor = _AugTargets()
    module.visit(visitor)
    return visitor.found


def ours(module: cst.Module) -> dict[tuple[int, str], tuple[int, int]]:
    scopes = LocalScopes()
    module.visit(scopes)
    nodes = {scope.path: id(scope.node) for scope in scopes.scopes if scope.is_function}
    return {(nodes[path], name): (len(bindings), len(reads))
            for (path, name), (bindings, reads) in scopes.function_locals().items()}


@pytest.mark.parametrize("source", [TRICKY, *(path.read_text(encoding="utf-8") for path in SOURCES)],
                         ids=["tricky", *(str(path.relative_to(ROOT)) for path in SOURCES)])
def test_locals_match_scope_provider(source: str) -> None:
    module = cst.parse_module(source)
    expected = {key: value for key, value in oracle(module).items()}
    got = ours(module)
    declared = {key for key in expected if key not in got}
    # Names declared global/nonlocal are not locals for us; ScopeProvider lists none of them either.
    assert not declared, declared
    assert got == expected


def locals_of(source: str) -> dict[tuple[str, str], tuple[int, int]]:
    scopes = LocalScopes()
    cst.parse_module(source).visit(scopes)
    return {key: (len(bindings), len(reads)) for key, (bindings, reads) in scopes.function_locals().items()}


# Where Python and ScopeProvider differ, Python decides.
SCOPING = {
    "walrus-in-comprehension-binds-the-function": (
        "def f(xs):\n    ys = [y for x in xs if (y := x)]\n    return y\n", ("f", "y"), (1, 2)),
    "dotted-import-binds-root": ("def f():\n    import a.b\n    return a.b\n", ("f", "a"), (1, 1)),
    "augmented-is-read-and-write": ("def f(x):\n    x += 1\n    return x\n", ("f", "x"), (2, 2)),
    "attribute-in-fstring": ("def f(c):\n    return f'{c.code} {c}'\n", ("f", "c"), (1, 2)),
    "method-skips-class-body": (
        "def f():\n    v = 1\n    class C:\n        v = 2\n        def m(self):\n"
        "            return v\n    return C\n", ("f", "v"), (1, 1)),
}


# Where Python and ScopeProvider differ, Python decides.
@pytest.mark.parametrize(("source", "key", "expected"), SCOPING.values(), ids=SCOPING.keys())
def test_python_scoping(source: str, key: tuple[str, str], expected: tuple[int, int]) -> None:
    assert locals_of(source)[key] == expected
