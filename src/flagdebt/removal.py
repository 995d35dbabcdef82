"""`flagdebt remove` and `fix` on files: find the files that can hold a flag, rewrite, write atomically."""

from __future__ import annotations

import ast
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.fileio import Fingerprint, megabytes, read_fingerprinted, read_regular, replace_file
from flagdebt.flagcall import shared_parts, trigger_names
from flagdebt.grammar import Version, parse_module
from flagdebt.linediff import unified_lines
from flagdebt.lines import split_lines
from flagdebt.model import CallPattern
from flagdebt.project import ProjectIndex, module_of, newer_symbols
from flagdebt.scanner import (
    POOL_THRESHOLD,
    TOO_DEEP,
    UTF16_BOMS,
    decode_source,
    source_encoding,
    undecodable,
)

if TYPE_CHECKING:
    from flagdebt.codemod import Rewrite
    from flagdebt.transform import Outcome, Skip


@dataclass(frozen=True)
class Source:
    """A file's text and how to write it back byte-faithfully."""

    path: Path
    display: str
    text: str
    encoding: str
    bom: bool
    read_as: Fingerprint | None = None


@dataclass
class Change:
    """One file the removal rewrites."""

    source: Source
    after: str
    removed: int
    skipped: list[Skip] = field(default_factory=list)
    pruned: set[str] = field(default_factory=set)  # the imports it removed


@dataclass(frozen=True, order=True)
class Blocker:
    """A read of a flag the removal cannot rewrite: while one stands the flag is not removed.

    Any finder may add them (Python files here; reads in templates or scripts elsewhere).
    """

    path: str  # as displayed
    line: int
    col: int
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: '{self.key}': {self.reason}"


