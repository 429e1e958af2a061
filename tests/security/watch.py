"""Watch a Chromium page for script that ran and for Content-Security-Policy violations.

`Watch(page)` must be made before the first `goto`. It records:

* `dialogs`: every alert/confirm/prompt/beforeunload (dismissed at once), and
  every call to `print()`;
* `violations`: every `securitypolicyviolation` event and every console
  message in which Chromium reports a refused resource or inline code;
* `console`: every console message, for the failure report.

Payloads in `tests.security.xss_payloads` call `alert`, `confirm`, `prompt`
or `print`, or set `document.title`; `script_ran()` lists what gave one of
them away (the pages themselves never set the title from script).
"""

from playwright.sync_api import Page

_INIT = """
(() => {
  const seen = {violations: [], printed: 0, titled: 0};
  Object.defineProperty(window, "__kijiWatch", {value: seen});
  document.addEventListener("securitypolicyviolation", (e) => {
    seen.violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
      + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample || ""}`);
  }, true);
  window.print = () => { seen.printed += 1; };
  const title = Object.getOwnPropertyDescriptor(Document.prototype, "title");
  Object.defineProperty(Document.prototype, "title", {
    get() { return title.get.call(this); },
    set(value) { seen.titled += 1; title.set.call(this, value); },
  });
})();
"""


class Watch:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self._console_violations: list[str] = []
        page.add_init_script(_INIT)
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message) -> None:
        text = message.text
        self.console.append(f"{message.type}: {text}")
        if "Content Security Policy" in text:
            self._console_violations.append(text)

    def violations(self) -> list[str]:
        """CSP violations seen so far on the current document, and in the console."""
        try:
            in_page = self.page.evaluate("window.__kijiWatch.violations")
        except Exception:  # the page is navigating; the console still has them
            in_page = []
        return [*in_page, *self._console_violations]

    def forget_console(self) -> None:
        """Start afresh before the next page (the in-page record resets by itself)."""
        self.console.clear()
        self._console_violations.clear()

    def script_ran(self) -> list[str]:
        found = list(self.dialogs)
        seen = self.page.evaluate("window.__kijiWatch")
        if seen["printed"]:
            found.append(f"print() called {seen['printed']} times")
        if seen["titled"]:
            found.append(f"document.title set {seen['titled']} times")
        return found

    def settle(self) -> None:
        """Let handlers that fire late (load, focus, animations, timers) have their chance."""
        self.page.wait_for_load_state("load")
        self.page.evaluate(
            "() => new Promise((done) => requestAnimationFrame(() =>"
            " requestAnimationFrame(() => setTimeout(done, 50))))"
        )
