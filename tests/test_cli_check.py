"""`flagdebt check` end to end: the example project, options, exit codes and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, check_golden, write_tree

TODAY = "2026-11-27"
SHOP = ROOT / "examples" / "shop"

PROJECT = {
    "pyproject.toml": "[tool.flagdebt]\n",
    "flags.toml": (
        "[flags.new-checkout]\ntype = \"release\"\nowner = \"payments\"\n"
        "created = 2026-06-01\nrolled_out = 2026-09-01\n"
    ),
    "app/__init__.py": "",
    "app/views.py": (
        "from app.flags import flag_enabled\n\n\n"
        "def view():\n"
        "    if flag_enabled(\"new-checkout\"):\n"
        "        return 1\n"
        "    return 2\n"
    ),
}


def codes(output: str) -> list[tuple[str, str]]:
    """(location, code) of each finding line."""
    found = []
    for line in output.splitlines():
        parts = line.split(" ", 2)
        if len(parts) > 1 and parts[1].startswith("FD"):
            found.append((parts[0].rstrip(":"), parts[1]))
    return found


def test_example_text_report_is_golden(run) -> None:
    result = run(SHOP, "check", "--today", TODAY)
    assert result.exit_code == 1
    check_golden(FIXTURES / "golden" / "shop.txt", result.output)


def test_example_json_report_is_golden(run) -> None:
    result = run(SHOP, "check", "--today", TODAY, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert {f["code"] for f in document["findings"]} == {
        "FD001", "FD002", "FD003", "FD004", "FD005", "FD007", "FD008"}
    first = document["findings"][0]
    assert set(first) == {"code", "name", "severity", "flag", "path", "line", "col", "message",
                          "owner", "deadline"}
    check_golden(FIXTURES / "golden" / "shop.json", result.output)


def test_registry_findings_point_at_the_registry_line(run) -> None:
    result = run(SHOP, "check", "--today", TODAY, "--format", "json", "--select", "FD005,FD007")
    findings = json.loads(result.output)["findings"]
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [
        ("FD005", "flags.toml", 57), ("FD007", "flags.toml", 60)]


def test_clean_project_exits_zero(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "check", "--today", "2026-09-10")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No flag debt found in 2 files")


def test_expired_flag_exits_one_and_names_the_site(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "check", "--today", TODAY)
    assert result.exit_code == 1
    assert codes(result.output) == [("app/views.py:5:8", "FD001")]
    assert "flag 'new-checkout' expired on 2026-10-27, 31 days ago (release flag, fully rolled " \
           "out 2026-09-01, owner: payments)" in result.output


def test_exit_zero_and_output_file(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "check", "--today", TODAY, "--exit-zero", "--output", "report.txt")
    assert result.exit_code == 0
    assert result.output == ""
    assert "FD001" in (tmp_path / "report.txt").read_text()


@pytest.mark.parametrize(("option", "expected"), [
    (("--select", "FD00"), ["FD001"]),
    (("--select", "FD002"), []),
    (("--ignore", "FD001"), []),
    (("--select", "FD", "--ignore", "FD0"), []),
    (("--select", "FD001", "--ignore", "FD0"), ["FD001"]),
], ids=["select-prefix", "select-other", "ignore", "ignore-longer", "select-longer"])
def test_select_and_ignore_match_prefixes(run, tmp_path: Path, option, expected) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "check", "--today", TODAY, *option)
    assert [code for _, code in codes(result.output)] == expected


def test_single_file_skips_whole_project_rules(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {**PROJECT, "flags.toml": PROJECT["flags.toml"] +
                          "\n[flags.unused]\ntype = \"ops\"\nowner = \"x\"\ncreated = 2026-01-01\n"})
    whole = run(tmp_path, "check", "--today", TODAY)
    assert ("flags.toml:7:1", "FD007") in codes(whole.output)
    single = run(tmp_path, "check", "--today", TODAY, "app/views.py")
    assert [code for _, code in codes(single.output)] == ["FD001"]


def test_suppression_silences_and_unused_one_is_reported(run, tmp_path: Path) -> None:
    views = PROJECT["app/views.py"].replace(
        'if flag_enabled("new-checkout"):', 'if flag_enabled("new-checkout"):  # flagdebt: ignore[FD001] -- mobile')
    views += "\nx = 1  # flagdebt: ignore[FD003]\n"
    write_tree(tmp_path, {**PROJECT, "app/views.py": views})
    result = run(tmp_path, "check", "--today", TODAY)
    assert result.exit_code == 0
    assert codes(result.output) == [("app/views.py:9:1", "FD009")]
    assert "1 suppressed" in result.output


def test_expired_suppression_stops_silencing(run, tmp_path: Path) -> None:
    views = PROJECT["app/views.py"].replace(
        'if flag_enabled("new-checkout"):',
        'if flag_enabled("new-checkout"):  # flagdebt: ignore[FD001] until=2026-11-01 -- later')
    write_tree(tmp_path, {**PROJECT, "app/views.py": views})
    result = run(tmp_path, "check", "--today", TODAY)
    assert result.exit_code == 1
    assert "(suppression expired 2026-11-01)" in result.output


def test_call_option_adds_a_pattern(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {**PROJECT, "app/other.py": "import waffle\nwaffle.flag_is_active(r, 'zzz')\n"})
    without = run(tmp_path, "check", "--today", "2026-09-10")
    assert without.exit_code == 0
    result = run(tmp_path, "check", "--today", "2026-09-10", "--call", "waffle.flag_is_active:1")
    assert codes(result.output) == [("app/other.py:2:1", "FD003")]


@pytest.mark.parametrize(("files", "args", "message"), [
    ({"flags.toml": "[flags.x\n"}, (), "flags.toml:1: invalid TOML"),
    ({"flags.toml": "[flags.x]\ncreated = \"2026-01-01\"\n"}, (), "flags.toml:2: flag 'x'"),
    ({}, ("--registry", "missing.toml"), "missing.toml"),
    ({}, ("nope.py",), "nope.py"),
    ({"pyproject.toml": "[tool.flagdebt]\nsprint-days = \"two\"\n"}, (), "sprint-days"),
], ids=["bad-toml", "string-date", "missing-registry", "missing-path", "bad-config"])
def test_bad_input_is_one_clean_error(run, tmp_path: Path, files, args, message) -> None:
    write_tree(tmp_path, {**PROJECT, **files})
    result = run(tmp_path, "check", "--today", TODAY, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [("--select", "XY1"), ("--select", "FD999"), ("--today", "tomorrow"),
                                  ("--format", "yaml")])
def test_bad_options_exit_two(run, tmp_path: Path, args) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "check", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_unparsable_and_non_utf8_files_are_fd900(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {**PROJECT, "app/broken.py": "flag_enabled('x'\n"})
    (tmp_path / "app" / "latin.py").write_bytes(b"# flag_enabled\nname = '\xe9t\xe9'\n")
    (tmp_path / "app" / "cookie.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nx = flag_enabled('new-checkout')  # \xe9\n")
    result = run(tmp_path, "check", "--today", "2026-09-10")
    assert result.exit_code == 1
    assert codes(result.output) == [("app/broken.py:1:13", "FD900"), ("app/latin.py:1:1", "FD900")]


def test_explain_prints_the_rule_doc(run, tmp_path: Path) -> None:
    result = run(tmp_path, "explain", "FD001")
    assert result.exit_code == 0
    assert result.output.startswith("# FD001 expired-flag (error)")
    assert "## Why is this bad?" in result.output
    assert run(tmp_path, "explain", "FD123").exit_code == 2


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    done = subprocess.run([sys.executable, "-m", "flagdebt", "check", "--today", TODAY],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    assert "FD001" in done.stdout


def test_the_program_exits_at_once_without_losing_output(tmp_path: Path) -> None:
    """`flagdebt.entry.run` leaves with os._exit: everything written must be flushed first,
    to a pipe (block-buffered), to --output and to stderr, whatever the exit code."""
    many = "".join(f"flag_enabled('unknown-{n}')\n" for n in range(3000))
    write_tree(tmp_path, {**PROJECT, "app/many.py": many})
    command = [sys.executable, "-m", "flagdebt", "check", "--today", TODAY, "--format", "json"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr == ""
    report = json.loads(done.stdout)
    assert sum(f["code"] == "FD003" for f in report["findings"]) == 3000
    done = subprocess.run([*command, "--output", "report.json", "--statistics"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 1 and "3000  FD003" in done.stdout
    assert len(json.loads((tmp_path / "report.json").read_text())["findings"]) > 3000
    done = subprocess.run([sys.executable, "-m", "flagdebt", "check", "--today", "2026-13-01"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2 and "is not a date like" in done.stderr


def test_readme_rule_table_matches_the_rules() -> None:
    from flagdebt.rules import rule_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table.strip() == rule_table().strip()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("```sh\n")[2].split("\n")[0]
    assert "pytest" in command
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_statistics_replace_the_report(run) -> None:
    result = run(SHOP, "check", "--today", TODAY, "--statistics")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "FD001" in lines[0] and "expired-flag" in lines[0]
    assert lines[-1].split() == ["7", "total"]
    assert not any(line.startswith("shop/") for line in lines)


def test_baseline_survives_an_inserted_line(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    written = run(tmp_path, "check", "--today", TODAY, "--write-baseline", "baseline.json")
    assert written.exit_code == 0
    assert "Wrote 1 finding to baseline.json." in written.output
    assert "\"line\"" not in (tmp_path / "baseline.json").read_text()
    views = tmp_path / "app" / "views.py"
    views.write_text("import os\n\n" + views.read_text())
    quiet = run(tmp_path, "check", "--today", TODAY, "--baseline", "baseline.json")
    assert quiet.exit_code == 0, quiet.output
    assert codes(quiet.output) == []
    views.write_text(views.read_text() + "\n\ndef more():\n    return flag_enabled(\"new-checkout\")\n")
    new = run(tmp_path, "check", "--today", TODAY, "--baseline", "baseline.json")
    assert new.exit_code == 1
    assert codes(new.output) == [("app/views.py:13:12", "FD001")]


def test_baseline_reports_fixed_entries(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    run(tmp_path, "check", "--today", TODAY, "--write-baseline", "baseline.json")
    assert run(tmp_path, "remove", "new-checkout").exit_code == 0
    result = run(tmp_path, "check", "--today", TODAY, "--baseline", "baseline.json")
    assert result.exit_code == 0
    assert "1 baseline entry" in result.output


def test_baseline_options_exclude_each_other(run, tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    result = run(tmp_path, "check", "--baseline", "a.json", "--write-baseline", "b.json")
    assert result.exit_code == 2


def test_config_of_a_subproject_is_found_from_the_files(run, tmp_path: Path) -> None:
    project = tmp_path / "services" / "shop"
    write_tree(project, {**PROJECT, "pyproject.toml": "[tool.flagdebt]\nsprint-days = 30\n"})
    result = run(tmp_path, "check", "--today", TODAY, "services/shop/app/views.py")
    assert result.exit_code == 0, result.output  # 30-day sprints: expiring, not expired
    assert codes(result.output) == [("services/shop/app/views.py:5:8", "FD002")]


def test_a_project_configured_by_flagdebt_toml(run, tmp_path: Path) -> None:
    """A setup.py project keeps its config in flagdebt.toml; pre-commit passes a file from
    the repository root, and its project is found by walking up from the file."""
    project = tmp_path / "services" / "shop"
    write_tree(project, {
        "setup.py": "from setuptools import setup\nsetup(name='shop')\n",
        "flagdebt.toml": 'presets = ["django-waffle"]\n',
        "flags.toml": '[flags.new-nav]\ntype = "release"\nowner = "web"\ncreated = 2026-01-01\n'
                      "rolled_out = 2026-02-01\n",
        "shop/views.py": 'import waffle\n\nif waffle.switch_is_active("new-nav"):\n    pass\n'})
    result = run(tmp_path, "check", "--today", "2026-12-02", "services/shop/shop/views.py")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("services/shop/shop/views.py:3:4: FD001 flag 'new-nav' expired")
