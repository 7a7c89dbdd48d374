// Progressive enhancement for the newsroom. Everything works without this file: the media
// library's upload form is an ordinary multipart form. With it, a photo can be dropped on the
// form, and the upload shows a progress bar; refusals are shown in place. In the article
// editor it adds the live preview (the body posted to /newsroom/preview, debounced, and the
// server's rendering shown: the same renderer as the site), the READ MORE / related picker
// (stories by headline from /newsroom/stories/search) and a slug that follows the headline
// until edited. Nothing here builds HTML from text: results are set with textContent.
(function () {
  "use strict";

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    if (!input || !window.FormData || !window.XMLHttpRequest) return;

    form.classList.add("nr-drop");
    var hint = document.createElement("p");
    hint.className = "nr-help nr-drop-hint";
    hint.textContent = "Or drop a photo on this form.";
    input.parentElement.after(hint);

    ["dragenter", "dragover"].forEach(function (type) {
      form.addEventListener(type, function (e) {
        e.preventDefault();
        form.classList.add("nr-drop-active");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      form.addEventListener(type, function () { form.classList.remove("nr-drop-active"); });
    });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      hint.textContent = "Ready to upload: " + e.dataTransfer.files[0].name;
    });

    var status = document.createElement("div");
    status.setAttribute("role", "status");
    status.className = "nr-progress";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.hidden = true;
    var text = document.createElement("span");
    status.append(bar, text);
    form.append(status);

    form.addEventListener("submit", function (e) {
      if (!input.files.length) return;
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      bar.hidden = false;
      bar.value = 0;
      text.textContent = " Uploading…";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (p) {
        if (!p.lengthComputable) return;
        bar.value = Math.round((p.loaded / p.total) * 100);
        text.textContent = " Uploading… " + bar.value + "%";
      });
      xhr.addEventListener("load", function () {
        // Success is a redirect, which the request followed to the library page.
        if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var message = "The upload failed (" + xhr.status + ").";
        try {
          var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
          var alert = doc.querySelector("[role=alert], .error-message, main p");
          if (alert) message = alert.textContent.trim();
        } catch (err) { /* keep the plain message */ }
        done(message);
      });
      xhr.addEventListener("error", function () {
        done("The upload failed: the connection was lost. Try again.");
      });
      xhr.send(new FormData(form));

      function done(message) {
        button.disabled = false;
        bar.hidden = true;
        text.textContent = "";
        var alert = document.getElementById("upload-error");
        if (!alert) {
          alert = document.createElement("p");
          alert.id = "upload-error";
          alert.className = "nr-error";
          alert.setAttribute("role", "alert");
          form.prepend(alert);
        }
        alert.textContent = message;
      }
    });
  });

  var editor = document.querySelector("form[data-editor]");
  if (editor && window.fetch && window.URLSearchParams) {
    var csrf = editor.querySelector("input[name=csrf]").value;
    var source = editor.querySelector("[data-preview-source]");
    var pane = document.querySelector("[data-preview]");
    var timer = null;
    var sent = 0;
    var refresh = function () {
      var mine = ++sent;
      var body = new URLSearchParams();
      body.set("csrf", csrf);
      body.set("body", source.value);
      fetch("/newsroom/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          // Only the newest answer counts; the HTML is the markup renderer's sanitised output.
          if (mine === sent) pane.innerHTML = html;
        })
        .catch(function () { /* keep the last preview */ });
    };
    if (source && pane) {
      source.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 400);
      });
      if (source.value.trim()) refresh();
    }

    var slug = editor.querySelector("[data-slug-from]");
    var headline = editor.querySelector("#headline");
    if (slug && headline && !slug.value) {
      var touched = false;
      slug.addEventListener("input", function () { touched = true; });
      headline.addEventListener("input", function () {
        if (touched) return;
        slug.value = headline.value.toLowerCase().normalize("NFKD")
          .replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-")
          .replace(/^-+|-+$/g, "").slice(0, 80);
      });
    }

    var picker = document.querySelector("[data-story-picker]");
    if (picker) {
      picker.hidden = false;
      var search = picker.querySelector("input[type=search]");
      var results = picker.querySelector("ul");
      var related = editor.querySelector("#related");
      var lookup = null;
      search.addEventListener("input", function () {
        clearTimeout(lookup);
        lookup = setTimeout(function () {
          var q = search.value.trim();
          if (!q) { results.textContent = ""; return; }
          fetch("/newsroom/stories/search?q=" + encodeURIComponent(q), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (found) {
              results.textContent = "";
              found.forEach(function (s) {
                var li = document.createElement("li");
                var label = document.createElement("span");
                label.textContent = s.headline + " (" + s.status.replace("_", " ") + ") ";
                var add = document.createElement("button");
                add.type = "button";
                add.textContent = "Add READ MORE";
                add.addEventListener("click", function () {
                  source.value = source.value.replace(/\s*$/, "") + "\n\n" + s.read_more + "\n";
                  source.dispatchEvent(new Event("input"));
                });
                var rel = document.createElement("button");
                rel.type = "button";
                rel.textContent = "Add as related";
                rel.addEventListener("click", function () {
                  var ids = related.value.split(",").map(function (x) { return x.trim(); })
                    .filter(function (x) { return x; });
                  if (ids.indexOf(String(s.id)) < 0) ids.push(String(s.id));
                  related.value = ids.join(", ");
                });
                li.append(label, add, " ", rel);
                results.append(li);
              });
            })
            .catch(function () { /* the manual fields still work */ });
        }, 250);
      });
    }
  }

  // The moderation queue: keyboard shortcuts. j/k move between comments, a approves, s marks
  // as spam, r opens the reject choice, b the ban choice. Every action is an ordinary form
  // button, so without this script the queue works the same by mouse or Tab.
  var queue = document.querySelector("[data-moderation-queue]");
  if (queue) {
    var items = Array.prototype.slice.call(queue.querySelectorAll(".mod-item"));
    var current = 0;
    function focusItem(i) {
      if (!items.length) return;
      current = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el, n) { el.classList.toggle("mod-current", n === current); });
      items[current].focus();
    }
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
      var item = items[current];
      if (!item) return;
      function press(sel) { var b = item.querySelector(sel); if (b) { e.preventDefault(); b.click(); } }
      function open(sel) { var d = item.querySelector(sel); if (d) { e.preventDefault(); d.open = true; var f = d.querySelector("select"); if (f) f.focus(); } }
      switch (e.key) {
        case "j": e.preventDefault(); focusItem(current + 1); break;
        case "k": e.preventDefault(); focusItem(current - 1); break;
        case "a": press("button[data-key=a]"); break;
        case "s": press("button[data-key=s]"); break;
        case "r": open("details.mod-reject"); break;
        case "b": open("details.mod-ban"); break;
      }
    });
    focusItem(0);
  }
})();
