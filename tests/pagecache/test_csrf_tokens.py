"""The page cache's CSRF tokens are Django's tokens, drawn from the OS's generator evenly."""

from collections import Counter

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _does_token_match,
    _unmask_cipher_token,
)
from django.test import RequestFactory

from pagecache import csrf_tokens


def test_a_token_unmasks_to_its_secret_by_django_s_own_code():
    secret = csrf_tokens.random_string()

    tokens = {csrf_tokens.masked(secret) for _ in range(200)}

    assert len(tokens) == 200
    for token in tokens:
        assert len(token) == 2 * CSRF_SECRET_LENGTH
        assert _unmask_cipher_token(token) == secret
        assert _does_token_match(token, secret)


def test_every_character_is_about_equally_likely():
    drawn = Counter("".join(csrf_tokens.random_string() for _ in range(4000)))

    assert set(drawn) == set(CSRF_ALLOWED_CHARS)
    expected = 4000 * CSRF_SECRET_LENGTH / len(CSRF_ALLOWED_CHARS)  # about 2065
    # Folding the 8 bytes above 247 in would make the first 8 characters
    # 5/4 as likely as the others; chance alone stays far inside 10%.
    assert all(abs(count - expected) < 0.1 * expected for count in drawn.values())


def test_a_visitor_without_a_cookie_gets_a_new_secret_to_be_sent():
    request = RequestFactory().get("/")

    token = csrf_tokens.token_for(request)

    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == CSRF_SECRET_LENGTH
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(token) == secret


def test_a_visitor_with_a_secret_keeps_it():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = secret = "a" * CSRF_SECRET_LENGTH

    token = csrf_tokens.token_for(request)

    assert request.META["CSRF_COOKIE"] == secret
    assert _unmask_cipher_token(token) == secret
