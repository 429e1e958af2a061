"""Seed an empty Kiji database with a realistic, large blog for the benchmark.

    DATABASE_URL=... python bench/seed.py [--posts 2000] [--comments 100000]

Writes, in a few seconds with `bulk_create` and HTML rendered once per text:

* `--posts` published posts over the last five years, in 12 categories with
  40 tags; the newest is the popular post;
* on the popular post, `--popular` approved comments (300);
* on the next post, as many approved comments in threads three deep (a
  comment, a reply, a reply to the reply), to compare a threaded page;
* `--comments` comments in all (100,000), a third of them pending, spread
  over the other posts;
* a superuser `bench` with a random password, for the admin timings.

* 30 approved TrackBacks on the popular post (when the `trackbacks` app has
  its model; otherwise the summary says `"trackbacks": null`).

The last line printed is JSON for bench/loadtest.py: the URLs to load, the
admin login, what was seeded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
from datetime import timedelta
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from blog import markup  # noqa: E402
from blog.models import Category, Post, Tag  # noqa: E402
from comments.markup import render_comment  # noqa: E402
from comments.models import Comment  # noqa: E402
from moderation.models import Status  # noqa: E402
from pagecache.pages import invalidate_pages  # noqa: E402

BATCH = 5000

PARAGRAPHS = [
    "長い文章を書くと、考えがどこで止まっていたのかがよく見える。書き終えてから読み返すと、"
    "最初に言いたかったことと最後に言ったことが少しずれていて、そのずれが面白い。",
    "The first draft is for finding out what the post is about. The second one is for the "
    "reader, who deserves a shorter road to the same place.",
    "朝の台所で湯を沸かしながら、昨日読んだ本のことを考えていた。**覚えている文**は三つだけで、"
    "どれも本筋とは関係のない脇道の話だった。",
    "Links rot, but a plain page with dates and permalinks survives a surprising number of "
    "redesigns. See [the archive](/archives/) for the older posts.",
    "- 一つ目の理由は、読み手が途中で止まれること\n- 二つ目は、書き手が途中で考え直せること\n"
    "- 三つ目は、あとで見つけやすいこと",
    "```\nmake serve\n```\n\nThat is the whole deployment story for a weekend project, and it "
    "is enough for a surprising number of readers.",
]
COMMENT_TEXTS = [
    "とても参考になりました。特に二つ目の段落に共感します。",
    "I disagree with the part about drafts, but the rest rings true. "
    "https://example.com/notes has my longer answer.",
    "前回の記事と合わせて読むと、考えの変化がよく分かりますね。",
    "Thanks for writing this down. I have been doing the same for years without a name for it.",
    "京都の古本屋で同じ本を見かけました。今度読んでみます。",
    "One small correction: the command in the last example needs the virtualenv active.\n\n"
    "Otherwise it works as described.",
    "長文ありがとうございます。週末にゆっくり読み返します。",
    "This is the kind of post that makes me keep an RSS reader around.",
]
SEARCH_WORD = "京都"


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def bodies(n: int) -> list[tuple[str, str, str]]:
    """`n` different post bodies: (markdown, html, plain text), each rendered once."""
    out = []
    for i in range(n):
        chosen = [PARAGRAPHS[(i + k) % len(PARAGRAPHS)] for k in range(4 + i % 3)]
        body = "\n\n".join(chosen)
        html = markup.render_body(body, Post.Format.MARKDOWN)
        out.append((body, html, markup.plain_text(html)))
    return out


def seed(n_posts: int, n_comments: int, n_popular: int) -> dict:
    started = time.monotonic()
    now = timezone.now()
    password = secrets.token_urlsafe(16)
    user_model = get_user_model()
    author = user_model.objects.create_superuser("bench", "bench@example.com", password)
    author.first_name, author.last_name = "Bench", "Writer"
    author.save()

    categories = Category.objects.bulk_create(
        Category(name=f"Category {i}", slug=f"category-{i}", description="Benchmark posts.")
        for i in range(12)
    )
    tags = Tag.objects.bulk_create(Tag(name=f"tag {i}", slug=f"tag-{i}") for i in range(40))
    texts = bodies(24)
    step = timedelta(days=5 * 365) / n_posts
    posts = Post.objects.bulk_create(
        (
            Post(
                title=f"Post number {i}: 長い記事のタイトル {i}",
                slug=f"post-{i}",
                author=author,
                category=categories[i % len(categories)],
                body=texts[i % len(texts)][0],
                body_html=texts[i % len(texts)][1],
                body_text=texts[i % len(texts)][2],
                status=Post.Status.PUBLISHED,
                published_at=now - timedelta(hours=1) - step * i,
            )
            for i in range(n_posts)
        ),
        batch_size=BATCH,
    )
    through = Post.tags.through
    through.objects.bulk_create(
        (
            through(post_id=post.pk, tag_id=tags[(i + k * 7) % len(tags)].pk)
            for i, post in enumerate(posts)
            for k in range(3)
        ),
        batch_size=BATCH,
    )
    popular, threaded, others = posts[0], posts[1], posts[2:]

    rendered = [(text, render_comment(text)) for text in COMMENT_TEXTS]
    pending_every = 3  # a third of all comments wait for moderation

    def comment(i: int, post: Post, status: str) -> Comment:
        text, html = rendered[i % len(rendered)]
        return Comment(
            post=post,
            author_name=f"Reader {i}",
            author_email=f"reader{i}@example.com",
            author_url="https://example.com/" if i % 5 == 0 else "",
            text=f"{text} ({i})",
            text_html=html.replace("</p>", f" ({i})</p>", 1) if i % 2 else html,
            fingerprint=digest("bench", i),
            status=status,
            status_reason="Seeded",
            ip_address=f"198.51.100.{i % 250 + 1}",
            created_at=post.published_at
            + (timedelta(seconds=10 * (i + 1)) if post is popular else timedelta(minutes=i % 50)),
        )

    def all_comments():
        for i in range(n_popular):
            yield comment(i, popular, Status.APPROVED)
        rest = n_comments - n_popular
        pending = n_comments // pending_every
        spread = cycle(others)
        for j, post in enumerate(islice(spread, rest)):
            i = n_popular + j
            yield comment(i, post, Status.PENDING if j < pending else Status.APPROVED)

    batch: list[Comment] = []
    for item in all_comments():
        batch.append(item)
        if len(batch) == BATCH:
            Comment.objects.bulk_create(batch)
            batch = []
    if batch:
        Comment.objects.bulk_create(batch)
    Comment.objects.filter(thread_id__isnull=True).start_threads()
    seed_threads(threaded, n_popular, comment)

    trackbacks = seed_trackbacks(popular)
    invalidate_pages()
    local = timezone.localtime(posts[len(posts) // 2].published_at)
    return {
        "posts": n_posts,
        "comments": Comment.objects.count(),
        "pending": Comment.objects.filter(status=Status.PENDING).count(),
        "popular_approved": Comment.objects.filter(post=popular, status=Status.APPROVED).count(),
        "trackbacks": trackbacks,
        "seconds": round(time.monotonic() - started, 1),
        "popular_post_id": popular.pk,
        "popular_post_url": popular.get_absolute_url(),
        "threaded_post_url": threaded.get_absolute_url(),
        "threaded_approved": Comment.objects.filter(post=threaded, status=Status.APPROVED).count(),
        "month_url": reverse(
            "blog:archive-month", kwargs={"year": local.year, "month": f"{local.month:02d}"}
        ),
        "search_url": reverse("blog:search") + "?q=" + SEARCH_WORD,
        "admin_pending_url": reverse("admin:comments_comment_changelist"),
        "admin_username": "bench",
        "admin_password": password,
    }


def seed_threads(post: Post, n: int, comment) -> None:
    """`n` approved comments on `post` in threads of three: a comment, a reply, a reply to it."""
    start = 10_000_000  # numbers of their own, for unique fingerprints
    parents = []
    for level in range(3):
        rows = []
        for t in range(n // 3 + (1 if level < n % 3 else 0)):
            row = comment(start + level * n + t, post, Status.APPROVED)
            row.created_at = post.published_at + timedelta(minutes=10 * t, seconds=level)
            if level:
                row.attach_to(parents[t])
            rows.append(row)
        Comment.objects.bulk_create(rows)
        if level == 0:
            Comment.objects.filter(post=post, thread_id__isnull=True).start_threads()
            rows = list(Comment.objects.filter(post=post).order_by("created_at", "id"))
        parents = rows


def seed_trackbacks(post: Post, n: int = 30) -> int | None:
    """Approved TrackBacks on `post`, when the trackbacks app has its model; else None."""
    try:
        model = apps.get_model("trackbacks", "Trackback")
    except LookupError:
        return None
    model.objects.bulk_create(
        model(
            post=post,
            kind="trackback",
            url=f"https://example.org/replies/{i}/",
            title=f"A reply on another blog ({i})",
            excerpt="その記事を読んで考えたこと。" * 3,
            blog_name="Another blog",
            verification="links_here",
            status=Status.APPROVED,
            status_reason="Seeded",
            ip_address="203.0.113.7",
            created_at=post.published_at + timedelta(minutes=30, seconds=i),
        )
        for i in range(n)
    )
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--popular", type=int, default=300)
    args = parser.parse_args()
    if Post.objects.exists():
        sys.exit("The database already has posts: seed an empty, migrated database.")
    if args.posts < 2 or args.comments < args.popular:
        sys.exit("Need at least two posts and as many comments as the popular post gets.")
    with transaction.atomic():
        summary = seed(args.posts, args.comments, args.popular)
    # A live database has planner statistics (autovacuum keeps them); a freshly
    # filled one has none until analysed, and its plans would be a stranger's.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
