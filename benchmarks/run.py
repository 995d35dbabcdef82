"""Measure flagdebt on the benchmark corpus, as ratios to rg and to bare Python.

Every command is run once to warm the file cache, then N rounds (``--repeat``,
default 3) run each command once in turn; the best wall time counts. The warm-up run also measures peak RSS,
under ``/usr/bin/time -f %M`` when present, else in a fresh Python wrapper that
reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss``. The corpus must have been built
by ``benchmarks/corpus.py``.

Usage: ``python benchmarks/run.py [--repeat N] [--json FILE] [--strict]``.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CORPUS = BENCH_DIR / ".corpus"
TODAY = "2026-11-27"
PRECOMMIT_FILES = 10
TOUCHED_FILES = 20
TOUCH_LINE = b"\n# touched by benchmarks/run.py\n"
CHECK_WARM = "flagdebt check (warm cache)"
CHECK_TOUCHED = f"flagdebt check (warm, {TOUCHED_FILES} touched)"
CHECK_COLD = "flagdebt check (cold, --no-cache)"
CHECK_PRECOMMIT = f"flagdebt check ({PRECOMMIT_FILES} files)"
PRESET_CHECK = "flagdebt check --preset django-waffle (cold, --no-cache)"

READ_ALL_SCRIPT = """
import os, sys
hits = 0
for dirpath, _dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".py"):
            with open(os.path.join(dirpath, name), "rb") as handle:
                hits += b"flag_enabled" in handle.read()
