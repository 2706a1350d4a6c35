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

// Before an idle session ends, warn and offer to stay signed in. When it has ended, say so and keep the
// page as it is, so anything typed can still be copied.
const sessionWarning = document.querySelector("[data-session-idle-seconds]");
if (sessionWarning) {
  const idle = Number(sessionWarning.dataset.sessionIdleSeconds) * 1000;
  const warnBefore = Math.min(2 * 60 * 1000, idle / 4);
  const message = sessionWarning.querySelector("[data-session-message]");
  const keep = sessionWarning.querySelector("[data-session-keep]");
  let warnTimer;
  let endTimer;
  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    sessionWarning.hidden = true;
    warnTimer = setTimeout(() => {
      sessionWarning.hidden = false;
      keep.focus();
    }, idle - warnBefore);
    endTimer = setTimeout(() => {
      message.textContent = "You have been signed out because you had not done anything for a while. "
        + "Copy anything you have typed and not saved, then sign in again.";
      keep.hidden = true;
    }, idle);
  };
  keep.addEventListener("click", async () => {
    const response = await fetch(sessionWarning.dataset.keepAliveUrl, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": sessionWarning.dataset.csrfToken },
    });
    if (response.ok) schedule();
  });
  // saving as you type (autosave) is activity too: it tells the page with this event
  document.addEventListener("portal:saved", schedule);
  schedule();
}
