"""The lifecycle rules, with a fixed today."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagdebt.config import Config
from flagdebt.model import CallSite, Flag, Registry
from flagdebt.nearkeys import close_match
from flagdebt.rules import RULES, Context, deadline, evaluate, is_selected, rule_doc

TODAY = date(2026, 11, 27)
CONFIG = Config(root=__import__("pathlib").Path("."))


def flag(key: str = "f", **fields) -> Flag:
    base = dict(type="release", owner="team", created=date(2026, 10, 1))
    base.update(fields)
    return Flag(key, line=3, **base)


def site(key: str | None = "f", spelling: str | None = None, dynamic: bool = False,
         line: int = 10) -> CallSite:
    return CallSite("app.py", line, 5, key, spelling or key or "x", "flag_enabled", line, dynamic)


def found(flags: list[Flag], sites: list[CallSite], today: date = TODAY, whole: bool = True,
          config: Config = CONFIG) -> list[tuple[str, int]]:
    registry = Registry("flags.toml", {f.key: f for f in flags})
    return [(f.code, f.line) for f in evaluate(Context(registry, sites, config, today, whole))]


ROLLED = date(2026, 9, 1)  # + 4 sprints of 14 days = 2026-10-27

CASES = {
    "expired-release": ([flag(rolled_out=ROLLED)], [site()], [("FD001", 10)]),
    "deadline-day-is-not-expired": ([flag(rolled_out=date(2026, 10, 2))], [site()], [("FD002", 10)]),
    "day-after-deadline-is-expired": ([flag(rolled_out=date(2026, 10, 1))], [site()], [("FD001", 10)]),
    "expired-rolled-back": ([flag(rolled_back=ROLLED)], [site()], [("FD001", 10)]),
    "experiment-two-sprints": ([flag(type="experiment", rolled_out=date(2026, 10, 20))], [site()], [("FD001", 10)]),
    "expiring-after-two-sprints": ([flag(rolled_out=date(2026, 10, 25))], [site()], [("FD002", 10)]),
    "fresh-rollout-is-quiet": ([flag(rolled_out=date(2026, 11, 20))], [site()], []),
    "ops-never-expires": ([flag(type="ops", rolled_out=date(2024, 1, 1))], [site()], []),
    "permission-never-expires": ([flag(type="permission", rolled_out=date(2024, 1, 1))], [site()], []),
    "remove-by-overrides": ([flag(type="ops", remove_by=date(2026, 11, 1))], [site()], [("FD001", 10)]),
    "remove-by-in-future": ([flag(rolled_out=ROLLED, remove_by=date(2027, 1, 1))], [site()], [("FD002", 10)]),
    "archived-beats-expired": ([flag(rolled_out=ROLLED, archived=date(2026, 11, 1))], [site()], [("FD004", 10)]),
    "unknown-key": ([flag()], [site("g"), site()], [("FD003", 10)]),
    "alias-matches-spelling": ([flag(aliases=("Feature.F",), rolled_out=ROLLED)],
                               [site(None, "Feature.F")], [("FD001", 10)]),
    "alias-matches-resolved-key": ([flag("real", aliases=("resolved",), rolled_out=ROLLED)],
                                   [site("resolved", "NAME")], [("FD001", 10)]),
    "dynamic-key": ([flag()], [site(None, "name", dynamic=True), site()], [("FD006", 10)]),
    "incomplete-entry": ([Flag("f", line=3)], [site()], [("FD005", 3)]),
    "unused-flag": ([flag(), flag("g")], [site()], [("FD007", 3)]),
    "archived-unused-is-fine": ([flag(), flag("g", archived=date(2026, 1, 1))], [site()], []),
    "stalled-release": ([flag(created=date(2026, 5, 1))], [site()], [("FD008", 3)]),
    "stalled-not-for-ops": ([flag(type="ops", created=date(2025, 5, 1))], [site()], []),
    "young-release-not-stalled": ([flag(created=date(2026, 10, 1))], [site()], []),
}


@pytest.mark.parametrize(("flags", "sites", "expected"), CASES.values(), ids=CASES.keys())
def test_rules(flags, sites, expected) -> None:
    assert found(flags, sites, today=TODAY) == sorted(expected)


def test_unused_flag_only_on_whole_project() -> None:
    assert found([flag(), flag("g")], [site()], whole=False) == []


def test_expired_message_states_the_facts() -> None:
    registry = Registry("flags.toml", {"new-checkout": flag("new-checkout", owner="payments",
                                                            rolled_out=ROLLED)})
    findings = evaluate(Context(registry, [site("new-checkout")], CONFIG, TODAY))
    assert findings[0].message == ("flag 'new-checkout' expired on 2026-10-27, 31 days ago "
                                   "(release flag, fully rolled out 2026-09-01, owner: payments)")
    assert findings[0].owner == "payments" and findings[0].deadline == date(2026, 10, 27)


def test_unknown_flag_suggests_a_close_key() -> None:
    registry = Registry("flags.toml", {"new-checkout": flag("new-checkout")})
    findings = evaluate(Context(registry, [site("new-chekout")], CONFIG, TODAY))
    assert findings[0].message.endswith("did you mean 'new-checkout'?")


def test_an_unresolved_name_is_pointed_to_aliases() -> None:
    registry = Registry("flags.toml", {"new-checkout": flag("new-checkout")})
    findings = evaluate(Context(registry, [site(None, "settings.NAV_SWITCH")], CONFIG, TODAY))
    assert [f.message for f in findings if f.code == "FD003"] == [
        "flag 'settings.NAV_SWITCH' is not in the registry (flags.toml); a name flagdebt cannot "
        "resolve to a string: add it to its flag's `aliases`"]
    aliased = Registry("flags.toml", {"nav": flag("nav", aliases=("settings.NAV_SWITCH",))})
    assert not [f for f in evaluate(Context(aliased, [site(None, "settings.NAV_SWITCH")], CONFIG,
                                            TODAY)) if f.code == "FD003"]


def test_config_changes_lifetimes() -> None:
    config = replace(CONFIG, sprint_days=7, max_sprints={**CONFIG.max_sprints, "release": 1})
    assert deadline(flag(rolled_out=ROLLED), config) == date(2026, 9, 8)


@pytest.mark.parametrize(("code", "select", "ignore", "expected"), [
    ("FD001", (), (), True),
    ("FD001", ("FD00",), (), True),
    ("FD001", ("FD9",), (), False),
    ("FD001", (), ("FD",), False),
    ("FD001", ("FD001",), ("FD0",), True),
    ("FD001", ("FD0",), ("FD001",), False),
])
def test_selection_by_prefix(code, select, ignore, expected) -> None:
    assert is_selected(code, select, ignore) is expected


def test_every_rule_is_documented_with_ruff_headings() -> None:
    for rule in RULES:
        doc = rule_doc(rule)
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in doc, (rule.code, heading)
    assert len({rule.code for rule in RULES}) == len(RULES)


@given(st.text(alphabet="ab-1", max_size=7), st.lists(st.text(alphabet="ab-1", max_size=7), max_size=12))
def test_close_match_picks_what_difflib_picks(word: str, names: list[str]) -> None:
    import difflib

    expected = difflib.get_close_matches(word, names, n=1, cutoff=0.75)
    assert close_match(word, names) == (expected[0] if expected else None)


def test_close_match_on_a_registry_of_similar_keys() -> None:
    names = [f"flag-{n:03}" for n in range(300)] + ["new-checkout"]
    import difflib

    assert close_match("flag-3x5", names) == difflib.get_close_matches("flag-3x5", names, n=1, cutoff=0.75)[0]
    assert close_match("new-chekout", names) == "new-checkout"
    assert close_match("unrelated-name", names) is None
