"""What a visitor's browser remembers about their own comments.

* Their own comments awaiting moderation: signed comment ids in the session,
  so only that visitor sees them on the post page, marked as pending.
* "Remember me": name, email and website in a signed cookie that only
  pre-fills that visitor's form.
"""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

SESSION_KEY = "kiji_own_comments"
OWN_SALT = "kiji.comments.own"
COOKIE_NAME = "kiji_commenter"
COOKIE_SALT = "kiji.comments.remember"
MAX_OWN = 20


def remember_own_comment(request: HttpRequest, comment) -> None:
    tokens = [t for t in request.session.get(SESSION_KEY, []) if isinstance(t, str)]
    token = signing.dumps(comment.pk, salt=OWN_SALT)
    request.session[SESSION_KEY] = [*tokens, token][-MAX_OWN:]


def own_comment_ids(request: HttpRequest) -> list[int]:
    """Ids of the comments this visitor sent (none without a session cookie: no query)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return []
    ids = []
    for token in request.session.get(SESSION_KEY, []):
        try:
            ids.append(int(signing.loads(token, salt=OWN_SALT)))
        except (signing.BadSignature, TypeError, ValueError):
            continue
    return ids


def remember_commenter(response: HttpResponse, data: dict) -> None:
    value = signing.dumps(
        {"name": data["name"], "email": data["email"], "url": data["url"]},
        salt=COOKIE_SALT,
        compress=True,
    )
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=settings.KIJI_COMMENTS_REMEMBER_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget_commenter(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, samesite="Lax")


def remembered_commenter(request: HttpRequest) -> dict:
    """The name, email and website the visitor asked to remember, or {}."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return {}
    try:
        data = signing.loads(
            value, salt=COOKIE_SALT, max_age=settings.KIJI_COMMENTS_REMEMBER_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    remembered = {k: str(data.get(k, ""))[:254] for k in ("name", "email", "url")}
    return {**remembered, "remember": True}
