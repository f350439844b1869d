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
  function watch(select) {
    sync(select);
    select.addEventListener("change", function () { sync(select); });
  }
  document.querySelectorAll(".designation-fields select[id$='-credit_type']").forEach(watch);

  // "Add another credit type": a new empty row in place (the formset's empty form), so a
  // coordinator designating seven credit types saves once and loses nothing typed.
  var add = document.getElementById("designation-add");
  var template = document.getElementById("designation-template");
  var rows = document.getElementById("designation-rows");
  var total = document.getElementById("id_credit-TOTAL_FORMS");
  var max = document.getElementById("id_credit-MAX_NUM_FORMS");
  if (add && template && rows && total) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = Number(total.value);
      if (max && index >= Number(max.value)) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var select = rows.lastElementChild.querySelector("select[id$='-credit_type']");
      if (select) { watch(select); select.focus(); }
    });
  }
})();
