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

import bisect
import dataclasses
import functools
import itertools
import marshal
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flagdebt import __version__

if TYPE_CHECKING:
    from flagdebt.config import Config
    from flagdebt.model import Registry
    from flagdebt.sites import FileScan

CACHE_DIR_NAME = ".flagdebt_cache"
CACHE_DIR_ENV = "FLAGDEBT_CACHE_DIR"
FORMAT = "flagdebt-scan-cache/3"
SUFFIX = ".marshal"
# A file changed again within the same mtime tick keeps its size and mtime; git calls
# this "racy". Entries younger than this are not stored, so such a file is read again.
RACY_NS = 2_000_000_000
KEEP = 4  # cache files kept per project root (one per fingerprint: version, calls, ...)
_NOT_SCANNING = frozenset({
    "root", "config_path", "registry", "sprint_days", "warn_after_sprints", "max_sprints",
    "stalled_after_sprints", "exclude", "extend_exclude", "select", "ignore", "cache_dir",
})
_OWN_FILES = (".gitignore", "CACHEDIR.TAG")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This folder is a cache of flagdebt.\n"



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


@functools.cache
def _package_stamp() -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of flagdebt's modules: an edited checkout invalidates the cache.
    (Taken once a process: the registry's key and the scan fingerprint both hold it.)"""
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
    return tuple(sorted(stamp))


class ScanCache:
    """The cached scans of one project, looked up by path, size and mtime.

    Stored in the form `marshal` reads fastest: the files' paths (relative to the project
    root when below it) in walk order as one NUL-joined text with a table of where each
    starts (native unsigned ints), their stamps (mtime and size in one integer; None for a
    file not to be trusted) in the same order, and, for the few files where a scan found
    something, the scan by path, marshalled on its own so that only the scans a run uses
    are decoded. A run on a few files (pre-commit) finds its paths in the joined text and
    their positions in the table, without splitting the text. `context` gives what else a
    file's scan depends on (its module name, which comes from the `__init__.py` files above
    it); it is checked for files with a stored scan.
    """

    def __init__(self, file: Path, fingerprint: str, root: Path, stored: Stored,
                 context: Callable[[str], object] = lambda path: None) -> None:
        self.file = file
        self.fingerprint = fingerprint
        self.prefix = os.path.join(os.path.abspath(root), "")
        self.joined, self.starts, self.stamps, self.payloads = stored
        self._keys: list[str] | None = None
        self.context = context
        self.run_keys: list[str] = []
        self.run_stamps: list[int | None] = []
        self.run_payloads: dict[str, bytes] = {}
        self.run_old: list[Any] = []  # the stored stamps of this run's paths
        self.pending: dict[str, int] = {}
        self.rescanned = False

    @property
    def keys(self) -> list[str]:
        """The stored paths, in walk order (none when their count is not the stamps')."""
        if self._keys is None:
            self._keys = self.joined[1:-1].split("\0") if self.joined else []
            if len(self._keys) != len(self.stamps):
                self._keys, self.joined, self.starts, self.stamps, self.payloads = [], *_EMPTY
        return self._keys

    def _stored_stamp(self, key: str) -> Any:
        """The stored stamp of one path (None if not stored): found by bisection, as the
        paths are stored in walk order, else by a search of the joined text."""
        starts = memoryview(self.starts).cast("I")
        joined, count = self.joined, len(starts)

        def stored(number: int) -> str:
            end = starts[number + 1] if number + 1 < count else len(joined) - 1
            return joined[starts[number] + 1:end]

        wanted = _walk_order(key)
        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            if _walk_order(stored(middle)) < wanted:
                low = middle + 1
            else:
                high = middle
        if low < count and stored(low) == key:
            return self.stamps[low]
        at = joined.find(f"\0{key}\0")  # not stored, or stored out of walk order
        if at < 0:
            return None
        number = bisect.bisect_left(starts, at)
        return self.stamps[number] if number < count and starts[number] == at else None

    def trusted(self) -> dict[str, int]:
        """The stored files whose stamp can be trusted, by key."""
        return {key: stamp for key, stamp in zip(self.keys, self.stamps) if stamp is not None}

    def _stored_stamps(self, keys: list[str]) -> list[Any]:
        """The stored stamps of `keys` (None for a path not stored); the stored list itself
        when `keys` are the stored paths."""
        if len(keys) * 64 < len(self.stamps):  # a few files: search the joined text
            return [self._stored_stamp(key) for key in keys]
        if len(keys) == len(self.stamps) and _join(keys) == self.joined:
            return self.stamps
        return _positions(self.keys, self.stamps, keys)

    def lookup(self, pairs: Sequence[tuple[str, str]]) -> tuple[list[FileScan], list[tuple[str, str]]]:
        """The cached scans of the unchanged files among `pairs` (path, display), and the others.

        Each file is stat'ed before it is read, so a file changed while being scanned
        is read again next time. On a warm run with nothing changed the stamps of the
        run and of the cache are two equal lists, compared in one step.
        """
        prefix, cut = self.prefix, len(self.prefix)
        keys = [path[cut:] if path.startswith(prefix) else path for path, _ in pairs]
        stamps = _stamps([path for path, _ in pairs])
        old = self.run_old = self._stored_stamps(keys)
        self.run_keys, self.run_stamps, self.run_payloads = keys, stamps, {}
        changed = range(len(keys)) if stamps != old or None in stamps else ()
        suspect = {n for n in changed if stamps[n] is None or stamps[n] != old[n]}
        found: list[FileScan] = []
        missing: list[tuple[str, str]] = []
        for number, key in enumerate(keys) if self.payloads or suspect else ():
            if number in suspect:
                missing.append(pairs[number])
                self.pending[pairs[number][0]] = number
            elif key in self.payloads:
                scan = self._decode(pairs[number], self.payloads[key])
                if scan is None:
                    missing.append(pairs[number])
                    self.pending[pairs[number][0]] = number
                else:
                    found.append(scan)
                    self.run_payloads[key] = self.payloads[key]
        self.rescanned = bool(missing)
        return found, missing

    def _decode(self, pair: tuple[str, str], payload: Any) -> FileScan | None:
        try:
            context, encoded = marshal.loads(payload)
            scan = _decode(encoded, pair[1])
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, EOFError):
            return None
        if not _is_file_scan(scan) or context != self.context(pair[0]):
            return None
        return scan  # type: ignore[no-any-return]

    def store(self, path: str, scan: FileScan | None) -> None:
        """Remember the scan of a file that `lookup` missed (not one whose read failed)."""
        number = self.pending.pop(path, None)
        if number is None:
            return
        stamp = self.run_stamps[number]
        if stamp is None or (scan is not None and scan.transient) or stamp >> 64 > time.time_ns() - RACY_NS:
            self.run_stamps[number] = None
        elif scan is not None:
            encoded: Any = (self.context(path), _encode(scan, scan.path))
            self.run_payloads[self.run_keys[number]] = marshal.dumps(encoded)

    def save(self, whole: bool) -> None:
        """Write the cache when it changed; silently nothing when the folder is not writable.

        After a run over the whole project only the files of that run are kept;
        otherwise this run's entries are merged into the others.
        """
        for number in self.pending.values():
            self.run_stamps[number] = None
        self.pending.clear()
        unchanged = not self.rescanned and self.run_stamps == self.run_old
        same_files = self.run_old is self.stamps  # `_stored_stamps` found the same paths
        if unchanged and (not whole or (same_files
                                        and self.run_payloads.keys() == self.payloads.keys())):
            return
        keys, stamps, payloads = (self.run_keys, self.run_stamps, self.run_payloads) if whole \
            else self._merged()
        try:
            data = marshal.dumps((FORMAT, self.fingerprint, _join(keys), _key_starts(keys), stamps,
                                  payloads))
            created = not self.file.exists()
            _write_atomically(self.file, data)
            if created:
                _drop_old_siblings(self.file)
        except (OSError, ValueError):
            pass

    def _merged(self) -> tuple[list[str], list[Any], dict[str, bytes]]:
        """The stored entries with this run's in place, in walk order."""
        entries = dict(zip(self.keys, self.stamps))
        entries.update(zip(self.run_keys, self.run_stamps))
        ran = set(self.run_keys)
        payloads = {k: v for k, v in self.payloads.items() if k not in ran}
        payloads.update(self.run_payloads)
        keys = sorted(entries, key=_walk_order)
        return keys, [entries[key] for key in keys], payloads


