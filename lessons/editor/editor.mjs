// The exercises' code editor: CodeMirror 6 with Python, bundled by esbuild
// into build/static/lessons/editor.js (the Makefile's `editor` target).
//
// Tab indents, as in any code editor. To leave the editor by keyboard,
// press Escape, then Tab (CodeMirror's own escape hatch; Ctrl-M turns Tab
// focus mode on for good). The page says so beside every editor.
//
// Colours: the highlighter gives tokens Pygments' class names, inside a
// `.highlight` element, so the site's pygments.css colours the editor
// exactly as the lessons' code blocks, in both themes.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { tagHighlighter, tags } from "@lezer/highlight";

const pygmentsClasses = tagHighlighter([
  { tag: tags.keyword, class: "k" },
  { tag: [tags.bool, tags.null, tags.self], class: "kc" },
  { tag: tags.operatorKeyword, class: "ow" },
  { tag: [tags.string, tags.special(tags.string)], class: "s" },
  { tag: tags.number, class: "m" },
  { tag: tags.comment, class: "c1" },
  { tag: tags.function(tags.definition(tags.variableName)), class: "nf" },
  { tag: tags.definition(tags.className), class: "nc" },
  { tag: tags.meta, class: "nd" },
  { tag: tags.standard(tags.variableName), class: "nb" },
  { tag: tags.propertyName, class: "na" },
]);

// Line numbers, the active line and the selection in the site's colours.
const siteLook = EditorView.theme({
  "&": { backgroundColor: "var(--bg-code)", color: "var(--fg)", fontSize: "0.9rem" },
  ".cm-content": { fontFamily: "var(--font-mono)", caretColor: "var(--fg)" },
  ".cm-gutters": {
    backgroundColor: "var(--bg-soft)",
    color: "var(--fg-muted)",
    borderRight: "1px solid var(--border)",
  },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--mark)" },
  "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "2px" },
  ".cm-line.exercise-error-line": { backgroundColor: "var(--warn-bg)" },
});

/**
 * An editor in `parent` holding `doc`; `label` names it for assistive
 * technology, `describedBy` is the id of the text that says how to leave
 * it; `onChange(text)` runs after every change.
 */
export function createEditor({ parent, doc, label, describedBy, onChange }) {
  const view = new EditorView({
    parent,
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
        syntaxHighlighting(pygmentsClasses),
        siteLook,
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({
          "aria-label": label,
          ...(describedBy ? { "aria-describedby": describedBy } : {}),
        }),
        EditorView.editorAttributes.of({ class: "highlight" }),
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
    /** Put the cursor at the start of line `number` (1-based) and focus it. */
    goToLine(number) {
      const line = view.state.doc.line(Math.min(Math.max(number, 1), view.state.doc.lines));
      view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
      view.focus();
    },
    focus() {
      view.focus();
    },
  };
}
