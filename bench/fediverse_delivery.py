"""Deliver one post to fediverse followers through the task worker; print one table.

    python bench/fediverse_delivery.py [--followers 1000] [--instances 200]
        [--workers 1] [--inbox-latency MS] [--database-url URL] [--cache-url URL]
        [--profile-worker FILE]

1. Makes a fresh database (a temporary SQLite file, or the *empty*
   PostgreSQL database given with --database-url), migrates it and seeds a
   small blog with bench/seed.py (200 posts, 3,000 comments, the `bench`
   superuser), then records --followers accepted followers spread over
   --instances instances, as a real blog's are: every instance has one
   follower, the rest go to the big ones (weights 1/rank, so the largest has
   about a seventh of them); every instance offers a shared inbox, as
   Mastodon does, except the smallest --no-shared-inbox percent (5), whose
   followers are each sent to their own inbox.
2. Starts the instances' inboxes: one child process serving HTTP on
   127.0.0.2, 127.0.0.3, ... (one loopback address per instance, the same
   port; Linux routes all of 127/8 to lo). Each POST is verified with Kiji's
   own `fediverse.signatures.verify` (draft-cavage signature, Digest, Date),
   against the blog's public key fetched once from the blog's actor document
   through the SSRF-safe fetcher, as a follower's server would; the child
   counts requests, activities, refusals, and when each instance first got
   the Create.
3. Serves the blog with gunicorn (2 workers, production settings, as in
   bench/loadtest.py) and runs `manage.py db_worker` beside it, as
   `make serve` does, with FEDIVERSE=true and
   TRACKBACKS_FETCH_ALLOW_LOOPBACK=true (the fetcher refuses loopback
   otherwise). --workers runs more than one db_worker; --inbox-latency makes
   every inbox answer that many milliseconds late, as a server across the
   internet does (loopback answers in well under one).
4. Samples GET latency of the index and a post page (one client, one
   request after the other) for --sample-seconds, then logs in to the admin
   as `bench` and publishes a new post with the admin's add form, and keeps
   sampling until every instance has the Create.

The table gives the publish request's time (the web process only queues a
task), the timeline until the last instance has the Create, the requests
sent (one per shared inbox, not one per follower), failures, the worker's
throughput and CPU time per request, and the GET latency before and during
delivery. Everything runs on loopback and stops by itself; figures on a
small, shared machine are noisy (the load average is printed): compare the
ratios (requests per follower, milliseconds per request).
--profile-worker FILE writes cProfile stats of the (first) worker, for
`python -m pstats FILE`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import loadtest

ROOT = loadtest.ROOT
PYTHON = loadtest.PYTHON
# Not loadtest's database 6: the two benchmarks may run at the same time.
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
# One GET every 50 ms (20 a second) while sampling page latency.
SAMPLE_EVERY = 0.05

FOLLOWERS_SCRIPT = """
import json
from fediverse import activities
from fediverse.models import ActorKey, Follower
plan = json.loads({plan!r})
ActorKey.current()
Follower.objects.bulk_create(
    Follower(
        actor_uri=f"{{base}}/users/{{name}}",
        inbox=f"{{base}}/users/{{name}}/inbox",
        shared_inbox=f"{{base}}/inbox" if shared else "",
        name=name,
        handle=f"@{{name}}@{{base.split('//', 1)[1]}}",
    )
    for base, names, shared in plan
    for name in names
)
from fediverse.delivery import followers_inboxes
print(json.dumps({{"key_id": activities.key_id(), "inboxes": len(followers_inboxes())}}))
"""

OUTCOME_SCRIPT = """
import json, time
from collections import Counter
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult
from fediverse.models import Delivery

deadline = time.monotonic() + 30
while Delivery.objects.filter(status="queued", attempts=0).exists() and time.monotonic() < deadline:
    time.sleep(0.2)
def stamp(moment):
    return moment.timestamp() if moment else None
