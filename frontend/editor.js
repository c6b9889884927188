// The Python code editor: progressive enhancement of every textarea[data-editor="python"].
//
// Without JavaScript the textarea works as is. With it, the textarea is hidden (it still
// carries the code in the normal form post: it is kept in sync on every change) and CodeMirror
// 6 takes its place, with Python highlighting, line numbers and auto-indent.
//
// Keyboard users: Tab indents, so to leave the editor press Escape, then Tab (CodeMirror's
// tab-focus mode, announced in the hint the editor is described by). Ctrl/Cmd+Enter runs the
// visible tests.
//
// Strict CSP: CodeMirror injects its styles in <style> elements, which the CSP allows only
// with the page's nonce; without it the editor is unstyled and typed text comes out wrong.
//
// For the interaction signals, each change is announced on the textarea as a
// "candor:editor-input" event carrying counts and a kind only: never the typed text.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";

const KINDS = [
  // [userEvent prefix, kind the collector knows] — first match wins.
  ["delete.cut", "cut"],
  ["delete", "delete"],
  ["input.paste", "paste"],
  ["input.drop", "paste"],
  ["input.complete", "other"],
  ["input", "type"], // typing, Enter (auto-indent), Tab (indent)
  ["undo", "undo"],
  ["redo", "undo"],
];

function kindOf(transaction, fallback) {
  for (const [event, kind] of KINDS) {
    if (transaction.isUserEvent(event)) return kind;
  }
  return fallback || "other";
}

function nonce() {
  const meta = document.querySelector('meta[name="csp-nonce"]');
  return meta ? meta.content : "";
}

const theme = EditorView.theme({
  "&": {
    border: "1px solid #b8bfcc",
    borderRadius: "8px",
    backgroundColor: "#fff",
    fontSize: "0.95rem",
  },
  "&.cm-focused": { outline: "3px solid #2c5d8a", outlineOffset: "1px" },
  ".cm-scroller": {
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    minHeight: "16em",
    maxHeight: "70vh",
    overflow: "auto",
  },
  ".cm-content": { padding: "0.5rem 0" },
  ".cm-gutters": { backgroundColor: "#f3f4f7", color: "#5c6577", borderRight: "1px solid #d9dde5" },
});

function labelFor(textarea) {
  const label = textarea.id && document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`);
  if (!label) return null;
  if (!label.id) label.id = `${textarea.id}-label`;
  return label;
}

function enhance(textarea) {
  if (textarea.dataset.editorReady) return;
  textarea.dataset.editorReady = "1";
  const form = textarea.form;
  const label = labelFor(textarea);
  const keysHint = document.getElementById(`${textarea.id}-keys`);
  if (keysHint) keysHint.hidden = false;
  const describedBy = [textarea.getAttribute("aria-describedby"), keysHint && keysHint.id]
    .filter(Boolean)
    .join(" ");
  let pendingKind = ""; // from the DOM event that is about to change the document

  const announce = (update) => {
    if (!update.docChanged) return;
    textarea.value = update.state.doc.toString();
    for (const transaction of update.transactions) {
      if (!transaction.docChanged) continue;
      let inserted = 0;
      let deleted = 0;
      transaction.changes.iterChanges((fromA, toA, _fromB, _toB, text) => {
        deleted += toA - fromA;
        inserted += text.length;
      });
      const kind = kindOf(transaction, pendingKind);
      textarea.dispatchEvent(
        new CustomEvent("candor:editor-input", { bubbles: true, detail: { inserted, deleted, kind } }),
      );
    }
    pendingKind = "";
  };

  const runVisibleTests = () => {
    const run = form && form.querySelector("[data-run-button]");
    if (!run) return false;
    textarea.value = view.state.doc.toString();
    form.requestSubmit(run);
    return true;
  };

  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        EditorView.cspNonce.of(nonce()),
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        python(),
        indentUnit.of("    "),
        EditorState.tabSize.of(4),
        keymap.of([
          { key: "Mod-Enter", run: runVisibleTests },
          indentWithTab,
          ...defaultKeymap,
          ...historyKeymap,
        ]),
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.trim() : "Python code",
          ...(label ? { "aria-labelledby": label.id } : {}),
          ...(describedBy ? { "aria-describedby": describedBy } : {}),
          "aria-multiline": "true",
          spellcheck: "false",
          autocapitalize: "off",
          autocorrect: "off",
        }),
        // Observers, not handlers: they see every event, including keys the keymap consumes,
        // and never stop CodeMirror from handling them.
        EditorView.domEventObservers({
          paste: () => { pendingKind = "paste"; },
          drop: () => { pendingKind = "paste"; },
          cut: () => { pendingKind = "cut"; },
        }),
        EditorView.updateListener.of(announce),
        theme,
      ],
    }),
  });
  textarea.after(view.dom);
  textarea.hidden = true;
  if (label) label.addEventListener("click", () => view.focus());
  // A reset of the form (or the browser restoring it) must not leave the two out of step.
  if (form) form.addEventListener("submit", () => { textarea.value = view.state.doc.toString(); });
  return view;
}

for (const textarea of document.querySelectorAll('textarea[data-editor="python"]')) {
  enhance(textarea);
}
