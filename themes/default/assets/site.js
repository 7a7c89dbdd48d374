// Progressive enhancement for reader pages. Everything works without this file:
// "Get short URL" is a <details> with a plain link; Listen Live is a link to the player page,
// opened in a named tab, with a native <audio>.
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
    function show(onAir, title) {
      state.classList.toggle("on-air", onAir);
      stateText.textContent = onAir ? "On air" : "Off air";
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

  // The discussion: a resource of its own (so the cached story page never changes when readers
  // post), put under the story. Our own HTML, every reader value escaped by the server; it is
  // parsed inert and its nodes moved in, so nothing in it runs. Without this script the
  // "Discussion" link leads to the same block on a page of its own.
  document.querySelectorAll("a.discussion-link[data-fragment]").forEach(function (link) {
    var slot = document.getElementById("discussion-slot");
    if (!slot || !window.fetch || !window.DOMParser) return;
    fetch(link.dataset.fragment, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var section = doc.querySelector("section.discussion");
        if (!section) return;
        slot.replaceChildren(document.adoptNode(section));
        var count = section.querySelector(".discussion-count");
        if (count) link.textContent = "Discussion " + count.textContent;
      })
      .catch(function () { /* the link still works */ });
  });
})();
