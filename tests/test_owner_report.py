"""`flagdebt report`: the owner report's model, its four renderers (golden files) and the CLI."""

from __future__ import annotations

import json
import re
import shlex
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES, check_golden, write_tree

from flagdebt.config import Config
from flagdebt.model import CallSite, Flag, FlagdebtError, Registry
from flagdebt.owners import (
    NO_OWNER,
    OwnerReport,
    RemoveCommand,
    build_owner_report,
    health_of,
    removal_command,
    state_of,
)
from flagdebt.report.owners import OWNER_FORMATS, owner_renderer
from flagdebt.report.owners.html import render_html, segments
from flagdebt.report.owners.markdown import checklist_item, code, render_markdown

TODAY = date(2026, 11, 27)
CONFIG = Config(root=Path("/project"))
GOLDEN = FIXTURES / "golden" / "owners"
D = date.fromisoformat


def flag(key: str, **fields: object) -> Flag:
    """A registry entry; dates may be given as ISO strings."""
    values = {name: D(value) if isinstance(value, str) and name not in ("type", "owner")
              else value for name, value in fields.items()}
    return Flag(key=key, line=1, **values)  # type: ignore[arg-type]


def site(path: str, line: int, key: str | None, spelling: str | None = None,
         dynamic: bool = False) -> CallSite:
    spelled = spelling if spelling is not None else f'"{key}"'
    return CallSite(path, line, 8, key, spelled, "flag_enabled", line, dynamic)


FLAGS = [
    flag("new-checkout", type="release", owner="payments", created="2026-06-01",
         rolled_out="2026-09-01", aliases=("CHECKOUT",)),
    flag("checkout-v3", type="release", owner="payments", created="2026-10-01"),
    flag("old-banner", type="release", owner="payments", created="2026-03-01",
         rolled_back="2026-08-01", archived="2026-11-01"),
    flag("search-v2", type="release", owner="search", created="2026-09-01",
         rolled_out="2026-10-20"),
    flag("promo$banner", type="experiment", owner="search", created="2026-11-02",
         rolled_back="2026-11-20"),
    flag("ranking-exp", type="experiment", owner="search", created="2026-10-01",
         remove_by="2026-11-20"),
    flag("legacy-search", type="release", rolled_out="2026-03-01"),
    flag("kill-switch", type="ops", created="2025-01-15"),
    flag("old-promo", type="experiment", created="2026-02-01", rolled_back="2026-04-01",
         archived="2026-05-01"),
]
REGISTRY = Registry("flags.toml", {f.key: f for f in FLAGS})
SITES = [
    site("app/views.py", 5, "new-checkout"),
    site("app/views.py", 12, "new-checkout", "flags.NEW_CHECKOUT"),
    site("app/cart.py", 3, None, "CHECKOUT"),
    site("app/cart.py", 9, "checkout-v3"),
    site("app/banner.py", 4, "old-banner"),
    site("search/api.py", 7, "search-v2"),
    site("search/api.py", 20, "promo$banner"),
    site("search/promo.py", 2, "promo$banner"),
    site("search/rank.py", 11, "ranking-exp"),
    site("ops/switches.py", 6, "kill-switch"),
    site("app/views.py", 30, "new-chekout"),
    site("app/nav.py", 3, None, "Feature.BETA_NAV"),
    site("app/nav.py", 9, None, "Feature.BETA_NAV"),
    site("app/util.py", 14, None, "name", dynamic=True),
]


def build(owner: str | None = None) -> OwnerReport:
    return build_owner_report(REGISTRY, SITES, CONFIG, TODAY, owner)


def rows_by_key(report: OwnerReport) -> dict[str, object]:
    return {row.key: row for row in report.rows}


# The model.


