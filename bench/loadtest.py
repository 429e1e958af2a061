"""Seed a big Kiji, serve it with gunicorn, drive it with wrk, print one table.

    python bench/loadtest.py [--duration 10] [--database-url URL] [--cache-url URL]

1. Makes a fresh database (a temporary SQLite file, or the *empty*
   PostgreSQL database given with --database-url), migrates it and seeds it
   with bench/seed.py (2,000 posts, a post with 300 approved comments,
   100,000 comments of which a third are pending).
2. Saves the popular post's page as a static file, then serves everything
   with gunicorn (2 workers) and WhiteNoise on 127.0.0.1, with production
   settings (DEBUG off) over plain HTTP and the cache at --cache-url (default:
   Redis database 6 on 127.0.0.1, emptied first; without Redis, a file cache).
3. Runs wrk (Debian package `wrk`, 8 connections unless the row says
   otherwise) for a fixed time per URL and prints
   requests/s, p50 and p99 latency, each also as a share of the static copy of
   the same page served by the same stack (the upper bound); then peak memory
   per worker and the median time of the admin's pending-comments list and of
   the search page. The popular post is measured warm (page cache), with a
   cold page cache (the sidebar and the post's comment and TrackBack sections
   still cached, as after a change elsewhere on the blog) and with nothing
   cached (a second gunicorn with every cache off).

Everything runs on 127.0.0.1 and stops by itself. The table is also written
to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"

SAVE_STATIC_COPY = """
from pathlib import Path
from django.conf import settings
from django.test import Client
response = Client().get({url!r}, HTTP_HOST={host!r})
assert response.status_code == 200, response.status_code
target = Path(settings.STATIC_ROOT) / "bench" / "post.html"
target.parent.mkdir(parents=True, exist_ok=True)
target.write_bytes(response.content)
"""


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_flush(url: str) -> bool:
    """Empty the benchmark's Redis database; False if no Redis answers there."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
        return True
    except Exception:
        return False


def bench_env(workdir: Path, database_url: str, cache_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "STATIC_ROOT": str(workdir / "static"),
        "EMAIL_URL": "dummymail://",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        # wrk is one client on one address: no flood limit, no minimum form time.
        "COMMENTS_PER_MINUTE": "0",
        "COMMENTS_MIN_FORM_SECONDS": "0",
        "TRACKBACKS_PER_IP_PER_MINUTE": "0",
        "TRACKBACKS_PER_POST_PER_HOUR": "0",
        "TRACKBACKS_PER_POST_PER_DAY": "0",
        # As in production: requests only queue mail and ping checks (no worker runs,
        # so nothing leaves this machine).
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer at {url}")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(
    name: str,
    url: str,
    duration: int,
    *,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    env: dict[str, str] | None = None,
) -> Result:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["--timeout", "10s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env=env or os.environ
    )
    output = done.stdout
    if "Requests/sec" not in output or "50%" not in output:
        sys.exit(f"wrk gave no figures for {url}:\n{output}\n{done.stderr}")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*?timeout (\d+)", output)
    return Result(
        name,
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        (int(errors.group(1)) if errors else 0)
        + (int(socket_errors.group(1)) if socket_errors else 0),
    )


def worker_peak_memory_mib(master_pid: int) -> list[float]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return peaks


def median_ms(opener, url: str, times: int = 20) -> float:
    """Median milliseconds of a GET, after one warm-up request."""
    opener.open(url).read()
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        opener.open(url).read()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def browser():
    jar = http.cookiejar.CookieJar()
    return jar, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def admin_opener(base: str, username: str, password: str):
    _, opener = browser()
    login = f"{base}/admin/login/"
    page = opener.open(login).read().decode()
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    opener.open(urllib.request.Request(login, data=data, headers={"Referer": login})).read()
    return opener


def comment_form(post_url: str) -> tuple[str, str, str]:
    """The comment form's action, its fields (urlencoded, without the text) and cookie."""
    jar, opener = browser()
    page = opener.open(post_url).read().decode()
    action = re.search(r'action="(/comments/post/\d+/)"', page).group(1)
    fields = {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "form_token": hidden(page, "form_token"),
        "name": "Bench reader",
        "email": "bench-reader@example.com",
        "url": "",
        "homepage": "",
    }
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return action, urllib.parse.urlencode(fields), cookie


def run_cases(base: str, seeded: dict, duration: int) -> list[Result]:
    post_url = base + seeded["popular_post_url"]
    urllib.request.urlopen(post_url).read()
    etag = urllib.request.urlopen(post_url).headers["ETag"]
    action, form, cookie = comment_form(post_url)
    comment_env = {
        **os.environ,
        "KIJI_BENCH_FORM": form,
        "KIJI_BENCH_COOKIE": cookie,
        "KIJI_BENCH_UNIQUE_FIELD": "text",
        "KIJI_BENCH_UNIQUE_PREFIX": "Benchmark+comment+",
    }
    return [
        run_wrk("index", base + "/", duration),
        run_wrk(
            "post, 300 comments, cold page cache",
            post_url,
            duration,
            script=BENCH / "lua" / "cache_buster.lua",
        ),
        run_wrk("post, 300 comments, warm cache", post_url, duration),
        run_wrk(
            "post, 300 comments in threads, cold page cache",
            base + seeded["threaded_post_url"],
            duration,
            script=BENCH / "lua" / "cache_buster.lua",
        ),
        run_wrk(
            "post, 300 comments in threads, warm cache",
            base + seeded["threaded_post_url"],
            duration,
        ),
        run_wrk("monthly archive", base + seeded["month_url"], duration),
        run_wrk("RSS feed", base + "/feeds/rss/", duration),
        run_wrk(
            "post page revalidation (304)", post_url, duration, headers={"If-None-Match": etag}
        ),
        run_wrk(
            "post page revalidation (304), 1 connection",
            post_url,
            duration,
            headers={"If-None-Match": etag},
            connections=1,
        ),
        run_wrk(
            "comment POST (stored, pending)",
            base + action,
            duration,
            script=BENCH / "lua" / "form_post.lua",
            connections=2,
            env=comment_env,
        ),
        *trackback_case(base, seeded, duration),
    ]


