"""Time flagdebt on the large hostile inputs of issue 11 (not a test: speed lives here).

Each case writes a small project in a temporary folder and times one command on it:

- ``strings``: a file of many triple-quoted strings and one flag read (`check`), the case
  that was quadratic in `astscan._lines_in_strings`;
- ``sites``: one file with many flag reads (`remove`);
- ``files``: many files with a few flag reads each (`remove`), which must cost as much per
  read as ``sites``;
- ``flags``: `fix` of 500 flags read through 500 key constants of one module, among 1,000
  other files;
- ``one-line``: a statement of several MB on one line (`remove`);
- ``registry``: a registry of many flags and code reading unknown keys (`check`, FD003
  near-key suggestions);
- ``huge``: a 15 MB file (just under the 16 MB cap on source files) with a few flag reads
  among plain functions (`remove`; files over 2 MB are refused by the rewrite), and
  ``huge-check``: `check` on the same file.

Usage: ``python benchmarks/faults.py [--scale 1.0] [--only NAME] [--timeout S]``; ``--scale``
multiplies every size (the issue's sizes are scale 1: 8 MB of strings, 8,000 sites, 3 MB
line, 20,000 flags; plus 2,000 files of 4 reads and the 15 MB file). Each line gives the
wall time and the peak RSS of the flagdebt process. Only the standard library is used;
flagdebt runs as ``python -m flagdebt`` (set ``PYTHONPATH`` to time another checkout).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PYPROJECT = "[tool.flagdebt]\n"
FLAG = '[flags.x]\ntype = "release"\nowner = "o"\ncreated = 2026-01-01\nrolled_out = 2026-02-01\n'


def strings(root: Path, scale: float) -> list[str]:
    count = int(8 * 1024 * 1024 / 40 * scale)
    body = "".join(f'S{n} = """doc {n}\nmore"""\n' for n in range(count))
    _write(root, FLAG, "from f import flag_enabled\n" + body + 'A = flag_enabled("x")\n')
    return ["check", "--today", "2026-06-01"]


def sites(root: Path, scale: float) -> list[str]:
    count = int(8000 * scale)
    body = "".join(f'def f{n}():\n    if flag_enabled("x"):\n        return {n}\n    return 0\n\n\n'
                   for n in range(count))
    _write(root, FLAG, "from f import flag_enabled\n\n\n" + body)
    return ["remove", "x", "--diff"]


def files(root: Path, scale: float) -> list[str]:
    count = int(2000 * scale)
    body = "".join(f'def g{n}():\n    if flag_enabled("x"):\n        return {n}\n    return 0\n\n\n'
                   for n in range(4))
    _write(root, FLAG, "")
    (root / "m.py").unlink()
    folder = root / "pkg"
    folder.mkdir()
    for n in range(count):
        (folder / f"m{n}.py").write_text("from f import flag_enabled\n\n\n" + body)
    return ["remove", "x", "--diff"]


def flags(root: Path, scale: float) -> list[str]:
    count, others = int(500 * scale), int(1000 * scale)
    registry_text = "".join(f'[flags.flag-{n}]\ntype = "release"\nowner = "o"\n'
                            f'created = 2026-01-01\nrolled_out = 2026-02-01\n\n' for n in range(count))
    _write(root, registry_text, "")
    (root / "m.py").unlink()
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "keys.py").write_text("".join(f'FLAG_{n} = "flag-{n}"\n' for n in range(count)))
    (app / "views.py").write_text("from app import keys\nfrom f import flag_enabled\n\n\n" + "".join(
        f"def v{n}():\n    if flag_enabled(keys.FLAG_{n}):\n        return {n}\n    return 0\n\n\n"
        for n in range(count)))
    for n in range(others):
        (app / f"plain{n}.py").write_text(f"def p{n}(a):\n    return a + {n}\n")
    return ["fix", "--diff", "--today", "2026-06-01"]


def one_line(root: Path, scale: float) -> list[str]:
    terms = int(3 * 1024 * 1024 / 24 * scale)
    line = "A = [" + ", ".join(f'flag_enabled("x") and {n}' for n in range(terms)) + "]\n"
    _write(root, FLAG, "from f import flag_enabled\n" + line)
    return ["remove", "x", "--diff"]


def registry(root: Path, scale: float) -> list[str]:
    count = int(20000 * scale)
    flags = "".join(f'[flags.flag-number-{n}]\ntype = "ops"\nowner = "o"\ncreated = 2026-01-01\n\n'
                    for n in range(count))
    reads = "".join(f'U{n} = flag_enabled("flag-numbr-{n}")\n' for n in range(0, count, 100))
    _write(root, flags, "from f import flag_enabled\n" + reads)
    return ["check", "--today", "2026-06-01"]


def huge(root: Path, scale: float) -> list[str]:
    size = int(15 * 1024 * 1024 * scale)
    plain = "".join(f'def h{n}(a, b):\n    """Add."""\n    c = a + b * {n}\n    return c\n\n\n'
                    for n in range(size // 70))
    read = 'def gate():\n    if flag_enabled("x"):\n        return 1\n    return 0\n\n\n'
    _write(root, FLAG, "from f import flag_enabled\n\n\n" + read + plain + read.replace("gate", "gate2"))
    return ["remove", "x", "--diff"]


def huge_check(root: Path, scale: float) -> list[str]:
    huge(root, scale)
    return ["check", "--today", "2026-06-01"]


CASES: dict[str, Callable[[Path, float], list[str]]] = {
    "strings": strings, "sites": sites, "files": files, "flags": flags, "one-line": one_line,
    "registry": registry, "huge": huge, "huge-check": huge_check,
}


def _write(root: Path, registry_text: str, code: str) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "flags.toml").write_text(registry_text)
    (root / "m.py").write_text(code)


def _size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*.py"))


def _run(args: list[str], root: Path, timeout: float) -> tuple[str, float, float, str]:
    """Exit status, wall seconds, peak RSS in MB and the last line of output of one run."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "flagdebt", *args], cwd=root,
                                 stdout=out, stderr=subprocess.STDOUT, text=True)
        while True:  # os.wait4 rather than child.wait: it gives the child's peak RSS
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                code = str(os.waitstatus_to_exitcode(status))
                break
            if time.perf_counter() - start > timeout:
                child.kill()
                code = f">{timeout:.0f}s"
                _, _, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        took = time.perf_counter() - start
        child.returncode = 0  # reaped above; keeps Popen from waiting again
        out.seek(0)
        last = out.read().strip().splitlines()[-1:] or [""]
    return code, took, usage.ru_maxrss / 1024, last[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", choices=sorted(CASES))
    parser.add_argument("--timeout", type=float, default=600.0)
    options = parser.parse_args()
    for name, build in CASES.items():
        if options.only and name != options.only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            args = build(root, options.scale)
            size = _size(root)
            code, took, peak, last = _run(args, root, options.timeout)
            print(f"{name:10} {size / 1e6:7.1f} MB  exit {code:6}  {took:7.2f} s  {peak:7.0f} MB RSS  "
                  f"{last[:60]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
