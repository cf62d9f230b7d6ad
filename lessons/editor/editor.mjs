// The exercises' code editor: CodeMirror 6 with Python, bundled by esbuild
// into build/static/lessons/editor.js (the Makefile's `editor` target).
//
// Tab indents, as in any code editor. To leave the editor by keyboard,
// press Escape, then Tab (CodeMirror's own escape hatch; Ctrl-M turns Tab
// focus mode on for good). The page says so beside every editor.
//
// Why a shadow root: CodeMirror writes its styles into a <style> element,
// which the site's Content-Security-Policy refuses (style-src 'self': no
// inline styles); inside a shadow root it adopts them as a constructed
// stylesheet instead, which the policy allows. The colours are the site's
// code colours (--code-* in site.css, the palette of pygments.css), which
// reach into the shadow root as every custom property does.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  HighlightStyle,
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
import { tags } from "@lezer/highlight";

const siteColours = HighlightStyle.define([
  { tag: [tags.keyword, tags.operatorKeyword], color: "var(--code-keyword)" },
  { tag: [tags.bool, tags.null, tags.self], color: "var(--code-constant)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--code-string)" },
  { tag: tags.number, color: "var(--code-number)" },
  { tag: tags.comment, color: "var(--code-comment)", fontStyle: "var(--code-comment-style)" },
  { tag: tags.function(tags.definition(tags.variableName)), color: "var(--code-function)" },
  { tag: tags.definition(tags.className), color: "var(--code-class)" },
  { tag: tags.meta, color: "var(--code-decorator)" },
  { tag: tags.standard(tags.variableName), color: "var(--code-builtin)" },
]);

// Line numbers, the active line, the selection and focus in the site's colours.
const siteLook = EditorView.theme({
  "&": { backgroundColor: "var(--bg-code)", color: "var(--fg)", fontSize: "0.9rem" },
  ".cm-content": { fontFamily: "var(--font-mono)", caretColor: "var(--fg)" },
  ".cm-cursor": { borderLeftColor: "var(--fg)" },
  ".cm-gutters": {
    backgroundColor: "var(--bg-soft)",
    color: "var(--fg-muted)",
    borderRight: "1px solid var(--border)",
  },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--bg-soft)" },
  "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "-3px" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground": {
    backgroundColor: "var(--mark)",
  },
});

/**
 * An editor at the end of `parent`, holding `doc`. `label` names it for
 * assistive technology and `help` describes it (how to leave it);
 * `onChange(text)` runs after every change.
 */
export function createEditor({ parent, doc, label, help, onChange }) {
  const host = document.createElement("div");
  host.className = "code-editor";
  parent.append(host);
  const shadow = host.attachShadow({ mode: "open" });
  // Described from inside the shadow root: an id outside it cannot be named.
  const description = document.createElement("p");
  description.id = "editor-help";
  description.hidden = true;
  description.textContent = help;
  shadow.append(description);
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        indentUnit.of("    "),
        python(),
        syntaxHighlighting(siteColours),
        siteLook,
        // Long lines wrap and the editor grows with its code: nothing in it
        // scrolls (a scrolling box a keyboard cannot reach), even at 360 px.
        EditorView.lineWrapping,
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": label, "aria-describedby": description.id }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && onChange) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    set text(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    /** Select line `number` (1-based), scroll to it and focus the editor. */
    selectLine(number) {
      const line = view.state.doc.line(Math.min(Math.max(number, 1), view.state.doc.lines));
      view.dispatch({ selection: { anchor: line.from, head: line.to }, scrollIntoView: true });
      view.focus();
    },
    focus() {
      view.focus();
    },
  };
}
