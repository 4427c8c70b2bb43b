/* Shared helpers of the workshop pages: JSON calls to the API and safe DOM building. */
"use strict";

window.PolicyOptions = (function () {
  // The page's language and its messages: the server embeds them from the gettext catalogs
  // (service/translations), so scripts and templates translate alike.
  const messages = (function () {
    const node = document.getElementById("messages");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  })();

  /** A message in the page's language; `%(name)s` filled from `values` (gettext's syntax). */
  function _(message, values) {
    let text = Object.prototype.hasOwnProperty.call(messages, message) ? messages[message] : message;
    Object.entries(values || {}).forEach(function (pair) {
      text = text.split("%(" + pair[0] + ")s").join(String(pair[1]));
    });
    return text;
  }

  const language = document.documentElement.lang || "en";

  /** A number in the page's language (0.35, 0,35). */
  function formatNumber(value, digits) {
    if (value === null || value === undefined) return "–";
    const d = digits === undefined ? 2 : digits;
    let n = Number(value);
    if (Math.abs(n) < 0.5 * Math.pow(10, -d)) n = 0; // never "-0.00"
    return n.toLocaleString(language, {minimumFractionDigits: d, maximumFractionDigits: d});
  }

  /** Call the API; resolves to {status, body, etag}. Never puts a token in the URL. */
  async function api(method, path, body, token, headers) {
    const init = {method: method, headers: Object.assign({"Accept": "application/json", "Accept-Language": language},
                                                         headers || {}),
                  credentials: "omit", cache: "no-store"};
    if (token) init.headers["Authorization"] = "Bearer " + token;
    if (body !== undefined && body !== null) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.indexOf("json") !== -1) data = await response.json();
    return {status: response.status, body: data, etag: response.headers.get("ETag")};
  }

  /** An element with text content (never HTML) and attributes. */
  function el(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.entries(attributes || {}).forEach(function (pair) { node.setAttribute(pair[0], pair[1]); });
    return node;
  }

  function replaceChildren(parent, children) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    children.forEach(function (child) { parent.appendChild(child); });
  }

  function problemText(result) {
    const body = result.body || {};
    let text = body.detail || _("The service answered %(status)s.", {status: result.status});
    if (Array.isArray(body.errors) && body.errors.length) {
      text += " " + body.errors.map(function (e) { return e.detail; }).join(" ");
    }
    return text;
  }

  function packageText(options, names) {
    if (!options || !options.length) return _("the status quo (no change)");
    return options.map(function (id) { return (names && names[id]) || id; }).join(" + ");
  }

  function number(value, digits) { return formatNumber(value, digits); }

  /** One row of a ranking list: rank, name (wraps in its column) and value. */
  function rankedItem(rank, name, value, attributes) {
    const item = el("li", null, attributes);
    item.appendChild(el("span", rank, {"class": "rank"}));
    item.appendChild(el("span", name, {"class": "name"}));
    item.appendChild(el("span", value, {"class": "value"}));
    return item;
  }

  /** A model text (a string, or a map {"en": ..., "fr": ...}) in the page's language, else English. */
  function localized(text) {
    if (text === null || text === undefined) return "";
    if (typeof text === "string") return text;
    if (!text[language] && text.en) sayUntranslated(text.en);
    return text[language] || text.en || "";
  }

  // The model texts shown in English for want of a translation: the page names them (DESIGN.md §8.2).
  const untranslated = (function () {
    const note = document.getElementById("untranslated");
    try { return new Set(note ? JSON.parse(note.dataset.texts || "[]") : []); } catch (e) { return new Set(); }
  })();

  function sayUntranslated(text) {
    if (untranslated.has(text)) return;
    untranslated.add(text);
    const note = document.getElementById("untranslated");
    if (!note) return;
    note.textContent = _("In English for want of a translation: %(texts)s", {texts: Array.from(untranslated).join("; ")});
    note.hidden = false;
  }

  /** Kendall's W in words, by the level the results give (consensus.agreement): the briefs' words. */
  function agreement(level) {
    switch (level) {
      case "strong": return _("strong agreement");
      case "substantial": return _("substantial agreement");
      case "moderate": return _("moderate agreement");
      case "weak": return _("weak agreement");
      default: return _("agreement that cannot be measured (fewer than two participants or nothing to rank)");
    }
  }

  /**
   * Follow a workshop by short polling its status with If-None-Match (a 304 costs the server almost
   * nothing, and no worker is held between polls). `onChange(status)` runs on the first answer and on
   * every change; `onRefused(result)` when the token stops opening it. A 429 doubles the interval
   * (Retry-After when given) until an answer comes. Returns {stop, now}.
   */
  function follow(workshopId, token, intervalMs, onChange, onRefused) {
    let etag = null;
    let timer = null;
    let delay = intervalMs;
    let stopped = false;
    async function tick() {
      timer = null;
      if (stopped) return;
      if (!document.hidden) {
        try {
          const result = await api("GET", "/api/v1/workshops/" + workshopId + "/status", null, token,
                                   etag ? {"If-None-Match": etag} : {});
          if (result.status === 200) {
            etag = result.etag;
            delay = intervalMs;
            await onChange(result.body);
          } else if (result.status === 304) {
            delay = intervalMs;
          } else if (result.status === 429) {
            delay = Math.min(delay * 2, 60000);
          } else if (result.status === 401 || result.status === 403 || result.status === 404) {
            stopped = true;
            if (onRefused) onRefused(result);
            return;
          }
        } catch (e) {
          delay = Math.min(delay * 2, 60000); // the network is down: try again later
        }
      }
      if (!stopped) timer = window.setTimeout(tick, delay);
    }
    tick();
    return {
      stop: function () { stopped = true; if (timer) window.clearTimeout(timer); },
      now: function () { if (timer) { window.clearTimeout(timer); tick(); } }
    };
  }

  return {api: api, el: el, replaceChildren: replaceChildren, problemText: problemText,
          packageText: packageText, number: number, _: _, language: language, localized: localized,
          agreement: agreement, follow: follow, rankedItem: rankedItem};
})();
