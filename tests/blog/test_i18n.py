"""The Japanese interface (LANGUAGE_CODE=ja) and the committed message catalogue."""

import gettext
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from blog.models import Post, Tag
from tests import catalogues
from tests.factories import make_category, make_post, make_user

TOKYO = ZoneInfo("Asia/Tokyo")
CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES"


@pytest.fixture
def japanese(settings):
    settings.LANGUAGE_CODE = "ja"


@pytest.fixture
def post(db):
    category = make_category("料理", slug="food")
    tag = Tag.objects.create(name="漬物", slug="pickles")
    older = make_post(
        "古い記事", category=category, published_at=datetime(2024, 2, 1, tzinfo=TOKYO)
    )
    post = make_post(
        "ぬか床の一年",
        body="毎日かき混ぜる。",
        category=category,
        tags=[tag],
        published_at=datetime(2024, 3, 1, 0, 30, tzinfo=TOKYO),
    )
    return post, older


def po_entries() -> list[tuple[str, str]]:
    return catalogues.po_entries(CATALOGUE / "django.po")


def test_every_catalogue_entry_is_translated_and_none_is_fuzzy():
    entries = po_entries()

    assert len(entries) > 80
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    assert "#, fuzzy" not in (CATALOGUE / "django.po").read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    assert catalogue.gettext("Continue reading") == "続きを読む"
    # Each .po entry is in the .mo (plural entries are stored once, under their msgid).
    compiled_ids = {key[0] if isinstance(key, tuple) else key for key in catalogue._catalog}
    compiled_ids = {key.split("\x04")[-1] for key in compiled_ids}
    missing = [msgid for msgid, _ in po_entries() if msgid.replace('\\"', '"') not in compiled_ids]
    assert missing == [], "run `manage.py compilemessages`"


@pytest.mark.usefixtures("japanese")
def test_index_in_japanese_with_japanese_dates(client, post):
    html = client.get("/").content.decode()

    assert '<html lang="ja">' in html
    assert '<meta property="og:locale" content="ja_JP">' in html
    assert ">2024年3月1日</time>" in html
    assert "0 件のコメント" in html and "0 件のトラックバック" in html
    assert "続きを読む" in html
    assert ">カテゴリー</h2>" in html and ">アーカイブ</h2>" in html
    assert 'href="/2024/03/">2024年3月</a> (1)' in html
    for english in ["comments", "Continue reading", "Categories", "Search"]:
        assert f">{english}<" not in html


@pytest.mark.usefixtures("japanese")
def test_post_page_in_japanese(client, post):
    html = client.get(post[0].get_absolute_url()).content.decode()

    assert "投稿者 writer 日時 2024年3月1日0:30" in html
    assert "パーマリンク" in html
    assert "カテゴリー:" in html and "タグ:" in html
    assert "「料理」のほかの記事" in html
    assert ">メイン</a>" in html


@pytest.mark.usefixtures("japanese")
@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/category/food/", "カテゴリー: 料理"),
        ("/tag/pickles/", "タグ: 漬物"),
        ("/2024/03/", "2024年3月のアーカイブ"),
        ("/2024/", "2024年のアーカイブ"),
        ("/archives/", "アーカイブ"),
        ("/search/?q=ぬか", "「ぬか」の検索結果"),
    ],
)
def test_archive_pages_in_japanese(client, post, url, heading):
    html = client.get(url).content.decode()

    assert f"<h1>{heading}</h1>" in html


@pytest.mark.usefixtures("japanese")
def test_year_archive_counts_in_japanese(client, post):
    html = client.get("/archives/").content.decode()

    assert ">2024年</a></h2>" in html
    assert "2024年3月</a>\n      1 件" in html


@pytest.mark.usefixtures("japanese")
def test_404_page_in_japanese(client, db):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


@pytest.mark.usefixtures("japanese")
def test_staff_preview_notice_and_admin_in_japanese(client, db):
    draft = make_post("下書きの記事", status=Post.Status.DRAFT)
    client.force_login(make_user("editor", is_staff=True, is_superuser=True))

    preview = client.get(draft.get_absolute_url()).content.decode()
    changelist = client.get(reverse("admin:blog_post_changelist")).content.decode()

    assert "プレビュー: この記事はまだ読者には表示されていません。" in preview
    assert "公開状態" in changelist
    assert "選択した記事を公開する" in changelist


@pytest.mark.usefixtures("japanese")
def test_category_feed_title_in_japanese(client, post):
    html = client.get("/category/food/feed/rss/").content.decode()

    assert "<title>Kiji: 料理</title>" in html


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Something went wrong"), ("ja", "エラーが発生しました")],
)
def test_server_error_page_renders_without_the_database(settings, language, text):
    # No django_db mark: any query here would fail the test.
    settings.LANGUAGE_CODE = language
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert text in html
    assert 'href="/"' in html
