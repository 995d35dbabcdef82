"""Tests for flagdebt.files: walking, excludes, .gitignore, whole-project runs, display paths."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pathspec import GitIgnoreSpec

from flagdebt import files
from flagdebt.config import Config
from flagdebt.files import compile_excludes, discover_text, is_whole_project
from flagdebt.model import FlagdebtError
from flagdebt.paths import SIMPLE_GLOB, display_path

HAS_GIT = shutil.which("git") is not None


def discover(paths: list[Path], config: Config) -> list[Path]:
    return files.discover(paths, config.root, config.excludes)


def make(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def found(root: Path, paths: list[Path] | None = None, **options: object) -> list[str]:
    config = replace(Config(root=root), **options)  # type: ignore[arg-type]
    return [display_path(path, root) for path in discover(paths or [], config)]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    make(
        tmp_path,
        "app/main.py",
        "app/types.pyi",
        "app/readme.txt",
        "app/sub/deep.py",
        "app/__pycache__/main.cpython-311.py",
        "build/lib/gen.py",
        "docs/build/conf.py",
        "x.egg-info/top.py",
        "node_modules/pkg/a.py",
        "tests/fixtures/case.py",
        "tests/test_app.py",
        "z.py",
    )
    make(tmp_path, "myenv/lib/site.py", "myenv/pyvenv.cfg")
    return tmp_path


def test_walks_python_files_sorted_and_skips_default_excludes(tree: Path) -> None:
    assert found(tree) == [
        "app/main.py",
        "app/sub/deep.py",
        "app/types.pyi",
        "tests/fixtures/case.py",
        "tests/test_app.py",
        "z.py",
    ]


def test_sorted_like_paths_not_like_strings(tmp_path: Path) -> None:
    make(tmp_path, "a-b/x.py", "a/x.py", "a.py")
    assert found(tmp_path) == ["a/x.py", "a-b/x.py", "a.py"]
    assert discover([], Config(root=tmp_path)) == sorted(discover([], Config(root=tmp_path)))


def test_returns_absolute_paths(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    paths = discover([Path("app/sub"), Path("./z.py")], Config(root=tree))
    assert paths == [tree / "app/sub/deep.py", tree / "z.py"]


def test_extend_exclude_with_a_relative_path(tree: Path) -> None:
    assert "tests/fixtures/case.py" not in found(tree, extend_exclude=("tests/fixtures/*",))
    assert "tests/test_app.py" in found(tree, extend_exclude=("tests/fixtures/*",))


def test_relative_excludes_apply_when_walking_a_subfolder(tree: Path) -> None:
    result = found(tree, [tree / "tests"], extend_exclude=("tests/fixtures/*",))
    assert result == ["tests/test_app.py"]


def test_discover_text_gives_the_same_files_as_strings(tree: Path) -> None:
    config = Config(root=tree)
    assert discover_text([str(tree)], tree, config.excludes) == [str(p) for p in discover([tree], config)]


def test_exclude_replaces_the_defaults(tree: Path) -> None:
    result = found(tree, exclude=("app/",))
    assert "build/lib/gen.py" in result
    assert "app/main.py" not in result
    assert "myenv/lib/site.py" not in result  # virtualenvs are always skipped


@pytest.mark.parametrize(
    ("globs", "kept"),
    [
        pytest.param(("*.pyi",), ["app/main.py", "app/sub/deep.py"], id="name-glob"),
        pytest.param(("sub/",), ["app/main.py", "app/types.pyi"], id="folder-name"),
        pytest.param(("/app/sub",), ["app/main.py", "app/types.pyi"], id="anchored"),
        pytest.param(("**/deep.py",), ["app/main.py", "app/types.pyi"], id="double-star"),
        pytest.param(("app/*", "!app/main.py"), ["app/main.py"], id="negation"),
        pytest.param(
            ("main.py/",),
            ["app/main.py", "app/sub/deep.py", "app/types.pyi"],
            id="folder-only",
        ),
    ],
)
def test_exclude_patterns(tree: Path, globs: tuple[str, ...], kept: list[str]) -> None:
    assert found(tree, [tree / "app"], extend_exclude=globs) == kept


def test_explicit_file_is_taken_whatever_its_suffix(tree: Path) -> None:
    assert found(tree, [tree / "app/readme.txt"]) == ["app/readme.txt"]


def test_excludes_apply_to_explicit_files(tree: Path) -> None:
    paths = [tree / "build/lib/gen.py", tree / "tests/fixtures/case.py", tree / "z.py"]
    assert found(tree, paths, extend_exclude=("tests/fixtures/*",)) == ["z.py"]


def test_excludes_apply_to_explicit_folders(tree: Path) -> None:
    assert found(tree, [tree / "node_modules/pkg"]) == []


def test_duplicates_are_dropped(tree: Path) -> None:
    paths = [tree / "app", tree / "app/main.py", tree / "app/sub/../main.py"]
    assert found(tree, paths) == ["app/main.py", "app/sub/deep.py", "app/types.pyi"]


def test_missing_paths_are_errors(tree: Path) -> None:
    with pytest.raises(FlagdebtError) as error:
        discover([Path("nope.py"), tree / "z.py", Path("gone")], Config(root=tree))
    assert str(error.value) == "path 'nope.py' does not exist\npath 'gone' does not exist"


def test_a_virtualenv_at_the_top_of_the_walk_is_walked(tmp_path: Path) -> None:
    make(tmp_path, "pyvenv.cfg", "a.py")
    assert found(tmp_path) == ["a.py"]


def test_paths_outside_the_root_match_excludes_below_themselves(tmp_path: Path) -> None:
    make(tmp_path, "elsewhere/build/x.py", "elsewhere/y.py", "project/a.py")
    result = discover([tmp_path / "elsewhere"], Config(root=tmp_path / "project"))
    assert result == [tmp_path / "elsewhere/y.py"]


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    make(tmp_path, "real/a.py")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert found(tmp_path) == ["real/a.py"]


def test_bad_exclude_pattern(tmp_path: Path) -> None:
    with pytest.raises(FlagdebtError, match="invalid exclude pattern"):
        discover([], Config(root=tmp_path, exclude=("a\\",)))


def test_excludes_are_compiled_once() -> None:
    assert compile_excludes(("build",)) is compile_excludes(("build",))


def test_explicit_files_do_not_load_pathspec(tree: Path) -> None:
    """pre-commit passes a few files; pathspec's import (~30 ms) is not needed for them."""
    code = (
        "import sys; from pathlib import Path; from flagdebt.config import load_config; "
        "from flagdebt.files import discover; "
        f"config = load_config(Path('{tree}')); "
        "discover([Path('app/main.py'), Path('z.py')], config.root, config.excludes); "
        "assert 'pathspec' not in sys.modules, 'pathspec was imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tree, check=True)


SIMPLE_GLOBS = st.text(alphabet="ab.*?/-", min_size=1, max_size=8)
NAMES = st.text(alphabet="ab.-", min_size=1, max_size=4).filter(lambda n: n not in (".", ".."))
PATHS = st.lists(NAMES, min_size=1, max_size=4)


@given(SIMPLE_GLOBS)
def test_pathspec_accepts_every_simple_glob(glob: str) -> None:
    assert SIMPLE_GLOB.fullmatch(glob)
    GitIgnoreSpec.from_lines([glob])


@given(SIMPLE_GLOBS, PATHS, st.booleans())
def test_the_needle_prefilter_never_hides_a_match(glob: str, parts: list[str], folder: bool) -> None:
    path = "/".join(parts) + ("/" if folder else "")
    expected = GitIgnoreSpec.from_lines([glob]).match_file(path)
    assert files._Glob(glob).matches(path) == expected


@given(st.lists(SIMPLE_GLOBS, min_size=1, max_size=3), PATHS, st.sampled_from([".py", ".pyi"]))
def test_excludes_that_cannot_match_a_python_file_never_do(globs: list[str], parts: list[str],
                                                           suffix: str) -> None:
    """The walk skips asking about each file when no pattern can exclude one: never wrongly."""
    excludes = compile_excludes(tuple(globs))
    parent, name = "/".join(parts[:-1]), parts[-1] + suffix
    if parent and excludes.path(parent, folder=True):
        return  # the walk never asks about a file in an excluded folder (see Excludes.file)
    if not excludes.python_files_excludable:
        assert not excludes.file(name, parent)


@pytest.mark.parametrize(("globs", "excludable"), [
    (("build", "*.egg-info", "node_modules", "docs/"), False),
    (("conftest.py",), True), (("*_pb2.py",), True), (("gen/*",), True), (("*.py[io]",), True),
    (("tests/fixtures/*.py",), True), (("x", "!keep.py"), True),
])
def test_whether_excludes_can_drop_python_files(globs: tuple[str, ...], excludable: bool,
                                                tree: Path) -> None:
    assert compile_excludes(globs).python_files_excludable is excludable


# .gitignore


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    make(
        tmp_path,
        "src/app.py",
        "src/_version.py",
        "src/new.py",
        "generated/gen.py",
        "generated/sub/gen2.py",
        "data/sub/keep.py",
        "data/sub/drop.py",
        "notes/tracked.py",
    )
    (tmp_path / ".gitignore").write_text("generated/\n_version.py\nnotes/\n")
    (tmp_path / "data" / ".gitignore").write_text("drop.py\n")
    return tmp_path


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_gitignored_files_are_skipped_in_a_repository(repo: Path) -> None:
    git(repo, "init", "-q")
    git(repo, "add", "-f", "src/app.py", "notes/tracked.py")
    assert found(repo) == [
        "data/sub/keep.py",
        "notes/tracked.py",
        "src/app.py",
        "src/new.py",
    ]


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_gitignore_is_asked_below_a_walked_subfolder(repo: Path) -> None:
    git(repo, "init", "-q")
    assert found(repo, [repo / "data"]) == ["data/sub/keep.py"]


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_an_ignored_folder_given_explicitly_is_walked(repo: Path) -> None:
    git(repo, "init", "-q")
    assert found(repo, [repo / "generated"]) == [
        "generated/gen.py",
        "generated/sub/gen2.py",
    ]


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_explicit_ignored_files_are_taken(repo: Path) -> None:
    git(repo, "init", "-q")
    assert found(repo, [repo / "src/_version.py"]) == ["src/_version.py"]


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_the_walk_skips_what_git_ignores_once_git_has_answered(repo: Path) -> None:
    git(repo, "init", "-q")
    listing = files._GitIgnored(str(repo))
    ignored = {"generated/", "notes/", "src/_version.py", "data/sub/drop.py"}
    assert listing.result() == frozenset(ignored)
    excludes = compile_excludes(Config(root=repo).excludes)
    walked = [f.rel for f in files._scan(str(repo), "", excludes, listing.ignores)]
    assert sorted(walked) == ["", "data", "data/sub", "src"]


def test_gitignore_files_are_read_outside_git(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.parent))
    assert found(repo) == ["data/sub/keep.py", "src/app.py", "src/new.py"]


