from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from blog.models import Post
from comments import visitor
from comments.forms import AuthorReplyForm, CommentForm
from comments.markup import render_comment
from comments.models import Comment
from comments.services import ReplyRefused, reply_as_author, submit_comment
from comments.signals import comment_submitted
from moderation.flood import client_ip, flood_check
from moderation.models import Status


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


# Form pages give back what the visitor typed or is remembered by (their email
# among it): never kept by a cache in front of the site.
@cache_control(private=True)
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
    if _may_reply_as_author(request):
        return _author_reply(request, post)
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
    try:
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
            parent_id=data.get("parent"),
        )
    except ReplyRefused:
        form.add_error(None, _("The comment you replied to is no longer shown. Send yours anew?"))
        form.data = form.data.copy()
        form.data["parent"] = ""
        return _form_page(request, post, form, status=409)
    if created:
        # A repeat keeps the session it was first sent from: matching someone
        # else's email and text must not reveal their pending comment.
        visitor.remember_own_comment(request, comment)
        if comment.status != Status.SPAM:
            comment_submitted.send(
                sender=Comment,
                comment=comment,
                wants_replies=data.get("notify_replies", False),
                wants_post=data.get("notify_post", False),
            )
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
            "author": request.user if isinstance(form, AuthorReplyForm) else None,
            "preview": preview,
            "preview_html": render_comment(form.cleaned_data["text"]) if preview else "",
        },
        status=status,
    )


def _may_reply_as_author(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and user.is_staff and user.has_perm("comments.add_comment")


def _author_reply(request: HttpRequest, post: Post) -> HttpResponse:
    """The signed-in author's comment or reply: published at once, labelled as theirs."""
    form = AuthorReplyForm(request.POST, post=post)
    if not form.is_valid():
        return _form_page(request, post, form, status=400)
    if "preview" in request.POST:
        return _form_page(request, post, form, preview=True)
    try:
        comment = reply_as_author(
            post=post,
            user=request.user,
            text=form.cleaned_data["text"],
            parent_id=form.cleaned_data.get("parent"),
        )
    except ReplyRefused:
        form.add_error(None, _("The comment you replied to is no longer shown."))
        return _form_page(request, post, form, status=409)
    messages.success(request, _("Your reply is published."))
    return HttpResponseRedirect(comment.get_thread_url())


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
def comment_reply(request: HttpRequest, comment_id: int) -> HttpResponse:
    """The Reply link without JavaScript: the comment quoted, and the form bound to it.

    Template: `comments/reply_page.html`. Only approved comments on posts that
    take comments can be answered; anything else is a clear 404 or 403 page.
    """
    comment = Comment.objects.public().select_related("post").filter(pk=comment_id).first()
    if comment is None:
        return _problem(
            request,
            status=404,
            title=_("Comment not found"),
            message=_("There is no comment to reply to at this address."),
        )
    post = comment.post
    if not post.comments_open:
        return _problem(
            request,
            status=403,
            title=_("Comments are closed"),
            message=_("This post no longer accepts comments."),
            post=post,
        )
    if _may_reply_as_author(request):
        form = AuthorReplyForm(post=post, initial={"parent": comment.pk})
    else:
        initial = {**(visitor.remembered_commenter(request) or {}), "parent": comment.pk}
        form = CommentForm(post=post, initial=initial)
    author = request.user if _may_reply_as_author(request) else None
    return TemplateResponse(
        request,
        "comments/reply_page.html",
        {"post": post, "comment": comment, "form": form, "author": author},
    )
