// Exports page: show the file format only for kinds that have more than one.
(function () {
  "use strict";
  var MULTI = ["credit_claims", "pars_moc_tab", "pars_activities"];
  function sync() {
    var kind = document.getElementById("id_kind");
    var format = document.querySelector("[data-export-format]");
    if (!kind || !format) return;
    format.hidden = MULTI.indexOf(kind.value) === -1;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("id_kind");
    if (kind) kind.addEventListener("change", sync);
    sync();
  });
})();
