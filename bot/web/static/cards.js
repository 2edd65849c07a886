/*
 * The result cards of the patient chat (the `screening_result` custom message), one per trial,
 * in the wording given (the result's language: chat.js passes its labels and page text), and
 * the small DOM helpers chat.js shares. Every text goes in with textContent, never as markup.
 *
 * window.SarcomaChatCards: card(trial, {labels, text, headingLevel, idPrefix}), el, fill,
 * externalLink.
 */
(function () {
  "use strict";

  var VERDICT_CLASS = { possible_match: "possible", unclear: "unclear", not_a_match: "not" };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function externalLink(href, label) {
    var a = el("a", "sc-link", label);
    if (/^https?:\/\//i.test(href)) a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function card(trial, options) {
    var labels = options.labels || {};
    var text = options.text || {};
    var verdict = String(trial.verdict || "");
    var article = el("article", "sc-card sc-card--" + (VERDICT_CLASS[verdict] || "unclear"));
    article.setAttribute("data-nct-id", String(trial.nct_id || ""));
    article.setAttribute("data-verdict", verdict);
    var heading = el("h" + Math.min(options.headingLevel || 2, 6), "sc-card-title", (trial.title || "") + " (" + trial.nct_id + ")");
    heading.id = (options.idPrefix || "sc-card-") + String(trial.nct_id || "").replace(/[^A-Za-z0-9]/g, "");
    article.setAttribute("aria-labelledby", heading.id);
    article.appendChild(heading);

    var statusWords = fill(trial.recruiting ? labels.recruiting : labels.not_enrolling,
      { status: trial.status || "", as_of: trial.status_as_of || "" });
    if (trial.status_old && labels.status_old) statusWords += " " + labels.status_old;
    article.appendChild(el("p", "sc-card-status " + (trial.recruiting ? "sc-open" : "sc-closed"), statusWords));
    var verdictWords = (trial.for_now && labels.verdict_for_now) ||
      (labels.verdict_words || {})[verdict] || verdict;
    article.appendChild(el("p", "sc-card-verdict", verdictWords));

    list(article, labels.reasons_heading, trial.reasons);
    list(article, labels.to_check_heading, trial.to_check);

    var contact = trial.contact;
    var contactBox = el("div", "sc-card-contact");
    if (contact && typeof contact === "object") {
      contactBox.appendChild(el("p", "sc-card-heading", labels.contact_heading));
      if (contact.name) contactBox.appendChild(el("p", "", contact.name));
      if (contact.phone) {
        var phone = el("p", "", "");
        phone.appendChild(document.createTextNode((text.phone || "Phone:") + " "));
        var tel = el("a", "sc-link sc-tel", contact.phone);
        tel.href = "tel:" + String(contact.phone).trim();
        phone.appendChild(tel);
        contactBox.appendChild(phone);
      }
      if (contact.email) {
        var email = el("p", "", "");
        email.appendChild(document.createTextNode((text.email || "Email:") + " "));
        var mail = el("a", "sc-link sc-mail", contact.email);
        mail.href = "mailto:" + String(contact.email).trim();
        email.appendChild(mail);
        contactBox.appendChild(email);
      }
      if (contact.site) contactBox.appendChild(el("p", "", contact.site));
    } else {
      contactBox.appendChild(el("p", "", fill(labels.no_contact || "", { sponsor: trial.sponsor || "" })));
    }
    article.appendChild(contactBox);

    if (trial.registry_url) {
      var record = el("p", "sc-card-record", "");
      record.appendChild(externalLink(String(trial.registry_url), text.registry_link || trial.registry_url));
      article.appendChild(record);
    }
    return article;
  }

  function list(parent, heading, items) {
    if (!Array.isArray(items) || !items.length) return;
    parent.appendChild(el("p", "sc-card-heading", heading));
    var ul = el("ul", "sc-card-list");
    items.forEach(function (item) { ul.appendChild(el("li", "", item)); });
    parent.appendChild(ul);
  }

  window.SarcomaChatCards = { card: card, el: el, fill: fill, externalLink: externalLink };
})();
