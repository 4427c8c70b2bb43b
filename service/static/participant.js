/* The participant page (DESIGN.md §8.3): read the options and their evidence, join, say where you
read an effect differently (with your reason), give priorities by sliders or by ordering the
criteria (or start from a stakeholder's view), submit; follow new rounds and releases without a
reload, and never lose what was typed when a round changes. */
"use strict";

(function () {
  const P = window.PolicyOptions;
  const root = document.getElementById("main");
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const workshopId = root.dataset.workshopId;
  const modelId = root.dataset.modelId;
  const scenario = root.dataset.scenario || null;
  const constraints = JSON.parse(root.dataset.constraints);
  const names = data.option_names;
  const criterionNames = data.criterion_names;
  const POLL_MS = 5000;
  // The participant token is kept in this browser only, under the workshop's id.
  const storageKey = "policy-options:workshop:" + workshopId;
  const sliders = Array.from(document.querySelectorAll("#sliders input[type=range][data-criterion]"));
  const overrideInputs = Array.from(document.querySelectorAll("input.override"));
  const orderList = document.getElementById("order-list");
  const profileSelect = document.getElementById("profile");
  const errorBox = document.getElementById("error");
  const notice = document.getElementById("notice");
  const saveStatus = document.getElementById("save-status");
  let identity = null;
  let me = null;
  let round = Number(root.dataset.round);
  let etag = null;            // of this round's submission, for If-Match
  let submittedEver = false;  // no group result before the participant has given priorities
  let prioritiesGiven = false;
  let ownPriorities = false;  // changed since a profile was chosen: their own weights or order count
  let releasedRounds = [];
  let settingsVersion = null;
  let following = null;
  let rankingSequence = 0;
  let rankingTimer = null;

  function showError(text) { errorBox.textContent = text || ""; }

  function loadIdentity() {
    try { return JSON.parse(window.localStorage.getItem(storageKey)); } catch (e) { return null; }
  }

  function effectText(value) {
    const n = Number(value);
    const text = P.number(n, Math.round(n * 100) % 100 === 0 ? 0 : (Math.round(n * 100) % 10 === 0 ? 1 : 2));
    return n > 0 ? "+" + text : text.replace("-", "\u2212");
  }

  // -- priorities -----------------------------------------------------------------------------

  function mode() { return document.querySelector("input[name=mode]:checked").value; }

  function setMode(value) {
    document.querySelector("input[name=mode][value=" + value + "]").checked = true;
    document.getElementById("sliders").hidden = value !== "sliders";
    document.getElementById("ordering").hidden = value !== "order";
  }

  function weights() {
    const result = {};
    sliders.forEach(function (slider) { result[slider.dataset.criterion] = Number(slider.value); });
    return result;
  }

  function order() {
    return Array.from(orderList.children).map(function (item) { return item.dataset.criterion; });
  }

  function setOrder(ids) {
    const items = {};
    Array.from(orderList.children).forEach(function (item) { items[item.dataset.criterion] = item; });
    const flat = [].concat.apply([], ids.map(function (entry) { return Array.isArray(entry) ? entry : [entry]; }));
    flat.concat(Object.keys(items).filter(function (id) { return flat.indexOf(id) === -1; }))
      .forEach(function (id) { if (items[id]) orderList.appendChild(items[id]); });
  }

  function showSliderValue(slider) {
    document.getElementById("o-" + slider.dataset.criterion).textContent = slider.value;
    slider.setAttribute("aria-valuetext", P._("%(value)s of 10", {value: slider.value}));
  }

  function setSliders(values) {
    const max = Math.max.apply(null, Object.values(values).concat([0]));
    sliders.forEach(function (slider) {
      const value = values[slider.dataset.criterion] || 0;
      // Weights set on this page are 0..10; others are shown to scale.
      slider.value = String(max > 10 ? Math.round(10 * value / max) : value);
      showSliderValue(slider);
    });
  }

  function prioritiesChanged() {
    ownPriorities = true;
    prioritiesGiven = true;
    scheduleRanking();
  }

  function chooseProfile() {
    const profile = data.profiles.find(function (p) { return p.id === profileSelect.value; });
    document.getElementById("profile-description").textContent = profile ? profile.description : "";
    if (profile) {
      if (profile.weights) { setMode("sliders"); setSliders(profile.weights); }
      if (profile.priority_order) { setMode("order"); setOrder(profile.priority_order); }
      ownPriorities = false;
      prioritiesGiven = true;
      scheduleRanking();
    }
    showOverridesSummary();
  }

  // -- effects read differently -----------------------------------------------------------------

  function rationaleField(input) {
    return document.getElementById("why-" + input.dataset.option + "--" + input.dataset.criterion);
  }

  function overrides() {
    return overrideInputs.filter(function (input) {
      return Math.abs(Number(input.value) - Number(input.dataset.model)) > 1e-9;
    }).map(function (input) {
      const item = {option: input.dataset.option, criterion: input.dataset.criterion, likely: Number(input.value)};
      const rationale = rationaleField(input).value.trim();
      if (rationale) item.rationale = rationale;
      return item;
    });
  }

  function showOverrideValue(input) {
    const text = effectText(input.value);
    input.nextElementSibling.textContent = text;
    input.setAttribute("aria-valuetext", text);
  }

  function showOverridesSummary() {
    const box = document.getElementById("overrides-summary");
    const own = overrides();
    const children = [];
    if (own.length) {
      children.push(P.el("p", P._("You read these effects differently from the report:")));
      const list = P.el("ul");
      own.forEach(function (item) {
        const entry = P.el("li");
        const link = P.el("a", P._("%(option)s on %(criterion)s: %(value)s (the report: %(model)s)", {
          option: names[item.option], criterion: criterionNames[item.criterion], value: effectText(item.likely),
          model: effectText(document.getElementById("ov-" + item.option + "--" + item.criterion).dataset.model)}),
          {href: "#effect-" + item.option + "--" + item.criterion});
        entry.appendChild(link);
        if (!item.rationale) entry.appendChild(P.el("strong", " " + P._("Give your reason.")));
        list.appendChild(entry);
      });
      children.push(list);
    }
    const profile = data.profiles.find(function (p) { return profileSelect && p.id === profileSelect.value; });
    if (profile && profile.effect_overrides.length) {
      children.push(P.el("p", P._("The view you started from also reads %(count)s effects differently; yours replace its reading of the same effect.",
                                  {count: profile.effect_overrides.length})));
    }
    P.replaceChildren(box, children);
  }

  function setOverrides(items) {
    overrideInputs.forEach(function (input) {
      const item = (items || []).find(function (o) { return o.option === input.dataset.option && o.criterion === input.dataset.criterion; });
      input.value = item ? String(item.likely) : input.dataset.model;
      rationaleField(input).value = item ? (item.rationale || item.reason || "") : "";
      showOverrideValue(input);
      if (item) {
        input.closest("details.disagree").open = true;
        input.closest("details.effects").open = true;
      }
    });
    showOverridesSummary();
  }

  // -- the participant's own ranking (after they have given priorities) ---------------------------

  function scheduleRanking() {
    window.clearTimeout(rankingTimer);
    rankingTimer = window.setTimeout(refreshRanking, 150);
  }

  function prioritiesBody() {
    const body = {};
    const profile = profileSelect ? profileSelect.value : "";
    if (profile) body.profile = profile;
    if (!profile || ownPriorities) {
      if (mode() === "order") body.priority_order = order(); else body.weights = weights();
    }
    return body;
  }

  async function refreshRanking() {
    if (!prioritiesGiven) return;
    const section = document.getElementById("ranking-section");
    const summary = document.getElementById("ranking-summary");
    const list = document.getElementById("ranking");
    const body = Object.assign(prioritiesBody(), {constraints: constraints, k: 1});
    if (scenario) body.scenario = scenario;
    section.hidden = false;
    if (body.weights && Object.values(body.weights).every(function (v) { return v === 0; })) {
      summary.textContent = P._("Give at least one criterion some weight to see a ranking.");
      P.replaceChildren(list, []);
      return;
    }
    const sequence = ++rankingSequence;
    const result = await P.api("POST", "/api/v1/models/" + encodeURIComponent(modelId) + "/rankings", body);
    if (sequence !== rankingSequence) return; // a newer position has been asked for
    if (result.status !== 200) { showError(P.problemText(result)); return; }
    const ranking = result.body;
    const best = ranking.packages.length ? ranking.packages[0].options : [];
    let text = P._("By your priorities, the best package is %(package)s.", {package: P.packageText(best, names)});
    if (overrides().length) text += " " + P._("This preview uses the report's effects; your own readings count in the group's results.");
    summary.textContent = text;
    P.replaceChildren(list, ranking.options.map(function (entry) {
      return P.rankedItem(entry.rank, names[entry.option] || entry.option, P.number(entry.value), {"data-option": entry.option});
    }));
  }

  // -- joining, entering, following ---------------------------------------------------------------

  function fillFrom(submission) {
    if (!submission) return;
    if (profileSelect) {
      profileSelect.value = submission.profile || "";
      const profile = data.profiles.find(function (p) { return p.id === submission.profile; });
      document.getElementById("profile-description").textContent = profile ? profile.description : "";
    }
    if (submission.priority_order) {
      setMode("order");
      setOrder(submission.priority_order);
    } else {
      setMode("sliders");
      setSliders(submission.given_weights || submission.weights);
    }
    ownPriorities = Boolean(submission.given_weights || submission.priority_order);
    prioritiesGiven = true;
    setOverrides(submission.effect_overrides);
    document.getElementById("comment").value = submission.comment || "";
  }

  function showRound() {
    document.getElementById("who").textContent = P._("You are %(name)s. Round %(round)s.", {name: me.display_name, round: round});
    document.getElementById("submit-button").textContent = P._("Submit my priorities for round %(round)s", {round: round});
  }

  function showInstructions(view) {
    document.getElementById("instructions-section").hidden = !view.instructions;
    document.getElementById("instructions-heading").textContent = P._("Instructions for round %(round)s", {round: view.round});
    document.getElementById("instructions").textContent = view.instructions || "";
  }

  async function readView() {
    const view = await P.api("GET", "/api/v1/workshops/" + workshopId, null, identity.participant_token);
    if (view.status === 401 || view.status === 403) {
      forget();
      return null;
    }
    if (view.status !== 200) { showError(P.problemText(view)); return null; }
    return view.body;
  }

  function forget() {
    window.localStorage.removeItem(storageKey);
    identity = null;
    if (following) following.stop();
    document.getElementById("join-section").hidden = false;
    showError(P._("This browser's place in the workshop is no longer valid; please join again."));
  }

  async function enter() {
    const view = await readView();
    if (!view) return;
    me = view.me;
    round = view.round;
    document.getElementById("join-section").hidden = true;
    ["who", "priorities-section", "to-priorities", "disagree-hint"].forEach(function (id) {
      document.getElementById(id).hidden = false;
    });
    document.querySelectorAll("details.disagree").forEach(function (node) { node.hidden = false; });
    showRound();
    showInstructions(view);
    etag = view.submission ? view.submission.etag : null;
    submittedEver = Boolean(view.submission || view.previous_submission);
    fillFrom(view.submission || view.previous_submission);
    if (view.submission) {
      saveStatus.textContent = P._("Your submission for round %(round)s is saved (version %(version)s).",
                                   {round: view.round, version: view.submission.version});
    } else if (view.previous_submission) {
      saveStatus.textContent = P._("Your answers from round %(previous)s are filled in: check them and submit them for round %(round)s.",
                                   {previous: view.previous_submission.round, round: view.round});
    }
    if (prioritiesGiven) scheduleRanking();
    following = P.follow(workshopId, identity.participant_token, POLL_MS, onStatus, forget);
  }

  async function onStatus(status) {
    const newRound = status.round !== round;
    if (newRound) {
      round = status.round;
      etag = null; // a new round starts without a submission
      showRound();
      notice.textContent = P._("Round %(round)s is open. Your answers are still on this page: check them and submit them for round %(round)s.",
                               {round: round});
      saveStatus.textContent = P._("Not yet submitted in round %(round)s.", {round: round});
    }
    if (newRound || (settingsVersion !== null && status.settings_version !== settingsVersion)) {
      const view = await readView();
      if (view) showInstructions(view);
    }
    settingsVersion = status.settings_version;
    if (status.released_rounds.join() !== releasedRounds.join()) {
      const newlyReleased = status.released_rounds.filter(function (n) { return releasedRounds.indexOf(n) === -1; });
      releasedRounds = status.released_rounds.slice();
      await showResults();
      if (newlyReleased.length && !document.getElementById("results-section").hidden) {
        P.replaceChildren(notice, [P.el("a", P._("The results of round %(round)s are released: see where you stand.",
                                                  {round: Math.max.apply(null, newlyReleased)}), {href: "#results-section"})]);
      }
    }
  }

  async function showResults() {
    const section = document.getElementById("results-section");
    if (!releasedRounds.length) { section.hidden = true; return; }
    const result = await P.api("GET", "/api/v1/workshops/" + workshopId + "/results", null, identity.participant_token);
    if (result.status !== 200 || !result.body.compromise) { section.hidden = true; return; }
    const r = result.body;
    const mine = r.participants.find(function (p) { return p.participant_id === identity.participant_id; });
    // No group result before the participant has given priorities (here, or from another device).
    if (!mine && !submittedEver) { section.hidden = true; return; }
    document.getElementById("results-round").textContent = P._("Results of round %(round)s, released by the facilitator.", {round: r.round});
    document.getElementById("group-compromise").textContent = P._("The group's compromise: %(package)s.",
      {package: P.packageText(r.compromise.package, names)});
    document.getElementById("your-position").textContent = mine ?
      P._("Your own best package is %(package)s; the compromise is worth %(regret)s less to you (the largest loss for anyone is %(largest)s).",
          {package: P.packageText(mine.best_package, names), regret: P.number(r.compromise.regrets[mine.participant_id], 3),
           largest: P.number(r.compromise.max_regret, 3)}) :
      P._("You did not submit in round %(round)s.", {round: r.round});
    document.getElementById("group-agreement").textContent = r.consensus.kendall_w === null ?
      P._("Agreement: %(words)s.", {words: P.agreement(r.consensus.agreement)}) :
      P._("Agreement on the order of the options: %(words)s (Kendall's W %(w)s).",
          {words: P.agreement(r.consensus.agreement), w: P.number(r.consensus.kendall_w)});
    const mineRanks = {};
    if (mine) mine.options.forEach(function (o) { mineRanks[o.option] = o.rank; });
    P.replaceChildren(document.querySelector("#rank-comparison tbody"), r.group.options.map(function (o) {
      const tr = P.el("tr");
      tr.appendChild(P.el("th", names[o.option] || o.option, {scope: "row"}));
      tr.appendChild(P.el("td", mineRanks[o.option] || "–"));
      tr.appendChild(P.el("td", o.rank));
      return tr;
    }));
    section.hidden = false;
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
    document.getElementById("who").focus();
  }

  // -- submitting ---------------------------------------------------------------------------------

  async function submitPriorities(event) {
    event.preventDefault();
    showError("");
    const missing = overrideInputs.find(function (input) {
      return Math.abs(Number(input.value) - Number(input.dataset.model)) > 1e-9 && !rationaleField(input).value.trim();
    });
    if (missing) {
      showError(P._("Give your reason for each effect you read differently (or set it back to the report's value)."));
      missing.closest("details.effects").open = true;
      missing.closest("details.disagree").open = true;
      rationaleField(missing).focus();
      return;
    }
    const body = Object.assign(prioritiesBody(), {effect_overrides: overrides()});
    if (body.weights && Object.values(body.weights).every(function (v) { return v === 0; })) {
      showError(P._("Give at least one criterion some weight."));
      return;
    }
    const comment = document.getElementById("comment").value.trim();
    if (comment) body.comment = comment;
    const url = "/api/v1/workshops/" + workshopId + "/participants/" + identity.participant_id + "/submission";
    const shownRound = round;
    saveStatus.textContent = P._("Saving…");
    const result = await P.api("PUT", url, body, identity.participant_token, etag ? {"If-Match": etag} : {});
    if (result.status === 200) {
      etag = result.etag;
      submittedEver = prioritiesGiven = true;
      if (result.body.round !== shownRound) {
        // The round changed between the last poll and this submission: it went to the new round.
        round = result.body.round;
        showRound();
        notice.textContent = P._("Round %(previous)s had closed: your submission was saved in round %(round)s.",
                                 {previous: shownRound, round: round});
      }
      saveStatus.textContent = P._("Saved: round %(round)s, version %(version)s.", {round: result.body.round, version: result.body.version});
      scheduleRanking();
      if (following) following.now();
      if (releasedRounds.length) await showResults();
    } else if (result.status === 412 || result.status === 428) {
      const status = await P.api("GET", "/api/v1/workshops/" + workshopId + "/status", null, identity.participant_token);
      if (status.status === 200 && status.body.round !== shownRound) {
        // A new round opened: nothing was saved, and nothing typed is lost.
        await onStatus(status.body);
        saveStatus.textContent = P._("Not saved: round %(previous)s closed before your submission arrived. Your answers are still here: submit them again for round %(round)s.",
                                     {previous: shownRound, round: round});
      } else {
        // Another tab or device saved since this page read it: keep this page's answers, take the newer ETag.
        const latest = await P.api("GET", url, null, identity.participant_token);
        etag = latest.status === 200 ? latest.etag : null;
        saveStatus.textContent = P._("Not saved: your submission was changed elsewhere (another tab or device). Your answers on this page are kept: submit again to replace it.");
      }
    } else {
      saveStatus.textContent = P._("Not saved.");
      showError(P.problemText(result));
    }
  }

  // -- wiring -------------------------------------------------------------------------------------

  sliders.forEach(function (slider) {
    showSliderValue(slider);
    slider.addEventListener("input", function () { showSliderValue(slider); prioritiesChanged(); });
  });
  document.querySelectorAll("input[name=mode]").forEach(function (radio) {
    radio.addEventListener("change", function () { setMode(mode()); prioritiesChanged(); });
  });
  orderList.addEventListener("click", function (event) {
    const button = event.target.closest("button.move");
    if (!button) return;
    const item = button.closest("li");
    const sibling = Number(button.dataset.direction) < 0 ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    if (Number(button.dataset.direction) < 0) orderList.insertBefore(item, sibling); else orderList.insertBefore(sibling, item);
    button.focus();
    prioritiesChanged();
  });
  overrideInputs.forEach(function (input) {
    showOverrideValue(input);
    input.addEventListener("input", function () { showOverrideValue(input); showOverridesSummary(); });
    rationaleField(input).addEventListener("change", showOverridesSummary);
  });
  document.querySelectorAll("button.override-reset").forEach(function (button) {
    button.addEventListener("click", function () {
      const input = document.getElementById("ov-" + button.dataset.option + "--" + button.dataset.criterion);
      input.value = input.dataset.model;
      rationaleField(input).value = "";
      showOverrideValue(input);
      showOverridesSummary();
    });
  });
  if (profileSelect) profileSelect.addEventListener("change", chooseProfile);
  document.getElementById("join-form").addEventListener("submit", join);
  document.getElementById("priorities-form").addEventListener("submit", submitPriorities);
  document.getElementById("who").setAttribute("tabindex", "-1");
  identity = loadIdentity();
  if (identity) enter();
})();
