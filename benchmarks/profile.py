"""Where the time of `flagdebt check` goes on the benchmark corpus, phase by phase.

Each phase is timed on its own inside one process (best of ``--repeat``), with the
same functions `check` calls: start-up and imports (in fresh interpreters), config,
registry, walk, read + byte prefilter, parse of the files that mention a call name,
key resolution, rules, the JSON report, and the result cache (load, stat every file,
save). The phases of one run add up to roughly the wall time `run.py` measures.

Usage: ``python benchmarks/profile.py [--corpus DIR] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
TODAY = date(2026, 11, 27)
CHECK_IMPORTS = (
    "import flagdebt.quickcheck, flagdebt.steps, flagdebt.check, flagdebt.scanner, "
    "flagdebt.rules, flagdebt.cache, flagdebt.program, flagdebt.interrupts, flagdebt.report.json"
)


def best(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best wall time of `repeat` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def interpreter(code: str, repeat: int) -> float:
    """Best wall time of `python -c code` in a fresh interpreter."""
    command = [sys.executable, "-c", code]
    subprocess.run(command, check=True)  # writes bytecode caches
    return best(lambda: subprocess.run(command, check=True), repeat)[0]


def phases(corpus: Path, repeat: int) -> list[tuple[str, float, str]]:
    from flagdebt.astscan import scan_source
    from flagdebt.cache import fingerprint, open_cache
    from flagdebt.check import project_index
    from flagdebt.config import load_config
    from flagdebt.files import discover_text
    from flagdebt.flagcall import trigger_names
    from flagdebt.paths import display_paths
    from flagdebt.project import module_of
    from flagdebt.registry import load_registry
    from flagdebt.report import summarize
    from flagdebt.report.json import render_json
    from flagdebt.rules import RULES, Context, evaluate
    from flagdebt.fileio import read_regular
    from flagdebt.scanner import decode_source, scan_paths
    from flagdebt.suppression import apply_suppressions

    os.chdir(corpus)
    rows: list[tuple[str, float, str]] = []
    seconds, config = best(lambda: load_config(corpus), repeat)
    rows.append(("config", seconds, "find and read [tool.flagdebt]"))
    seconds, registry = best(lambda: load_registry(config.registry_path, "flags.toml"), repeat)
    rows.append(("registry", seconds, f"{len(registry.flags)} flags"))
    seconds, files = best(lambda: discover_text([corpus], corpus, config.excludes), repeat)
    rows.append(("walk", seconds, f"{len(files):,} files"))
    displays = display_paths(files, corpus)
    triggers = [name.encode() for name in trigger_names(config.calls)]

    def read_all() -> list[tuple[str, bytes]]:
        hits = []
        for path in files:
            data = read_regular(path)
            if any(trigger in data for trigger in triggers) or b"flagdebt:" in data:
                hits.append((path, data))
        return hits

    seconds, hits = best(read_all, repeat)
    rows.append(("read + prefilter", seconds, f"{len(hits)} files mention a call name"))

    def parse_all() -> int:
        found = 0
        for path, data in hits:
            module, package = module_of(Path(path))
            found += len(scan_source(decode_source(data), path, config.calls, module, package).sites)
        return found

    seconds, count = best(parse_all, repeat)
    rows.append(("parse (ast, one process)", seconds, f"{count} call sites"))
    seconds, scan = best(lambda: scan_paths(files, displays, config.calls, project_index(config),
                                            jobs=1), repeat)
    rows.append(("scan_paths, 1 process", seconds, "read + prefilter + parse + resolve"))
    seconds, _ = best(lambda: scan_paths(files, displays, config.calls, project_index(config)),
                      repeat)
    rows.append((f"scan_paths, {os.cpu_count()} processes", seconds, "what a cold check runs"))

    def rules() -> Any:
        context = Context(registry, scan.sites, config, TODAY, True)
        findings = evaluate(context, list(RULES))
        return apply_suppressions(findings, scan.sites, scan.suppressions, TODAY, lambda c: True)

    seconds, suppressed = best(rules, repeat)
    findings = sorted(suppressed.findings + suppressed.unused)
    rows.append(("rules + suppressions", seconds, f"{len(findings)} findings"))
    summary = summarize(findings, len(registry.flags), len(scan.sites), len(files), 0)
    seconds, _ = best(lambda: render_json(findings, summary), repeat)
    rows.append(("JSON report", seconds, ""))
    rows.extend(cache_phases(config, files, displays, repeat, fingerprint, open_cache))
    return rows


def cache_phases(config: Any, files: list[str], displays: list[str], repeat: int,
                 fingerprint: Callable[[Any], str], open_cache: Callable[..., Any]
                 ) -> list[tuple[str, float, str]]:
    from flagdebt.check import project_index
    from flagdebt.scanner import scan_paths

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        stamp = fingerprint(config)
        cache = open_cache(Path(folder), config.root, stamp)
        scan_paths(files, displays, config.calls, project_index(config), cache=cache)
        start = time.perf_counter()
        cache.save(True)
        rows.append(("cache save", time.perf_counter() - start,
                     f"{os.path.getsize(cache.file) / 1e6:.1f} MB"))
        seconds, _ = best(lambda: fingerprint(config), repeat)
        rows.append(("cache fingerprint", seconds, ""))
        seconds, warm = best(lambda: open_cache(Path(folder), config.root, stamp), repeat)
        rows.append(("cache load", seconds, f"{len(warm.keys):,} files"))
        seconds, _ = best(lambda: [os.stat(path) for path in files], repeat)
        rows.append(("stat every file", seconds, ""))
        seconds, _ = best(lambda: scan_paths(files, displays, config.calls, project_index(config),
                                             cache=open_cache(Path(folder), config.root, stamp)),
                          repeat)
        rows.append(("scan_paths from the cache", seconds, "load + stat + lookups + resolve"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BENCH_DIR / ".corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    rg = shutil.which("rg")
    rg_seconds = best(lambda: subprocess.run([rg, "-l", "flag_enabled", str(corpus)],
                                             stdout=subprocess.DEVNULL), args.repeat)[0] if rg else None
    start_up = interpreter("pass", args.repeat)
    check = interpreter(CHECK_IMPORTS, args.repeat)
    cli = interpreter(f"{CHECK_IMPORTS}, flagdebt.cli", args.repeat)
    rows = [
        ("python start-up", start_up, "python -c pass"),
        ("imports of check", check - start_up, "quickcheck, steps, config, registry, scanner, rules, cache, report"),
        ("import flagdebt.cli", cli - check, "click and the command line: what a command line quickcheck declines adds"),
        *phases(corpus, args.repeat),
    ]
    if rg_seconds is not None:
        rows.insert(0, ("rg -l flag_enabled", rg_seconds, "the baseline of run.py"))
    print(f"{'phase':<28} {'ms':>8} {'x rg':>6}  note")
    for name, seconds, note in rows:
        ratio = f"{seconds / rg_seconds:6.2f}" if rg_seconds else "     -"
        print(f"{name:<28} {seconds * 1000:8.1f} {ratio}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
