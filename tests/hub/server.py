"""A stand-in for the Hugging Face hub on a loopback port, for the real huggingface_hub client.

It answers what huggingface_hub 2.x asks during a download:
- ``GET /api/models/{repo}[/revision/{rev}]?blobs=True``: the commit and the files, with sizes,
  git blob ids and, for LFS files (``*.safetensors``), sha256;
- ``HEAD|GET /{repo}/resolve/{rev}/{file}``: ``X-Repo-Commit``, ``ETag`` (and ``X-Linked-Etag`` /
  ``X-Linked-Size`` for LFS files, as the hub sends them), ``Content-Length``, and ``Range``
  requests (206) for a resumed transfer;
- 404s with the hub's ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound).
Faults on demand: close the connection mid-file once, corrupt a file, slow a file down, or call
a hook when a file starts. Every request is logged.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 16 * 1024


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


@dataclass
class Revision:
    commit: str
    files: dict[str, bytes]

    def entry(self, name: str) -> dict:
        data = self.files[name]
        row = {"rfilename": name, "size": len(data), "blobId": git_blob_sha1(data)}
        if is_lfs(name):
            lfs = {
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "pointerSize": 134,
            }
            row["lfs"] = lfs
        return row


def is_lfs(name: str) -> bool:
    return name.endswith((".safetensors", ".bin", ".h5", ".msgpack"))


def etag(name: str, data: bytes) -> str:
    return hashlib.sha256(data).hexdigest() if is_lfs(name) else git_blob_sha1(data)


@dataclass
class Logged:
    method: str
    path: str
    range: str | None


@dataclass
class FakeHub:
    repos: dict[str, dict[str, Revision]] = field(default_factory=dict)
    drop_once: dict[str, int] = field(default_factory=dict)  # file -> bytes sent before closing
    corrupt: set[str] = field(default_factory=set)  # files served with flipped bytes
    slow: dict[str, float] = field(default_factory=dict)  # file -> seconds between 16 KiB chunks
    on_file_start: Callable[[str], None] | None = None
    log: list[Logged] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def add_repo(self, repo_id: str, folder: Path, *, revision: str = "main", extra=None) -> str:
        """Serve ``folder``'s files (plus ``extra`` name -> bytes) as ``repo_id`` at ``revision``."""
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        files.update(extra or {})
        digest = hashlib.sha1(repo_id.encode() + revision.encode())
        for name, data in sorted(files.items()):
            digest.update(name.encode() + hashlib.sha256(data).digest())
        commit = digest.hexdigest()
        self.repos.setdefault(repo_id, {})[revision] = Revision(commit, files)
        return commit

    def revision(self, repo_id: str, name: str) -> Revision | None:
        revisions = self.repos.get(repo_id, {})
        return revisions.get(name) or next(
            (r for r in revisions.values() if r.commit == name), None
        )

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_for(self, name: str, method: str = "GET") -> list[Logged]:
        return [r for r in self.log if r.method == method and r.path.endswith("/" + name)]

    def __enter__(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


_API = re.compile(r"/api/models/(?P<repo>.+?)(?:/revision/(?P<rev>[^/]+))?")
_RESOLVE = re.compile(r"/(?P<repo>[^/]+/[^/]+|[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeHub

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        raw = urlsplit(self.path).path  # matched quoted: a revision may hold "/" (refs/pr/1)
        self.fake.log.append(Logged(self.command, unquote(raw), self.headers.get("Range")))
        if match := _API.fullmatch(raw):
            self._api(unquote(match["repo"]), unquote(match["rev"] or "main"))
        elif match := _RESOLVE.fullmatch(raw):
            self._file(unquote(match["repo"]), unquote(match["rev"]), unquote(match["file"]), body)
        else:
            self._error(404, "RepoNotFound")

    def _api(self, repo_id: str, name: str) -> None:
        if repo_id not in self.fake.repos:
            return self._error(404, "RepoNotFound")
        revision = self.fake.revision(repo_id, name)
        if revision is None:
            return self._error(404, "RevisionNotFound")
        siblings = [revision.entry(n) for n in sorted(revision.files)]
        data = json.dumps({"id": repo_id, "sha": revision.commit, "siblings": siblings}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _file(self, repo_id: str, name: str, filename: str, body: bool) -> None:
        if repo_id not in self.fake.repos:
            return self._error(404, "RepoNotFound")
        revision = self.fake.revision(repo_id, name)
        if revision is None:
            return self._error(404, "RevisionNotFound")
        if filename not in revision.files:
            return self._error(404, "EntryNotFound")
        data = revision.files[filename]
        served = bytes(b ^ 0xFF for b in data) if filename in self.fake.corrupt else data
        start = _range_start(self.headers.get("Range"))
        self.send_response(206 if start else 200)
        self.send_header("X-Repo-Commit", revision.commit)
        self.send_header("ETag", f'"{etag(filename, data)}"')
        if is_lfs(filename):
            self.send_header("X-Linked-Etag", f'"{etag(filename, data)}"')
            self.send_header("X-Linked-Size", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if body:
            self._send_body(filename, served, start)

    def _send_body(self, filename: str, data: bytes, start: int) -> None:
        if self.fake.on_file_start is not None:
            self.fake.on_file_start(filename)
        cut = self.fake.drop_once.pop(filename, None) if not start else None
        end = cut if cut is not None else len(data)
        try:
            for offset in range(start, end, CHUNK):
                self.wfile.write(data[offset : min(offset + CHUNK, end)])
                self.wfile.flush()
                if delay := self.fake.slow.get(filename):
                    time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (cancel)
            self.close_connection = True
            return
        if cut is not None:  # the connection drops mid-file
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def _error(self, status: int, code: str) -> None:
        data = json.dumps({"error": code}).encode()
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _range_start(header: str | None) -> int:
    match = re.fullmatch(r"bytes=(\d+)-", header or "")
    return int(match[1]) if match else 0
