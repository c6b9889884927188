// Help when stuck: the rules are decided on the device from the collector's own state.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createState, recordEdit, setHidden } from "../lib/collector-core.js";
import { DEFAULT_RULES, nextHint, stuckReason } from "../lib/stuck.js";

const fresh = { passed: false, failedSubmissions: 0 };

test("idle without progress, after the first edit", () => {
  const s = createState(0);
  recordEdit(s, 1000, "type", 1, 0);
  assert.equal(stuckReason(s, 1000 + DEFAULT_RULES.idleMs - 1, fresh), null);
  assert.equal(stuckReason(s, 1000 + DEFAULT_RULES.idleMs, fresh), "idle");
});

test("before any edit the learner may be reading: twice as long", () => {
  const s = createState(0);
  assert.equal(stuckReason(s, DEFAULT_RULES.idleMs, fresh), null);
  assert.equal(stuckReason(s, 2 * DEFAULT_RULES.idleMs, fresh), "idle");
});

test("time away from the page is not idleness", () => {
  const s = createState(0);
  recordEdit(s, 0, "type", 1, 0);
  setHidden(s, 1000, true);
  assert.equal(stuckReason(s, 500_000, fresh), null);
  setHidden(s, 500_000, false);
  assert.equal(stuckReason(s, 500_100, fresh), null);
});

test("repeated failures and heavy correction", () => {
  const s = createState(0);
  assert.equal(stuckReason(s, 10, { passed: false, failedSubmissions: 2 }), "failures");
  assert.equal(stuckReason(s, 10, { passed: true, failedSubmissions: 5 }), null);
  recordEdit(s, 10, "type", 30, 0);
  recordEdit(s, 20, "delete", 0, 19);
  assert.equal(stuckReason(s, 30, fresh), null);
  recordEdit(s, 30, "delete", 0, 1);
  assert.equal(stuckReason(s, 40, fresh), "corrections");
});

test("the next hint is the first one not opened yet", () => {
  assert.equal(nextHint([true, false, false]), 1);
  assert.equal(nextHint([true, true]), null);
  assert.equal(nextHint([]), null);
});
