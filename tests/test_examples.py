"""The preset examples: golden `check` outputs and `remove` diffs (FLAGDEBT_UPDATE_GOLDEN=1 rewrites)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, check_golden

GOLDEN = FIXTURES / "golden" / "examples"
TODAY = "2026-11-27"


@pytest.fixture
def example(tmp_path: Path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(ROOT / "examples" / name, target)
        return target

    return copy


@pytest.mark.parametrize("name", ["bakery", "payments"])
def test_check_golden(run, example, name: str) -> None:
    result = run(example(name), "check", "--today", TODAY, "--no-cache")
    assert result.exit_code == 1
    check_golden(GOLDEN / f"{name}-check.txt", result.stdout)


@pytest.mark.parametrize(("name", "flag"), [
    ("bakery", "seasonal-menu"),  # Python, a Django template block, a test override
    ("bakery", "loyalty-card"),  # a Jinja `{% if not waffle.flag(...) %}` block
    ("payments", "instant-refunds"),  # an OpenFeature boolean read
], ids=["django-template", "jinja-template", "openfeature"])
def test_remove_golden_diff(run, example, name: str, flag: str) -> None:
    result = run(example(name), "remove", flag, "--diff")
    check_golden(GOLDEN / f"{name}-remove-{flag}.diff", result.stdout)


def test_remove_writes_the_template_it_showed(run, example) -> None:
    root = example("bakery")
    shown = run(root, "remove", "seasonal-menu", "--diff").stdout
    assert run(root, "remove", "seasonal-menu").exit_code == 0
    menu = (root / "bakery/templates/bakery/menu.html").read_text()
    assert "seasonal-menu" not in menu and "Our classics" not in menu
    assert "+++ b/bakery/templates/bakery/menu.html" in shown
    assert "{% load i18n waffle_tags %}" in menu  # sourdough-club still uses the library


@pytest.mark.parametrize(("name", "flag", "site"), [
    ("bakery", "quick-reorder", "bakery/static/bakery/cart.js:3:14"),
    ("payments", "wallet-checkout", "web/src/checkout.ts:4:10"),
], ids=["waffle-js", "launchdarkly-ts"])
def test_a_script_read_blocks_the_removal(run, example, name: str, flag: str, site: str) -> None:
    root = example(name)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = run(root, "remove", flag)
    assert result.exit_code == 1
    assert f"{site}: cannot remove '{flag}': a JavaScript read: remove it by hand" in result.output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_remove_lists_docs_mentions(run, example) -> None:
    result = run(example("bakery"), "remove", "seasonal-menu", "--diff")
    assert "'seasonal-menu' still mentioned in docs/flags.md:3" in result.output


def test_report_lists_docs_mentions(run, example) -> None:
    result = run(example("bakery"), "report", "--today", TODAY)
    assert "Docs mention 'seasonal-menu' at docs/flags.md:3." in result.output


def test_remove_a_negated_decorator(run, example) -> None:
    root = example("bakery")
    off = run(root, "remove", "oven-maintenance", "--value", "off", "--diff")  # `!x` off: open
    assert '-@waffle_switch("!oven-maintenance")' in off.stdout
    on = run(root, "remove", "oven-maintenance", "--value", "on", "--diff")  # `!x` on: closed
    assert on.stdout == ""
    assert "a decorator that gates on a flag that is off: decide by hand" in on.output


def test_remove_leaves_a_mixin_attribute_and_says_so(run, example) -> None:
    result = run(example("bakery"), "remove", "pastry-preorder", "--value", "on")
    assert result.exit_code == 1
    assert ("bakery/views.py:24:5: cannot remove 'pastry-preorder': a class attribute that gates "
            "a view on the flag" in result.output)


def test_fix_removes_the_other_flags_when_a_script_blocks_one(run, example) -> None:
    result = run(example("bakery"), "fix", "--diff")
    changed = [line[6:] for line in result.stdout.splitlines() if line.startswith("+++ b/")]
    assert changed == ["bakery/tests.py", "bakery/views.py", "bakery/jinja2/bakery/landing.jinja",
                       "bakery/templates/bakery/menu.html"]
    assert "cart.js:3:14: cannot remove 'quick-reorder'" in result.output
