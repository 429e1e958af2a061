"""Where a page-cache hit's time goes, in this process, without an HTTP server.

    python bench/profile_hit.py URL [--requests 2000] [--top 25]

Run with the environment of a seeded benchmark database and a Redis cache
(the settings bench/loadtest.py uses; `--keep` keeps its folder). The page is
requested once to store it, then the generation watcher is given time to
vouch for it, then `--requests` hits go through Django's WSGI handler with a
fresh anonymous client each (no cookies, as wrk sends). Prints the mean time
per hit, the Redis commands the hits sent, and the functions that took the
most time, inclusive, per hit.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def environ(url: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": url,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def hit(application, url: str) -> str:
    status = []

    def start_response(code, headers, exc_info=None):
        status.append((code, dict(headers)))

    body = b"".join(application(environ(url), start_response))
    code, headers = status[0]
    assert code.startswith("200"), code
    assert body
    return headers.get("X-Page-Cache", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    import django
    from django.core.cache import caches

    from config.wsgi import application as _application

    django.setup()
    from pagecache import pages

    application = _application
    hit(application, args.url)
    hit(application, args.url)
    watcher = pages.generation_watcher()
    deadline = time.monotonic() + 5
    while watcher is not None and not watcher.state()[0] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hit(application, args.url) == "hit"

    client = caches["default"]._cache.get_client() if watcher is not None else None
    before = client.info("commandstats") if client is not None else {}
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        hit(application, args.url)
    profiler.disable()
    seconds = time.perf_counter() - start
    after = client.info("commandstats") if client is not None else {}

    print(f"{args.requests} hits, {1e6 * seconds / args.requests:.0f} µs each (profiled)")
    print(f"watcher vouching: {watcher.state()[0] if watcher is not None else 'no watcher'}")
    for name, stats in sorted(after.items()):
        calls = stats["calls"] - before.get(name, {}).get("calls", 0)
        if calls and name != "cmdstat_info":
            print(f"Redis {name.removeprefix('cmdstat_')}: {calls / args.requests:.2f} per hit")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
