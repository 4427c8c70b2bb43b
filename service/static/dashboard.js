/* The facilitator's dashboard: participants and their status, live results, round control.

The token comes from the URL fragment (#token=..., never sent to the server) or the form,
is kept in this tab's sessionStorage only, and the fragment is removed from the address bar.
*/
"use strict";

(function () {
  const P = window.PolicyOptions;
  const root = document.getElementById("main");
  const workshopId = root.dataset.workshopId;
  const storageKey = "policy-options:facilitator:" + workshopId;
  const POLL_MS = 4000;
  const errorBox = document.getElementById("error");
  let token = null;
  let optionNames = {};
  let criterionNames = {};
  let participantNames = {};
  let pollTimer = null;

  function showError(text) { errorBox.textContent = text || ""; }

  function tokenFromFragment() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, "", location.pathname + location.search);
    return decodeURIComponent(match[1]);
  }

  function row(cells) {
    const tr = P.el("tr");
    cells.forEach(function (cell, index) { tr.appendChild(P.el(index === 0 ? "th" : "td", cell, index === 0 ? {scope: "row"} : {})); });
    return tr;
  }

  async function loadModel(modelId) {
    const result = await P.api("GET", "/api/v1/models/" + encodeURIComponent(modelId));
    if (result.status !== 200) return;
    result.body.options.forEach(function (o) { optionNames[o.id] = P.text(o.name); });
    result.body.criteria.forEach(function (c) { criterionNames[c.id] = P.text(c.name); });
  }

  function renderWorkshop(view) {
    document.getElementById("title").textContent = view.title;
    document.title = view.title + " · dashboard";
    document.getElementById("meta").textContent = "Model " + view.model.id + (view.scenario ? " · scenario " + view.scenario : "") +
      " · results " + (view.results_released ? "released to participants" : "not yet released");
    document.getElementById("round").textContent = view.round;
    const link = location.origin + "/w/" + view.join_code;
    const anchor = document.getElementById("join-link");
    anchor.textContent = link;
    anchor.setAttribute("href", link);
    document.getElementById("join-code").textContent = view.join_code;
    document.getElementById("release").disabled = view.results_released;
    participantNames = {};
    view.participants.forEach(function (p) { participantNames[p.participant_id] = p.display_name; });
    P.replaceChildren(document.querySelector("#participants tbody"), view.participants.map(function (p) {
      return row([p.display_name, p.perspective || "", p.submitted_this_round ? "Submitted" : "Waiting", p.versions]);
    }));
  }

  function concordance(w) {
    if (w === null) return "not defined yet (it needs at least two participants)";
    const words = w >= 0.7 ? "strong agreement" : w >= 0.3 ? "partial agreement" : "little agreement";
    return P.number(w) + " — " + words + " on the order of the options";
  }

  function renderResults(r) {
    const compromise = document.getElementById("compromise");
    if (!r.compromise) {
      compromise.textContent = "No submissions yet in round " + r.round + ".";
      P.replaceChildren(document.querySelector("#regrets tbody"), []);
    } else {
      compromise.textContent = P.packageText(r.compromise.package, optionNames) +
        " — nobody loses more than " + P.number(r.compromise.max_regret, 3) + " in value against their own best package.";
      P.replaceChildren(document.querySelector("#regrets tbody"), r.participants.map(function (p) {
        return row([p.display_name, P.packageText(p.best_package, optionNames), P.number(r.compromise.regrets[p.participant_id], 3)]);
      }));
    }
    document.getElementById("consensus").textContent = "Kendall's W over " + r.consensus.raters +
      " participants' rankings of " + r.consensus.options + " options: " + concordance(r.consensus.kendall_w) + ".";
    P.replaceChildren(document.querySelector("#contested tbody"), r.contested_criteria.map(function (c) {
      const tr = row([criterionNames[c.criterion] || c.criterion, "", P.number(c.mean_weight, 3)]);
      const meter = P.el("meter", null, {min: "0", max: "0.5", value: String(Math.min(c.spread, 0.5)),
                                         "aria-label": "spread " + P.number(c.spread, 3)});
      tr.children[1].appendChild(meter);
      tr.children[1].appendChild(P.el("span", " " + P.number(c.spread, 3)));
      return tr;
    }));
    const group = r.group;
    document.getElementById("group-best").textContent = group ?
      "Best package by the mean of the weights: " + P.packageText(group.best_package, optionNames) + "." : "";
    P.replaceChildren(document.getElementById("group-options"), group ? group.options.map(function (o) {
      return P.el("li", (optionNames[o.option] || o.option) + " (" + P.number(o.value) + ")");
    }) : []);
    P.replaceChildren(document.getElementById("borda"), group ? group.borda.slice(0, 5).map(function (b) {
      return P.el("li", P.packageText(b.package, optionNames) + " (" + P.number(b.points, 1) + " points)");
    }) : []);
    const changes = r.changes;
    const items = [];
    if (!changes) {
      items.push(P.el("li", "This is the first round."));
    } else {
      items.push(P.el("li", "Compromise: " + (changes.compromise.previous ? P.packageText(changes.compromise.previous, optionNames) : "none") +
        " → " + (changes.compromise.current ? P.packageText(changes.compromise.current, optionNames) : "none yet") + "."));
      items.push(P.el("li", "Kendall's W: " + P.number(changes.kendall_w.previous) + " → " + P.number(changes.kendall_w.current) + "."));
      changes.participants.forEach(function (p) {
        items.push(P.el("li", (participantNames[p.participant_id] || p.participant_id) + " moved their weights by " +
          P.number(p.moved, 3) + "; best package " + P.packageText(p.best_package.previous, optionNames) + " → " +
          P.packageText(p.best_package.current, optionNames) + "."));
      });
      if (changes.missing_participants.length) {
        items.push(P.el("li", "Not yet submitted again: " + changes.missing_participants.map(function (id) {
          return participantNames[id] || id; }).join(", ") + "."));
      }
    }
    P.replaceChildren(document.getElementById("changes"), items);
  }

  async function refresh() {
    const view = await P.api("GET", "/api/v1/workshops/" + workshopId, null, token);
    if (view.status === 401 || view.status === 403 || view.status === 404) {
      stop();
      sessionStorage.removeItem(storageKey);
      document.getElementById("token-section").hidden = false;
      document.getElementById("board").hidden = true;
      showError(view.status === 404 ? "There is no such workshop." : "This token does not open this workshop's dashboard.");
      return false;
    }
    if (view.status !== 200 || view.body.role !== "facilitator") { showError(P.problemText(view)); return false; }
    if (!Object.keys(optionNames).length) await loadModel(view.body.model.id);
    renderWorkshop(view.body);
    const results = await P.api("GET", "/api/v1/workshops/" + workshopId + "/results", null, token);
    if (results.status === 200) { showError(""); renderResults(results.body); } else { showError(P.problemText(results)); }
    return true;
  }

  function stop() { window.clearInterval(pollTimer); pollTimer = null; }

  async function start(newToken) {
    token = newToken;
    if (await refresh()) {
      sessionStorage.setItem(storageKey, token);
      document.getElementById("token-section").hidden = true;
      document.getElementById("board").hidden = false;
      stop();
      pollTimer = window.setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
    }
  }

  async function control(path, done) {
    const status = document.getElementById("control-status");
    const result = await P.api("POST", "/api/v1/workshops/" + workshopId + path, null, token);
    if (result.status >= 300) { showError(P.problemText(result)); return; }
    status.textContent = done(result.body);
    await refresh();
  }

  document.getElementById("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const field = document.getElementById("token");
    start(field.value.trim());
    field.value = "";
  });
  document.getElementById("next-round").addEventListener("click", function () {
    control("/rounds", function (body) { return "Round " + body.closed + " is closed; round " + body.round + " is open."; });
  });
  document.getElementById("release").addEventListener("click", function () {
    control("/release", function () { return "Results are released: participants now see them."; });
  });

  const initial = tokenFromFragment() || sessionStorage.getItem(storageKey);
  if (initial) start(initial);
})();
