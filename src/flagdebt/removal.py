"""`flagdebt remove` and `fix` on files: find the files that can hold a flag, rewrite, write atomically."""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.flagcall import trigger_names
from flagdebt.model import CallPattern
from flagdebt.project import ProjectIndex, module_of
from flagdebt.scanner import POOL_THRESHOLD, decode_source

if TYPE_CHECKING:
    from flagdebt.codemod import Skip


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


@dataclass(frozen=True)
class _Found:
    path: Path
    display: str
    data: bytes


Pairs = Sequence[tuple[str, str]]


def _match_chunk(job: tuple[Pairs, list[bytes]]) -> list[tuple[str, str, bytes]]:
    pairs, needles = job
    found = []
    for path, display in pairs:
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError:
            continue
        if any(needle in data for needle in needles):
            found.append((path, display, data))
    return found


def _read_matching(pairs: Pairs, words: Iterable[str],
                   meanwhile: Callable[[], object] = lambda: None) -> list[_Found]:
    """The files whose bytes contain one of the words (the only ones worth parsing).

    A large tree is read by a process pool while this process runs `meanwhile` (importing
    libcst, which costs about as much as reading the whole tree).
    """
    needles = [word.encode() for word in words]
    jobs = os.cpu_count() or 1
    if jobs < 2 or len(pairs) < POOL_THRESHOLD:
        meanwhile()
        found = _match_chunk((pairs, needles))
    else:
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        parts = [(pairs[start::jobs], needles) for start in range(jobs)]
        with multiprocessing.get_context(method).Pool(jobs) as pool:
            pending = pool.map_async(_match_chunk, parts)
            meanwhile()
            found = sorted(item for part in pending.get() for item in part)
    return [_Found(Path(path), display, data) for path, display, data in found]


def _import_codemod() -> object:
    import flagdebt.codemod

    return flagdebt.codemod


def _key_constants(files: Sequence[_Found], keys: Mapping[str, bool]) -> dict[Path, set[str]]:
    """Per file, the names (last part) of module constants and class attributes holding a key."""
    import ast

    from flagdebt.astscan import module_constants

    found: dict[Path, set[str]] = {}
    for file in files:
        if not any(key.encode() in file.data for key in keys):
            continue
        try:
            tree = ast.parse(file.data)
        except (SyntaxError, ValueError):
            continue
        names = {name for name, value in module_constants(tree).items() if value in keys}
        if names:
            found[file.path] = names
    return found


def remove_flags(files: Sequence[str | Path], displays: Sequence[str], values: Mapping[str, bool],
                 aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                 index: ProjectIndex) -> Removal:
    """Rewrite every file that reads one of the flags; nothing is written here."""
    pairs = [(os.fspath(path), display) for path, display in zip(files, displays)]
    spellings = {*values, *(name for names in aliases.values() for name in names)}
    spellings |= {name.rsplit(".", 1)[-1] for name in spellings}
    triggers = [name.encode() for name in trigger_names(calls)]
    found = _read_matching(pairs, spellings, _import_codemod)
    definers = _key_constants(found, values)
    words = spellings | {name.rsplit(".", 1)[-1] for names in definers.values() for name in names}
    if words != spellings:
        found = _read_matching(pairs, words)
    module_level = frozenset(n for names in definers.values() for n in names if "." not in n)
    removal = Removal()
    for file in found:
        if any(trigger in file.data for trigger in triggers):
            _rewrite_file(removal, file.path, file.display, values, aliases, calls, index,
                          module_level)
    _drop_unused_constants(removal, pairs, definers, values, aliases, calls, index)
    return removal


def _rewrite_file(removal: Removal, path: Path, display: str, values: Mapping[str, bool],
                  aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                  index: ProjectIndex, keep: frozenset[str], before: Source | None = None) -> None:
    from flagdebt.codemod import CannotRewrite, rewrite_source

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


def _drop_unused_constants(removal: Removal, pairs: Pairs,
                           definers: Mapping[Path, set[str]], values: Mapping[str, bool],
                           aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                           index: ProjectIndex) -> None:
    """Second pass: remove module-level key constants that no file reads any more."""
    texts = {os.fspath(change.source.path): change.after for change in removal.changes}
    displays = dict(pairs)
    for path, every in definers.items():
        names = {name for name in every if "." not in name}
        used = {name for name in names if _read_elsewhere(name, os.fspath(path), pairs, texts)}
        if used == names:
            continue
        change = next((c for c in removal.changes if c.source.path == path), None)
        source = read_source(path, displays.get(os.fspath(path), str(path)))
        current = Source(path, source.display, change.after, source.encoding, source.bom) \
            if change else source
        scratch = Removal()
        _rewrite_file(scratch, path, source.display, values, aliases, calls, index,
                      frozenset(used), current)
        removal.failures.extend(scratch.failures)
        if scratch.changes:
            if change is not None:
                change.after = scratch.changes[0].after
            else:
                removal.changes.append(Change(source, scratch.changes[0].after, 0))


def _read_elsewhere(name: str, definer: str, pairs: Pairs, texts: Mapping[str, str]) -> bool:
    word = re.compile(rf"\b{re.escape(name)}\b")
    needle = name.encode()
    for path, _ in pairs:
        if path == definer:
            continue
        text = texts.get(path)
        if text is None:
            try:
                with open(path, "rb") as stream:
                    data = stream.read()
            except OSError:
                continue
            if needle not in data:
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