print(hits)
"""

RSS_WRAPPER_SCRIPT = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as report:
    report.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


@dataclass
class Result:
    """One measured command: best wall time over the runs, and its peak RSS."""

    name: str
    command: list[str]
    seconds: float | None = None
    peak_rss_mb: float | None = None
    runs: list[float] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class Target:
    """A goal for one result: a ratio to a baseline result and/or an absolute limit."""

    name: str
    baseline: str | None = None
    max_ratio: float | None = None
    max_seconds: float | None = None
    max_rss_mb: float | None = None


@dataclass
class Verdict:
    """A target checked against the results; `ok` is None when not measurable."""

    target: Target
    value: float | None
    ratio: float | None
    ok: bool | None
    note: str = ""
    paired: float | None = None  # median of the per-round ratios


# --------------------------------------------------------------------------- running


def rss_wrapper(report: Path) -> list[str]:
    """A command prefix that writes the wrapped command's peak RSS (KiB) to `report`.

    GNU time is preferred (its own footprint is ~1 MB); otherwise a fresh Python
    process reads getrusage(RUSAGE_CHILDREN).ru_maxrss, which floors at ~10 MB.
    """
    gnu_time = Path("/usr/bin/time")
    if gnu_time.is_file():
        return [str(gnu_time), "-f", "%M", "-o", str(report)]
    return [sys.executable, "-c", RSS_WRAPPER_SCRIPT, str(report)]


def run_once(command: Sequence[str], cwd: Path) -> tuple[float, int, str]:
    """Run `command`; return (wall seconds, exit code, stderr tail)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        code = subprocess.call(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        elapsed = time.perf_counter() - start
        stderr.seek(0)
        tail = stderr.read()[-600:].decode("utf-8", "replace").strip()
    return elapsed, code, tail


def peak_rss_kib(command: Sequence[str], cwd: Path) -> tuple[int | None, int, str]:
    """Run `command` under an RSS wrapper; return (peak KiB, exit code, stderr tail)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "rss"
        _elapsed, code, tail = run_once([*rss_wrapper(report), *command], cwd)
        text = report.read_text().strip().splitlines() if report.is_file() else []
    value = text[-1] if text else ""
    return (int(value) if value.isdigit() else None), code, tail


def failure(code: int, tail: str) -> str:
    last = tail.splitlines()[-1] if tail else "no stderr"
    return f"exit code {code}: {last}"


@dataclass(frozen=True)
class Spec:
    """A command to measure. `around` wraps each timed run (e.g. touching files);
    `settle` runs the command once more, untimed, after each timed run (to refill
    the cache that the touched files changed)."""

    name: str
    command: list[str]
    ok_codes: tuple[int, ...] = (0,)
    around: Callable[[], AbstractContextManager[object]] | None = None
    settle: bool = False


def measure_rounds(specs: Sequence[Spec], cwd: Path, repeat: int) -> list[Result]:
    """Warm up every command once (under the RSS wrapper), then time `repeat` rounds.

    A round runs each command once, in order, so that load from other processes on a
    shared machine falls on the commands and their baselines alike; best run counts.
    """
    results = [Result(spec.name, list(spec.command)) for spec in specs]
    rss: list[int | None] = []
    for spec, result in zip(specs, results):
        try:
            kib, code, tail = peak_rss_kib(spec.command, cwd)
        except OSError as error:
            kib, code, tail = None, -1, f"cannot run: {error}"
        rss.append(kib)
        if code not in spec.ok_codes:
            result.error = failure(code, tail)
    for _ in range(repeat):
        for spec, result in zip(specs, results):
            if result.error is None:
                time_one(spec, result, cwd)
    for result, kib in zip(results, rss):
        if result.error is None and result.runs:
            result.seconds = min(result.runs)
            result.peak_rss_mb = None if kib is None else round(kib * 1024 / 1e6, 1)
    return results


def time_one(spec: Spec, result: Result, cwd: Path) -> None:
    """One timed run of `spec`, recorded in `result` (or its error)."""
    try:
        with spec.around() if spec.around is not None else nullcontext():
            elapsed, code, tail = run_once(spec.command, cwd)
        if spec.settle:
            run_once(spec.command, cwd)
    except OSError as error:
        result.error = f"cannot run: {error}"
        return
    if code not in spec.ok_codes:
        result.error = failure(code, tail)
    else:
        result.runs.append(round(elapsed, 4))


def capture(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


# --------------------------------------------------------------------------- setup


def load_manifest(corpus: Path) -> dict[str, object]:
    manifest = corpus / "manifest.json"
    if not manifest.is_file():
        raise SystemExit(
            f"error: no benchmark corpus at {corpus}: run benchmarks/corpus.py first"
        )
    data: dict[str, object] = json.loads(manifest.read_text())
    return data


def flagdebt_command(override: str | None) -> list[str]:
    """The flagdebt script next to sys.executable, else `python -m flagdebt`."""
    if override:
        return shlex.split(override)
    script = Path(sys.executable).parent / "flagdebt"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "flagdebt"]


def flagdebt_problem(command: list[str]) -> str | None:
    """Why flagdebt cannot be measured, or None if it answers `--help`."""
    if command == [sys.executable, "-m", "flagdebt"]:
        probe = capture([sys.executable, "-c", "import flagdebt.cli"], BENCH_DIR)
        if probe.returncode != 0:
            last = probe.stderr.strip().splitlines()[-1:] or ["unknown error"]
            return f"flagdebt not importable ({last[0]})"
    try:
        answer = capture([*command, "--help"], BENCH_DIR)
    except OSError as error:
        return f"flagdebt not runnable ({error})"
    if answer.returncode != 0:
        last = answer.stderr.strip().splitlines()[-1:] or [
            f"exit code {answer.returncode}"
        ]
        return f"flagdebt not importable ({last[0]})"
    return None


def precommit_files(manifest: dict[str, object]) -> list[str]:
    """PRECOMMIT_FILES files with flag calls, spread evenly (corpus-relative)."""
    sites = manifest["sites"]
    assert isinstance(sites, list)
    files = sorted({site["path"] for site in sites})
    step = len(files) / PRECOMMIT_FILES
    return [files[int(i * step)] for i in range(min(PRECOMMIT_FILES, len(files)))]


def touched_files(corpus: Path, manifest: dict[str, object]) -> list[str]:
    """TOUCHED_FILES files: half with flag calls, half spread over the rest of the corpus."""
    with_flags = precommit_files(manifest)[: TOUCHED_FILES // 2]
    others = sorted(
        str(path.relative_to(corpus)) for path in corpus.rglob("*.py")
        if str(path.relative_to(corpus)) not in with_flags
    )
    wanted = TOUCHED_FILES - len(with_flags)
    step = len(others) / wanted
    return with_flags + [others[int(i * step)] for i in range(wanted)]


@contextmanager
def touching(corpus: Path, files: list[str]) -> Iterator[None]:
    """Append a comment to `files` (new size and mtime), then restore bytes and mtime."""
    saved = []
    try:
        for name in files:
            path = corpus / name
            info = path.stat()
            data = path.read_bytes()
            saved.append((path, data, info.st_atime_ns, info.st_mtime_ns))
            path.write_bytes(data + TOUCH_LINE)
        yield
    finally:
        for path, data, atime, mtime in saved:
            path.write_bytes(data)
            os.utime(path, ns=(atime, mtime))


def check_integrity(rg: str, corpus: Path, manifest: dict[str, object]) -> str | None:
    """A warning if the files with flag calls differ from the manifest (edited?)."""
    listed = capture([rg, "-l", "flag_enabled", "."], corpus).stdout.split()
    expected = manifest["injected_files"]
    if len(listed) != expected:
        return (
            f"warning: rg finds flag_enabled in {len(listed)} files, the manifest says "
            f"{expected}: rebuild with `benchmarks/corpus.py --force`"
        )
    return None


# --------------------------------------------------------------------------- benchmarks


def baselines(rg: str, flag: str) -> list[Spec]:
    python = sys.executable
    return [
        Spec("rg", [rg, "-l", "flag_enabled", "."], ok_codes=(0, 1)),
        Spec("python -c pass", [python, "-c", "pass"]),
        Spec("python -c 'import libcst'", [python, "-c", "import libcst"]),
        Spec("python read+test", [python, "-c", READ_ALL_SCRIPT, "."]),
        Spec(f"rg -l {flag}", [rg, "-l", flag, "."], ok_codes=(0, 1)),
    ]


def flagdebt_specs(
    command: list[str],
    corpus: Path,
    flag: str,
    files: list[str],
    touched: list[str],
) -> list[Spec]:
    """The cold check first (it leaves the cache alone), then the warm ones.

    The touched check settles after each run: the touched files were too fresh to
    cache, and the next warm run must find nothing changed.
    """
    check = [*command, "check"]
    options = ["--today", TODAY, "--exit-zero", "--format", "json", "--output", os.devnull]
    whole = [*check, ".", *options]
    return [
        Spec(CHECK_COLD, [*whole, "--no-cache"]),
        Spec(CHECK_WARM, whole),
        Spec(CHECK_TOUCHED, whole, around=lambda: touching(corpus, touched), settle=True),
        Spec(CHECK_PRECOMMIT, [*check, *files, *options]),
        Spec(
            f"flagdebt remove {flag}",
            [*command, "remove", flag, ".", "--value", "on", "--diff"],
            ok_codes=(0, 1),
        ),
        # A preset adds call patterns and template/script suffixes to the walk: compared
        # with CHECK_COLD, both without the result cache, in the same rounds.
        Spec(PRESET_CHECK, [*whole, "--no-cache", "--preset", "django-waffle"]),
    ]


def skipped(names: list[str], reason: str) -> list[Result]:
    return [Result(name, [], error=reason) for name in names]


def targets(flag: str) -> list[Target]:
    """The targets of issue 10 (the check rows) and of the earlier removal work."""
    return [
        Target("python read+test", baseline="rg"),
        Target("python -c 'import libcst'", baseline="python -c pass"),
        Target(CHECK_WARM, baseline="rg", max_ratio=2.5),
        Target(CHECK_TOUCHED, baseline="rg", max_ratio=3),
        Target(CHECK_COLD, baseline="rg", max_ratio=7),
        Target(CHECK_PRECOMMIT, baseline="python -c pass", max_ratio=6),
        Target(CHECK_COLD, max_rss_mb=100),
        Target(f"flagdebt remove {flag}", baseline=f"rg -l {flag}", max_ratio=8),
        Target(PRESET_CHECK, baseline=CHECK_COLD, max_ratio=1.2),
    ]


def judge(target: Target, results: dict[str, Result]) -> Verdict:
    result = results.get(target.name)
    if result is None or result.error or result.seconds is None:
        return Verdict(target, None, None, None, "not measured, see above")
    if target.max_rss_mb is not None:
        value = result.peak_rss_mb
        return Verdict(
            target, value, None, value is not None and value <= target.max_rss_mb
        )
    ratio = paired = None
    checks: list[bool] = []
    if target.baseline is not None:
        base = results.get(target.baseline)
        if base is None or base.seconds is None or base.seconds <= 0:
            return Verdict(
                target, result.seconds, None, None, f"no baseline {target.baseline}"
            )
        ratio = result.seconds / base.seconds
        if target.max_ratio is not None:
            checks.append(ratio <= target.max_ratio)
        paired = paired_ratio(result, base)
    if target.max_seconds is not None:
        checks.append(result.seconds <= target.max_seconds)
    return Verdict(target, result.seconds, ratio, all(checks) if checks else None, paired=paired)


def paired_ratio(result: Result, base: Result) -> float | None:
    """The median over rounds of (this run / the baseline's run in the same round).

    On a loaded machine the best times of two commands may come from different
    moments; a ratio within each round does not. Shown beside the verdict's ratio.
    """
    pairs = sorted(run / other for run, other in zip(result.runs, base.runs) if other > 0)
    return pairs[len(pairs) // 2] if pairs else None


# --------------------------------------------------------------------------- reporting


def describe_target(target: Target) -> str:
    parts = []
    if target.max_ratio is not None:
        parts.append(f"<= {target.max_ratio:g}x")
    if target.max_seconds is not None:
        parts.append(f"<= {target.max_seconds:g} s")
    if target.max_rss_mb is not None:
        parts.append(f"<= {target.max_rss_mb:g} MB")
    return ", ".join(parts) or "-"


def print_results(results: list[Result]) -> None:
    print(f"\n{'command':<38} {'best s':>8} {'peak MB':>8}  runs")
    for result in results:
        if result.seconds is None:
            print(f"{result.name:<38} {'-':>8} {'-':>8}  {result.error}")
        else:
            runs = " ".join(f"{run:.3f}" for run in result.runs)
            rss = "-" if result.peak_rss_mb is None else f"{result.peak_rss_mb:.1f}"
            print(f"{result.name:<38} {result.seconds:8.3f} {rss:>8}  {runs}")


def print_verdicts(verdicts: list[Verdict]) -> None:
    print(
        f"\n{'figure':<38} {'value':>9} {'vs':<22} {'ratio':>7} {'paired':>7}  {'target':<18} verdict"
    )
    for verdict in verdicts:
        target = verdict.target
        if target.max_rss_mb is not None:
            name, value = (
                f"{target.name} RSS",
                f"{verdict.value} MB" if verdict.value else "-",
            )
        else:
            name = target.name
            value = f"{verdict.value:.3f} s" if verdict.value is not None else "-"
        ratio = f"{verdict.ratio:.1f}x" if verdict.ratio is not None else "-"
        paired = f"{verdict.paired:.1f}x" if verdict.paired is not None else "-"
        status = {True: "ok", False: "MISSED", None: "-"}[verdict.ok]
        note = f" ({verdict.note})" if verdict.note else ""
        print(
            f"{name:<38} {value:>9} {target.baseline or '-':<22} {ratio:>7} {paired:>7}  "
            f"{describe_target(target):<18} {status}{note}"
        )


def environment(
    rg: str, corpus: Path, manifest: dict[str, object], repeat: int
) -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "rg": capture([rg, "--version"], corpus).stdout.splitlines()[0],
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "repeat": repeat,
        "corpus": str(corpus),
        "files": manifest["files"],
        "lines": manifest["lines"],
        "megabytes": round(int(str(manifest["bytes"])) / 1e6, 1),
        "injected_files": manifest["injected_files"],
        "injected_sites": manifest["injected_sites"],
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_json(
    path: Path, env: dict[str, object], results: list[Result], verdicts: list[Verdict]
) -> None:
    payload = {
        "environment": env,
        "results": [asdict(result) for result in results],
        "targets": [
            {
                **asdict(verdict.target),
                "value": verdict.value,
                "ratio": None if verdict.ratio is None else round(verdict.ratio, 2),
                "paired_ratio": None if verdict.paired is None else round(verdict.paired, 2),
                "ok": verdict.ok,
                "note": verdict.note,
            }
            for verdict in verdicts
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


# --------------------------------------------------------------------------- driver


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per command (best counts)"
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the figures as JSON"
    )
    parser.add_argument(
        "--flag", help="flag for the remove benchmark (default: from the manifest)"
    )
    parser.add_argument("--flagdebt", help="command that runs flagdebt (default: auto)")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if a target is missed"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Measure what users run: an installed package whose bytecode is cached (the warm-up
    # run writes it). Some sandboxes set this variable, which recompiles every module at
    # every start and adds ~0.1 s to each run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    corpus = args.corpus.resolve()
    manifest = load_manifest(corpus)
    rg = shutil.which("rg")
    if rg is None:
        raise SystemExit("error: ripgrep (rg) is not on PATH; it is the baseline")
    flag = args.flag or str(manifest["remove_flag"])
    env = environment(rg, corpus, manifest, args.repeat)
    print(
        f"corpus {corpus}: {env['files']:,} files, {env['lines']:,} lines, "
        f"{env['megabytes']} MB; python {env['python']}, {env['rg']}, "
        f"{env['cpus']} cpus, best of {args.repeat}"
    )
    warning = check_integrity(rg, corpus, manifest)
    if warning:
        print(warning)
    specs = baselines(rg, flag)
    command = flagdebt_command(args.flagdebt)
    problem = flagdebt_problem(command)
    skipped_results: list[Result] = []
    if problem:
        print(problem)
        names = [CHECK_COLD, CHECK_WARM, CHECK_TOUCHED, CHECK_PRECOMMIT, f"flagdebt remove {flag}",
                 PRESET_CHECK]
        skipped_results = skipped(names, problem)
    else:
        touched = touched_files(corpus, manifest)
        specs += flagdebt_specs(command, corpus, flag, precommit_files(manifest), touched)
    results = measure_rounds(specs, corpus, args.repeat) + skipped_results
    by_name = {result.name: result for result in results}
    verdicts = [judge(target, by_name) for target in targets(flag)]
    print_results(results)
    print_verdicts(verdicts)
    if args.json:
        write_json(args.json, env, results, verdicts)
        print(f"\nwrote {args.json}")
    missed = any(verdict.ok is False for verdict in verdicts)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
