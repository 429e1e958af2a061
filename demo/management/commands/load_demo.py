import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from blog.models import Category, Post, Tag
from comments.models import Comment, fingerprint
from demo import content
from trackbacks.models import Trackback
from trackbacks.sending import pings_suppressed


class Command(BaseCommand):
    help = "Load demo posts and an admin account for a local Kiji (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        # Demo posts tell no other blog about themselves.
        with pings_suppressed(), transaction.atomic():
            self.load(username)

    def load(self, username: str) -> None:
        author = self.demo_admin(username)
        categories = {
            c["slug"]: Category.objects.get_or_create(slug=c["slug"], defaults=c)[0]
            for c in content.CATEGORIES
        }
        now = timezone.now()
        created = 0
        for item in content.POSTS:
            if Post.objects.filter(slug=item["slug"]).exists():
                continue
            post = Post.objects.create(
                slug=item["slug"],
                title=item["title"],
                body=item["body"],
                author=author,
                category=categories[item["category"]],
                status=item.get("status", Post.Status.PUBLISHED),
                published_at=now - timedelta(days=item["days_ago"], hours=3),
            )
            post.tags.set(Tag.objects.get_or_create(name=name)[0] for name in item["tags"])
            created += 1
        comments = self.demo_comments()
        pings = self.demo_trackbacks()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content: {created} posts, {comments} comments, {pings} trackbacks created."
            )
        )

    def demo_comments(self) -> int:
        """Approved, pending and spam comments; each is stored once (by its fingerprint)."""
        posts = {
            p.slug: p for p in Post.objects.filter(slug__in={c["post"] for c in content.COMMENTS})
        }
        created = 0
        for item in content.COMMENTS:
            post = posts.get(item["post"])
            if post is None:
                continue
            key = fingerprint(post_id=post.pk, email=item["email"], text=item["text"])
            if Comment.objects.filter(fingerprint=key).exists():
                continue
            Comment.objects.create(
                post=post,
                author_name=item["name"],
                author_email=item["email"],
                author_url=item["url"],
                text=item["text"],
                status=item["status"],
                status_reason=item.get("reason", "Demo comment"),
                ip_address="192.0.2.1",
                created_at=post.published_at + timedelta(hours=item["hours"]),
            )
            created += 1
        return created

    def demo_trackbacks(self) -> int:
        """Approved, pending and spam pings of each kind; one per source URL and post."""
        posts = {
            p.slug: p for p in Post.objects.filter(slug__in={t["post"] for t in content.TRACKBACKS})
        }
        created = 0
        for item in content.TRACKBACKS:
            post = posts.get(item["post"])
            if post is None or Trackback.objects.filter(post=post, url=item["url"]).exists():
                continue
            Trackback.objects.create(
                post=post,
                kind=item["kind"],
                url=item["url"],
                title=item["title"],
                blog_name=item["blog_name"],
                excerpt=item["excerpt"],
                status=item["status"],
                status_reason="Demo ping",
                verification=item["verification"],
                ip_address="192.0.2.2",
                created_at=post.published_at + timedelta(hours=item["hours"]),
            )
            created += 1
        return created

    def demo_admin(self, username: str):
        """Create the demo admin with a random password, printed once; never reset one."""
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "is_staff": True,
                "is_superuser": True,
                "first_name": "Kiji",
                # Moderation emails for new demo comments print on the console.
                "email": f"{username}@example.com",
            },
        )
        if created:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            self.stdout.write(
                self.style.WARNING(
                    f"Admin login for this local demo: {settings.KIJI_SITE_URL}/admin/  "
                    f"user: {username}  password: {password}"
                )
            )
        else:
            self.stdout.write(
                f"Admin user '{username}' already exists (its password was printed when it "
                f"was created; `python manage.py changepassword {username}` sets a new one)."
            )
        return user
