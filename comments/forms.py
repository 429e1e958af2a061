import functools
import re
import time
import unicodedata

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

FORM_TOKEN_SALT = "kiji.comments.form"
# Direction overrides can disguise a name or address as another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _check_characters(value: str, *, multiline: bool) -> None:
    allowed = "\n\r\t" if multiline else ""
    if "\ufffd" in value:
        raise ValidationError(
            _(
                "Some characters could not be read (the text was sent in a broken or mixed "
                "encoding). Please retype them."
            ),
            code="encoding",
        )
    for char in value:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in allowed) or category == "Cs":
            raise ValidationError(
                _("Remove the control character (U+%(code)04X); it cannot be shown."),
                code="control",
                params={"code": ord(char)},
            )
        if not multiline and char in _BIDI_CONTROLS:
            raise ValidationError(
                _("Remove the text-direction control character (U+%(code)04X)."),
                code="bidi",
                params={"code": ord(char)},
            )


def form_token(post_id: int) -> str:
    """A signed note of which post's form was rendered, and when (to the second)."""
    return _form_token_at(post_id, int(time.time()))


@functools.lru_cache(maxsize=256)
def _form_token_at(post_id: int, second: int) -> str:
    # Every visitor of a cached page gets a token made when they get it
    # (see FORM_TOKEN_PLACEHOLDER); signing one per post and second, not per
    # request, keeps that cheap. The minimum form time is counted in seconds.
    return signing.dumps({"p": post_id, "t": second}, salt=FORM_TOKEN_SALT)


# Stands in for the form token in a page stored by the page cache, which puts
# a token made for each visitor in its place (see `comments.apps`): otherwise
# every visitor of a cached page would carry the time the page was stored, and
# the minimum-form-time check would never catch a bot.
FORM_TOKEN_PLACEHOLDER = rb"kiji-form-token-for-post-(\d+)-placeholder"


def form_token_placeholder(post_id: int) -> str:
    return f"kiji-form-token-for-post-{post_id}-placeholder"


def fresh_form_token(match: "re.Match[bytes]") -> bytes:
    return form_token(int(match[1])).encode()


def form_age(token: str, post_id: int) -> float | None:
    """Seconds since `token` was made for `post_id`; None if it is missing or forged."""
    try:
        payload = signing.loads(token, salt=FORM_TOKEN_SALT)
        if payload["p"] != post_id:
            return None
        return max(0.0, time.time() - float(payload["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


class SingleLineField(forms.CharField):
    def validate(self, value: str) -> None:
        super().validate(value)
        _check_characters(value, multiline=False)


class CommentForm(forms.Form):
    """The reader's comment; `post` ties the form token to the post it was shown under."""

    name = SingleLineField(
        label=_("Name"), max_length=100, error_messages={"required": _("Enter your name.")}
    )
    email = forms.EmailField(
        label=_("Email (not displayed with comment)"),
        max_length=254,
        error_messages={"required": _("Enter your email address (it is not displayed).")},
    )
    url = SingleLineField(label=_("Website"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write a comment.")},
    )
    remember = forms.BooleanField(
        label=_("Remember my name, email and website on this browser"), required=False
    )
    notify = forms.BooleanField(
        label=_("Tell me by email when my comment is approved"), required=False
    )
    notify_replies = forms.BooleanField(
        label=_("Email me when someone replies to my comment"), required=False
    )
    notify_post = forms.BooleanField(
        label=_("Email me when someone comments on this post"), required=False
    )
    # The comment this one answers (set by the Reply link).
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # Hidden from people by CSS; bots that fill every field fill this one too.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, post, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.post = post
        max_length = settings.KIJI_COMMENTS_MAX_LENGTH
        text = self.fields["text"]
        text.max_length = max_length
        text.validators.append(forms.fields.validators.MaxLengthValidator(max_length))
        text.widget.attrs["maxlength"] = str(max_length)
        if not settings.KIJI_COMMENTS_NOTIFY_ON_APPROVAL:
            del self.fields["notify"]
        if not settings.KIJI_COMMENTS_SUBSCRIPTIONS:
            del self.fields["notify_replies"], self.fields["notify_post"]
        if not self.is_bound:
            self.initial["form_token"] = form_token(post.pk)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        _check_characters(email, multiline=False)
        return email

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not url:
            return ""
        scheme, sep, rest = url.partition(":")
        has_scheme = sep and (rest.startswith("//") or scheme.isalpha())
        if not has_scheme:
            url = "https://" + url
        elif scheme.lower() not in ("http", "https"):
            raise ValidationError(
                _("Only web addresses starting with http:// or https:// are allowed."),
                code="scheme",
            )
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                _("Enter a web address such as https://example.com/."), code="invalid"
            ) from None
        if len(url) > 200:
            raise ValidationError(_("The web address is too long (200 characters at most)."))
        return url

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        _check_characters(text, multiline=True)
        if not text.strip():
            raise ValidationError(_("Write a comment."), code="required")
        return text

    @property
    def has_field_errors(self) -> bool:
        return any(name != NON_FIELD_ERRORS for name in self.errors)

    @property
    def form_age(self) -> float | None:
        return form_age(self.cleaned_data.get("form_token", ""), self.post.pk)


class AuthorReplyForm(forms.Form):
    """The signed-in author's form: only the text, and the comment it answers."""

    text = forms.CharField(
        label=_("Your reply, as the author"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write a comment.")},
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, post, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.post = post
        max_length = settings.KIJI_COMMENTS_MAX_LENGTH
        text = self.fields["text"]
        text.max_length = max_length
        text.validators.append(forms.fields.validators.MaxLengthValidator(max_length))
        text.widget.attrs["maxlength"] = str(max_length)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        _check_characters(text, multiline=True)
        return text
