"""Whole-page caching for anonymous readers, and markup kept between renders.

`pages`: the middleware, the page generation and its owed invalidations, the
local copies, the per-visitor values (`cached_page`, `cache_reader_pages`).
`fragments`: markup kept apart from pages (a post's discussion sections).
`backends`: the fail-soft Redis cache backend. The app learns of changes
through `blog.signals.content_changed` (`signal_handlers`), never by being
called by the apps whose content it keeps.
"""
