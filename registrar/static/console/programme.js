/* registrar console: the programme editor's drag and drop.
 *
 * Without this script every row is moved by its Up and Down buttons, small forms that post the
 * position the page showed (`current`) and the one wanted (`position`). Here a row can also be
 * dragged onto another row: the dragged row's own move form is sent with the position of the
 * row it was dropped on, so the server checks and does exactly what the buttons do.
 */
(function () {
  "use strict";

  var lists = document.querySelectorAll("ol.programme-editor");
  Array.prototype.forEach.call(lists, function (list) {
    var rows = list.querySelectorAll(":scope > li[data-position]");
    if (rows.length < 2) {
      return;
    }
    var dragged = null;
    list.classList.add("can-drag");

    function clearMarks() {
      Array.prototype.forEach.call(rows, function (row) {
        row.classList.remove("drop-target");
      });
    }

    Array.prototype.forEach.call(rows, function (row) {
      row.draggable = true;
      row.addEventListener("dragstart", function (event) {
        dragged = row;
        row.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.dataset.position);
      });
      row.addEventListener("dragend", function () {
        row.classList.remove("dragging");
        clearMarks();
        dragged = null;
      });
      row.addEventListener("dragover", function (event) {
        if (dragged && dragged !== row) {
          event.preventDefault();
          event.dataTransfer.dropEffect = "move";
          clearMarks();
          row.classList.add("drop-target");
        }
      });
      row.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!dragged || dragged === row) {
          return;
        }
        var form = dragged.querySelector("form.move-form");
        if (!form) {
          return;
        }
        form.elements.position.value = row.dataset.position;
        form.submit();
      });
    });
  });
})();