@pytest.mark.parametrize(("entry", "state", "health"), [
    pytest.param(FLAGS[0], "rolled out", "overdue", id="rolled-out-past-deadline"),
    pytest.param(FLAGS[1], "in rollout", "in rollout", id="in-rollout-no-deadline"),
    pytest.param(FLAGS[2], "archived", "archived", id="archived-wins-over-rolled-back"),
    pytest.param(FLAGS[3], "rolled out", "expiring", id="rolled-out-past-warn-window"),
    pytest.param(FLAGS[4], "rolled back", "healthy", id="rolled-back-recently"),
    pytest.param(FLAGS[5], "in rollout", "overdue", id="in-rollout-past-remove-by"),
    pytest.param(flag("x", rolled_out="2026-10-30"), "rolled out", "healthy",
                 id="warn-window-boundary-is-healthy"),
    pytest.param(flag("x", rolled_out="2026-10-29"), "rolled out", "expiring",
                 id="day-after-warn-window-is-expiring"),
    pytest.param(flag("x", remove_by="2026-11-27", rolled_out="2026-11-01"), "rolled out",
                 "healthy", id="deadline-today-is-not-overdue"),
])
def test_state_and_health(entry: Flag, state: str, health: str) -> None:
    assert (state_of(entry), health_of(entry, CONFIG, TODAY)) == (state, health)


def test_groups_are_owners_alphabetically_then_no_owner() -> None:
    assert [group.label for group in build().groups] == ["payments", "search", NO_OWNER]


def test_rows_are_overdue_first_then_days_left_then_key() -> None:
    order = {group.label: [row.key for row in group.rows] for group in build().groups}
    assert order == {
        "payments": ["new-checkout", "checkout-v3", "old-banner"],
        "search": ["ranking-exp", "search-v2", "promo$banner"],
        NO_OWNER: ["legacy-search", "kill-switch", "old-promo"],
    }


def test_ties_in_days_left_are_broken_by_key() -> None:
    twins = Registry("flags.toml", {k: flag(k, owner="o", remove_by="2026-12-01") for k in "ba"})
    report = build_owner_report(twins, [], CONFIG, TODAY)
    assert [row.key for row in report.rows] == ["a", "b"]


def test_days_age_and_deadline() -> None:
    row = rows_by_key(build())["new-checkout"]
    assert (row.age, row.deadline, row.days_left) == (179, D("2026-10-27"), -31)


def test_sites_match_by_key_spelling_and_alias() -> None:
    row = rows_by_key(build())["new-checkout"]
    assert [(s.path, s.line) for s in row.sites] == [
        ("app/cart.py", 3), ("app/views.py", 5), ("app/views.py", 12)]
    assert row.files == ("app/cart.py", "app/views.py")


def test_unregistered_keys_and_dynamic_sites() -> None:
    report = build()
    assert [(u.key, len(u.sites), u.files) for u in report.unregistered] == [
        ("Feature.BETA_NAV", 2, ("app/nav.py",)), ("new-chekout", 1, ("app/views.py",))]
    assert report.dynamic_sites == 1


@pytest.mark.parametrize(("key", "command"), [
    pytest.param("new-checkout", "flagdebt remove new-checkout", id="rolled-out-with-sites"),
    pytest.param("promo$banner", "flagdebt remove 'promo$banner'", id="shell-special-quoted"),
    pytest.param("old-banner", "flagdebt remove old-banner", id="archived-but-still-read"),
    pytest.param("legacy-search", "flagdebt remove legacy-search --archive",
                 id="no-sites-left-archives"),
    pytest.param("old-promo", None, id="archived-without-sites-is-done"),
    pytest.param("checkout-v3", None, id="in-rollout-has-no-final-value"),
    pytest.param("ranking-exp", None, id="overdue-without-final-value"),
])
def test_removal_command(key: str, command: str | None) -> None:
    assert rows_by_key(build())[key].command == command


@pytest.mark.parametrize(("key", "sites", "how", "command"), [
    pytest.param("a b", 1, RemoveCommand(), "flagdebt remove 'a b'", id="space"),
    pytest.param("it's", 1, RemoveCommand(), "flagdebt remove 'it'\"'\"'s'", id="quote"),
    pytest.param("-dash", 1, RemoveCommand(), "flagdebt remove -- -dash", id="leading-dash"),
    pytest.param("-dash", 0, RemoveCommand(), "flagdebt remove --archive -- -dash",
                 id="leading-dash-options-first"),
    pytest.param("k", 0, RemoveCommand(("--registry", "conf/flags.toml")),
                 "flagdebt remove k --registry conf/flags.toml --archive",
                 id="forwarded-registry-archive"),
    pytest.param("k", 1, RemoveCommand(("--config", "sub dir/pyproject.toml", "--call", "on")),
                 "flagdebt remove k --config 'sub dir/pyproject.toml' --call on",
                 id="forwarded-options"),
])
def test_removal_command_forms(key: str, sites: int, how: RemoveCommand, command: str) -> None:
    entry = flag(key, rolled_out="2026-01-01")
    found = [site("a.py", line, key) for line in range(1, sites + 1)]
    assert removal_command(entry, found, how) == command