Stored = tuple[str, bytes, list[Any], dict[str, bytes]]
_EMPTY: Stored = ("", b"", [], {})


def _walk_order(key: str) -> str:
    """The sort key of walk order: like Paths, part by part ("a/x.py" before "a.py")."""
    return key.replace("/", "\0")


def _join(keys: list[str]) -> str:
    """Paths as one text, each between NULs ("" for none): `\\0a.py\\0b.py\\0`."""
    return "\0" + "\0".join(keys) + "\0" if keys else ""


def _key_starts(keys: list[str]) -> bytes:
    """Where each key's leading NUL sits in `_join(keys)`, as native unsigned ints."""
    import array

    return array.array("I", itertools.accumulate((len(key) + 1 for key in keys[:-1]), initial=0)).tobytes()


def _stamps(paths: list[str]) -> list[int | None]:
    """mtime (ns) and size of each file in one integer; None where stat fails."""
    stat = os.stat
    try:
        return [(info.st_mtime_ns << 64) + info.st_size for info in map(stat, paths)]
    except OSError:
        return [_stamp(path) for path in paths]


def _stamp(path: str) -> int | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns << 64) + info.st_size


def _positions(keys: list[str], stamps: list[Any], wanted: list[str]) -> list[Any]:
    known = dict(zip(keys, stamps))
    return [known.get(key) for key in wanted]


