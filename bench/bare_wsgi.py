"""The benchmark's upper bound: a WSGI app with no Django, answering every request
with the popular post's saved bytes and the headers Kiji sent with them.

    KIJI_BARE_BODY=post.html KIJI_BARE_HEADERS=post.headers.json gunicorn bench.bare_wsgi

bench/loadtest.py writes both files (the body is the page's static copy, the
headers a JSON list of the name/value pairs of a warm answer, without those
gunicorn adds itself) and serves this with the same gunicorn command as Kiji.
"""

import json
import os
from pathlib import Path

BODY = Path(os.environ["KIJI_BARE_BODY"]).read_bytes()
HEADERS = [
    (name, value)
    for name, value in json.loads(Path(os.environ["KIJI_BARE_HEADERS"]).read_text())
    if name.lower() != "content-length"
] + [("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
