// The interaction collector (PRODUCT.md §4): summarises how the learner works on this
// exercise's answer fields, in this page, and sends only that summary.
//
// The server renders this script only for a learner whose consent and organisation allow
// signals; without it nothing here runs and nothing is stored in the browser.
//
// What it never does: it listens to no key event at all (keydown/keyup/keypress), reads no
// typed text, no clipboard, no pointer position. Edits are classified from `inputType`, the
// field's length and the number of characters an edit inserted (the length of the event's
// data, never its content); the code editor reports counts only. The numbers live in a fixed-size state
// (lib/collector-core.js) and are coarsened before they leave.

import * as core from "./lib/collector-core.js";
import { createOutbox } from "./lib/outbox.js";
import { DEFAULT_RULES, MESSAGES, nextHint, stuckReason } from "./lib/stuck.js";

const now = () => performance.now();

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function browserStorage() {
  try {
    const probe = "candor.signals.probe";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch (_error) {
    const items = new Map(); // storage blocked: keep the queue for this page only
    return {
      get length() { return items.size; },
      key: (i) => [...items.keys()][i] ?? null,
      getItem: (k) => (items.has(k) ? items.get(k) : null),
      setItem: (k, v) => items.set(k, String(v)),
      removeItem: (k) => items.delete(k),
    };
  }
}

function sender(endpoint, csrf) {
  return async (summaries, { keepalive }) => {
    const response = await fetch(endpoint, {
      method: "POST",
      keepalive,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify({ summaries }),
    });
    return { status: response.status, retryAfter: Number(response.headers.get("Retry-After")) || 0 };
  };
}

const TEXT_FIELD = "textarea, input:not([type]), input[type=text], input[type=search], input[type=url], input[type=email], input[type=number]";
const CHOICE_FIELD = "input[type=radio], input[type=checkbox], select";

function attach(config, outbox, article, form) {
  const d = config.dataset;
  const exerciseId = Number(article.dataset.exerciseId);
  const context = { passed: d.passed === "1", failedSubmissions: Number(d.failed) || 0 };
  const rules = { ...DEFAULT_RULES, idleMs: Number(d.idleHintMs) || DEFAULT_RULES.idleMs };
  let state = core.createState(now());
  let clientId = uuid4();
  let finished = false;
  if (document.visibilityState === "hidden") core.setHidden(state, now(), true);

  const belongs = (el) => el instanceof Element && (el.form === form || form.contains(el));
  // What each element is, decided once: this runs for every keystroke, so no selector
  // matching or tree walking after the first event of a field.
  const kinds = new WeakMap();
  const kindOf = (el) => {
    let kind = kinds.get(el);
    if (kind === undefined) {
      kind = "";
      if (belongs(el)) kind = el.matches(TEXT_FIELD) ? "text" : el.matches(CHOICE_FIELD) ? "choice" : "";
      kinds.set(el, kind);
    }
    return kind;
  };
  const editors = new WeakSet(); // textareas driven by the code editor: it reports for them
  const lengths = new WeakMap(); // each field's current length (a number per field)

  for (const el of form.querySelectorAll(TEXT_FIELD)) lengths.set(el, el.value.length);

  // One listener, on "input" only: the field's length and the event's own count of inserted
  // characters say what changed, so nothing needs remembering between events.
  document.addEventListener("input", (event) => {
    const el = event.target;
    if (finished || kindOf(el) !== "text" || editors.has(el)) return;
    const after = el.value.length;
    const prior = lengths.get(el) ?? after;
    lengths.set(el, after);
    const data = event.data;
    if (event.inputType === "insertText") {
      // How many characters the keystroke inserted — never which; anything else the field
      // lost was a selection typed over.
      const inserted = data ? data.length : Math.max(0, after - prior);
      core.recordEdit(state, now(), "type", inserted, Math.max(0, prior + inserted - after));
      return;
    }
    const edit = core.classifyInput(event.inputType, prior, after, data ? data.length : null);
    core.recordEdit(state, now(), edit.kind, edit.inserted, edit.deleted);
    if (edit.deleted) check(); // heavy correction is the one rule an edit can trigger
  }, true);
  document.addEventListener("candor:editor-input", (event) => {
    const el = event.target;
    if (finished || !(el instanceof Element) || !article.contains(el)) return;
    editors.add(el);
    const edit = core.editorEdit(event.detail);
    core.recordEdit(state, now(), edit.kind, edit.inserted, edit.deleted);
    if (edit.deleted) check();
  }, true);
  document.addEventListener("change", (event) => {
    if (!finished && kindOf(event.target) === "choice") core.recordActivity(state, now());
  }, true);
  document.addEventListener("toggle", (event) => {
    const el = event.target;
    if (el instanceof HTMLDetailsElement && el.open && el.matches("details.hint") && article.contains(el)) {
      core.hintUsed(state, Number(el.dataset.hintIndex));
    }
  }, true);
  window.addEventListener("blur", () => {
    const active = document.activeElement;
    if (active && active !== document.body && article.contains(active)
        && (belongs(active) || active.isContentEditable)) {
      core.focusLost(state);
    }
  });
  document.addEventListener("visibilitychange", () => {
    core.setHidden(state, now(), document.visibilityState === "hidden");
    if (document.visibilityState === "hidden") outbox.flush({ keepalive: true });
  });

  const finish = (endedBy, attemptToken, run) => {
    if (finished) return;
    finished = true;
    outbox.put(core.summarize(state, now(), { clientId, exerciseId, attemptToken, endedBy, run }));
  };
  // Registered on document after app.js's handler, so a submit it cancelled (a double click)
  // is seen as cancelled here too.
  document.addEventListener("submit", (event) => {
    if (event.target !== form || event.defaultPrevented) return;
    const submitter = event.submitter;
    const mode = submitter && submitter.name === "mode" ? submitter.value : (form.elements.mode?.value ?? "");
    const token = form.elements.token ? form.elements.token.value : null;
    finish("submit", token, mode === "run");
  });
  // A submitted summary waits in the outbox until this page is left, i.e. until the server has
  // answered the form: by then the attempt it names exists (no 404 round trip), and the
  // upload does not compete with the form post for the database. Leaving sends it with
  // keepalive; if that fails, the next exercise page sends it.
  window.addEventListener("pagehide", () => {
    finish("hide", null, false);
    outbox.flush({ keepalive: true });
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    // Back from the back-forward cache: the old summary was sent; this is a new visit.
    state = core.createState(now());
    clientId = uuid4();
    finished = false;
  });

  // Help when stuck: checked on the device, shown only here.
  const offered = new Set();
  let dismissed = false;
  function check() {
    if (finished || dismissed) return;
    const reason = stuckReason(state, now(), context, rules);
    if (!reason || offered.has(reason)) return;
    const hints = [...article.querySelectorAll("details.hint[data-hint-index]")];
    const index = nextHint(hints.map((h) => h.open));
    if (index === null) return;
    offered.add(reason);
    offer(hints[index], reason);
  }
  function offer(hint, reason) {
    const index = Number(hint.dataset.hintIndex);
    article.querySelector(".signals-offer")?.remove();
    const box = document.createElement("aside");
    box.className = "signals-offer";
    box.setAttribute("role", "status");
    const text = document.createElement("p");
    const lead = document.createElement("strong");
    lead.textContent = MESSAGES[reason];
    text.append(lead, ` Hint ${index + 1} might help.`);
    const note = document.createElement("p");
    note.className = "signals-offer-note";
    note.textContent = "Only you see this suggestion; your browser decided to show it.";
    const show = document.createElement("button");
    show.type = "button";
    show.className = "button primary";
    show.textContent = `Show hint ${index + 1}`;
    const later = document.createElement("button");
    later.type = "button";
    later.className = "button";
    later.textContent = "Not now";
    const actions = document.createElement("p");
    actions.className = "signals-offer-actions";
    actions.append(show, " ", later);
    box.append(text, actions, note);
    show.addEventListener("click", () => {
      hint.open = true;
      box.remove();
      hint.querySelector("summary")?.focus();
    });
    later.addEventListener("click", () => {
      dismissed = true;
      box.remove();
    });
    (hint.closest("section.hints") ?? hint.parentElement).before(box);
    core.hintShown(state, index);
  }
  setInterval(check, 5_000);
  check();
}

function start(config) {
  const d = config.dataset;
  const outbox = createOutbox({
    storage: browserStorage(),
    key: d.outboxKey || "default",
    send: sender(d.endpoint, d.csrf),
    isOnline: () => navigator.onLine !== false,
    baseDelayMs: Number(d.retryBaseMs) || 2_000,
  });
  window.addEventListener("online", () => outbox.flush());
  // While a code answer is being graded the page reloads itself when done; sending then gives
  // the server the graded attempt to compute its indicators from. Leaving sends at once.
  // Otherwise wait a moment: the previous page's keepalive upload may still be on its way, and
  // sending the same summary twice at once only makes the server compare it with itself.
  const grading = document.querySelector("[data-poll-url]") !== null;
  setTimeout(() => outbox.flush(), grading ? 30_000 : 1_000);
  const article = document.querySelector("article.exercise[data-exercise-id]");
  const form = document.getElementById("answer-form");
  if (article && form) attach(config, outbox, article, form);
}

const config = document.getElementById("signals-config");
if (config) start(config);
