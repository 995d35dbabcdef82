"""The hostile-input and fault battery: nothing lost, nothing corrupted, no traceback.

Every case drives the real command line (in this process through `main`, where an
exception would surface as a test error, or in a subprocess where a signal, another user
or a hang is part of the case) and checks the exit code, the message, and that every file
not meant to change kept its bytes, mode and owner.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flagdebt.cli import main

REGISTRY = """\
[flags.x]
type = "release"
owner = "web"
created = 2026-01-01
rolled_out = 2026-02-01

[flags.y]
type = "release"
owner = "web"
created = 2026-01-01
"""
PYPROJECT = "[tool.flagdebt]\n"
TODAY = "2026-06-01"
NOBODY = 65534
ROOT = os.geteuid() == 0


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `flagdebt ARGS` in `cwd` through the console script's `main`."""

    def invoke(cwd: Path, *args: str) -> Ran:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return Ran(code, captured.out, captured.err)

    return invoke


def run_process(cwd: Path, *args: str, user: int | None = None, timeout: float = 60,
                stdin: int | None = subprocess.DEVNULL) -> Ran:
    """`python -m flagdebt ARGS` in a subprocess, as `user` when given."""
    command = [sys.executable, "-m", "flagdebt", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=stdin, env={**os.environ, "PYTHONPATH": _source_root()})
    assert "Traceback" not in done.stderr, done.stderr
    return Ran(done.returncode, done.stdout, done.stderr)


def _source_root() -> str:
    import flagdebt

    return str(Path(flagdebt.__file__).parent.parent)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def project(root: Path, files: dict[str, str | bytes]) -> Path:
    return write(root, {"pyproject.toml": PYPROJECT, "flags.toml": REGISTRY, **files})


State = dict[str, tuple[bytes | str, int, int, int]]


def snapshot(root: Path) -> State:
    """Every path below root: its bytes (or link target), mode, owner and group."""
    state: State = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            content: bytes | str = os.readlink(path)
        elif path.is_file():
            content = path.read_bytes()
        else:
            content = b""
        state[path.relative_to(root).as_posix()] = (content, info.st_mode, info.st_uid,
                                                     info.st_gid)
    return state


def assert_unchanged(before: State, root: Path, *changed: str) -> None:
    after = snapshot(root)
    for name, entry in before.items():
        if name not in changed:
            assert after.get(name) == entry, f"{name} changed"


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder another user (nobody) may enter; pytest's tmp_path is private."""
    folder = Path(tempfile.mkdtemp(prefix="flagdebt-faults-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o777)
        shutil.rmtree(folder)


def can_drop_privileges() -> bool:
    """Root with setpriv, and this checkout's Python and flagdebt readable by user nobody
    (a checkout in a private folder, such as one made by mktemp, is not)."""
    if not (ROOT and shutil.which("setpriv") is not None):
        return False
    probe = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             sys.executable, "-c", "import flagdebt.cli"]
    done = subprocess.run(probe, capture_output=True, env={**os.environ, "PYTHONPATH": _source_root()},
                          cwd="/", timeout=60)
    return done.returncode == 0


needs_nobody = pytest.mark.skipif(not can_drop_privileges(),
                                  reason="needs root, setpriv, and a checkout user nobody can read")


# ------------------------------------------------------------------ 1. line separators

SEPARATORS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_separator_in_a_comment_stays_in_the_comment(cli, tmp_path: Path, sep: str) -> None:
    source = (f'from flags import flag_enabled\n\nif not flag_enabled("x"):\n    a = 1\n'
              f'    b = 1  # x{sep}p\nd = 3\n')
    project(tmp_path, {"m.py": source})
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0, ran.text
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == "d = 3\n"


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_separator_in_a_kept_string_and_comment(cli, tmp_path: Path, sep: str) -> None:
    source = (f'from flags import flag_enabled\n\nif flag_enabled("x"):\n'
              f'    a = "q{sep}r"  # c{sep}d\nelse:\n    a = 2\nprint(a)\n')
    project(tmp_path, {"m.py": source})
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0, ran.text
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == f'a = "q{sep}r"  # c{sep}d\nprint(a)\n'


def test_form_feed_line_before_the_call(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from flags import flag_enabled\n\x0c\nif flag_enabled("x"):\n'
                               '    a = 1\n'})
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0 and "Removed 1 call site" in ran.out, ran.text
    assert (tmp_path / "m.py").read_text() == "a = 1\n"


def test_cr_only_file(cli, tmp_path: Path) -> None:
    source = b'from flags import flag_enabled\rimport os\r\rif flag_enabled("x"):\r    a = 1\rb = os\r'
    project(tmp_path, {"m.py": source})
    check = cli(tmp_path, "check", "--today", TODAY, "m.py")
    assert "m.py:4:4: FD001" in check.out, check.text
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0 and "Removed 1 call site" in ran.out, ran.text
    assert (tmp_path / "m.py").read_bytes() == b"import os\r\ra = 1\rb = os\r"


def test_lone_cr_earlier_in_the_file(cli, tmp_path: Path) -> None:
    source = b'from flags import flag_enabled\n# one\rtwo = 2\n\nif flag_enabled("x"):\n    a = 1\n'
    project(tmp_path, {"m.py": source})
    check = cli(tmp_path, "check", "--today", TODAY, "m.py")
    assert "m.py:5:4: FD001" in check.out, check.text
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0 and "Removed 1 call site" in ran.out, ran.text
    assert (tmp_path / "m.py").read_bytes() == b"# one\rtwo = 2\n\na = 1\n"


