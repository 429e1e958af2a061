"""Property-based fuzzing of the three ping endpoints: machines always get their
protocol's own answer (never a 500 page), and no ping that is not approved is public.
"""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from moderation.models import Status
from tests.factories import make_post
from tests.reliability.test_fuzz import ENCODINGS, FUZZ
from trackbacks.models import Trackback

pytestmark = pytest.mark.django_db

CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "text/xml",
    "application/xml",
    "multipart/form-data; boundary=b",
    "application/json",
    "text/plain",
    "",
]
fields = st.dictionaries(
    st.sampled_from(["url", "title", "excerpt", "blog_name", "source", "target", "charset", "x"]),
    st.one_of(st.text(max_size=300), st.sampled_from(["https://a.example.com/", "http://", ""])),
    max_size=6,
)


@pytest.fixture
def post(db, settings):
    settings.KIJI_TRACKBACKS_VERIFY_SOURCE = False
    settings.KIJI_TRACKBACKS_PER_IP_PER_MINUTE = 0
    settings.KIJI_TRACKBACKS_PER_POST_PER_HOUR = 0
    settings.KIJI_TRACKBACKS_PER_POST_PER_DAY = 0
    return make_post("Pinged")


def check_invariants() -> None:
    assert not Trackback.objects.public().exclude(status=Status.APPROVED).exists()


@FUZZ
@given(
    data=fields,
    raw=st.binary(max_size=2000),
    use_raw=st.booleans(),
    content_type=st.sampled_from(CONTENT_TYPES),
    charset=st.sampled_from([*ENCODINGS, None]),
)
def test_trackback_endpoint_always_answers_in_its_protocol(
    post, data, raw, use_raw, content_type, charset
):
    body = raw if use_raw else urlencode(data, encoding="utf-8", errors="replace")
    if charset and content_type:
        content_type += f"; charset={charset}"
    response = Client().generic("POST", f"/trackback/{post.pk}/", body, content_type=content_type)

    assert response.status_code in (200, 403)
    assert response["Content-Type"].startswith("text/xml")
    assert re.search(rb"<error>[01]</error>", response.content)
    check_invariants()


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=2000),
        st.tuples(st.text(max_size=200), st.text(max_size=200)).map(
            lambda st_: (
                "<?xml version='1.0'?><methodCall><methodName>pingback.ping</methodName><params>"
                f"<param><value><string>{st_[0]}</string></value></param>"
                f"<param><value><string>{st_[1]}</string></value></param>"
                "</params></methodCall>"
            ).encode("utf-8", "replace")
        ),
    )
)
def test_xmlrpc_endpoint_always_answers_in_xml_rpc(post, raw):
    response = Client().generic("POST", "/trackback/xmlrpc/", raw, content_type="text/xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<methodResponse>" in response.content
    check_invariants()


@FUZZ
@given(data=fields, content_type=st.sampled_from(CONTENT_TYPES))
def test_webmention_endpoint_answers_with_a_status_and_a_plain_message(post, data, content_type):
    response = Client().generic(
        "POST",
        "/trackback/webmention/",
        urlencode(data, encoding="utf-8", errors="replace"),
        content_type=content_type,
    )

    assert response.status_code in (201, 202, 400, 403, 413, 429)
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("text/plain")
        assert response.content.strip()
    check_invariants()
