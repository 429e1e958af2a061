"""An HTML checker for the XSS tests: fails on anything that could run script."""

from html.parser import HTMLParser

ACTIVE_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "base", "frame", "frameset",
    "applet", "img", "video", "audio", "source", "details", "marquee", "isindex", "template",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class _Checker(HTMLParser):
    def __init__(self, admin: bool):
        super().__init__(convert_charrefs=True)
        self.admin = admin
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ACTIVE_TAGS and not self._allowed_script(tag, attributes):
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in ("style", "srcdoc"):
                self.problems.append(f"{name}= on <{tag}>")
            squashed = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and squashed.startswith(BAD_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def _allowed_script(self, tag, attributes) -> bool:
        """The admin's own scripts (by src or JSON data), icons and collapsible fieldsets.

        Public pages may load the site's own static scripts (no inline code).
        """
        if not self.admin:
            return tag == "script" and (attributes.get("src") or "").startswith("/static/")
        if tag in ("svg", "img", "details"):
            return True
        return tag == "script" and (
            "src" in attributes or attributes.get("type") == "application/json"
        )


def problems(html: str, *, admin: bool = False) -> list[str]:
    checker = _Checker(admin)
    checker.feed(html)
    checker.close()
    return checker.problems
