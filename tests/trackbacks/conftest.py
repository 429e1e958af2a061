"""A small HTTP server on 127.0.0.1 that tests program page by page."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Page:
    status: int = 200
    body: bytes | str = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = "text/html; charset=utf-8"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class WebServer:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.received: list[Received] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.received.append(
                    Received(self.command, self.path, dict(self.headers.items()), body)
                )
                page = server.pages.get(self.path) or server.pages.get(self.path.split("?")[0])
                if page is None:
                    page = Page(404, b"not found")
                content = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
                self.send_response(page.status)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                for name, value in page.headers:
                    self.send_header(name, value.replace("{base}", server.url("")))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", status: int = 200, **kwargs) -> str:
        if isinstance(body, str):
            body = body.replace("{base}", self.url(""))
        self.pages[path] = Page(status, body, **kwargs)
        return self.url(path)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def web(settings):
    """A local web server, with the fetcher allowed to reach loopback."""
    settings.KIJI_TRACKBACKS_FETCH_ALLOW_LOOPBACK = True
    server = WebServer()
    yield server
    server.stop()
