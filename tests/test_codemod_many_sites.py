"""Many reads of one flag in one module: every one rewritten, each in its own class and test.

The codemod finds the classes around each chunk, and each chunk's reads, by bisection (it
used to scan the module for each chunk); these modules check that every chunk still gets
its own reads and its own class names. Speed is measured in benchmarks/faults.py.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from flagdebt.codemod import Wanted, rewrite_source
from flagdebt.flagcall import FileSymbols
from flagdebt.removal import Change, Source, unified_diff

COUNT = 400


def _function(n: int, kept: bool) -> str:
    if kept:
        return f"def f{n}():\n    return {n}\n\n\n"
    return f'def f{n}():\n    if flag_enabled("x"):\n        return {n}\n    return -1\n\n\n'


def _class(n: int, kept: bool) -> str:
    if kept:
        return (f"class C{n}:\n    limit = {n}\n\n    class TestInner:\n"
                f"        def test_b{n}(self):\n            assert run(True, {n})\n\n\n")
    return (f'class C{n}:\n    limit = {n} if flag_enabled("x") else -1\n\n    class TestInner:\n'
            f'        def test_a{n}(self):\n            assert flag_enabled("x")\n\n'
            f'        def test_b{n}(self):\n            assert run(flag_enabled("x"), {n})\n\n\n')


def _module(kept: bool) -> str:
    head = "" if kept else "from app.flags import flag_enabled\n\n\n"
    body = "".join(_function(n, kept) + _class(n, kept) for n in range(COUNT))
    return head + body.rstrip("\n") + "\n"


def test_every_one_of_many_reads_is_rewritten_in_place() -> None:
    result = rewrite_source(_module(False), {"x": True}, module="tests.test_many")
    assert result.code == _module(True)
    assert result.removed == 4 * COUNT
    assert result.skipped == []
    assert sorted(result.tests) == sorted((f"C{n}::TestInner::test_a{n}", "it only checked the removed flag")
                                          for n in range(COUNT))


def test_a_class_among_many_keeps_its_own_names() -> None:
    plain = "".join(f"class P{n}:\n    class Q:\n        a = {n}\n\n\n" for n in range(200))
    source = ("from app.flags import flag_enabled\n\n\n" + plain
              + 'class Last:\n    class TestDeep:\n        def test_c(self):\n'
                '            assert flag_enabled("x")\n\n        def test_d(self):\n'
                '            assert 1\n\n\n' + plain.replace("P", "R"))
    result = rewrite_source(source, {"x": True}, module="tests.test_many")
    assert result.tests == [("Last::TestDeep::test_c", "it only checked the removed flag")]
    assert result.code == (plain + "class Last:\n    class TestDeep:\n        def test_d(self):\n"
                           "            assert 1\n\n\n" + plain.replace("P", "R"))


def test_the_diff_of_many_rewritten_reads_applies() -> None:
    before, after = _module(False), _module(True)
    source = Source(path=None, display="tests/test_many.py", text=before,  # type: ignore[arg-type]
                    encoding="utf-8", bom=False)
    diff = unified_diff(Change(source, after, 4 * COUNT)).splitlines(keepends=True)
    assert diff[:2] == ["--- a/tests/test_many.py\n", "+++ b/tests/test_many.py\n"]
    removed = [line[1:] for line in diff[2:] if line.startswith("-")]
    added = [line[1:] for line in diff[2:] if line.startswith("+")]
    assert "".join(removed).count("flag_enabled") == 1 + 4 * COUNT
    assert "flag_enabled" not in "".join(added)
    assert len(removed) - len(added) == before.count("\n") - after.count("\n")


KEY_TEXT = st.text(alphabet="ab-'\"_.", max_size=6)


@given(st.lists(KEY_TEXT, max_size=8), st.text(alphabet="ab-'\"_. {}", max_size=16))
def test_keys_between_quotes_are_found_as_a_search_per_key_finds_them(keys: list[str], text: str) -> None:
    wanted = Wanted(dict.fromkeys(keys, True), {})
    expected = sorted(key for key in set(keys) if re.search(rf"""['"]{re.escape(key)}['"]""", text))
    assert wanted.mentioned(text, FileSymbols(), lambda name: None) == expected


def test_reads_named_like_one_of_many_flags_are_reported_with_that_flag() -> None:
    keys = [f"flag-number-{n}" for n in range(2000)]
    aliases = {"flag-number-7": ["Toggles.SEVENTH"]}
    body = "".join(f'def d{n}(p):\n    return flag_enabled(f"{{p}}-{n}")\n\n\n' for n in range(300))
    source = ("from f import flag_enabled\nfrom g import Feature, Toggles\n\n\n" + body
              + 'def a():\n    return flag_enabled(Feature.FLAG_NUMBER_12)\n\n\n'
              + 'def b(p):\n    return flag_enabled(p or "flag-number-30")\n\n\n'
              + 'def c(p):\n    return flag_enabled(p + Toggles.SEVENTH)\n')
    result = rewrite_source(source, dict.fromkeys(keys, True), aliases=aliases)
    assert result.code == source
    assert sorted((skip.key, skip.line) for skip in result.skipped) == [
        ("flag-number-12", 1206), ("flag-number-30", 1210), ("flag-number-7", 1214)]