def open_cache(folder: Path, root: Path, fingerprint: str,
               context: Callable[[str], object] = lambda path: None) -> ScanCache:
    """The cache of `root` under `folder`; empty when absent, unreadable, corrupt or foreign."""
    name = f"scan-{_crc(str(root.absolute()))}-{_crc(fingerprint)}{SUFFIX}"
    file = folder / name
    return ScanCache(file, fingerprint, root, _load(file, fingerprint), context)


def project_cache(config: Config) -> ScanCache:
    """The cache for a run with `config`, at the place `cache_folder` names."""
    from flagdebt.project import module_of

    return open_cache(cache_folder(config), config.root, fingerprint(config),
                      module_of)


def cached_registry(config: Config, path: Path, display: str,
                    load: Callable[[Path, str], Registry]) -> Registry:
    """`load(path, display)`, answered from the cache while flags.toml keeps its size and mtime.

    Only a registry that loaded without error is stored, so problems are reported on
    every run; the key holds flagdebt's code stamp, as the scan fingerprint does, and the
    names of `Flag`'s fields, which each stored row gives in order.
    """
    from flagdebt.model import Flag

    stamp = _stamp(str(path))
    file = cache_folder(config) / f"registry-{_crc(str(path.absolute()))}{SUFFIX}"
    fields = dataclasses.fields(Flag)
    names = [field.name for field in fields]
    key = repr((FORMAT, __version__, _package_stamp(), str(path.absolute()), stamp, names))
    dates = [number for number, field in enumerate(fields) if "date" in str(field.type)]
    stored = _read_stored(file)
    if type(stored) is tuple and len(stored) == 2 and stored[0] == key:
        try:
            return _registry_from_rows(stored[1], dates, display)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass
    registry = load(path, display)
    if stamp is not None and stamp >> 64 < time.time_ns() - RACY_NS:
        rows = [tuple(_ordinal(getattr(flag, name)) for name in names) for flag in registry.flags.values()]
        _store(file, (key, rows))
    return registry


