"""The blog as an actor: WebFinger, the actor, NodeInfo, outbox, followers, and a post's Article."""

import json

import pytest
from django.urls import reverse

from blog.models import Post, Tag
from fediverse import activities
from fediverse.models import ActorKey, Follower
from tests.factories import make_post

pytestmark = pytest.mark.django_db

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture(autouse=True)
def _site(settings):
    settings.KIJI_SITE_URL = "https://blog.example"
    settings.ALLOWED_HOSTS = ["blog.example", "testserver"]
    settings.KIJI_FEDIVERSE_USERNAME = "blog"
    settings.KIJI_SITE_TITLE = "Kiji test blog"


def webfinger(client, resource):
    return client.get("/.well-known/webfinger", {"resource": resource})


def test_webfinger_finds_the_blog(client):
    response = webfinger(client, "acct:blog@blog.example")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jrd+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["subject"] == "acct:blog@blog.example"
    assert {"rel": "self", "type": AP, "href": "https://blog.example/fediverse/actor"} in document[
        "links"
    ]


@pytest.mark.parametrize(
    "resource", ["acct:someone@blog.example", "acct:blog@other.example", "https://other.example/"]
)
def test_webfinger_knows_no_one_else(client, resource):
    assert webfinger(client, resource).status_code == 404


def test_webfinger_needs_a_resource(client):
    assert client.get("/.well-known/webfinger").status_code == 400
    assert webfinger(client, "acct:" + "x" * 600).status_code == 400


def test_the_actor_document(client, settings):
    settings.KIJI_FEDIVERSE_ICON_URL = "https://blog.example/icon.png"
    response = client.get("/fediverse/actor", HTTP_ACCEPT=AP)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(AP)
    actor = response.json()
    assert "https://w3id.org/security/v1" in actor["@context"]
    assert actor["id"] == "https://blog.example/fediverse/actor"
    assert actor["type"] == "Service"
    assert actor["preferredUsername"] == "blog"
    assert actor["name"] == "Kiji test blog"
    assert actor["url"] == "https://blog.example/"
    assert actor["inbox"] == "https://blog.example/fediverse/inbox"
    assert actor["outbox"] == "https://blog.example/fediverse/outbox"
    assert actor["followers"] == "https://blog.example/fediverse/followers"
    assert actor["endpoints"]["sharedInbox"] == "https://blog.example/fediverse/shared-inbox"
    assert actor["icon"]["url"] == "https://blog.example/icon.png"
    key = ActorKey.current()
    assert actor["publicKey"] == {
        "id": "https://blog.example/fediverse/actor#main-key",
        "owner": "https://blog.example/fediverse/actor",
        "publicKeyPem": key.public_key_pem,
    }


def test_the_private_key_is_in_no_response(client):
    post = make_post("Keys")
    key = ActorKey.current()
    secret = key.private_key_pem.splitlines()[1]
    urls = [
        "/fediverse/actor",
        "/fediverse/outbox",
        "/fediverse/outbox?page=1",
        "/fediverse/followers",
        "/nodeinfo/2.1",
        post.get_absolute_url(),
    ]
    for url in urls:
        for accept in (AP, "text/html"):
            content = client.get(url, HTTP_ACCEPT=accept).content.decode()
            assert secret not in content
            assert "PRIVATE KEY" not in content
    assert secret not in repr(key) and secret not in str(key)


def test_nodeinfo(client):
    make_post()
    links = client.get("/.well-known/nodeinfo").json()["links"]
    assert links == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": "https://blog.example/nodeinfo/2.1",
        }
    ]
    document = client.get("/nodeinfo/2.1").json()
    assert document["version"] == "2.1"
    assert document["software"]["name"] == "kiji"
    assert document["protocols"] == ["activitypub"]
    assert document["openRegistrations"] is False
    assert document["usage"]["localPosts"] == 1


def test_outbox_pages_the_published_posts(client, settings):
    settings.KIJI_FEDIVERSE_OUTBOX_PAGE_SIZE = 2
    posts = [make_post(f"Post {n}") for n in range(3)]
    make_post("Draft", status=Post.Status.DRAFT)
    outbox = client.get("/fediverse/outbox").json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 3
    page = client.get(outbox["first"].removeprefix("https://blog.example")).json()
    assert page["type"] == "OrderedCollectionPage"
    assert [item["type"] for item in page["orderedItems"]] == ["Create", "Create"]
    assert page["orderedItems"][0]["object"]["id"] == activities.object_id(posts[0])
    last = client.get(page["next"].removeprefix("https://blog.example")).json()
    assert [item["object"]["name"] for item in last["orderedItems"]] == ["Post 2"]
    assert client.get("/fediverse/outbox?page=9").status_code == 404


