// Progressive enhancement for reader pages. Everything works without this file:
// "Get short URL" is a <details> with a plain link; Listen Live is a native <audio>.
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

  // Listen Live: opening the panel starts the stream, closing it stops it.
  document.querySelectorAll("details.listen-live").forEach(function (details) {
    var audio = details.querySelector("audio");
    if (!audio) return;
    details.addEventListener("toggle", function () {
      if (details.open) {
        var played = audio.play();
        if (played && played.catch) played.catch(function () { /* the user can press play */ });
      } else {
        audio.pause();
      }
    });
  });
})();
