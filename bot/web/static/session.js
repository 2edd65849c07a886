/*
 * The website session, as the chat page keeps it (rasa_extensions/channels/web.py is the
 * server's side; bot/web_session.py says how long a proof lives):
 *
 * - The server issues the session: `session_confirm` brings its id and a signed proof, kept in
 *   this origin's localStorage as {id, proof, lastActive}, so a reload (or a new tab) resumes
 *   the conversation; every message carries both. A new proof arrives at every resume and,
 *   now and then, after a message.
 * - A copy left unused longer than config.idleHours (WEB_SESSION_IDLE_HOURS, default 24) is
 *   dropped, when the page opens (`dropped`) or while it stays open (`idle()`).
 * - end() ('End chat') forgets the session and has the server revoke the id (again after a
 *   reconnect if the socket was down).
 * - Every message may carry metadata (the page's language), sent with it as `metadata`.
 * - When the server refuses the stored session (resume: a new id comes back; a message:
 *   refused as invalid) or ends it ('delete my data', 'End chat' in another tab), the session
 *   is forgotten and the page is told; 'unavailable' (the server could not check it) keeps
 *   everything and asks again after RETRY_MS.
 *
 * window.SarcomaChatSession.open(config, on) returns the session; `on` has the page's
 * callbacks: ready(), message(data), replaced(oldId), ended(oldId), refused(oldId, text),
 * offline(). store(kind) is storage that falls back to memory.
 */
