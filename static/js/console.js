// Provider console: shows the UAN box only for ACPE credit types; the form works without it.
(function () {
  "use strict";
  function sync(select) {
    var row = select.closest(".designation-fields");
    if (!row) return;
    var uan = row.querySelector("[id$='-uan']");
    if (!uan) return;
    var label = select.options[select.selectedIndex] ? select.options[select.selectedIndex].text : "";
    var field = uan.closest(".field");
    var isAcpe = /ACPE/i.test(label);
    if (field) field.hidden = !isAcpe && !uan.value;
  }
  document.querySelectorAll(".designation-fields select[id$='-credit_type']").forEach(function (select) {
    sync(select);
    select.addEventListener("change", function () { sync(select); });
  });
})();
