/* Shared helpers of the workshop pages: JSON calls to the API and safe DOM building. */
"use strict";

window.PolicyOptions = (function () {
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
    let text = body.detail || ("The service answered " + result.status + ".");
    if (Array.isArray(body.errors) && body.errors.length) {
      text += " " + body.errors.map(function (e) { return e.detail; }).join(" ");
    }
    return text;
  }

  function packageText(options, names) {
    if (!options || !options.length) return "the status quo (no change)";
    return options.map(function (id) { return (names && names[id]) || id; }).join(" + ");
  }

  function number(value, digits) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(digits === undefined ? 2 : digits);
  }

  return {api: api, el: el, replaceChildren: replaceChildren, problemText: problemText,
          packageText: packageText, number: number};
})();
