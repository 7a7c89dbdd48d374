// Progressive enhancement for the newsroom. Everything works without this file: the media
// library's upload form is an ordinary multipart form. With it, a photo can be dropped on the
// form, and the upload shows a progress bar; refusals are shown in place.
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
