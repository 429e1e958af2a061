"""How Kiji's apps may import each other (STYLE.md §0), checked on the real tree.

The graph comes from bench/import_graph.py: runtime Python imports between
first-party modules, imports inside functions included, `TYPE_CHECKING` imports
and migrations left out. Each rule is a pure function of such a graph, returning
the offending module edges; each is tested on a made-up graph that breaks it, so
a rule that can no longer fail is noticed too.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "bench" / "import_graph.py"


def load_tool():
    """Import bench/import_graph.py by path; bench/ is not a package."""
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


import_graph = load_tool()
imports_between = import_graph.imports_between
apps_in = import_graph.apps_in

DISCUSSION = {"comments", "trackbacks", "porting", "demo"}


def blog_imports(graph):
    """blog is the core: dependencies point at it, never away from it."""
    return imports_between(graph, {"blog"}, apps_in(graph) - {"blog"})


def comments_trackbacks_imports(graph):
    """comments and trackbacks share through moderation, never through each other."""
    return imports_between(graph, {"comments"}, {"trackbacks"}) + imports_between(
        graph, {"trackbacks"}, {"comments"}
    )


def infrastructure_discussion_imports(graph):
    """pagecache, moderation and legacy_japanese serve the discussion apps, not the reverse."""
    return imports_between(graph, {"pagecache", "moderation", "legacy_japanese"}, DISCUSSION)


def demo_imports(graph):
    """Only config wires demo in; no app builds on demo content."""
    return imports_between(graph, apps_in(graph) - {"config", "demo"}, {"demo"})


@pytest.fixture(scope="module")
def real_graph():
    modules = import_graph.find_modules()
    return import_graph.runtime_graph(import_graph.read_imports(modules))


def test_graph_reads_the_apps(real_graph):
    """The rules below are not passing on an empty graph."""
    assert {"blog", "comments", "trackbacks", "moderation"} <= apps_in(real_graph)
    assert imports_between(real_graph, {"porting"}, {"blog"})


def test_reader_sees_deferred_relative_and_type_only_imports(tmp_path):
    files = {
        "manage.py": "",
        "blog/__init__.py": "",
        "blog/models.py": "",
        "blog/migrations/__init__.py": "",
        "blog/migrations/0001_initial.py": "from comments import models\n",
        "comments/__init__.py": "",
        "comments/models.py": "from . import spam\nfrom blog.models import Post\n",
        "comments/spam.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from comments.models import Comment\n"
            "def check():\n    import blog.models\n    from blog.gone import x\n"
        ),
        "tests/__init__.py": "",
        "tests/test_x.py": "import comments.models\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    imports = import_graph.read_imports(import_graph.find_modules(tmp_path))

    assert import_graph.runtime_graph(imports) == {
        "comments.models": {"comments.spam", "blog.models"},
        "comments.spam": {"blog.models"},
    }
    assert [(i.source, i.target) for i in imports if i.type_only] == [
        ("comments.spam", "comments.models")
    ]
    assert [i.in_function for i in imports if i.source == "comments.spam"] == [False, True, True]
    assert [(i.source, i.target) for i in imports if i.missing] == [("comments.spam", "blog.gone")]


def test_no_module_imports_another_that_imports_it_back(real_graph):
    assert import_graph.import_cycles(real_graph) == []


def test_import_cycles_are_reported():
    graph = {
        "blog.a": {"blog.b"},
        "blog.b": {"comments.c"},
        "comments.c": {"blog.a"},
        "comments.d": {"comments.e", "blog.a"},
        "comments.e": {"comments.d"},
        "porting.f": {"blog.a"},
    }
    assert import_graph.import_cycles(graph) == [
        ["blog.a", "blog.b", "comments.c"],
        ["comments.d", "comments.e"],
    ]


def test_blog_imports_no_other_app(real_graph):
    assert blog_imports(real_graph) == []


def test_blog_importing_another_app_is_reported():
    graph = {
        "blog.views": {"blog.models", "comments.models"},
        "comments.models": {"blog.models"},
    }
    assert blog_imports(graph) == [("blog.views", "comments.models")]


def test_comments_and_trackbacks_do_not_import_each_other(real_graph):
    assert comments_trackbacks_imports(real_graph) == []


def test_comments_and_trackbacks_importing_each_other_is_reported():
    graph = {
        "comments.spam": {"trackbacks.screening", "moderation.spam"},
        "trackbacks.views": {"comments.models"},
        "moderation.spam": set(),
    }
    assert comments_trackbacks_imports(graph) == [
        ("comments.spam", "trackbacks.screening"),
        ("trackbacks.views", "comments.models"),
    ]


def test_infrastructure_imports_no_discussion_app(real_graph):
    assert infrastructure_discussion_imports(real_graph) == []


def test_infrastructure_importing_a_discussion_app_is_reported():
    graph = {
        "pagecache.pages": {"blog.models", "comments.models"},
        "moderation.spam": {"porting.discussion"},
        "legacy_japanese.codecs": {"demo.content"},
        "comments.models": {"moderation.models", "pagecache.pages"},
    }
    assert infrastructure_discussion_imports(graph) == [
        ("legacy_japanese.codecs", "demo.content"),
        ("moderation.spam", "porting.discussion"),
        ("pagecache.pages", "comments.models"),
    ]


def test_only_config_imports_demo(real_graph):
    assert demo_imports(real_graph) == []


def test_importing_demo_outside_config_is_reported():
    graph = {
        "config.urls": {"demo.urls"},
        "demo.views": {"demo.content", "blog.models"},
        "porting.importer": {"demo.content"},
    }
    assert demo_imports(graph) == [("porting.importer", "demo.content")]


# Templates: blog's pages offer blocks; the project's post page fills them.

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
OTHER_APPS = ("comment", "trackback", "moderation", "porting")


def names_of_other_apps(text: str) -> list[str]:
    """Tag libraries, tags and URL names in a template that belong to an app other than blog."""
    import re

    found = re.findall(r"{%\s*((?:load|url|\w+_section|\w+_head)\b[^%]*)%}", text)
    return [tag.strip() for tag in found if any(app in tag for app in OTHER_APPS)]


def test_blog_templates_name_no_discussion_app():
    offending = {
        path.name: names_of_other_apps(path.read_text())
        for path in (TEMPLATES / "blog").glob("*.html")
    }

    assert {name: found for name, found in offending.items() if found} == {}


def test_a_template_naming_a_discussion_app_is_reported():
    text = "{% load blog_tags comment_tags %}{% url 'comments:post-feed-atom' post_id=1 %}"

    assert names_of_other_apps(text) == [
        "load blog_tags comment_tags",
        "url 'comments:post-feed-atom' post_id=1",
    ]


@pytest.mark.django_db
def test_blog_alone_renders_a_post_page_with_no_discussion(client, settings):
    from tests.factories import make_post

    settings.KIJI_POST_PAGE_TEMPLATE = "blog/post_detail.html"
    settings.KIJI_POST_DISCUSSION_TEMPLATE = ""
    post = make_post("Alone")

    html = client.get(post.get_absolute_url()).content.decode()

    assert "Alone" in html
    assert 'id="comments"' not in html and 'id="trackbacks"' not in html
