// The collector's arithmetic: pure functions over a fixed-size state (PRODUCT.md §4).
//
// Why this shape: the summary must be computed with constant memory per attempt — running
// sums and bins, never a list of timings — so there is nothing finer-grained in memory that
// could leak, and nothing that grows with typing. Each edit updates a few numbers and is
// forgotten. Time is read from the caller (performance.now() in the page), never from event
// objects, so tests can drive the clock.
//
// Vocabulary: the "visible clock" advances only while the page is visible, so a gap that
// spans a hidden period counts only its visible part; hidden time is summed on its own.

export const ACTIVE_BELOW_MS = 2_000;
export const BREAK_FROM_MS = 600_000;
export const MAX_MS = 86_400_000;
export const MAX_COUNT = 1_000_000;
export const MAX_CPM = 3_000;
export const MAX_RATE = 1_000;
export const MAX_HINTS = 10;
const PAUSE_EDGES = [15_000, 180_000, 600_000]; // bins [2 s,15 s) [15 s,3 min) [3,10 min) ≥10 min

// Kinds of edit the page reports. Anything else ("other": drop, redo, autocomplete…) counts
// only as activity for the gap model.
export const EDIT_KINDS = ["type", "delete", "cut", "paste", "undo", "other"];

export function createState(now) {
  return {
    startedAt: now,
    hiddenMs: 0,
    hiddenSince: null,
    lastEventV: 0, // visible-clock time of the last edit (0 = the attempt's start)
    sawEdit: false,
    activeMs: 0,
    idleMs: 0,
    breakMs: 0,
    pauses: [0, 0, 0, 0],
    focusLosses: 0,
    keystrokes: 0,
    insertions: 0,
    deletions: 0,
    undoCount: 0,
    pastes: 0,
    pastedChars: 0,
    runs: 0,
    submissions: 0,
    hintsShown: 0, // bit masks over hint indexes 0–9: a hint counts once however often
    hintsUsed: 0,
  };
}

export function visibleNow(state, now) {
  const hiddenNow = state.hiddenSince === null ? 0 : now - state.hiddenSince;
  return Math.max(0, now - state.startedAt - state.hiddenMs - hiddenNow);
}

function count(value) {
  return Number.isFinite(value) && value > 0 ? Math.min(MAX_COUNT, Math.floor(value)) : 0;
}

function capAdd(total, n) {
  return Math.min(MAX_COUNT, total + n);
}

// Classify one gap. Only gaps between two edits are pauses; the gap from the start to the
// first edit and from the last edit to the end are time, but not pauses in typing.
function addGap(state, gap, isPause) {
  if (gap < ACTIVE_BELOW_MS) {
    state.activeMs += gap;
    return;
  }
  if (gap < BREAK_FROM_MS) state.idleMs += gap;
  else state.breakMs += gap;
  if (!isPause) return;
  let bin = 0;
  while (bin < PAUSE_EDGES.length && gap >= PAUSE_EDGES[bin]) bin += 1;
  state.pauses[bin] = capAdd(state.pauses[bin], 1);
}

function tick(state, now) {
  const v = visibleNow(state, now);
  addGap(state, Math.max(0, v - state.lastEventV), state.sawEdit);
  state.lastEventV = v;
  state.sawEdit = true;
}

// One change of an answer field: its kind and character counts, never text. Scalars, not an
// object: this runs for every keystroke, and allocating nothing keeps it cheap.
export function recordEdit(state, now, kind, insertedChars, deletedChars) {
  tick(state, now);
  const inserted = count(insertedChars);
  const deleted = count(deletedChars);
  switch (kind) {
    case "type":
      state.keystrokes = capAdd(state.keystrokes, 1);
      state.insertions = capAdd(state.insertions, inserted);
      state.deletions = capAdd(state.deletions, deleted); // typing over a selection
      break;
    case "delete":
      state.keystrokes = capAdd(state.keystrokes, 1);
      state.deletions = capAdd(state.deletions, deleted);
      break;
    case "cut":
      state.deletions = capAdd(state.deletions, deleted);
      break;
    case "paste":
      if (inserted > 0) {
        state.pastes = capAdd(state.pastes, 1);
        state.pastedChars = capAdd(state.pastedChars, inserted);
      }
      state.deletions = capAdd(state.deletions, deleted);
      break;
    case "undo":
      state.undoCount = capAdd(state.undoCount, 1);
      break;
    default:
      break;
  }
}

// A change that is not typing (a choice ticked, a code run): time only.
export function recordActivity(state, now) {
  tick(state, now);
}

export function setHidden(state, now, hidden) {
  if (hidden && state.hiddenSince === null) state.hiddenSince = now;
  if (!hidden && state.hiddenSince !== null) {
    state.hiddenMs += now - state.hiddenSince;
    state.hiddenSince = null;
  }
}

export function focusLost(state) {
  state.focusLosses = capAdd(state.focusLosses, 1);
}