def test_gitignore_negation_in_a_deeper_file_outside_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    make(tmp_path, "pkg/a_gen.py", "pkg/b_gen.py", "c_gen.py")
    (tmp_path / ".gitignore").write_text("*_gen.py\n")
    (tmp_path / "pkg" / ".gitignore").write_text("!b_gen.py\n")
    assert found(tmp_path) == ["pkg/b_gen.py"]


def test_without_git_on_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-such-bin"))
    assert found(repo) == ["data/sub/keep.py", "src/app.py", "src/new.py"]


# is_whole_project and display_path


def test_is_whole_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    assert is_whole_project([], config)
    assert is_whole_project([Path("..")], config)
    assert is_whole_project([tmp_path, Path("../")], config)
    assert not is_whole_project([Path(".")], config)
    assert not is_whole_project([tmp_path, Path(".")], config)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/srv/app/src/a.py", "src/a.py"),
        ("/srv/app", "."),
        ("/srv/other/a.py", "/srv/other/a.py"),
        ("src/a.py", "src/a.py"),
        ("../b.py", "../b.py"),
        ("/srv/application/a.py", "/srv/application/a.py"),
    ],
)
def test_display_path(path: str, expected: str) -> None:
    assert display_path(Path(path), Path("/srv/app")) == expected
    assert display_path(path, "/srv/app") == expected


