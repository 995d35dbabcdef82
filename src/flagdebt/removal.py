"""`flagdebt remove` and `fix` on files: find the files that can hold a flag, rewrite, write atomically."""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flagdebt.codemod import CannotRewrite, Skip, rewrite_source
from flagdebt.flagcall import trigger_names
from flagdebt.model import CallPattern
from flagdebt.project import ProjectIndex, module_of
from flagdebt.scanner import decode_source


@dataclass(frozen=True)
class Source:
    """A file's text and how to write it back byte-faithfully."""

    path: Path
    display: str
    text: str
    encoding: str
    bom: bool


@dataclass
class Change:
    """One file the removal rewrites."""

    source: Source
    after: str
    removed: int
    skipped: list[Skip] = field(default_factory=list)


@dataclass
class Removal:
    """Everything a removal run did or would do."""

    changes: list[Change] = field(default_factory=list)
    skipped: list[tuple[str, Skip]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return sum(change.removed for change in self.changes)


def read_source(path: Path, display: str) -> Source:
    """Read and decode a Python file, remembering its encoding and BOM."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = decode_source(data)
    encoding = "utf-8"
    if not bom and any(b"coding" in line for line in data.split(b"\n", 2)[:2]):
        import io
        import tokenize

        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    return Source(path, display, text, encoding, bom)


def _containing(files: Sequence[tuple[Path, str]], needles: Iterable[str]) -> list[tuple[Path, str]]:
    wanted = [needle.encode() for needle in needles]
    found = []
    for path, display in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if any(needle in data for needle in wanted):
            found.append((path, display))
    return found


def _key_constants(files: Sequence[tuple[Path, str]], keys: set[str]) -> set[str]:
    """Names of module constants and class attributes (last part) that hold one of the keys."""
    import ast

    from flagdebt.astscan import module_constants

    names: set[str] = set()
    for path, _ in files:
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        names.update(name.rsplit(".", 1)[-1] for name, value in module_constants(tree).items()
                     if value in keys)
    return names


def remove_flags(files: Sequence[Path], displays: Sequence[str], values: Mapping[str, bool],
                 aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                 index: ProjectIndex) -> Removal:
    """Rewrite every file that reads one of the flags; nothing is written here."""
    pairs = list(zip(files, displays))
    spellings = {*values, *(name for names in aliases.values() for name in names)}
    spellings |= {name.rsplit(".", 1)[-1] for name in spellings}
    keyed = _containing(pairs, spellings | trigger_names(calls))
    constants = _key_constants(_containing(keyed, values), set(values))
    words = spellings | constants
    candidates = [pair for pair in keyed if _mentions(pair[0], words)]
    removal = Removal()
    for path, display in candidates:
        _rewrite_file(removal, path, display, values, aliases, calls, index, frozenset(constants))
    _drop_unused_constants(removal, pairs, values, aliases, calls, index)
    return removal


def _mentions(path: Path, words: Iterable[str]) -> bool:
    data = path.read_bytes()
    return any(word.encode() in data for word in words)


def _rewrite_file(removal: Removal, path: Path, display: str, values: Mapping[str, bool],
                  aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                  index: ProjectIndex, keep: frozenset[str], before: Source | None = None) -> None:
    try:
        source = before or read_source(path, display)
        module, is_package = module_of(path)
        result = rewrite_source(source.text, values, calls, aliases, module=module,
                                is_package=is_package, lookup=index.lookup, keep_constants=keep)
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError, CannotRewrite) as error:
        removal.failures.append((display, str(error)))
        return
    removal.skipped.extend((display, skip) for skip in result.skipped)
    if result.code != source.text:
        removal.changes.append(Change(source, result.code, result.removed, result.skipped))


def _drop_unused_constants(removal: Removal, pairs: Sequence[tuple[Path, str]],
                           values: Mapping[str, bool], aliases: Mapping[str, Sequence[str]],
                           calls: Sequence[CallPattern], index: ProjectIndex) -> None:
    """Second pass: remove key constants that no file reads any more."""
    texts = {change.source.path: change.after for change in removal.changes}
    definers = _constant_definers(removal, pairs, values)
    for path, (display, names) in definers.items():
        used = {name for name in names if _read_elsewhere(name, path, pairs, texts)}
        if used == names:
            continue
        change = next((c for c in removal.changes if c.source.path == path), None)
        source = read_source(path, display)
        current = Source(path, display, change.after, source.encoding, source.bom) if change else source
        scratch = Removal()
        _rewrite_file(scratch, path, display, values, aliases, calls, index, frozenset(used), current)
        if scratch.changes:
            after = scratch.changes[0].after
            if change is not None:
                change.after = after
            else:
                removal.changes.append(Change(source, after, 0))


def _constant_definers(removal: Removal, pairs: Sequence[tuple[Path, str]],
                       values: Mapping[str, bool]) -> dict[Path, tuple[str, set[str]]]:
    import ast

    from flagdebt.astscan import module_constants

    found: dict[Path, tuple[str, set[str]]] = {}
    texts = {change.source.path: change.after for change in removal.changes}
    for path, display in _containing(pairs, values):
        try:
            tree = ast.parse(texts.get(path) or path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        names = {n for n, v in module_constants(tree).items() if "." not in n and v in values}
        if names:
            found[path] = (display, names)
    return found


def _read_elsewhere(name: str, definer: Path, pairs: Sequence[tuple[Path, str]],
                    texts: Mapping[Path, str]) -> bool:
    word = re.compile(rf"\b{re.escape(name)}\b")
    for path, _ in pairs:
        if path == definer:
            continue
        text = texts.get(path)
        if text is None:
            data = path.read_bytes()
            if name.encode() not in data:
                continue
            text = data.decode("utf-8", "replace")
        if word.search(text):
            return True
    return False


def unified_diff(change: Change) -> str:
    """The change as a unified diff with a/ and b/ paths."""
    name = change.source.display
    lines = difflib.unified_diff(change.source.text.splitlines(keepends=True),
                                 change.after.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def write_change(change: Change) -> None:
    """Write atomically next to the file (temp file + rename), keeping mode, encoding and BOM."""
    path = change.source.path
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & stat.S_IWUSR:
        raise OSError(f"{change.source.display}: file is read-only, not rewritten")
    data = change.after.encode(change.source.encoding)
    if change.source.bom:
        data = b"\xef\xbb\xbf" + data
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".flagdebt", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
