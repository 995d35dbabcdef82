"""Property: line separators Python does not break lines at never change what the codemod does.

The generated functions of test_codemod_property get comments and strings holding form
feeds, `\\x0b`, `\\x1c`-`\\x1e`, U+0085, U+2028 and U+2029 (which `str.splitlines()` treats as
line ends and the tokenizer does not), lines holding only a form feed, CRs inside
triple-quoted strings, and CRLF or CR-only line ends. The rewrite must parse, behave like
the input, remove every read of "x" and leave a file without any unchanged.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from test_codemod_property import X_SITE, functions, outcomes

from flagdebt.astscan import scan_source
from flagdebt.codemod import rewrite_source
from flagdebt.config import DEFAULT_CALLS

SEPARATORS = ("\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
NEWLINES = ("\n", "\r\n", "\r")


@st.composite
def decorated(draw: st.DrawFn) -> str:
    """A generated function with separators in comments and strings, and chosen line ends."""
    lines = draw(functions()).rstrip("\n").split("\n")
    out = []
    for line in lines:
        if line.strip() and draw(st.integers(0, 2)) == 0:
            line += f"  # note{draw(st.sampled_from(SEPARATORS))}more"
        out.append(line)
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() == "out = []" and draw(st.booleans()):
            sep = draw(st.sampled_from(SEPARATORS))
            out.append(f'{indent}out.append("a{sep}b")')
            out.append(f'{indent}out.append("""c\rd""")')
        if not line.rstrip().endswith(":") and draw(st.integers(0, 5)) == 0:
            out.append("\x0c")
    newline = draw(st.sampled_from(NEWLINES))
    return newline.join(out) + newline


def _compile(source: str) -> None:
    compile(source, "<rewritten>", "exec")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=decorated(), value=st.booleans())
def test_separators_keep_behaviour(source: str, value: bool) -> None:
    note(f"value={value}\n--- input\n{source!r}")
    result = rewrite_source(source, {"x": value})
    note(f"--- rewritten\n{result.code!r}")
    _compile(result.code)
    assert outcomes(result.code, value) == outcomes(source, value)
    assert not X_SITE.search(result.code)
    assert list(result.skipped) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=decorated())
def test_scan_lines_match_the_parser(source: str) -> None:
    import ast

    calls = sorted(node.lineno for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "flag_enabled")
    sites = sorted(site.line for site in scan_source(source, "m.py", DEFAULT_CALLS).sites)
    assert sites == calls


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=decorated(), value=st.booleans())
def test_without_the_flag_nothing_changes(source: str, value: bool) -> None:
    source = X_SITE.sub('flag_enabled("y")', source)
    assert rewrite_source(source, {"x": value}).code == source
