"""Where one page's render time goes: templates, template tags, queries.

    python bench/profile_page.py /2026/11/26/post-0/ --database-url postgres://postgres@127.0.0.1:5432/kiji_bench

Runs the page through Django's WSGI handler in this process (no HTTP server),
against a database seeded by bench/loadtest.py (run it with a PostgreSQL
database, or with --keep for its SQLite file), with production settings and
the cache at --cache-url. Every request carries a new query string, so the
page cache never answers and the page is rendered each time, as in the
benchmark's cold-page-cache row; add --nothing-cached to turn the sidebar,
section and comment-markup caches off too, or --after-approval to raise the
post's discussion revision before each request (untimed), as approving one of
its comments does, and to ask for the page itself (no query string): it is
rendered for the page cache, as after an approval, with the rest of the post
page kept and its comment section rendered again from the kept markup of each
item. Prints the median time per request, then
the inclusive time per request of each template, each template tag, the
view and the queries (nested parts are counted in their parents too).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadtest


def timed(owner, name: str, label) -> None:
    """Wrap `owner.name` so that its inclusive time is added under `label(self)`."""
    original = getattr(owner, name)

    def wrapper(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            key = label(self)
            TIMES[key] += time.perf_counter() - start
            CALLS[key] += 1

    setattr(owner, name, wrapper)


TIMES: Counter = Counter()
CALLS: Counter = Counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="the page, e.g. /2026/11/26/post-0/")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default=loadtest.DEFAULT_REDIS)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--nothing-cached", action="store_true")
    parser.add_argument("--after-approval", action="store_true")
    parser.add_argument(
        "--functions",
        type=int,
        metavar="N",
        help="instead, print the N functions with the most time of their own (cProfile)",
    )
    args = parser.parse_args()

    workdir = Path(__file__).resolve().parent / "results" / "profile"
    env = loadtest.bench_env(workdir, args.database_url, args.cache_url, 8000)
    if args.nothing_cached:
        env.update({"PAGE_CACHE_SECONDS": "0", "ITEM_CACHE_SECONDS": "0"})
    os.environ.update(env)
    sys.path.insert(0, str(loadtest.ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db.backends import utils
    from django.template import base, library, loader_tags

    call_command("collectstatic", "--no-input", verbosity=0)
    application = get_wsgi_application()

    def approve() -> None:
        from django.db import transaction
        from django.urls import resolve

        from blog.models import Post

        post = Post.objects.get(slug=resolve(args.path).kwargs["slug"])
        with transaction.atomic():
            Post.objects.raise_discussion_revision(post.pk)

    def request(number: int) -> float:
        if args.after_approval:
            approve()
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": args.path,
            # After an approval, the page itself: rendered for the page cache as
            # readers' first request after a commit has it, the rest of the post
            # page kept from before.
            "QUERY_STRING": "" if args.after_approval else f"profile={number}",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
        }
        status = []
        start = time.perf_counter()
        response = application(environ, lambda s, headers, exc=None: status.append(s))
        b"".join(response)
        # As gunicorn does: closing the response ends the request, and with it the
        # database connection (SQLite keeps none), so each request opens its own.
        response.close()
        elapsed = time.perf_counter() - start
        if not status[0].startswith("200"):
            sys.exit(f"{args.path} answered {status[0]}")
        return elapsed

    for number in range(5):
        request(-1 - number)
    plain = [request(number) for number in range(args.requests)]
    if args.functions:
        print_functions(lambda: [request(args.requests + n) for n in range(args.requests)], args)
        return

    timed(base.Template, "render", lambda t: f"template {t.name}")
    timed(loader_tags.BlockNode, "render", lambda b: f"block {b.name}")
    timed(library.InclusionNode, "render", lambda n: f"inclusion tag {n.func.__name__}")
    timed(library.SimpleNode, "render", lambda n: f"simple tag {n.func.__name__}")
    timed(utils.CursorWrapper, "_execute", lambda c: "queries (execute and fetch)")
    TIMES.clear()
    CALLS.clear()
    for number in range(args.requests):
        request(args.requests + number)

    n = args.requests
    print(f"{args.path}: median {1000 * statistics.median(plain):.1f} ms per request")
    print(f"(min {1000 * min(plain):.1f} ms; below, per request, with timing overhead)\n")
    for key, seconds in TIMES.most_common(25):
        print(f"{1000 * seconds / n:8.2f} ms  x{CALLS[key] / n:<4g} {key}")


def print_functions(run, args) -> None:
    """cProfile's view: the functions that take the most time of their own."""
    profile = cProfile.Profile()
    profile.runcall(run)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
    if os.environ.get("PROFILE_CALLEES"):
        stats.print_callees(os.environ["PROFILE_CALLEES"])
    else:
        stats.print_stats(args.functions)
    print(f"{args.path}, {args.requests} requests (times are totals, not per request)")
    print(out.getvalue().split("\n\n", 1)[-1])


if __name__ == "__main__":
    main()
