// Small enhancements; every page works without them.
(function () {
  "use strict";
  // Ask before destructive actions.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var by = e.submitter;
    var msg = (by && by.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });
  // Links that ask first (exports with full ID numbers).
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[data-confirm]") : null;
    if (a && !window.confirm(a.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });
  // "Back" links go back when there is somewhere to go.
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a.js-back") : null;
    if (a && window.history.length > 1 && document.referrer.indexOf(window.location.host) !== -1) {
      e.preventDefault();
      window.history.back();
    }
  });
  // Close the phone menu after choosing.
  document.querySelectorAll(".sidebar a").forEach(function (a) {
    a.addEventListener("click", function () {
      var t = document.getElementById("nav-toggle");
      if (t) { t.checked = false; }
    });
  });
  // The phone menu closes on a tap outside it or on Escape.
  var toggle = document.getElementById("nav-toggle");
  if (toggle) {
    document.addEventListener("click", function (e) {
      if (!toggle.checked) { return; }
      var t = e.target;
      if (t.closest && (t.closest(".sidebar") || t.closest(".nav-button") || t === toggle)) { return; }
      toggle.checked = false;
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { toggle.checked = false; }
    });
  }
  // Print buttons.
  document.querySelectorAll(".js-print").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // Bring the first invalid field into view.
  var bad = document.querySelector("label.invalid input, label.invalid select");
  if (bad) { bad.focus(); }
})();