def test_display_path_below_the_filesystem_root() -> None:
    assert display_path("/a.py", "/") == "a.py"


@pytest.mark.skipif(os.sep != "\\", reason="Windows only")
def test_display_path_uses_forward_slashes() -> None:  # pragma: no cover
    assert display_path(Path("C:\\w\\a\\b.py"), Path("C:\\w")) == "a/b.py"


def test_a_tagged_cache_folder_is_not_walked(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "cache/x.py", "deep/cache/y.py")
    (tmp_path / "deep" / "cache" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    assert found(tmp_path) == ["a.py", "cache/x.py"]


def test_a_nested_gitignore_applies_below_its_folder_only(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "gen.py", "sub/gen.py", "sub/keep.py", "subway/gen.py")
    (tmp_path / "sub" / ".gitignore").write_text("gen.py\n")
    assert found(tmp_path) == ["a.py", "gen.py", "sub/keep.py", "subway/gen.py"]


def test_outside_a_git_work_tree_git_is_not_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if files._in_git_work_tree(str(tmp_path)):
        pytest.skip("the temporary folder lies inside a git work tree")
    make(tmp_path, "a.py", "sub/b.py")

    def no_git(top: str) -> None:
        raise AssertionError("git was started")

    monkeypatch.setattr(files, "_GitIgnored", no_git)
    assert found(tmp_path) == ["a.py", "sub/b.py"]
    (tmp_path / ".git").mkdir()
    assert files._in_git_work_tree(str(tmp_path / "sub"))
