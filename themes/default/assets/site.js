// Progressive enhancement for reader pages. Everything works without this file:
// "Get short URL" is a <details> with a plain link; Listen Live is a link to the player page,
// opened in a named tab, with a native <audio>; the story page carries its discussion's first
// page, whose forms post and come back; comment times show the exact time.
(function () {
  "use strict";

  // Get short URL: show a copy button and copy to the clipboard on click.
  document.querySelectorAll("button.copy-short-url").forEach(function (button) {
    if (!navigator.clipboard || !navigator.clipboard.writeText) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = "Copied";
        button.setAttribute("aria-live", "polite");
        setTimeout(function () { button.textContent = label; }, 4000);
      }, function () {
        button.textContent = "Press Ctrl+C to copy";
        var link = button.parentElement.querySelector(".short-url-link");
        if (link) {
          var range = document.createRange();
          range.selectNodeContents(link);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
        }
      });
    });
  });

  // Listen Live: the header link opens the player (/live/) in a small window of its own, so
  // the stream keeps playing while this window moves from story to story. An open player is
  // only brought to the front: navigating it again would cut the audio.
  var PLAYER = "dateline-live";
  document.querySelectorAll("a.listen-live").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.name === PLAYER) { event.preventDefault(); return; }
      var player = window.open("", PLAYER, "popup,width=440,height=640");
      if (!player) return; // blocked: the link opens the named tab instead
      event.preventDefault();
      var fresh = true;
      try { fresh = player.location.href === "about:blank"; } catch (e) { fresh = true; }
      if (fresh) player.location.href = link.href;
      player.focus();
    });
  });

  // The player page: start on the reader's click (a user gesture), and keep the on-air state
  // and now-playing title current from the relay's status.
  document.querySelectorAll(".live-console").forEach(function (console_) {
    var audio = console_.querySelector("audio");
    var mount = console_.dataset.liveMount;
    if (!mount || !window.fetch) return;
    var state = console_.querySelector(".live-state");
    var stateText = console_.querySelector(".live-state-text");
    var playing = console_.querySelector(".now-playing");
    var scheduledLive = document.querySelector(".on-air-now-live");
    var scheduledOff = document.querySelector(".on-air-now-off");
    function show(onAir, title) {
      state.classList.toggle("on-air", onAir);
      stateText.textContent = onAir ? "On air" : "Off air";
      // The schedule's programme is on air only while the stream is.
      if (scheduledLive && scheduledOff) {
        scheduledLive.hidden = !onAir;
        scheduledOff.hidden = onAir;
      }
      playing.textContent = "";
      if (title) {
        playing.append("Now playing: ");
        var span = document.createElement("span");
        span.className = "now-playing-title";
        span.textContent = title;
        playing.append(span);
      } else if (!onAir) {
        playing.textContent = "The station is off air at the moment. Press play to listen as soon as it is back.";
      }
    }
    function refresh() {
      fetch("/api/v1/live", { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (status) {
          if (!status) return;
          var m = (status.mounts || []).filter(function (x) { return x.path === mount; })[0];
          var onAir = !!(m && m.on_air);
          show(onAir, onAir && m.source ? m.source.title : "");
          // Back on air while the reader waits with the player paused at an error: retry.
          if (onAir && audio && audio.error) { audio.load(); }
        })
        .catch(function () { /* keep what is shown */ });
    }
    setInterval(refresh, 15000);
  });

  // The sections bar: while more sections follow to the right, an arrow says so (the CSS
  // edge shadow is the cue without script).
  document.querySelectorAll(".sections-bar").forEach(function (bar) {
    var nav = bar.querySelector(".sections-nav");
    if (!nav) return;
    function update() {
      var more = nav.scrollWidth - nav.clientWidth - nav.scrollLeft > 4;
      if (more) bar.setAttribute("data-more", ""); else bar.removeAttribute("data-more");
    }
    nav.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  });

  // Comment times: "5 min ago" while recent, the exact time (the server's text) on hover and
  // to assistive technology through the title, and as it was once older than a week.
  function relative(then, now) {
    var s = Math.round((now - then) / 1000);
    if (isNaN(s)) return null;
    if (s < 45) return "just now";
    var m = Math.round(s / 60);
    if (m < 60) return m + " min ago";
    var h = Math.round(m / 60);
    if (h < 24) return h + (h === 1 ? " hour ago" : " hours ago");
    var d = Math.round(h / 24);
    if (d < 7) return d + (d === 1 ? " day ago" : " days ago");
    return null;
  }
  function refreshTimes(root) {
    var now = Date.now();
    root.querySelectorAll("time.comment-time[datetime]").forEach(function (t) {
      if (!t.dataset.exact) t.dataset.exact = t.textContent;
      var text = relative(Date.parse(t.getAttribute("datetime")), now);
      t.textContent = text || t.dataset.exact;
      t.title = t.dataset.exact;
    });
  }
  refreshTimes(document);
  setInterval(function () { refreshTimes(document); }, 60000);

  // The discussion. The story page carries its first page as anonymous readers see it; the
  // reader's own view (their forms, their held comments) comes from the discussion's resource
  // and replaces it. Our own HTML, every reader value escaped by the server; it is parsed
  // inert and its nodes moved in, so nothing in it runs.
  function discussionOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    return doc.querySelector("section.discussion");
  }
  function showCount(section) {
    var count = section.querySelector(".discussion-count");
    if (!count) return;
    var n = (count.textContent.match(/\d+/) || ["0"])[0];
    document.querySelectorAll("a.discussion-link").forEach(function (l) { l.textContent = "Discussion " + count.textContent; });
    document.querySelectorAll("a.comment-count").forEach(function (l) {
      var icon = l.querySelector("svg");
      l.textContent = n + (n === "1" ? " comment" : " comments");
      if (icon) l.prepend(icon);
    });
  }
  function place(old, fresh) {
    var section = document.adoptNode(fresh);
    old.replaceWith(section);
    refreshTimes(section);
    showCount(section);
    return section;
  }
  if (window.fetch && window.DOMParser) {
    document.querySelectorAll("a.discussion-link[data-fragment]").forEach(function (link) {
      var slot = document.getElementById("discussion-slot");
      if (!slot) return;
      fetch(link.dataset.fragment, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var fresh = html && discussionOf(html);
          if (!fresh) return;
          var old = slot.querySelector("section.discussion");
          if (old) place(old, fresh); else { slot.replaceChildren(); slot.append(document.adoptNode(fresh)); showCount(fresh); refreshTimes(fresh); }
          slot.dataset.loaded = "reader";
        })
        .catch(function () { /* the server's copy stays */ });
    });

    // Posting, replying, recommending, reporting, editing and deleting happen in place: the
    // form is sent as it would be without script, and the discussion it comes back to
    // replaces this one. Signing out and the verification link still load their page.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var old = form.closest && form.closest("section.discussion");
      if (!old || form.method.toLowerCase() !== "post") return;
      if (form.classList.contains("reader-sign-out") || form.classList.contains("reader-verify")) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (form.getAttribute("aria-busy") === "true") return;
      form.setAttribute("aria-busy", "true");
      if (button) button.disabled = true;
      var mine = {};
      old.querySelectorAll("li.comment-mine").forEach(function (li) { mine[li.id] = true; });
      var shown = form.querySelector(".form-error");
      if (shown) shown.remove();
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "text/html" },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (r) { return r.text().then(function (html) { return { r: r, html: html }; }); })
        .then(function (got) {
          var fresh = got.r.ok && discussionOf(got.html);
          if (!fresh) {
            if (got.r.ok) { window.location.href = got.r.url; return; } // e.g. signed out meanwhile
            var doc = new DOMParser().parseFromString(got.html, "text/html");
            var message = doc.querySelector(".error-message");
            var p = document.createElement("p");
            p.className = "form-error";
            p.setAttribute("role", "alert");
            p.textContent = message ? message.textContent : "That did not work (HTTP " + got.r.status + "). Please try again.";
            form.prepend(p);
            form.removeAttribute("aria-busy");
            if (button) button.disabled = false;
            return;
          }
          var section = place(old, fresh);
          var added = Array.prototype.filter.call(section.querySelectorAll("li.comment-mine"), function (li) { return !mine[li.id]; })[0];
          var target = added || section.querySelector(".discussion-notice");
          if (target) {
            target.setAttribute("tabindex", "-1");
            target.focus({ preventScroll: true });
            target.scrollIntoView({ block: "nearest" });
          }
        })
        .catch(function () {
          // The network failed: send it the ordinary way.
          form.removeAttribute("aria-busy");
          if (button) button.disabled = false;
          form.submit();
        });
    });

    // "More comments" adds the next page's threads under these instead of leaving the page.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".discussion-pager a[rel=next]");
      if (!link) return;
      var section = link.closest("section.discussion");
      var list = section && section.querySelector("ol.comments");
      if (!list) return;
      event.preventDefault();
      var url = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "fragment=1";
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var fresh = html && discussionOf(html);
          if (!fresh) { window.location.href = link.href; return; }
          var first = null;
          fresh.querySelectorAll("ol.comments > li.comment").forEach(function (li) {
            var node = document.adoptNode(li);
            list.append(node);
            if (!first) first = node;
          });
          var pager = section.querySelector(".discussion-pager");
          var next = fresh.querySelector(".discussion-pager");
          if (pager && next) pager.replaceWith(document.adoptNode(next)); else if (pager) pager.remove();
          var rest = section.querySelector(".discussion-pager a[rel=prev]");
          if (rest) rest.remove();
          refreshTimes(section);
          if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
        })
        .catch(function () { window.location.href = link.href; });
    });
  }
})();