tasks = DBTaskResult.objects.filter(task_path__startswith="fediverse.")
publish = tasks.filter(task_path__endswith="publish_post").first()
sends = tasks.filter(task_path__endswith="deliver_one")
errors = Delivery.objects.exclude(last_error="")
started = [stamp(t) for t in sends.values_list("started_at", flat=True) if t]
finished = [stamp(t) for t in sends.values_list("finished_at", flat=True) if t]
print(json.dumps({{
    "deliveries": dict(Counter(Delivery.objects.values_list("status", flat=True))),
    "attempts": Delivery.objects.aggregate(n=Sum("attempts"))["n"] or 0,
    "errors": sorted(set(errors.values_list("last_error", flat=True)))[:5],
    "publish": [stamp(publish.enqueued_at), stamp(publish.started_at), stamp(publish.finished_at)]
        if publish else None,
    "sends": [min(started), max(finished)] if started and finished else None,
}}))
"""


# The instances


def spread(followers: int, instances: int) -> list[int]:
    """Followers per instance, biggest first: one each, the rest by weight 1/rank."""
    counts = [1] * instances
    rest = followers - instances
    weights = [1 / rank for rank in range(1, instances + 1)]
    total = sum(weights)
    shares = [rest * w / total for w in weights]
    for i, share in enumerate(shares):
        counts[i] += int(share)
    # Largest remainders get what rounding down left over.
    left = followers - sum(counts)
    for i in sorted(range(instances), key=lambda i: shares[i] - int(shares[i]), reverse=True)[
        :left
    ]:
        counts[i] += 1
    return counts


def instance_address(i: int) -> str:
    """The loopback address of instance `i` (0-based): 127.0.0.2, 127.0.0.3, ..., 127.0.1.0, ..."""
    n = i + 2
    return f"127.0.{n // 256}.{n % 256}"


def follower_plan(port: int, counts: list[int], no_shared_percent: float) -> list:
    """[base URL, follower names, has a shared inbox] per instance."""
    without = round(len(counts) * no_shared_percent / 100)
    plan = []
    for i, count in enumerate(counts):
        base = f"http://{instance_address(i)}:{port}"
        names = [f"reader{i}x{j}" for j in range(count)]
        plan.append([base, names, i < len(counts) - without])
    return plan


class Inboxes:
    """What the instances received; served as JSON on the control address."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.verified = 0
        self.refused: dict[str, int] = {}
        self.types: dict[str, int] = {}
        self.per_host: dict[str, int] = {}
        self.create_at: dict[str, float] = {}
        self.busy_seconds = 0.0

    def record(self, host: str, activity_type: str, refused: str, at: float, busy: float) -> None:
        with self.lock:
            self.requests += 1
            self.busy_seconds += busy
            self.per_host[host] = self.per_host.get(host, 0) + 1
            if refused:
                self.refused[refused] = self.refused.get(refused, 0) + 1
                return
            self.verified += 1
            self.types[activity_type] = self.types.get(activity_type, 0) + 1
            if activity_type == "Create":
                self.create_at.setdefault(host, at)

    def summary(self) -> dict:
        with self.lock:
            return {
                "requests": self.requests,
                "verified": self.verified,
                "refused": dict(self.refused),
                "types": dict(self.types),
                "hosts": len(self.per_host),
                "hosts_with_create": len(self.create_at),
                "first_create": min(self.create_at.values(), default=None),
                "last_create": max(self.create_at.values(), default=None),
                "busy_seconds": self.busy_seconds,
            }


