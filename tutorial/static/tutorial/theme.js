// Loaded in <head>, before the first paint: picks the theme so the page never
// flashes the wrong one. A choice saved by the toggle wins; otherwise the
// system preference decides (and keeps deciding: see site.js).
(function () {
  var saved = null;
  try {
    saved = window.localStorage.getItem("theme");
  } catch (error) {
    // Storage can be blocked (private modes, strict settings): follow the system.
  }
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  var theme = saved === "dark" || saved === "light" ? saved : systemDark ? "dark" : "light";
  document.documentElement.dataset.theme = theme;
})();
