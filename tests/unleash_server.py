"""A real Unleash server for the tests: PostgreSQL from Debian, unleash-server from npm.

Both listen on 127.0.0.1 only, on free ports, with their data in a temporary folder that is
removed afterwards; both processes are stopped even when a test fails.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

UNLEASH_VERSION = "6.10.1"  # supports node 18 (Debian 12) and 20
ADMIN_TOKEN = "*:*.flagdebt-test-admin-token"
START_SCRIPT = """\
const unleash = require(process.env.UNLEASH_MODULE);
unleash.start({
  db: {host: '127.0.0.1', port: Number(process.env.PG_PORT), user: 'unleash', password: 'unused',
       database: 'postgres', ssl: false},
  server: {host: '127.0.0.1', port: Number(process.env.UNLEASH_PORT)},
  authentication: {initApiTokens: [{environment: '*', project: '*', type: 'admin',
                                    tokenName: 'flagdebt-tests', secret: process.env.ADMIN_TOKEN}]},
  versionCheck: {enable: false},
  sendTelemetry: false,
}).then(() => console.log('UNLEASH READY'), (error) => { console.error(error); process.exit(1); });
"""


class Unavailable(Exception):
    """node/npm or PostgreSQL is not installed here: the live tests skip with this reason."""


@dataclass(frozen=True)
class Server:
    url: str
    token: str

    def call(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path:
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None and not glob.glob(f"/usr/lib/postgresql/*/bin/{name}"):
            raise Unavailable("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else Path(str(shutil.which("initdb"))).parent


def install_unleash(cache: Path) -> Path:
    """unleash-server, pinned, installed once into `cache`; its module folder."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise Unavailable("node/npm are not installed (apt-get install nodejs npm; .ci/run does)")
    module = cache / "node_modules" / "unleash-server"
    manifest = module / "package.json"
    if manifest.exists() and json.loads(manifest.read_text())["version"] == UNLEASH_VERSION:
        return module
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text('{"name": "flagdebt-test-unleash", "private": true}\n')
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
                           f"unleash-server@{UNLEASH_VERSION}"], cwd=cache, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"npm install unleash-server@{UNLEASH_VERSION} failed:\n{done.stdout[-3000:]}")
    return module


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def postgres(bindir: Path) -> Iterator[int]:
    folder = Path(tempfile.mkdtemp(prefix="flagdebt-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"
    started = False
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "unleash",
                                     "--auth=trust"]), check=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                     "-l", str(folder / "log"), "-w", "-t", "60", "start"]),
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        started = True
        yield port
    finally:
        if started:
            subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                         "-w", "stop"]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def unleash(module: Path, pg_port: int) -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="flagdebt-unleash-"))
    script = folder / "start.js"
    script.write_text(START_SCRIPT)
    port = free_port()
    env = dict(os.environ, UNLEASH_MODULE=str(module), PG_PORT=str(pg_port), UNLEASH_PORT=str(port),
               ADMIN_TOKEN=ADMIN_TOKEN, LOG_LEVEL="warn", CHECK_VERSION="false",
               SEND_TELEMETRY="false")
    log = (folder / "unleash.log").open("wb")
    process = subprocess.Popen(["node", str(script)], cwd=folder, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", ADMIN_TOKEN)
    try:
        _wait_ready(server, process, folder / "unleash.log")
        yield server
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(server: Server, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"unleash-server exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            server.call("GET", "/api/admin/projects/default/features")
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"unleash-server did not start:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, 15)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()


@contextmanager
def running_unleash(cache: Path) -> Iterator[Server]:
    """PostgreSQL and Unleash, started and stopped around the block."""
    bindir = postgres_bin()
    module = install_unleash(cache)
    with postgres(bindir) as pg_port, unleash(module, pg_port) as server:
        yield server
