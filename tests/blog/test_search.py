"""`PostQuerySet.search()`: the same answers on SQLite and PostgreSQL, and on
PostgreSQL the trigram indexes of migration 0004 serve it."""

import json

import pytest
from django.db import connection

from blog.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db

# What PostgreSQL prints for the expressions `icontains` compiles to.
TRIGRAM_INDEXES = {
    "post_title_trgm_idx": "USING gin (upper((title)::text) gin_trgm_ops)",
    "post_body_text_trgm_idx": "USING gin (upper(body_text) gin_trgm_ops)",
}


@pytest.fixture
def corpus():
    """Posts named by a short key, with Japanese and English in titles and bodies."""
    posts = {
        "kyoto-trip": ("京都旅行の記録", "寺町通りの古本屋を歩いた。"),
        "kyoto-station": ("駅の話", "京都駅から東京まで新幹線で帰った。"),
        "tokyo": ("東京の本屋", "神保町の古本まつり。"),
        "letters": ("Long Posts", "Why I still write LETTERS by hand."),
        "drafts": ("On drafts", "The first draft is for finding out what a post is about."),
        "percent": ("Sale", "Everything 100% off, says the sign."),
        "hundred": ("Counting", "A list of 100 things, and one more."),
        "snake": ("Naming", "Python likes snake_case names."),
        "snakey": ("Reptiles", "A snakeycase is not a word."),
        "backslash": ("Paths", r"Windows writes C:\Users with a backslash."),
    }
    return {key: make_post(title, body=body) for key, (title, body) in posts.items()}


def found(query: str) -> set[str]:
    return {post.slug for post in Post.objects.search(query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Japanese: any length of substring, in the title or the body.
        ("京", {"kyoto-trip", "kyoto-station", "tokyo"}),
        ("京都", {"kyoto-trip", "kyoto-station"}),
        ("京都旅行", {"kyoto-trip"}),
        ("古本屋", {"kyoto-trip"}),
        ("古本", {"kyoto-trip", "tokyo"}),
        ("東京の本屋", {"tokyo"}),
        ("大阪", set()),
        # English, in any case, in the title or the body.
        ("letters", {"letters"}),
        ("LONG posts", {"letters"}),
        ("Draft", {"drafts"}),
        ("raf", {"drafts"}),
        # Every word must match, each in the title or the body.
        ("京都 新幹線", {"kyoto-station"}),
        ("京都 古本", {"kyoto-trip"}),
        ("long hand", {"letters"}),
        ("long 京都", set()),
        # LIKE wildcards and the escape character are plain characters.
        ("%", {"percent"}),
        ("0%", {"percent"}),
        ("100%", {"percent"}),
        ("_", {"snake"}),
        ("e_c", {"snake"}),
        ("snake_case", {"snake"}),
        ("\\", {"backslash"}),
        ("C:\\Users", {"backslash"}),
    ],
)
def test_search_finds_the_same_posts_on_every_database(corpus, query, expected):
    slugs = {post.slug: key for key, post in corpus.items()}

    assert {slugs[slug] for slug in found(query)} == expected


def test_search_takes_at_most_ten_words(corpus):
    ten = " ".join(["京都"] * 9 + ["旅行"])

    assert found(ten) == {corpus["kyoto-trip"].slug}
    assert found(ten + " 大阪") == {corpus["kyoto-trip"].slug}


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.mark.postgres
def test_migration_creates_trigram_indexes_on_the_search_expressions():
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'blog_post'")
        indexes = dict(cursor.fetchall())

    for name, definition in TRIGRAM_INDEXES.items():
        assert indexes[name].endswith(definition)


def nodes(plan: dict):
    """Every node of a JSON EXPLAIN plan."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def explain_search(word: str) -> list[dict]:
    """The plan of `search(word)` when it may only read posts through a bitmap."""
    with connection.cursor() as cursor:
        # A ten-post table is cheaper to read whole, or along its primary key;
        # take both ways away to see whether the trigram indexes can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = json.loads(Post.objects.search(word).explain(format="json", analyze=True))
    return list(nodes(plan[0]["Plan"]))


@pytest.mark.postgres
@pytest.mark.parametrize("word", ["京都旅行", "Letters"])
def test_trigram_indexes_serve_a_search_for_three_characters_or_more(corpus, word):
    """The query `search()` sends has the indexed expressions, and pg_trgm takes
    trigrams from Japanese under the database's locale: the indexes hand over
    only the matching post, none that the recheck must throw away."""
    postgresql_only()

    plan = explain_search(word)

    used = {n["Index Name"] for n in plan if n["Node Type"] == "Bitmap Index Scan"}
    assert used == TRIGRAM_INDEXES.keys()
    heap = next(n for n in plan if n["Node Type"] == "Bitmap Heap Scan")
    assert (heap["Actual Rows"], heap["Rows Removed by Index Recheck"]) == (1, 0)


@pytest.mark.postgres
def test_a_two_character_search_is_right_but_reads_every_post(corpus):
    """Two characters make no trigram, so the indexes hand over every post and
    the recheck finds the matches: correct, as slow as a scan."""
    postgresql_only()

    plan = explain_search("京都")

    heap = next(n for n in plan if n["Node Type"] == "Bitmap Heap Scan")
    assert (heap["Actual Rows"], heap["Rows Removed by Index Recheck"]) == (2, len(corpus) - 2)
