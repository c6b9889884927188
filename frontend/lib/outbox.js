// The collector's outbox: finished summaries — and only summaries — wait in browser storage
// until the server acknowledges them, so a summary survives going offline, a closed tab or a
// server that is down. Retries are safe because the server deduplicates by client_id.
//
// Dependencies are injected (storage, send, timers, clock) so node's test runner can drive it.

export const OUTBOX_PREFIX = "candor.signals.outbox.";
export const BATCH_LIMIT = 50; // ~35 KB: well under the server's 64 KB and keepalive's budget
const DROP = new Set([409, 413, 415, 422]); // can never succeed as sent
const SPLIT = new Set([404, 409, 413, 415, 422]); // find the one bad summary in a batch

// Remove every outbox of this browser (e.g. when consent is withdrawn on this device).
export function clearAllOutboxes(storage) {
  const doomed = [];
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key && key.startsWith(OUTBOX_PREFIX)) doomed.push(key);
  }
  for (const key of doomed) storage.removeItem(key);
}

export function createOutbox({
  storage,
  key,
  send, // (summaries, {keepalive}) → Promise<{status, retryAfter}>; rejects when offline
  schedule = (fn, ms) => setTimeout(fn, ms),
  wallClock = () => Date.now(),
  isOnline = () => true,
  random = Math.random,
  baseDelayMs = 2_000,
  maxDelayMs = 300_000,
  maxEntries = 100,
  maxAgeMs = 7 * 86_400_000,
  downgradeAfter = 3, // 404s before a submit summary is kept without its attempt
}) {
  const storageKey = OUTBOX_PREFIX + key;
  let failures = 0;
  let timer = null;
  let flushing = null;
  let stopped = false;
  const inFlight = new Set(); // client ids being sent now: never send one twice at once

  // Every change re-reads storage first, in one synchronous step, so two tabs of the same
  // learner do not overwrite each other's entries.
  function read() {
    try {
      const parsed = JSON.parse(storage.getItem(storageKey) || "[]");
      return Array.isArray(parsed) ? parsed.filter((e) => e && e.s && e.s.client_id) : [];
    } catch (_error) {
      return [];
    }
  }

  function write(entries) {
    try {
      if (entries.length) storage.setItem(storageKey, JSON.stringify(entries));
      else storage.removeItem(storageKey);
    } catch (_error) {
      // Storage full or blocked: the summary is still sent now, just not kept for later.
    }
  }

  function update(fn) {
    const entries = fn(read());
    write(entries);
    return entries;
  }

  function put(summary) {
    if (stopped) return;
    // The queue time is kept to the minute: enough to expire old entries, nothing more.
    const queuedAt = Math.floor(wallClock() / 60_000) * 60_000;
    update((entries) => {
      const rest = entries.filter((e) => e.s.client_id !== summary.client_id);
      return [...rest, { s: summary, n: 0, q: queuedAt }].slice(-maxEntries);
    });
  }

  function backoff(retryAfterSeconds) {
    failures += 1;
    const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - 1, 20));
    const delay = retryAfterSeconds
      ? Math.max(retryAfterSeconds * 1000, baseDelayMs)
      : exp * (0.75 + random() * 0.5);
    if (timer === null) {
      timer = schedule(() => {
        timer = null;
        flush();
      }, delay);
    }
  }

  function remove(ids) {
    update((entries) => entries.filter((e) => !ids.has(e.s.client_id)));
  }

  function handleSingle(entry, status) {
    const id = entry.s.client_id;
    if (DROP.has(status)) {
      remove(new Set([id]));
      return "dropped";
    }
    // 404: the attempt may not be committed yet (the keepalive upload raced the form post).
    // After a few tries it never will be (the answer was refused): keep the time data as a
    // summary without an attempt rather than lose it. Nothing was stored under this id.
    update((entries) =>
      entries.map((e) => {
        if (e.s.client_id !== id) return e;
        const tries = (e.n || 0) + 1;
        const s = tries >= downgradeAfter && e.s.attempt_token ? { ...e.s, attempt_token: null } : e.s;
        return { ...e, s, n: tries };
      }),
    );
    return "retry";
  }

  async function sendBatch(entries, keepalive) {
    let result;
    const ids = entries.map((e) => e.s.client_id);
    for (const id of ids) inFlight.add(id);
    try {
      result = await send(
        entries.map((e) => e.s),
        { keepalive },
      );
    } catch (_error) {
      return { retry: true };
    } finally {
      for (const id of ids) inFlight.delete(id);
    }
    const { status, retryAfter } = result;
    if (status >= 200 && status < 300) {
      remove(new Set(entries.map((e) => e.s.client_id)));
      return { ok: true };
    }
    if (status === 403) {
      // Consent withdrawn or signals switched off: keep nothing, send nothing more.
      stopped = true;
      write([]);
      return { stop: true };
    }
    if (SPLIT.has(status)) {
      if (entries.length > 1) {
        let retry = false;
        for (const entry of entries) {
          const outcome = await sendBatch([entry], keepalive);
          if (outcome.stop) return outcome;
          retry = retry || Boolean(outcome.retry);
        }
        return { retry };
      }
      return { retry: handleSingle(entries[0], status) === "retry" };
    }
    return { retry: true, retryAfter }; // 401 (signed out), 429, 5xx: later
  }

  async function run(keepalive) {
    const cutoff = wallClock() - maxAgeMs;
    const kept = update((all) => all.filter((e) => (e.q || 0) >= cutoff));
    const entries = kept.filter((e) => !inFlight.has(e.s.client_id));
    if (!entries.length) return;
    let retry = false;
    let retryAfter = 0;
    for (let i = 0; i < entries.length && !stopped; i += BATCH_LIMIT) {
      const outcome = await sendBatch(entries.slice(i, i + BATCH_LIMIT), keepalive);
      if (outcome.retry) {
        retry = true;
        retryAfter = Math.max(retryAfter, Number(outcome.retryAfter) || 0);
        if (keepalive) break; // the page is going away: the next page retries the rest
      }
    }
    if (stopped) return;
    if (retry) backoff(retryAfter);
    else failures = 0;
  }

  // Send what is queued. Offline, wait for the page's "online" event (the caller wires it).
  function flush({ keepalive = false } = {}) {
    if (stopped || !isOnline()) return Promise.resolve();
    if (keepalive) return run(true); // the page is going away: do not wait for a running flush
    if (flushing) return flushing;
    flushing = run(false).finally(() => {
      flushing = null;
    });
    return flushing;
  }

  return {
    put,
    flush,
    pending: () => read().map((e) => e.s),
    entries: read,
    get stopped() {
      return stopped;
    },
  };
}
