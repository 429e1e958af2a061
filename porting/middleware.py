from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from porting.models import OldPath


class OldPathRedirectMiddleware:
    """Answer a 404 for a path the blog had before it moved here with a 301 to its new page.

    Only requests that found nothing are looked up (one indexed query), so
    Kiji's own pages never pay for it. Posts that readers may not see are
    not redirected to.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        old = (
            OldPath.objects.select_related("post")
            .filter(path__in={request.path, request.path.rstrip("/")})
            .first()
        )
        if old is None or not old.post.is_published():
            return response
        return HttpResponsePermanentRedirect(old.post.get_absolute_url())