(function () {
  "use strict";

  var STORAGE_PREFIX = "sarcoma-chat";
  var KEY = STORAGE_PREFIX + ":session";
  var RETRY_MS = 3000;

  function store(kind) {
    // localStorage / sessionStorage may be missing or refuse writes (private modes, and
    // browsers that block storage in an iframe from another site): the chat then still
    // works, only without continuing after a reload (`kept` is false, and the page says so).
    var memory = {};
    var backend = null;
    try {
      backend = window[kind];
      backend.setItem(STORAGE_PREFIX + ":probe", "1");
      backend.removeItem(STORAGE_PREFIX + ":probe");
    } catch (e) {
      backend = null;
    }
    return {
      kept: backend !== null,
      get: function (key) {
        try { return backend ? backend.getItem(key) : (memory[key] || null); } catch (e) { return null; }
      },
      set: function (key, value) {
        try { if (backend) backend.setItem(key, value); else memory[key] = value; } catch (e) { /* full */ }
      },
      remove: function (key) {
        try { if (backend) backend.removeItem(key); else delete memory[key]; } catch (e) { /* ignore */ }
      },
    };
  }

  function socketTarget(rasaUrl) {
    // "http://host:5005" or "https://host/prefix": socket.io needs the origin and the path.
    var url = new URL(rasaUrl, window.location.href);
    var path = url.pathname.replace(/\/+$/, "");
    return { origin: url.origin, path: path + "/socket.io" };
  }

  function open(config, on) {
    var local = store("localStorage");
    var idleMs = (Number(config.idleHours) || 24) * 3600 * 1000;
    var session = load();
    var dropped = null;
    if (session && isIdle(session)) {
      dropped = session.id;
      local.remove(KEY);
      session = null;
    }
    var resumed = !!session;
    var outbox = [];
    var ready = false; // the server confirmed `session` on this connection
    var requesting = false;
    var retryTimer = null;
    var ending = null; // an ended session not yet revoked by the server

    function load() {
      try {
        var found = JSON.parse(local.get(KEY) || "null");
        if (found && typeof found.id === "string" && typeof found.proof === "string") return found;
      } catch (e) { /* an old or damaged entry: start afresh */ }
      local.remove(KEY);
      return null;
    }

    function isIdle(stored) {
      var last = Number(stored.lastActive);
      return !(last > 0) || Date.now() - last > idleMs;
    }

    function touch() {
      if (!session) return;
      session.lastActive = Date.now();
      local.set(KEY, JSON.stringify(session));
    }

    /** Forget the session here (not on the server); returns its id. */
    function forget() {
      var id = session ? session.id : null;
      local.remove(KEY);
      session = null;
      ready = false;
      requesting = false;
      return id;
    }

    var target = socketTarget(config.rasaUrl || "http://localhost:5005");
    var socket = window.io(target.origin, { path: target.path, autoConnect: false });

    function request() {
      if (requesting || !socket.connected) return;
      requesting = true;
      socket.emit("session_request", session ? { session_id: session.id, proof: session.proof } : {});
    }

    function flush() {
      if (!ready) {
        if (outbox.length) request();
        return;
      }
      while (outbox.length) {
        var item = outbox.shift();
        var data = { message: item.text, session_id: session.id, proof: session.proof };
        if (item.metadata) data.metadata = item.metadata;
        socket.emit("user_uttered", data, acknowledged(item, session.id));
      }
    }

    function acknowledged(item, sentFor) {
      return function (answer) {
        var refused = answer && answer.refused;
        if (!refused || !session || session.id !== sentFor) return;
        if (refused === "unavailable") {
          outbox.unshift(item);
          retryLater();
        } else if (refused === "invalid") {
          // The server no longer accepts this conversation (ended elsewhere, expired):
          // nothing was stored.
          on.refused(forget(), item.text);
        }
      };
    }

    function retryLater() {
      ready = false;
      requesting = false;
      on.offline();
      clearTimeout(retryTimer);
      retryTimer = setTimeout(request, RETRY_MS);
    }

    function endOnServer() {
      if (!ending || !socket.connected) return;
      var ended = ending;
      socket.emit("session_end", { session_id: ended.id, proof: ended.proof }, function (answer) {
        if (answer && answer.ended && ending === ended) ending = null;
      });
    }

    socket.on("connect", function () {
      ready = false;
      requesting = false;
      endOnServer();
      if (session || outbox.length) request();
    });
    socket.on("session_confirm", function (confirmed) {
      if (!confirmed || typeof confirmed.session_id !== "string" || typeof confirmed.proof !== "string") return;
      // Unasked, only a renewed proof for this session counts (not one for a chat just ended).
      if (!requesting && !(session && confirmed.session_id === session.id)) return;
      requesting = false;
      var replaced = session && confirmed.session_id !== session.id ? forget() : null;
      session = { id: confirmed.session_id, proof: confirmed.proof };
      touch();
      ready = true;
      if (replaced) on.replaced(replaced); // the page greets in the new conversation
      on.ready();
      flush();
    });
    socket.on("session_ended", function (ended) {
      // 'delete my data' in this conversation, or 'End chat' in another tab.
      if (session && ended && ended.session_id === session.id) on.ended(forget());
    });
    socket.on("session_unavailable", retryLater);
    socket.on("disconnect", function () {
      ready = false;
      requesting = false;
    });
    socket.on("connect_error", function () {
      ready = false;
      requesting = false;
      on.offline();
    });
    socket.on("bot_uttered", function (data) {
      if (session) on.message(data);
    });

    return {
      resumed: resumed,
      dropped: dropped, // the id of a copy dropped for idleness when the page opened
      kept: local.kept,
      id: function () { return session ? session.id : null; },
      touch: touch,
      /** Send a message (queued until the server has confirmed a session); `first` puts it
       *  before what is queued (the greeting of a new conversation). `metadata` goes with it
       *  as the message's metadata (the page's language: {language: "zh"}). */
      send: function (text, first, metadata) {
        var item = { text: text, metadata: metadata || null };
        if (first) outbox.unshift(item);
        else outbox.push(item);
        if (socket.connected) flush();
        else socket.connect();
      },
      /** 'End chat': forget the session and have the server revoke its id; returns the id. */
      end: function () {
        if (session) ending = { id: session.id, proof: session.proof };
        outbox = [];
        endOnServer();
        return forget();
      },
      /** True when this session (or its copy another tab keeps using) has been idle too long. */
      idle: function () {
        if (!session) return false;
        var stored = load();
        return isIdle(stored && stored.id === session.id ? stored : session);
      },
      /** Connect; a resumed session is confirmed, a new one is issued with the first send. */
      start: function () {
        if (!socket.connected) socket.connect();
      },
    };
  }

  window.SarcomaChatSession = { open: open, store: store };
})();
