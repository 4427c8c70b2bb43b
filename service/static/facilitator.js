/* What the facilitator's pages share: the token kept in this browser, and the model's names.

The token comes from the start page (localStorage, under the workshop's id), from a `#token=`
fragment (never sent to the server; removed from the address bar at once) or from the page's form.
It is never put in a URL query or a cookie.
*/
"use strict";

window.Facilitator = (function () {
  const P = window.PolicyOptions;

  function storageKey(workshopId) { return "policy-options:facilitator:" + workshopId; }

  function fromFragment() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, "", location.pathname + location.search);
    return decodeURIComponent(match[1]);
  }

  /** The token for this workshop: the fragment's (then kept), else the one this browser keeps. */
  function token(workshopId) {
    const given = fromFragment();
    if (given) { keep(workshopId, given); return given; }
    return window.localStorage.getItem(storageKey(workshopId));
  }

  function keep(workshopId, value) { window.localStorage.setItem(storageKey(workshopId), value); }

  function forget(workshopId) { window.localStorage.removeItem(storageKey(workshopId)); }

  /** The model's option, criterion and scenario names in the page's language, and its title. */
  async function modelNames(modelId) {
    const names = {options: {}, criteria: {}, scenarios: {}, title: modelId};
    const result = await P.api("GET", "/api/v1/models/" + encodeURIComponent(modelId));
    if (result.status !== 200) return names;
    names.title = P.localized(result.body.title);
    result.body.options.forEach(function (o) { names.options[o.id] = P.localized(o.name); });
    result.body.criteria.forEach(function (c) { names.criteria[c.id] = P.localized(c.name); });
    result.body.scenarios.forEach(function (s) { names.scenarios[s.id] = P.localized(s.name); });
    return names;
  }

  /** Wire the page's token form (shown when this browser holds no token): `start(token)` on submit. */
  function tokenForm(start) {
    document.getElementById("token-section").hidden = false;
    const form = document.getElementById("token-form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const field = document.getElementById("token");
      const value = field.value.trim();
      field.value = "";
      start(value);
    });
  }

  return {token: token, keep: keep, forget: forget, modelNames: modelNames, tokenForm: tokenForm};
})();
