// The outbox: summaries only, kept until acknowledged, resent with backoff, split on errors.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OUTBOX_PREFIX, clearAllOutboxes, createOutbox } from "../lib/outbox.js";

function memoryStorage() {
  const items = new Map();
  return {
    get length() { return items.size; },
    key: (i) => [...items.keys()][i] ?? null,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
    items,
  };
}

function harness(respond, extra = {}) {
  const storage = memoryStorage();
  const sent = [];
  const timers = [];
  const outbox = createOutbox({
    storage,
    key: "k",
    send: async (summaries, opts) => {
      sent.push({ ids: summaries.map((s) => s.client_id), opts, summaries });
      return respond(summaries, sent.length);
    },
    schedule: (fn, ms) => timers.push({ fn, ms }),
    wallClock: () => 1_000_000_000,
    random: () => 0.5,
    ...extra,
  });
  return { outbox, storage, sent, timers };
}

const s = (id, extra = {}) => ({ client_id: id, attempt_token: null, ...extra });

test("an acknowledged summary leaves the outbox; storage holds nothing else", async () => {
  const { outbox, storage, sent } = harness(() => ({ status: 201 }));
  outbox.put(s("a"));
  const stored = JSON.parse(storage.getItem(`${OUTBOX_PREFIX}k`));
  assert.deepEqual(Object.keys(stored[0]).sort(), ["n", "q", "s"]);
  assert.equal(stored[0].q % 60_000, 0); // queued time kept to the minute only
  await outbox.flush();
  assert.deepEqual(sent[0].ids, ["a"]);
  assert.equal(storage.getItem(`${OUTBOX_PREFIX}k`), null);
});

test("offline: nothing is sent, the summary waits; back online it goes exactly once", async () => {
  let online = false;
  const { outbox, sent } = harness(() => ({ status: 201 }), { isOnline: () => online });
  outbox.put(s("a"));
  await outbox.flush();
  assert.equal(sent.length, 0);
  online = true;
  await outbox.flush();
  await outbox.flush();
  assert.equal(sent.length, 1);
});

test("network errors and 5xx back off exponentially and keep the summary", async () => {
  let fail = true;
  const { outbox, sent, timers } = harness(() => {
    if (fail) throw new TypeError("Failed to fetch");
    return { status: 201 };
  });
  outbox.put(s("a"));
  await outbox.flush();
  assert.equal(timers.length, 1);
  assert.equal(timers[0].ms, 2000);
  timers.shift().fn();
  await new Promise((r) => setImmediate(r));
  assert.equal(timers[0].ms, 4000);
  fail = false;
  timers.shift().fn();
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 3);
  assert.deepEqual(outbox.pending(), []);
});

test("429 waits for Retry-After", async () => {
  const { outbox, timers } = harness(() => ({ status: 429, retryAfter: 30 }));
  outbox.put(s("a"));
  await outbox.flush();
  assert.equal(timers[0].ms, 30_000);
  assert.equal(outbox.pending().length, 1);
});

test("403 (consent withdrawn) empties the outbox and stops", async () => {
  const { outbox, storage, sent } = harness(() => ({ status: 403 }));
  outbox.put(s("a"));
  outbox.put(s("b"));
  await outbox.flush();
  assert.equal(storage.items.size, 0);
  outbox.put(s("c"));
  await outbox.flush();
  assert.equal(sent.length, 1);
  assert.equal(storage.items.size, 0);
});

test("a refused batch is split so one bad summary does not hold back the others", async () => {
  const { outbox, sent } = harness((summaries) => {
    if (summaries.some((x) => x.client_id === "bad")) return { status: 422 };
    return { status: 201 };
  });
  outbox.put(s("a"));
  outbox.put(s("bad"));
  outbox.put(s("c"));
  await outbox.flush();
  assert.deepEqual(sent.map((x) => x.ids), [["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
  assert.deepEqual(outbox.pending(), []); // the 422 one is dropped: it can never succeed
});

test("404 keeps a submit summary, and after three tries keeps it without its attempt", async () => {
  const { outbox, sent, timers } = harness((summaries) =>
    summaries[0].attempt_token ? { status: 404 } : { status: 201 },
  );
  outbox.put(s("a", { attempt_token: "t" }));
  for (let i = 0; i < 3; i += 1) {
    if (i) timers.shift().fn();
    await outbox.flush();
  }
  assert.equal(outbox.pending()[0].attempt_token, null);
  await outbox.flush();
  assert.equal(sent.at(-1).summaries[0].attempt_token, null);
  assert.deepEqual(outbox.pending(), []);
});

test("the outbox is bounded and old entries expire", async () => {
  let clock = 1_000_000_000;
  const { outbox } = harness(() => ({ status: 500 }), {
    maxEntries: 3,
    wallClock: () => clock,
  });
  for (const id of ["a", "b", "c", "d"]) outbox.put(s(id));
  assert.deepEqual(outbox.pending().map((x) => x.client_id), ["b", "c", "d"]);
  clock += 8 * 86_400_000;
  await outbox.flush();
  assert.deepEqual(outbox.pending(), []);
});

test("two tabs share one outbox without losing each other's entries", async () => {
  const storage = memoryStorage();
  const make = () => createOutbox({ storage, key: "k", send: async () => ({ status: 201 }), schedule: () => {} });
  const tab1 = make();
  const tab2 = make();
  tab1.put(s("a"));
  const flushing = tab1.flush();
  tab2.put(s("b")); // written while tab 1's request is in flight
  await flushing;
  assert.deepEqual(tab2.pending().map((x) => x.client_id), ["b"]);
});

test("keepalive flushes carry the flag; batches stay under 50 summaries", async () => {
  const { outbox, sent } = harness(() => ({ status: 201 }), { maxEntries: 200 });
  for (let i = 0; i < 120; i += 1) outbox.put(s(`id-${i}`));
  await outbox.flush({ keepalive: true });
  assert.deepEqual(sent.map((x) => x.ids.length), [50, 50, 20]);
  assert.ok(sent.every((x) => x.opts.keepalive));
});

test("clearAllOutboxes removes only the collector's keys", () => {
  const storage = memoryStorage();
  storage.setItem(`${OUTBOX_PREFIX}x`, "[]");
  storage.setItem("unrelated", "1");
  clearAllOutboxes(storage);
  assert.deepEqual([...storage.items.keys()], ["unrelated"]);
});

test("a summary already being sent is not sent again by a second flush", async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const { outbox, sent } = harness(async () => { await gate; return { status: 201 }; });
  outbox.put(s("a"));
  const first = outbox.flush();
  await outbox.flush({ keepalive: true }); // the page is hidden while the upload is running
  assert.equal(sent.length, 1);
  release();
  await first;
  assert.deepEqual(outbox.pending(), []);
});
