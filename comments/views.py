from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from blog.models import Post
from comments import visitor
from comments.forms import CommentForm
from comments.markup import render_comment
from comments.models import Comment
from comments.services import submit_comment
from moderation.flood import client_ip, flood_check


def _problem(request: HttpRequest, *, status: int, title: str, message: str, post=None):
    """A page that explains why a comment was not taken, giving back what was typed."""
    return TemplateResponse(
        request,
        "comments/problem.html",
        {
            "title": title,
            "message": message,
            "post": post,
            "text": request.POST.get("text", "") if request.method == "POST" else "",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def comment_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Receive the comment form: preview, re-show with errors, or store and redirect.

    A GET (a bookmarked or reloaded error page) goes to the post's comments.
    Templates: `comments/form_page.html` (preview, errors, flood),
    `comments/problem.html` (missing or closed post).
    """
    post = Post.objects.published().select_related("author").filter(pk=post_id).first()
    if post is not None and request.method == "GET":
        return HttpResponseRedirect(f"{post.get_absolute_url()}#comments")
    if post is None:
        return _problem(
            request,
            status=404,
            title=_("Post not found"),
            message=_("There is no published post to comment on at this address."),
        )
    if not post.comments_open:
        return _problem(
            request,
            status=403,
            title=_("Comments are closed"),
            message=_("This post no longer accepts comments."),
            post=post,
        )
    form = CommentForm(request.POST, post=post)
    if not form.is_valid():
        return _form_page(request, post, form, status=400)
    if "preview" in request.POST:
        return _form_page(request, post, form, preview=True)
    ip = client_ip(request)
    refusal = flood_check(scope="comment", ip=ip, limit=settings.KIJI_COMMENTS_PER_MINUTE)
    if refusal is not None:
        form.add_error(None, refusal.message)
        response = _form_page(request, post, form, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    data = form.cleaned_data
    comment, created = submit_comment(
        post=post,
        name=data["name"],
        email=data["email"],
        url=data["url"],
        text=data["text"],
        ip=ip,
        notify_on_approval=data.get("notify", False),
        form_age=form.form_age,
        honeypot=data["homepage"],
    )
    if created:
        # A repeat keeps the session it was first sent from: matching someone
        # else's email and text must not reveal their pending comment.
        visitor.remember_own_comment(request, comment)
    messages.success(
        request,
        _("Thank you. Your comment is awaiting moderation and will appear once it is approved."),
    )
    response = HttpResponseRedirect(comment.get_thread_url())
    if data["remember"]:
        visitor.remember_commenter(response, data)
    else:
        visitor.forget_commenter(response)
    return response


@require_http_methods(["GET", "HEAD"])
def comment_permalink(request: HttpRequest, comment_id: int) -> HttpResponse:
    """A comment's permalink: the page of its post's thread that shows it.

    Approved comments for everyone; a comment awaiting moderation only for the
    visitor who sent it (anyone else gets a 404, as for a comment that does not exist).
    """
    comments = Comment.objects.select_related("post")
    comment = comments.public().filter(pk=comment_id).first()
    if comment is None and comment_id in visitor.own_comment_ids(request):
        comment = comments.filter(pk=comment_id).first()
    if comment is None:
        raise Http404
    return HttpResponseRedirect(comment.get_thread_url())


def _form_page(request, post, form, *, status: int = 200, preview: bool = False):
    """The form again, every field kept, with errors by the fields or a preview above."""
    return TemplateResponse(
        request,
        "comments/form_page.html",
        {
            "post": post,
            "form": form,
            "preview": preview,
            "preview_html": render_comment(form.cleaned_data["text"]) if preview else "",
        },
        status=status,
    )