def test_followers_shows_a_count_not_a_list(client):
    Follower.objects.create(actor_uri="https://a.example/u/1", inbox="https://a.example/u/1/inbox")
    Follower.objects.create(
        actor_uri="https://a.example/u/2",
        inbox="https://a.example/u/2/inbox",
        status=Follower.Status.PENDING,
    )
    document = client.get("/fediverse/followers").json()
    assert document["totalItems"] == 1
    assert "orderedItems" not in document and "items" not in document
    assert "https://a.example/u/1" not in json.dumps(document)


def test_a_post_answers_activitypub_with_its_article(client):
    tag = Tag.objects.create(name="Django tips")
    post = make_post("Hello fediverse", body="Some *text*.", excerpt="A short one.", tags=[tag])
    for accept in (AP, LD, f"{AP}, application/ld+json"):
        response = client.get(post.get_absolute_url(), HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(AP)
        assert "Accept" in response["Vary"]
        article = response.json()
        assert article["id"] == "https://blog.example" + post.get_absolute_url()
        assert article["type"] == "Article"
        assert article["name"] == "Hello fediverse"
        assert article["summary"] == "A short one."
        assert "<em>text</em>" in article["content"]
        assert article["url"] == article["id"]
        assert article["attributedTo"] == "https://blog.example/fediverse/actor"
        assert article["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
        assert article["cc"] == ["https://blog.example/fediverse/followers"]
        assert article["published"].endswith("Z")
        assert article["tag"] == [
            {
                "type": "Hashtag",
                "href": "https://blog.example" + tag.get_absolute_url(),
                "name": "#Djangotips",
            }
        ]
        assert article["replies"] == "https://blog.example" + reverse(
            "fediverse:replies", kwargs={"post_id": post.pk}
        )


def test_the_article_carries_the_featured_image(client, monkeypatch):
    from blog import featured

    post = make_post("With a picture")
    image = featured.FeaturedImage(
        url="https://blog.example/media/a.jpg",
        width=800,
        height=600,
        alt="A cat",
        mime_type="image/jpeg",
    )
    monkeypatch.setattr(featured, "_finder", lambda posts: {p.pk: image for p in posts})
    article = client.get(post.get_absolute_url(), HTTP_ACCEPT=AP).json()
    assert article["attachment"] == [
        {
            "type": "Image",
            "mediaType": "image/jpeg",
            "url": "https://blog.example/media/a.jpg",
            "name": "A cat",
            "width": 800,
            "height": 600,
        }
    ]


def test_browsers_get_html_that_links_the_article(client):
    post = make_post("Page")
    response = client.get(post.get_absolute_url(), HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    link = (
        f'<link rel="alternate" type="{AP}" href="https://blog.example{post.get_absolute_url()}">'
    )
    assert link in response.content.decode()


def test_the_page_cache_never_mixes_html_and_activitypub(client, settings):
    assert settings.KIJI_PAGE_CACHE_SECONDS > 0
    post = make_post("Cached")
    url = post.get_absolute_url()
    first = client.get(url, HTTP_ACCEPT="text/html")
    assert first["Content-Type"].startswith("text/html")
    as_json = client.get(url, HTTP_ACCEPT=AP)
    assert as_json["Content-Type"].startswith(AP)
    assert as_json.json()["type"] == "Article"
    again = client.get(url, HTTP_ACCEPT="text/html")
    assert again["Content-Type"].startswith("text/html")
    assert b"<html" in again.content and b'"Article"' not in again.content
    # And the other way round: JSON first, then a browser.
    other = make_post("Cached too")
    assert client.get(other.get_absolute_url(), HTTP_ACCEPT=AP)["Content-Type"].startswith(AP)
    page = client.get(other.get_absolute_url())
    assert page["Content-Type"].startswith("text/html")
    assert b"<html" in page.content


@pytest.mark.parametrize("kind", ["draft", "scheduled"])
def test_unpublished_posts_are_not_served_as_activitypub(client, author, kind):
    from datetime import timedelta

    from django.utils import timezone

    fields = (
        {"status": Post.Status.DRAFT}
        if kind == "draft"
        else {"published_at": timezone.now() + timedelta(days=1)}
    )
    post = make_post("Secret", **fields)
    assert client.get(post.get_absolute_url(), HTTP_ACCEPT=AP).status_code == 404
    # Not even to staff, who may preview the HTML.
    client.force_login(author)
    response = client.get(post.get_absolute_url(), HTTP_ACCEPT=AP)
    assert response.status_code == 404
    assert b"Secret" not in response.content
    assert client.get(f"/fediverse/posts/{post.pk}/replies").status_code == 404
