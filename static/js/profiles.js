// Profile form enhancements (the form works without them): credential search, profession
// default from the credentials, board and US/non-US sections shown only when they apply.
(function () {
  "use strict";

  // Which conditions hold now: "board" (a board member) and "pharmacy" (a pharmacist or
  // technician). A field marked data-required-when="board pharmacy" is required if either does.
  function activeConditions() {
    var active = [];
    var yes = document.querySelector("input[name='is_board_member'][value='yes']");
    if (yes && yes.checked) active.push("board");
    var profession = document.getElementById("id_profession");
    if (profession && profession.selectedIndex >= 0) {
      var codes = (profession.dataset.nabpCodes || "").split(" ");
      var chosen = profession.options[profession.selectedIndex].dataset.code;
      if (chosen && codes.indexOf(chosen) !== -1) active.push("pharmacy");
    }
    return active;
  }

  // Show the * and tell screen readers (aria-required) when a field becomes required.
  function syncRequired() {
    var active = activeConditions();
    document.querySelectorAll("[data-required-when]").forEach(function (field) {
      var needed = field.dataset.requiredWhen.split(" ").some(function (condition) {
        return active.indexOf(condition) !== -1;
      });
      var mark = field.querySelector("[data-required-mark]");
      if (mark) mark.hidden = !needed;
      var input = field.querySelector("input, select, textarea");
      if (!input) return;
      if (needed) input.setAttribute("aria-required", "true");
      else input.removeAttribute("aria-required");
    });
  }

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
      // Enter in the search box picks the first unticked match instead of submitting the
      // half-filled profile.
      search.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        var term = search.value.trim().toLowerCase();
        if (term === "") return;
        // Best match: the abbreviation itself ("rn" is RN, not APRN), then one starting with
        // the term, then any label containing it.
        var first = null;
        var firstRank = 3;
        options.querySelectorAll("li").forEach(function (item) {
          var box = item.querySelector("input");
          var label = item.dataset.label;
          var abbreviation = label.split(" (")[0];
          var rank = abbreviation === term ? 0 : abbreviation.indexOf(term) === 0 ? 1
            : label.indexOf(term) !== -1 ? 2 : 3;
          if (!box.checked && rank < firstRank) { first = box; firstRank = rank; }
        });
        if (first === null) return;
        first.checked = true;
        first.dispatchEvent(new Event("change", { bubbles: true }));
        search.value = "";
        search.dispatchEvent(new Event("input"));
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
        syncRequired();
      });
    }
    if (profession) profession.addEventListener("change", syncRequired);

    var boardDetails = document.getElementById("board-details");
    var boardRadios = document.querySelectorAll("input[name='is_board_member']");
    function syncBoard() {
      var yes = document.querySelector("input[name='is_board_member'][value='yes']");
      if (boardDetails && yes) boardDetails.hidden = !yes.checked;
    }
    boardRadios.forEach(function (radio) {
      radio.addEventListener("change", syncBoard);
      radio.addEventListener("change", syncRequired);
    });
    syncBoard();
    syncRequired();

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
