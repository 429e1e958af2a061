"""Real Kiji server processes for the reliability suites: gunicorn on 127.0.0.1.

`Server(database_url, **env)` migrates nothing: it serves an existing
database (the test database on PostgreSQL, a migrated file on SQLite) with
production settings (DEBUG off) from the environment, as the README's Deploy
section runs it, and keeps its log for the assertions.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BASE_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "server-test-key-" + "s" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "STATICFILES_MANIFEST": "false",
    "EMAIL_URL": "dummymail://",
    "COMMENTS_PER_MINUTE": "0",
    "COMMENTS_MIN_FORM_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
}


def manage(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(database_url, env),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _env(database_url: str, extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    return {
        **keep,
        **BASE_ENV,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        **extra,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class Server:
    def __init__(self, database_url: str, log_path: Path, *, workers: int = 3, **env: str):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--backlog",
                "512",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=_env(database_url, env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, body: str | None = None, headers=None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read().decode("utf-8", "replace"),
            )
        finally:
            connection.close()

    def csrf(self, path: str) -> tuple[str, str]:
        """(cookie header, form token) from a page with a form."""
        page = self.request("GET", path)
        cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("set-cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
        return f"csrftoken={cookie}", token

    def post_form(self, path: str, data: dict, cookie: str) -> Answer:
        return self.request(
            "POST",
            path,
            urllib.parse.urlencode(data),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
