// Profile form enhancements (the form works without them): credential search, profession
// default from the credentials, board and US/non-US sections shown only when they apply.
(function () {
  "use strict";

  function setup() {
    var options = document.getElementById("credential-options");
    var search = document.getElementById("credential-search");
    if (options && search) {
      search.parentElement.hidden = false;
      search.addEventListener("input", function () {
        var term = search.value.trim().toLowerCase();
        options.querySelectorAll("li").forEach(function (item) {
          var box = item.querySelector("input");
          item.hidden = term !== "" && !box.checked && item.dataset.label.indexOf(term) === -1;
        });
      });
    }

    var profession = document.getElementById("id_profession");
    var professionTouched = profession && profession.value !== "";
    if (profession) {
      profession.addEventListener("change", function () { professionTouched = true; });
    }
    if (options) {
      options.addEventListener("change", function () {
        var best = null;
        options.querySelectorAll("input:checked").forEach(function (box) {
          if (best === null || Number(box.dataset.order) < Number(best.dataset.order)) best = box;
        });
        options.querySelectorAll("li").forEach(function (item) {
          item.classList.toggle("is-checked", item.querySelector("input").checked);
        });
        if (profession && !professionTouched && best) profession.value = best.dataset.profession;
      });
    }

    var boardDetails = document.getElementById("board-details");
    var boardRadios = document.querySelectorAll("input[name='is_board_member']");
    function syncBoard() {
      var yes = document.querySelector("input[name='is_board_member'][value='yes']");
      if (boardDetails && yes) boardDetails.hidden = !yes.checked;
    }
    boardRadios.forEach(function (radio) { radio.addEventListener("change", syncBoard); });
    syncBoard();

    var country = document.getElementById("id_country");
    function syncCountry() {
      if (!country) return;
      var us = country.value === "US";
      document.querySelectorAll(".us-only").forEach(function (el) { el.hidden = !us; });
      document.querySelectorAll(".non-us-only").forEach(function (el) { el.hidden = us; });
    }
    if (country) country.addEventListener("change", syncCountry);
    syncCountry();

    // A sign-in link carries its code: fill it in on the code page.
    var code = document.getElementById("id_code");
    var fromLink = new URLSearchParams(window.location.search).get("code");
    if (code && fromLink && !code.value) code.value = fromLink;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
