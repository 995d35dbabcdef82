"""Scan files for flag calls: byte prefilter, `ast` engine, a process pool for large trees."""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.fileio import read_regular
from flagdebt.flagcall import needles, trigger_names
from flagdebt.grammar import Version
from flagdebt.model import CallPattern, CallSite, Finding, Suppression
from flagdebt.project import ProjectIndex, import_root, module_of
from flagdebt.sites import FileScan, call_sites, parse_suppressions, syntax_error

if TYPE_CHECKING:
    from flagdebt.cache import ScanCache

POOL_THRESHOLD = 400  # below this many files a process pool costs more than it saves
Progress = Callable[[int], None]  # told how many more files were scanned


@dataclass
class ScanResult:
    """Every call site, suppression and unreadable file found by one scan."""

    sites: list[CallSite] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    files_scanned: int = 0


def source_encoding(data: bytes) -> str:
    """The encoding of Python source bytes: a PEP 263 cookie's, else UTF-8."""
    if data.startswith(codecs.BOM_UTF8) or not any(b"coding" in line
                                                   for line in data.split(b"\n", 2)[:2]):
        return "utf-8"
    import io
    import tokenize

    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def decode_source(data: bytes) -> str:
    """Decode Python source bytes, honouring a BOM and PEP 263 encoding cookies."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    return data.decode(source_encoding(data))


TOO_DEEP = "too deeply nested to analyse"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def undecodable(data: bytes) -> str:
    """Why bytes with a UTF-16 BOM or a NUL byte are not read as Python source."""
    if data.startswith(UTF16_BOMS):
        return "UTF-16 text: Python source must be UTF-8 or an ASCII-based encoding"
    return "the file holds NUL bytes: not Python source"


def scan_file(path: str | Path, display: str, patterns: Sequence[CallPattern],
              triggers: Sequence[bytes] | None = None,
              target: Version | None = None,
              coarse: Sequence[bytes] | None = None) -> FileScan | None:
    """Scan one file; None when its bytes cannot hold a flag call or a suppression."""
    try:
        data = read_regular(path)
    except OSError as error:
        reason = error.strerror or str(error)
        return FileScan(display, error=syntax_error(display, 1, 1, reason), transient=True)
    if data.startswith(UTF16_BOMS) or b"\0" in data:
        return FileScan(display, error=syntax_error(display, 1, 1, undecodable(data)))
    if triggers is None:
        triggers = [name.encode() for name in trigger_names(patterns)]
    has_call = any(needle in data for needle in coarse or triggers) \
        and any(trigger in data for trigger in triggers)  # `coarse`: see flagcall.needles
    if not has_call and b"flagdebt:" not in data:
        return None
    try:
        source = decode_source(data)
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        return FileScan(display, error=syntax_error(display, 1, 1, f"cannot decode: {error}"))
    try:
        if not has_call:
            return FileScan(display, suppressions=parse_suppressions(source, display))
        module, is_package = module_of(path)
        from flagdebt.astscan import scan_source  # not needed by a warm run

        return scan_source(source, display, patterns, module, is_package, target=target)
    except RecursionError:  # the run goes on: this file is reported, the others are scanned
        return FileScan(display, error=syntax_error(display, 1, 1, TOO_DEEP))


Job = tuple[list[tuple[str, str]], tuple[CallPattern, ...], "Version | None"]


def _scan_chunk(job: Job) -> list[FileScan]:
    files, patterns, target = job
    triggers = [name.encode() for name in trigger_names(patterns)]
    coarse = needles(triggers)
    return [scan for path, display in files
            if (scan := scan_file(path, display, patterns, triggers, target, coarse)) is not None]


def _scan_all(files: list[tuple[str, str]], patterns: tuple[CallPattern, ...], jobs: int,
              progress: Progress | None, target: Version | None = None) -> list[FileScan]:
    if jobs <= 1 or len(files) < POOL_THRESHOLD:
        found = _scan_chunk((files, patterns, target))
        if progress is not None:
            progress(len(files))
        return found
    import flagdebt.astscan  # noqa: F401  imported once here, inherited by forked workers
    from flagdebt.workers import worker_processes

    parts = jobs * 8
    chunks = [(files[start::parts], patterns, target) for start in range(parts)]
    scans: list[FileScan] = []
    with worker_processes(_scan_chunk, chunks, jobs) as results:
        for index, found in results:
            scans.extend(found)
            if progress is not None:
                progress(len(chunks[index][0]))
    return scans


def scan_paths(files: Sequence[str | Path], displays: Sequence[str],
               patterns: tuple[CallPattern, ...], index: ProjectIndex,
               jobs: int | None = None, progress: Progress | None = None,
               cache: ScanCache | None = None, target: Version | None = None) -> ScanResult:
    """Scan many files and resolve keys that refer to constants in other modules.

    With a `cache`, files unchanged since it was written are not read again. `target`: the
    Python version whose grammar the files are written in (None: the newest).
    """
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    paths = [os.fspath(path) for path in files]
    pairs = list(zip(paths, displays))
    if cache is None:
        scans = _scan_all(pairs, patterns, jobs, progress, target)
    else:
        from flagdebt.cache import scan_cached

        def scan_missing(missing: list[tuple[str, str]]) -> list[FileScan]:
            return _scan_all(missing, patterns, jobs, progress, target)

        scans = scan_cached(pairs, cache, scan_missing, progress)
    real = dict(zip(displays, paths))
    folders = {os.path.dirname(real[scan.path]) for scan in scans if scan.sites}
    for folder in sorted(folders):
        index.add_root(import_root(os.path.join(folder, "__init__.py")))
    result = ScanResult(files_scanned=len(files))
    for scan in sorted(scans, key=lambda s: s.path):
        if scan.error is not None:
            result.errors.append(scan.error)
        result.sites.extend(call_sites(scan, index.lookup))
        result.suppressions.extend(scan.suppressions)
    result.sites.sort()
    return result
