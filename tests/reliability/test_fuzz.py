"""Property-based fuzzing of the comment form: whatever arrives, a person gets a form
error (never a 500) and the database stays consistent.

Each example posts one request (arbitrary field values and combinations,
arbitrary bytes in declared or undeclared encodings, huge and empty values)
and then checks the invariants: nothing that is not approved is public, the
post page shows exactly the public rows, and every stored comment renders.
"""

import re

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.forms import form_token
from comments.models import Comment
from moderation.models import Status
from moderation.services import moderate
from tests.factories import make_post

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELD_NAMES = ["name", "email", "url", "text", "homepage", "form_token", "remember", "notify",
               "preview", "csrfmiddlewaretoken", "text[]", "", "\x00", "名前"]  # fmt: skip
OK_STATUSES = {200, 302, 400, 413, 429}

values = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=6000),
    st.sampled_from(["", " ", "\n", "a@b.c", "https://example.com/", "on", "1", "0"]),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(1, 3000)),
)


@pytest.fixture
def post(db, settings):
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    settings.KIJI_COMMENTS_PER_MINUTE = 0
    settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL = True
    return make_post("Fuzzed")


def check_answer(response) -> None:
    assert response.status_code in OK_STATUSES, response.status_code
    if response.status_code in (400, 413, 429):
        body = response.content.decode()
        assert response["Content-Type"].startswith("text/html")
        # A person is told what is wrong, in a page, not a bare error.
        assert re.search(r'class="errorlist|<h1>', body), body[:500]


def check_invariants(post) -> None:
    # Approve one waiting comment each time, so there is something public to count.
    waiting = Comment.objects.in_moderation().first()
    if waiting is not None:
        moderate(waiting, status=Status.APPROVED)
    public = Comment.objects.public()
    assert not public.exclude(status=Status.APPROVED).exists()
    page = Client().get(post.get_absolute_url()).content.decode()
    shown = page.count('<li class="comment"')
    assert shown == public.filter(post=post).count()
    assert "comment-pending" not in page
    for text_html in Comment.objects.values_list("text_html", flat=True):
        assert "<script" not in text_html.lower()


@FUZZ
@given(
    fields=st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=10), good=st.booleans()
)
def test_any_form_fields(post, fields, good):
    if good:
        fields = {
            "name": "n",
            "email": "n@example.com",
            "form_token": form_token(post.pk),
            **fields,
        }
    clean = {k.replace("\x00", ""): v.replace("\x00", "") for k, v in fields.items()}
    response = Client().post(f"/comments/post/{post.pk}/", clean)

    check_answer(response)
    check_invariants(post)


ENCODINGS = [
    "utf-8",
    "shift_jis",
    "euc-jp",
    "iso-2022-jp",
    "latin-1",
    "utf-16",
    "cp1252",
    "nonsense",
]


@FUZZ
@given(
    raw=st.one_of(st.binary(max_size=4000), st.text(max_size=2000).map(str.encode)),
    charset=st.sampled_from([*ENCODINGS, None]),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
            "application/json",
            "",
        ]
    ),
)
def test_any_bytes_in_any_declared_encoding(post, raw, charset, content_type):
    if charset and content_type:
        content_type += f"; charset={charset}"
    response = Client().generic(
        "POST", f"/comments/post/{post.pk}/", raw, content_type=content_type
    )

    check_answer(response)
    check_invariants(post)


@FUZZ
@given(
    text=st.text(min_size=1, max_size=400),
    encoding=st.sampled_from(ENCODINGS[:-1]),
)
def test_a_real_comment_in_another_encoding(post, text, encoding):
    """A form sent as Shift_JIS, EUC-JP, UTF-16...: stored as sent, or a clear error."""
    from urllib.parse import urlencode

    data = {
        "name": "花子",
        "email": "hanako@example.com",
        "text": text,
        "form_token": form_token(post.pk),
    }
    try:
        body = urlencode(data, encoding=encoding, errors="strict")
    except UnicodeEncodeError:
        return
    response = Client().generic(
        "POST",
        f"/comments/post/{post.pk}/",
        body,
        content_type=f"application/x-www-form-urlencoded; charset={encoding}",
    )

    check_answer(response)
    if response.status_code == 302:
        stored = Comment.objects.get(pk=int(response["Location"].rsplit("-", 1)[1]))
        assert stored.author_name == "花子"
    check_invariants(post)
