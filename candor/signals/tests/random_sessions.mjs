// Random editing sessions through the browser's own arithmetic (frontend/lib/collector-core.js),
// printed as JSON summaries: the Python test checks the server accepts every one of them.
import * as core from "../../../frontend/lib/collector-core.js";

let seed = Number(process.argv[3] || 1);
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31; // small LCG: reproducible runs
  return seed / 2 ** 31;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const GAPS = [5, 40, 120, 300, 900, 1999, 2000, 2500, 9000, 15000, 60000, 180000, 599999, 600000, 900000];
const KINDS = ["type", "type", "type", "delete", "cut", "paste", "undo", "other"];

const out = [];
const n = Number(process.argv[2] || 200);
for (let i = 0; i < n; i += 1) {
  let t = rand() * 1e6;
  const s = core.createState(t);
  const steps = Math.floor(rand() * 300);
  for (let k = 0; k < steps; k += 1) {
    t += pick(GAPS) * rand() * 2;
    const r = rand();
    if (r < 0.03) core.setHidden(s, t, true);
    else if (r < 0.06) core.setHidden(s, t, false);
    else if (r < 0.08) core.focusLost(s);
    else if (r < 0.1) core.hintUsed(s, Math.floor(rand() * 12));
    else if (r < 0.12) core.recordActivity(s, t);
    else {
      const kind = pick(KINDS);
      core.recordEdit(s, t, kind, Math.floor(rand() * (kind === "paste" ? 400 : 3)), Math.floor(rand() * 4));
    }
  }
  t += pick(GAPS);
  const submitted = rand() < 0.5;
  out.push(core.summarize(s, t, {
    clientId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    exerciseId: 1 + Math.floor(rand() * 50),
    attemptToken: submitted ? "11111111-1111-4111-8111-111111111111" : null,
    endedBy: submitted ? "submit" : "hide",
    run: rand() < 0.2,
  }));
}
console.log(JSON.stringify(out));
