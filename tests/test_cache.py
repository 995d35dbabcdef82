"""The result cache: same results with and without it, invalidation, faults, `flagdebt clean`."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
import time
from dataclasses import make_dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, write_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from test_scanner import CASES, ENGINE_SOURCES, PATTERNS

from flagdebt import cache as cache_module
from flagdebt import project as project_module
from flagdebt import scanner
from flagdebt.cache import (
    CACHE_DIR_ENV,
    CACHE_DIR_NAME,
    FORMAT,
    ScanCache,
    cache_folder,
    clean_cache,
    fingerprint,
    open_cache,
    project_cache,
)
from flagdebt.config import Config, parse_call_pattern
from flagdebt.project import ProjectIndex
from flagdebt.scanner import ScanResult, scan_paths

TODAY = "2026-11-27"
OLD = time.time() - 3600  # older than the racy window: such files are cached

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
        "    if flag_enabled(\"new-chekout\"):  # flagdebt: ignore[FD001] -- later\n"
        "        return 3\n"
        "    return 2\n"
    ),
    "app/broken.py": "def f(:\n    flag_enabled('x')\n",
    "app/other.py": "x = 1  # flagdebt: ignore\n",
    "app/plain.py": "x = 1\n",
}


def age(root: Path) -> None:
    """Give every file an mtime an hour ago, as files of a real checkout have."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))


def project(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    root = write_tree(tmp_path / "project", files or PROJECT)
    age(root)
    return root


def scan(root: Path, config: Config, cache: ScanCache | None) -> ScanResult:
    files = sorted(str(path) for path in root.rglob("*.py") if CACHE_DIR_NAME not in path.parts)
    displays = [os.path.relpath(path, root) for path in files]
    result = scan_paths(files, displays, config.calls, ProjectIndex([root]), jobs=1, cache=cache)
    if cache is not None:
        cache.save(True)
    return result


def same(one: ScanResult, other: ScanResult) -> bool:
    return (one.sites, one.suppressions, one.errors, one.files_scanned) == (
        other.sites, other.suppressions, other.errors, other.files_scanned)


# ---------------------------------------------------------------- identical results


def scanner_cases() -> dict[str, str]:
    files = {f"cases/{name.replace('-', '_')}.py": source for name, (source, _) in CASES.items()}
    for number, path in enumerate(ENGINE_SOURCES):
        files[f"sources/s{number:03}.py"] = path.read_text(encoding="utf-8")
    files["sources/latin.py"] = "# -*- coding: latin-1 -*-\nflag_enabled('caf\xe9')\n"
    files["sources/undecodable.py"] = "flag_enabled('a')\n"
    return files


def test_scanner_cases_give_the_same_results_with_and_without_the_cache(tmp_path: Path) -> None:
    root = project(tmp_path, scanner_cases())
    (root / "sources" / "undecodable.py").write_bytes(b"flag_enabled('\xff')\n")
    (root / "sources" / "latin.py").write_bytes("flag_enabled('caf\xe9')\n".encode("latin-1"))
    age(root)
    config = replace(Config(root=root), calls=PATTERNS)
    uncached = scan(root, config, None)
    assert len(uncached.sites) > 100 and uncached.errors  # the cases do find things
    cold = scan(root, config, project_cache(config))
    assert (root / CACHE_DIR_NAME).is_dir()
    warm = scan(root, config, project_cache(config))
    assert same(uncached, cold) and same(uncached, warm)


def test_a_warm_run_reads_no_unchanged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    cold = scan(root, config, project_cache(config))

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was scanned")

    monkeypatch.setattr(scanner, "scan_file", fail)
    warm = scan(root, config, project_cache(config))
    assert same(cold, warm) and warm.sites


def test_a_changed_file_is_scanned_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    scan(root, config, project_cache(config))
    views = root / "app" / "views.py"
    views.write_text(views.read_text().replace("new-checkout", "old-checkout"))  # same size
    os.utime(views, (OLD + 5, OLD + 5))
    keys = {site.key for site in scan(root, config, project_cache(config)).sites}
    assert keys == {"old-checkout", "new-chekout"}


def test_a_new_package_marker_changes_the_module_and_the_result(tmp_path: Path) -> None:
    files = {
        "pkg/names.py": 'NEW = "from-names"\n',
        "pkg/sub/views.py": "from ..names import NEW\nflag_enabled(NEW)\n",
    }
    root = project(tmp_path, files)
    config = Config(root=root)
    before = scan(root, config, project_cache(config))
    write_tree(root, {"pkg/__init__.py": "", "pkg/sub/__init__.py": ""})
    age(root)
    project_module._is_package_dir.cache_clear()  # a new process starts without them
    project_module._import_root.cache_clear()
    after = scan(root, config, project_cache(config))
    assert same(after, scan(root, config, None))
    assert [site.key for site in before.sites] != [site.key for site in after.sites]


def test_a_file_changed_within_the_racy_window_is_not_cached(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"a.py": "flag_enabled('a')\n"})
    config = Config(root=root)
    scan(root, config, project_cache(config))
    assert project_cache(config).trusted() == {}


