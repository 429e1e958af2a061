// The post editor's list of library items (media/templates/media/post_snippets.html):
// insert an item's snippet at the cursor in the body, or copy it. Without this
// script the snippets can still be selected and copied by hand.
"use strict";

(() => {
  const start = () => {
    const list = document.getElementById("media-snippets");
    const body = document.getElementById("id_body");
    if (!list) return;

    const insert = (text) => {
      const { selectionStart: from, selectionEnd: to, value } = body;
      const before = value.slice(0, from);
      const after = value.slice(to);
      // A snippet stands in a paragraph of its own, so a picture shows as a figure.
      const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      const trail = after === "" || after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
      const added = lead + text + trail;
      body.value = before + added + after;
      body.selectionStart = body.selectionEnd = from + added.length;
      body.focus();
      // The editor (blog/editor.js) counts and previews on input.
      body.dispatchEvent(new Event("input", { bubbles: true }));
    };

    const copy = async (field, button) => {
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        field.select();
        document.execCommand("copy");
      }
      const label = button.textContent;
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = label; }, 1500);
    };

    for (const button of list.querySelectorAll("button[data-snippet]")) {
      const field = document.getElementById(button.dataset.snippet);
      if (button.classList.contains("media-snippet-insert")) {
        if (!body) continue;
        button.addEventListener("click", () => insert(field.value));
      } else {
        button.addEventListener("click", () => copy(field, button));
      }
      button.hidden = false;
    }
    for (const field of list.querySelectorAll(".media-snippet-text")) {
      field.addEventListener("focus", () => field.select());
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
