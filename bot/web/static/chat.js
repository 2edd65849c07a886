/*
 * Patient chat: the conversation's page, on the website's socket.io channel.
 *
 * - The session (server-issued id and proof, idle expiry, 'End chat', refusals) is kept by
 *   session.js; this file shows the conversation. The messages so far are kept in
 *   sessionStorage (this tab), keyed by the session id, and shown again after a reload.
 * - Bot messages arrive as `bot_uttered`: {text, quick_replies:[{title, payload}]}, or the
 *   `screening_result` custom message ({type, trials}, possibly under `custom`), shown as cards
 *   in place of the plain-text cards that precede it.
 * - The page's words come in every language (config.languages); language.js picks one and
 *   draws the 中文 / English switch. Every message sent carries {language} as its metadata.
 * - Every text is put in the page with textContent or createTextNode, never as markup.
 * - Storage is always the chat's own origin: on another site the chat runs in the widget's
 *   iframe (templates/patient/widget.js), never in the host page.
 *
 * window.SarcomaChat.mount(element, config) builds the chat in `element`; the chat page and the
 * widget's page (/embed) mount themselves on [data-sarcoma-chat].
 */
(function () {
  "use strict";

  var STORAGE_PREFIX = "sarcoma-chat";
  var QUIET_MS = 150; // messages of one reply arrive together; render them as one batch
  var NO_REPLY_MS = 30000;
  var MAX_TRANSCRIPT = 300;
  var MAX_MESSAGE = 1000;
  var IDLE_CHECK_MS = 60000;
  var RESULT_TYPE = "screening_result";
  var counter = 0;

  // --- small helpers -------------------------------------------------------------------

  var cards = window.SarcomaChatCards;
  var el = cards.el;
  var externalLink = cards.externalLink;

  /** A bot_uttered payload as {text, buttons} or {result}, or null when not shown. */
  function normalize(data) {
    if (!data || typeof data !== "object") return null;
    var custom = data.custom && typeof data.custom === "object" ? data.custom : data;
    if (custom.type === RESULT_TYPE && Array.isArray(custom.trials)) return { result: custom };
    if (typeof data.text !== "string") return null;
    var raw = data.quick_replies || data.buttons || [];
    var buttons = [];
    if (Array.isArray(raw)) {
      raw.forEach(function (b) {
        if (b && typeof b.title === "string") {
          buttons.push({ title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title });
        }
      });
    }
    return { text: data.text, buttons: buttons };
  }

  function isCardFor(message, trials) {
    if (!message || typeof message.text !== "string") return false;
    var firstLine = message.text.split("\n", 1)[0];
    return trials.some(function (t) { return firstLine.slice(-(t.nct_id.length + 2)) === "(" + t.nct_id + ")"; });
  }

  // http(s) links in bot text become links; everything else stays text.
  var URL_RE = /https?:\/\/[^\s<>"']+/g;

  function appendLinkified(parent, text) {
    var last = 0;
    text.replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?)]+$/, "");
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      parent.appendChild(externalLink(url, url));
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }


  // --- the widget ------------------------------------------------------------------------

  function mount(container, config) {
    config = config || {};
    var languages = config.languages || {};
    var languageOf = window.SarcomaChatLanguage;
    var language = languageOf.choose(config);
    var text = (languages[language] || config).text || {};
    var labels = (languages[language] || config).labels || {};
    var n = ++counter;
    var tab = window.SarcomaChatSession.store("sessionStorage");
    var headingLevel = Number(container.getAttribute && container.getAttribute("data-heading-level")) || 2;

    // Build the widget.
    var root = el("section", "sc-chat");
    root.setAttribute("aria-labelledby", "sc-" + n + "-title");
    root.setAttribute("data-state", "idle");

    var header = el("header", "sc-header");
    var title = el("h" + Math.min(Math.max(headingLevel, 1), 6), "sc-title", text.title);
    title.id = "sc-" + n + "-title";
    var endChat = el("button", "sc-new", text.end_chat);
    endChat.type = "button";
    endChat.title = text.end_chat_title || "";
    var switcher = languageOf.switcher(config, language, switchTo);
    header.appendChild(title);
    header.appendChild(switcher.node);
    header.appendChild(endChat);

    var notice = el("p", "sc-notice", text.notice);
    notice.setAttribute("role", "note");

    var log = el("div", "sc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", text.log_label || "Conversation");
    log.tabIndex = 0; // a scrolling region must be reachable by keyboard

    var typing = el("div", "sc-typing");
    typing.setAttribute("role", "status");
    var typingLabel = el("span", "sc-vh", "");
    var dots = el("span", "sc-dots");
    dots.setAttribute("aria-hidden", "true");
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    typing.appendChild(dots);
    typing.appendChild(typingLabel);
    typing.hidden = true;

    var status = el("p", "sc-status");
    status.setAttribute("role", "status");

    var form = el("form", "sc-form");
    form.setAttribute("novalidate", "");
    var inputId = "sc-" + n + "-input";
    var label = el("label", "sc-vh", text.input_label);
    label.htmlFor = inputId;
    var input = el("input", "sc-input");
    input.id = inputId;
    input.type = "text";
    input.autocomplete = "off";
    input.maxLength = MAX_MESSAGE;
    input.placeholder = text.placeholder || "";
    input.setAttribute("enterkeyhint", "send");
    var send = el("button", "sc-send", text.send);
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    root.appendChild(header);
    root.appendChild(notice);
    root.appendChild(log);
    root.appendChild(typing);
    root.appendChild(status);
    root.appendChild(form);
    container.appendChild(root);

    // --- the transcript (this tab only) -----------------------------------------------

    function transcriptKey(id) { return STORAGE_PREFIX + ":transcript:" + id; }

    function loadTranscript() {
      if (!session.id()) return [];
      try {
        var entries = JSON.parse(tab.get(transcriptKey(session.id())) || "[]");
        return Array.isArray(entries) ? entries : [];
      } catch (e) {
        return [];
      }
    }

    function saveTranscript() {
      if (!session.id()) return;
      if (transcript.length > MAX_TRANSCRIPT) transcript = transcript.slice(-MAX_TRANSCRIPT);
      tab.set(transcriptKey(session.id()), JSON.stringify(transcript));
      session.touch();
    }

    /** What this page shows and keeps of a conversation that has ended: nothing. */
    function clear(id) {
      if (id) tab.remove(transcriptKey(id));
      transcript = [];
      pending = [];
      clearTimeout(flushTimer);
      setWaiting(false);
    }

    // --- rendering ----------------------------------------------------------------------

    function scrollToEnd() { log.scrollTop = log.scrollHeight; }

    function removeChoices() {
      var groups = log.querySelectorAll(".sc-replies");
      Array.prototype.forEach.call(groups, function (g) { g.parentNode.removeChild(g); });
    }

    function messageElement(who, className) {
      var item = el("div", "sc-msg " + className);
      item.appendChild(el("span", "sc-vh", who === "bot" ? text.bot_said : text.you_said));
      return item;
    }

    function renderUser(said) {
      var item = messageElement("user", "sc-msg--user");
      item.appendChild(el("div", "sc-text", said));
      log.appendChild(item);
    }

    function renderBot(message, withChoices) {
      if (message.result) {
        renderResult(message.result);
        return;
      }
      var item = messageElement("bot", "sc-msg--bot");
      var body = el("div", "sc-text");
      appendLinkified(body, message.text);
      item.appendChild(body);
      if (withChoices && message.buttons && message.buttons.length) {
        var group = el("div", "sc-replies");
        group.setAttribute("role", "group");
        group.setAttribute("aria-label", text.choices_label || "Answer choices");
        message.buttons.forEach(function (b) {
          var button = el("button", "sc-reply", b.title);
          button.type = "button";
          button.addEventListener("click", function (event) {
            say(b.title, b.payload);
            // The tapped button is gone. From the keyboard (a click with detail 0), go on in the
            // input; after a touch, do not focus it, or a phone would open its keyboard.
            if (event.detail === 0) input.focus();
            else log.focus({ preventScroll: true });
          });
          group.appendChild(button);
        });
        item.appendChild(group);
      }
      log.appendChild(item);
    }

    function renderResult(result) {
      var wrap = el("div", "sc-msg sc-msg--bot sc-result");
      wrap.appendChild(el("span", "sc-vh", text.bot_said));
      // The cards in the language the result was given in (its "language"), else the page's.
      var own = languages[result.language];
      if (own) wrap.lang = own.htmlLang;
      result.trials.forEach(function (trial) {
        wrap.appendChild(cards.card(trial, { labels: own ? own.labels : labels, text: own ? own.text : text,
          headingLevel: headingLevel + 1, idPrefix: "sc-" + n + "-card-" }));
      });
      log.appendChild(wrap);
    }


    function renderAll() {
      while (log.firstChild) log.removeChild(log.firstChild);
      transcript.forEach(function (entry, i) {
        var lastEntry = i === transcript.length - 1;
        if (entry.k === "user") renderUser(entry.text);
        else if (entry.k === "bot") renderBot(entry.m, lastEntry);
      });
    }

    function note(words) {
      var item = el("p", "sc-note", words);
      log.appendChild(item);
      scrollToEnd();
    }

    // --- state: waiting for a reply -------------------------------------------------------

    var noReplyTimer = null;

    function setWaiting(waiting) {
      root.setAttribute("data-state", waiting ? "waiting" : "idle");
      typing.hidden = !waiting;
      typingLabel.textContent = waiting ? (text.typing || "") : "";
      clearTimeout(noReplyTimer);
      if (waiting) {
        noReplyTimer = setTimeout(function () {
          setWaiting(false);
          status.textContent = text.no_reply || "";
        }, NO_REPLY_MS);
      }
    }

    // --- receiving --------------------------------------------------------------------------

    var pending = [];
    var flushTimer = null;

    function receive(data) {
      var message = normalize(data);
      if (!message) return;
      pending.push(message);
      setWaiting(true);
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flush, QUIET_MS);
    }

    function flush() {
      var batch = pending;
      pending = [];
      var result = null;
      batch.forEach(function (m) { if (m.result) result = m.result; });
      if (result) {
        // The result cards replace the plain-text cards of the same reply.
        batch = batch.filter(function (m) { return !isCardFor(m, result.trials); });
        replaceRenderedCards(result.trials);
      }
      if (batch.length) removeChoices();
      batch.forEach(function (m, i) {
        transcript.push({ k: "bot", m: m });
        renderBot(m, i === batch.length - 1);
      });
      saveTranscript();
      status.textContent = "";
      setWaiting(false);
      scrollToEnd();
    }

    function replaceRenderedCards(trials) {
      // Plain-text cards rendered in an earlier batch (a slow network splits a reply).
      var kept = [];
      var dropped = false;
      transcript.forEach(function (entry) {
        if (entry.k === "bot" && isCardFor(entry.m, trials)) dropped = true;
        else kept.push(entry);
      });
      if (dropped) {
        transcript = kept;
        renderAll();
      }
    }

    // --- sending ------------------------------------------------------------------------

    function say(shown, payload) {
      var words = String(shown || "").trim();
      if (!words) return;
      removeChoices();
      renderUser(words);
      transcript.push({ k: "user", text: words });
      saveTranscript();
      setWaiting(true);
      scrollToEnd();
      session.send(String(payload || words).slice(0, MAX_MESSAGE), false, { language: language });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var words = input.value;
      if (!words.trim()) return;
      input.value = "";
      say(words);
    });

    function greet() {
      setWaiting(true);
      session.send(config.initPayload || "/greet", true, { language: language });
    }

    // --- the language ---------------------------------------------------------------------

    /** Show the page's own words in `code` (what is already in the log stays as it was). */
    function showLanguage(code) {
      var chosen = languages[code];
      if (!chosen) return;
      language = code;
      text = chosen.text;
      labels = chosen.labels;
      document.documentElement.lang = chosen.htmlLang;
      document.title = text.title;
      title.textContent = text.title;
      endChat.textContent = text.end_chat;
      endChat.title = text.end_chat_title || "";
      notice.textContent = text.notice;
      log.setAttribute("aria-label", text.log_label || "");
      label.textContent = text.input_label;
      input.placeholder = text.placeholder || "";
      send.textContent = text.send;
      if (!typing.hidden) typingLabel.textContent = text.typing || "";
      Array.prototype.forEach.call(log.querySelectorAll(".sc-replies"), function (group) {
        group.setAttribute("aria-label", text.choices_label || "");
      });
      switcher.show(code);
    }

    /** The switch: the page changes at once, and the switch word ("中文", "English") is sent
     *  so the assistant answers, and asks its open question again, in that language. */
    function switchTo(code) {
      showLanguage(code);
      languageOf.remember(code);
      if (!endChat.disabled) say(languages[code].name);
    }

    // --- the session ----------------------------------------------------------------------

    var session = window.SarcomaChatSession.open(config, {
      ready: function () { status.textContent = ""; },
      offline: function () { status.textContent = text.offline || ""; },
      message: receive,
      replaced: function (oldId) {
        // The stored conversation could not be resumed (expired or ended): a new one.
        clear(oldId);
        renderAll();
        note(text.session_gone || "");
        greet();
      },
      ended: function (oldId) {
        // 'delete my data' in this conversation, or 'End chat' in another tab. The turn's
        // last reply (the deletion's) is shown first.
        clearTimeout(flushTimer);
        if (pending.length) flush();
        clear(oldId);
        note(text.session_ended || "");
      },
      refused: function (oldId, message) {
        // Not stored by the server: start over, keeping what the patient typed.
        clear(oldId);
        renderAll();
        note(text.session_gone || "");
        if (!input.value && message.charAt(0) !== "/") {
          input.value = message;
          note(text.not_sent || "");
        }
        greet();
      },
    });
    if (session.dropped) tab.remove(transcriptKey(session.dropped));
    var transcript = loadTranscript();

    function start(isResumed) {
      if (isResumed) {
        renderAll();
        note(transcript.length ? text.continuing : (text.continuing_no_history || text.continuing));
      } else {
        greet();
      }
      session.start();
    }

    function showEnded() {
      renderAll();
      var box = el("div", "sc-ended");
      box.appendChild(el("p", "sc-note", text.ended || ""));
      var again = el("button", "sc-again", text.start_new || "");
      again.type = "button";
      again.addEventListener("click", function () {
        box.parentNode.removeChild(box);
        endChat.disabled = false;
        start(false);
        input.focus();
      });
      box.appendChild(again);
      log.appendChild(box);
      endChat.disabled = true;
      again.focus();
    }

    endChat.addEventListener("click", function () {
      clear(session.end());
      showEnded();
    });

    function expireIfIdle() {
      if (!session.idle()) return;
      clear(session.end());
      showEnded();
    }
    document.addEventListener("visibilitychange", expireIfIdle);
    setInterval(expireIfIdle, IDLE_CHECK_MS);

    if (config.embedded) embedded(input);
    showLanguage(language);

    status.textContent = text.connecting || "";
    start(session.resumed);
    if (!session.kept) note(text.not_kept || "");

    return {
      root: root,
      receive: receive,
      language: function () { return language; },
    };
  }

  /** In the widget's iframe: Escape asks the host page's widget to close it, and the host
   *  page's widget can ask for the focus. Nothing else crosses: no text, no session. */
  function embedded(input) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && window.parent !== window) {
        window.parent.postMessage({ type: "sarcoma-chat:close" }, "*");
      }
    });
    window.addEventListener("message", function (event) {
      if (event.source === window.parent && event.data && event.data.type === "sarcoma-chat:focus") {
        input.focus();
      }
    });
  }

  // --- auto-mount on the chat page -------------------------------------------------------

  var instances = [];
  window.SarcomaChat = { mount: function (element, config) {
    var chat = mount(element, config);
    instances.push(chat);
    return chat;
  }, instances: instances };

  function autoMount() {
    var source = document.getElementById("sarcoma-chat-config");
    if (!source) return;
    var config = JSON.parse(source.textContent);
    Array.prototype.forEach.call(document.querySelectorAll("[data-sarcoma-chat]"), function (node) {
      window.SarcomaChat.mount(node, config);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount);
  else autoMount();
})();