def test_lone_cr_inside_a_rewritten_statement(cli, tmp_path: Path) -> None:
    source = b'from flags import flag_enabled\nif flag_enabled("x"):\n    a = """p\rq"""\nprint(a)\n'
    project(tmp_path, {"m.py": source})
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0, ran.text
    result = (tmp_path / "m.py").read_bytes()
    namespace: dict[str, object] = {}
    exec(compile(result.replace(b"print(a)", b""), "m.py", "exec"), namespace)
    assert namespace["a"] == "p\nq"


# -------------------------------------------------------------------- 1. lost updates

def test_file_edited_during_the_run_is_left_alone(cli, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, {"a.py": 'from f import flag_enabled\nA = flag_enabled("x")\n',
                       "b.py": 'from f import flag_enabled\nB = flag_enabled("x")\n'})
    import flagdebt.removal

    real = flagdebt.removal.remove_flags

    def edit_meanwhile(*args, **kwargs):  # another editor saves a.py after it was read
        result = real(*args, **kwargs)
        (tmp_path / "a.py").write_text('from f import flag_enabled\nA = flag_enabled("x")\nC = 1\n')
        return result

    monkeypatch.setattr(flagdebt.removal, "remove_flags", edit_meanwhile)
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 1
    assert "a.py: not rewritten: changed since flagdebt read it" in ran.out
    assert "Removed 1 call site of 'x' in 1 file." in ran.out
    assert (tmp_path / "a.py").read_text().endswith("C = 1\n")
    assert (tmp_path / "b.py").read_text() == "B = True\n"
    assert_unchanged(before, tmp_path, "a.py", "b.py")


# ----------------------------------------------------------------------- 1. interrupts

def test_interrupt_during_the_write_phase_finishes_the_file_and_stops(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"m{n}.py": 'from f import flag_enabled\nA = flag_enabled("x")\n' for n in range(3)}
    project(tmp_path, files)
    import flagdebt.writing

    real = flagdebt.writing.write_change

    def interrupted(change, root):  # Ctrl-C arrives while the first file is being written
        os.kill(os.getpid(), signal.SIGINT)
        return real(change, root)

    monkeypatch.setattr(flagdebt.writing, "write_change", interrupted)
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 130
    assert "interrupted: 1 of 3 files written, 2 left unchanged." in ran.err
    assert "written: m0.py" in ran.err
    assert (tmp_path / "m0.py").read_text() == "A = True\n"
    assert_unchanged(before, tmp_path, "m0.py")


def _big_project(root: Path, count: int) -> Path:
    files: dict[str, str | bytes] = {
        f"pkg{n // 100}/m{n}.py": ("from f import flag_enabled\n\n\ndef f():\n"
                                    "    if flag_enabled(\"x\"):\n        return 1\n    return 2\n"
                                    + "".join(f"\n\ndef g{k}(a):\n    return a + {k}\n"
                                              for k in range(40)))
        for n in range(count)}
    return project(root, files)


def _wait_for(condition, limit: float) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to see pool workers")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_the_process_group_stops_fix_and_its_pool(tmp_path: Path, signum: int) -> None:
    _big_project(tmp_path, 600)
    before = snapshot(tmp_path)
    command = [sys.executable, "-m", "flagdebt", "fix", "--today", TODAY]
    child = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True,
                             env={**os.environ, "PYTHONPATH": _source_root()})
    try:
        started = _wait_for(lambda: _children(child.pid) or child.poll() is not None, 60)
        workers = _children(child.pid)
        assert started
        os.killpg(child.pid, signum)  # what Ctrl-C in a terminal does
        out, err = child.communicate(timeout=120)  # a hang detector, not a speed test
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert "Traceback" not in err, err
    if child.returncode == 0:  # the run finished before the signal: everything written
        return
    assert child.returncode == 130, (child.returncode, err)
    assert "interrupted" in err or "Aborted." in err, err  # "Aborted.": after the last write
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 30), err
    written = {line.removeprefix("written: ") for line in err.splitlines()
               if line.startswith("written: ")}
    after = snapshot(tmp_path)
    for name, entry in before.items():  # each file whole: untouched, or fully rewritten
        if after[name] != entry:
            assert "flag_enabled" not in (tmp_path / name).read_text(), name
    assert all(after[name] != before[name] for name in written)


# Where Python's own handler would raise KeyboardInterrupt badly: inside a string exec (as
# dataclasses and namedtuple build methods; CPython then remembers the interrupt as unhandled
# and `python -m` dies by SIGINT even though flagdebt chose 130), inside `__set_name__`
# (it becomes a RuntimeError) and inside an import. Each lands while `remove` plans.
LANDINGS = {
    "string-exec": 'exec("os.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(300000): pass")',
    "set-name": ("class Slot:\n        def __set_name__(self, owner, name):\n"
                 "            os.kill(os.getpid(), signal.SIGINT)\n"
                 "            for _ in range(300000): pass\n"
                 "    class Holder:\n        slot = Slot()"),
    "import": "import landing_module",
}


