"""Build the flagdebt benchmark corpus reproducibly.

Steps (each skipped when already done, so re-running is fast):

1. download seven pinned pure-Python wheels into ``benchmarks/.wheels/`` with
   ``pip download --require-hashes`` (see ../shared/BENCHMARK.md next to the checkout);
2. extract only their ``.py`` files into ``benchmarks/.corpus/<name>-<version>/``;
3. inject ``flag_enabled("flag-NNN")`` call sites into about 2% of the files,
   deterministically (fixed seed, sorted files), by editing source lines located
   with ``ast``; every touched file must still ``compile()``;
4. write ``flags.toml`` (the registry), ``pyproject.toml`` (``[tool.flagdebt]``)
   and ``manifest.json`` (every injected site, flag statistics and the flag
   ``run.py`` uses for the removal benchmark) into the corpus.

Usage: ``python benchmarks/corpus.py [--force] [--verify]``.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import tomllib

BENCH_DIR = Path(__file__).resolve().parent
WHEEL_DIR = BENCH_DIR / ".wheels"
CORPUS_DIR = BENCH_DIR / ".corpus"
STAMP_FILE = ".stamp"
MANIFEST_FILE = "manifest.json"

SEED = 20261127
BENCHMARK_DATE = date(2026, 11, 27)
SPRINT_DAYS = 14
MAX_SPRINTS = {"release": 4, "experiment": 2, "ops": None, "permission": None}
N_FLAGS = 300
STATES = ("expired", "recent", "open", "archived")
N_UNREGISTERED = 6  # keys used in code but missing from flags.toml
N_UNUSED = 30  # registered flags that are never referenced in code
N_HOT = 5  # flags that get sites in several files (candidates for `remove`)
INJECT_FRACTION = 0.02
IMPORT_LINE = "from flagdebt_flags import flag_enabled"
SHAPES = ("if-else", "ternary", "if-not")
TERNARIES = (
    ("flag_mode", '"new"', '"legacy"'),
    ("flag_limit", "100", "10"),
    ("use_v2", "True", "False"),
)
# Directory names a flag scanner is likely to skip by default; no sites go there.
SKIPPED_DIR_NAMES = frozenset(
    {"build", "dist", "env", "venv", "site-packages", "node_modules"}
)


@dataclass(frozen=True)
class Wheel:
    """One pinned wheel of the corpus."""

    name: str
    version: str
    sha256: str

    @property
    def normalized(self) -> str:
        return re.sub(r"[-_.]+", "_", self.name).lower()

    @property
    def dirname(self) -> str:
        return f"{self.name}-{self.version}"

    def requirement(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


WHEELS = (
    Wheel(
        "Django",
        "4.2.11",
        "ddc24a0a8280a0430baa37aff11f28574720af05888c62b7cfe71d219f4599d3",
    ),
    Wheel(
        "ansible-core",
        "2.16.5",
        "371b0bb11d109a58982684307c18cc44ff8d408b1b3350c0c5c78d9f096ee1f1",
    ),
    Wheel(
        "homeassistant",
        "2024.1.6",
        "b1526ac823737a48959b1a46a493ac158174b4a7fbcaeb2a701e738f7b9241bc",
    ),
    Wheel(
        "networkx",
        "3.2.1",
        "f18c69adc97877c42332c170849c96cefa91881c99a7cb3e95b7c659ebdc1ec2",
    ),
    Wheel(
        "sympy",
        "1.12",
        "c3588cd4295d0c0f603d0f2ae780587e64e2efeedb3521e46b9bb1d08d184fa5",
    ),
    Wheel(
        "transformers",
        "4.36.2",
        "462066c4f74ee52516f12890dcc9ec71d1a5e97998db621668455117a54330f6",
    ),
    Wheel(
        "Twisted",
        "23.10.0",
        "4ae8bce12999a35f7fe6443e7f1893e6fe09588c8d2bed9c35cdce8ff2d5b444",
    ),
)


# --------------------------------------------------------------------------- wheels


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_wheel(wheel: Wheel) -> Path | None:
    """The downloaded file of `wheel`, if present with the pinned hash."""
    if not WHEEL_DIR.is_dir():
        return None
    for path in sorted(WHEEL_DIR.glob("*.whl")):
        name, version = path.name.split("-")[:2]
        same_name = re.sub(r"[-_.]+", "_", name).lower() == wheel.normalized
        if same_name and version == wheel.version and sha256_of(path) == wheel.sha256:
            return path
    return None


def download_wheels() -> dict[Wheel, Path]:
    """Download the missing wheels with hash checking; return every wheel's file."""
    missing = [wheel for wheel in WHEELS if find_wheel(wheel) is None]
    if missing:
        WHEEL_DIR.mkdir(parents=True, exist_ok=True)
        requirements = WHEEL_DIR / "requirements.txt"
        requirements.write_text("".join(w.requirement() + "\n" for w in missing))
        print(f"downloading {len(missing)} wheel(s) into {WHEEL_DIR} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--only-binary",
                ":all:",
                "--no-deps",
                "--python-version",
                "3.11",
                "--require-hashes",
                "--dest",
                str(WHEEL_DIR),
                "-r",
                str(requirements),
            ],
            check=True,
        )
    found = {wheel: find_wheel(wheel) for wheel in WHEELS}
    absent = [wheel.dirname for wheel, path in found.items() if path is None]
    if absent:
        raise SystemExit(f"error: wheels missing after download: {', '.join(absent)}")
    return {wheel: path for wheel, path in found.items() if path is not None}


