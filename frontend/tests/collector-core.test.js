// Unit tests of the collector's arithmetic (node --test frontend/tests/).
import assert from "node:assert/strict";
import { test } from "node:test";

import * as core from "../lib/collector-core.js";

const meta = { clientId: "c", exerciseId: 7, attemptToken: null, endedBy: "hide", run: false };

function typeAt(state, times) {
  for (const t of times) core.recordEdit(state, t, "type", 1, 0);
}

test("gaps are classified as active, idle and break, and pauses are binned", () => {
  const s = core.createState(1000);
  // start→first edit: 500 ms (active, not a pause)
  typeAt(s, [1500, 1600, 1700]); // two 100 ms gaps: active
  typeAt(s, [1700 + 3000]); // 3 s: idle, bin [2 s, 15 s)
  typeAt(s, [4700 + 20_000]); // 20 s: idle, bin [15 s, 3 min)
  typeAt(s, [24_700 + 200_000]); // 200 s: idle, bin [3, 10 min)
  typeAt(s, [224_700 + 700_000]); // 700 s: break
  const out = core.summarize(s, 924_700 + 1_400, meta); // trailing 1.4 s: active
  assert.equal(out.active_ms, core.wholeSeconds(500 + 200 + 1400));
  assert.equal(out.idle_ms, core.wholeSeconds(3000 + 20_000 + 200_000));
  assert.equal(out.break_ms, 700_000);
  assert.equal(out.time_on_task_ms, out.active_ms + out.idle_ms);
  assert.deepEqual(out.pauses, { s2_15: 1, s15_180: 1, s180_600: 1, s600_plus: 1 });
  assert.equal(out.keystrokes, 7);
  assert.equal(out.insertions, 7);
});

test("bin edges: 2 s, 15 s, 3 min and 10 min open the next bin", () => {
  const s = core.createState(0);
  let t = 0;
  const gaps = [1999, 2000, 14_999, 15_000, 179_999, 180_000, 599_999, 600_000];
  typeAt(s, [t]);
  for (const g of gaps) {
    t += g;
    typeAt(s, [t]);
  }
  const out = core.summarize(s, t, meta);
  assert.deepEqual(out.pauses, { s2_15: 2, s15_180: 2, s180_600: 2, s600_plus: 1 });
  assert.equal(out.active_ms, core.wholeSeconds(1999));
});

test("hidden time is left out of every gap and summed on its own", () => {
  const s = core.createState(0);
  typeAt(s, [1000]);
  core.setHidden(s, 1500, true);
  core.setHidden(s, 61_500, false); // 60 s away
  typeAt(s, [62_000]); // the gap is 1 s of visible time: active
  const out = core.summarize(s, 62_000, meta);
  assert.equal(out.hidden_ms, 60_000);
  assert.equal(out.idle_ms, 0);
  assert.equal(out.pauses.s15_180, 0);
  assert.equal(out.time_on_task_ms, 2000);
  // Still hidden at the end: counted up to now.
  core.setHidden(s, 63_000, true);
  assert.equal(core.summarize(s, 73_000, meta).hidden_ms, 70_000);
});

test("edits: typing, deleting, cutting, pasting and undoing count what they should", () => {
  const s = core.createState(0);
  core.recordEdit(s, 10, "type", 1, 0);
  core.recordEdit(s, 20, "type", 1, 3); // typed over a selection
  core.recordEdit(s, 30, "delete", 0, 1);
  core.recordEdit(s, 40, "cut", 0, 5);
  core.recordEdit(s, 50, "paste", 12, 0);
  core.recordEdit(s, 60, "paste", 0, 0); // empty clipboard
  core.recordEdit(s, 70, "undo", 4, 0);
  core.recordEdit(s, 80, "other", 9, 9);
  const out = core.summarize(s, 80, { ...meta, endedBy: "submit", attemptToken: "t" });
  assert.equal(out.keystrokes, 3);
  assert.equal(out.insertions, 2);
  assert.equal(out.deletions, 9);
  assert.equal(out.pastes, 1);
  assert.equal(out.pasted_chars, 12);
  assert.equal(out.undo_count, 1);
  assert.equal(out.correction_rate, 4.5);
  assert.equal(out.submissions, 1);
  assert.equal(out.runs, 0);
  assert.equal(out.attempt_token, "t");
});

