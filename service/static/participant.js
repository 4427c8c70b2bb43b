/* The participant page: join, set one slider per criterion, see the ranking live, submit. */
"use strict";

(function () {
  const P = window.PolicyOptions;
  const root = document.getElementById("main");
  const workshopId = root.dataset.workshopId;
  const modelId = root.dataset.modelId;
  const scenario = root.dataset.scenario || null;
  const constraints = JSON.parse(root.dataset.constraints);
  const names = JSON.parse(root.dataset.optionNames);
  // The participant token is kept in this browser only, under the workshop's id.
  const storageKey = "policy-options:workshop:" + workshopId;
  const sliders = Array.from(document.querySelectorAll("input[type=range][data-criterion]"));
  const errorBox = document.getElementById("error");
  const saveStatus = document.getElementById("save-status");
  let identity = null;
  let etag = null;
  let rankingSequence = 0;
  let rankingTimer = null;

  function loadIdentity() {
    try { return JSON.parse(window.localStorage.getItem(storageKey)); } catch (e) { return null; }
  }

  function showError(text) { errorBox.textContent = text || ""; }

  function weights() {
    const result = {};
    sliders.forEach(function (slider) { result[slider.dataset.criterion] = Number(slider.value); });
    return result;
  }

  function allZero(values) { return Object.values(values).every(function (v) { return v === 0; }); }

  function showSliderValue(slider) {
    document.getElementById("o-" + slider.dataset.criterion).textContent = slider.value;
    slider.setAttribute("aria-valuetext", slider.value + " of 10");
  }

  function scheduleRanking() {
    window.clearTimeout(rankingTimer);
    rankingTimer = window.setTimeout(refreshRanking, 120);
  }

  async function refreshRanking() {
    const given = weights();
    const summary = document.getElementById("ranking-summary");
    const list = document.getElementById("ranking");
    document.getElementById("submit-button").disabled = allZero(given);
    if (allZero(given)) {
      summary.textContent = "Give at least one criterion some weight to see a ranking.";
      document.getElementById("live-top").textContent = summary.textContent;
      P.replaceChildren(list, []);
      return;
    }
    const sequence = ++rankingSequence;
    const body = {weights: given, constraints: constraints, k: 1};
    if (scenario) body.scenario = scenario;
    const result = await P.api("POST", "/api/v1/models/" + encodeURIComponent(modelId) + "/rankings", body);
    if (sequence !== rankingSequence) return; // a newer slider position has been asked for
    if (result.status !== 200) { showError(P.problemText(result)); return; }
    const ranking = result.body;
    const best = ranking.packages.length ? ranking.packages[0].options : [];
    summary.textContent = "Best option on its own: " + (names[ranking.options[0].option] || ranking.options[0].option) +
      ". Best package: " + P.packageText(best, names) + ".";
    // A copy that stays in view while the sliders scroll by on a phone (screen readers hear the summary).
    document.getElementById("live-top").textContent = "Best package now: " + P.packageText(best, names);
    P.replaceChildren(list, ranking.options.map(function (entry) {
      const item = P.el("li", null, {"data-option": entry.option});
      item.appendChild(P.el("span", names[entry.option] || entry.option, {"class": "name"}));
      item.appendChild(P.el("span", P.number(entry.value), {"class": "value"}));
      return item;
    }));
  }

  function fillFrom(submission) {
    if (!submission) return;
    const given = submission.given_weights;
    const max = Math.max.apply(null, Object.values(submission.weights));
    sliders.forEach(function (slider) {
      const criterion = slider.dataset.criterion;
      // Weights set on this page are 0..10; others (an order of importance) are shown to scale.
      let value = given && given[criterion] !== undefined ? given[criterion] : 0;
      if (!given || Object.values(given).some(function (v) { return v > 10; })) {
        value = max > 0 ? Math.round(10 * submission.weights[criterion] / max) : 0;
      }
      slider.value = String(value);
      showSliderValue(slider);
    });
    document.getElementById("comment").value = submission.comment || "";
  }

  async function enter() {
    const view = await P.api("GET", "/api/v1/workshops/" + workshopId, null, identity.participant_token);
    if (view.status === 401 || view.status === 403) {
      window.localStorage.removeItem(storageKey);
      identity = null;
      showError("This browser's place in the workshop is no longer valid; please join again.");
      return;
    }
    if (view.status !== 200) { showError(P.problemText(view)); return; }
    document.getElementById("join-section").hidden = true;
    document.getElementById("workspace").hidden = false;
    const me = view.body.me;
    document.getElementById("who").textContent = "You are " + me.display_name +
      (me.perspective ? " (" + me.perspective + ")" : "") + ". Round " + view.body.round + ".";
    etag = view.body.submission ? view.body.submission.etag : null;
    fillFrom(view.body.submission || view.body.previous_submission);
    if (view.body.submission) {
      saveStatus.textContent = "Your submission for round " + view.body.round + " is saved (version " +
        view.body.submission.version + ").";
    }
    await refreshRanking();
    if (view.body.results_released) await showGroupResults();
  }

  async function showGroupResults() {
    const result = await P.api("GET", "/api/v1/workshops/" + workshopId + "/results", null, identity.participant_token);
    if (result.status !== 200 || !result.body.compromise) return;
    const r = result.body;
    document.getElementById("results-section").hidden = false;
    document.getElementById("group-summary").textContent = "Compromise: " + P.packageText(r.compromise.package, names) +
      " (largest regret " + P.number(r.compromise.max_regret) + "). Agreement (Kendall's W): " +
      P.number(r.consensus.kendall_w) + ".";
  }

  async function join(event) {
    event.preventDefault();
    showError("");
    const body = {join_code: location.pathname.split("/").pop(),
                  display_name: document.getElementById("display-name").value.trim()};
    const perspective = document.getElementById("perspective").value.trim();
    if (perspective) body.perspective = perspective;
    const result = await P.api("POST", "/api/v1/workshops/" + workshopId + "/participants", body);
    if (result.status !== 201) { showError(P.problemText(result)); return; }
    identity = result.body;
    window.localStorage.setItem(storageKey, JSON.stringify(identity));
    await enter();
    sliders[0].focus();
  }

  async function submitPriorities(event) {
    event.preventDefault();
    showError("");
    const body = {weights: weights()};
    const comment = document.getElementById("comment").value.trim();
    if (comment) body.comment = comment;
    const url = "/api/v1/workshops/" + workshopId + "/participants/" + identity.participant_id + "/submission";
    saveStatus.textContent = "Saving…";
    const result = await P.api("PUT", url, body, identity.participant_token, etag ? {"If-Match": etag} : {});
    if (result.status === 200) {
      etag = result.etag;
      saveStatus.textContent = "Saved: round " + result.body.round + ", version " + result.body.version + ".";
    } else if (result.status === 412 || result.status === 428) {
      // Another tab or device saved since this page loaded (412 with a stale ETag, 428 when this page
      // had none): take the newer one and let the person decide.
      const latest = await P.api("GET", url, null, identity.participant_token);
      etag = latest.status === 200 ? latest.etag : null;
      saveStatus.textContent = "Not saved: your submission was changed elsewhere (or a new round opened). " +
        "Check your sliders and submit again to replace it.";
    } else {
      saveStatus.textContent = "Not saved.";
      showError(P.problemText(result));
    }
  }

  sliders.forEach(function (slider) {
    showSliderValue(slider);
    slider.addEventListener("input", function () { showSliderValue(slider); scheduleRanking(); });
  });
  document.getElementById("join-form").addEventListener("submit", join);
  document.getElementById("priorities-form").addEventListener("submit", submitPriorities);
  identity = loadIdentity();
  if (identity) enter();
})();