def serve_inboxes(instances: int, latency: float) -> None:
    """The child process: every instance's inbox, and a control address; runs until killed."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import RequestFactory

    from fediverse import keys, signatures

    inboxes = Inboxes()
    factory = RequestFactory()
    blog_key = {}

    class Inbox(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            start = time.monotonic()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in ("content-type", "content-length")
            }
            request = factory.generic(
                "POST",
                self.path,
                body,
                content_type=self.headers.get("Content-Type", ""),
                headers=headers,
            )
            refused, activity_type = "", ""
            try:
                verified = signatures.verify(request)
                if verified.key_id != blog_key.get("id"):
                    refused = "signed with another key"
                activity_type = str(json.loads(body).get("type"))
            except signatures.SignatureRefused as exc:
                refused = exc.reason
            except ValueError:
                refused = "not JSON"
            busy = time.monotonic() - start
            time.sleep(max(0.0, latency - busy))
            self.send_response(401 if refused else 202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            inboxes.record(self.headers.get("Host", ""), activity_type, refused, time.time(), busy)

        def log_message(self, *args) -> None:
            pass

    class Control(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            status = 200
            if "key_id" in query:
                # Fetch the blog's key from its actor document, as a follower's server did
                # when it followed; every instance here shares this one cache.
                blog_key["id"] = query["key_id"][0]
                try:
                    keys.actor_key(blog_key["id"])
                except keys.DocumentError:
                    status = 502
            answer = json.dumps(inboxes.summary()).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    port = None
    for _ in range(20):
        port = loadtest.free_port()
        servers = []
        try:
            for i in range(instances):
                servers.append(ThreadingHTTPServer((instance_address(i), port), Inbox))
            break
        except OSError:
            for server in servers:
                server.server_close()
    else:
        sys.exit("no port free on every loopback address")
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    for server in [*servers, control]:
        server.daemon_threads = True
        # A long poll: 200 idle servers should not wake the CPU; the process is killed at the end.
        threading.Thread(target=server.serve_forever, args=(5,), daemon=True).start()
    print(json.dumps({"port": port, "control": control.server_address[1]}), flush=True)
    threading.Event().wait()


# Driving the blog


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`, as they are."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or (not attrs.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.fields.append((attrs["name"], attrs.get("value", default)))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value") or ""))
        elif tag == "textarea":
            self.textarea, self.text = attrs["name"], []

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, "".join(self.text).lstrip("\n")))
            self.textarea = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def publish(base: str, username: str, password: str) -> tuple[float, float]:
    """Publish a new post with the admin's add form; return when the POST was sent and its time.

    The author is logged in and has the empty form before the clock starts.
    """
    logged_in = loadtest.admin_opener(base, username, password)
    cookies = next(
        h for h in logged_in.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
    )
    # The answer is a redirect to the list of posts; the time asked for is the POST's own.
    opener = urllib.request.build_opener(cookies, NoRedirect)
    url = base + "/admin/blog/post/add/"
    parser = FormFields("post_form")
    parser.feed(opener.open(url).read().decode())
    chosen = {
        "title": "Delivered to every follower",
        "slug": "delivered-to-every-follower",
        "body": "A post for the delivery benchmark.\n\n"
        + "長い文章を書くと、考えがよく見える。" * 20,
        "excerpt": "One post, a thousand followers.",
        "status": "published",
    }
    fields = [(name, value) for name, value in parser.fields if name not in chosen]
    fields += [*chosen.items(), ("_save", "Save")]
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    sent_at, start = time.time(), time.perf_counter()
    try:
        page = opener.open(request).read().decode()
    except urllib.error.HTTPError as answer:
        seconds = time.perf_counter() - start
        if answer.code == 302:
            return sent_at, seconds
        raise
    errors = [line.strip() for line in page.splitlines() if "errorlist" in line]
    sys.exit("The admin did not save the post:\n" + "\n".join(errors[:10]))


class Sampler(threading.Thread):
    """A reader: GETs the index and a post page in turn, one every SAMPLE_EVERY seconds.

    Paced, not as fast as it can: a client hammering the server would take a
    CPU from the worker on a 2-core machine and measure itself.
    """

    def __init__(self, urls: list[str]) -> None:
        super().__init__(daemon=True)
        self.urls = urls
        self.samples: dict[str, list[float]] = {url: [] for url in urls}
        self.failures = 0
        self.running = threading.Event()
        self.running.set()

    def run(self) -> None:
        tick = time.perf_counter()
        while self.running.is_set():
            for url in self.urls:
                tick += SAMPLE_EVERY
                start = time.perf_counter()
                try:
                    urllib.request.urlopen(url, timeout=30).read()
                except OSError:
                    self.failures += 1
                    continue
                self.samples[url].append((time.perf_counter() - start) * 1000)
                time.sleep(max(0.0, tick - time.perf_counter()))

    def stop(self) -> dict[str, list[float]]:
        self.running.clear()
        self.join()
        return self.samples


def sample(urls: list[str], seconds: float) -> dict[str, list[float]]:
    sampler = Sampler(urls)
    sampler.start()
    time.sleep(seconds)
    return sampler.stop()


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def control(port: int, query: str = "") -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats{query}", timeout=60) as answer:
            return json.load(answer)
    except urllib.error.HTTPError:
        sys.exit("The inboxes could not fetch the blog's key from its actor document.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# The table


def table(result: dict) -> str:
    rows = result["rows"]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"| {'Delivery of one post':<{width}} | {'':>24} |",
        f"|{'-' * (width + 2)}|{'-' * 25}:|",
    ]
    lines += [f"| {name:<{width}} | {value:>24} |" for name, value in rows]
    reader = f"GET, one reader, {1 / SAMPLE_EVERY:.0f}/s"
    lines += [
        "",
        f"| {reader:<28} | {'n':>5} | {'p50 ms':>7} | {'p99 ms':>7} |",
        f"|{'-' * 30}|{'-' * 6}:|{'-' * 8}:|{'-' * 8}:|",
    ]
    for name, values in result["latency"]:
        lines.append(
            f"| {name:<28} | {len(values):>5} | {percentile(values, 0.5):>7.1f} "
            f"| {percentile(values, 0.99):>7.1f} |"
        )
    lines.append("")
    lines += [f"{name}: {value}" for name, value in result["notes"].items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument(
        "--no-shared-inbox",
        type=float,
        default=5,
        metavar="PERCENT",
        help="the smallest instances without a shared inbox (default 5%%)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="db_worker processes (default 1, as make serve)"
    )
    parser.add_argument(
        "--inbox-latency",
        type=float,
        default=0,
        metavar="MS",
        help="each inbox answers this much later, as a server across the internet would",
    )
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--cache-url", default=DEFAULT_REDIS, help="emptied before the run")
    parser.add_argument("--sample-seconds", type=float, default=10, help="GET sampling before")
    parser.add_argument("--timeout", type=float, default=180, help="give up waiting after")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--profile-worker", metavar="FILE", help="run db_worker under cProfile, stats to FILE"
    )
    parser.add_argument("--serve-inboxes", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_inboxes:
        serve_inboxes(args.serve_inboxes, args.inbox_latency / 1000)
        return
    if not 1 <= args.instances <= args.followers or args.instances > 65_000:
        sys.exit("Need 1 to 65,000 instances, and at least one follower on each.")

    workdir = Path(tempfile.mkdtemp(prefix="kiji-fedi-bench-"))
    cache_url = args.cache_url
    if cache_url.startswith("redis") and not loadtest.redis_flush(cache_url):
        print(f"No Redis at {cache_url}: using a file cache.", flush=True)
        cache_url = f"filecache://{workdir / 'cache'}"
    port = loadtest.free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {
        **loadtest.bench_env(workdir, database_url, cache_url, port),
        "FEDIVERSE": "true",
        # Dangerous outside a benchmark: the inboxes are on loopback addresses.
        "TRACKBACKS_FETCH_ALLOW_LOOPBACK": "true",
    }
    processes: list[subprocess.Popen] = []
    try:
        print("Migrating and seeding a small blog ...", flush=True)
        seeded = loadtest.migrate_and_seed(
            env, "--posts", "200", "--comments", "3000", "--popular", "100"
        )

        child_env = {**env, "CACHE_URL": "locmemcache://inboxes", "ALLOWED_HOSTS": "*"}
        inboxes = subprocess.Popen(
            [
                *(PYTHON, __file__, "--serve-inboxes", str(args.instances)),
                *("--inbox-latency", str(args.inbox_latency)),
            ],
            cwd=ROOT,
            env=child_env,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        processes.append(inboxes)
        started = json.loads(inboxes.stdout.readline() or "null")
        if not started:
            sys.exit("the inboxes did not start")
        counts = spread(args.followers, args.instances)
        plan = follower_plan(started["port"], counts, args.no_shared_inbox)
        print(
            f"{args.followers} followers on {args.instances} instances "
            f"(127.0.0.2 ... {instance_address(args.instances - 1)}, port {started['port']}; "
            f"largest {counts[0]}, smallest {counts[-1]}) ...",
            flush=True,
        )
        made = json.loads(
            loadtest.manage(
                env, "shell", "--no-imports", "-c", FOLLOWERS_SCRIPT.format(plan=json.dumps(plan))
            )
            .strip()
            .splitlines()[-1]
        )
        loadtest.manage(env, "invalidate_pages")

        worker_log = (workdir / "worker.log").open("w")
        gunicorn = loadtest.start_gunicorn(env, port)
        processes.append(gunicorn)
        profile = ["-m", "cProfile", "-o", args.profile_worker] if args.profile_worker else []
        workers = [
            subprocess.Popen(
                [PYTHON, *(profile if n == 0 else []), "manage.py", "db_worker"],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for n in range(args.workers)
        ]
        processes += workers
        loadtest.wait_for(base + "/robots.txt")
        control(started["control"], "?key_id=" + urllib.parse.quote(made["key_id"]))

        urls = [base + "/", base + seeded["popular_post_url"]]
        for url in urls:
            urllib.request.urlopen(url).read()
        print(f"GET latency before, {args.sample_seconds:g} s ...", flush=True)
        load_before = os.getloadavg()[0]
        before = sample(urls, args.sample_seconds)

        print("Publishing through the admin, waiting for every instance ...", flush=True)
        worker_cpu = sum(cpu_seconds(worker.pid) for worker in workers)
        during = Sampler(urls)
        during.start()
        t0, publish_seconds = publish(base, seeded["admin_username"], seeded["admin_password"])
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            got = control(started["control"])
            if got["hosts_with_create"] >= args.instances and got["requests"] >= made["inboxes"]:
                break
            time.sleep(0.05)
        done_at = time.time()
        samples_during = during.stop()
        outcome = json.loads(
            loadtest.manage(env, "shell", "--no-imports", "-c", OUTCOME_SCRIPT.format())
            .strip()
            .splitlines()[-1]
        )
        got = control(started["control"])
        worker_cpu = sum(cpu_seconds(worker.pid) for worker in workers) - worker_cpu
        load_after = os.getloadavg()[0]
        worker_log.close()
        log_tail = (workdir / "worker.log").read_text().splitlines()[-20:]
    finally:
        for process in reversed(processes):
            stop(process)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    result = figures(args, made, got, outcome, t0, done_at, publish_seconds, worker_cpu)
    result["latency"] = [
        ("index, before", before[urls[0]]),
        ("index, during delivery", samples_during[urls[0]]),
        ("post page, before", before[urls[1]]),
        ("post page, during delivery", samples_during[urls[1]]),
    ]
    result["notes"]["Database"] = (
        f"{database_url.split(':', 1)[0]}, cache: {cache_url.split(':', 1)[0]}; "
        f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after, "
        f"on {os.cpu_count()} CPUs"
    )
    if during.failures:
        result["notes"]["GETs that failed during delivery"] = during.failures
    print()
    print(table(result))
    if result["failed"] and log_tail:
        print("The worker's log ends:", *log_tail, sep="\n")
    if args.keep:
        print(f"Kept {workdir}")


def figures(args, made, got, outcome, t0, done_at, publish_seconds, worker_cpu) -> dict:
    def since(moment) -> str:
        return f"{moment - t0:.2f} s" if moment else "never"

    publish = outcome["publish"] or [None, None, None]
    sends = outcome["sends"]
    requests = got["requests"]
    rows = [
        ("followers / instances", f"{args.followers} / {args.instances}"),
        ("db_worker processes, inbox latency", f"{args.workers}, {args.inbox_latency:g} ms"),
        ("inboxes to reach (shared or own)", f"{made['inboxes']}"),
        ("publish request (admin POST)", f"{publish_seconds * 1000:.0f} ms"),
        ("worker picks up publish_post", since(publish[1])),
        ("deliveries recorded and queued", since(publish[2])),
        ("first instance has the Create", since(got["first_create"])),
        ("every instance has the Create", since(got["last_create"])),
        ("HTTP requests received", f"{requests}"),
        ("requests per follower", f"{requests / args.followers:.3f}"),
        ("signatures verified / refused", f"{got['verified']} / {sum(got['refused'].values())}"),
        (
            "deliveries sent / failed / other",
            "{} / {} / {}".format(
                outcome["deliveries"].get("sent", 0),
                outcome["deliveries"].get("failed", 0),
                sum(n for k, n in outcome["deliveries"].items() if k not in ("sent", "failed")),
            ),
        ),
        ("attempts (retries included)", f"{outcome['attempts']}"),
    ]
    if sends:
        seconds = sends[1] - sends[0]
        rows += [
            ("worker: first to last send", f"{seconds:.2f} s"),
            ("worker throughput", f"{requests / seconds:.1f} req/s"),
            ("worker: wall time per request", f"{seconds * 1000 / requests:.1f} ms"),
        ]
    rows += [
        ("worker: CPU time per request", f"{worker_cpu * 1000 / max(requests, 1):.1f} ms"),
        (
            "inbox: reading and verifying one",
            f"{got['busy_seconds'] * 1000 / max(requests, 1):.1f} ms",
        ),
    ]
    notes = {}
    failed = bool(got["refused"] or outcome["errors"])
    if got["refused"]:
        notes["Refused"] = json.dumps(got["refused"])
    if outcome["errors"]:
        notes["Delivery errors"] = json.dumps(outcome["errors"])
    if got["hosts_with_create"] < args.instances:
        failed = True
        notes["Incomplete"] = (
            f"{got['hosts_with_create']} of {args.instances} instances had the Create "
            f"after {done_at - t0:.0f} s"
        )
    return {"rows": rows, "notes": notes, "failed": failed}


if __name__ == "__main__":
    main()
