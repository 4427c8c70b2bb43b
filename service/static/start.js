/* The facilitator's start page: create and configure a workshop, then go to its dashboard.

The facilitator token the API answers with is kept in this browser's localStorage under the
workshop's id (never in a URL query or a cookie), so the dashboard and the projection view open
without pasting it; an index of the workshops opened here lists them on this page.
*/
"use strict";

(function () {
  const P = window.PolicyOptions;
  const INDEX_KEY = "policy-options:facilitator-workshops";
  const errorBox = document.getElementById("error");
  const modelSelect = document.getElementById("model");
  const scenarioSelect = document.getElementById("scenario");
  const anonymous = document.getElementById("anonymous");
  const openResults = document.getElementById("open-results");
  let scenarios = [];
  let idempotencyKey = null;

  function showError(text) { errorBox.textContent = text || ""; }

  function index() {
    try { return JSON.parse(window.localStorage.getItem(INDEX_KEY)) || []; } catch (e) { return []; }
  }

  function listMine() {
    const mine = index().filter(function (w) { return window.localStorage.getItem("policy-options:facilitator:" + w.id); });
    document.getElementById("mine-section").hidden = !mine.length;
    P.replaceChildren(document.getElementById("mine"), mine.map(function (w) {
      const item = P.el("li");
      item.appendChild(P.el("a", w.title, {href: "/workshops/" + encodeURIComponent(w.id) + "/dashboard"}));
      item.appendChild(P.el("span", " · " + P._("opened %(date)s", {date: new Date(w.created).toLocaleString(P.language)}), {"class": "muted"}));
      return item;
    }));
  }

  async function loadScenarios() {
    const result = await P.api("GET", "/api/v1/models/" + encodeURIComponent(modelSelect.value));
    if (result.status !== 200) { showError(P.problemText(result)); return; }
    scenarios = result.body.scenarios;
    P.replaceChildren(scenarioSelect, scenarios.map(function (s) {
      const option = P.el("option", P.localized(s.name) + (s.default ? " " + P._("(the model's default)") : ""), {value: s.id});
      if (s.default) option.selected = true;
      return option;
    }));
    scenarioSelect.disabled = !scenarios.length;
    describeScenario();
  }

  function describeScenario() {
    const chosen = scenarios.find(function (s) { return s.id === scenarioSelect.value; });
    document.getElementById("scenario-description").textContent = chosen ? P.localized(chosen.description) : "";
  }

  function settle() {
    // An anonymous workshop never opens its results (the API refuses both together).
    openResults.disabled = anonymous.checked;
    if (anonymous.checked) openResults.checked = false;
  }

  async function create(event) {
    event.preventDefault();
    showError("");
    const status = document.getElementById("create-status");
    const body = {title: document.getElementById("title").value.trim(), model_id: modelSelect.value,
                  language: document.getElementById("language").value,
                  anonymous: anonymous.checked, open_results: openResults.checked};
    if (scenarioSelect.value) body.scenario = scenarioSelect.value;
    const instructions = document.getElementById("instructions").value.trim();
    if (instructions) body.instructions = instructions;
    // The same key for retries of this form's request: a double click opens one workshop.
    idempotencyKey = idempotencyKey || (window.crypto.randomUUID ? window.crypto.randomUUID() : String(Date.now()) + Math.random());
    const key = document.getElementById("api-key");
    status.textContent = P._("Opening the workshop…");
    const result = await P.api("POST", "/api/v1/workshops", body, key ? key.value.trim() : null,
                               {"Idempotency-Key": idempotencyKey});
    if (result.status !== 201) {
      status.textContent = "";
      idempotencyKey = null;
      showError(P.problemText(result));
      return;
    }
    const created = result.body;
    window.localStorage.setItem("policy-options:facilitator:" + created.id, created.facilitator_token);
    const list = index().filter(function (w) { return w.id !== created.id; });
    list.unshift({id: created.id, title: body.title, created: new Date().toISOString()});
    window.localStorage.setItem(INDEX_KEY, JSON.stringify(list.slice(0, 50)));
    status.textContent = P._("Opened. Going to the dashboard…");
    window.location.assign(created.dashboard_page);
  }

  modelSelect.addEventListener("change", loadScenarios);
  scenarioSelect.addEventListener("change", describeScenario);
  anonymous.addEventListener("change", settle);
  document.getElementById("create-form").addEventListener("submit", create);
  settle();
  listMine();
  loadScenarios();
})();
