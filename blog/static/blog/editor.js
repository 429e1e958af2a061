// The post editor (templates/admin/blog/post/change_form.html): the body's
// character count and its preview, rendered by the server as the post's page
// renders it. Without this script the "Preview" button does the same.
"use strict";

(() => {
  const DELAY_MS = 400;

  // Code points, line breaks not counted: as blog.admin.character_count.
  const characterCount = (text) => {
    let count = 0;
    for (const char of text) {
      if (char !== "\n" && char !== "\r") count += 1;
    }
    return count;
  };

  const start = () => {
    const body = document.getElementById("id_body");
    const format = document.getElementById("id_body_format");
    const count = document.getElementById("body-count");
    const panel = document.getElementById("body-preview");
    if (!body || !panel) return;
    const output = panel.querySelector(".body-preview-output");
    const failed = panel.querySelector(".body-preview-failed");
    const token = body.form.querySelector("[name=csrfmiddlewaretoken]").value;
    let timer = null;
    let pending = null;

    const refresh = async () => {
      if (pending) pending.abort();
      pending = new AbortController();
      const data = new FormData();
      data.append("csrfmiddlewaretoken", token);
      data.append("body", body.value);
      data.append("body_format", format ? format.value : "markdown");
      panel.classList.add("is-loading");
      try {
        const response = await fetch(panel.dataset.url, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          signal: pending.signal,
        });
        if (!response.ok) throw new Error(`preview: HTTP ${response.status}`);
        output.innerHTML = await response.text();  // sanitised by the server
        failed.hidden = true;
      } catch (error) {
        if (error.name === "AbortError") return;
        failed.hidden = false;
      }
      panel.classList.remove("is-loading");
    };

    const changed = () => {
      count.value = characterCount(body.value);
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    };

    body.addEventListener("input", changed);
    if (format) format.addEventListener("change", refresh);
    panel.classList.add("is-live");
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
