/*
 * Sarcoma study chat: add it to any page with one script tag,
 *   <script src="https://this-server/widget.js" data-rasa-url="https://rasa-server"></script>
 * It adds a button at the bottom right that opens the chat. The chat lives in a shadow root,
 * so the host page's styles do not change it. data-rasa-url is optional (default: the server's
 * RASA_PUBLIC_URL); the host page's origin must be in the Rasa server's ALLOWED_ORIGINS.
 */
(function () {
  "use strict";
  var config = {{ config|tojson }};
  var script = document.currentScript;
  if (!script || window.__sarcomaChatWidget) return;
  window.__sarcomaChatWidget = true;
  var base = new URL(script.src, window.location.href);
  if (script.getAttribute("data-rasa-url")) config.rasaUrl = script.getAttribute("data-rasa-url");
  function asset(path) { return new URL(path, base).href; }

  function load(src, ready) {
    var tag = document.createElement("script");
    tag.src = src;
    tag.async = false;
    tag.onload = ready;
    document.head.appendChild(tag);
  }

  function build() {
    var host = document.createElement("div");
    host.className = "sarcoma-chat-widget";
    document.body.appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = asset(config.assets.css);
    shadow.appendChild(css);

    var launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "sc-launcher";
    launcher.textContent = config.text.open_chat;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "sc-panel");

    var panel = document.createElement("div");
    panel.className = "sc-panel";
    panel.id = "sc-panel";
    panel.hidden = true;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "sc-close";
    close.textContent = config.text.close_chat;
    var body = document.createElement("div");
    body.className = "sc-panel-body";
    body.setAttribute("data-heading-level", "2");
    panel.appendChild(close);
    panel.appendChild(body);
    shadow.appendChild(panel);
    shadow.appendChild(launcher);

    var mounted = false;
    function open(show) {
      panel.hidden = !show;
      launcher.hidden = show;
      launcher.setAttribute("aria-expanded", String(show));
      if (show && !mounted) {
        mounted = true;
        withScripts(function () { window.SarcomaChat.mount(body, config); focusInput(); });
      } else if (show) {
        focusInput();
      } else {
        launcher.focus();
      }
    }
    function focusInput() {
      var input = body.querySelector("input");
      if (input) input.focus();
    }
    launcher.addEventListener("click", function () { open(true); });
    close.addEventListener("click", function () { open(false); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") open(false);
    });
  }

  function withScripts(ready) {
    var chat = function () {
      if (window.SarcomaChat) ready();
      else load(asset(config.assets.chat), ready);
    };
    if (window.io) chat();
    else load(asset(config.assets.socketio), chat);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
