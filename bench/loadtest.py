"""Seed a big Kiji, serve it with gunicorn, drive it with wrk, print one table.

    python bench/loadtest.py [--duration 10] [--database-url URL] [--cache-url URL]

1. Makes a fresh database (a temporary SQLite file, or the *empty*
   PostgreSQL database given with --database-url), migrates it and seeds it
   with bench/seed.py (2,000 posts, a post with 300 approved comments,
   100,000 comments of which a third are pending), then adds pending
   comments to the popular post for the approval row.
2. Saves the popular post's page as a static file, then serves everything
   with gunicorn (2 workers) and WhiteNoise on 127.0.0.1, with production
   settings (DEBUG off) over plain HTTP and the cache at --cache-url (default:
   Redis database 6 on 127.0.0.1, emptied first; without Redis, a file cache).
   Beside it, the same gunicorn command serves bench/bare_wsgi.py: a WSGI app
   with no Django answering the saved bytes with the headers of a warm answer.
3. Runs wrk (Debian package `wrk`, 8 connections unless the row says
   otherwise) for a fixed time per URL and prints
   requests/s, p50 and p99 latency, each also as a share of the bare app (the
   upper bound, measured before and after the others; WhiteNoise serving the
   static copy is a row of its own); then the ratios issue 15 sets targets
   for, peak memory per worker and the median time of the admin's
   pending-comments list and of the search page. The popular post is measured
   warm (page cache), with a cold page cache (the sidebar and the post's
   comment and TrackBack sections still cached, as after a change elsewhere on
   the blog), with nothing cached (a second gunicorn with every cache off) and
   warm while the seeded admin approves one of its pending comments a second
   with the admin changelist's "Approve selected" action. bench/lua/
   page_cache_count.lua counts the answers by their `X-Page-Cache` header, so
   that row also gives the page's renders (misses) per approval.

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
import threading
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
COUNT_PAGE_CACHE = BENCH / "lua" / "page_cache_count.lua"
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

# Comments waiting on the popular post, for the admin to approve one a second.
MAKE_PENDING = """
import json
from comments.models import Comment
from moderation.models import Status
made = [
    Comment.objects.create(
        post_id={post_id},
        author_name=f"Waiting reader {{i}}",
        author_email=f"waiting{{i}}@example.com",
        text=f"A comment for the benchmark's moderator to approve ({{i}}).",
        status=Status.PENDING,
        status_reason="Seeded",
        ip_address="198.51.100.7",
    )
    for i in range({n})
]
print(json.dumps([comment.pk for comment in made]))
"""

COUNT_APPROVED = """
from comments.models import Comment
from moderation.models import Status
print(Comment.objects.filter(pk__in={ids!r}, status=Status.APPROVED).count())
"""

# Headers gunicorn writes itself, for the bare app as for Kiji.
SERVER_HEADERS = {"connection", "content-length", "date", "keep-alive", "server"}

WARM_POST = "post, 300 comments, warm cache"
APPROVING = "post while one comment a second is approved"
NOTHING_CACHED = "post, 300 comments, nothing cached"
BARE = "bare WSGI app, same bytes (upper bound)"
STATIC = "static copy via WhiteNoise"


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    page_cache: dict[str, int] | None = None


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


def migrate_and_seed(env: dict[str, str], *seed_args: str) -> dict:
    """Migrate the benchmark's database, collect static files, seed it; what bench/seed.py made."""
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    seeding = subprocess.run(
        [PYTHON, "bench/seed.py", *seed_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if seeding.returncode:
        sys.exit(f"seeding failed:\n{seeding.stderr}")
    return json.loads(seeding.stdout.strip().splitlines()[-1])


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
    counted = re.search(r"^page-cache: (.*)$", output, re.M)
    return Result(
        name,
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        (int(errors.group(1)) if errors else 0)
        + (int(socket_errors.group(1)) if socket_errors else 0),
        {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counted.group(1))} if counted else None,
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


def run_cases(base: str, seeded: dict, duration: int, approvals: Approvals) -> list[Result]:
    post_url = base + seeded["popular_post_url"]
    urllib.request.urlopen(post_url).read()
    action, form, cookie = comment_form(post_url)
    comment_env = {
        **os.environ,
        "KIJI_BENCH_FORM": form,
        "KIJI_BENCH_COOKIE": cookie,
        "KIJI_BENCH_UNIQUE_FIELD": "text",
        "KIJI_BENCH_UNIQUE_PREFIX": "Benchmark+comment+",
    }
    results = [
        run_wrk("index", base + "/", duration),
        run_wrk(
            "post, 300 comments, cold page cache",
            post_url,
            duration,
            script=BENCH / "lua" / "cache_buster.lua",
        ),
        run_wrk(WARM_POST, post_url, duration, script=COUNT_PAGE_CACHE),
        approvals.run(post_url, duration),
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
    ]
    # After the approvals: the page's ETag names its current generation.
    urllib.request.urlopen(post_url).read()
    etag = urllib.request.urlopen(post_url).headers["ETag"]
    return [
        *results,
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


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Leave redirects unfollowed: an admin action answers with one back to the list."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Approvals:
    """Approve one of `pending` a second while wrk loads a page, as a moderator would.

    Each approval is the admin changelist's "Approve selected" action (the
    `approve` action of `moderation.admin.ModerationAdminMixin`), POSTed with
    the seeded admin's session to the list filtered by the popular post; its
    redirect back to the list is not followed, so the row loads the site with
    approvals only. Which comments were approved is read from the database.
    """

    def __init__(self, env: dict[str, str], admin, changelist_url: str, pending: list[int]):
        self.env = env
        self.changelist_url = changelist_url
        self.pending = pending
        cookies = next(
            h for h in admin.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(cookies.cookiejar), _KeepRedirects
        )
        self.approved = 0
        self.action_ms: list[float] = []
        self.failures: list[str] = []

    def approve(self, token: str, comment_id: int) -> None:
        data = {
            "csrfmiddlewaretoken": token,
            "action": "approve",
            "select_across": "0",
            "index": "0",
            "_selected_action": str(comment_id),
        }
        request = urllib.request.Request(
            self.changelist_url, data=urllib.parse.urlencode(data).encode()
        )
        started = time.perf_counter()
        try:
            self.opener.open(request).read()
            self.failures.append(f"comment {comment_id}: no redirect after the action")
        except urllib.error.HTTPError as answer:
            if answer.code != 302:
                self.failures.append(f"comment {comment_id}: HTTP {answer.code}")
        self.action_ms.append((time.perf_counter() - started) * 1000)

    def each_second(self, stop: threading.Event) -> None:
        try:
            page = self.opener.open(self.changelist_url).read().decode()
            token = hidden(page, "csrfmiddlewaretoken")
            start = time.monotonic() + 0.5
            for n, comment_id in enumerate(self.pending):
                if stop.wait(max(0.0, start + n - time.monotonic())):
                    return
                self.approve(token, comment_id)
        except Exception as error:  # reported by run(), which the thread cannot do
            self.failures.append(repr(error))

    def run(self, post_url: str, duration: int) -> Result:
        urllib.request.urlopen(post_url).read()
        stop = threading.Event()
        driver = threading.Thread(target=self.each_second, args=(stop,), daemon=True)
        driver.start()
        try:
            result = run_wrk(APPROVING, post_url, duration, script=COUNT_PAGE_CACHE)
        finally:
            stop.set()
            driver.join(timeout=30)
        if self.failures:
            sys.exit("approving through the admin failed: " + "; ".join(self.failures[:3]))
        count = COUNT_APPROVED.format(ids=self.pending)
        self.approved = int(manage(self.env, "shell", "--no-imports", "-c", count).split()[-1])
        return result

    def renders(self, result: Result) -> str:
        """Renders per approval: the page cache's misses during the row, per approval made."""
        counted = result.page_cache or {}
        if not counted.get("hit") and not counted.get("miss"):
            return "not counted (no X-Page-Cache header on the answers)"
        if not self.approved:
            return "not counted (no comment was approved)"
        waits = f", {counted['wait']} waited" if counted.get("wait") else ""
        return (
            f"{counted['miss'] / self.approved:.1f} "
            f"({counted['miss']} misses{waits}, {self.approved} approvals)"
        )


def warm_headers(url: str) -> list[tuple[str, str]]:
    """The headers of a page-cache hit for `url`, but those gunicorn writes itself."""
    urllib.request.urlopen(url).read()
    with urllib.request.urlopen(url) as response:
        response.read()
        return [(k, v) for k, v in response.headers.items() if k.lower() not in SERVER_HEADERS]


def start_gunicorn(env: dict[str, str], port: int, app: str = "config.wsgi") -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", app, "--workers", "2"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


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
        return run_wrk(NOTHING_CACHED, base + seeded["popular_post_url"], duration)
    finally:
        stop(server)


def share(value: float, whole: float) -> str:
    percent = 100 * value / whole
    return f"{percent:.1f}%" if percent < 10 else f"{percent:.0f}%"


def table(results: list[Result], bound: Result, seeded: dict, extra: dict) -> str:
    lines = [
        f"| {'URL':<46} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'of bare':>7} "
        f"| {'errors':>6} |",
        f"|{'-' * 48}|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|",
    ]
    for r in [*results, bound]:
        lines.append(
            f"| {r.name:<46} | {r.requests_per_second:>8.0f} | {r.p50_ms:>7.2f} "
            f"| {r.p99_ms:>7.2f} | {share(r.requests_per_second, bound.requests_per_second):>7} "
            f"| {r.errors:>6} |"
        )
    if seeded["trackbacks"] is None:
        lines.append(f"| {'TrackBack POST':<46} | {'n/a: no trackbacks app':>55} |")
    lines.append("")
    for name, value in extra.items():
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def targets(results: list[Result], bound: Result, approvals: Approvals) -> dict[str, str]:
    """The ratios issue 15 sets targets for (the target in brackets)."""
    row = {r.name: r for r in results}
    warm, approving = row[WARM_POST], row[APPROVING]

    def of_bare(name: str) -> str:
        return share(row[name].requests_per_second, bound.requests_per_second)

    return {
        "Warm post, of bare": f"{of_bare(WARM_POST)} [60%]",
        "Index / monthly archive / RSS feed, of bare": (
            f"{of_bare('index')} / {of_bare('monthly archive')} / {of_bare('RSS feed')} "
            "[60%, as the warm post]"
        ),
        "Post while one comment a second is approved, of the warm post": (
            f"{share(approving.requests_per_second, warm.requests_per_second)} [80%], "
            f"p99 {approving.p99_ms:.1f} ms [under 20 ms]"
        ),
        "Renders per approval": f"{approvals.renders(approving)} [about 1]",
        "Nothing cached, of bare": f"{of_bare(NOTHING_CACHED)} [4%]",
        "Static copy via WhiteNoise, of bare": of_bare(STATIC),
    }


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
    seeded = migrate_and_seed(env, "--posts", str(args.posts), "--comments", str(args.comments))
    print(f"Seeded in {seeded['seconds']} s: {json.dumps(seeded)}", flush=True)
    # More than one a second of the row, so the moderator never runs out.
    make_pending = MAKE_PENDING.format(post_id=seeded["popular_post_id"], n=args.duration + 10)
    pending = json.loads(manage(env, "shell", "--no-imports", "-c", make_pending).splitlines()[-1])
    manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        SAVE_STATIC_COPY.format(url=seeded["popular_post_url"], host=f"127.0.0.1:{port}"),
    )
    manage(env, "invalidate_pages")

    server = start_gunicorn(env, port)
    bare_server = None
    try:
        wait_for(base + "/robots.txt")
        # The same bytes and headers from a WSGI app with no Django, in the same gunicorn.
        headers_file = workdir / "post.headers.json"
        headers_file.write_text(json.dumps(warm_headers(base + seeded["popular_post_url"])))
        bare_env = {
            **env,
            "KIJI_BARE_BODY": str(workdir / "static" / "bench" / "post.html"),
            "KIJI_BARE_HEADERS": str(headers_file),
        }
        bare_port = free_port()
        bare_server = start_gunicorn(bare_env, bare_port, "bench.bare_wsgi")
        bare_url = f"http://127.0.0.1:{bare_port}/"
        wait_for(bare_url)
        admin = admin_opener(base, seeded["admin_username"], seeded["admin_password"])
        changelist = f"{base}{seeded['admin_pending_url']}?post={seeded['popular_post_id']}"
        approvals = Approvals(env, admin, changelist, pending)

        print(f"Load: wrk, 2 threads, {args.duration} s per URL ...", flush=True)
        load_before = os.getloadavg()[0]
        # The bound is measured before and after the others; the better run counts,
        # so that a busy moment on the machine cannot flatter the percentages.
        before = run_wrk(BARE, bare_url, args.duration)
        static = run_wrk(STATIC, base + "/static/bench/post.html", args.duration)
        results = run_cases(base, seeded, args.duration, approvals)
        results.insert(2, uncached_post_page(env, seeded, args.duration))
        results.append(static)
        after = run_wrk(BARE, bare_url, args.duration)
        bound = max(before, after, key=lambda r: r.requests_per_second)
        memory = worker_peak_memory_mib(server.pid)
        _, anonymous = browser()
        warm = next(r for r in results if r.name == WARM_POST)
        extra = {
            "Database": database_url.split(":", 1)[0] + f", cache: {cache_url.split(':', 1)[0]}",
            "Bare bound, before and after": (
                f"{before.requests_per_second:.0f} and {after.requests_per_second:.0f} req/s"
            ),
            **targets(results, bound, approvals),
            "Warm post, answers by X-Page-Cache": ", ".join(
                f"{k} {v}" for k, v in (warm.page_cache or {}).items()
            ),
            "Admin approve action, median": (
                f"{statistics.median(approvals.action_ms):.1f} ms" if approvals.action_ms else "-"
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
        for running in (server, bare_server):
            if running is not None:
                stop(running)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