def test_quoted_command_round_trips_through_the_shell() -> None:
    command = rows_by_key(build())["promo$banner"].command
    assert shlex.split(command) == ["flagdebt", "remove", "promo$banner"]


def test_owner_filter_keeps_one_group_and_drops_unregistered() -> None:
    report = build(owner="search")
    assert [group.label for group in report.groups] == ["search"]
    assert report.unregistered == () and report.dynamic_sites == 0


def test_owner_filter_no_owner_label() -> None:
    assert [group.owner for group in build(owner=NO_OWNER).groups] == [None]


def test_unknown_owner_is_an_error_naming_the_owners() -> None:
    with pytest.raises(FlagdebtError, match=r"'paymnts'.*'payments', 'search', '\(no owner\)'"):
        build(owner="paymnts")


# The renderers.


@pytest.mark.parametrize(("fmt", "suffix"), [
    ("text", "txt"), ("markdown", "md"), ("json", "json"), ("html", "html")])
def test_golden(fmt: str, suffix: str) -> None:
    check_golden(GOLDEN / f"report.{suffix}", owner_renderer(fmt)(build()))


def test_golden_owner_filtered_markdown() -> None:
    check_golden(GOLDEN / "report-payments.md", render_markdown(build(owner="payments")))


def test_checklist_wording_is_pinned() -> None:
    row = rows_by_key(build())["new-checkout"]
    assert checklist_item(row) == ("- [ ] Remove `new-checkout` (expired 31 days ago, "
                                   "3 call sites in 2 files): `flagdebt remove new-checkout`")


@pytest.mark.parametrize(("value", "span"), [
    ("plain", "`plain`"), ("a`b", "``a`b``"), ("`x", "`` `x ``"), ("a\nb", "`a\\nb`")])
def test_markdown_code_span_holds_any_text(value: str, span: str) -> None:
    assert code(value) == span


def test_json_is_the_full_data() -> None:
    document = json.loads(owner_renderer("json")(build()))
    assert document["summary"] == {"flags": 9, "overdue": 3, "removable": 5, "call_sites": 10,
                                   "unregistered": 2, "dynamic_sites": 1}
    first = document["owners"][0]["flags"][0]
    assert first["key"] == "new-checkout" and first["days_left"] == -31
    assert first["sites"][0] == {"path": "app/cart.py", "line": 3, "col": 8,
                                 "spelling": "CHECKOUT"}


HOSTILE = Registry("flags.toml", {
    '<script>alert("k")</script>': flag('<script>alert("k")</script>', owner="a&b <i>\"'",
                                        rolled_out="2026-01-01", type="release"),
})