# --------------------------------------------------------------------------- extraction


def safe_member_path(member: str) -> PurePosixPath | None:
    """A wheel member's relative path, or None if it is unsafe or not a .py file."""
    path = PurePosixPath(member)
    if not member.endswith(".py") or path.is_absolute() or ".." in path.parts:
        return None
    return path


def extract_py_files(wheel_file: Path, target: Path) -> int:
    """Extract the .py files of one wheel into `target`; return how many."""
    count = 0
    with zipfile.ZipFile(wheel_file) as archive:
        for info in archive.infolist():
            relative = safe_member_path(info.filename)
            if relative is None or info.is_dir():
                continue
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.read(info))
            count += 1
    return count


def extract_all(wheel_files: dict[Wheel, Path]) -> None:
    """Recreate the corpus directory from the wheels (pristine .py files only)."""
    if CORPUS_DIR.exists():
        shutil.rmtree(CORPUS_DIR)
    CORPUS_DIR.mkdir(parents=True)
    for wheel, path in wheel_files.items():
        count = extract_py_files(path, CORPUS_DIR / wheel.dirname)
        print(f"  extracted {count:6d} .py files from {path.name}", flush=True)


def corpus_files(root: Path) -> list[Path]:
    """Every .py file under `root`, sorted by relative POSIX path."""
    files = [
        Path(dirpath, name)
        for dirpath, _dirs, names in os.walk(root)
        for name in names
        if name.endswith(".py")
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


# --------------------------------------------------------------------------- flags


@dataclass
class FlagSpec:
    """A registry entry as written to flags.toml (dates are optional)."""

    key: str
    type: str
    owner: str
    created: date
    rolled_out: date | None = None
    rolled_back: date | None = None
    remove_by: date | None = None
    archived: date | None = None

    def expired(self, today: date = BENCHMARK_DATE) -> bool:
        """Past its explicit deadline, or settled longer than its type allows."""
        if self.remove_by is not None and self.remove_by < today:
            return True
        settled = self.rolled_out or self.rolled_back
        sprints = MAX_SPRINTS.get(self.type)
        if settled is None or sprints is None:
            return False
        return settled + timedelta(days=sprints * SPRINT_DAYS) < today

    def to_toml(self) -> str:
        lines = [
            f"[flags.{self.key}]",
            f'type = "{self.type}"',
            f'owner = "{self.owner}"',
            f"created = {self.created.isoformat()}",
        ]
        for name in ("rolled_out", "rolled_back", "remove_by", "archived"):
            value = getattr(self, name)
            if value is not None:
                lines.append(f"{name} = {value.isoformat()}")
        return "\n".join(lines) + "\n"


@dataclass
class FlagPlan:
    """Which flag keys exist, which are registered, and the order sites draw them in."""

    registry: dict[str, FlagSpec]
    unregistered: list[str]
    unused: list[str]
    hot: list[str]
    deck: list[str] = field(default_factory=list)
    used_pool: list[str] = field(default_factory=list)
    rejected: list[str] = field(
        default_factory=list
    )  # edited files that failed compile()


def flag_key(number: int) -> str:
    return f"flag-{number:03d}"


def days_before(rng: random.Random, day: date, low: int, high: int) -> date:
    return day - timedelta(days=rng.randint(low, high))


def make_flag(
    rng: random.Random, key: str, state: str, flag_type: str, may_roll_back: bool = True
) -> FlagSpec:
    """A registry entry whose dates put it in `state` on BENCHMARK_DATE.

    States: "open" (not settled yet), "recent" (settled, still within its allowed
    sprints), "expired" (past its sprints or its remove_by), "archived".
    """
    today = BENCHMARK_DATE
    owner = f"team-{rng.choice('abcdefgh')}"
    spec = FlagSpec(key, flag_type, owner, created=days_before(rng, today, 20, 600))
    sprints = MAX_SPRINTS[flag_type]
    if state == "open" or (state == "expired" and sprints is None):
        if (
            state == "expired"
        ):  # ops / permission flags expire only by an explicit deadline
            spec.remove_by = days_before(rng, today, 1, 200)
            spec.created = min(spec.created, spec.remove_by - timedelta(days=rng.randint(7, 120)))
        elif rng.random() < 0.15:
            spec.remove_by = today + timedelta(days=rng.randint(14, 200))
        return spec
    window = sprints * SPRINT_DAYS if sprints else 120
    if state == "expired":
        settled = days_before(rng, today, window + 7, window + 400)
    elif state == "recent":
        settled = days_before(rng, today, 1, window - 2)
    else:  # archived
        settled = days_before(rng, today, 60, 300)
        spec.archived = settled + timedelta(days=rng.randint(7, 50))
    spec.created = min(spec.created, settled - timedelta(days=rng.randint(7, 120)))
    if may_roll_back and state != "archived" and rng.random() < 0.2:
        spec.rolled_back = settled
    else:
        spec.rolled_out = settled
    return spec


def plan_flags(rng: random.Random) -> FlagPlan:
    """Choose flag states and build the deck of keys that injected sites draw from."""
    keys = [flag_key(n) for n in range(N_FLAGS)]
    shuffled = keys[:]
    rng.shuffle(shuffled)
    unregistered = sorted(shuffled[:N_UNREGISTERED])
    unused = sorted(shuffled[N_UNREGISTERED : N_UNREGISTERED + N_UNUSED])
    hot = sorted(
        shuffled[N_UNREGISTERED + N_UNUSED : N_UNREGISTERED + N_UNUSED + N_HOT]
    )
    registry: dict[str, FlagSpec] = {}
    for key in keys:
        if key in unregistered:
            continue
        if (
            key in hot
        ):  # expired release flags, rolled out: ideal `remove --value on` targets
            spec = make_flag(rng, key, "expired", "release", may_roll_back=False)
        else:
            flag_type = rng.choices(list(MAX_SPRINTS), weights=[60, 20, 12, 8])[0]
            state = rng.choices(STATES, weights=[31, 21, 44, 4])[0]
            spec = make_flag(rng, key, state, flag_type)
        registry[key] = spec
    used = [key for key in keys if key not in unused]
    deck = [key for key in used if key not in unregistered]
    for key in hot:
        deck += [key] * rng.randint(3, 6)
    rng.shuffle(deck)
    for key in unregistered:  # early in the deck, so they surely get a site
        deck.insert(rng.randrange(100), key)
    return FlagPlan(registry, unregistered, unused, hot, deck, used)


def draw_key(rng: random.Random, plan: FlagPlan) -> str:
    """The next flag key for a site: from the deck, then at random among used keys."""
    if plan.deck:
        return plan.deck.pop(0)
    return rng.choice(plan.used_pool)


# --------------------------------------------------------------------------- injection


@dataclass(frozen=True)
class Site:
    """One injected call site, as found in the final file."""

    path: str
    line: int
    col: int
    flag: str
    shape: str


@dataclass(frozen=True)
class Edit:
    """Replace line `line` (1-based) of a file by `new_lines`."""

    line: int
    new_lines: tuple[str, ...]
    shape: str
    flag: str


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split exactly where Python's tokenizer splits them."""
    return io.StringIO(text, newline="").readlines()


def line_ending(line: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return ending
    return "\n"


def is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


SIMPLE_STMTS = (ast.Expr, ast.Assign, ast.AugAssign, ast.Return, ast.Raise)


def function_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Simple statements anywhere inside a function body (not in nested classes)."""

    def visit(body: list[ast.stmt], in_function: bool) -> Iterator[ast.stmt]:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(node.body, True)
            elif isinstance(node, ast.ClassDef):
                yield from visit(node.body, False)
            else:
                if (
                    in_function
                    and isinstance(node, SIMPLE_STMTS)
                    and not is_docstring(node)
                ):
                    yield node
                for name in ("body", "orelse", "finalbody"):
                    yield from visit(getattr(node, name, []) or [], in_function)
                for handler in getattr(node, "handlers", []) or []:
                    yield from visit(handler.body, in_function)
                for case in getattr(node, "cases", []) or []:
                    yield from visit(case.body, in_function)

    yield from visit(tree.body, False)


def owns_its_line(node: ast.stmt, lines: list[str]) -> bool:
    """The statement is alone on one physical line (a trailing comment is allowed)."""
    if node.end_lineno != node.lineno or node.end_col_offset is None:
        return False
    raw = lines[node.lineno - 1].encode("utf-8")
    head, tail = raw[: node.col_offset], raw[node.end_col_offset :].strip()
    return not head.strip() and (not tail or tail.startswith(b"#"))


def indent_step(indent: str) -> str:
    return "\t" if "\t" in indent else "    "


def build_edit(rng: random.Random, node: ast.stmt, lines: list[str], flag: str) -> Edit:
    """One of the three injection shapes around or before statement `node`."""
    line = lines[node.lineno - 1]
    eol = line_ending(line)
    indent = line[: node.col_offset]
    body = line[node.col_offset :].rstrip("\r\n")
    inner = indent + indent_step(indent)
    call = f'flag_enabled("{flag}")'
    shape = rng.choice(SHAPES)
    new: tuple[str, ...]
    if shape == "if-else":
        other = body if rng.random() < 0.5 else "pass"
        new = (
            f"{indent}if {call}:",
            f"{inner}{body}",
            f"{indent}else:",
            f"{inner}{other}",
        )
    elif shape == "ternary":
        name, on, off = rng.choice(TERNARIES)
        new = (f"{indent}{name} = {on} if {call} else {off}", line.rstrip("\r\n"))
    else:
        new = (f"{indent}if not {call}:", f"{inner}{body}")
        if rng.random() < 0.3:
            new += (f"{indent}else:", f"{inner}pass")
    return Edit(node.lineno, tuple(text + eol for text in new), shape, flag)


def is_future_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def import_line_index(tree: ast.Module) -> int:
    """0-based line index at which the flag_enabled import can be inserted."""
    body = tree.body
    index = 0
    if body and is_docstring(body[0]):
        index = 1
    while index < len(body) and is_future_import(body[index]):
        index += 1
    if index > 0:
        return body[index - 1].end_lineno or 0
    first = body[0]
    decorators: list[ast.expr] = getattr(first, "decorator_list", [])
    return min([first.lineno] + [d.lineno for d in decorators]) - 1


def apply_edits(text: str, tree: ast.Module, edits: list[Edit]) -> str:
    lines = split_lines(text)
    for edit in sorted(edits, key=lambda e: e.line, reverse=True):
        lines[edit.line - 1 : edit.line] = list(edit.new_lines)
    eol = line_ending(lines[0]) if lines else "\n"
    index = import_line_index(tree)
    if index > 0 and not lines[index - 1].endswith(("\n", "\r")):
        lines[index - 1] += eol
    lines.insert(index, IMPORT_LINE + eol)
    return "".join(lines)


def found_sites(text: str, relative: str) -> list[tuple[int, int, str]]:
    """(line, col, key) of every flag_enabled("...") call in `text`, in source order."""
    calls = []
    for node in ast.walk(ast.parse(text, relative)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "flag_enabled"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            calls.append((node.lineno, node.col_offset, node.args[0].value))
    return sorted(calls)


def inject_file(
    rng: random.Random, path: Path, relative: str, plan: FlagPlan
) -> list[Site]:
    """Inject one or two sites into `path`; return them, or [] (file left unchanged)."""
    original = path.read_bytes()
    if b"flag_enabled" in original or b"\x0c" in original:
        return []
    try:
        text = original.decode("utf-8")
        tree = ast.parse(text, relative)
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return []
    if not tree.body:
        return []
    lines = split_lines(text)
    candidates = [n for n in function_statements(tree) if owns_its_line(n, lines)]
    if not candidates:
        return []
    count = min(len(candidates), 1 if rng.random() < 0.7 else 2)
    chosen = sorted(rng.sample(candidates, count), key=lambda n: n.lineno)
    edits = [build_edit(rng, node, lines, draw_key(rng, plan)) for node in chosen]
    new_text = apply_edits(text, tree, edits)
    try:
        compile(new_text, relative, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        plan.deck[:0] = [edit.flag for edit in edits]  # give the keys back
        plan.rejected.append(relative)
        return []
    calls = found_sites(new_text, relative)
    if [key for _l, _c, key in calls] != [edit.flag for edit in edits]:
        plan.deck[:0] = [edit.flag for edit in edits]
        plan.rejected.append(relative)
        return []
    path.write_bytes(new_text.encode("utf-8"))
    return [
        Site(relative, line, col, key, e.shape)
        for (line, col, key), e in zip(calls, edits, strict=True)
    ]


def injectable(relative: str) -> bool:
    return not SKIPPED_DIR_NAMES.intersection(PurePosixPath(relative).parts)


def inject_all(rng: random.Random, files: list[Path], plan: FlagPlan) -> list[Site]:
    """Inject sites into about INJECT_FRACTION of `files`, in a seeded random order."""
    target = round(len(files) * INJECT_FRACTION)
    order = files[:]
    rng.shuffle(order)
    sites: list[Site] = []
    touched = 0
    for path in order:
        if touched == target:
            break
        relative = path.relative_to(CORPUS_DIR).as_posix()
        if not injectable(relative):
            continue
        new_sites = inject_file(rng, path, relative, plan)
        if new_sites:
            sites += new_sites
            touched += 1
    return sorted(sites, key=lambda s: (s.path, s.line))


# --------------------------------------------------------------------------- outputs


def write_registry(plan: FlagPlan) -> None:
    header = (
        "# Registry of the flagdebt benchmark corpus, made by benchmarks/corpus.py.\n"
        f"# Benchmark date: {BENCHMARK_DATE.isoformat()}. Do not edit.\n\n"
    )
    entries = "\n".join(spec.to_toml() for spec in plan.registry.values())
    (CORPUS_DIR / "flags.toml").write_text(header + entries)
    (CORPUS_DIR / "pyproject.toml").write_text(
        '[tool.flagdebt]\nregistry = "flags.toml"\n'
    )
    with (CORPUS_DIR / "flags.toml").open("rb") as handle:
        parsed = tomllib.load(handle)
    assert len(parsed["flags"]) == len(plan.registry), "flags.toml does not round-trip"


def pick_remove_flag(plan: FlagPlan, sites: list[Site]) -> str:
    """The hot flag with sites in the most files (ties: lowest key)."""
    files: dict[str, set[str]] = {}
    for site in sites:
        files.setdefault(site.flag, set()).add(site.path)
    return max(sorted(plan.hot), key=lambda key: len(files.get(key, ())))


def corpus_totals(files: list[Path]) -> dict[str, int]:
    total_bytes = total_lines = 0
    for path in files:
        data = path.read_bytes()
        total_bytes += len(data)
        total_lines += data.count(b"\n") + (
            1 if data and not data.endswith(b"\n") else 0
        )
    return {"files": len(files), "lines": total_lines, "bytes": total_bytes}


def build_manifest(
    files: list[Path], plan: FlagPlan, sites: list[Site]
) -> dict[str, object]:
    used = sorted({site.flag for site in sites})
    registered = set(plan.registry)
    remove_flag = pick_remove_flag(plan, sites)
    return {
        "seed": SEED,
        "benchmark_date": BENCHMARK_DATE.isoformat(),
        "wheels": [asdict(wheel) for wheel in WHEELS],
        **corpus_totals(files),
        "injected_files": len({site.path for site in sites}),
        "injected_sites": len(sites),
        "shapes": {
            shape: sum(1 for s in sites if s.shape == shape) for shape in SHAPES
        },
        "flags_registered": len(registered),
        "flags_expired": sorted(
            k for k, spec in plan.registry.items() if spec.expired()
        ),
        "flags_used": used,
        "flags_unused": sorted(registered - set(used)),
        "flags_unregistered": sorted(set(used) - registered),
        "rejected_files": plan.rejected,
        "remove_flag": remove_flag,
        "remove_flag_files": sorted({s.path for s in sites if s.flag == remove_flag}),
        "sites": [asdict(site) for site in sites],
    }


def print_summary(manifest: dict[str, object]) -> None:
    def count(key: str) -> int:
        value = manifest[key]
        return len(value) if isinstance(value, list) else int(str(value))

    print(f"corpus: {CORPUS_DIR}")
    print(
        f"  {count('files'):,} .py files, {count('lines'):,} lines, "
        f"{count('bytes') / 1e6:.1f} MB ({count('bytes') / 2**20:.1f} MiB)"
    )
    print(
        f"  injected {count('injected_sites')} sites into "
        f"{count('injected_files')} files (shapes: {manifest['shapes']}; "
        f"{count('rejected_files')} edited files failed compile() and were left "
        "unchanged)"
    )
    print(
        f"  flags: {count('flags_registered')} registered, "
        f"{count('flags_expired')} expired on {manifest['benchmark_date']}, "
        f"{count('flags_used')} used in code, "
        f"{count('flags_unused')} registered but unused, "
        f"{count('flags_unregistered')} used but unregistered "
        f"{manifest['flags_unregistered']}"
    )
    print(
        f"  remove benchmark flag: {manifest['remove_flag']} "
        f"({count('remove_flag_files')} files)"
    )


# --------------------------------------------------------------------------- driver


def build_key() -> str:
    """Changes whenever the inputs of the build change (wheels, seed, this script)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(json.dumps([asdict(w) for w in WHEELS]).encode())
    digest.update(str(SEED).encode())
    return digest.hexdigest()


def is_built() -> bool:
    stamp = CORPUS_DIR / STAMP_FILE
    return (
        stamp.is_file()
        and stamp.read_text().strip() == build_key()
        and (CORPUS_DIR / MANIFEST_FILE).is_file()
    )


def verify_parse(files: list[Path]) -> int:
    """ast.parse every file (slow: ~40 s); return the number that fail."""
    failures = 0
    for path in files:
        try:
            ast.parse(path.read_bytes(), str(path))
        except (SyntaxError, ValueError) as error:
            failures += 1
            print(f"  does not parse: {path}: {error}")
    return failures


def build() -> dict[str, object]:
    wheel_files = download_wheels()
    print(f"building {CORPUS_DIR} ...", flush=True)
    (CORPUS_DIR / STAMP_FILE).unlink(missing_ok=True)
    extract_all(wheel_files)
    files = corpus_files(CORPUS_DIR)
    rng = random.Random(SEED)
    plan = plan_flags(rng)
    sites = inject_all(rng, files, plan)
    write_registry(plan)
    manifest = build_manifest(files, plan, sites)
    (CORPUS_DIR / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n")
    (CORPUS_DIR / STAMP_FILE).write_text(build_key() + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--force", action="store_true", help="rebuild even if up to date"
    )
    parser.add_argument(
        "--verify", action="store_true", help="also ast.parse every file (~40 s)"
    )
    args = parser.parse_args(argv)
    if args.force or not is_built():
        manifest = build()
    else:
        print("corpus is up to date (use --force to rebuild)")
        manifest = json.loads((CORPUS_DIR / MANIFEST_FILE).read_text())
    print_summary(manifest)
    if args.verify:
        failures = verify_parse(corpus_files(CORPUS_DIR))
        print(f"  verify: {failures} file(s) do not parse")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
