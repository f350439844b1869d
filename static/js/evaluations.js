// Evaluation settings: show only the fields the chosen mode needs (works without JS too).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-evaluation-settings]");
  if (!form) return;
  const panels = form.querySelectorAll("[data-mode-panel]");
  const update = () => {
    const chosen = form.querySelector("input[name=mode]:checked");
    panels.forEach((panel) => {
      panel.hidden = !!chosen && panel.dataset.modePanel !== chosen.value;
    });
  };
  form.querySelectorAll("input[name=mode]").forEach((input) => input.addEventListener("change", update));
  update();
});
