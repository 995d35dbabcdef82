"""The Unleash client's failures, from a small stand-in server: each is one line, exit 2."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REGISTRY = "# untouched\n[flags.kept]\ntype = \"ops\"\n"
GOOD = {"version": 2, "features": [{"name": "fine", "type": "release",
                                    "createdAt": "2026-01-01T00:00:00Z"}]}


class Replies:
    """What the stand-in server answers, by path prefix: (status, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str]] = {}

    def answer(self, path: str) -> tuple[int, str]:
        for prefix, reply in self.routes.items():
            if path.startswith(prefix):
                return reply
        if path.endswith("/lifecycle"):
            return 200, "[]"
        if path.endswith("/tags"):
            return 200, '{"version": 1, "tags": []}'
        if path.startswith("/api/admin/archive/"):
            return 200, '{"version": 2, "features": []}'
        if path == "/api/admin/projects/default/features":
            return 200, json.dumps(GOOD)
        return 404, '{"name": "NotFoundError"}'


@pytest.fixture
def stand_in() -> Iterator[tuple[str, Replies]]:
    replies = Replies()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server hook's name)
            status, body = replies.answer(self.path)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", replies
    finally:
        server.shutdown()
        server.server_close()


FEATURES = "/api/admin/projects/default/features"


@pytest.mark.parametrize(("route", "reply", "message"), [
    (FEATURES, (403, '{"name": "NoAccessError"}'),
     "HTTP 403 Forbidden: the server refused UNLEASH_API_TOKEN (it needs an admin token)"),
    (FEATURES, (500, "oops"), "HTTP 500 Internal Server Error"),
    (FEATURES, (200, '{"version": 2, "features": [{"name": "cut'), "invalid JSON"),
    (FEATURES, (200, "<html>login</html>"), "invalid JSON"),
    (FEATURES, (200, '{"features": [{"name": "x", "createdAt": 5}]}'),
     "features[0] 'x': 'createdAt' must be a string, got a number 5"),
    ("/api/admin/archive/", (200, json.dumps(GOOD)), "duplicate key 'fine'"),
    ("/api/admin/projects/default/features/fine/lifecycle", (200, '{"stage": 3}'),
     "'stage' must be a non-empty string, got a number 3"),
    ("/api/admin/features/fine/tags", (200, '{"tags": "team-a"}'), "'tags' must be a list"),
], ids=["forbidden", "server-error", "truncated", "html", "wrong-type", "duplicate",
        "lifecycle-type", "tags-type"])
def test_server_failures(stand_in, route: str, reply: tuple[int, str], message: str, run,
                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, replies = stand_in
    replies.routes[route] = reply
    monkeypatch.setenv("UNLEASH_API_TOKEN", "*:*.token")
    registry = tmp_path / "flags.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    result = run(tmp_path, "registry", "import", "--from", "unleash", "--url", url)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flagdebt: error: unleash: ")
    assert message in lines[0]
    assert registry.read_text(encoding="utf-8") == REGISTRY


def test_stand_in_good_answer_imports(stand_in, run, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = stand_in
    monkeypatch.setenv("UNLEASH_API_TOKEN", "*:*.token")
    registry = tmp_path / "flags.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    result = run(tmp_path, "registry", "import", "--from", "unleash", url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "added 'fine'" in result.output and "note: 1 flag(s) of flags.toml are not in unleash: kept" \
        in result.output
    assert registry.read_text(encoding="utf-8") == REGISTRY


def test_token_never_comes_from_the_command_line(run, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNLEASH_API_TOKEN", raising=False)
    result = run(tmp_path, "registry", "import", "--from", "unleash", "--url", "http://127.0.0.1:9",
                 "--token", "x")
    assert result.exit_code == 2 and "No such option '--token'" in result.output


def test_archived_through_search_when_the_archive_endpoint_is_gone(
        stand_in, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, replies = stand_in
    replies.routes["/api/admin/archive/"] = (404, '{"name": "NotFoundError"}')
    retired = {"name": "retired", "type": "release", "createdAt": "2025-01-01T00:00:00Z",
               "archivedAt": "2025-06-30T12:00:00Z"}
    replies.routes["/api/admin/search/features?project=IS:default&archived=IS:true&limit=100&offset=0"] = (
        200, json.dumps({"features": [retired], "total": 1}))
    monkeypatch.setenv("UNLEASH_API_TOKEN", "*:*.token")
    result = run(tmp_path, "registry", "import", "--from", "unleash", "--url", url)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "flags.toml").read_text(encoding="utf-8")
    assert '[flags.retired]\ntype = "release"\ncreated = 2025-01-01\narchived = 2025-06-30\n' in text