# ---------------------------------------------------------------- the fingerprint


def test_fingerprint_follows_the_scanning_settings_only(tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    assert fingerprint(config) == fingerprint(Config(root=tmp_path))
    assert fingerprint(config) != fingerprint(replace(config, calls=(parse_call_pattern("on"),)))
    rules_only = replace(config, select=("FD001",), ignore=("FD002",), sprint_days=7,
                         registry=tmp_path / "other.toml", exclude=("x",))
    assert fingerprint(config) == fingerprint(rules_only)


def test_fingerprint_counts_config_fields_added_later(tmp_path: Path) -> None:
    extended = make_dataclass("Extended", [("presets", frozenset, frozenset())], bases=(Config,),
                              frozen=True)
    one = extended(root=tmp_path, presets=frozenset({"waffle", "launchdarkly"}))
    other = extended(root=tmp_path, presets=frozenset({"waffle"}))
    assert fingerprint(one) != fingerprint(other)
    assert fingerprint(one) == fingerprint(extended(root=tmp_path, presets=frozenset({"launchdarkly",
                                                                                      "waffle"})))


def test_another_fingerprint_uses_another_cache_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    scan(root, config, project_cache(config))
    other = replace(config, calls=(parse_call_pattern("has_feature"),))
    assert project_cache(other).trusted() == {}
    assert project_cache(config).trusted()


# ---------------------------------------------------------------- where it lives


def test_cache_folder_from_env_then_config_then_default(tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    assert cache_folder(config, {}) == tmp_path / CACHE_DIR_NAME
    configured = replace(config, cache_dir=tmp_path / "caches")
    assert cache_folder(configured, {}) == tmp_path / "caches"
    assert cache_folder(configured, {CACHE_DIR_ENV: str(tmp_path / "env")}) == tmp_path / "env"


def test_cache_dir_is_read_from_pyproject_relative_to_it(run, tmp_path: Path) -> None:
    files = {**PROJECT, "pyproject.toml": '[tool.flagdebt]\ncache-dir = "build/fd"\n'}
    root = project(tmp_path, files)
    result = run(root / "app", "check", "--today", TODAY)
    assert result.exit_code == 1
    assert list((root / "build" / "fd").glob("scan-*.marshal"))
    assert not (root / CACHE_DIR_NAME).exists() and not (root / "app" / CACHE_DIR_NAME).exists()


def test_cache_dir_must_be_a_path(run, tmp_path: Path) -> None:
    root = project(tmp_path, {**PROJECT, "pyproject.toml": "[tool.flagdebt]\ncache-dir = 3\n"})
    result = run(root, "check", "--today", TODAY)
    assert result.exit_code == 2
    assert "pyproject.toml:2: [tool.flagdebt] 'cache-dir': must be a path to a folder" in result.output


def test_env_variable_moves_the_cache(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    run(root, "check", "--today", TODAY)
    assert list((tmp_path / "elsewhere").glob("scan-*.marshal"))
    assert not (root / CACHE_DIR_NAME).exists()


def test_cache_folder_ignores_itself_and_is_tagged(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    run(root, "check", "--today", TODAY)
    folder = root / CACHE_DIR_NAME
    assert (folder / ".gitignore").read_text() == "*\n"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_no_cache_neither_reads_nor_writes(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    first = run(root, "check", "--today", TODAY, "--no-cache")
    assert not (root / CACHE_DIR_NAME).exists()
    run(root, "check", "--today", TODAY)
    for file in (root / CACHE_DIR_NAME).glob("scan-*"):
        file.write_bytes(marshal.dumps((FORMAT, "x", {})))
    assert run(root, "check", "--today", TODAY, "--no-cache").output == first.output


def test_warm_cold_and_uncached_checks_print_the_same(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    outputs = [run(root, "check", "--today", TODAY, "--format", "json", *extra).output
               for extra in ((), (), ("--no-cache",), ("app/views.py",), ("app/views.py", "--no-cache"))]
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[3] == outputs[4]
    assert {f["code"] for f in json.loads(outputs[0])["findings"]} >= {"FD001", "FD003", "FD900"}


def test_a_partial_run_keeps_the_other_entries(tmp_path: Path) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    scan(root, config, project_cache(config))
    before = project_cache(config).trusted()
    one = str(root / "app" / "plain.py")
    partial = project_cache(config)
    scan_paths([one], ["plain.py"], config.calls, ProjectIndex([root]), jobs=1, cache=partial)
    partial.save(False)
    assert project_cache(config).trusted() == before


# ---------------------------------------------------------------- faults


def cache_files(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR_NAME).glob("scan-*.marshal"))


def garble(file: Path, how: str) -> None:
    data = file.read_bytes()
    if how == "truncated":
        file.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        file.write_bytes(os.urandom(len(data)))
    elif how == "empty":
        file.write_bytes(b"")
    elif how == "foreign-version":
        file.write_bytes(marshal.dumps(("flagdebt-scan-cache/0", *marshal.loads(data)[1:])))
    elif how == "bad-entries":
        _, fingerprint_text, keys, starts, stamps, payloads = marshal.loads(data)
        stamps = [str(stamp) if n % 3 == 0 else stamp for n, stamp in enumerate(stamps)]
        broken = [("zz", [1]), [1, 2], (None, ("c", "NoSuchClass", [])), (None, ("c", "FileScan", [1]))]
        payloads = {key: broken[n % len(broken)] for n, key in enumerate(payloads)}
        file.write_bytes(marshal.dumps((FORMAT, fingerprint_text, keys, starts, stamps, payloads)))
    elif how == "mismatched-lists":
        _, fingerprint_text, keys, starts, stamps, payloads = marshal.loads(data)
        file.write_bytes(marshal.dumps((FORMAT, fingerprint_text, keys, starts, stamps[1:], payloads)))
    elif how == "not-a-tuple":
        file.write_bytes(marshal.dumps([1, 2, 3]))
    elif how == "bytes-in-a-flipped-middle":
        middle = len(data) // 2
        file.write_bytes(data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 64])
                         + data[middle + 64:])


FAULTS = ["truncated", "garbage", "empty", "foreign-version", "bad-entries", "mismatched-lists",
          "not-a-tuple",
          "bytes-in-a-flipped-middle"]


@pytest.mark.parametrize("how", FAULTS)
def test_a_damaged_cache_is_ignored_and_rewritten(run, tmp_path: Path, how: str) -> None:
    root = project(tmp_path)
    expected = run(root, "check", "--today", TODAY, "--no-cache").output
    run(root, "check", "--today", TODAY)
    [file] = cache_files(root)
    garble(file, how)
    result = run(root, "check", "--today", TODAY)
    assert result.output == expected  # click's runner mixes stderr in: nothing else was said
    [rewritten] = cache_files(root)
    assert marshal.loads(rewritten.read_bytes())[0] == FORMAT
    assert run(root, "check", "--today", TODAY).output == expected


def check_process(root: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "flagdebt", "check", "--today", TODAY, "--format", "json"]
    return subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def test_damaged_cache_and_two_checks_at_once(run, tmp_path: Path) -> None:
    files = {**PROJECT, **{f"app/m{n:03}.py": f"flag_enabled('k{n % 7}')\n" if n % 3 == 0 else "x = 1\n"
                           for n in range(120)}}
    root = project(tmp_path, files)
    expected = run(root, "check", "--today", TODAY, "--format", "json", "--no-cache").output
    for how in ("truncated", "garbage", "bad-entries", None):
        run(root, "check", "--today", TODAY)
        if how is not None:
            garble(cache_files(root)[0], how)
        processes = [check_process(root) for _ in range(2)]
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 1, err
            assert (out, err) == (expected, "")
        assert not list((root / CACHE_DIR_NAME).glob("*.tmp"))
        [file] = cache_files(root)
        assert marshal.loads(file.read_bytes())[0] == FORMAT


def test_an_unwritable_cache_folder_is_silent(run, tmp_path: Path) -> None:
    files = {**PROJECT, "pyproject.toml": '[tool.flagdebt]\ncache-dir = "blocker/cache"\n'}
    root = project(tmp_path, files)
    (root / "blocker").write_text("a file where the cache folder's parent should be")
    expected = run(root, "check", "--today", TODAY, "--no-cache").output
    result = run(root, "check", "--today", TODAY)
    assert result.output == expected and result.exit_code == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_project_runs_without_a_cache(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    expected = run(root, "check", "--today", TODAY, "--no-cache").output
    for folder in (root / "app", root):
        folder.chmod(0o555)
    try:
        result = run(root, "check", "--today", TODAY)
    finally:
        for folder in (root, root / "app"):
            folder.chmod(0o755)
    assert result.output == expected
    assert not (root / CACHE_DIR_NAME).exists()


def test_save_writes_through_a_temporary_file_and_a_rename(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str | Path, target: str | Path) -> None:
        renames.append((Path(source).name, Path(target).name))
        assert Path(source).is_file() and Path(source).parent == Path(target).parent
        real_replace(source, target)

    monkeypatch.setattr(cache_module.os, "replace", spy)
    scan(root, config, project_cache(config))
    [(temporary, final)] = renames
    assert temporary.startswith(final) and temporary.endswith(".tmp")


def test_an_unreadable_file_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    views = str(root / "app" / "views.py")
    real_read = scanner.read_regular

    def deny(path: str) -> bytes:
        if path == views:
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(scanner, "read_regular", deny)
    denied = scan(root, config, project_cache(config))
    monkeypatch.undo()
    assert [error.path for error in denied.errors] == ["app/broken.py", "app/views.py"]
    assert "app/views.py" not in project_cache(config).trusted()
    assert len(scan(root, config, project_cache(config)).errors) == 1


def test_open_cache_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert open_cache(tmp_path / "nothing", tmp_path, "x").trusted() == {}


# ---------------------------------------------------------------- flagdebt clean


def test_clean_removes_the_cache(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    run(root, "check", "--today", TODAY)
    assert (root / CACHE_DIR_NAME).is_dir()
    result = run(root, "clean")
    assert result.exit_code == 0 and result.output == f"Removed {CACHE_DIR_NAME}.\n"
    assert not (root / CACHE_DIR_NAME).exists()
    assert run(root, "clean").output == f"No cache in {CACHE_DIR_NAME}.\n"


def test_clean_leaves_files_it_did_not_write(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    write_tree(folder, {"notes.txt": "mine", ".gitignore": "build/\n", "scan-1-2.marshal": ""})
    removed = clean_cache(folder)
    assert [path.name for path in removed] == ["scan-1-2.marshal"]
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "notes.txt"]


# ---------------------------------------------------------------- the parsed registry


def test_registry_is_answered_from_the_cache_while_unchanged(tmp_path: Path) -> None:
    from flagdebt.cache import cached_registry
    from flagdebt.registry import load_registry

    root = project(tmp_path)
    config = Config(root=root)
    path = root / "flags.toml"
    first = cached_registry(config, path, "flags.toml", load_registry)
    assert first == load_registry(path, "flags.toml")

    def fail(path: Path, display: str) -> None:
        raise AssertionError("flags.toml was parsed again")

    again = cached_registry(config, path, "shown/flags.toml", fail)  # type: ignore[arg-type]
    assert again.flags == first.flags and again.path == "shown/flags.toml"
    path.write_text(path.read_text().replace("payments", "growth"))
    os.utime(path, (OLD + 9, OLD + 9))
    changed = cached_registry(config, path, "flags.toml", load_registry)
    assert changed.flags["new-checkout"].owner == "growth"
    for file in (root / CACHE_DIR_NAME).glob("registry-*"):
        file.write_bytes(b"\x00garbage")
    assert cached_registry(config, path, "flags.toml", load_registry) == changed


def test_every_field_of_a_flag_comes_back_from_the_cache(tmp_path: Path) -> None:
    from flagdebt.cache import cached_registry
    from flagdebt.registry import load_registry

    root = project(tmp_path, {**PROJECT, "flags.toml": """\
[flags.full]
type = "release"
owner = "payments"
description = "every field set"
created = 2026-01-02
rolled_out = 2026-02-03
remove_by = 2026-04-05
archived = 2026-05-06
aliases = ["full-old", "FULL"]

[flags.bare]
type = "ops"
owner = "sre"
created = 2025-12-31
rolled_back = 2026-01-01
"""})
    path = root / "flags.toml"
    os.utime(path, (OLD, OLD))
    loaded = load_registry(path, "flags.toml")
    assert cached_registry(Config(root=root), path, "flags.toml", load_registry) == loaded
    assert list((root / CACHE_DIR_NAME).glob("registry-*"))

    def fail(path: Path, display: str) -> None:
        raise AssertionError("flags.toml was parsed again")

    again = cached_registry(Config(root=root), path, "flags.toml", fail)  # type: ignore[arg-type]
    assert again == loaded and again.flags["full"].archived == date(2026, 5, 6)
    assert list(again.flags) == ["full", "bare"]


def test_a_registry_with_problems_is_reported_on_every_run(run, tmp_path: Path) -> None:
    files = {**PROJECT, "flags.toml": PROJECT["flags.toml"] + "colour = \"blue\"\n"}
    root = project(tmp_path, files)
    for _ in range(2):
        result = run(root, "check", "--today", TODAY)
        assert result.exit_code == 2 and "unknown field 'colour'" in result.output
    assert not list((root / CACHE_DIR_NAME).glob("registry-*"))


def test_editing_the_registry_changes_the_next_warm_check(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    before = run(root, "check", "--today", TODAY, "--format", "json").output
    registry = root / "flags.toml"
    registry.write_text(registry.read_text() + '\n[flags.new-chekout]\ntype = "ops"\nowner = "x"\n'
                        "created = 2026-06-01\n")
    os.utime(registry, (OLD + 9, OLD + 9))
    after = run(root, "check", "--today", TODAY, "--format", "json").output
    assert after == run(root, "check", "--today", TODAY, "--format", "json", "--no-cache").output
    assert "new-chekout' is not in the registry" in before and "is not in the registry" not in after


def test_check_never_imports_libcst_and_a_warm_run_parses_nothing(tmp_path: Path) -> None:
    """(A file Python cannot parse is tried with libcst's newer grammars: none here.)"""
    root = project(tmp_path, {name: text for name, text in PROJECT.items() if name != "app/broken.py"})
    code = (
        "import sys; from flagdebt.cli import main; "
        "code = main(['check', '--today', '2026-11-27', '--output', 'report.txt']); "
        "assert 'libcst' not in sys.modules, 'libcst was imported'; "
        "print(code, 'flagdebt.astscan' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = [subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                           env=env, check=True).stdout.split() for _ in range(2)]
    assert runs == [["1", "True"], ["1", "False"]]


def test_old_cache_files_of_a_root_are_dropped(tmp_path: Path) -> None:
    root = project(tmp_path)
    config = Config(root=root)
    for number in range(cache_module.KEEP + 2):
        other = replace(config, calls=(parse_call_pattern(f"flag_{number}"),))
        scan(root, other, project_cache(other))
        os.utime(project_cache(other).file, (OLD + number, OLD + number))
    scan(root, config, project_cache(config))
    files = cache_files(root)
    assert len(files) == cache_module.KEEP
    assert project_cache(config).file in files


def test_a_cache_written_from_the_root_serves_a_run_from_a_subfolder(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    run(root, "check", "--today", TODAY)
    from_app = run(root / "app", "check", "--today", TODAY, "--format", "json").output
    assert from_app == run(root / "app", "check", "--today", TODAY, "--format", "json",
                           "--no-cache").output
    assert '"path": "views.py"' in from_app


# ---------------------------------------------------------------- a run on a few files


def scan_some(root: Path, config: Config, names: list[str], cache: ScanCache | None) -> ScanResult:
    files = [str(root / name) for name in names]
    result = scan_paths(files, names, config.calls, ProjectIndex([root]), jobs=1, cache=cache)
    if cache is not None:
        cache.save(False)
    return result


def test_a_run_on_a_few_files_answers_from_the_cache_without_reading_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"pkg/m{n:03}.py": f"flag_enabled('key-{n}')\n" for n in range(200)}
    root = project(tmp_path, {**files, "pkg/__init__.py": ""})
    config = Config(root=root)
    scan(root, config, project_cache(config))
    written = next((root / CACHE_DIR_NAME).glob("scan-*.marshal")).stat().st_mtime_ns
    names = ["pkg/m007.py", "pkg/m150.py"]
    uncached = scan_some(root, config, names, None)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was scanned")

    with monkeypatch.context() as patched:
        patched.setattr(scanner, "scan_file", fail)
        cached = scan_some(root, config, names, project_cache(config))
    assert same(uncached, cached) and [site.key for site in cached.sites] == ["key-7", "key-150"]
    assert next((root / CACHE_DIR_NAME).glob("scan-*.marshal")).stat().st_mtime_ns == written


def test_a_run_on_a_few_files_rescans_a_changed_one_and_keeps_the_others_entries(tmp_path: Path) -> None:
    files = {f"pkg/m{n:03}.py": f"flag_enabled('key-{n}')\n" for n in range(200)}
    root = project(tmp_path, {**files, "pkg/__init__.py": ""})
    config = Config(root=root)
    whole = scan(root, config, project_cache(config))
    changed = root / "pkg" / "m010.py"
    changed.write_text("flag_enabled('renamed')\n")
    os.utime(changed, (OLD + 5, OLD + 5))
    some = scan_some(root, config, ["pkg/m010.py", "pkg/m011.py"], project_cache(config))
    assert [site.key for site in some.sites] == ["renamed", "key-11"]
    trusted = project_cache(config).trusted()
    assert len(trusted) == len(project_cache(config).keys) == 201  # nothing else was lost
    again = scan(root, config, project_cache(config))
    assert len(again.sites) == len(whole.sites) and "renamed" in {site.key for site in again.sites}


def test_a_path_that_is_a_prefix_of_a_stored_one_is_not_taken_for_it(tmp_path: Path) -> None:
    files = {f"pkg/m{n:03}.py": "x = 1\n" for n in range(200)}
    files["pkg/a.py"] = "flag_enabled('short')\n"
    files["pkg/a.py.py"] = "flag_enabled('long')\n"
    root = project(tmp_path, files)
    config = Config(root=root)
    scan(root, config, project_cache(config))
    for name, key in (("pkg/a.py", "short"), ("pkg/a.py.py", "long")):
        some = scan_some(root, config, [name], project_cache(config))
        assert [site.key for site in some.sites] == [key]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[a-c._-]{1,3}(/[a-c._-]{1,3}){0,2}\.py", fullmatch=True),
                min_size=1, max_size=40, unique=True),
       st.lists(st.from_regex(r"[a-c._-]{1,3}(/[a-c._-]{1,3}){0,2}\.py", fullmatch=True), max_size=5),
       st.booleans())
def test_a_few_paths_are_found_by_bisection_or_search(stored: list[str], asked: list[str],
                                                       shuffled: bool) -> None:
    """The stored stamp of each path, whatever the order the paths were stored in."""
    keys = sorted(stored, key=lambda key: key.replace("/", "\0"))
    if shuffled:
        keys.reverse()  # not walk order: found by the search of the joined text
    stamps = [number * 7 + 1 for number in range(len(keys))]
    entries = (cache_module._join(keys), cache_module._key_starts(keys), stamps, {})
    scan_cache = cache_module.ScanCache(Path("unused"), "x", Path("/nowhere"), entries)
    for key in [*keys, *asked]:
        expected = stamps[keys.index(key)] if key in keys else None
        assert scan_cache._stored_stamp(key) == expected


# ------------------------------------------------------- what pyproject.toml holds for us


def test_a_warm_check_reads_pyproject_from_the_copy_beside_the_cache(run, tmp_path: Path) -> None:
    from flagdebt import config as config_module

    files = {**PROJECT, "pyproject.toml": "[project]\nrequires-python = '>=3.10'\n\n"
                                          "[tool.flagdebt]\nextend-exclude = ['app/other.py']\n"}
    root = project(tmp_path, files)
    first = run(root, "check", "--today", TODAY, "--format", "json").output
    assert [path.name for path in (root / CACHE_DIR_NAME).glob("config-*")]

    def unparsed(text: str, display: str) -> None:
        raise AssertionError("pyproject.toml was parsed again")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config_module, "parse_toml", unparsed)
        assert run(root, "check", "--today", TODAY, "--format", "json").output == first
        loaded = config_module.load_config(root, memo=True)
    assert loaded.extend_exclude == ("app/other.py",) and loaded.target_version == (3, 10)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("other", "plain"))  # same size
    assert config_module.load_config(root, memo=True).extend_exclude == ("app/plain.py",)


def test_no_copy_of_pyproject_without_the_cache_or_where_cache_dir_points(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    run(root, "check", "--today", TODAY, "--no-cache")
    assert not (root / CACHE_DIR_NAME).exists()
    (root / "pyproject.toml").write_text("[tool.flagdebt]\ncache-dir = 'elsewhere'\n")
    run(root, "check", "--today", TODAY)
    assert not (root / CACHE_DIR_NAME).exists()
    assert not list((root / "elsewhere").glob("config-*"))
    (root / "pyproject.toml").write_text("[tool.flagdebt]\nexclude = ['x']\nwhen = 2026-01-01\n")
    result = run(root, "check", "--today", TODAY)  # a date cannot be stored: read every time
    assert result.exit_code == 2 and "when" in result.output
    assert not list((root / CACHE_DIR_NAME).glob("config-*"))


def test_a_corrupt_copy_of_pyproject_is_parsed_again_and_clean_removes_it(run, tmp_path: Path) -> None:
    root = project(tmp_path)
    expected = run(root, "check", "--today", TODAY).output
    (copy,) = (root / CACHE_DIR_NAME).glob("config-*")
    for garbage in (b"", b"\x00garbage", marshal.dumps(("key", b"x", {}))):
        copy.write_bytes(garbage)
        assert run(root, "check", "--today", TODAY).output == expected
    assert copy in clean_cache(root / CACHE_DIR_NAME)