@dataclass
class Removal:
    """Everything a removal run did or would do."""

    changes: list[Change] = field(default_factory=list)
    skipped: list[tuple[str, Skip]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    wrappers: dict[str, Outcome] = field(default_factory=dict)  # module functions
    methods: dict[Path, dict[str, Outcome]] = field(default_factory=dict)  # `self.name` per file
    inlined: set[str] = field(default_factory=set)
    kept: list[str] = field(default_factory=list)  # definitions kept: named in a text file
    tests: list[tuple[str, str]] = field(default_factory=list)  # `path::Class::test`, why
    undecided: list[tuple[str, Skip]] = field(default_factory=list)  # tests left as they are
    blockers: list[Blocker] = field(default_factory=list)
    found: Counter[str] = field(default_factory=Counter)  # reads found, by key
    blocked: frozenset[str] = frozenset()  # flags left in place (or kept in tests) for a blocker
    by_path: dict[Path, Change] = field(default_factory=dict, repr=False)  # see `add`

    def add(self, change: Change) -> None:
        """Record a rewritten file (`changes` is only added to this way while planning)."""
        self.changes.append(change)
        self.by_path[change.source.path] = change

    def drop(self, path: Path) -> None:
        """Forget the rewrite of one file."""
        if self.by_path.pop(path, None) is not None:
            self.changes = [change for change in self.changes if change.source.path != path]

    @property
    def removed(self) -> int:
        return sum(change.removed for change in self.changes)

    @property
    def notes(self) -> list[tuple[str, Skip]]:
        """Things left for a human that block nothing (not tied to one flag)."""
        return [(display, skip) for display, skip in self.skipped if not skip.key]


TEST_FOLDERS = frozenset({"tests", "test"})


def is_test_path(display: str) -> bool:
    """Test code by path: a `tests/` or `test/` folder, `test_*.py`, `*_test.py`,
    `*_tests.py`, `tests.py` or `conftest.py`."""
    *folders, name = display.replace("\\", "/").split("/")
    return (any(folder in TEST_FOLDERS for folder in folders) or name.startswith("test_")
            or name.endswith(("_test.py", "_tests.py")) or name in ("tests.py", "conftest.py"))


def read_source(path: Path, display: str) -> Source:
    """Read and decode a Python file, remembering its encoding and BOM."""
    data, read_as = read_fingerprinted(path)
    bom = data.startswith(b"\xef\xbb\xbf")
    return Source(path, display, decode_source(data), source_encoding(data), bom, read_as)


@dataclass(frozen=True)
class _Found:
    path: Path
    display: str
    data: bytes


Pairs = Sequence[tuple[str, str]]


MatchJob = tuple[Pairs, "_Needles", "_Needles"]
MANY_NEEDLES = 8  # from this many words on, a file is first searched for their shared parts


class _Needles:
    """Words to find in bytes; for many, their shared parts are searched for first
    (`flagcall.shared_parts`): a file without one is passed over in fewer passes."""

    def __init__(self, words: Iterable[bytes]) -> None:
        self.words = list(dict.fromkeys(words))
        self.coarse = list(shared_parts(self.words)) if len(self.words) >= MANY_NEEDLES \
            else self.words

    def __bool__(self) -> bool:
        return bool(self.words)

    def found_in(self, data: bytes) -> bool:
        if not any(part in data for part in self.coarse):
            return False
        return self.coarse is self.words or any(word in data for word in self.words)


def _match_chunk(job: MatchJob) -> list[tuple[str, str, bytes, str]]:
    """The matching files' bytes, and the unreadable files with the reason (data b"").

    Each needle costs a pass over every file's bytes; the job's second list holds needles
    looked for in test files only.
    """
    pairs, every, tests_too = job
    found = []
    for path, display in pairs:
        try:
            data = read_regular(path)
        except OSError as error:
            found.append((path, display, b"", error.strerror or str(error)))
            continue
        testing = bool(tests_too) and "test" in display and is_test_path(display)
        if data.startswith(UTF16_BOMS) or b"\0" in data:
            needles = every.words + tests_too.words if testing else every.words
            if _mentions(data, needles):
                found.append((path, display, b"", undecodable(data)))
        elif every.found_in(data) or (testing and tests_too.found_in(data)):
            found.append((path, display, data, ""))
    return found


def _mentions(data: bytes, needles: list[bytes]) -> bool:
    """Do UTF-16 or NUL-holding bytes spell one of the needles (so the file was meant)?"""
    text = data.decode("utf-16", "replace") if data.startswith(UTF16_BOMS) else ""
    return any(needle in data or needle.decode() in text for needle in needles)


def _read_matching(pairs: Pairs, words: Iterable[str],
                   meanwhile: Callable[[], object] = lambda: None,
                   unreadable: list[tuple[str, str]] | None = None,
                   test_words: Iterable[str] = ()) -> list[_Found]:
    """The files whose bytes contain one of the words (the only ones worth parsing), or
    one of `test_words` for test files (`is_test_path`).

    A large tree is read by a process pool while this process runs `meanwhile` (importing
    libcst, which costs about as much as reading the whole tree).
    """
    words = set(words)
    needles = _Needles(word.encode() for word in words)
    tests_too = _Needles(word.encode() for word in test_words if word not in words)
    jobs = os.cpu_count() or 1
    if jobs < 2 or len(pairs) < POOL_THRESHOLD:
        meanwhile()
        found = _match_chunk((pairs, needles, tests_too))
    else:
        from flagdebt.workers import MAX_CLAIMED_JOBS, claimed, forks, worker_processes

        if forks():  # the children and, after `meanwhile`, this process claim chunks in turn
            size = max(64, -(-len(pairs) // MAX_CLAIMED_JOBS))
            chunks = [(pairs[start:start + size], needles, tests_too)
                      for start in range(0, len(pairs), size)]
            done = claimed(_match_chunk, chunks, jobs - 1, meanwhile)
            found = sorted(item for _, part in done for item in part)
        else:
            parts = [(pairs[start::jobs], needles, tests_too) for start in range(jobs)]
            with worker_processes(_match_chunk, parts, jobs) as results:
                meanwhile()
                found = sorted(item for _, part in results for item in part)
    if unreadable is not None:
        unreadable.extend((display, error) for _, display, _, error in found if error)
    return [_Found(Path(path), display, data) for path, display, data, error in found if not error]


def _import_codemod() -> object:
    import flagdebt.codemod

    return flagdebt.codemod


def _key_constants(files: Sequence[_Found], keys: Mapping[str, bool],
                   broken: list[tuple[_Found, str]], target: Version | None,
                   calls: Sequence[CallPattern] = ()) -> dict[Path, set[str]]:
    """Per file, the names (last part) of module constants and class attributes holding a key.

    A file that holds a key but does not parse goes to `broken`, with the reason.
    """

    from flagdebt.astscan import module_constants

    found: dict[Path, set[str]] = {}
    constructors = {name.rsplit(".", 1)[-1].encode() for p in calls for name in p.objects}
    for file in files:  # a flag object's key may be an f-string: look for its constructor too
        if not any(key.encode() in file.data for key in keys) \
                and not any(name in file.data for name in constructors):
            continue
        if len(file.data) > REWRITE_LIMIT:  # not parsed; refused by `_rewrite_file` if it reads
            continue
        try:
            tree = parse_module(file.data, target)
        except RecursionError:
            broken.append((file, TOO_DEEP))
            continue
        except (SyntaxError, ValueError) as error:
            newer = newer_symbols(file.data, *module_of(file.path), target) is not None
            broken.append((file, NEWER_GRAMMAR if newer else _parse_problem(error)))
            continue
        names = {name for name, value in module_constants(tree, calls).items() if value in keys}
        if names:
            found[file.path] = names
    return found


MAX_WRAPPER_DEPTH = 3
# `ast` needs ~200 MB per MB of source for each tree and the rewrite holds two: a 16 MB
# file (the read limit) took 80 s and 5.8 GB. A larger file that may read a flag (it holds
# the flag and a flag function's name) is reported and left; its constants are not looked at.
REWRITE_LIMIT = 2 * 1024 * 1024


def too_large(size: int) -> str:
    return f"too large to rewrite ({megabytes(size)}, the limit is {megabytes(REWRITE_LIMIT)})"


@dataclass(frozen=True)
class _Job:
    """What every file of one removal run is rewritten with."""

    values: Mapping[str, bool]
    aliases: Mapping[str, Sequence[str]]
    calls: Sequence[CallPattern]
    index: ProjectIndex
    keep: frozenset[str] = frozenset()
    wrappers: Mapping[str, Outcome] = field(default_factory=dict)
    overrides: Sequence[CallPattern] = ()
    fixtures: Sequence[CallPattern] = ()
    patched: Mapping[str, frozenset[str]] = field(default_factory=dict)  # module -> names
    spent: frozenset[str] = frozenset()  # patch targets of flag functions no longer read
    test_values: Mapping[str, bool] | None = None  # for test files, when not `values`
    removed: frozenset[str] = frozenset()  # every key of the run (the wrapper passes give no values)

    def values_for(self, display: str) -> Mapping[str, bool]:
        if self.test_values is None or not self.values or not is_test_path(display):
            return self.values
        return self.test_values


def remove_flags(files: Sequence[str | Path], displays: Sequence[str], values: Mapping[str, bool],
                 aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                 index: ProjectIndex, overrides: Sequence[CallPattern] = (),
                 fixtures: Sequence[CallPattern] = (),
                 test_values: Mapping[str, bool] | None = None, root: Path | None = None,
                 registry: Path | None = None) -> Removal:
    """Rewrite every file that reads one of the flags; nothing is written here.

    Three passes: the flag calls; then calls to functions that only returned the flag (and
    those functions, once unread); then module constants that only held the key, once unread.
    Test files (`is_test_path`) lose only the flags in `test_values`, when given.
    With `root`, a function or constant whose name a text file under it mentions (a template,
    YAML, docs; never the `registry`) is kept and listed in `kept`.
    """
    pairs = _distinct([(os.fspath(path), display) for path, display in zip(files, displays)])
    spellings = {*values, *(name for names in aliases.values() for name in names)}
    spellings |= {name.rsplit(".", 1)[-1] for name in spellings}
    spellings |= {escaped for key in values if (escaped := _escaped(key)) != key}
    triggers = [name.encode() for name in trigger_names((*calls, *overrides, *fixtures))]
    named = {re.sub(r"[^0-9a-z]+", "_", key.lower()).strip("_") for key in values}
    words = spellings | named  # a test may name the key only in its own name
    removal = Removal()
    found, patchers = _split(_read_matching(pairs, spellings | {PATCH}, _import_codemod,
                                            removal.failures, named), words)
    broken: list[tuple[_Found, str]] = []
    definers = _key_constants(found, values, broken, index.target, calls)
    more = words | {name.rsplit(".", 1)[-1] for names in definers.values() for name in names}
    if more != words:
        general = more - (named - spellings)
        found, patchers = _split(_read_matching(pairs, general | {PATCH}, test_words=named), more)
    module_level = frozenset(n for names in definers.values() for n in names)
    job = _Job(values, aliases, calls, index, module_level, overrides=overrides,
               fixtures=fixtures, test_values=test_values, removed=frozenset(values))
    mentions = _Mentions(root, registry, removal)
    _rewrite_first(removal, [file for file in found if any(t in file.data for t in triggers)], job)
    job = _settle_patches(removal, patchers, job)
    _inline_wrappers(removal, pairs, job, mentions)
    _inline_methods(removal, pairs, job, mentions)
    _drop_dead_helpers(removal, pairs, job, mentions)
    _drop_unused(removal, pairs, definers, job, mentions)
    removal.skipped = sorted(set(removal.skipped))
    removal.undecided = sorted(set(removal.undecided))
    removal.tests = sorted(set(removal.tests))
    failed = dict(removal.failures)
    seen = {file.display for file, _ in broken}
    broken.extend((file, failed[file.display]) for file in found
                  if file.display in failed and file.display not in seen)
    unreadable = _broken_blockers(broken, values, aliases)
    removal.found.update(blocker.key for blocker in unreadable)
    removal.blockers = sorted({*_skip_blockers(removal.skipped), *unreadable})
    return removal


def _escaped(key: str) -> str:
    """How a string literal spells a key holding control or non-ASCII characters with escapes
    (`"a\\x1bb"`, `"caf\\xe9"`): the files are searched for this too."""
    return key.encode("unicode_escape").decode("ascii") if not (key.isascii() and key.isprintable()) \
        else key


def _skip_blockers(skipped: Iterable[tuple[str, Skip]]) -> list[Blocker]:
    return [Blocker(display, skip.line, skip.col, skip.key, skip.reason)
            for display, skip in skipped if skip.key]


def _broken_blockers(broken: Iterable[tuple[_Found, str]], values: Mapping[str, bool],
                     aliases: Mapping[str, Sequence[str]]) -> list[Blocker]:
    """A file that names a flag but cannot be read or rewritten blocks that flag, where named."""
    blockers = []
    for file, reason in broken:
        text = file.data.decode("utf-8", "replace")
        for key in values:
            where = _first_mention(text, {key, *aliases.get(key, ())})
            if where is not None:
                blockers.append(Blocker(file.display, *where, key, f"not rewritten: {reason}"))
    return blockers


def _first_mention(text: str, spellings: Iterable[str]) -> tuple[int, int] | None:
    """Line and column of the first place a spelling (or its last name) stands as a word."""
    names = {spelling for spelling in spellings} | {s.rsplit(".", 1)[-1] for s in spellings}
    pattern = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    match = re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1


def _parse_problem(error: SyntaxError | ValueError) -> str:
    if isinstance(error, SyntaxError):
        return f"cannot parse: {error.msg}, line {error.lineno}"
    return f"cannot parse: {error}"


def plan_removal(files: Sequence[str | Path], displays: Sequence[str], values: Mapping[str, bool],
                 aliases: Mapping[str, Sequence[str]], calls: Sequence[CallPattern],
                 index: ProjectIndex, overrides: Sequence[CallPattern] = (),
                 fixtures: Sequence[CallPattern] = (), *, partial: bool = False,
                 outside: Callable[[Mapping[str, bool]], Iterable[Blocker]] | None = None,
                 root: Path | None = None, registry: Path | None = None) -> Removal:
    """`remove_flags`, all or nothing per flag: a flag with a blocking site is not removed.

    With `partial`, what can be rewritten is, but test files keep every flag that production
    code still reads somewhere. `outside` adds the blocking sites found outside Python files.
    """
    blocked: set[str] = set()
    blockers: set[Blocker] = set()
    found: Counter[str] = Counter()
    for _ in range(len(values) + 1):  # each round blocks at least one more flag, or ends
        live = values if partial else {k: v for k, v in values.items() if k not in blocked}
        tests = {k: v for k, v in live.items() if k not in blocked} if partial else None
        if not live:
            removal = Removal()
            break
        removal = remove_flags(files, displays, live, aliases, calls, index, overrides, fixtures,
                               tests, root, registry)
        if outside is not None:
            removal.blockers = sorted({*removal.blockers, *outside(live)})
        blockers.update(removal.blockers)
        for key, count in removal.found.items():
            found[key] = max(found[key], count)
        newly = {b.key for b in removal.blockers if not partial or not is_test_path(b.path)}
        if newly <= blocked:
            break
        blocked |= newly
    removal.blockers = sorted(blockers)
    removal.found = found
    removal.blocked = frozenset(blocked)
    return removal


def _distinct(pairs: Pairs) -> list[tuple[str, str]]:
    """One path per file: a symlink or hard link to a file listed already is dropped.

    Rewriting one file under two names would write it twice; the second write would find
    it changed and report it. The real path wins over a symlink to it.
    """
    seen: dict[tuple[int, int], int] = {}
    kept: list[tuple[str, str] | None] = []
    for path, display in pairs:
        try:
            status = os.stat(path)
        except OSError:  # reported when it is read
            kept.append((path, display))
            continue
        identity = (status.st_dev, status.st_ino)
        first = seen.get(identity)
        if first is None:
            seen[identity] = len(kept)
            kept.append((path, display))
        elif os.path.islink(kept[first][0]) and not os.path.islink(path):  # type: ignore[index]
            kept[first] = None
            seen[identity] = len(kept)
            kept.append((path, display))
    return [pair for pair in kept if pair is not None]


# One file's rewrite: the source read and its rewrite, or why there is none.
Attempt = tuple["Source | None", "Rewrite | None", str]


def _rewrite_file(removal: Removal, path: Path, display: str, job: _Job,
                  drop: frozenset[str] = frozenset()) -> None:
    """Rewrite one file (starting from an earlier pass's text) and record the change."""
    change = removal.by_path.get(path)
    _record(removal, path, display, change, _attempt(path, display, job, change, drop))


def _attempt(path: Path, display: str, job: _Job, change: Change | None,
             drop: frozenset[str] = frozenset()) -> Attempt:
    """One file's rewrite (from an earlier pass's text when `change`), or why it failed."""
    from flagdebt.codemod import CannotRewrite, TooLarge, rewrite_source

    try:
        source = change.source if change else read_source(path, display)
        size = source.read_as.size if source.read_as else len(source.text.encode(errors="replace"))
        if size > REWRITE_LIMIT:
            return None, None, too_large(size)
        module, is_package = module_of(path)
        result = rewrite_source(change.after if change else source.text, job.values_for(display),
                                job.calls,
                                job.aliases, module=module, is_package=is_package,
                                lookup=job.index.lookup, keep_constants=job.keep,
                                wrappers=job.wrappers, drop_functions=drop,
                                overrides=job.overrides, fixtures=job.fixtures,
                                keep_imports=job.patched.get(module, frozenset()),
                                spent=job.spent, target=job.index.target, removed=job.removed)
    except RecursionError:
        return None, None, TOO_DEEP
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError, CannotRewrite) as error:
        newer = change is None and isinstance(error, CannotRewrite) \
            and not isinstance(error, TooLarge) and str(error).startswith("cannot parse") \
            and _newer_grammar(path, job)
        return None, None, NEWER_GRAMMAR if newer else str(error)
    return source, result, ""


def _record(removal: Removal, path: Path, display: str, change: Change | None,
            attempt: Attempt) -> None:
    """What one file's rewrite found and changed, added to the run's."""
    source, result, failure = attempt
    if source is None or result is None:
        removal.failures.append((display, failure))
        return
    removal.skipped.extend((display, skip) for skip in result.skipped)
    removal.found.update(result.found)
    for name, outcome in result.wrappers.items():
        if name.startswith(("self.", "attr.")):
            removal.methods.setdefault(path, {})[name] = outcome
        else:
            removal.wrappers[name] = outcome
    removal.inlined.update(result.inlined)
    removal.tests.extend((f"{display}::{name}", why) for name, why in result.tests)
    removal.undecided.extend((display, skip) for skip in result.undecided)
    if change is not None:
        change.after = result.code
        change.removed += result.removed
        change.pruned |= result.pruned
    elif result.code != source.text:
        removal.add(Change(source, result.code, result.removed, result.skipped, result.pruned))


# Rewriting files in child processes pays for starting them from this much source on
# (a function of a few hundred lines takes libcst about 50 ms to rewrite).
PARALLEL_REWRITE_BYTES = 32 * 1024


def _rewrite_first(removal: Removal, files: Sequence[_Found], job: _Job) -> None:
    """The first pass over the files that read a flag: each file on its own, so they are
    rewritten in child processes when there are enough of them, and recorded in order."""
    jobs = min(os.cpu_count() or 1, len(files))
    from flagdebt.workers import forks, worker_processes

    if jobs < 2 or not forks() or sum(len(file.data) for file in files) < PARALLEL_REWRITE_BYTES:
        for file in files:
            _rewrite_file(removal, file.path, file.display, job)
        return
    _REWRITE_JOB[0] = job  # the forked children see it; nothing is pickled on the way in
    largest = sorted(range(len(files)), key=lambda n: -len(files[n].data))
    attempts: dict[int, Attempt] = {}
    try:
        with worker_processes(_rewrite_forked, [(files[n].path, files[n].display) for n in largest],
                              jobs) as results:
            for index, attempt in results:
                attempts[largest[index]] = attempt
    finally:
        _REWRITE_JOB[0] = None
    for number, file in enumerate(files):
        _record(removal, file.path, file.display, None, attempts[number])


_REWRITE_JOB: list[_Job | None] = [None]


def _rewrite_forked(item: tuple[Path, str]) -> Attempt:
    job = _REWRITE_JOB[0]
    assert job is not None
    return _attempt(item[0], item[1], job, None)


PATCH = "patch("


def _split(files: list[_Found], words: Iterable[str]) -> tuple[list[_Found], list[_Found]]:
    """The files that hold one of the words, and those that patch something."""
    needles = [word.encode() for word in words]
    found = [file for file in files if any(needle in file.data for needle in needles)]
    return found, [file for file in files if PATCH.encode() in file.data]


def _settle_patches(removal: Removal, patchers: Sequence[_Found], job: _Job) -> _Job:
    """Tests that patch a flag function through a module the rewrite took it from.

    A module that lost an import is looked up in the patch targets of every file as it stands
    after the rewrite. A patch of a flag function it no longer reads (`patch("app.tasks.
    switch_is_active")`) served only the removed flags: the files holding one are rewritten
    knowing that. An import that a remaining patch still reaches is put back.
    """
    from flagdebt.mocks import patch_targets

    lost = {module_of(change.source.path)[0]: (change, change.pruned)
            for change in removal.changes if change.pruned}
    if not lost:
        return job
    needles = [f"{module}.{name}".encode() for module, (_, names) in lost.items() for name in names]
    files = [file for file in patchers if any(needle in file.data for needle in needles)]
    functions = trigger_names(job.calls)
    spent = frozenset(target for text in _texts(removal, files) for target in patch_targets(text)
                      if target.rsplit(".", 1)[-1] in functions
                      and any(_reaches(target, module, names) for module, (_, names) in lost.items()))
    if spent and len(set(job.values.values())) == 1:
        job = replace(job, spent=spent)
        for file in files:
            if any(target.encode() in file.data for target in spent):
                _redo(removal, file.path, file.display, job)
    targets = {target for text in _texts(removal, files) for target in patch_targets(text)}
    patched = {module: frozenset(n for n in names if _reaches(targets, module, n))
               for module, (_, names) in lost.items()}
    job = replace(job, patched={module: names for module, names in patched.items() if names})
    for module in job.patched:
        change = lost[module][0]
        _redo(removal, change.source.path, change.source.display, job)
    return job


def _texts(removal: Removal, files: Sequence[_Found]) -> Iterator[str]:
    """The files' texts as the removal left them."""
    after = {change.source.path: change.after for change in removal.changes}
    for file in files:
        yield after.get(file.path) or file.data.decode("utf-8", "replace")


def _redo(removal: Removal, path: Path, display: str, job: _Job) -> None:
    """Rewrite a file again from its original text."""
    removal.drop(path)
    _rewrite_file(removal, path, display, job)


def _reaches(targets: str | Iterable[str], module: str, names: str | Iterable[str]) -> bool:
    """Whether a patch target goes through `module.name` for one of the names."""
    targets = [targets] if isinstance(targets, str) else targets
    names = [names] if isinstance(names, str) else names
    return any(target == f"{module}.{name}" or target.startswith(f"{module}.{name}.")
               for target in targets for name in names)


NEWER_GRAMMAR = (f"written for a newer Python than the {sys.version_info[0]}.{sys.version_info[1]} "
                 "flagdebt runs on: run flagdebt under the project's Python to rewrite it")


def _newer_grammar(path: Path, job: _Job) -> bool:
    """Whether a file the codemod could not parse parses in the project's newer grammar."""
    module, is_package = module_of(path)
    try:
        return newer_symbols(path.read_bytes(), module, is_package, job.index.target) is not None
    except OSError:
        return False


class _Mentions:
    """Names of definitions about to go that a text file of the project mentions: kept, listed."""

    def __init__(self, root: Path | None, registry: Path | None, removal: Removal) -> None:
        self.root, self.registry, self.removal = root, registry, removal
        self.found: dict[str, str] = {}
        self.searched: set[str] = set()

    def unmentioned(self, names: Iterable[str], what: str, display: str) -> frozenset[str]:
        names = set(names)
        if self.root is None or not names:
            return frozenset(names)
        from flagdebt.textrefs import text_mentions

        fresh = names - self.searched
        self.searched |= fresh
        skip = [self.registry] if self.registry is not None else []
        self.found.update(text_mentions(self.root, fresh, skip))
        for name in sorted(names & self.found.keys()):
            self.removal.kept.append(f"{display}: kept {what} '{name}': {self.found[name]} mentions it")
        return frozenset(names - self.found.keys())


def _inline_wrappers(removal: Removal, pairs: Pairs, job: _Job, mentions: _Mentions) -> None:
    """Replace calls to functions the rewrite left as `return <constant>`; drop them once unread."""
    wrappers: dict[str, Outcome] = {}
    for _ in range(MAX_WRAPPER_DEPTH):  # a wrapper of a wrapper becomes one in its turn
        fresh = {name: value for name, value in removal.wrappers.items() if name not in wrappers}
        if not fresh:
            break
        wrappers.update(fresh)
        for file in _read_matching(pairs, fresh):
            _rewrite_file(removal, file.path, file.display, replace(job, values={}, wrappers=fresh))
    if not wrappers:
        return
    inline = replace(job, values={}, wrappers=wrappers)
    texts = {os.fspath(change.source.path): change.after for change in removal.changes}
    names = wrappers.keys() & removal.inlined
    readers = _Readers({name for name in names if any(f"def {name}(" in text for text in texts.values())},
                       pairs, texts)
    for change in list(removal.changes):
        defined = {name for name in names if f"def {name}(" in change.after}
        path = os.fspath(change.source.path)
        unread = mentions.unmentioned((n for n in defined if not readers.elsewhere(n, path)),
                                      "function", change.source.display)
        if unread:
            _rewrite_file(removal, change.source.path, change.source.display, inline, unread)


def _inline_methods(removal: Removal, pairs: Pairs, job: _Job, mentions: _Mentions) -> None:
    """Replace `self.method()` (and `self.prop` of a property) when the rewrite left the method
    as `return <constant>`: in every scanned file when no other function of the project has
    that name (mixins share `self`), else in the method's own file; drop the method once
    nothing else mentions it."""
    displays = dict(pairs)
    for path, methods in sorted(removal.methods.items()):
        display = displays.get(os.fspath(path), str(path))
        inline = replace(job, values={}, wrappers=methods)
        _rewrite_file(removal, path, display, inline)
        shared = {name: value for name, value in methods.items() if _defined_once(name, pairs)}
        for file in _read_matching(pairs, {name.split(".", 1)[1] for name in shared}):
            if file.path != path:
                _rewrite_file(removal, file.path, file.display, replace(inline, wrappers=shared))
        texts = {os.fspath(change.source.path): change.after for change in removal.changes}
        names = {name.split(".", 1)[1] for name in methods.keys() & removal.inlined}
        readers = _Readers(names, pairs, texts)
        unread = mentions.unmentioned(
            (n for n in names if not readers.elsewhere(n, os.fspath(path))), "method", display)
        if unread:
            _rewrite_file(removal, path, display, inline, frozenset(f"self.{n}" for n in unread))


def _defined_once(wrapper: str, pairs: Pairs) -> bool:
    """Whether the scanned files define exactly one function named like the wrapper."""
    name = wrapper.split(".", 1)[1]
    definition = re.compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]+" + re.escape(name.encode()) + rb"\b", re.M)
    return sum(len(definition.findall(file.data)) for file in _read_matching(pairs, {name})) == 1


MAX_DEAD_ROUNDS = 4
# Decorators that only change how a method is called: a method under any other decorator
# (`@receiver(...)`, `@app.task`) may be registered by it, so it is never called dead.
PLAIN_DECORATORS = frozenset({"property", "cached_property", "staticmethod", "classmethod"})


def _drop_dead_helpers(removal: Removal, pairs: Pairs, job: _Job, mentions: _Mentions) -> None:
    """Private functions, methods and literal module constants (`_name`) whose last
    reference the removal took, such as the fallback a dead branch called: deleted once no
    Python or text file of the project mentions them. Repeated, so what only they used goes
    next."""
    displays = dict(pairs)
    cleaning = replace(job, values={}, wrappers={}, test_values=None)
    for _ in range(MAX_DEAD_ROUNDS):
        dead = {os.fspath(change.source.path): (change, names) for change in removal.changes
                if (names := newly_unreferenced(change.source.text, change.after))}
        if not dead:
            return
        texts = {os.fspath(change.source.path): change.after for change in removal.changes}
        readers = _Readers({name for _, names in dead.values() for _, name in names}, pairs, texts)
        progress = False
        for path, (change, names) in sorted(dead.items()):
            display = displays.get(path, change.source.display)
            alone = {name for _, name in names if not readers.elsewhere(name, path)}
            unread = mentions.unmentioned(alone, "function", display)
            drop = frozenset(f"self.{name}" if kind == "method" else name
                             for kind, name in names if name in unread)
            if drop:
                before = change.after
                _rewrite_file(removal, change.source.path, display, cleaning, drop)
                progress = progress or change.after != before
        if not progress:
            return


def newly_unreferenced(before: str, after: str) -> set[tuple[str, str]]:
    """("function", "method" or "constant", name) of the private module functions, methods
    of top-level classes and module constants (`_LIMIT = 30`, a literal) in `after` that
    `before` referred to and `after` no longer does (the name's only word left is its
    definition); each defined once, without a decorator that may register it. The texts
    are searched first; only a file with a candidate is parsed."""
    candidates = {name for name in (*PRIVATE_DEF.findall(after), *PRIVATE_CONSTANT.findall(after))
                  if _private(name) and _references(before, name) > 0
                  and _references(after, name) == 0}
    if not candidates:
        return set()
    try:
        tree = parse_module(after)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    found: set[tuple[str, str]] = set()
    defined: Counter[str] = Counter()
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) else [node]
        for member in members:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defined[member.name] += 1
                if _private(member.name) and all(_plain(d) for d in member.decorator_list):
                    found.add(("method" if member is not node else "function", member.name))
        name = _literal_constant(node)
        if name is not None:
            defined[name] += 1
            found.add(("constant", name))
    return {(kind, name) for kind, name in found if defined[name] == 1 and name in candidates}


