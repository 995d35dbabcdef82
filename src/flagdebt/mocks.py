"""Read `unittest.mock` patches: what a patch replaces and the value it makes the replacement return.

`read_patch` understands `patch("pkg.mod.name", ...)`, `patch.object(obj, "name", ...)` (as
`mock.patch`, `mocker.patch`, `unittest.mock.patch`), and `patch(...).start()`. The value is
read from `return_value=<True|False>`, or from a `side_effect=`/`new=` lambda that can be
evaluated without running project code (`lambda name: name == "x"`, `lambda *a: a[-1] in {...}`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import libcst as cst

from flagdebt.cstscan import dotted, literal_bool

PATCH_TARGET = re.compile(r"""\bpatch\(\s*(?:target\s*=\s*)?(['"])([\w.]+)\1""")
# Only these nodes may appear in a lambda that is evaluated: no calls (but `{...}.get`), no
# attribute access, no names other than the lambda's own parameters.
_SAFE = (ast.Expression, ast.Lambda, ast.arguments, ast.arg, ast.Compare, ast.BoolOp, ast.UnaryOp,
         ast.Not, ast.Name, ast.Load, ast.Constant, ast.Set, ast.List, ast.Tuple, ast.Dict,
         ast.Subscript, ast.Slice, ast.IfExp, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is,
         ast.IsNot, ast.And, ast.Or, ast.USub)


@dataclass(frozen=True)
class Patch:
    """One patch: the replaced function's last name and what the replacement returns."""

    call: cst.Call
    name: str
    injects: bool  # as a decorator, it passes the mock to the test as a positional argument
    returns: bool | None = None
    effect: cst.Lambda | None = None
    target: str = ""  # the dotted target string of `patch("a.b.c")`

    def strings(self) -> set[str]:
        """The string constants of the side-effect lambda (the keys it names)."""
        found: set[str] = set()
        if self.effect is not None:
            for node in ast.walk(ast.parse(_lambda_code(self.effect), mode="eval")):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
        return found


def patch_call(node: cst.BaseExpression) -> cst.Call | None:
    """The `patch(...)` call of `patch(...)` or `patch(...).start()`, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value == "start" and not node.args:
        node = node.func.value
    if not isinstance(node, cst.Call):
        return None
    parts = dotted(node.func)
    return node if parts[-1] == "patch" or parts[-2:] == ("patch", "object") else None


def read_patch(node: cst.BaseExpression) -> Patch | None:
    """The patch made by a call, None when it is not a patch or its target is not a literal."""
    call = patch_call(node)
    if call is None:
        return None
    is_object = dotted(call.func)[-1] == "object"
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    where = 1 if is_object else 0
    target = keywords.get("attribute" if is_object else "target",
                          positional[where] if len(positional) > where else None)
    if not isinstance(target, cst.SimpleString):
        return None
    name = target.evaluated_value
    if not isinstance(name, str):
        return None
    new = keywords.get("new", positional[where + 1] if len(positional) > where + 1 else None)
    effect = keywords.get("side_effect", new)
    returns = literal_bool(keywords.get("return_value")) if new is None else _mock_returns(new)
    return Patch(call, name.rsplit(".", 1)[-1], injects=new is None, returns=returns,
                 effect=effect if isinstance(effect, cst.Lambda) else None,
                 target="" if is_object else name)


def _mock_returns(node: cst.BaseExpression) -> bool | None:
    """`Mock(return_value=True)` / `MagicMock(return_value=False)` given as `new`."""
    if isinstance(node, cst.Call) and dotted(node.func)[-1] in ("Mock", "MagicMock"):
        given = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        value = given.get("return_value")
        return literal_bool(value) if value is not None else None
    return None




def _lambda_code(node: cst.Lambda) -> str:
    return cst.Module([]).code_for_node(node.with_changes(lpar=(), rpar=()))


def effect_value(effect: cst.Lambda, key: str, position: int) -> bool | None:
    """What a side-effect lambda returns for a call reading `key`, when that is certain.

    The key is passed at `position` (the call pattern's argument), or as the last argument
    when the lambda takes fewer; every other argument is an opaque object.
    """
    function = _compile(_lambda_code(effect))
    if function is None:
        return None
    params = effect.params
    fixed = len(params.posonly_params) + len(params.params)
    starred = isinstance(params.star_arg, cst.Param)
    count = position + 1 if starred and fixed <= position else fixed
    if count == 0:
        return None
    where = position if position < count else count - 1
    args: list[object] = [object() for _ in range(count)]
    args[where] = key
    try:
        value = function(*args)
    except Exception:  # noqa: BLE001 - the lambda decides nothing we can read
        return None
    return value if isinstance(value, bool) else None


def _compile(code: str) -> Callable[..., object] | None:
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return None
    if not all(isinstance(node, _SAFE) or _dict_get(node) for node in ast.walk(tree)):
        return None
    function = eval(compile(tree, "<side_effect>", "eval"), {"__builtins__": {}})  # noqa: S307
    return function if callable(function) else None


def _dict_get(node: ast.AST) -> bool:
    """`{...}.get(...)` (the call and its attribute) on a dict literal."""
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Attribute) and node.attr == "get" and isinstance(node.value, ast.Dict)


def drop_params(params: cst.Parameters, names: frozenset[str]) -> cst.Parameters:
    """The parameters without `names` (the mocks of removed patches), commas kept tidy."""
    every = [*params.posonly_params, *params.params]
    kept = [param for param in every if param.name.value not in names]
    if len(kept) == len(every):
        return params
    follows = params.star_arg != cst.MaybeSentinel.DEFAULT or params.kwonly_params \
        or params.star_kwarg is not None or params.posonly_ind != cst.MaybeSentinel.DEFAULT
    if kept and not follows and every[-1] not in kept:
        kept[-1] = kept[-1].with_changes(comma=every[-1].comma)
    posonly = [param for param in kept if param in params.posonly_params]
    return params.with_changes(posonly_params=posonly, params=kept[len(posonly):])


def patch_targets(text: str) -> Iterator[str]:
    """The dotted targets of the `patch("a.b.c")` calls in a file's text."""
    return (match[2] for match in PATCH_TARGET.finditer(text))
