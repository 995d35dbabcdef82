"""Sources that read the project itself: OEP-17 annotations and git history; `init --from`."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, check_golden, write_tree

from flagdebt.config import load_config
from flagdebt.model import FlagdebtError
from flagdebt.registry import load_registry
from flagdebt.sources import SOURCES, SourceInput

TODAY = date(2026, 11, 27)
ANNOTATED = FIXTURES / "sources" / "annotations"


def test_annotations_mapping() -> None:
    records = SOURCES["annotations"].read(SourceInput("annotations", TODAY, root=ANNOTATED / "project"))
    found = {r.key: r for r in records}
    checkout = found["library.self_checkout"]
    assert (checkout.type, checkout.created, checkout.remove_by) == ("release", date(2026, 2, 3),
                                                                     date(2026, 9, 30))
    assert checkout.description == ("Lets members borrow books at the kiosk without a librarian, "
                                    "scanning their card and the book's barcode.")
    assert found["library.overdue_sms"].type == "ops"
    assert found["library.rare_books_room"].type == "permission"
    assert found["library.rare_books_room"].remove_by is None  # "None" means no date
    assert found["ENABLE_INTERLIBRARY_LOANS"].type == "ops"
    lists = found["library.reading_lists"]
    assert (lists.type, lists.created) == ("release", date(2026, 5, 20))
    assert lists.description == "Members can keep shared reading lists and follow each other's lists."
    assert lists.entry.endswith("toggles.py:52 'library.reading_lists'")


def test_annotations_import_golden(run, tmp_path: Path) -> None:
    shutil.copytree(ANNOTATED / "project", tmp_path / "project")
    registry = tmp_path / "flags.toml"
    registry.write_text('# Library flags\n\n[flags."library.overdue_sms"]\nowner = "circulation"\n',
                        encoding="utf-8")
    result = run(tmp_path, "registry", "import", "--from", "annotations", "project")
    assert result.exit_code == 0, result.output
    check_golden(ANNOTATED / "expected.toml", registry.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("folder", "message"), [
    ("bad", "annotations: bad/dates.py:4: toggle 'catalogue.fuzzy_search': '.. toggle_creation_date:' "
            "must be a date like 2026-09-01, got \"last spring\""),
    ("duplicate", "annotations: duplicate/b.py:1 'shared.toggle': duplicate key 'shared.toggle' "
                  "annotated differently at duplicate/a.py:1 'shared.toggle'"),
])
def test_annotations_bad_input(folder: str, message: str, run, tmp_path: Path) -> None:
    shutil.copytree(ANNOTATED / folder, tmp_path / folder)
    registry = tmp_path / "flags.toml"
    registry.write_text("# untouched\n", encoding="utf-8")
    result = run(tmp_path, "registry", "import", "--from", "annotations", folder)
    assert result.exit_code == 2
    assert result.output.strip() == f"flagdebt: error: {message}"
    assert registry.read_text(encoding="utf-8") == "# untouched\n"


# git


def git(repo: Path, *args: str, when: str = "2025-01-01T12:00:00+00:00", who: str = "Ada") -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=f"{who.lower()}@example.invalid",
               GIT_COMMITTER_NAME=who, GIT_COMMITTER_EMAIL=f"{who.lower()}@example.invalid",
               GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when, GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1")
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def commit(repo: Path, files: dict[str, str], when: str, who: str, remove: tuple[str, ...] = ()) -> None:
    write_tree(repo, files)
    for name in remove:
        (repo / name).unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"change by {who}", when=when, who=who)


VIEWS = "from app.flags import flag_enabled\n\n\ndef page():\n    return flag_enabled(\"alpha\")\n"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A project whose keys arrive in known commits, by known authors, on fixed dates."""
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"pyproject.toml": '[tool.flagdebt]\ncalls = ["flag_enabled"]\n',
                  "app/__init__.py": "",
                  "app/flags.py": "def flag_enabled(key):\n    return False\n",
                  "app/views.py": VIEWS + "# beta comes later, gamma too\n"},
           "2025-01-10T09:00:00+00:00", "Ada")
    commit(repo, {"app/views.py": VIEWS + "\n\ndef basket():\n    return flag_enabled('beta')\n",
                  "README.md": 'flag "delta" is documented before any code reads it\n'},
           "2025-03-05T23:30:00-05:00", "Ben Okoro")
    moved = (repo / "app/views.py").read_text()
    commit(repo, {"app/pages.py": moved}, "2025-04-01T10:00:00+00:00", "Cy", remove=("app/views.py",))
    commit(repo, {"app/keys.py": 'GAMMA = "gamma"\nDELTA = "delta"\n'}, "2025-06-01T10:00:00+00:00", "Dee")
    commit(repo, {"app/more.py": "from app.flags import flag_enabled\nfrom app.keys import GAMMA, DELTA\n\n"
                                 "def f():\n    return flag_enabled(GAMMA) or flag_enabled(DELTA)\n"},
           "2025-08-15T10:00:00+00:00", "Eve")
    return repo