export function hintShown(state, index) {
  if (Number.isInteger(index) && index >= 0 && index < MAX_HINTS) state.hintsShown |= 1 << index;
}

export function hintUsed(state, index) {
  if (Number.isInteger(index) && index >= 0 && index < MAX_HINTS) state.hintsUsed |= 1 << index;
}

function bits(mask) {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n += 1;
  return n;
}

// Coarsening (PRODUCT.md §5 rule 1): whole seconds, whole characters per minute, rates to
// two decimals. Rounded here, in the browser, so finer values never leave it.
export function wholeSeconds(ms) {
  return Math.min(MAX_MS, Math.round(Math.max(0, ms) / 1000) * 1000);
}

export function typingSpeed(insertions, activeMs) {
  if (insertions <= 0 || activeMs <= 0) return 0;
  return Math.min(MAX_CPM, Math.round((insertions * 60_000) / activeMs));
}

export function correctionRate(deletions, insertions) {
  return Math.min(MAX_RATE, Math.round((deletions / Math.max(1, insertions)) * 100) / 100);
}

// The summary as of `now`, without changing the state (a snapshot can be taken and the
// attempt go on). `meta` = {clientId, exerciseId, attemptToken, endedBy, run}.
export function summarize(state, now, meta) {
  const v = visibleNow(state, now);
  const s = { ...state, pauses: [...state.pauses] };
  addGap(s, Math.max(0, v - s.lastEventV), false);
  const hidden = s.hiddenMs + (s.hiddenSince === null ? 0 : now - s.hiddenSince);
  const active = wholeSeconds(s.activeMs);
  const idle = Math.min(wholeSeconds(s.idleMs), MAX_MS - active);
  const submitted = meta.endedBy === "submit";
  return {
    client_id: meta.clientId,
    exercise_id: meta.exerciseId,
    attempt_token: meta.attemptToken || null,
    schema: 1,
    ended_by: submitted ? "submit" : "hide",
    time_on_task_ms: active + idle,
    active_ms: active,
    idle_ms: idle,
    break_ms: wholeSeconds(s.breakMs),
    hidden_ms: wholeSeconds(hidden),
    focus_losses: s.focusLosses,
    pauses: {
      s2_15: s.pauses[0],
      s15_180: s.pauses[1],
      s180_600: s.pauses[2],
      s600_plus: s.pauses[3],
    },
    keystrokes: s.keystrokes,
    insertions: s.insertions,
    deletions: s.deletions,
    typing_speed_cpm: typingSpeed(s.insertions, s.activeMs),
    correction_rate: correctionRate(s.deletions, s.insertions),
    undo_count: s.undoCount,
    pastes: s.pastes,
    pasted_chars: s.pastedChars,
    runs: Math.min(MAX_COUNT, s.runs + (submitted && meta.run ? 1 : 0)),
    submissions: Math.min(MAX_COUNT, s.submissions + (submitted && !meta.run ? 1 : 0)),
    hints_shown: bits(s.hintsShown),
    hints_used: bits(s.hintsUsed),
  };
}

// What a plain <input>/<textarea> change was, from its inputType and numbers only: the
// field's length before and after, and how many characters the browser says it inserted
// (the length of the event's data; null when it does not say). No text is kept. Whatever the
// field lost beyond that was a selection replaced by the insertion.
const TYPED = new Set([
  "insertText", "insertLineBreak", "insertParagraph", "insertCompositionText",
  "insertReplacementText",
]);
const PASTED = new Set(["insertFromPaste", "insertFromPasteAsQuotation"]);

export function classifyInput(inputType, lengthBefore, lengthAfter, dataLength) {
  const delta = lengthAfter - lengthBefore;
  const type = String(inputType || "");
  if (type === "historyUndo") return { kind: "undo", inserted: 0, deleted: 0 };
  if (type === "deleteByCut") return { kind: "cut", inserted: 0, deleted: Math.max(0, -delta) };
  if (type.startsWith("delete") && type !== "deleteByDrag") {
    return { kind: "delete", inserted: 0, deleted: Math.max(0, -delta) };
  }
  const typed = TYPED.has(type);
  if (!typed && !PASTED.has(type)) return { kind: "other", inserted: 0, deleted: 0 };
  const known = type === "insertLineBreak" || type === "insertParagraph" ? 1 : dataLength;
  const inserted = Number.isFinite(known) && known >= 0 ? known : Math.max(0, delta);
  return {
    kind: typed ? "type" : "paste",
    inserted,
    deleted: Math.max(0, lengthBefore + inserted - lengthAfter),
  };
}

// The code editor reports {inserted, deleted, kind}; anything unexpected becomes "other".
export function editorEdit(detail) {
  const d = detail && typeof detail === "object" ? detail : {};
  const kind = EDIT_KINDS.includes(d.kind) ? d.kind : "other";
  return { kind, inserted: count(d.inserted), deleted: count(d.deleted) };
}
