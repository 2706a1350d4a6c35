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

// Autosave of an answer: a draft is posted in the background a while after typing stops and when the page
// is hidden. The server refuses to overwrite an answer changed elsewhere (another tab): the person is told,
// in the page and through the live region, and their text stays in the box. Saving by the buttons works
// without this script.
document.querySelectorAll("form[data-autosave-url]").forEach((form) => {
  const textarea = form.querySelector("textarea[name=text]");
  const token = form.querySelector("input[name=csrf_token]");
  const status = document.getElementById(form.dataset.autosaveStatus);
  const delay = Number(form.dataset.autosaveDelay) || 15000;
  if (!textarea || !status) {
    return;
  }
  // what the server holds: the text the page came with (typing done before this script ran is newer)
  let lastSaved = textarea.defaultValue;
  let timer = null;
  let stopped = false;
  let queue = Promise.resolve();

  const versionInputs = () => document.querySelectorAll("input[data-answer-version]");
  const currentVersion = () => (versionInputs()[0] ? versionInputs()[0].value : "");

  function say(message, problem) {
    status.textContent = "";
    const paragraph = document.createElement("p");
    paragraph.className = problem ? "govuk-body portal-autosave__problem" : "govuk-body-s";
    paragraph.textContent = message;
    status.appendChild(paragraph);
  }

  async function post(keepalive) {
    const text = textarea.value;
    if (stopped || text === lastSaved) {
      return;
    }
    const body = new FormData();
    body.append("text", text);
    body.append("version", currentVersion());
    if (token) {
      body.append("csrf_token", token.value);
    }
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST", body, credentials: "same-origin", keepalive,
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      });
      const data = await response.json();
      if (response.ok && data.status === "saved") {
        lastSaved = text;
        versionInputs().forEach((input) => { input.value = data.version; });
        say(data.message, data.over_limit);
        document.dispatchEvent(new CustomEvent("portal:saved")); // the idle-session warning restarts its clock
      } else {
        if (data.status === "conflict") {
          stopped = true; // never overwrite the other version; the text stays in the box
        }
        say(data.message || "Your answer was not saved automatically. Use the Save button.", true);
      }
    } catch (error) {
      say("Your answer was not saved automatically just now. It is still here: use a Save button.", true);
    }
  }

  function save(keepalive) {
    clearTimeout(timer);
    queue = queue.then(() => post(keepalive)); // one request at a time, so each carries the latest version
    return queue;
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => save(false), delay);
  });
  if (textarea.value !== lastSaved) {
    // typed (or put back by the browser) before this script started: save it like any other typing
    timer = setTimeout(() => save(false), delay);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.addEventListener("pagehide", () => save(true));
  // a button press saves (or replaces) the answer itself: no background save may race it
  document.querySelectorAll("form").forEach((other) => {
    other.addEventListener("submit", () => {
      stopped = true;
      clearTimeout(timer);
    });
  });
});
