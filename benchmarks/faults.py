"""Time flagdebt on the large hostile inputs of issue 11 (not a test: speed lives here).

Each case writes a small project in a temporary folder and times one command on it:

- ``strings``: a file of many triple-quoted strings and one flag read (`check`), the case
  that was quadratic in `astscan._lines_in_strings`;
- ``sites``: one file with many flag reads (`remove`);
- ``one-line``: a statement of several MB on one line (`remove`);
- ``registry``: a registry of many flags and code reading unknown keys (`check`, FD003
  near-key suggestions).

Usage: ``python benchmarks/faults.py [--scale 1.0] [--only NAME]``; ``--scale`` multiplies
every size (the issue's sizes are scale 1: 8 MB of strings, 8,000 sites, 3 MB line,
20,000 flags). Only the standard library is used; flagdebt runs as ``python -m flagdebt``.
"""

from __future__ import annotations

import argparse
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


CASES: dict[str, Callable[[Path, float], list[str]]] = {
    "strings": strings, "sites": sites, "one-line": one_line, "registry": registry,
}


def _write(root: Path, registry_text: str, code: str) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "flags.toml").write_text(registry_text)
    (root / "m.py").write_text(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", choices=sorted(CASES))
    options = parser.parse_args()
    for name, build in CASES.items():
        if options.only and name != options.only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            args = build(root, options.scale)
            size = (root / "m.py").stat().st_size
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "flagdebt", *args], cwd=root,
                                  capture_output=True, text=True)
            took = time.perf_counter() - start
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            print(f"{name:9} {size / 1e6:7.1f} MB  exit {done.returncode}  {took:7.2f} s  {last[0][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