test("a run ends a summary as a run, not a submission", () => {
  const out = core.summarize(core.createState(0), 5000, { ...meta, endedBy: "submit", run: true });
  assert.equal(out.runs, 1);
  assert.equal(out.submissions, 0);
  assert.equal(out.ended_by, "submit");
});

test("coarsening: whole seconds, whole cpm, two decimals", () => {
  assert.equal(core.wholeSeconds(1499), 1000);
  assert.equal(core.wholeSeconds(1500), 2000);
  assert.equal(core.wholeSeconds(-5), 0);
  assert.equal(core.wholeSeconds(1e12), core.MAX_MS);
  assert.equal(core.typingSpeed(30, 11_600), 155);
  assert.equal(core.typingSpeed(0, 5000), 0);
  assert.equal(core.typingSpeed(5, 0), 0);
  assert.equal(core.typingSpeed(500, 1000), core.MAX_CPM);
  assert.equal(core.correctionRate(1, 3), 0.33);
  assert.equal(core.correctionRate(2, 0), 2);
  assert.equal(core.correctionRate(10 ** 9, 1), core.MAX_RATE);
});

test("hints count once each, only for indexes 0–9", () => {
  const s = core.createState(0);
  for (const i of [0, 0, 2, 9, 10, -1, 1.5]) core.hintUsed(s, i);
  core.hintShown(s, 1);
  const out = core.summarize(s, 0, meta);
  assert.equal(out.hints_used, 3);
  assert.equal(out.hints_shown, 1);
});

test("summarize does not change the state", () => {
  const s = core.createState(0);
  typeAt(s, [100, 200]);
  const copy = JSON.stringify(s);
  core.summarize(s, 50_000, meta);
  assert.equal(JSON.stringify(s), copy);
});

test("memory is constant: the state has the same size after a million edits", () => {
  const s = core.createState(0);
  const size = JSON.stringify(s).length;
  for (let i = 1; i <= 1_000_000; i += 1) core.recordEdit(s, i * 37, "type", 1, 0);
  const grown = JSON.stringify(s).length;
  assert.ok(grown - size < 40, `state grew from ${size} to ${grown} characters`);
  assert.equal(core.summarize(s, 37e6, meta).keystrokes, core.MAX_COUNT);
});

test("classifyInput reads inputType and numbers only", () => {
  const c = core.classifyInput;
  assert.deepEqual(c("insertText", 4, 5, 1), { kind: "type", inserted: 1, deleted: 0 });
  assert.deepEqual(c("insertText", 10, 7, 1), { kind: "type", inserted: 1, deleted: 4 }); // over a selection
  assert.deepEqual(c("insertText", 4, 5, null), { kind: "type", inserted: 1, deleted: 0 });
  assert.deepEqual(c("insertLineBreak", 6, 4, null), { kind: "type", inserted: 1, deleted: 3 });
  assert.deepEqual(c("deleteContentBackward", 5, 4, null), { kind: "delete", inserted: 0, deleted: 1 });
  assert.deepEqual(c("deleteWordBackward", 9, 4, null), { kind: "delete", inserted: 0, deleted: 5 });
  assert.deepEqual(c("deleteByCut", 9, 6, null), { kind: "cut", inserted: 0, deleted: 3 });
  assert.deepEqual(c("insertFromPaste", 2, 14, 12), { kind: "paste", inserted: 12, deleted: 0 });
  assert.deepEqual(c("insertFromPaste", 9, 14, 12), { kind: "paste", inserted: 12, deleted: 7 });
  assert.deepEqual(c("insertFromPaste", 2, 14, null), { kind: "paste", inserted: 12, deleted: 0 });
  assert.deepEqual(c("historyUndo", 5, 1, null), { kind: "undo", inserted: 0, deleted: 0 });
  assert.deepEqual(c("insertFromDrop", 5, 9, 4), { kind: "other", inserted: 0, deleted: 0 });
  assert.deepEqual(c(undefined, 5, 9, null), { kind: "other", inserted: 0, deleted: 0 });
});

test("editor events are trusted for counts only", () => {
  assert.deepEqual(core.editorEdit({ kind: "paste", inserted: 40, deleted: 2 }), { kind: "paste", inserted: 40, deleted: 2 });
  assert.deepEqual(core.editorEdit({ kind: "keylog", inserted: -3, deleted: "x" }), { kind: "other", inserted: 0, deleted: 0 });
  assert.deepEqual(core.editorEdit(null), { kind: "other", inserted: 0, deleted: 0 });
});
