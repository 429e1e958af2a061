"""The browser fixtures of tests/browser serve the security suites too."""

from tests.browser.conftest import artifacts_dir, browser, page  # noqa: F401
