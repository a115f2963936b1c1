// A form's error summary (templates/_macros.html error_summary): focused and at the top of the
// screen when the page opens, so that it is seen and read first; its links move the focus to
// their field and show the field's label.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  // At the top of the screen (below the form's heading: its scroll-margin), wherever the form is.
  summary.focus({ preventScroll: true });
  summary.scrollIntoView({ block: "start" });
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    // A field in a closed <details> (the name corrections) is shown first.
    var details = field.closest("details");
    if (details) {
      details.open = true;
    }
    var fieldset = field.closest("fieldset");
    var label = fieldset ? fieldset.querySelector("legend") : document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
})();
