/*
 * The chat's language: which one the page opens in, and the 中文 / English switch.
 *
 * The page's config carries every language's wording (bot/web/patient.py: `languages`), so a
 * switch changes the page in place. The language it opens in, first that applies:
 * 1. the one the patient chose earlier in this browser (kept in this origin's localStorage,
 *    so a reload or the widget on another visit keeps it);
 * 2. the one the URL asked for (`?lang=zh`: the widget tag's `data-lang`);
 * 3. the first of the browser's languages (navigator.languages) the chat has (`zh*` → zh);
 * 4. the server's choice from Accept-Language.
 *
 * window.SarcomaChatLanguage: choose(config), remember(code), switcher(config, current, pick).
 */
(function () {
  "use strict";

  var KEY = "sarcoma-chat:language";

  function known(config, code) {
    return typeof code === "string" &&
      Object.prototype.hasOwnProperty.call(config.languages || {}, code);
  }

  function storage() {
    return window.SarcomaChatSession.store("localStorage");
  }

  /** The browser's first language the chat has ("zh-CN", "zh-TW", "zh" → "zh"), or null. */
  function fromBrowser(config) {
    var wanted = navigator.languages && navigator.languages.length
      ? navigator.languages : [navigator.language || ""];
    for (var i = 0; i < wanted.length; i++) {
      var primary = String(wanted[i] || "").toLowerCase().split("-")[0];
      if (known(config, primary)) return primary;
    }
    return null;
  }

  function choose(config) {
    var stored = storage().get(KEY);
    if (known(config, stored)) return stored;
    if (config.languageAsked && known(config, config.language)) return config.language;
    return fromBrowser(config) || (known(config, config.language) ? config.language : "en");
  }

  function remember(code) {
    storage().set(KEY, code);
  }

  /** The switch: one button per language, named in its own language, the current one
   *  pressed. `pick(code)` is called when another one is pressed. */
  function switcher(config, current, pick) {
    var group = document.createElement("div");
    group.className = "sc-lang";
    group.setAttribute("role", "group");
    var buttons = {};
    var order = (config.switchOrder || Object.keys(config.languages)).filter(function (code) {
      return known(config, code);
    });
    order.forEach(function (code) {
      var language = config.languages[code];
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sc-lang-option";
      button.lang = language.htmlLang;
      button.textContent = language.name;
      button.setAttribute("data-lang", code);
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-pressed") !== "true") pick(code);
      });
      buttons[code] = button;
      group.appendChild(button);
    });

    function show(code) {
      group.setAttribute("aria-label", config.languages[code].text.language_label || "Language");
      Object.keys(buttons).forEach(function (other) {
        buttons[other].setAttribute("aria-pressed", String(other === code));
      });
    }
    show(current);
    return { node: group, show: show };
  }

  window.SarcomaChatLanguage = { choose: choose, remember: remember, switcher: switcher };
})();
