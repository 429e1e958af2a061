// "Reply" under a comment moves the comment form there and binds it to that
// comment. Without JavaScript the link opens a page with the comment quoted and
// the form bound to it, so replying works either way.
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("comment-form");
    if (!form || !form.elements.parent) { return; }
    var home = document.createElement("div");
    home.className = "comment-form-home";
    form.parentNode.insertBefore(home, form);
    var note = form.querySelector(".replying-to");
    function placeUnder(comment, id) {
      comment.appendChild(form);
      form.elements.parent.value = id;
      if (note) { note.hidden = false; }
      form.elements.text.focus();
    }
    function putBack() {
      home.parentNode.insertBefore(form, home);
      form.elements.parent.value = "";
      if (note) { note.hidden = true; }
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest(".comment-reply-link");
      if (link) {
        var comment = document.getElementById("comment-" + link.getAttribute("data-comment"));
        if (comment) {
          event.preventDefault();
          placeUnder(comment, link.getAttribute("data-comment"));
        }
        return;
      }
      if (event.target.closest(".cancel-reply")) {
        event.preventDefault();
        putBack();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
