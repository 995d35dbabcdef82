"""Which Python files a run looks at: folders walked, excludes and .gitignore applied."""

from __future__ import annotations

import collections
import functools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.model import FlagdebtError
from flagdebt.paths import SIMPLE_GLOB, display_path

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec, Pattern

PYTHON_SUFFIXES = (".py", ".pyi")
# Read when a preset (templates, scripts) or `report` (docs) asks; see flagdebt.textfiles.
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt")
SCRIPT_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".vue")
DOC_SUFFIXES = (".md", ".rst")
# A folder holding one of these is a virtualenv or a cache (https://bford.info/cachedir/).
_NOT_SOURCE_MARKERS = frozenset({"pyvenv.cfg", "CACHEDIR.TAG"})
_PLAIN_NAME = re.compile(r"[\w.+=@,~-]+/?")
_GIT_IGNORED = (
    "git",
    "ls-files",
    "-z",
    "--others",
    "--ignored",
    "--exclude-standard",
    "--directory",
)


def discover(paths: Sequence[Path], root: Path, exclude: tuple[str, ...]) -> list[Path]:
    """The Python files under `paths` (default: `root`), sorted, without duplicates.

    `exclude` holds gitignore-style globs matched relative to `root` (Config.excludes).
    """
    return [Path(text) for text in discover_text(paths, root, exclude)]


def discover_text(
    paths: Sequence[str | os.PathLike[str]], root: str | os.PathLike[str], exclude: tuple[str, ...],
    suffixes: tuple[str, ...] = PYTHON_SUFFIXES,
) -> list[str]:
    """`discover` as absolute path strings: the same files, without building 12,000 Paths.

    `suffixes`: the file name endings a walked folder contributes (given files always count).
    """
    top = os.path.abspath(root)
    if any(not os.fspath(path) for path in paths):
        raise FlagdebtError("path '' is empty: name a file or folder ('.' for this folder)")
    targets = [os.path.abspath(path) for path in paths] or [top]
    missing = [problem for path, target in zip(paths, targets) if (problem := _missing(path, target))]
    if missing:
        raise FlagdebtError("\n".join(missing))
    excludes = compile_excludes(exclude)
    real_root = os.path.realpath(top)
    found: set[str] = set()
    for target in targets:
        below = _below(os.path.realpath(target), real_root)
        if os.path.isdir(target):
            if not below or not excludes.path(below, folder=True):
                found.update(_walk(target, below, excludes, suffixes))
        elif not excludes.path(below or os.path.basename(target), folder=False):
            found.add(target)
    # Sorted like Paths, part by part: "a/x.py" before "a.py". No path contains a NUL.
    keys = sorted(text.replace(os.sep, "\0") for text in found)
    return [key.replace("\0", os.sep) for key in keys]


def text_suffixes(presets: bool, extend_include: Sequence[str], docs: bool = False
                  ) -> tuple[str, ...]:
    """The file endings a walk collects: Python's, and those presets (templates, scripts),
    `extend-include` globs and, with `docs`, documentation ask for."""
    extra: list[str] = []
    if presets:
        extra += [*TEMPLATE_SUFFIXES, *SCRIPT_SUFFIXES]
    for glob in extend_include:
        suffix = os.path.splitext(glob.rstrip("/"))[1]
        if suffix and not re.search(r"[*?\[]", suffix):
            extra.append(suffix)
    if docs and (presets or extend_include):
        extra += DOC_SUFFIXES
    return tuple(dict.fromkeys((*PYTHON_SUFFIXES, *extra)))


