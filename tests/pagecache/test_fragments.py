"""Each comment's and ping's markup is rendered once for what it shows."""

import pytest
from django.core.cache import cache
from django.template import loader
from django.utils import translation

from comments.models import Comment
from comments.templatetags.comment_tags import _shows
from pagecache.fragments import render_each
from tests.comments.helpers import make_comment
from tests.factories import make_post

pytestmark = pytest.mark.django_db

TEMPLATE = "comments/_comment.html"


@pytest.fixture
def comments():
    post = make_post("Thread")
    for n in range(3):
        make_comment(post, text=f"Remark {n}", author_name=f"Reader {n}")
    return list(Comment.objects.filter(post=post).for_display())


@pytest.fixture
def renders(monkeypatch):
    """How many items the comment template rendered."""
    count = []
    template = loader.get_template(TEMPLATE)
    original = type(template).render

    def counting(self, *args, **kwargs):
        if self.template.name == TEMPLATE:
            count.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(template), "render", counting)
    return count


def test_items_are_rendered_once_and_then_fetched(comments, renders):
    first = render_each(TEMPLATE, "comment", comments, _shows)
    second = render_each(TEMPLATE, "comment", comments, _shows)

    assert len(renders) == 3
    assert second == first
    assert "Remark 2" in second[2]


def test_an_edited_item_renders_anew_and_the_others_do_not(comments, renders):
    render_each(TEMPLATE, "comment", comments, _shows)
    Comment.objects.filter(pk=comments[1].pk).update(text_html="<p>Second thoughts</p>")
    fresh = list(Comment.objects.filter(pk__in=[c.pk for c in comments]).for_display())

    markup = render_each(TEMPLATE, "comment", fresh, _shows)

    assert len(renders) == 4
    assert "Second thoughts" in markup[1]
    assert "Remark 1" not in markup[1]


def test_each_language_has_its_own_markup(comments):
    english = render_each(TEMPLATE, "comment", comments, _shows)
    comments[0].status = "pending"

    with translation.override("ja"):
        japanese = render_each(TEMPLATE, "comment", comments[:1], _shows)

    assert "承認" in japanese[0]
    assert japanese[0] != english[0]


def test_items_can_be_left_out_of_the_cache(comments, renders, settings):
    settings.KIJI_ITEM_CACHE_SECONDS = 0

    render_each(TEMPLATE, "comment", comments, _shows)
    render_each(TEMPLATE, "comment", comments, _shows)

    assert len(renders) == 6
    assert not [key for key in cache._cache if ":kiji:item:" in key]


def test_a_changed_template_renders_anew(comments, settings, renders, tmp_path):
    render_each(TEMPLATE, "comment", comments, _shows)
    theme = tmp_path / "comments"
    theme.mkdir()
    (theme / "_comment.html").write_text("<li>{{ comment.author_name }} (themed)</li>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]

    markup = render_each(TEMPLATE, "comment", comments, _shows)

    assert len(renders) == 6
    assert markup[0] == "<li>Reader 0 (themed)</li>"


def test_new_translations_render_anew(comments, settings, renders, tmp_path):
    import shutil

    with translation.override("ja"):
        render_each(TEMPLATE, "comment", comments, _shows)
    # A deploy brings one more catalogue for the language.
    catalogue = tmp_path / "ja" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    shutil.copy(settings.LOCALE_PATHS[0] / "ja" / "LC_MESSAGES" / "django.mo", catalogue)
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path]

    with translation.override("ja"):
        render_each(TEMPLATE, "comment", comments, _shows)

    assert len(renders) == 6
