"""The scanner: which calls are flag reads, and which key each one reads."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flagdebt import astscan, cstscan
from flagdebt.config import parse_call_pattern
from flagdebt.model import CallPattern
from flagdebt.project import ProjectIndex
from flagdebt.scanner import scan_paths
from flagdebt.sites import call_sites

from conftest import FIXTURES, ROOT, write_tree

PATTERNS = tuple(parse_call_pattern(text) for text in (
    "flag_enabled", "waffle.flag_is_active:1", "has_feature", "get_boolean_value",
    "features.has", "waffle_flag"))


def sites(source: str, engine=astscan, patterns=PATTERNS):
    scan = engine.scan_source(textwrap.dedent(source), "m.py", patterns)
    return [(s.line, s.key, s.spelling, s.dynamic) for s in call_sites(scan, lambda q: None)]


CASES = {
    "literal": ('flag_enabled("a")', [(1, "a", "a", False)]),
    "attribute-callee": ('self.client.flag_enabled("a")', [(1, "a", "a", False)]),
    "keyword": ('flag_enabled(name="a")\nflag_enabled(flag_key="b")', [(1, "a", "a", False), (2, "b", "b", False)]),
    "implicit-concat": ('flag_enabled("new-" "checkout")', [(1, "new-checkout", "new-checkout", False)]),
    "plus-concat": ('P = "new-"\nflag_enabled(P + "x")', [(2, "new-x", "new-x", False)]),
    "fstring-constants": ('P = "new"\nflag_enabled(f"{P}-checkout")', [(2, "new-checkout", "new-checkout", False)]),
    "fstring-runtime": ('def f(p):\n    flag_enabled(f"{p}-x")', [(2, None, 'f"{p}-x"', True)]),
    "module-constant": ('KEY = "a"\nflag_enabled(KEY)', [(2, "a", "KEY", False)]),
    "annotated-constant": ('KEY: str = "a"\nflag_enabled(KEY)', [(2, "a", "KEY", False)]),
    "enum-member": ('class Feature(str, Enum):\n    NEW = "new"\nhas_feature(Feature.NEW)', [(3, "new", "Feature.NEW", False)]),
    "enum-value": ('class F(Enum):\n    NEW = "new"\nflag_enabled(F.NEW.value)', [(3, "new", "F.NEW.value", False)]),
    "unresolved-attribute": ("project.has_feature(Feature.X)", [(1, None, "Feature.X", False)]),
    "unresolved-name": ("from x import *\nflag_enabled(NEW)", [(2, None, "NEW", False)]),
    "parameter": ("def f(name):\n    return flag_enabled(name)", [(2, None, "name", True)]),
    "local-variable": ('def f():\n    k = g()\n    return flag_enabled(k)', [(3, None, "k", True)]),
    "self-attribute": ("class A:\n    def f(self):\n        flag_enabled(self.key)", [(3, None, "self.key", True)]),
    "comprehension-var": ('[flag_enabled(k) for k in KEYS]', [(1, None, "k", True)]),
    "lambda-param": ("f = lambda k: flag_enabled(k)", [(1, None, "k", True)]),
    "call-result": ("flag_enabled(get())", [(1, None, "get()", True)]),
    "no-argument": ("flag_enabled()", [(1, None, "<no argument 0>", True)]),
    "star-args": ("flag_enabled(*args)", [(1, None, "flag_enabled(*args)", True)]),
    "key-before-star": ('flag_enabled("a", *rest)', [(1, "a", "a", False)]),
    "double-star": ("flag_enabled(**options)", [(1, None, "flag_enabled(**options)", True)]),
    "waffle-position": ('import waffle\nwaffle.flag_is_active(request, "w")', [(2, "w", "w", False)]),
    "waffle-alias": ('import waffle as w\nw.flag_is_active(request, "w")', [(2, "w", "w", False)]),
    "waffle-from-import": ('from waffle import flag_is_active\nflag_is_active(request, "w")', [(2, "w", "w", False)]),
    "waffle-needs-module": ('other.flag_is_active(request, "w")', []),
    "aliased-import": ('from app.flags import flag_enabled as on\non("a")', [(2, "a", "a", False)]),
    "openfeature": ('client.get_boolean_value("of", False)', [(1, "of", "of", False)]),
    "sentry-features": ('features.has("organizations:x", org)', [(1, "organizations:x", "organizations:x", False)]),
    "decorator": ('@waffle_flag("d")\ndef view(request):\n    pass', [(1, "d", "d", False)]),
    "await": ('async def f():\n    await client.flag_enabled("a")', [(2, "a", "a", False)]),
    "other-function": ('flag_enabled_for("a")\nnot_flag_enabled("b")', []),
    "bytes-key": ('flag_enabled(b"a")', [(1, None, "b\"a\"", True)]),
    "nested-call": ('log(flag_enabled("a"), flag_enabled("b"))', [(1, "a", "a", False), (1, "b", "b", False)]),
}


@pytest.mark.parametrize("engine", [astscan, cstscan], ids=["ast", "libcst"])
@pytest.mark.parametrize(("source", "expected"), CASES.values(), ids=CASES.keys())
def test_scanner_finds_keys(engine, source: str, expected) -> None:
    assert sites(source, engine) == expected


KNOWN = {"app.models.Feature.X": "x-key", "app.models.KEY": "k-key"}
IMPORT_FORMS = {
    "function-local": ("def f():\n    from app.models import Feature\n    return flag_enabled(Feature.X)",
                       [(3, "x-key", "Feature.X", False)]),
    "function-local-alias": ("def f():\n    from app.models import Feature as F\n    flag_enabled(F.X)",
                             [(3, "x-key", "F.X", False)]),
    "function-local-after-use": ("def f():\n    flag_enabled(KEY)\n    from app.models import KEY",
                                 [(2, "k-key", "KEY", False)]),
    "relative": ("from .models import Feature\nflag_enabled(Feature.X)", [(2, "x-key", "Feature.X", False)]),
    "relative-in-function": ("def f():\n    from ..app.models import KEY\n    flag_enabled(KEY)",
                             [(3, "k-key", "KEY", False)]),
    "import-as-module": ("import app.models as m\nflag_enabled(m.Feature.X)", [(2, "x-key", "m.Feature.X", False)]),
    "import-dotted": ("import app.models\nflag_enabled(app.models.KEY)", [(2, "k-key", "app.models.KEY", False)]),
    "import-as-in-method": ("class V:\n    def get(self):\n        import app.models as m\n"
                            "        return flag_enabled(m.Feature.X)", [(4, "x-key", "m.Feature.X", False)]),
    "class-body": ("class V:\n    from app.models import Feature\n    on = flag_enabled(Feature.X)",
                   [(3, "x-key", "Feature.X", False)]),
    "class-body-not-in-method": ("class V:\n    from app.models import KEY\n    def f(self):\n"
                                 "        flag_enabled(KEY)", [(4, None, "KEY", False)]),
    "nested-function": ("def f():\n    from app.models import Feature\n    def g():\n"
                        "        return flag_enabled(Feature.X)\n    return g", [(4, "x-key", "Feature.X", False)]),
    "type-checking-guard": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.models import KEY\n"
                            "\ndef f():\n    flag_enabled(KEY)", [(6, "k-key", "KEY", False)]),
    "try-import": ("try:\n    from app.models import KEY\nexcept ImportError:\n    pass\nflag_enabled(KEY)",
                   [(5, "k-key", "KEY", False)]),
    "shadowed-by-assignment": ("def f():\n    from app.models import KEY\n    KEY = g()\n    flag_enabled(KEY)",
                               [(4, None, "KEY", True)]),
    "local-import-of-the-callee": ("def f():\n    from app.flags import flag_enabled as on\n    on('a')",
                                   [(3, "a", "a", False)]),
    "star-import": ("from app.models import *\nflag_enabled(KEY)", [(2, "k-key", "KEY", False)]),
    "star-import-class": ("from app.models import *\nflag_enabled(Feature.X)", [(2, "x-key", "Feature.X", False)]),
    "local-import-not-visible-outside": ("def f():\n    from app.models import KEY\nflag_enabled(KEY)",
                                         [(3, None, "KEY", False)]),
}


@pytest.mark.parametrize("engine", [astscan, cstscan], ids=["ast", "libcst"])
@pytest.mark.parametrize(("source", "expected"), IMPORT_FORMS.values(), ids=IMPORT_FORMS.keys())
def test_keys_resolve_through_every_import_form(engine, source: str, expected) -> None:
    scan = engine.scan_source(source + "\n", "m.py", PATTERNS, "app.views", False)
    found = [(s.line, s.key, s.spelling, s.dynamic) for s in call_sites(scan, KNOWN.get)]
    assert found == expected


def test_column_counts_characters_not_bytes() -> None:
    source = 'x = "é"; flag_enabled("a")\n'
    for engine in (astscan, cstscan):
        scan = engine.scan_source(source, "m.py", PATTERNS)
        assert [s.col for s in scan.sites] == [10]


def test_statement_line_of_a_multiline_call() -> None:
    source = 'if (\n    flag_enabled("a")\n):\n    pass\nx = [\n    flag_enabled("b"),\n]\n'
    for engine in (astscan, cstscan):
        scan = engine.scan_source(source, "m.py", PATTERNS)
        assert [(s.line, s.stmt_line) for s in scan.sites] == [(2, 1), (6, 5)]


def test_scope_names_the_enclosing_definitions() -> None:
    source = 'class A:\n    def f(self):\n        flag_enabled("a")\nflag_enabled("b")\n'
    scan = astscan.scan_source(source, "m.py", PATTERNS)
    assert [s.scope for s in scan.sites] == ["A.f", ""]


def test_syntax_error_is_reported_not_raised() -> None:
    scan = astscan.scan_source("flag_enabled(\n", "m.py", PATTERNS)
    assert scan.error is not None and scan.error.code == "FD900"


def test_constant_imported_from_another_module(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/names.py": 'NEW = "new-checkout"\nclass Feature:\n    X = "x-key"\n',
        "app/reexport.py": "from app.names import NEW as RENAMED\n",
        "app/views.py": ("from app.flags import flag_enabled\nfrom app.names import NEW, Feature\n"
                         "from . import names\nfrom .reexport import RENAMED\n"
                         "flag_enabled(NEW)\nflag_enabled(Feature.X)\nflag_enabled(names.NEW)\n"
                         "flag_enabled(RENAMED)\n"),
    })
    files = sorted((tmp_path / "app").glob("*.py"))
    result = scan_paths(files, [f.name for f in files], (CallPattern(("flag_enabled",)),),
                        ProjectIndex([tmp_path]), jobs=1)
    assert [(s.key, s.spelling) for s in result.sites] == [
        ("new-checkout", "NEW"), ("x-key", "Feature.X"), ("new-checkout", "names.NEW"),
        ("new-checkout", "RENAMED")]


def test_prefilter_and_pool_give_the_same_sites(tmp_path: Path) -> None:
    files = {f"m{i:03}.py": (f'flag_enabled("k{i}")\n' if i % 7 == 0 else "x = 1\n")
             for i in range(450)}
    write_tree(tmp_path, files)
    paths = sorted(tmp_path.glob("*.py"))
    names = [p.name for p in paths]
    patterns = (CallPattern(("flag_enabled",)),)
    serial = scan_paths(paths, names, patterns, ProjectIndex([tmp_path]), jobs=1)
    pooled = scan_paths(paths, names, patterns, ProjectIndex([tmp_path]), jobs=2)
    assert serial.sites == pooled.sites
    assert len(serial.sites) == 65 and serial.files_scanned == 450


ENGINE_SOURCES = sorted([*FIXTURES.glob("remove/*/input.py"), *FIXTURES.glob("remove/*/expected.py"),
                         *FIXTURES.glob("engines/*.py"), *(ROOT / "examples").rglob("*.py")])


@pytest.mark.parametrize("path", ENGINE_SOURCES, ids=[str(p.relative_to(ROOT)) for p in ENGINE_SOURCES])
def test_both_engines_find_the_same_sites(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    fast = astscan.scan_source(source, "m.py", PATTERNS, quick=False)
    exact = cstscan.scan_source(source, "m.py", PATTERNS)
    assert call_sites(fast, lambda q: None) == call_sites(exact, lambda q: None)
    assert fast.symbols.constants == exact.symbols.constants


@pytest.mark.parametrize("path", ENGINE_SOURCES, ids=[str(p.relative_to(ROOT)) for p in ENGINE_SOURCES])
def test_skeleton_parse_finds_what_a_full_parse_finds(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    quick = astscan.scan_source(source, "m.py", PATTERNS, quick=True)
    full = astscan.scan_source(source, "m.py", PATTERNS, quick=False)
    assert call_sites(quick, lambda q: None) == call_sites(full, lambda q: None)


@pytest.mark.parametrize(("source", "kept"), [
    ('import os\n\ndef a():\n    pass\n\ndef b():\n    flag_enabled("x")\n', [1, 6, 7]),
    ('"""Doc."""\nKEY = "k"\n@deco\ndef a():\n    flag_enabled(KEY)\nclass B:\n    x = 1\n', [2, 3, 4, 5]),
    ('import os\nif x:\n    pass\nelse:\n    flag_enabled("x")\n', [1, 2, 3, 4, 5]),
], ids=["imports-and-target", "decorator-joins-def", "clauses-stay-with-if"])
def test_skeleton_keeps_imports_constants_and_targets(source: str, kept: list[int]) -> None:
    reduced = astscan.skeleton(source, astscan.target_lines(source, PATTERNS))
    assert reduced is not None
    assert [n for n, line in enumerate(reduced.split("\n"), 1) if line] == kept


def test_skeleton_inside_a_string_falls_back_to_a_full_parse() -> None:
    source = 'HELP = """\nUsage:\nflag_enabled("in-doc")\n"""\nflag_enabled("real")\n'
    scan = astscan.scan_source(source, "m.py", PATTERNS)
    assert [(s.line, s.key.text) for s in scan.sites] == [(5, "real")]


def test_skeleton_ignores_code_inside_a_triple_quoted_string() -> None:
    source = ('import os\n\nexec("""\ndef inner():\n    flag_enabled("in-string")\n""")\n\n'
              'def real():\n    return flag_enabled("real")\n')
    scan = astscan.scan_source(source, "m.py", PATTERNS)
    assert [s.key.text for s in scan.sites] == ["real"]


def test_skeleton_keeps_a_parenthesised_constant() -> None:
    source = 'import os\n\nKEY = (\n    "new-"\n    "checkout"\n)\n\ndef f():\n    return flag_enabled(KEY)\n'
    sites = call_sites(astscan.scan_source(source, "m.py", PATTERNS), lambda q: None)
    assert [(s.key, s.spelling) for s in sites] == [("new-checkout", "KEY")]


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 70_000, 200_001])
def test_read_bytes_reads_whole_files(tmp_path: Path, size: int) -> None:
    from flagdebt.fileio import read_regular as read_bytes

    path = tmp_path / "f.py"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    assert read_bytes(path) == data
