/*
 * The host page's spy (tests/browser/host_page.py): what any script of a page embedding the
 * widget could do. window.spy(secrets, patterns) lists where it found any of the strings
 * (case-insensitive) or regular expressions.
 */
window.__heard = [];
window.addEventListener("message", function (e) { window.__heard.push(e.data); }, true);

window.spy = function (secrets, patterns) {
  var found = [];
  var regexps = (patterns || []).map(function (p) { return new RegExp(p); });

  function scan(where, value) {
    var raw = String(value === undefined ? "" : value);
    var text = raw.toLowerCase();
    secrets.forEach(function (s) {
      if (text.indexOf(s.toLowerCase()) >= 0) found.push(where + ": " + s);
    });
    regexps.forEach(function (r) { if (r.test(raw)) found.push(where + ": " + r.source); });
  }

  function dump(store, name) {
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      scan(name, key + "=" + store.getItem(key));
    }
  }

  function attempt(name, read) {
    try {
      read();
      reach.push(name + " READ");
    } catch (e) {
      reach.push(name + " refused");
    }
  }

  dump(window.localStorage, "localStorage");
  dump(window.sessionStorage, "sessionStorage");
  scan("cookies", document.cookie);
  scan("DOM", document.documentElement.outerHTML);
  var frames = Array.prototype.slice.call(document.querySelectorAll("iframe"));
  document.querySelectorAll("*").forEach(function (node) {
    if (!node.shadowRoot) return;
    scan("shadow DOM", node.shadowRoot.innerHTML);
    frames = frames.concat(Array.prototype.slice.call(node.shadowRoot.querySelectorAll("iframe")));
  });

  var reach = [];
  frames.forEach(function (frame) {
    reach.push(frame.contentDocument === null ? "contentDocument null" : "contentDocument READ");
    var inside = frame.contentWindow;
    attempt("document", function () {
      scan("frame document", inside.document.documentElement.outerHTML);
    });
    attempt("storage", function () { dump(inside.localStorage, "frame localStorage"); });
    attempt("globals", function () {
      scan("frame globals", JSON.stringify(inside.SarcomaChat));
    });
  });

  Object.getOwnPropertyNames(window).forEach(function (name) {
    if (name === "spy" || name === "__heard") return;
    try {
      var value = window[name];
      if (typeof value === "string") scan("global " + name, value);
      else if (value && typeof value === "object" && !(value instanceof Node) && value !== window) {
        scan("global " + name, JSON.stringify(value));
      }
    } catch (e) { /* not serialisable */ }
  });
  scan("messages", JSON.stringify(window.__heard));
  performance.getEntries().forEach(function (e) { scan("resource URLs", e.name); });
  return { found: found, frames: reach, heard: window.__heard };
};