class _Collector(HTMLParser):
    """Every tag and attribute of a page, to check what it may load."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_html_escapes_user_data() -> None:
    sites = [site("<b>.py", 1, '<script>alert("k")</script>')]
    page = render_html(build_owner_report(HOSTILE, sites, CONFIG, TODAY))
    assert "<script" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;k&quot;)&lt;/script&gt;" in page
    assert "a&amp;b &lt;i&gt;&quot;&#x27;" in page


def test_html_is_self_contained() -> None:
    page = render_html(build())
    collector = _Collector()
    collector.feed(page)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(collector.tags)
    assert not {name for name, _ in collector.attrs} & {"src", "href", "srcset", "action"}
    assert not re.search(r"https?:|//|url\(|@import|@font-face", page)
    assert page.isascii()


@pytest.mark.parametrize(("key", "pieces"), [
    pytest.param("new-checkout", [("seg-rollout", "2026-06-01", "2026-09-01"),
                                  ("seg-live", "2026-09-01", "2026-10-27"),
                                  ("seg-late", "2026-10-27", "2026-11-27")], id="overdue"),
    pytest.param("search-v2", [("seg-rollout", "2026-09-01", "2026-10-20"),
                               ("seg-live", "2026-10-20", "2026-11-27"),
                               ("seg-ahead", "2026-11-27", "2026-12-15")], id="time-left"),
    pytest.param("checkout-v3", [("seg-rollout", "2026-10-01", "2026-11-27")], id="in-rollout"),
    pytest.param("ranking-exp", [("seg-rollout", "2026-10-01", "2026-11-27"),
                                 ("seg-late", "2026-11-20", "2026-11-27")],
                 id="in-rollout-overdue"),
    pytest.param("old-banner", [("seg-rollout", "2026-03-01", "2026-08-01"),
                                ("seg-live", "2026-08-01", "2026-11-01")], id="archived-ends-life"),
    pytest.param("legacy-search", [("seg-live", "2026-03-01", "2026-04-26"),
                                   ("seg-late", "2026-04-26", "2026-11-27")], id="no-created"),
])
def test_timeline_segments(key: str, pieces: list[tuple[str, str, str]]) -> None:
    row = rows_by_key(build())[key]
    assert segments(row, TODAY) == [(cls, D(start), D(end)) for cls, start, end in pieces]


def test_timeline_without_a_month_start_on_the_axis() -> None:
    report = build_owner_report(Registry("flags.toml", {}), [], CONFIG, date(2026, 11, 15))
    assert 'class="tick"' not in render_html(report)


def test_html_colours_every_state_and_has_a_legend() -> None:
    page = render_html(build())
    for health in ("overdue", "expiring", "healthy", "rollout", "archived"):
        assert f'class="track h-{health}"' in page
    assert '<ul class="legend">' in page


def test_text_escapes_control_characters() -> None:
    registry = Registry("flags.toml", {"a\x1b[31mb": flag("a\x1b[31mb", owner="o\nx")})
    text = owner_renderer("text")(build_owner_report(registry, [], CONFIG, TODAY))
    assert "\x1b" not in text and "a\\x1b[31mb" in text and "o\\nx:" in text


def test_empty_registry_renders_in_every_format() -> None:
    report = build_owner_report(Registry("flags.toml", {}), [], CONFIG, TODAY)
    for fmt in OWNER_FORMATS:
        assert owner_renderer(fmt)(report)


# The command line.


PROJECT = {
    "pyproject.toml": "[tool.flagdebt]\nsprint-days = 14\n",
    "flags.toml": (
        "[flags.new-checkout]\ntype = \"release\"\nowner = \"payments\"\n"
        "created = 2026-06-01\nrolled_out = 2026-09-01\naliases = [\"NEW_CHECKOUT\"]\n\n"
        "[flags.search-v2]\ntype = \"experiment\"\nowner = \"search\"\ncreated = 2026-11-01\n"
    ),
    "app/__init__.py": "",
    "app/flags.py": "NEW_CHECKOUT = \"new-checkout\"\n\n\ndef flag_enabled(name):\n    return True\n",
    "app/views.py": (
        "from app.flags import flag_enabled\n\n\n"
        "def view():\n"
        "    if flag_enabled(\"new-checkout\"):\n"
        "        return 1\n"
        "    if flag_enabled(\"serch-v2\"):\n"
        "        return 3\n"
        "    return 2\n"
    ),
    "app/cart.py": (
        "from app import flags\nfrom app.flags import flag_enabled\n\n\n"
        "def total():\n"
        "    return 2 if flag_enabled(flags.NEW_CHECKOUT) else 1\n"
    ),
}


def test_cli_text_report(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "report", "--today", "2026-11-27")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:6] == [
        "Flag report for 2026-11-27 (flags.toml): 2 flags, 1 overdue, 1 removable now, "
        "1 unregistered key",
        "",
        "payments: 1 flag, 1 removable now",
        "  KEY           TYPE     STATE       AGE       DEADLINE    DUE              CALL SITES",
        "  new-checkout  release  rolled out  179 days  2026-10-27  31 days overdue  2 in 2 files",
        "      files: app/cart.py, app/views.py",
    ]
    assert "      run:   flagdebt remove new-checkout" in result.output
    assert "  serch-v2  1 in 1 file" in result.output


def test_cli_markdown_owner_and_output_file(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "report", "--format", "markdown", "--owner", "payments",
                 "--today", "2026-11-27", "--output", "issue.md")
    assert result.exit_code == 0 and result.output == ""
    issue = (tmp_path / "issue.md").read_text(encoding="utf-8")
    assert issue.startswith("# Flag removal for payments: 1 flag ready to remove (2026-11-27)\n")
    assert ("- [ ] Remove `new-checkout` (expired 31 days ago, 2 call sites in 2 files): "
            "`flagdebt remove new-checkout`") in issue
    assert "search-v2" not in issue


def test_cli_json_paths_and_explicit_registry(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    (tmp_path / "flags.toml").rename(tmp_path / "team flags.toml")
    result = run(tmp_path, "report", "app/views.py", "--format", "json", "--today", "2026-11-27",
                 "--registry", "team flags.toml")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    first = document["owners"][0]["flags"][0]
    assert (first["call_sites"], first["files"]) == (1, ["app/views.py"])
    assert first["command"] == "flagdebt remove new-checkout --registry 'team flags.toml'"


def test_cli_html(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "report", "--format", "html", "--today", "2026-11-27")
    assert result.exit_code == 0
    assert result.output.startswith("<!DOCTYPE html>") and "new-checkout" in result.output


def test_cli_formats_match_the_renderers(run, tmp_path: Path) -> None:
    from flagdebt.cli import cli

    command = cli.commands["report"]
    choice = next(p for p in command.params if p.name == "fmt").type
    assert sorted(choice.choices) == sorted(OWNER_FORMATS)


@pytest.mark.parametrize(("args", "files", "message"), [
    pytest.param(("--owner", "nobody"), {}, "no flag in the registry is owned by 'nobody'",
                 id="unknown-owner"),
    pytest.param((), {"flags.toml": "[flags.x]\ntype = 3\n"}, "flags.toml", id="bad-registry"),
    pytest.param((), {"pyproject.toml": "[tool.flagdebt]\nsprint-days = 0\n"}, "sprint-days",
                 id="bad-config"),
])
def test_cli_errors_exit_two(run, tmp_path: Path, args: tuple[str, ...],
                             files: dict[str, str], message: str) -> None:
    write_tree(tmp_path, {**PROJECT, **files})
    result = run(tmp_path, "report", "--today", "2026-11-27", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_printed_command_removes_the_flag(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.flagdebt]\n",
        "conf/team flags.toml": (
            "[flags.dark-mode]\ntype = \"release\"\nowner = \"web\"\ncreated = 2026-01-05\n"
            "rolled_out = 2026-02-01\naliases = [\"DARK\"]\n"
        ),
        "web.py": (
            "from toggles import feature_on\n\nDARK = \"dark-mode\"\n\n\n"
            "def theme():\n"
            "    if feature_on(\"dark-mode\"):\n        return \"dark\"\n    return \"light\"\n\n\n"
            "def css():\n    return \"d.css\" if feature_on(DARK) else \"l.css\"\n"
        ),
    })
    result = run(tmp_path, "report", "--format", "json", "--today", "2026-11-27",
                 "--registry", "conf/team flags.toml", "--call", "feature_on")
    row = json.loads(result.output)["owners"][0]["flags"][0]
    assert row["call_sites"] == 2
    assert row["command"] == ("flagdebt remove dark-mode --registry 'conf/team flags.toml' "
                              "--call feature_on")
    removed = run(tmp_path, *shlex.split(row["command"])[1:])
    assert removed.exit_code == 0, removed.output
    assert "feature_on" not in (tmp_path / "web.py").read_text(encoding="utf-8")
    again = run(tmp_path, "report", "--format", "json", "--today", "2026-11-27",
                "--registry", "conf/team flags.toml", "--call", "feature_on")
    assert json.loads(again.output)["owners"][0]["flags"][0]["command"] == (
        "flagdebt remove dark-mode --registry 'conf/team flags.toml' --call feature_on --archive")
    archived = run(tmp_path, "remove", "dark-mode", "--registry", "conf/team flags.toml",
                   "--call", "feature_on", "--archive", "--today", "2026-11-27")
    assert archived.exit_code == 0, archived.output
    final = run(tmp_path, "report", "--format", "json", "--today", "2026-11-27",
                "--registry", "conf/team flags.toml", "--call", "feature_on")
    row = json.loads(final.output)["owners"][0]["flags"][0]
    assert (row["state"], row["command"]) == ("archived", None)