def test_git_first_commit_per_key(history: Path) -> None:
    config = load_config(history, None)
    records = SOURCES["git"].read(SourceInput("git", TODAY, root=history, config=config))
    found = {r.key: (r.created, r.owner) for r in records}
    assert found == {
        "alpha": (date(2025, 1, 10), "Ada"),
        "beta": (date(2025, 3, 5), "Ben Okoro"),  # the author's own calendar day
        "gamma": (date(2025, 6, 1), "Dee"),  # the constant that the read uses
        "delta": (date(2025, 6, 1), "Dee"),  # README.md is not Python code
    }


def test_git_import_fills_only_missing_created(history: Path, run) -> None:
    registry = history / "flags.toml"
    registry.write_text('[flags.alpha]\ntype = "release"\nowner = "web"\ncreated = 2024-12-24\n\n'
                        '[flags.beta]\ntype = "release"  # reviewed\nowner = "basket"\n',
                        encoding="utf-8")
    result = run(history, "registry", "import", "--from", "git")
    assert result.exit_code == 0, result.output
    assert registry.read_text(encoding="utf-8").startswith(
        '[flags.alpha]\ntype = "release"\nowner = "web"\ncreated = 2024-12-24\n\n'
        '[flags.beta]\ntype = "release"  # reviewed\nowner = "basket"\ncreated = 2025-03-05\n')
    flags = load_registry(registry).flags
    assert (flags["gamma"].created, flags["gamma"].owner) == (date(2025, 6, 1), "Dee")
    assert "left alone 'beta' owner: flags.toml has \"basket\", git has \"Ben Okoro\"" in result.output


def test_git_refuses_a_shallow_clone(history: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history}", str(clone))
    with pytest.raises(FlagdebtError, match="shallow clone"):
        SOURCES["git"].read(SourceInput("git", TODAY, root=clone, config=load_config(clone, None)))


def test_git_outside_a_repository(tmp_path: Path, run) -> None:
    write_tree(tmp_path, {"app.py": 'flag_enabled("x")\n'})
    result = run(tmp_path, "registry", "import", "--from", "git", "--registry", "flags.toml")
    assert result.exit_code == 2
    assert result.output.startswith("flagdebt: error: git: ") and "not a git repository" in result.output
    assert not (tmp_path / "flags.toml").exists()


def _is_full_clone() -> bool:
    try:
        shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return shallow == "false"


@pytest.mark.skipif(not _is_full_clone(), reason="needs this repository's full git history")
def test_git_on_this_repository() -> None:
    """examples/shop's keys: dates as `git log -S` over the quoted key gives them."""
    shop = ROOT / "examples" / "shop"
    records = SOURCES["git"].read(SourceInput("git", TODAY, root=shop, config=load_config(shop, None)))
    assert {"new-checkout", "search-v2", "payments-kill-switch"} <= {r.key for r in records}
    for record in records:
        firsts = []
        for quoted in (f'"{record.key}"', f"'{record.key}'"):
            out = subprocess.run(["git", "log", "--reverse", "--no-merges", "--format=%aI %an",
                                  f"-S{quoted}", "--", "*.py"], cwd=shop, capture_output=True,
                                 text=True, check=True).stdout.splitlines()
            firsts += out[:1]
        first = min(firsts)
        assert (str(record.created), record.owner) == (first[:10], first[26:]), record.key


# init --from


def test_init_from_waffle(run, tmp_path: Path) -> None:
    calls = '[tool.flagdebt]\ncalls = [{ name = "waffle.flag_is_active", arg = 1 }]\n'
    write_tree(tmp_path, {"pyproject.toml": calls,
                          "blog/views.py": "import waffle\n\ndef post(request):\n"
                                           "    return waffle.flag_is_active(request, 'new_editor') "
                                           "or waffle.flag_is_active(request, 'dark_comments')\n"})
    dump = FIXTURES / "sources" / "django-waffle" / "dump.json"
    result = run(tmp_path, "init", "--from", "django-waffle", str(dump))
    assert result.exit_code == 0, result.output
    assert "Filled 5 flags from django-waffle (4 not read in the code)." in result.output
    text = (tmp_path / "flags.toml").read_text(encoding="utf-8")
    assert ('[flags.new_editor]\ntype = "release"\ncreated = 2026-01-10\n'
            'description = "Rich text editor for posts"\nrolled_out = 2026-03-03\n# TODO: owner\n'
            '# read at blog/views.py:4 (post)\n') in text
    assert '[flags.dark_comments]\ntype = "release"  # TODO: review' in text
    assert "[flags.legacy_import]" in text and "# not read in the code" in text
    assert set(load_registry(tmp_path / "flags.toml").flags) >= {"new_editor", "dark_comments"}


def test_init_from_git_fills_created(history: Path, run) -> None:
    result = run(history, "init", "--from", "git")
    assert result.exit_code == 0, result.output
    flags = load_registry(history / "flags.toml").flags
    assert {key: flag.created for key, flag in flags.items()} == {
        "alpha": date(2025, 1, 10), "beta": date(2025, 3, 5), "gamma": date(2025, 6, 1),
        "delta": date(2025, 6, 1)}
    assert "TODO: owner" not in (history / "flags.toml").read_text(encoding="utf-8")


def test_init_from_a_file_source_needs_the_file(run, tmp_path: Path) -> None:
    result = run(tmp_path, "init", "--from", "django-waffle")
    assert result.exit_code == 2
    assert not (tmp_path / "flags.toml").exists()
