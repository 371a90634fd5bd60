// Drag-and-drop onto the upload field: dropped files become the file input's files (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  if (!drop || !input) { return; }
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; }
  });
});

// "Kopiér": copies the text of the element named by data-copy (the journalnotat) to the clipboard.
document.addEventListener("click", function (e) {
  var button = e.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  var paragraphs = Array.prototype.map.call(source.querySelectorAll("p"), function (p) { return p.textContent; });
  navigator.clipboard.writeText(paragraphs.join("\n\n")).then(function () {
    var note = document.getElementById("journal-copied");
    if (note) { note.textContent = "Kopieret"; }
  });
});
