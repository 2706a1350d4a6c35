// Progressive enhancement only: every page works without this script.
import { initAll } from "/govuk-frontend/govuk-frontend.min.js";

initAll();

// Double-clicking a submit button sends the form once.
document.querySelectorAll("form[data-submit-once]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "true";
  });
});
