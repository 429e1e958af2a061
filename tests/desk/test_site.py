import pytest
from django.urls import reverse
from django.utils import translation

from desk.groups import group_apps

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def test_the_admin_wears_the_blog_name(desk):
    html = desk.get(INDEX).content.decode()

    assert '<div id="site-name"><a href="/admin/">Kiji</a></div>' in html
    assert "<title>Kiji desk | Kiji</title>" in html
    assert "<h1>Kiji desk</h1>" in html
    assert "Django administration" not in html
    assert "Django site admin" not in html


def test_a_changed_site_title_shows_at_once(desk, settings, client):
    settings.KIJI_SITE_TITLE = "京都日記"

    html = desk.get(INDEX).content.decode()
    client.logout()
    login = client.get(reverse("admin:login")).content.decode()

    assert '<a href="/admin/">京都日記</a>' in html
    assert "<title>京都日記 desk | 京都日記</title>" in html
    assert "京都日記" in login
    assert "Django administration" not in login


def test_the_admin_takes_the_blog_colours_from_a_stylesheet(desk):
    html = desk.get(INDEX).content.decode()

    assert '<link rel="stylesheet" href="/static/desk/desk.css">' in html
    assert "<style" not in html
    assert " style=" not in html


def captions(html: str) -> list[str]:
    import re

    return re.findall(r'<span class="section">([^<]+)</span>', html)


def test_the_index_groups_the_apps_for_an_author(desk):
    response = desk.get(INDEX)
    groups = {app["name"]: app for app in response.context["app_list"]}

    assert list(groups) == ["Writing", "Conversation", "Moving in and out", "System"]
    assert captions(response.content.decode()) == list(groups)

    def names(group):
        return [m["model"]._meta.label_lower for m in groups[group]["models"]]

    assert names("Writing") == ["blog.post", "blog.category", "blog.tag", "media.mediaitem"]
    assert set(names("Conversation")) >= {
        "comments.comment",
        "trackbacks.trackback",
        "subscriptions.subscription",
    }
    assert set(names("Moving in and out")) == {"porting.importjob", "porting.oldpath"}
    system = names("System")
    assert system[:2] == ["auth.user", "auth.group"]
    assert "axes.accessattempt" in system
    assert "django_tasks_database.dbtaskresult" in system


def test_the_sidebar_shows_the_groups_too(desk):
    html = desk.get(reverse("admin:blog_post_changelist")).content.decode()

    sidebar = html[html.index('id="nav-sidebar"') :]
    assert captions(sidebar)[:4] == ["Writing", "Conversation", "Moving in and out", "System"]


def test_an_app_page_keeps_its_own_app(desk):
    response = desk.get(reverse("admin:app_list", args=["blog"]))

    assert response.status_code == 200
    assert [app["app_label"] for app in response.context["app_list"]] == ["blog"]


def test_models_no_group_names_fall_into_system():
    class Meta:
        app_label, model_name = "elsewhere", "thing"

    class Thing:
        _meta = Meta

    apps = [{"name": "Elsewhere", "models": [{"model": Thing, "name": "Things"}]}]

    assert [(g["name"], len(g["models"])) for g in group_apps(apps)] == [("System", 1)]


def test_the_admin_speaks_japanese(desk, settings, post):
    settings.LANGUAGE_CODE = "ja"

    html = desk.get(INDEX).content.decode()

    for japanese in (
        "執筆",
        "会話",
        "ブログの引っ越し",
        "システム",
        "Kiji のデスク",
        "承認待ち",
        "判断を待っているもの",
        "アクセスの試み",
        "タスクの結果",
    ):
        assert japanese in html
    for english in (
        "Writing",
        "Conversation",
        "Moving in and out",
        ">System<",
        "Kiji desk",
        "Awaiting moderation",
        "Waiting for your decision",
        "Nothing is waiting",
        "Access attempts",
        "Task Results",
    ):
        assert english not in html


def test_every_desk_string_has_a_japanese_translation():
    from django.conf import settings as django_settings

    from tests.catalogues import po_entries

    catalog = django_settings.BASE_DIR / "desk" / "locale" / "ja" / "LC_MESSAGES" / "django.po"

    assert [msgid for msgid, msgstr in po_entries(catalog) if not msgstr] == []
    entries = catalog.read_text(encoding="utf-8").split("\n\n")[1:]  # after the header
    assert not any("#, fuzzy" in entry for entry in entries)
    with translation.override("ja"):
        assert translation.gettext("Moving in and out") != "Moving in and out"