@pytest.mark.parametrize("landing", list(LANDINGS.values()), ids=list(LANDINGS))
def test_interrupt_inside_python_internals_still_exits_130(tmp_path: Path, landing: str) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    helper = tmp_path / "helpers"
    write(helper, {
        "landing_module.py": "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\n"
                             "for _ in range(300000): pass\n",
        "interrupted_run.py": (
            "import os, signal, sys\nimport flagdebt.removal\nfrom flagdebt.cli import main\n\n\n"
            f"def landing():\n    {landing}\n\n\n"
            "flagdebt.removal._import_codemod = landing\n"
            "sys.argv = ['flagdebt', 'remove', 'x']\nraise SystemExit(main())\n"),
    })
    before = snapshot(tmp_path)
    done = subprocess.run([sys.executable, "-m", "interrupted_run"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": f"{_source_root()}:{helper}"})
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert done.stderr == "flagdebt: interrupted before writing; no file was changed.\n"
    assert_unchanged(before, tmp_path)


def test_interrupt_is_prompt_when_main_is_called_from_exec_d_code(tmp_path: Path) -> None:
    """Code below `main` (here `python -c`, a string exec) does not hold the interrupt back."""
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    script = ("import os, signal, sys\nimport flagdebt.removal\nfrom flagdebt.cli import main\n"
              "def landing():\n    os.kill(os.getpid(), signal.SIGINT)\n    while True: pass\n"
              "flagdebt.removal._import_codemod = landing\n"
              "sys.argv = ['flagdebt', 'remove', 'x']\nsys.exit(main())\n")
    before = snapshot(tmp_path)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": _source_root()})
    assert (done.returncode, done.stderr) == (
        130, "flagdebt: interrupted before writing; no file was changed.\n")
    assert_unchanged(before, tmp_path)


# ---------------------------------------------------------------------------- 1. links

def test_symlinked_file_is_written_through_and_stays_a_link(cli, tmp_path: Path) -> None:
    project(tmp_path, {"real/impl.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (tmp_path / "link.py").symlink_to("real/impl.py")
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0, ran.text
    assert "in 1 file." in ran.out
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real/impl.py").read_text() == "A = True\n"
    assert_unchanged(before, tmp_path, "real/impl.py")


def test_symlink_to_a_file_outside_the_project_is_left_alone(cli, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"lib.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    root = project(tmp_path / "proj", {})
    (root / "lib.py").symlink_to(outside / "lib.py")
    before, elsewhere = snapshot(root), snapshot(outside)
    ran = cli(root, "remove", "x")
    assert ran.code == 1
    assert "lib.py: not rewritten: a symlink to" in ran.out and "outside the project" in ran.out
    assert_unchanged(before, root)
    assert_unchanged(elsewhere, outside)


def test_hard_link_is_not_split(cli, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"lib.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    root = project(tmp_path / "proj", {})
    os.link(outside / "lib.py", root / "lib.py")
    ran = cli(root, "remove", "x")
    assert ran.code == 0, ran.text
    assert (root / "lib.py").stat().st_ino == (outside / "lib.py").stat().st_ino
    assert (outside / "lib.py").read_text() == "A = True\n"


def test_symlinked_registry_stays_a_link_under_archive(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (tmp_path / "flags.toml").rename(tmp_path / "registry.toml")
    (tmp_path / "flags.toml").symlink_to("registry.toml")
    ran = cli(tmp_path, "remove", "x", "--archive", "--today", TODAY)
    assert ran.code == 0, ran.text
    assert (tmp_path / "flags.toml").is_symlink()
    assert f"archived = {TODAY}" in (tmp_path / "registry.toml").read_text()


# ------------------------------------------------------------------- 1. registry writes

def test_archive_before_created_is_refused_before_any_write(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x", "--archive", "--today", "2025-01-01")
    assert ran.code == 2
    assert "flags.toml:1: flag 'x': cannot archive on 2025-01-01 before its 'created' date" in ran.err
    assert_unchanged(before, tmp_path)


def test_read_only_registry_is_refused_before_any_write(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (tmp_path / "flags.toml").chmod(0o444)
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x", "--archive", "--today", TODAY)
    assert ran.code == 2
    assert "flags.toml: registry is read-only: cannot archive; nothing was changed" in ran.err
    assert_unchanged(before, tmp_path)


def test_archive_of_a_key_not_in_the_registry_is_refused_first(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("zzz")\n'})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "zzz", "--value", "on", "--archive", "--today", TODAY)
    assert ran.code == 2
    assert "flags.toml: flag 'zzz': not in the registry" in ran.err
    assert_unchanged(before, tmp_path)


FUTURE = REGISTRY + """
[flags.later]
type = "release"
owner = "web"
created = 2027-03-01
"""


@pytest.mark.parametrize("command", [["check"], ["report"], ["fix", "--diff"], ["remove", "x", "--diff"]],
                         ids=["check", "report", "fix", "remove"])
def test_created_after_today_is_a_warning(cli, tmp_path: Path, command: list[str]) -> None:
    project(tmp_path, {"flags.toml": FUTURE, "m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    quiet = cli(tmp_path, *command, "--today", "2027-03-01")
    ran = cli(tmp_path, *command, "--today", TODAY)
    warning = ("flagdebt: warning: flags.toml:12: flag 'later': 'created' (2027-03-01) is later "
               "than today (2026-06-01); check the date (or --today)\n")
    assert ran.err.count(warning) == 1, ran.err
    assert "warning" not in quiet.err
    assert ran.code == quiet.code


@pytest.mark.parametrize("command", [["check"], ["report"], ["fix"], ["remove", "x"],
                                     ["remove", "x", "--value", "on", "--archive"]],
                         ids=["check", "report", "fix", "remove", "archive"])
@pytest.mark.parametrize("header", ['[flags.""]', "[flags.'']", '[flags."  "]'])
def test_empty_key_is_a_registry_error(cli, tmp_path: Path, command: list[str], header: str) -> None:
    registry = REGISTRY + f'\n{header}\ntype = "release"\nowner = "web"\n'
    project(tmp_path, {"flags.toml": registry, "m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, *command, "--today", TODAY)
    key = header.removeprefix("[flags.").removesuffix("]")[1:-1]
    assert ran.code == 2, ran.text
    assert ran.err == f"flagdebt: error: flags.toml:12: flag '{key}': the key must not be empty\n"
    assert_unchanged(before, tmp_path)


@needs_nobody
def test_unwritable_registry_folder_is_refused_first(shared_tmp: Path) -> None:
    root = project(shared_tmp / "proj", {"conf/flags.toml": REGISTRY,
                                         "m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (root / "pyproject.toml").write_text('[tool.flagdebt]\nregistry = "conf/flags.toml"\n')
    for path in [root, *root.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    (root / "conf").chmod(0o555)
    before = snapshot(root)
    ran = run_process(root, "remove", "x", "--archive", "--today", TODAY, user=NOBODY)
    assert ran.code == 2
    assert "conf/flags.toml: cannot archive: its folder is not writable; nothing was changed" in ran.err
    assert_unchanged(before, root)


# ------------------------------------------------------------------------ 1. ownership

@pytest.mark.skipif(not ROOT, reason="only root can give a file to another user")
def test_rewritten_file_keeps_owner_and_group(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    os.chown(tmp_path / "m.py", NOBODY, NOBODY)
    (tmp_path / "m.py").chmod(0o640)
    assert cli(tmp_path, "remove", "x").code == 0
    info = (tmp_path / "m.py").stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o640)
    assert (tmp_path / "m.py").read_text() == "A = True\n"


def test_init_failure_leaves_no_registry(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    import os as os_module

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os_module, "fsync", fail)
    ran = cli(tmp_path, "init")
    assert ran.code == 2
    assert "flags.toml: cannot write registry: No space left on device" in ran.err
    assert not (tmp_path / "flags.toml").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]


# ------------------------------------------------ 2. success reported for work not done

def test_symlink_loop_is_reported_and_the_folder_still_walked(cli, tmp_path: Path) -> None:
    project(tmp_path, {"pkg/real.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (tmp_path / "x.py").symlink_to("x.py")
    check = cli(tmp_path, "check", "--today", TODAY)
    assert check.code == 1
    assert "x.py:1:1: FD900" in check.out and "Too many levels of symbolic links" in check.out
    assert "pkg/real.py:2:5: FD001" in check.out
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 1
    assert "x.py: not rewritten: Too many levels of symbolic links" in ran.out
    assert (tmp_path / "pkg/real.py").read_text() == "A = True\n"


def _as_nobody(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


@needs_nobody
def test_unreadable_file_and_folder_are_reported(shared_tmp: Path) -> None:
    root = project(shared_tmp / "proj", {
        "ok.py": 'from f import flag_enabled\nA = flag_enabled("x")\n',
        "secret.py": 'from f import flag_enabled\nB = flag_enabled("x")\n',
        "closed/inner.py": 'from f import flag_enabled\nC = flag_enabled("x")\n'})
    _as_nobody(root)
    (root / "secret.py").chmod(0o000)
    (root / "closed").chmod(0o000)
    before = snapshot(root)
    check = run_process(root, "check", "--today", TODAY, user=NOBODY)
    assert check.code == 1
    assert "secret.py:1:1: FD900" in check.out and "closed:1:1: FD900" in check.out
    assert "Permission denied" in check.out
    inside = run_process(root, "check", "closed/inner.py", user=NOBODY)
    assert inside.code == 2
    assert "path 'closed/inner.py': permission denied" in inside.err
    ran = run_process(root, "remove", "x", user=NOBODY)
    assert ran.code == 1
    assert "secret.py: not rewritten: Permission denied" in ran.out
    assert "closed: not rewritten: Permission denied" in ran.out
    assert "Removed 1 call site of 'x' in 1 file." in ran.out
    assert_unchanged(before, root, "ok.py")


GITIGNORE_KINDS = {
    "fifo": lambda path: os.mkfifo(path),
    "symlink-to-folder": lambda path: path.symlink_to(path.parent / "sub"),
    "broken-symlink": lambda path: path.symlink_to(path.parent / "nowhere"),
}
GITIGNORE_REASONS = {"fifo": "not a regular file (a FIFO, device or socket)",
                     "symlink-to-folder": "not a regular file (a folder)",
                     "broken-symlink": "No such file or directory"}


@pytest.mark.parametrize("kind", list(GITIGNORE_KINDS))
def test_unusable_gitignore_outside_git_is_a_warning(tmp_path: Path, kind: str) -> None:
    root = project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n',
                              "sub/n.py": 'from f import flag_enabled\nB = flag_enabled("x")\n'})
    GITIGNORE_KINDS[kind](root / ".gitignore")
    before = snapshot(root)
    ran = run_process(root, "check", "--today", TODAY, timeout=60)  # a hang fails by timeout
    assert ran.code == 1
    assert ran.err == (f"flagdebt: warning: .gitignore: not read ({GITIGNORE_REASONS[kind]}); "
                       "walking as if it were empty\n")
    assert "m.py:2:5: FD001" in ran.out and "sub/n.py:2:5: FD001" in ran.out
    fixed = run_process(root, "fix", "--diff", "--today", TODAY, timeout=60)
    assert fixed.code == 1 and ".gitignore: not read" in fixed.err
    assert_unchanged(before, root)


@needs_nobody
def test_unreadable_gitignore_outside_git_is_a_warning(shared_tmp: Path) -> None:
    root = project(shared_tmp / "proj", {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n',
                                         ".gitignore": "m.py\n"})
    _as_nobody(root)
    (root / ".gitignore").chmod(0o000)
    before = snapshot(root)
    ran = run_process(root, "check", "--today", TODAY, user=NOBODY)
    assert ran.code == 1
    assert ran.err == ("flagdebt: warning: .gitignore: not read (Permission denied); "
                       "walking as if it were empty\n")
    assert "m.py:2:5: FD001" in ran.out
    assert_unchanged(before, root)


@pytest.mark.parametrize("nesting", ["[" * 100_000, '{"a":' * 100_000, "[" * 50_000 + "]" * 50_000])
def test_deeply_nested_baseline_is_one_line(cli, tmp_path: Path, nesting: str) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n',
                       "base.json": nesting})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "check", "--today", TODAY, "--baseline", "base.json")
    assert ran.code == 2
    assert ran.err == "flagdebt: error: base.json: not a baseline: JSON nested too deeply\n"
    assert_unchanged(before, tmp_path)


def test_deeply_nested_source_export_is_one_line(cli, tmp_path: Path) -> None:
    project(tmp_path, {"export.json": "[" * 100_000})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "registry", "import", "--from", "launchdarkly", "export.json")
    assert ran.code == 2
    assert ran.err == "flagdebt: error: launchdarkly: export.json: JSON nested too deeply\n"
    assert_unchanged(before, tmp_path)


BETA_REGISTRY = """\
[flags.x]
type = "release"
owner = "mobile"
created = 2026-05-01

[flags.z]
type = "ops"
owner = "mobile"
created = 2026-05-01
"""


def _monorepo(root: Path) -> Path:
    """Two projects in one git repository; flag x is expired in alpha and young in beta."""
    read = 'from f import flag_enabled\nA = flag_enabled("x")\n'
    project(root / "alpha", {"app/a.py": read})
    project(root / "beta", {"flags.toml": BETA_REGISTRY, "svc/b.py": read})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_precommit_in_a_monorepo_checks_each_file_with_its_own_project(cli, tmp_path: Path,
                                                                       fmt: str) -> None:
    root = _monorepo(tmp_path)
    before = snapshot(root)
    forward = cli(root, "check", "--today", TODAY, "--format", fmt, "alpha/app/a.py", "beta/svc/b.py")
    backward = cli(root, "check", "--today", TODAY, "--format", fmt, "beta/svc/b.py", "alpha/app/a.py")
    assert forward == backward
    assert forward.code == 1
    assert "alpha/app/a.py" in forward.out and "FD001" in forward.out
    assert "beta/svc/b.py" not in forward.out  # x is young in beta: nothing to say
    if fmt != "sarif":  # (SARIF lists every rule) unused flags need the whole project, as before
        assert "FD007" not in forward.out
    if fmt == "text":  # FD008 is about the registry: reported for a partial run, as for one project
        assert "alpha/flags.toml:7:1: FD008 flag 'y'" in forward.out
        assert forward.out.endswith("Found 1 error and 1 warning in 2 files "
                                    "(4 flags in the registry, 2 call sites).\n")
    assert_unchanged(before, root)


def test_whole_projects_of_a_monorepo_keep_their_registry_wide_rules(cli, tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    ran = cli(root, "check", "--today", TODAY, "beta", "alpha")
    assert ran.code == 1
    assert "beta/flags.toml:6:1: FD007 flag 'z' is registered but no code reads it" in ran.out
    assert "alpha/flags.toml:7:1: FD007 flag 'y' is registered but no code reads it" in ran.out
    assert ran == cli(root, "check", "--today", TODAY, "alpha", "beta")


def test_files_outside_every_project_of_a_monorepo_are_named_not_checked(cli, tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    write(root, {"tools/release.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    ran = cli(root, "check", "--today", TODAY, "tools/release.py", "alpha/app/a.py")
    assert ran.code == 1
    assert ran.err == ("flagdebt: note: not checked: 1 path in no project with [tool.flagdebt] "
                       "and no registry (tools/release.py)\n")
    assert "alpha/app/a.py:2:5: FD001" in ran.out
    alone = cli(root, "check", "--today", TODAY, "tools/release.py")  # on its own: as before
    assert alone.code == 2 and "registry not found" in alone.err


@pytest.mark.parametrize("command", [["remove", "x", "--value", "on"], ["fix"], ["report"]])
def test_remove_across_projects_is_refused(cli, tmp_path: Path, command: list[str]) -> None:
    root = _monorepo(tmp_path)
    before = snapshot(root)
    ran = cli(root, *command, "--today", TODAY, "alpha/app/a.py", "beta/svc/b.py")
    assert ran.code == 2
    assert ran.err == (f"flagdebt: error: the paths lie in 2 projects (alpha/pyproject.toml, "
                       f"beta/pyproject.toml): run {command[0]} once per project (each has its "
                       "own registry), or name one with --config\n")
    assert_unchanged(before, root)
    one = cli(root, *command, "--today", TODAY, "alpha/app/a.py")  # one project: its own config
    assert one.code == 0, one.text
    if command[0] != "report":
        assert (root / "alpha/app/a.py").read_text() == "A = True\n"


def test_empty_path_is_an_error(cli, tmp_path: Path) -> None:
    project(tmp_path, {})
    ran = cli(tmp_path, "check", "")
    assert ran.code == 2
    assert "path '' is empty" in ran.err


def test_utf16_file_is_reported(cli, tmp_path: Path) -> None:
    source = 'from f import flag_enabled\nA = flag_enabled("x")\n'.encode("utf-16")
    project(tmp_path, {"wide.py": source})
    before = snapshot(tmp_path)
    check = cli(tmp_path, "check", "--today", TODAY)
    assert "wide.py:1:1: FD900 could not parse file, skipped: UTF-16 text" in check.out
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 1
    assert "wide.py: not rewritten: UTF-16 text" in ran.out
    assert_unchanged(before, tmp_path)


@pytest.mark.parametrize(("comment", "problem"), [
    ("# flagdebt: ignore[FD001] until=2026-13-45", "'until=2026-13-45' is not a date"),
    ("# flagdebt: ignore[FD001] until=tomorrow", "'until=tomorrow' is not a date"),
    ("# flagdebt: ignore[FD001] until= 2025-01-01", "'until=' is not a date"),
    ("# flagdebt: ignore[FD001] until=20261231", "'until=20261231' is not a date"),
    ("# flagdebt: ignore[FD001", "unclosed '['"),
], ids=["month-13", "word", "space", "compact", "unclosed"])
def test_malformed_suppression_silences_nothing_and_is_reported(cli, tmp_path: Path, comment: str,
                                                                problem: str) -> None:
    project(tmp_path, {"m.py": f'from f import flag_enabled\nA = flag_enabled("x")  {comment}\n'})
    ran = cli(tmp_path, "check", "--today", TODAY)
    assert ran.code == 1
    assert "m.py:2:5: FD001" in ran.out
    assert f"m.py:2:1: FD010 malformed suppression, silences nothing: {problem}" in ran.out


def test_suppression_inside_a_string_is_not_a_suppression(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\n'
                               'A = (flag_enabled("x"), "# flagdebt: ignore")\n'})
    ran = cli(tmp_path, "check", "--today", TODAY)
    assert ran.code == 1
    assert "m.py:2:6: FD001" in ran.out
    assert "FD009" not in ran.out


def test_valid_suppression_after_another_comment(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\n'
                               'A = flag_enabled("x")  # noqa: E501  # flagdebt: ignore[FD001] -- later\n'})
    ran = cli(tmp_path, "check", "--today", TODAY)
    assert ran.code == 0, ran.out


@pytest.mark.parametrize("day", ["2026-W01", "20261127", "2026-11-31", "tomorrow"])
def test_today_must_be_a_calendar_date(cli, tmp_path: Path, day: str) -> None:
    project(tmp_path, {})
    ran = cli(tmp_path, "check", "--today", day)
    assert ran.code == 2
    assert f"'{day}' is not a date like 2026-11-27" in ran.err


# ------------------------------------------------------------ 3. tracebacks and hangs

DEEP = {
    "not-chain": "A = " + "not " * 1500 + 'flag_enabled("x")\n',
    "and-chain": "A = " + " and ".join(['flag_enabled("x")'] * 1200) + "\n",
    "ternaries": "A = " + "1 if a else " * 1000 + "2\n",
    "lambdas": "A = " + "lambda: " * 500 + "1\n",
    "nested-calls": "A = " + "f(" * 180 + ")" * 180 + "\n",
    "plus-chain": "A = " + " + ".join(["1"] * 5000) + "\n",
}


@pytest.mark.parametrize("body", list(DEEP.values()), ids=list(DEEP))
def test_deep_nesting_is_fd900_and_the_run_goes_on(cli, tmp_path: Path, body: str) -> None:
    project(tmp_path, {"deep.py": 'from f import flag_enabled\nflag_enabled("x")\n' + body,
                       "ok.py": 'from f import flag_enabled\nB = flag_enabled("x")\n'})
    before = snapshot(tmp_path)
    check = cli(tmp_path, "check", "--today", TODAY, "--format", "sarif", "--output", "out.sarif")
    sarif = (tmp_path / "out.sarif").read_text()
    assert check.code == 1
    assert '"ruleId": "FD001"' in sarif
    if "too deeply nested" not in sarif:  # this Python compiled it: it was scanned normally
        assert sarif.count('"ruleId": "FD001"') >= 2
    ran = cli(tmp_path, "remove", "x")
    if "too deeply nested" in ran.out:  # a read that cannot be rewritten: nothing is (all or nothing)
        assert ran.code == 1
        assert "deep.py" in ran.out and "too deeply nested to analyse" in ran.out
        assert_unchanged(before, tmp_path, "out.sarif")
    else:
        assert ran.code in (0, 1)


@pytest.mark.parametrize("setting", ["sprint-days = 3000000000", "warn-after-sprints = 99999999999",
                                     "max-sprints = { release = 4000000000 }"])
def test_huge_integer_settings_are_validation_errors(cli, tmp_path: Path, setting: str) -> None:
    project(tmp_path, {"pyproject.toml": f"[tool.flagdebt]\n{setting}\n",
                       "m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    ran = cli(tmp_path, "check", "--today", TODAY)
    assert ran.code == 2
    assert "must be at most 10000, got integer" in ran.err


def test_last_date_rolled_out_does_not_overflow(cli, tmp_path: Path) -> None:
    project(tmp_path, {"flags.toml": '[flags.x]\ntype = "release"\nowner = "w"\n'
                                     "created = 2026-01-01\nrolled_out = 9999-12-31\n",
                       "m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    ran = cli(tmp_path, "check", "--today", TODAY)
    assert ran.code == 0, ran.text
    report = cli(tmp_path, "report", "--today", TODAY)
    assert report.code == 0


@pytest.mark.parametrize("name", ["flags.toml", "pyproject.toml", "m.py", "base.json"])
def test_fifo_is_refused_not_waited_on(tmp_path: Path, name: str) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (tmp_path / name).unlink(missing_ok=True)
    os.mkfifo(tmp_path / name)
    args = ["check", "--today", TODAY] + (["--baseline", name] if name == "base.json" else []) \
        + (["m.py"] if name == "m.py" else [])
    ran = run_process(tmp_path, *args, timeout=60)
    assert ran.code in (1, 2)
    assert "not a regular file" in ran.text or f"{name}:1:1: FD900" in ran.out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit", "markdown"])
def test_lone_surrogate_key_is_escaped(cli, tmp_path: Path, fmt: str) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("\\ud800")\n'})
    ran = run_process(tmp_path, "check", "--today", TODAY, "--format", fmt)
    assert ran.code == 1
    written = cli(tmp_path, "check", "--today", TODAY, "--format", fmt, "--output", f"out.{fmt}")
    assert written.code == 1
    assert (tmp_path / f"out.{fmt}").read_bytes().decode("utf-8")


def test_lone_surrogate_key_in_baseline_and_init(cli, tmp_path: Path) -> None:
    write(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("\\ud800")\n'
                             'B = flag_enabled("x")\n'})
    assert cli(tmp_path, "init").code == 0
    assert "left out: '\\ud800'" in (tmp_path / "flags.toml").read_text()
    check = cli(tmp_path, "check", "--today", TODAY)
    assert check.code == 1 and "FD003 flag '\\ud800'" in check.out
    assert cli(tmp_path, "check", "--today", TODAY, "--write-baseline", "b.json").code == 0
    assert cli(tmp_path, "check", "--today", TODAY, "--baseline", "b.json").code == 0


def test_output_to_a_full_device_is_one_line(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "flagdebt", "check", "--today", TODAY],
                              cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": _source_root()}, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "flagdebt: error: cannot write the output: No space left on device\n"


def test_closed_stdout_is_one_line(tmp_path: Path) -> None:
    project(tmp_path, {})
    done = subprocess.run([sys.executable, "-m", "flagdebt", "check", "--today", TODAY],
                          cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": _source_root()}, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    assert done.stderr == "flagdebt: error: standard output is closed\n"


def test_deleted_current_folder_is_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    done = subprocess.run([sys.executable, "-c", "import os, sys; os.rmdir(os.getcwd()); "
                           "from flagdebt.cli import main; sys.exit(main(['check']))"],
                          cwd=gone, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": _source_root()})
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2
    assert done.stderr == "flagdebt: error: the current folder no longer exists\n"


# --------------------------------------------------------------------------- 4. cost
# The sizes that cost seconds and gigabytes are in benchmarks/faults.py; here the limits are
# lowered so that small files cross them.

LARGE_READ = 'from f import flag_enabled\n\n\ndef gate():\n    return flag_enabled("x")\n'


def test_a_file_over_the_rewrite_limit_is_reported_and_blocks_its_flag(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flagdebt import removal

    monkeypatch.setattr(removal, "REWRITE_LIMIT", 2000)
    big = LARGE_READ + "".join(f"V{n} = {n}\n" for n in range(300))
    project(tmp_path, {"big.py": big, "small.py": LARGE_READ})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 1
    assert (f"big.py:5:26: cannot remove 'x': not rewritten: too large to rewrite "
            f"({len(big) / 1024 / 1024:.1f} MB, the limit is 0.0 MB)") in ran.text
    assert "Nothing written for 'x'" in ran.text
    assert_unchanged(before, tmp_path)
    ran = cli(tmp_path, "check", "--today", TODAY, "--format", "json")
    assert "big.py" in ran.out  # check still reads it: the limit is the rewrite's


def test_a_large_file_that_only_names_the_key_blocks_nothing(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flagdebt import removal

    monkeypatch.setattr(removal, "REWRITE_LIMIT", 2000)
    data = "NAMES = [\n" + "".join(f'    "x",  # {n}\n' for n in range(300)) + "]\n"
    project(tmp_path, {"data.py": data, "small.py": LARGE_READ})
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0, ran.text
    assert (tmp_path / "data.py").read_text() == data
    assert (tmp_path / "small.py").read_text() == "def gate():\n    return True\n"


def test_a_file_just_under_the_rewrite_limit_is_rewritten(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flagdebt import removal

    big = LARGE_READ + "".join(f"V{n} = {n}\n" for n in range(300))
    monkeypatch.setattr(removal, "REWRITE_LIMIT", len(big))
    project(tmp_path, {"big.py": big})
    ran = cli(tmp_path, "remove", "x")
    assert ran.code == 0, ran.text
    assert (tmp_path / "big.py").read_text().startswith("def gate():\n    return True\n")


def test_a_statement_over_the_limit_leaves_its_file_and_blocks_its_flag(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flagdebt import codemod

    monkeypatch.setattr(codemod, "STATEMENT_LIMIT", 1000)
    line = "A = [" + ", ".join(f'flag_enabled("x") and {n}' for n in range(60)) + "]\n"
    project(tmp_path, {"line.py": "from f import flag_enabled\n" + line, "small.py": LARGE_READ})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", "x", "--diff")
    assert ran.code == 1
    assert ("line.py:2:20: cannot remove 'x': not rewritten: a statement too large to rewrite "
            "(line 2: 0.0 MB, the limit is 0.0 MB)") in ran.text
    assert "newer Python" not in ran.text
    assert "+++" not in ran.text
    assert_unchanged(before, tmp_path)


# ----------------------------------------------------------------------- 5. messages

def test_only_expired_with_nothing_expired_says_so(cli, tmp_path: Path) -> None:
    project(tmp_path, {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    ran = cli(tmp_path, "fix", "--only-expired", "--today", "2026-02-02")
    assert ran.code == 0
    assert ran.out == "No expired flag to remove.\n"


def test_diff_header_of_an_absolute_path(cli, tmp_path: Path) -> None:
    project(tmp_path / "proj", {"m.py": 'from f import flag_enabled\nA = flag_enabled("x")\n'})
    (tmp_path / "elsewhere").mkdir()
    ran = cli(tmp_path / "elsewhere", "remove", "x", "--value", "on", "--diff", "--config",
              str(tmp_path / "proj/pyproject.toml"), str(tmp_path / "proj/m.py"))
    assert "--- a//" not in ran.out and f"--- a{tmp_path}/proj/m.py" in ran.out


@pytest.mark.parametrize(("pattern", "missing"), [("f:3", "no argument 3 (counting from 0)"),
                                                  ("f:name", "no keyword argument 'name'")])
def test_missing_key_argument_is_named_not_the_whole_call(cli, tmp_path: Path, pattern: str,
                                                          missing: str) -> None:
    project(tmp_path, {"m.py": 'f("x")\nf(*keys)\n'})
    ran = cli(tmp_path, "check", "--today", TODAY, "--call", pattern)
    assert (f"m.py:1:1: FD006 flag key missing: the call to 'f' has {missing}, where its call "
            "pattern reads the key") in ran.out
    assert "m.py:2:1: FD006 flag key 'f(*keys)' is a runtime value" in ran.out
    assert "'f(\"x\")'" not in ran.out


CONTROL_KEY = "a\x1b[31mred\nX\x00Y\x85Z\u202eW\x7f"
SHOWN_KEY = "a\\x1b[31mred\\nX\\x00Y\\x85Z\\u202eW\\x7f"


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "junit", "json", "sarif", "gitlab"])
def test_control_characters_of_a_key_are_escaped(cli, tmp_path: Path, fmt: str) -> None:
    literal = CONTROL_KEY.encode("unicode_escape").decode("ascii")
    project(tmp_path, {"m.py": f'from f import flag_enabled\nA = flag_enabled("{literal}")\n'})
    ran = cli(tmp_path, "check", "--today", TODAY, "--format", fmt)
    assert ran.code == 1
    raw = [char for char in ran.out if not char.isprintable() and char not in "\n"]
    assert raw == [], raw
    if fmt in ("text", "github", "junit"):
        assert SHOWN_KEY in ran.out
    elif fmt == "markdown":  # Markdown escapes the backslashes and the bracket once more
        assert SHOWN_KEY.replace("\\", "\\\\").replace("[", "\\[") in ran.out
    lines = [line for line in ran.out.splitlines() if "FD003" in line and fmt in ("text", "github")]
    assert len(lines) == (1 if fmt in ("text", "github") else 0)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_control_characters_of_a_key_are_escaped_in_the_owner_report(cli, tmp_path: Path,
                                                                     fmt: str) -> None:
    literal = CONTROL_KEY.encode("unicode_escape").decode("ascii")
    project(tmp_path, {"m.py": f'from f import flag_enabled\nA = flag_enabled("{literal}")\n'})
    ran = cli(tmp_path, "report", "--today", TODAY, "--format", fmt)
    assert ran.code == 0
    assert [char for char in ran.out if not char.isprintable() and char not in "\n"] == []


def test_control_characters_in_remove_messages_are_escaped(cli, tmp_path: Path) -> None:
    key = "a\x1b[31mred\u202eW\x85"  # written raw in the source (no NUL, no newline there)
    project(tmp_path, {"m.py": f'from f import flag_enabled\nA = flag_enabled("{key}")\n'})
    before = snapshot(tmp_path)
    ran = cli(tmp_path, "remove", key, "--value", "on", "--diff")
    assert ran.code == 1
    assert "Would remove 1 call site of 'a\\x1b[31mred\\u202eW\\x85' in 1 file." in ran.err
    assert [char for char in ran.err if not char.isprintable() and char not in "\n"] == []
    assert_unchanged(before, tmp_path)


def test_a_registry_problem_with_a_newline_in_its_key_stays_on_one_line(cli, tmp_path: Path) -> None:
    registry = '[flags."two\\nlines"]\ntype = "release"\ncreated = 2026-01-01\nowner = 3\n'
    project(tmp_path, {"m.py": "x = 1\n", "flags.toml": registry})
    ran = cli(tmp_path, "check", "--today", TODAY)
    assert ran.code == 2
    assert ran.err == ("flagdebt: error: flags.toml:4: flag 'two\\nlines': 'owner' must be a "
                       "string, got integer 3\n")


@pytest.mark.parametrize("key", ["a\x1b[31mred", "caf\xe9-menu", "tab\there"],
                         ids=["escape", "latin", "tab"])
def test_remove_finds_a_key_the_source_spells_with_escapes(cli, tmp_path: Path, key: str) -> None:
    literal = key.encode("unicode_escape").decode("ascii")  # "a\\x1b[31mred" in the file
    project(tmp_path, {"m.py": f'from f import flag_enabled\nA = flag_enabled("{literal}")\n'})
    ran = cli(tmp_path, "remove", key, "--value", "on")
    assert ran.code == 0, ran.err
    assert (tmp_path / "m.py").read_text() == "A = True\n"
