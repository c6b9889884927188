// Help when stuck, decided on the device (PRODUCT.md §2 step 5): pure rules over the
// collector's state. Nothing here is sent anywhere; the summary records only how many hints
// were offered and opened.

import { visibleNow } from "./collector-core.js";

export const DEFAULT_RULES = {
  idleMs: 90_000, // no change to the answer for this long (visible time)
  failures: 2, // counted wrong submissions of this exercise
  minDeletions: 20, // heavy correction: at least this many characters removed…
  correctionRate: 0.6, // …and at least this many removed per character typed
};

// Why the learner looks stuck now ("failures" | "idle" | "corrections"), or null.
export function stuckReason(state, now, context, rules = DEFAULT_RULES) {
  if (context.passed) return null;
  if (context.failedSubmissions >= rules.failures) return "failures";
  const sinceEdit = visibleNow(state, now) - state.lastEventV;
  // Before the first edit the learner may still be reading: wait twice as long.
  const idleLimit = state.sawEdit ? rules.idleMs : 2 * rules.idleMs;
  if (state.hiddenSince === null && sinceEdit >= idleLimit) return "idle";
  if (
    state.deletions >= rules.minDeletions &&
    state.deletions / Math.max(1, state.insertions) >= rules.correctionRate
  ) {
    return "corrections";
  }
  return null;
}

// The next hint to offer: the lowest index not opened yet, or null when all are open.
export function nextHint(openFlags) {
  const i = openFlags.findIndex((open) => !open);
  return i === -1 ? null : i;
}

export const MESSAGES = {
  failures: "This one has taken a few tries.",
  idle: "Taking a moment on this one?",
  corrections: "Lots of rewriting on this one.",
};
