// Progressive enhancement shared by every page. Pages work without it.

// A submit button marked data-once is disabled after the first click, so a double-click
// sends one answer (the server also deduplicates by the form's token).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const submitter = event.submitter;
  if (submitter && submitter.name) {
    // A disabled button's value is not sent: carry it in a hidden field.
    const carry = document.createElement("input");
    carry.type = "hidden";
    carry.name = submitter.name;
    carry.value = submitter.value;
    form.appendChild(carry);
  }
  if (form.dataset.submitted === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  for (const button of form.querySelectorAll("button[type=submit]")) {
    button.disabled = true;
  }
});

// While a code answer waits for or runs in the sandbox, poll its status and reload when done.
function pollAttempt(box) {
  const url = box.dataset.pollUrl;
  const label = box.querySelector("[data-poll-label]");
  let delay = 600;
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (data.done) {
          window.location.reload();
          return;
        }
        if (label) {
          label.textContent = data.status === "queued" && data.ahead > 0
            ? `Waiting for a free grader (${data.ahead} ahead of you)`
            : data.label;
        }
      }
    } catch (_error) {
      // Offline for a moment: keep polling with backoff.
    }
    delay = Math.min(delay * 1.5, 5000);
    setTimeout(tick, delay);
  };
  setTimeout(tick, delay);
}

for (const box of document.querySelectorAll("[data-poll-url]")) pollAttempt(box);
