// Progressive enhancement for the newsroom. Everything works without this file: the media
// library's upload form is an ordinary multipart form. With it, a photo can be dropped on the
// form, and the upload shows a progress bar; refusals are shown in place. In the article
// editor it adds the live preview (the body posted to /newsroom/preview as it changes, one
// request in flight, and the server's rendering shown: the same renderer as the site), a
// phone-width preview, the search and social card preview, autosave (stories/autosave.rs),
// the READ MORE / related picker (stories by headline from /newsroom/stories/search), a
// slug that follows the headline until edited, and the "Also open" banner kept current
// (stories/presence.rs). The rich-text surface over the body is
// editor.js (themes/editor/). Nothing here builds HTML from text: results are set with
// textContent.
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
    // The preview follows typing: one request in flight at a time, and the newest text goes as
    // soon as the last answer is in (no fixed delay), so a fast typist sees it within a render.
    var inFlight = false;
    var pending = false;
    var refresh = function () {
      if (inFlight) { pending = true; return; }
      inFlight = true;
      pending = false;
      var body = new URLSearchParams();
      body.set("csrf", csrf);
      body.set("body", source.value);
      var sentText = source.value;
      fetch("/newsroom/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          // The markup renderer's sanitised output: the same as the site's.
          pane.innerHTML = html;
          pane.dataset.renderedFor = String(sentText.length);
          pane.dispatchEvent(new CustomEvent("dateline:preview", { bubbles: true }));
        })
        .catch(function () { /* keep the last preview */ })
        .then(function () {
          inFlight = false;
          if (pending) refresh();
        });
    };
    if (source && pane) {
      source.addEventListener("input", refresh);
      if (source.value.trim()) refresh();
    }

    // A phone-width preview: the same HTML in a 360 px column.
    var phone = document.querySelector("[data-phone-toggle]");
    var frame = document.querySelector("[data-preview-frame]");
    if (phone && frame) {
      phone.hidden = false;
      phone.addEventListener("click", function () {
        var on = phone.getAttribute("aria-pressed") !== "true";
        phone.setAttribute("aria-pressed", String(on));
        frame.classList.toggle("nr-phone", on);
      });
    }

    // The search and social card: title, description and picture as the site's page will give
    // them (site/articles.rs: SEO title else headline; SEO description else standfirst else the
    // first paragraph; the lead photo else the body's first).
    var card = document.querySelector("[data-card]");
    if (card) {
      var val = function (id) { var f = editor.querySelector("#" + id); return f ? f.value.trim() : ""; };
      var updateCard = function () {
        var title = (val("seo_title") || val("headline") || "Headline") + " | " + card.dataset.siteName;
        var desc = val("seo_description") || val("standfirst");
        if (!desc && pane) {
          var p = pane.querySelector("p");
          desc = p ? p.textContent.trim().slice(0, 200) : "";
        }
        card.querySelectorAll("[data-card-title]").forEach(function (e) { e.textContent = title; });
        card.querySelectorAll("[data-card-desc]").forEach(function (e) { e.textContent = desc; });
        var url = card.querySelector("[data-card-url]");
        if (url) url.textContent = window.location.origin + (card.dataset.path || "/" + val("slug"));
        var image = card.querySelector("[data-card-image]");
        var lead = editor.querySelector("#lead_media");
        var opt = lead && lead.selectedOptions[0];
        var src = opt && opt.dataset.thumb;
        if (!src && pane) {
          var first = pane.querySelector("img");
          src = first ? first.getAttribute("src") : "";
        }
        if (image && image.dataset.src !== (src || "")) {
          image.dataset.src = src || "";
          image.textContent = "";
          if (src) {
            var img = document.createElement("img");
            img.src = src;
            img.alt = "";
            image.append(img);
          }
        }
        var note = card.querySelector("[data-card-note]");
        if (note) {
          var long = [];
          if (title.length > 60) long.push("the title is " + title.length + " characters: search engines cut it near 60");
          if (desc.length > 160) long.push("the description is " + desc.length + " characters: they show about 160");
          note.textContent = long.length ? "Check: " + long.join("; ") + "." : "Search engines show about 60 characters of the title and 160 of the description.";
        }
      };
      editor.addEventListener("input", updateCard);
      editor.addEventListener("change", updateCard);
      document.addEventListener("dateline:preview", updateCard);
      updateCard();
    }

    // Autosave: the whole form, a few seconds after typing stops (and at least every few
    // seconds while it goes on), as an ordinary save that keeps a revision. A closed tab sends
    // what is unsaved as it goes. The status line says "Saved 12:03" or why not.
    var autosaveUrl = editor.dataset.autosave;
    var status = editor.querySelector("[data-autosave-status]");
    if (autosaveUrl && status && window.FormData) {
      var AUTOSAVE_QUIET = 2000;
      var AUTOSAVE_MAX = 5000;
      var dirtySince = 0;
      var saveTimer = null;
      var saving = false;
      var stopped = false;
      var say = function (text, kind) {
        status.textContent = text;
        status.dataset.state = kind;
      };
      var fields = function () {
        var data = new URLSearchParams(new FormData(editor));
        data.delete("action");
        return data;
      };
      var adopt = function (saved) {
        // A new story now has a number: later saves, and the buttons, go to it.
        if (autosaveUrl === "/newsroom/stories/autosave") {
          autosaveUrl = saved.edit_url + "/autosave";
          editor.dataset.autosave = autosaveUrl;
          editor.action = saved.edit_url;
          if (window.history && history.replaceState) history.replaceState(null, "", saved.edit_url);
        }
        var version = editor.querySelector("input[name=version]");
        if (!version) {
          version = document.createElement("input");
          version.type = "hidden";
          version.name = "version";
          editor.prepend(version);
        }
        version.value = String(saved.version);
      };
      var save = function () {
        clearTimeout(saveTimer);
        saveTimer = null;
        if (!dirtySince || stopped) return;
        if (saving) { schedule(); return; }
        if (!navigator.onLine) {
          say("Not saved: offline. Saving again when the connection is back.", "offline");
          return;
        }
        saving = true;
        var startedAt = dirtySince;
        fetch(autosaveUrl, { method: "POST", body: fields(), credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) {
            return r.json().catch(function () { return { message: "The server answered " + r.status + "." }; })
              .then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
          })
          .then(function (res) {
            if (res.ok) {
              adopt(res.body);
              // Typing during the save leaves the form dirty for the next one.
              if (dirtySince === startedAt) dirtySince = 0;
              var time = document.createElement("time");
              time.dateTime = res.body.saved_iso;
              time.textContent = res.body.saved_at;
              status.textContent = "Saved ";
              status.append(time);
              status.dataset.state = "saved";
            } else if (res.status === 409) {
              // Never overwrite a newer version silently: stop, and say what to do.
              stopped = res.body.error === "stale" || res.body.error === "published";
              say(res.body.message || "Not saved: this story was saved elsewhere.", "conflict");
            } else {
              say("Not saved: " + (res.body.message || res.body.error || "the server answered " + res.status + "."), "error");
            }
          })
          .catch(function () {
            say("Not saved: offline. Saving again when the connection is back.", "offline");
          })
          .then(function () {
            saving = false;
            if (dirtySince && !stopped) schedule();
          });
      };
      var schedule = function () {
        clearTimeout(saveTimer);
        var waited = Date.now() - dirtySince;
        saveTimer = setTimeout(save, Math.max(0, Math.min(AUTOSAVE_QUIET, AUTOSAVE_MAX - waited)));
      };
      editor.addEventListener("input", function () {
        if (!dirtySince) dirtySince = Date.now();
        if (status.dataset.state === "saved") say("Unsaved changes", "dirty");
        schedule();
      });
      // A choice (a select, a byline added or moved) is unsaved too until the save is in.
      editor.addEventListener("change", function () {
        if (!dirtySince) dirtySince = Date.now();
        if (status.dataset.state === "saved") say("Unsaved changes", "dirty");
        schedule();
      });
      window.addEventListener("online", function () { if (dirtySince) save(); });
      window.addEventListener("offline", function () {
        say("Not saved: offline. Saving again when the connection is back.", "offline");
      });
      // The buttons' own save replaces autosave; a closed tab hands its last words to the
      // browser to deliver (sendBeacon outlives the page).
      var submitting = false;
      editor.addEventListener("submit", function () { submitting = true; clearTimeout(saveTimer); });
      window.addEventListener("pagehide", function () {
        if (submitting || stopped || !dirtySince || !navigator.sendBeacon) return;
        navigator.sendBeacon(autosaveUrl, fields());
      });
    }

    // Who else has this story open (stories/presence.rs): "I am here" every 20 s while the
    // page is visible, and the banner redrawn from the answer (the others seen within the last
    // minute). A hidden tab stops pinging and drops out of the others' banners after a minute;
    // a closed one says so at once (a keepalive POST that outlives the page).
    var presence = document.querySelector("[data-presence]");
    var presenceUrl = presence && presence.dataset.presence;
    if (presenceUrl) {
      // The server says how often (--presence-ping; 20 s unless the operator changed it).
      var PRESENCE_EVERY = Number(presence.dataset.presenceEvery) || 20000;
      var presenceTimer = null;
      var keyOf = function (name, iso) { return name + "\u0000" + iso; };
      // The page as served already shows the list: start from it, so an answer that changes
      // nothing redraws nothing and the live region stays quiet.
      var shown = Array.prototype.map.call(presence.querySelectorAll(".nr-presence-person"), function (p) {
        var t = p.querySelector("time");
        return keyOf(p.dataset.name || "", t ? t.dateTime : "");
      }).join("\n");
      var draw = function (others) {
        var key = others.map(function (o) { return keyOf(o.name, o.since_iso); }).join("\n");
        if (key === shown) return;
        shown = key;
        presence.textContent = "";
        if (!others.length) return;
        var note = document.createElement("p");
        note.className = "nr-presence-note";
        var label = document.createElement("strong");
        label.textContent = "Also open:";
        note.append(label, " ");
        others.forEach(function (o, i) {
          var who = document.createElement("span");
          who.className = "nr-presence-person";
          who.dataset.name = o.name;
          var time = document.createElement("time");
          time.dateTime = o.since_iso;
          time.textContent = o.since;
          who.append(o.name + " (since ", time, ")");
          note.append(i ? ", " : "", who);
        });
        presence.append(note);
      };
      var later = function () {
        clearTimeout(presenceTimer);
        presenceTimer = document.visibilityState === "visible" ? setTimeout(ping, PRESENCE_EVERY) : null;
      };
      var ping = function () {
        clearTimeout(presenceTimer);
        presenceTimer = null;
        if (document.visibilityState !== "visible" || staying) return;
        var data = new URLSearchParams();
        data.set("csrf", csrf);
        fetch(presenceUrl, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (j) { if (j && Array.isArray(j.others)) draw(j.others); })
          .catch(function () { /* keep the last list; the next ping tries again */ })
          .then(later);
      };
      later();
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") ping();
        else { clearTimeout(presenceTimer); presenceTimer = null; }
      });
      window.addEventListener("pageshow", function (e) { if (e.persisted) ping(); });
      // A button's save comes back to this story's editor: saying "gone" then could land
      // after the new page's "here" and drop the person from the others' banners.
      // Nor is there a reason to ping while that page loads: the new page records the visit.
      var staying = false;
      editor.addEventListener("submit", function () {
        staying = true;
        clearTimeout(presenceTimer);
        presenceTimer = null;
      });
      window.addEventListener("pagehide", function () {
        clearTimeout(presenceTimer);
        presenceTimer = null;
        if (staying) return;
        var data = new URLSearchParams();
        data.set("csrf", csrf);
        data.set("leave", "1");
        fetch(presenceUrl, { method: "POST", body: data, credentials: "same-origin", keepalive: true })
          .catch(function () { /* the row is no longer listed after a minute anyway */ });
      });
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

    // Related stories by headline: the field keeps the numbers (what the form posts, and the
    // no-script way); the list under it names each pick and removes it with a button.
    var related = editor.querySelector("#related");
    var relatedList = document.querySelector("[data-related-list]");
    var relatedKnown = {};
    var relatedIds = function () {
      var seen = [];
      related.value.split(",").forEach(function (x) {
        var id = x.trim().replace(/^#/, "");
        if (/^\d+$/.test(id) && seen.indexOf(id) < 0) seen.push(id);
      });
      return seen;
    };
    var relatedDrawn = null;
    var drawRelated = function () {
      if (!relatedList) return;
      var ids = relatedIds();
      // Drawn again only on a change: leaving the field (its "change") as one presses a
      // Remove button must not replace that button between the press and the click.
      var key = JSON.stringify(ids.map(function (id) { return [id, relatedKnown[id]]; }));
      if (key === relatedDrawn) return;
      relatedDrawn = key;
      relatedList.textContent = "";
      ids.forEach(function (id) {
        var s = relatedKnown[id];
        var li = document.createElement("li");
        li.dataset.id = id;
        var name = document.createElement("span");
        var note = document.createElement("span");
        note.className = "nr-help";
        if (s) {
          name.textContent = s.headline;
          note.textContent = "Story " + id + " · " + s.status_label;
        } else if (s === null) {
          name.textContent = "Story " + id;
          note.textContent = "No story has this number: remove it.";
          li.className = "nr-related-problem";
        } else {
          name.textContent = "Story " + id;
        }
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "nr-secondary nr-small";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", "Remove " + (s ? s.headline : "story " + id) + " from related");
        remove.addEventListener("click", function () {
          related.value = relatedIds().filter(function (x) { return x !== id; }).join(", ");
          related.dispatchEvent(new Event("input", { bubbles: true }));
          drawRelated();
          related.focus();
        });
        li.append(name, " ", note, " ", remove);
        relatedList.append(li);
      });
    };
    var nameRelated = function () {
      var unknown = relatedIds().filter(function (id) { return !(id in relatedKnown); });
      if (!unknown.length) { drawRelated(); return; }
      fetch("/newsroom/stories/headlines?ids=" + unknown.join(","), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (found) {
          found.forEach(function (s) { relatedKnown[String(s.id)] = s; });
          unknown.forEach(function (id) { if (!(id in relatedKnown)) relatedKnown[id] = null; });
        })
        .catch(function () { /* the numbers stay shown; the form still posts them */ })
        .then(drawRelated);
    };
    if (related && relatedList) {
      // The server named them already: keep those, then draw with the buttons.
      Array.prototype.forEach.call(relatedList.children, function (li) {
        var spans = li.querySelectorAll("span");
        var label = spans[1] ? spans[1].textContent.split(" · ")[1] : "";
        relatedKnown[li.dataset.id] = { id: li.dataset.id, headline: spans[0].textContent, status_label: label };
      });
      nameRelated();
      related.addEventListener("change", nameRelated);
    }

    // Tags: the suggestions complete the name being typed after the last comma (a datalist
    // alone matches only the whole field, so a second tag got no suggestions).
    var tags = editor.querySelector("#tags");
    var tagList = document.getElementById("tag-names");
    if (tags && tagList) {
      var allTags = Array.prototype.map.call(tagList.options, function (o) { return o.value; });
      var suggest = function () {
        var parts = tags.value.split(",");
        var typed = parts.pop().trim().toLowerCase();
        var done = parts.map(function (p) { return p.trim(); }).filter(function (p) { return p; });
        var have = done.map(function (p) { return p.toLowerCase(); });
        var head = done.length ? done.join(", ") + ", " : "";
        tagList.textContent = "";
        allTags.filter(function (t) {
          var l = t.toLowerCase();
          return have.indexOf(l) < 0 && (!typed || l.indexOf(typed) >= 0);
        }).slice(0, 50).forEach(function (t) {
          var o = document.createElement("option");
          o.value = head + t;
          o.label = t;
          tagList.append(o);
        });
      };
      tags.addEventListener("input", suggest);
      tags.addEventListener("focus", suggest);
    }

    var picker = document.querySelector("[data-story-picker]");
    if (picker) {
      picker.hidden = false;
      var search = picker.querySelector("input[type=search]");
      var results = picker.querySelector("ul");
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
                label.textContent = s.headline + " (story " + s.id + ", " + s.status_label.toLowerCase() + ") ";
                var add = document.createElement("button");
                add.type = "button";
                add.textContent = "Add READ MORE";
                add.addEventListener("click", function () {
                  source.value = source.value.replace(/\s*$/, "") + "\n\n" + s.read_more + "\n";
                  source.dispatchEvent(new Event("input", { bubbles: true }));
                  source.dispatchEvent(new CustomEvent("dateline:source-changed"));
                });
                var rel = document.createElement("button");
                rel.type = "button";
                rel.textContent = "Add as related";
                rel.addEventListener("click", function () {
                  var ids = related.value.split(",").map(function (x) { return x.trim(); })
                    .filter(function (x) { return x; });
                  if (ids.indexOf(String(s.id)) < 0) ids.push(String(s.id));
                  related.value = ids.join(", ");
                  relatedKnown[String(s.id)] = s;
                  related.dispatchEvent(new Event("input", { bubbles: true }));
                  drawRelated();
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

  // The moderation desk. Without this script every part works by mouse or Tab (forms and
  // links); with it: single-key shortcuts that act only while the focus is inside the queue and
  // only when the person left them on (data-shortcuts, a per-person preference: WCAG 2.1.4),
  // "select all" and a live count for the bulk bar, and a badge saying how many comments
  // arrived since the page was drawn, which brings them in when pressed.
  var queue = document.querySelector("[data-moderation-queue]");
  if (queue) {
    var bulk = document.getElementById("mod-bulk");
    var boxes = function () { return Array.prototype.slice.call(queue.querySelectorAll("input[name=ids]")); };
    var all = document.getElementById("mod-all");
    var selectedNote = document.querySelector("[data-selected]");
    function countSelected() {
      var n = boxes().filter(function (b) { return b.checked; }).length;
      if (selectedNote) selectedNote.textContent = n ? "(" + n + " selected)" : "";
      if (all) all.checked = n > 0 && n === boxes().length;
    }
    if (all) {
      document.querySelector("[data-select-all]").hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        countSelected();
      });
    }
    queue.addEventListener("change", function (e) {
      if (e.target && e.target.name === "ids") countSelected();
    });
    if (bulk) bulk.addEventListener("submit", function (e) {
      if (!boxes().some(function (b) { return b.checked; })) {
        e.preventDefault();
        if (selectedNote) selectedNote.textContent = "(select at least one comment first)";
      }
    });

    var items = function () { return Array.prototype.slice.call(queue.querySelectorAll(".mod-item")); };
    function currentItem() {
      return document.activeElement && document.activeElement.closest
        ? document.activeElement.closest(".mod-item") : null;
    }
    function focusItem(el) {
      if (!el) return;
      items().forEach(function (i) { i.classList.toggle("mod-current", i === el); });
      el.focus();
    }
    if (queue.getAttribute("data-shortcuts") === "on") {
      // Listening on the queue, not the document: a key pressed anywhere else does nothing.
      queue.addEventListener("keydown", function (e) {
        var t = e.target;
        if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
        if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
        var item = currentItem();
        if (!item) return;
        var list = items();
        var at = list.indexOf(item);
        function press(sel) { var b = item.querySelector(sel); if (b) { e.preventDefault(); b.click(); } }
        function open(sel, inner) {
          var d = item.querySelector(sel);
          if (!d) return;
          e.preventDefault();
          d.open = true;
          var f = d.querySelector(inner);
          if (f) f.focus();
        }
        switch (e.key) {
          case "j": e.preventDefault(); focusItem(list[Math.min(list.length - 1, at + 1)]); break;
          case "k": e.preventDefault(); focusItem(list[Math.max(0, at - 1)]); break;
          case "a": press("button[data-key=a]"); break;
          case "s": press("button[data-key=s]"); break;
          case "f": press("button[data-key=f]"); break;
          case "r": open("details.mod-reject", "button.mod-reason"); break;
          case "m": open("details.mod-more", "button, select"); break;
          case "b": open("details.mod-more", "select[name=duration]"); break;
          case "x": {
            var box = item.querySelector("input[name=ids]");
            if (box) { e.preventDefault(); box.checked = !box.checked; countSelected(); }
            break;
          }
        }
      });
      // A click on a comment's text makes it the current one, so keys act on what was clicked.
      queue.addEventListener("click", function (e) {
        var item = e.target.closest && e.target.closest(".mod-item");
        if (item && e.target === item || item && e.target.closest(".mod-body, .mod-item-head p.nr-meta")) focusItem(item);
      });
    }

    // New comments: ask now and then how many arrived in this tab since the page was drawn.
    var badge = document.querySelector("[data-new-badge]");
    var href = queue.getAttribute("data-new-href");
    var latest = queue.getAttribute("data-latest");
    var every = Number(queue.getAttribute("data-poll-ms")) || 15000;
    if (badge && href && window.fetch) {
      var button = badge.querySelector("button");
      var poll = function () {
        if (document.hidden) return;
        var url = href + (href.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(latest);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (j) {
            if (!j || !j.new) { badge.hidden = true; return; }
            button.textContent = j.new + " new: show " + (j.new === 1 ? "it" : "them");
            badge.hidden = false;
          })
          .catch(function () { /* offline: try again later */ });
      };
      setInterval(poll, every);
      document.addEventListener("visibilitychange", poll);
      button.addEventListener("click", function () {
        // Bring the newest comments in: this view drawn again, newest first, its list swapped in.
        var u = new URL(window.location.href);
        u.searchParams.delete("done");
        u.searchParams.delete("undone");
        u.searchParams.delete("page");
        u.searchParams.set("sort", "newest");
        fetch(u.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.querySelector("[data-moderation-queue]");
            if (!fresh) return;
            var known = {};
            items().forEach(function (i) { known[i.id] = true; });
            queue.innerHTML = fresh.innerHTML;
            latest = fresh.getAttribute("data-latest");
            ["mod-bulk", "mod-sort"].forEach(function (id) {
              var a = doc.getElementById(id), b = document.getElementById(id);
              if (a && b && id === "mod-sort") b.value = a.value;
              if (a && !b && id === "mod-bulk") queue.parentNode.insertBefore(document.importNode(a, true), queue);
            });
            var tabs = doc.querySelector(".mod-tabs"), mine = document.querySelector(".mod-tabs");
            if (tabs && mine) mine.innerHTML = tabs.innerHTML;
            history.replaceState(null, "", u.toString());
            badge.hidden = true;
            var first = items().filter(function (i) { return !known[i.id]; })[0] || items()[0];
            items().forEach(function (i) { if (!known[i.id]) i.classList.add("mod-fresh"); });
            focusItem(first);
          })
          .catch(function () { window.location.reload(); });
      });
    }
  }
})();
