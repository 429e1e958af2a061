"""The signals comments send: what other apps may learn of comments without comments knowing them.

`comment_submitted`
    A visitor's new comment was stored from the form (not a repeat, not
    spam). Arguments: `comment`, and what the visitor asked for with it:
    `wants_replies` (mail when someone replies to this comment) and
    `wants_post` (mail when someone comments on this post). Sent after the
    comment is stored, inside no transaction of its own; receivers that send
    mail queue it.

`comment_published`
    A comment became visible to readers: approved by the author, or written
    by the author and published at once. Argument: `comment`. Sent inside the
    transaction that published it; receivers queue anything that leaves the
    server with `transaction.on_commit`.
"""

from django.dispatch import Signal

comment_submitted = Signal()
comment_published = Signal()