def split_files(files: Sequence[str], displays: Sequence[str]
                ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Python files with their displays, and the other files as (path, display) pairs.

    What is not a regular file (an unreadable folder the walk lists) stays with the Python
    files, whose reading reports it.
    """
    python: list[str] = []
    shown: list[str] = []
    others: list[tuple[str, str]] = []
    for path, display in zip(files, displays):
        if path.endswith(PYTHON_SUFFIXES) or not os.path.isfile(path):
            python.append(path)
            shown.append(display)
        else:
            others.append((path, display))
    return python, shown, others


def _missing(path: str | os.PathLike[str], target: str) -> str | None:
    """Why a path given on the command line cannot be used, or None."""
    try:
        os.stat(target)
    except FileNotFoundError:
        return f"path '{os.fspath(path)}' does not exist"
    except OSError as error:
        return f"path '{os.fspath(path)}': {error.strerror or error}".replace(": P", ": p", 1)
    return None


def is_whole_project(paths: Sequence[Path], root: Path) -> bool:
    """True when no paths were given or they all name the project `root`."""
    resolved = root.resolve()
    return all(path.resolve() == resolved for path in paths)


def _below(path: str, root: str) -> str:
    """`path` relative to `root` with forward slashes; "" for the root or a path outside it."""
    if path == root or not path.startswith(root.rstrip(os.sep) + os.sep):
        return ""
    return os.path.relpath(path, root).replace(os.sep, "/")


class Excludes:
    """Exclude globs (gitignore syntax) matched against paths relative to the project root.

    The walk asks about an entry only once its parent folders have passed, so a pattern
    without a slash (`build`, `*.egg-info`) need only be tried on the entry's name: plain
    names are a set lookup, other such patterns are matched once per distinct name.
    Patterns with a slash are matched on the relative path. pathspec does the matching;
    it is imported only when a path contains a pattern's literal parts (see _Glob), so
    the usual run over a few files never loads it. Globs beyond SIMPLE_GLOB (negation,
    escapes, classes) go to one GitIgnoreSpec, where order matters.
    """

    def __init__(self, globs: Sequence[str]) -> None:
        self.spec = None if all(SIMPLE_GLOB.fullmatch(g) for g in globs) else _spec(globs)
        plain = [g for g in globs if _PLAIN_NAME.fullmatch(g) and g.strip("/.")]
        self.names = frozenset(g for g in plain if not g.endswith("/"))
        self.folder_names = frozenset(g.rstrip("/") for g in plain if g.endswith("/"))
        others = [_Glob(glob) for glob in globs if glob not in plain]
        self.by_name = [glob for glob in others if "/" not in glob.text.rstrip("/")]
        self.by_path = [glob for glob in others if "/" in glob.text.rstrip("/")]
        self.memo: dict[str, bool] = {}

    def folder(self, name: str, parent: str) -> bool:
        """Is folder `name` in folder `parent` (relative to the root, not excluded) excluded?"""
        if self.spec is not None:
            return self.spec.match_file(_join(parent, name) + "/")
        if name in self.folder_names or self._by_name(name + "/"):
            return True
        return bool(self.by_path) and _any_match(self.by_path, _join(parent, name) + "/")

    def file(self, name: str, parent: str) -> bool:
        """Is file `name` in folder `parent` (relative to the root, not excluded) excluded?"""
        if self.spec is not None:
            return self.spec.match_file(_join(parent, name))
        if self._by_name(name):
            return True
        return bool(self.by_path) and _any_match(self.by_path, _join(parent, name))

    def path(self, rel: str, folder: bool) -> bool:
        """Is `rel` or one of its parent folders excluded?"""
        parts = rel.split("/")
        for size in range(len(parts) - 1):
            if self.folder(parts[size], "/".join(parts[:size])):
                return True
        check = self.folder if folder else self.file
        return check(parts[-1], "/".join(parts[:-1]))

    @functools.cached_property
    def python_files_excludable(self) -> bool:
        """Could a pattern exclude a file whose name ends with `.py` or `.pyi`?

        Default excludes (`build`, `*.egg-info`, ...) cannot, so the walk need not ask
        about each of the many files; a glob ending in a wildcard always may.
        """
        if self.spec is not None:
            return True
        globs = [*self.names, *(glob.text for glob in (*self.by_name, *self.by_path))]
        return any(not glob.endswith("/") and (glob.endswith(PYTHON_SUFFIXES) or glob[-1:] in "*?]")
                   for glob in globs)

    def _by_name(self, name: str) -> bool:
        """Do the slash-free patterns exclude `name` (a folder's ends in "/")? Remembered."""
        known = self.memo.get(name)
        if known is None:
            plain = name.rstrip("/") in self.names
            known = self.memo[name] = plain or _any_match(self.by_name, name)
        return known


class _Glob:
    """One simple glob, compiled by pathspec the first time a path could match it.

    Outside `*`, `?` and `/`, a SIMPLE_GLOB matches its characters literally, so a path
    that lacks one of those literal runs cannot match, and pathspec is not asked.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.needles = tuple(part for part in re.split(r"[*?/]+", text) if part)
        self.patterns: list[Pattern] | None = None

    def matches(self, path: str) -> bool:
        """Does the glob match `path` (a folder's ends in "/")?"""
        if not all(needle in path for needle in self.needles):
            return False
        if self.patterns is None:
            from pathspec import GitIgnoreSpec

            compiled = GitIgnoreSpec.from_lines([self.text]).patterns
            self.patterns = [pattern for pattern in compiled if pattern.include]
        return any(pattern.match_file(path) is not None for pattern in self.patterns)


def _any_match(globs: Sequence[_Glob], path: str) -> bool:
    return any(glob.matches(path) for glob in globs)


def _spec(globs: Sequence[str]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    try:
        return GitIgnoreSpec.from_lines(globs)
    except ValueError as error:
        raise FlagdebtError(f"invalid exclude pattern: {error}") from None


@functools.lru_cache(maxsize=8)
def compile_excludes(globs: tuple[str, ...]) -> Excludes:
    """The Excludes for `globs`, compiled once per distinct list."""
    return Excludes(globs)


class _Folder:
    """A walked folder: its path below the walked top ("" for the top) and its Python files."""

    __slots__ = ("rel", "path", "files", "gitignore", "unreadable")

    def __init__(self, rel: str, path: str) -> None:
        self.rel = rel
        self.path = path
        self.files: list[str] = []
        self.gitignore = False
        self.unreadable = False


def _walk(top: str, below: str, excludes: Excludes,
          suffixes: tuple[str, ...] = PYTHON_SUFFIXES) -> list[str]:
    """Python files under `top`; git lists the ignored paths while Python walks the tree."""
    if not _in_git_work_tree(top):  # spares starting git (and importing subprocess)
        folders = _scan(top, below, excludes, lambda rel: False, suffixes)
        return _keep(folders, _gitignore_matcher(folders))
    git = _GitIgnored(top)
    folders = _scan(top, below, excludes, git.ignores, suffixes)
    ignored = git.result()
    if ignored is None:
        return _keep(folders, _gitignore_matcher(folders))
    return _keep(folders, ignored.__contains__ if ignored else None)


def _scan(top: str, below: str, excludes: Excludes, skip: Callable[[str], bool],
          suffixes: tuple[str, ...] = PYTHON_SUFFIXES) -> list[_Folder]:
    """Every folder under `top` that is not excluded, skipped or a virtualenv, parents first."""
    folders: list[_Folder] = []
    queue = collections.deque([_Folder("", top)])  # breadth first: git answers mid-walk,
    while queue:  # and then whole ignored subtrees are still ahead, unwalked
        folder = queue.popleft()
        if folder.rel and skip(folder.rel + "/"):
            continue
        try:
            with os.scandir(folder.path) as scan:
                parent = _join(below, folder.rel)
                subfolders = _sort_entries(folder, scan, parent, excludes, suffixes)
        except OSError:  # unreadable: listed as a file, so reading it reports why
            folder.unreadable = True
            folders.append(folder)
            continue
        if subfolders is not None:
            folders.append(folder)
            queue.extend(subfolders)
    return folders


def _sort_entries(
    folder: _Folder,
    entries: Iterator[os.DirEntry[str]],
    parent: str,
    excludes: Excludes,
    suffixes: tuple[str, ...] = PYTHON_SUFFIXES,
) -> list[_Folder] | None:
    """Collect the Python files of `folder`; its subfolders, or None for a virtualenv."""
    subfolders: list[_Folder] = []
    files = folder.files
    excluded = excludes.file if excludes.python_files_excludable else None
    for entry in entries:  # the hot loop of a walk: files first, they are most entries
        name = entry.name
        if name.endswith(PYTHON_SUFFIXES):
            try:
                regular = entry.is_file()
            except OSError:  # a symlink loop, a folder we may not enter: reading it reports why
                regular = True
            if regular and (excluded is None or not excluded(name, parent)):
                files.append(name)
        elif entry.is_dir(follow_symlinks=False):
            if not excludes.folder(name, parent):
                subfolders.append(_Folder(_join(folder.rel, name), entry.path))
        elif name.endswith(suffixes) and entry.is_file():  # templates, scripts: when asked
            if not excludes.file(name, parent):
                files.append(name)
        elif name == ".gitignore":
            folder.gitignore = True
        elif name in _NOT_SOURCE_MARKERS and folder.rel:
            return None
    return subfolders


def _keep(folders: list[_Folder], ignored: Callable[[str], bool] | None) -> list[str]:
    """Paths of the files not ignored; a folder is asked about as `rel/`."""
    unreadable = [folder.path for folder in folders if folder.unreadable]
    if ignored is None:
        return [f"{folder.path}{os.sep}{name}" for folder in folders for name in folder.files] + unreadable
    kept: list[str] = []
    dropped: set[str] = set()
    for folder in folders:
        if folder.rel and (folder.rel.rpartition("/")[0] in dropped or ignored(folder.rel + "/")):
            dropped.add(folder.rel)
            continue
        if folder.unreadable:
            kept.append(folder.path)
            continue
        prefix = folder.rel + "/" if folder.rel else ""
        kept.extend(f"{folder.path}{os.sep}{name}" for name in folder.files if not ignored(prefix + name))
    return kept


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent and name else parent or name


def _in_git_work_tree(folder: str) -> bool:
    """Could git know `folder`: a `.git` in it or above it, or git's variables set?"""
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        return True
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


class _GitIgnored:
    """The paths git ignores under a folder, listed by `git ls-files` in a background thread.

    The walk runs meanwhile and starts skipping ignored folders as soon as the list is in;
    folders walked before that are filtered afterwards.
    """

    def __init__(self, top: str) -> None:
        import threading

        self.paths: frozenset[str] | None = None
        self.done = threading.Event()
        threading.Thread(target=self._list, args=(top,), daemon=True).start()

    def _list(self, top: str) -> None:
        import subprocess

        try:
            run = subprocess.run(
                _GIT_IGNORED,
                check=False,
                cwd=top,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            if run.returncode == 0:
                listed = frozenset(os.fsdecode(p) for p in run.stdout.split(b"\0") if p)
                self.paths = None if "./" in listed else listed  # `top` itself is ignored
        except OSError:  # no git
            pass
        finally:
            self.done.set()

    def ignores(self, rel: str) -> bool:
        """True when git has answered and ignores folder `rel/` or one of its parents."""
        if not self.done.is_set() or not self.paths:
            return False
        end = rel.find("/")
        while end != -1:
            if rel[: end + 1] in self.paths:
                return True
            end = rel.find("/", end + 1)
        return False

    def result(self) -> frozenset[str] | None:
        """The ignored paths; None outside a work tree, without git, or if `top` is ignored."""
        while not self.done.wait(0.1):  # short waits: Ctrl-C is handled between them
            pass
        return self.paths


def _gitignore_matcher(folders: list[_Folder]) -> Callable[[str], bool] | None:
    """Outside git: match with the .gitignore files found in the walk, deepest first."""
    specs = {folder.rel: _read_gitignore(folder.path) for folder in folders if folder.gitignore}
    if not specs:
        return None
    # Most paths usually lie outside every folder with a .gitignore: decided by prefix.
    prefixes = tuple(f"{rel}/" if rel else "" for rel in specs)

    def ignored(rel: str) -> bool:
        if not rel.startswith(prefixes):
            return False
        parents = rel.rstrip("/").split("/")[:-1]
        for size in range(len(parents), -1, -1):
            base = "/".join(parents[:size])
            spec = specs.get(base)
            if spec is not None:
                verdict = spec.check_file(rel[len(base) + 1 :] if base else rel).include
                if verdict is not None:
                    return verdict
        return False

    return ignored


def _read_gitignore(folder: str) -> GitIgnoreSpec:
    """The patterns of a folder's .gitignore; one that is not a readable regular file (a FIFO,
    a folder, a broken link) is named in a warning on stderr and counts as empty."""
    import sys

    from pathspec import GitIgnoreSpec

    from flagdebt.fileio import read_regular
    from flagdebt.printable import printable

    path = os.path.join(folder, ".gitignore")
    try:
        text = read_regular(path).decode("utf-8", errors="replace")
    except OSError as error:
        shown = printable(display_path(path, os.getcwd()))
        sys.stderr.write(f"flagdebt: warning: {shown}: not read ({error.strerror or error}); "
                         "walking as if it were empty\n")
        return GitIgnoreSpec.from_lines([])
    lines = text.splitlines()
    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:  # git skips a bad pattern; so do we
        return GitIgnoreSpec.from_lines(line for line in lines if _valid_gitignore_line(line))


def _valid_gitignore_line(line: str) -> bool:
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True