def remembered(pyproject: Path, data: bytes, parse: Callable[[], dict[str, Any]],
               environ: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, Any]:
    """`parse()` of a pyproject.toml whose bytes are `data`, answered from a copy stored with
    those bytes, so that a warm check imports no TOML parser.

    The copy lives where the result cache does when that place is known before the file is
    read: $FLAGDEBT_CACHE_DIR, or the project's `.flagdebt_cache` when the parsed table sets
    no `cache-dir` (with one, nothing is stored). Bytes, not a stamp, decide, so an edit
    within the same second counts too.
    """
    from_env = environ.get(CACHE_DIR_ENV)
    folder = Path(from_env).absolute() if from_env else pyproject.parent / CACHE_DIR_NAME
    file = folder / f"config-{_crc(str(pyproject.absolute()))}{SUFFIX}"
    key = repr((FORMAT, __version__, _package_stamp()))
    stored = _read_stored(file)
    if type(stored) is tuple and stored[:2] == (key, data) and len(stored) == 3 \
            and type(stored[2]) is dict:
        return stored[2]
    document = parse()
    table = document.get("tool", {}).get("flagdebt")
    if from_env or (isinstance(table, dict) and "cache-dir" not in table):
        _store(file, (key, data, document))  # a date in the table cannot be marshalled: not stored
    return document


def _ordinal(value: object) -> object:
    return value.toordinal() if isinstance(value, date) else value


def _registry_from_rows(rows: list[tuple[Any, ...]], dates: list[int], display: str) -> Registry:
    """The registry of stored rows: `Flag`'s field values in order, dates as day numbers."""
    from flagdebt.model import Flag, Registry

    day = date.fromordinal
    flags: dict[str, Flag] = {}
    for row in rows:
        values = list(row)
        for number in dates:
            if values[number] is not None:
                values[number] = day(values[number])
        flags[values[0]] = Flag(*values)
    return Registry(display, flags)


def _crc(text: str) -> str:
    """A short checksum of `text` for file names (the text as one number, modulo a prime;
    zlib is a shared library whose loading costs more than a pre-commit run's lookups)."""
    return f"{int.from_bytes(text.encode('utf-8', 'surrogateescape'), 'little') % 4294967291:08x}"


