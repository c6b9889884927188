// While a report is being released in the background, show its progress and reload when done.
export function pollRelease(box) {
  const url = box.dataset.releaseStatusUrl;
  const bar = box.querySelector("progress");
  const stage = box.querySelector("[data-release-stage]");
  const percent = box.querySelector("[data-release-percent]");
  let delay = 500;
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (bar) bar.value = data.progress;
        if (stage) stage.textContent = data.stage || data.label;
        if (percent) percent.textContent = String(data.progress);
        if (data.done) {
          window.location.reload();
          return;
        }
      }
    } catch (_error) {
      // A network hiccup: keep polling, a little slower.
    }
    delay = Math.min(delay * 1.4, 4000);
    window.setTimeout(tick, delay);
  };
  window.setTimeout(tick, delay);
}
