/* registrar console: the badge sheet, fetched with a visible state instead of a silent wait.
 *
 * The link (#badge-sheet) downloads the PDF by itself where this script does not run. Here a
 * click fetches it instead: the status line says how many badges are being prepared, with an
 * indeterminate progress bar, then how many badges on how many pages are ready, starts the
 * download and offers it again; a refusal shows the server's message. The words come from the
 * link's data- attributes, in the organizer's language.
 */
(function () {
  "use strict";

  var link = document.getElementById("badge-sheet");
  var status = document.getElementById("badge-sheet-status");
  if (!link || !status || !window.fetch || !window.URL || !URL.createObjectURL) {
    return;
  }
  var words = link.dataset;
  var busy = false;
  var objectUrl = null;

  function say(text, kind) {
    status.textContent = text;
    status.className = "badge-sheet-status" + (kind ? " badge-sheet-" + kind : "");
  }

  function setBusy(on) {
    busy = on;
    if (on) {
      link.setAttribute("aria-disabled", "true");
    } else {
      link.removeAttribute("aria-disabled");
    }
    status.setAttribute("aria-busy", on ? "true" : "false");
  }

  function filename(response) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "badges.pdf";
  }

  function ready(blob, name, count, pages) {
    if (objectUrl) {
      URL.revokeObjectURL(objectUrl);
    }
    objectUrl = URL.createObjectURL(blob);
    var text = words.ready;
    if (count !== words.count || pages !== words.pages) {
      // The guest list changed since the page was made: the server's figures, not the page's.
      text = words.readyChanged.replace("{num}", count).replace("{pages}", pages);
    }
    say(text + " ", "ready");
    var again = document.createElement("a");
    again.href = objectUrl;
    again.download = name;
    again.id = "badge-sheet-again";
    again.textContent = words.again;
    status.appendChild(again);
    // Start the download as the link itself would have.
    var start = document.createElement("a");
    start.href = objectUrl;
    start.download = name;
    start.hidden = true;
    document.body.appendChild(start);
    start.click();
    start.remove();
  }

  function failed(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") !== 0) {
      // A login page after an expired session, a proxy's error page: nothing to quote.
      say(words.failed, "error");
      return null;
    }
    return response.json().then(function (body) {
      say((body && body.error && body.error.message) || words.failed, "error");
    });
  }

  link.addEventListener("click", function (event) {
    event.preventDefault();
    if (busy) {
      return; // one sheet at a time: a second click would only build it twice
    }
    setBusy(true);
    say(words.preparing + " ", "busy");
    status.appendChild(document.createElement("progress"));
    fetch(link.href, {
      credentials: "same-origin",
      headers: { Accept: "application/pdf, application/json" }
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/pdf") !== 0) {
          return failed(response);
        }
        return response.blob().then(function (blob) {
          ready(
            blob,
            filename(response),
            response.headers.get("X-Badge-Count") || words.count,
            response.headers.get("X-Badge-Pages") || words.pages
          );
        });
      })
      .catch(function () {
        say(words.failed, "error");
      })
      .then(function () {
        setBusy(false);
      });
  });
})();