def _read_stored(file: Path) -> Any:
    """What a cache file holds; None when it is missing, unreadable or not marshal data."""
    try:
        with open(file, "rb") as stream:
            return marshal.loads(stream.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store(file: Path, value: Any) -> None:
    """Write `value` to a cache file; silently nothing when it cannot be (a read-only
    folder, a value marshal cannot hold)."""
    try:
        _write_atomically(file, marshal.dumps(value))
    except (OSError, ValueError):
        pass


def _load(file: Path, fingerprint: str) -> Stored:
    data = _read_stored(file)
    if type(data) is not tuple or len(data) != 6 or data[0] != FORMAT or data[1] != fingerprint:
        return _EMPTY
    joined, starts, stamps, payloads = data[2:]
    if type(joined) is not str or type(starts) is not bytes or type(stamps) is not list \
            or type(payloads) is not dict:
        return _EMPTY
    if not (joined == "" or joined[0] == joined[-1] == "\0") or len(starts) != 4 * len(stamps) \
            or (stamps and memoryview(starts).cast("I")[-1] != joined.rindex("\0", 0, -1)):
        return _EMPTY
    if not all(type(payload) is bytes for payload in payloads.values()):
        return _EMPTY
    return joined, starts, stamps, payloads


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


def _drop_old_siblings(file: Path) -> None:
    """Keep the KEEP newest cache files of the same root (other fingerprints, older versions)."""
    root_part = file.name.rsplit("-", 1)[0]
    siblings = [(path.stat().st_mtime_ns, path) for path in file.parent.glob(f"{root_part}-*{SUFFIX}")]
    for _, path in sorted(siblings, reverse=True)[KEEP:]:
        path.unlink(missing_ok=True)


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
    if name.startswith(("scan-", "registry-", "config-")) and name.endswith((SUFFIX, ".tmp")):
        return True
    return name in _OWN_FILES and path.read_text(encoding="utf-8", errors="replace") in ("*\n", _TAG)


# ------------------------------------------------------------------ scan <-> plain values


def _classes() -> dict[str, type]:
    from flagdebt.flagcall import FileSymbols, KeyExpr
    from flagdebt.model import Finding, Suppression
    from flagdebt.sites import FileScan, RawSite

    classes = (FileScan, RawSite, KeyExpr, FileSymbols, Suppression, Finding)
    return {cls.__name__: cls for cls in classes}


def _is_file_scan(value: object) -> bool:
    return type(value).__name__ == "FileScan"


_PLAIN = (str, int, float, bool, type(None))


def _encode(value: Any, display: str) -> Any:
    """A dataclass tree as marshal-able plain values; a `path` equal to `display` is left out.

    Lists stay lists; everything else is a tuple starting with a tag: `c` a dataclass
    (class name and its field values in order), `P`/`L` a dict or list of plain values
    (copied in one step when read), `m` another dict, `t` a tuple, `s` a frozenset,
    `d` a date, `p` the file's own path.
    """
    if type(value) in _PLAIN:
        return value
    if isinstance(value, list):
        if all(type(item) in _PLAIN for item in value):
            return ("L", value)
        return [_encode(item, display) for item in value]
    if isinstance(value, dict):
        if all(type(k) in _PLAIN and type(v) in _PLAIN for k, v in value.items()):
            return ("P", value)
        return ("m", [(_encode(k, display), _encode(v, display)) for k, v in value.items()])
    if isinstance(value, tuple):
        return ("t", [_encode(item, display) for item in value])
    if isinstance(value, (frozenset, set)):  # FileSymbols.clients comes back frozen
        return ("s", [_encode(item, display) for item in sorted(value, key=repr)])
    if isinstance(value, date):
        return ("d", value.isoformat())
    if dataclasses.is_dataclass(value):
        fields = [getattr(value, field.name) for field in dataclasses.fields(value)]
        names = [field.name for field in dataclasses.fields(value)]
        return ("c", type(value).__name__, [
            ("p",) if name == "path" and item == display else _encode(item, display)
            for name, item in zip(names, fields)])
    raise ValueError(f"cannot cache a {type(value).__name__}")


def _decode(value: Any, display: str) -> Any:
    """The inverse of `_encode`, with every left-out `path` set to `display`."""
    kind = type(value)
    if kind is list:
        return [_decode(item, display) for item in value]
    if kind is not tuple:
        return value
    tag = value[0]
    if tag == "c":
        return _CLASSES.get()[value[1]](*[_decode(item, display) for item in value[2]])
    if tag == "t":
        return tuple([_decode(item, display) for item in value[1]])
    if tag == "P":
        return dict(value[1])
    if tag == "L":
        return list(value[1])
    if tag == "p":
        return display
    if tag == "m":
        return {_decode(k, display): _decode(v, display) for k, v in value[1]}
    if tag == "s":
        return frozenset([_decode(item, display) for item in value[1]])
    if tag == "d":
        return date.fromisoformat(value[1])
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
    found, missing = cache.lookup(pairs)
    if progress is not None:
        progress(len(pairs) - len(missing))
    by_display = {scanned.path: scanned for scanned in scan(missing)} if missing else {}
    for path, display in missing:
        cache.store(path, by_display.get(display))
    found.extend(by_display.values())
    return found