PRIVATE_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(_\w+)", re.M)
PRIVATE_CONSTANT = re.compile(r"^(_\w+)[ \t]*(?::[^=\n]*)?=(?!=)", re.M)


def _literal_constant(node: ast.stmt) -> str | None:
    """The name a module-level `_NAME = <literal>` (or annotated) statement binds, or None."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None
    if not isinstance(target, ast.Name) or not _private(target.id):
        return None
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return target.id


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def _plain(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    last = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return not isinstance(decorator, ast.Call) and last in PLAIN_DECORATORS


def _references(text: str, name: str) -> int:
    """How often `name` appears as a word in `text`, apart from the lines that define it
    (`def name`, or `name = ...` at the start of a line)."""
    word = rf"\b{re.escape(name)}\b"
    defs = len(re.findall(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}\b", text, re.M))
    bindings = len(re.findall(rf"^{re.escape(name)}[ \t]*(?::[^=\n]*)?=(?!=)", text, re.M))
    return len(re.findall(word, text)) - defs - bindings


def _drop_unused(removal: Removal, pairs: Pairs, definers: Mapping[Path, set[str]],
                 job: _Job, mentions: _Mentions) -> None:
    """Remove the key constants (module level or class attributes) that no file reads any more."""
    texts = {os.fspath(change.source.path): change.after for change in removal.changes}
    displays = dict(pairs)
    readers = _Readers({n.rsplit(".", 1)[-1] for every in definers.values() for n in every}, pairs, texts)
    for path, every in definers.items():
        display = displays.get(os.fspath(path), str(path))
        unread = {n for n in every if not readers.elsewhere(n.rsplit(".", 1)[-1], os.fspath(path))}
        shown = {n.rsplit(".", 1)[-1]: n for n in unread}
        unmentioned = mentions.unmentioned(shown, "constant", display)
        used = frozenset(every) - {shown[n] for n in unmentioned}
        if used != frozenset(every):
            _rewrite_file(removal, path, display, replace(job, keep=used))


WORD = re.compile(r"\w+")
FEW_NAMES = 16  # up to this many, a file is decoded only when it holds one's bytes


class _Readers:
    """Which files (as the removal left them) mention each of some names as a word: each file
    is read once for all the names, not once per name."""

    def __init__(self, names: Iterable[str], pairs: Pairs, texts: Mapping[str, str]) -> None:
        self.files: dict[str, set[str]] = {name: set() for name in names}
        if not self.files:
            return
        plain = {name for name in self.files if WORD.fullmatch(name)}  # `\bname\b` is a whole word
        others = [(name, re.compile(rf"\b{re.escape(name)}\b")) for name in self.files.keys() - plain]
        needles = [name.encode() for name in self.files] if len(self.files) <= FEW_NAMES else []
        for path, _ in pairs:
            text = texts.get(path)
            if text is None:
                try:
                    data = read_regular(path)
                except OSError:
                    continue
                if needles and not any(needle in data for needle in needles):
                    continue
                text = data.decode("utf-8", "replace")
            for name in plain.intersection(WORD.findall(text)):
                self.files[name].add(path)
            for name, word in others:
                if word.search(text):
                    self.files[name].add(path)

    def elsewhere(self, name: str, definer: str) -> bool:
        """Whether a file other than `definer` mentions `name`."""
        return any(path != definer for path in self.files[name])


def unified_diff(change: Change) -> str:
    """The change as a unified diff with a/ and b/ paths (lines as Python's tokenizer splits them)."""
    name = change.source.display.lstrip("/")
    lines = unified_lines(split_lines(change.source.text, keepends=True),
                          split_lines(change.after, keepends=True), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else
                   line + "\n" if line.endswith("\r") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def write_change(change: Change, root: Path | None = None) -> Path:
    """Replace the file with the rewrite (see `fileio.replace_file`), keeping encoding and BOM.

    Raises WriteRefused, with the reason, when the file is left as it was.
    """
    data = change.after.encode(change.source.encoding)
    if change.source.bom:
        data = b"\xef\xbb\xbf" + data
    return replace_file(change.source.path, data, change.source.read_as, root)
