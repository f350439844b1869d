// Exports page: the file format only applies to credit claims, so hide it otherwise.
(function () {
  "use strict";
  function sync() {
    var kind = document.getElementById("id_kind");
    var format = document.querySelector("[data-export-format]");
    if (!kind || !format) return;
    format.hidden = kind.value !== "credit_claims";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("id_kind");
    if (kind) kind.addEventListener("change", sync);
    sync();
  });
})();
