/*
 * Sarcoma study chat: add it to any page with one script tag,
 *   <script src="https://chat-server/widget.js"></script>
 * It adds a button at the bottom right that opens the chat in an iframe served by the chat
 * server (/embed). The conversation, its session and its transcript live only inside that
 * iframe, on the chat server's origin: this page's scripts cannot read them. This script keeps
 * nothing of the conversation and sets no global but a flag against loading twice.
 * data-lang="zh" on the tag opens the chat in Chinese (the patient can still switch).
 * The host page's origin must be in the chat server's ALLOWED_ORIGINS (the iframe refuses
 * other framing pages), and its own Content-Security-Policy, if any, must allow this script,
 * the stylesheet and the frame from the chat server (script-src, style-src, frame-src).
 */
(function () {
  "use strict";
  var config = {{ config|tojson }};
  var script = document.currentScript;
  if (!script || window.__sarcomaChatWidget) return;
  window.__sarcomaChatWidget = true;
  var base = new URL(script.src, window.location.href);
  var chatOrigin = base.origin;
  function asset(path) { return new URL(path, base).href; }

  // The language: the tag's data-lang="zh" (or "en"), passed on to the chat in the iframe;
  // without it the browser's language picks the launcher's words, and the chat decides itself
  // (the browser's language, or the patient's own earlier choice).
  function known(code) {
    return Object.prototype.hasOwnProperty.call(config.languages, code) ? code : null;
  }
  function primary(tag) { return String(tag || "").toLowerCase().split("-")[0]; }
  var asked = known(primary(script.getAttribute("data-lang")));
  var browser = (navigator.languages && navigator.languages.length
    ? navigator.languages : [navigator.language]).map(primary).filter(known)[0];
  var language = asked || browser || "en";
  var text = config.text[language];

  function build() {
    var host = document.createElement("div");
    host.className = "sarcoma-chat-widget";
    host.lang = config.languages[language];
    document.body.appendChild(host);
    // The shadow root keeps the host page's styles off the button and panel; it holds no
    // conversation (that is inside the iframe).
    var shadow = host.attachShadow({ mode: "open" });
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = asset(config.css);
    shadow.appendChild(css);

    var launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "sc-launcher";
    launcher.lang = config.languages[language];
    launcher.textContent = text.open_chat;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "sc-panel");

    var panel = document.createElement("div");
    panel.className = "sc-panel";
    panel.lang = config.languages[language];
    panel.id = "sc-panel";
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", text.title);
    panel.hidden = true;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "sc-close";
    close.textContent = text.close_chat;
    panel.appendChild(close);
    shadow.appendChild(panel);
    shadow.appendChild(launcher);

    var frame = null;
    function open(show) {
      panel.hidden = !show;
      launcher.hidden = show;
      launcher.setAttribute("aria-expanded", String(show));
      if (!show) {
        launcher.focus();
        return;
      }
      if (!frame) {
        frame = document.createElement("iframe");
        frame.className = "sc-frame";
        frame.title = text.title;
        frame.src = asset(config.embed) + (asked ? "?lang=" + encodeURIComponent(asked) : "");
        frame.setAttribute("referrerpolicy", "no-referrer");
        frame.addEventListener("load", focusChat);
        panel.appendChild(frame);
      } else {
        focusChat();
      }
    }
    function focusChat() {
      frame.focus();
      // Only a request: the chat page decides what gets the focus (its input).
      frame.contentWindow.postMessage({ type: "sarcoma-chat:focus" }, chatOrigin);
    }
    launcher.addEventListener("click", function () { open(true); });
    close.addEventListener("click", function () { open(false); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") open(false);
    });
    // Escape pressed inside the iframe: the chat page asks to close (nothing else is sent).
    window.addEventListener("message", function (event) {
      if (!frame || event.source !== frame.contentWindow || event.origin !== chatOrigin) return;
      if (event.data && event.data.type === "sarcoma-chat:close" && !panel.hidden) open(false);
    });
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
