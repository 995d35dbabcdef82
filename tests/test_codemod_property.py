"""Property: removing flag "x" never changes what a function returns.

Hypothesis writes small functions `def f(a, b, c):` that read flag "x" (and
sometimes flag "y") through `flag_enabled(...)`, in `if`/`elif`/`else`
chains, ternaries, `not`/`and`/`or`, comparisons with bool literals,
`all()`/`any()`, comprehension filters, loops with `break`/`continue`, early
returns, asserts, a local `enabled = flag_enabled(...)`, locals stored before a flag
branch that may overwrite them (dead stores, constant propagation, a local returned
right after) and helpers that return a literal chosen by the flag. Each function is
run before and after `rewrite_source` on a grid of arguments, with a stub that
answers `value` for "x" and True for "y", and the results must be identical
(same `repr`, so `0` and `False` differ: value contexts allow only the folds
that keep the value). The rewrite must also compile, remove every "x" site,
skip none, be deterministic and be a fixed point.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from flagdebt.codemod import rewrite_source

GRID = tuple(itertools.product((-2, -1, 0, 1, 2), (-1, 0, 1, 2), (-1, 0, 1, 2, 3)))
X_SITE = re.compile(r'flag_enabled\((name=)?"x"\)')
INDENT = "    "

# Precedence of the generated expression forms, loosest first.
TERNARY, OR, AND, NOT, COMPARISON, ATOM = range(6)


class Expr(NamedTuple):
    text: str
    prec: int


class Scope(NamedTuple):
    """What a generated statement may use where it is written."""

    names: tuple[str, ...]  # locals that are certainly bound
    loop: str | None  # None, "for" (break and continue) or "while" (break only)
    depth: int


def operand(expr: Expr, min_prec: int, redundant: bool = False) -> str:
    """The text of `expr`, parenthesised when its precedence needs it (or when asked)."""
    if expr.prec < min_prec or redundant:
        return f"({expr.text})"
    return expr.text


# ---------------------------------------------------------------- expressions

FLAG_X = ('flag_enabled("x")', 'flag_enabled(name="x")')
PARAM_CONDITIONS = (
    Expr("a > 0", COMPARISON),
    Expr("b", ATOM),
    Expr("c == 2", COMPARISON),
    Expr("a", ATOM),
    Expr("b < 1", COMPARISON),
    Expr("c", ATOM),
)


@st.composite
def atoms(draw: st.DrawFn, names: tuple[str, ...]) -> Expr:
    choice = draw(st.integers(0, 9))
    if choice <= 3:
        return Expr(draw(st.sampled_from(FLAG_X)) if choice == 0 else FLAG_X[0], ATOM)
    if choice == 4:
        return Expr('flag_enabled("y")', ATOM)
    if choice == 5 and names:
        return Expr(draw(st.sampled_from(names)), ATOM)
    if choice == 6:
        return Expr(draw(st.sampled_from(("True", "False", "0", "1"))), ATOM)
    return draw(st.sampled_from(PARAM_CONDITIONS))


@st.composite
def expressions(draw: st.DrawFn, names: tuple[str, ...], depth: int = 2) -> Expr:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(atoms(names))
    kind = draw(st.sampled_from(("not", "and", "or", "ternary", "compare", "all-any")))
    sub = expressions(names, depth - 1)
    redundant = draw(st.integers(0, 6)) == 0
    if kind == "not":
        return Expr(f"not {operand(draw(sub), NOT, redundant)}", NOT)
    if kind in ("and", "or"):
        prec = AND if kind == "and" else OR
        left, right = draw(sub), draw(sub)
        return Expr(f"{operand(left, prec, redundant)} {kind} {operand(right, prec + 1)}", prec)
    if kind == "ternary":
        body, test, orelse = draw(sub), draw(sub), draw(sub)
        text = f"{operand(body, OR)} if {operand(test, OR, redundant)} else {operand(orelse, TERNARY)}"
        return Expr(text, TERNARY)
    if kind == "compare":
        op = draw(st.sampled_from(("== True", "== False", "!= False", "is True", "is False", "is not True")))
        subject = draw(atoms(names).filter(lambda atom: atom.text not in ("0", "1")))
        return Expr(f"{operand(subject, ATOM)} {op}", COMPARISON)
    func = draw(st.sampled_from(("all", "any")))
    items = draw(st.lists(sub, min_size=1, max_size=3))
    return Expr(f"{func}([{', '.join(item.text for item in items)}])", ATOM)


# ----------------------------------------------------------------- statements

Lines = list[str]


def indented(lines: Lines) -> Lines:
    return [INDENT + line if line else line for line in lines]


@st.composite
def blocks(draw: st.DrawFn, scope: Scope) -> Lines:
    lines: Lines = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 9)) == 0:
            lines.append("# a comment that must survive or go with its branch")
        lines += draw(statements(scope))
    return lines


@st.composite
def statements(draw: st.DrawFn, scope: Scope) -> Lines:
    kinds = ["append"] * 3 + ["append-bool"] * 2 + ["comprehension"] * 2 + ["return", "assert"]
    if scope.depth > 0:
        kinds += ["if"] * 4 + ["for", "while", "store", "store", "returned-local"]
    if scope.loop is not None:
        kinds += ["jump"]
    if "enabled" in scope.names:
        kinds += ["reassign"]
    return draw(STATEMENTS[draw(st.sampled_from(kinds))](scope))


def simple(make: Callable[[st.DrawFn, Scope], str]) -> Callable[[Scope], st.SearchStrategy[Lines]]:
    """A strategy for a one-line statement built by `make`."""

    @st.composite
    def strategy(draw: st.DrawFn, scope: Scope) -> Lines:
        return [make(draw, scope)]

    return strategy


def expr_text(draw: st.DrawFn, scope: Scope) -> str:
    return draw(expressions(scope.names)).text


def return_statement(draw: st.DrawFn, scope: Scope) -> str:
    form = draw(st.sampled_from(("return {}", "return bool({})", "return out")))
    return form.format(expr_text(draw, scope))


COMPREHENSIONS = ("[i for i in range(3){}]", "{{i: -i for i in range(2){}}}", "{{i for i in range(2){}}}")


def comprehension(draw: st.DrawFn, scope: Scope) -> str:
    tests = draw(st.lists(expressions(scope.names, 1), min_size=1, max_size=2))
    filters = "".join(f" if {operand(test, OR)}" for test in tests)
    return f"out.append({draw(st.sampled_from(COMPREHENSIONS)).format(filters)})"


def jump(draw: st.DrawFn, scope: Scope) -> str:
    return draw(st.sampled_from(("break", "continue") if scope.loop == "for" else ("break",)))


@st.composite
def if_chains(draw: st.DrawFn, scope: Scope) -> Lines:
    inner = scope._replace(depth=scope.depth - 1)
    comment = draw(st.sampled_from(("", "  # TODO: remove after launch")))
    lines = [f"if {expr_text(draw, scope)}:{comment}", *indented(draw(blocks(inner)))]
    for _ in range(draw(st.integers(0, 2))):
        lines += [f"elif {expr_text(draw, scope)}:", *indented(draw(blocks(inner)))]
    if draw(st.booleans()):
        lines += ["else:", *indented(draw(blocks(inner)))]
    return lines


@st.composite
def for_loops(draw: st.DrawFn, scope: Scope) -> Lines:
    inner = scope._replace(depth=scope.depth - 1, loop="for")
    return ["for i in range(2):", *indented(draw(blocks(inner)))]


@st.composite
def while_loops(draw: st.DrawFn, scope: Scope) -> Lines:
    # The body always ends with break and never continues, so the loop ends.
    inner = scope._replace(depth=scope.depth - 1, loop="while")
    lines = [f"while {expr_text(draw, scope)}:", *indented(draw(blocks(inner)) + ["break"])]
    if draw(st.booleans()):
        lines += ["else:", *indented(draw(blocks(scope._replace(depth=scope.depth - 1))))]
    return lines


STORED = ("0", "1", "True", "False", "None", "[]", "{}", '""', "a", "a + 1", "b > 0", 'flag_enabled("y")')


@st.composite
def stores(draw: st.DrawFn, scope: Scope) -> Lines:
    """`s = v` then a flag branch that may overwrite it, then a read: dead stores, propagation."""
    inner = scope._replace(depth=scope.depth - 1)
    lines = [f"s = {draw(st.sampled_from(STORED))}", f"if {expr_text(draw, scope)}:",
             INDENT + f"s = {draw(st.sampled_from(STORED))}"]
    if draw(st.booleans()):
        lines += ["else:", *indented(draw(blocks(inner)))]
    read = draw(st.sampled_from(("out.append(s)", "if not s:\n    out.append(0)", "out.append(s or 3)")))
    return lines + read.split("\n")


@st.composite
def returned_locals(draw: st.DrawFn, scope: Scope) -> Lines:
    """`r = v`, a flag branch that changes it, `return r`: inlined when the branch goes."""
    return [f"r = {draw(st.sampled_from(STORED))}", f"if {expr_text(draw, scope)}:",
            INDENT + "r = [r, a]", "return r"]


STATEMENTS: dict[str, Callable[[Scope], st.SearchStrategy[Lines]]] = {
    "append": simple(lambda draw, scope: f"out.append({expr_text(draw, scope)})"),
    "append-bool": simple(lambda draw, scope: f"out.append(bool({expr_text(draw, scope)}))"),
    "return": simple(return_statement),
    "comprehension": simple(comprehension),
    "assert": simple(lambda draw, scope: f"assert {expr_text(draw, scope)}"),
    "jump": simple(jump),
    "reassign": simple(lambda draw, scope: "enabled = a > 1"),
    "if": if_chains,
    "for": for_loops,
    "while": while_loops,
    "store": stores,
    "returned-local": returned_locals,
}


@st.composite
def functions(draw: st.DrawFn) -> str:
    """The source of a module defining `def f(a, b, c):`."""
    prologue = draw(st.sampled_from(((), ('flag_enabled("x")',), ('flag_enabled("y")',))))
    names = ("enabled",) if prologue else ()
    body = ["out = []", *(f"enabled = {call}" for call in prologue)]
    body += draw(blocks(Scope(names=names, loop=None, depth=3)))
    body.append("return out")
    return "\n".join(["def f(a, b, c):", *indented(body)]) + "\n"


# ---------------------------------------------------------------------- tests


def outcomes(source: str, value: bool) -> list[tuple[str, str]]:
    """What f returns (or raises) on every point of GRID."""
    namespace: dict[str, Any] = {"flag_enabled": lambda name: value if name == "x" else (name == "y")}
    exec(compile(source, "<generated>", "exec"), namespace)
    results = []
    for args in GRID:
        try:
            results.append(("returned", repr(namespace["f"](*args))))
        except Exception as exc:  # the exception type is the outcome
            results.append(("raised", type(exc).__name__))
    return results


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=functions(), value=st.booleans())
def test_rewrite_keeps_behaviour(source: str, value: bool) -> None:
    note(f"value={value}\n--- input\n{source}")
    result = rewrite_source(source, {"x": value})
    note(f"--- rewritten\n{result.code}")
    compile(result.code, "<rewritten>", "exec")
    assert rewrite_source(source, {"x": value}).code == result.code, "not deterministic"
    assert outcomes(result.code, value) == outcomes(source, value)
    assert not X_SITE.search(result.code)
    assert list(result.skipped) == []
    assert rewrite_source(result.code, {"x": value}).code == result.code


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=functions(), value=st.booleans())
def test_rewrite_without_the_flag_changes_nothing(source: str, value: bool) -> None:
    source = X_SITE.sub('flag_enabled("y")', source)
    result = rewrite_source(source, {"x": value})
    assert result.code == source
    assert result.removed == 0


HELPER_RESULTS = ("[]", "{}", "()", '""', "None", "True", "False", "[1]", "3")
HELPER_USES = ("out.append(helper(a))", "out.append([*helper(a)] if helper(a) else 0)",
               "if helper(a):\n    out.append(1)", "out.append(not helper(a))")


@st.composite
def modules_with_helper(draw: st.DrawFn) -> str:
    """A helper returning a literal chosen by flag "x", and `f` using it."""
    on, off = draw(st.sampled_from(HELPER_RESULTS)), draw(st.sampled_from(HELPER_RESULTS))
    uses = draw(st.lists(st.sampled_from(HELPER_USES), min_size=1, max_size=3))
    helper = ["def helper(a):", '    if flag_enabled("x"):', f"        return {on}", f"    return {off}"]
    body = ["out = []", *(line for use in uses for line in use.split("\n")), "return out"]
    return "\n".join([*helper, "", "", "def f(a, b, c):", *indented(body)]) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=modules_with_helper(), value=st.booleans())
def test_helper_inlining_keeps_behaviour(source: str, value: bool) -> None:
    """The removal's second pass: calls to a helper left returning a constant are inlined and
    the helper goes once unread, as `flagdebt remove` does across files."""
    note(f"value={value}\n--- input\n{source}")
    first = rewrite_source(source, {"x": value})
    wrappers = dict(first.wrappers)
    second = rewrite_source(first.code, {}, wrappers=wrappers)
    code = second.code
    if second.inlined:
        code = rewrite_source(code, {}, wrappers=wrappers,
                              drop_functions=frozenset(second.inlined)).code
    note(f"--- rewritten\n{code}")
    compile(code, "<rewritten>", "exec")
    assert outcomes(code, value) == outcomes(source, value)
    assert not X_SITE.search(code)