def trackback_case(base: str, seeded: dict, duration: int) -> list[Result]:
    """A TrackBack POST to the popular post (a new source each time), if pings exist."""
    if seeded["trackbacks"] is None:
        return []
    fields = {"title": "A reply", "excerpt": "短い引用です。", "blog_name": "Bench blog"}
    env = {
        **os.environ,
        "KIJI_BENCH_FORM": urllib.parse.urlencode(fields),
        "KIJI_BENCH_UNIQUE_FIELD": "url",
        "KIJI_BENCH_UNIQUE_PREFIX": "https%3A%2F%2Fexample.org%2Fbench%2F",
    }
    url = f"{base}/trackback/{seeded['popular_post_id']}/"
    script = BENCH / "lua" / "form_post.lua"
    return [run_wrk("TrackBack POST", url, duration, script=script, connections=2, env=env)]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", "2"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def uncached_post_page(env: dict[str, str], seeded: dict, duration: int) -> Result:
    """The popular post rendered with every cache off: no page, sidebar or item markup kept.

    The "cold cache" row bypasses the page cache only, as after a change
    elsewhere on the blog; this row is the first render on an empty cache, on
    every request.
    """
    port = free_port()
    server = start_gunicorn({**env, "PAGE_CACHE_SECONDS": "0", "ITEM_CACHE_SECONDS": "0"}, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/robots.txt")
        return run_wrk(
            "post, 300 comments, nothing cached", base + seeded["popular_post_url"], duration
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def table(results: list[Result], bound: Result, seeded: dict, extra: dict) -> str:
    lines = [
        f"| {'URL':<44} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'of static':>9} "
        f"| {'errors':>6} |",
        f"|{'-' * 46}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|{'-' * 10}:|{'-' * 7}:|",
    ]
    for r in [*results, bound]:
        share = f"{100 * r.requests_per_second / bound.requests_per_second:.0f}%"
        lines.append(
            f"| {r.name:<44} | {r.requests_per_second:>8.0f} | {r.p50_ms:>7.2f} "
            f"| {r.p99_ms:>7.2f} | {share:>9} | {r.errors:>6} |"
        )
    if seeded["trackbacks"] is None:
        lines.append(f"| {'TrackBack POST':<44} | {'n/a: no trackbacks app':>57} |")
    lines.append("")
    for name, value in extra.items():
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--cache-url", default=DEFAULT_REDIS, help="emptied before the run")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="kiji-bench-"))
    cache_url = args.cache_url
    if cache_url.startswith("redis") and not redis_flush(cache_url):
        print(f"No Redis at {cache_url}: using a file cache (slower).", flush=True)
        cache_url = f"filecache://{workdir / 'cache'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = bench_env(workdir, database_url, cache_url, port)

    print(f"Seeding {args.posts} posts and {args.comments} comments ...", flush=True)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    seeding = subprocess.run(
        [PYTHON, "bench/seed.py", "--posts", str(args.posts), "--comments", str(args.comments)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if seeding.returncode:
        sys.exit(f"seeding failed:\n{seeding.stderr}")
    seeded = json.loads(seeding.stdout.strip().splitlines()[-1])
    print(f"Seeded in {seeded['seconds']} s: {json.dumps(seeded)}", flush=True)
    manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        SAVE_STATIC_COPY.format(url=seeded["popular_post_url"], host=f"127.0.0.1:{port}"),
    )
    manage(env, "invalidate_pages")

    server = start_gunicorn(env, port)
    try:
        wait_for(base + "/robots.txt")
        print(f"Load: wrk, 2 threads, {args.duration} s per URL ...", flush=True)
        load_before = os.getloadavg()[0]
        static_url = base + "/static/bench/post.html"
        # The bound is measured before and after the others; the better run counts,
        # so that a busy moment on the machine cannot flatter the percentages.
        before = run_wrk("static copy of the post page (upper bound)", static_url, args.duration)
        results = run_cases(base, seeded, args.duration)
        results.insert(2, uncached_post_page(env, seeded, args.duration))
        after = run_wrk("static copy of the post page (upper bound)", static_url, args.duration)
        bound = max(before, after, key=lambda r: r.requests_per_second)
        memory = worker_peak_memory_mib(server.pid)
        admin = admin_opener(base, seeded["admin_username"], seeded["admin_password"])
        _, anonymous = browser()
        extra = {
            "Database": database_url.split(":", 1)[0] + f", cache: {cache_url.split(':', 1)[0]}",
            "Static bound, before and after": (
                f"{before.requests_per_second:.0f} and {after.requests_per_second:.0f} req/s"
            ),
            "Load average (1 min) at start and end": (
                f"{load_before:.1f} and {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            ),
            "Peak memory per gunicorn worker": ", ".join(f"{m:.0f} MiB" for m in memory),
            "Admin pending comments list (100,000 comments), median of 20": (
                f"{median_ms(admin, base + seeded['admin_pending_url']):.1f} ms"
            ),
            "Search page (anonymous), median of 20": (
                f"{median_ms(anonymous, base + quote(seeded['search_url'], safe='/?=')):.1f} ms"
            ),
        }
        report = table(results, bound, seeded, extra)
        print()
        print(report)
        results_dir = BENCH / "results"
        results_dir.mkdir(exist_ok=True)
        (results_dir / "latest.md").write_text(report + "\n")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
