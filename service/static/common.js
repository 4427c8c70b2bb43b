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

  /** A model text in the page's language: a string, or a map of languages falling back to
   *  English (DESIGN.md §8.2); the API serves model texts as the model gives them. */
  function text(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    return value[language] || value.en || "";
  }

  /** A number in the page's language (0.35, 0,35). */
  function formatNumber(value, digits) {
    if (value === null || value === undefined) return "–";
    const d = digits === undefined ? 2 : digits;
    return Number(value).toLocaleString(language, {minimumFractionDigits: d, maximumFractionDigits: d});
  }

  /** Call the API; resolves to {status, body, etag}. Never puts a token in the URL. */
  async function api(method, path, body, token, headers) {
    const init = {method: method, headers: Object.assign({"Accept": "application/json"}, headers || {}),
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

  return {api: api, el: el, replaceChildren: replaceChildren, problemText: problemText,
          packageText: packageText, number: number, _: _, language: language, text: text};
})();
