"""The result cache: each file's scan kept between runs in `.flagdebt_cache/`.

One cache file per project root and scan fingerprint holds, for every scanned file,
its size, modification time in nanoseconds and what the scan found (None for the
~98% of files the byte prefilter skips). A file whose size and mtime are unchanged
is not read again. The file is `marshal` data of plain values (dicts, lists, tagged
tuples, strings, numbers), read in one call and checked before use; it is never
unpickled, and anything unexpected in it is a cache miss, never an error.

The fingerprint is the repr of every Config field that may change what a scan finds
(all fields except the ones listed in `_NOT_SCANNING`, so fields added later count by
default), plus flagdebt's version, the Python version and the size and mtime of
flagdebt's own modules. Registry, dates and rule selection are not part of it: rules
run on every run.
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flagdebt import __version__

if TYPE_CHECKING:
    from flagdebt.config import Config
    from flagdebt.sites import FileScan

CACHE_DIR_NAME = ".flagdebt_cache"
CACHE_DIR_ENV = "FLAGDEBT_CACHE_DIR"
FORMAT = "flagdebt-scan-cache/1"
SUFFIX = ".marshal"
# A file changed again within the same mtime tick keeps its size and mtime; git calls
# this "racy". Entries younger than this are not stored, so such a file is read again.
RACY_NS = 2_000_000_000
_NOT_SCANNING = frozenset({
    "root", "config_path", "registry", "sprint_days", "warn_after_sprints", "max_sprints",
    "stalled_after_sprints", "exclude", "extend_exclude", "select", "ignore", "cache_dir",
})
_OWN_FILES = (".gitignore", "CACHEDIR.TAG")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This folder is a cache of flagdebt.\n"

Entry = tuple[int, int, Any]  # size, mtime_ns, encoded scan (None: nothing found)


def cache_folder(config: Config, environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """Where the cache lives: $FLAGDEBT_CACHE_DIR, else `cache-dir`, else `.flagdebt_cache`."""
    from_env = environ.get(CACHE_DIR_ENV)
    if from_env:
        return Path(from_env).absolute()
    if config.cache_dir is not None:
        return config.root / config.cache_dir
    return config.root / CACHE_DIR_NAME


def fingerprint(config: Config) -> str:
    """A stable text of everything that changes what a scan of one file finds."""
    values = [(f.name, _stable(getattr(config, f.name))) for f in dataclasses.fields(config)
              if f.name not in _NOT_SCANNING]
    return repr((__version__, sys.version_info[:2], _package_stamp(), values))


def _stable(value: object) -> object:
    """`value` as plain tuples, with sets sorted, so its repr is the same in every process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(_stable(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, (set, frozenset)):
        return ("set", *sorted(repr(_stable(item)) for item in value))
    if isinstance(value, dict):
        return ("dict", *sorted((repr(_stable(k)), repr(_stable(v))) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_stable(item) for item in value)
    return repr(value)


def _package_stamp() -> list[tuple[str, int, int]]:
    """Name, size and mtime of flagdebt's modules: an edited checkout invalidates the cache."""
    stamp: list[tuple[str, int, int]] = []
    folders = [os.path.dirname(os.path.abspath(__file__))]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    info = entry.stat()
                    stamp.append((entry.path, info.st_size, info.st_mtime_ns))
                elif entry.is_dir() and entry.name != "__pycache__":
                    folders.append(entry.path)
    return sorted(stamp)


class ScanCache:
    """The cached scans of one project, looked up by absolute path, size and mtime.

    `context` gives what else a file's scan depends on (its module name, which comes
    from the `__init__.py` files above it); it is checked for files where a scan found
    something.
    """

    def __init__(self, file: Path, fingerprint: str, entries: dict[str, Entry],
                 context: Callable[[str], object] = lambda path: None) -> None:
        self.file = file
        self.fingerprint = fingerprint
        self.entries = entries
        self.context = context
        self.fresh: dict[str, Entry] = {}
        self.seen: set[str] = set()

    def lookup(self, path: str, display: str) -> tuple[bool, FileScan | None]:
        """(True, scan) when the file is unchanged since it was cached; (False, None) otherwise.

        The file's size and mtime are remembered either way, taken before it is read,
        so that a file changed while being scanned is read again next time.
        """
        self.seen.add(path)
        try:
            info = os.stat(path)
        except OSError:
            return False, None
        size, mtime = info.st_size, info.st_mtime_ns
        entry = self.entries.get(path)
        self.fresh[path] = (size, mtime, _MISSING)
        if type(entry) is not tuple or len(entry) != 3 or entry[0] != size or entry[1] != mtime:
            return False, None
        if entry[2] is None:
            self.fresh[path] = entry
            return True, None
        try:
            context, encoded = entry[2]
            scan = _decode(encoded, display)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return False, None
        if not _is_file_scan(scan) or context != self.context(path):
            return False, None
        self.fresh[path] = entry
        return True, scan

    def store(self, path: str, scan: FileScan | None) -> None:
        """Remember the scan of a file that `lookup` missed (not one whose read failed)."""
        known = self.fresh.get(path)
        racy = known is not None and known[1] > time.time_ns() - RACY_NS
        if known is None or racy or (scan is not None and scan.transient):
            self.fresh.pop(path, None)
            return
        payload = None if scan is None else (self.context(path), _encode(scan, scan.path))
        self.fresh[path] = (known[0], known[1], payload)

    def save(self, whole: bool) -> None:
        """Write the cache when it changed; silently nothing when the folder is not writable.

        After a run over the whole project only the files of that run are kept;
        otherwise this run's entries are merged into the others.
        """
        fresh = {path: entry for path, entry in self.fresh.items() if entry[2] is not _MISSING}
        if whole:
            entries = fresh
        else:
            entries = {p: e for p, e in self.entries.items() if p not in self.seen}
            entries.update(fresh)
        if entries == self.entries:
            return
        try:
            data = marshal.dumps((FORMAT, self.fingerprint, entries))
            _write_atomically(self.file, data)
        except (OSError, ValueError):
            pass


_MISSING: Any = ("missing",)  # placeholder of a file not (yet) scanned this run


def open_cache(folder: Path, root: Path, fingerprint: str,
               context: Callable[[str], object] = lambda path: None) -> ScanCache:
    """The cache of `root` under `folder`; empty when absent, unreadable, corrupt or foreign."""
    name = f"scan-{_crc(str(root.absolute()))}-{_crc(fingerprint)}{SUFFIX}"
    file = folder / name
    return ScanCache(file, fingerprint, _load(file, fingerprint), context)


def project_cache(config: Config) -> ScanCache:
    """The cache for a run with `config`, at the place `cache_folder` names."""
    from flagdebt.project import module_of

    return open_cache(cache_folder(config), config.root, fingerprint(config),
                      lambda path: module_of(Path(path)))


def _crc(text: str) -> str:
    return f"{zlib.crc32(text.encode('utf-8', 'surrogateescape')):08x}"


def _load(file: Path, fingerprint: str) -> dict[str, Entry]:
    try:
        with open(file, "rb") as stream:
            data = marshal.loads(stream.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if type(data) is not tuple or len(data) != 3 or data[0] != FORMAT or data[1] != fingerprint:
        return {}
    entries = data[2]
    return entries if type(entries) is dict else {}


def _write_atomically(file: Path, data: bytes) -> None:
    """Write to a temporary file next to `file`, then rename it over `file`."""
    folder = file.parent
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
    for name, text in zip(_OWN_FILES, ("*\n", _TAG)):
        if not (folder / name).exists():
            (folder / name).write_text(text, encoding="utf-8")
    temporary = folder / f"{file.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, file)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def clean_cache(folder: Path) -> list[Path]:
    """Remove the cache files flagdebt wrote in `folder`, and the folder once empty.

    Only flagdebt's own files go, so a `cache-dir` that names a project folder by
    mistake loses nothing else. Returns what was removed.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        if _is_own_file(path):
            path.unlink()
            removed.append(path)
    try:
        folder.rmdir()
    except OSError:  # not empty: something else lives there
        return removed
    return [*removed, folder]


def _is_own_file(path: Path) -> bool:
    name = path.name
    if not path.is_file():
        return False
    if name.startswith("scan-") and (name.endswith(SUFFIX) or name.endswith(".tmp")):
        return True
    return name in _OWN_FILES and path.read_text(encoding="utf-8", errors="replace") in ("*\n", _TAG)


# ------------------------------------------------------------------ scan <-> plain values


def _classes() -> dict[str, type]:
    from flagdebt.flagcall import FileSymbols, KeyExpr
    from flagdebt.model import Finding, Suppression
    from flagdebt.sites import FileScan, RawSite

    return {cls.__name__: cls for cls in (FileScan, RawSite, KeyExpr, FileSymbols, Suppression, Finding)}


def _is_file_scan(value: object) -> bool:
    return type(value).__name__ == "FileScan"


def _encode(value: Any, display: str) -> Any:
    """A dataclass tree as marshal-able plain values; a `path` equal to `display` is left out."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, list):
        return [_encode(item, display) for item in value]
    if isinstance(value, tuple):
        return ("t", [_encode(item, display) for item in value])
    if isinstance(value, dict):
        return ("m", [(_encode(k, display), _encode(v, display)) for k, v in value.items()])
    if isinstance(value, frozenset):
        return ("s", [_encode(item, display) for item in value])
    if isinstance(value, date):
        return ("d", value.isoformat())
    if dataclasses.is_dataclass(value):
        fields: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            own_path = field.name == "path" and item == display
            fields[field.name] = ("p",) if own_path else _encode(item, display)
        return ("c", type(value).__name__, fields)
    raise ValueError(f"cannot cache a {type(value).__name__}")


def _decode(value: Any, display: str, classes: dict[str, type] | None = None) -> Any:
    """The inverse of `_encode`, with every left-out `path` set to `display`."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is list:
        return [_decode(item, display, classes) for item in value]
    tag = value[0]
    if tag == "c":
        known = classes if classes is not None else _CLASSES.get()
        cls = known[value[1]]
        fields = {name: _decode(item, display, known) for name, item in value[2].items()}
        return cls(**fields)
    if tag == "t":
        return tuple(_decode(item, display, classes) for item in value[1])
    if tag == "m":
        return {_decode(k, display, classes): _decode(v, display, classes) for k, v in value[1]}
    if tag == "s":
        return frozenset(_decode(item, display, classes) for item in value[1])
    if tag == "d":
        return date.fromisoformat(value[1])
    if tag == "p":
        return display
    raise ValueError(f"unknown cache tag {tag!r}")


class _Lazy:
    """The class table, built on first use (importing the scanner's modules)."""

    def __init__(self, build: Callable[[], dict[str, type]]) -> None:
        self.build = build
        self.value: dict[str, type] | None = None

    def get(self) -> dict[str, type]:
        if self.value is None:
            self.value = self.build()
        return self.value


_CLASSES = _Lazy(_classes)


def scan_cached(pairs: Sequence[tuple[str, str]], cache: ScanCache,
                scan: Callable[[list[tuple[str, str]]], Iterable[FileScan]],
                progress: Callable[[int], None] | None = None) -> list[FileScan]:
    """Scans of `pairs` (path, display): unchanged files from `cache`, the rest by `scan`."""
    found: list[FileScan] = []
    missing: list[tuple[str, str]] = []
    for path, display in pairs:
        hit, cached = cache.lookup(path, display)
        if not hit:
            missing.append((path, display))
        elif cached is not None:
            found.append(cached)
    if progress is not None:
        progress(len(pairs) - len(missing))
    by_display = {scanned.path: scanned for scanned in scan(missing)} if missing else {}
    for path, display in missing:
        cache.store(path, by_display.get(display))
    found.extend(by_display.values())
    return found
