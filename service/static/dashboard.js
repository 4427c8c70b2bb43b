/* The facilitator's dashboard (DESIGN.md §8.3): round control with a confirmation, results of any
round, release and withdrawal per round, what participants said, downloads, settings.

It follows the workshop by polling its status with If-None-Match every POLL_MS (a 304 costs the
server almost nothing) and reads the workshop and the results again only when the status changed.
*/
"use strict";

(function () {
  const P = window.PolicyOptions;
  const F = window.Facilitator;
  const root = document.getElementById("main");
  const workshopId = root.dataset.workshopId;
  const base = "/api/v1/workshops/" + workshopId;
  const POLL_MS = 2000;
  const errorBox = document.getElementById("error");
  const dialog = document.getElementById("next-round-dialog");
  let token = null;
  let names = null;
  let view = null;
  let participantNames = {};
  let selectedRound = null;   // the round whose results are shown; null: follow the current round
  let following = null;
  let roundKey = null;        // Idempotency-Key of the round opening being confirmed

  function showError(text) { errorBox.textContent = text || ""; }

  function row(cells) {
    const tr = P.el("tr");
    cells.forEach(function (cell, index) {
      tr.appendChild(P.el(index === 0 ? "th" : "td", cell, index === 0 ? {scope: "row"} : {}));
    });
    return tr;
  }

  function option(id) { return names.options[id] || id; }
  function packageText(options) { return P.packageText(options, names.options); }
  function shownRound() { return selectedRound || view.round; }

  // -- the workshop -------------------------------------------------------------------------------

  function renderWorkshop() {
    document.getElementById("title").textContent = view.title;
    document.title = P._("%(title)s · dashboard", {title: view.title});
    const facts = [names.title];
    if (view.scenario) facts.push(P._("scenario: %(name)s", {name: names.scenarios[view.scenario] || view.scenario}));
    facts.push(view.language === "fr" ? "Français" : "English");
    if (view.anonymous) facts.push(P._("anonymous"));
    if (view.open_results) facts.push(P._("open results"));
    document.getElementById("meta").textContent = facts.join(" · ");
    document.getElementById("round").textContent = view.round;
    const link = location.origin + "/w/" + view.join_code;
    const anchor = document.getElementById("join-link");
    anchor.textContent = link;
    anchor.setAttribute("href", link);
    document.getElementById("join-code").textContent = view.join_code;
    const qr = document.getElementById("join-qr");
    qr.setAttribute("src", "/w/" + encodeURIComponent(view.join_code) + "/qr.svg");
    qr.hidden = false;
    document.getElementById("projection-link").setAttribute("href", "/workshops/" + workshopId + "/projection");
    const submitted = view.participants.filter(function (p) { return p.submitted_this_round; }).length;
    document.getElementById("progress").textContent = view.participants.length ?
      P._("%(submitted)s of %(joined)s participants have submitted in round %(round)s.",
          {submitted: submitted, joined: view.participants.length, round: view.round}) :
      P._("No one has joined yet.");
    document.getElementById("instructions-now").textContent = view.instructions ?
      P._("Instructions: %(text)s", {text: view.instructions}) : "";
    document.getElementById("next-round").textContent = P._("Close round %(round)s and open round %(next)s…",
                                                             {round: view.round, next: view.round + 1});
    participantNames = {};
    view.participants.forEach(function (p) { participantNames[p.participant_id] = p.display_name; });
    P.replaceChildren(document.querySelector("#participants tbody"), view.participants.map(function (p) {
      return row([p.display_name, p.perspective || "", p.submitted_this_round ? P._("Submitted") : P._("Waiting"), p.versions]);
    }));
    renderRounds();
    renderSettings();
  }

  function renderRounds() {
    const rounds = view.rounds.map(function (r) { return r.number; });
    P.replaceChildren(document.getElementById("round-buttons"), rounds.map(function (number) {
      const released = view.released_rounds.indexOf(number) !== -1;
      const label = released ? P._("Round %(round)s (released)", {round: number}) : P._("Round %(round)s", {round: number});
      const button = P.el("button", label, {type: "button", "class": "secondary", "data-round": String(number),
                                            "aria-pressed": String(number === shownRound())});
      button.addEventListener("click", function () {
        selectedRound = number === view.round ? null : number;
        renderRounds();
        refreshResults();
      });
      return button;
    }));
    const number = shownRound();
    const released = view.released_rounds.indexOf(number) !== -1;
    document.getElementById("release-state").textContent = released ?
      P._("Participants can read the results of round %(round)s.", {round: number}) :
      P._("Participants cannot read the results of round %(round)s yet.", {round: number});
    document.getElementById("release-toggle").textContent = released ?
      P._("Withdraw the release of round %(round)s", {round: number}) :
      P._("Release the results of round %(round)s to participants", {round: number});
    document.getElementById("downloads-round").textContent = P._("Round %(round)s:", {round: number});
  }

  function renderSettings() {
    const form = document.getElementById("settings-form");
    if (form.contains(document.activeElement)) return; // never overwrite what the facilitator is typing
    document.getElementById("set-title").value = view.title;
    document.getElementById("set-language").value = view.language;
    document.getElementById("set-anonymous").checked = view.anonymous;
    document.getElementById("set-open").checked = view.open_results;
    document.getElementById("set-instructions").value = view.instructions || "";
  }

  // -- results ------------------------------------------------------------------------------------

  function renderResults(r) {
    const compromise = document.getElementById("compromise");
    const detail = document.getElementById("compromise-detail");
    if (!r.compromise) {
      compromise.textContent = P._("No one has submitted in round %(round)s yet.", {round: r.round});
      detail.textContent = "";
      P.replaceChildren(document.querySelector("#regrets tbody"), []);
    } else {
      compromise.textContent = packageText(r.compromise.package);
      detail.textContent = r.compromise.max_regret <= 1e-9 ?
        P._("It is every participant's own best package.") :
        P._("Nobody loses more than %(regret)s in value against their own best package.", {regret: P.number(r.compromise.max_regret, 3)});
      P.replaceChildren(document.querySelector("#regrets tbody"), r.participants.map(function (p) {
        return row([p.display_name, packageText(p.best_package), P.number(r.compromise.regrets[p.participant_id], 3)]);
      }));
    }
    const consensus = document.getElementById("consensus");
    if (r.consensus.raters === 0) {
      consensus.textContent = P._("Agreement: nothing to measure yet.");
    } else if (r.consensus.kendall_w === null) {
      consensus.textContent = P._("Agreement: nothing to measure yet; it needs at least two participants' submissions.");
    } else {
      consensus.textContent = P._("Agreement on the order of the options: %(words)s (Kendall's W %(w)s over %(raters)s participants).",
        {words: P.agreement(r.consensus.agreement), w: P.number(r.consensus.kendall_w), raters: r.consensus.raters});
    }
    renderSaid(r);
    P.replaceChildren(document.querySelector("#contested tbody"), r.consensus.raters ? r.contested_criteria.map(function (c) {
      const tr = row([names.criteria[c.criterion] || c.criterion, "", P.number(c.mean_weight, 3)]);
      const meter = P.el("meter", null, {min: "0", max: "0.5", value: String(Math.min(c.spread, 0.5)),
                                         "aria-label": P._("spread %(value)s", {value: P.number(c.spread, 3)})});
      tr.children[1].appendChild(meter);
      tr.children[1].appendChild(P.el("span", " " + P.number(c.spread, 3)));
      return tr;
    }) : []);
    const group = r.group;
    document.getElementById("group-best").textContent = group ?
      P._("Best package by the mean of the weights: %(package)s.", {package: packageText(group.best_package)}) : "";
    P.replaceChildren(document.getElementById("group-options"), group ? group.options.map(function (o) {
      return P.rankedItem(o.rank, option(o.option), P.number(o.value));
    }) : []);
    P.replaceChildren(document.getElementById("borda"), group ? group.borda.slice(0, 5).map(function (b) {
      return P.rankedItem(b.rank, packageText(b.package), P._("%(points)s points", {points: P.number(b.points, 1)}));
    }) : []);
    renderChanges(r.changes);
  }

  function renderSaid(r) {
    const items = [];
    r.participants.forEach(function (p) {
      if (p.comment) {
        const item = P.el("li");
        item.appendChild(P.el("strong", P._("%(label)s:", {label: p.display_name}) + " "));
        item.appendChild(P.el("span", p.comment));
        items.push(item);
      }
      p.effect_overrides.forEach(function (o) {
        const item = P.el("li");
        item.appendChild(P.el("strong", P._("%(label)s:", {label: p.display_name}) + " "));
        item.appendChild(P.el("span", P._("reads %(option)s on %(criterion)s as %(value)s.", {
          option: option(o.option), criterion: names.criteria[o.criterion] || o.criterion, value: P.number(o.likely, 2)})));
        if (o.rationale) item.appendChild(P.el("span", " " + P._("Reason: %(rationale)s", {rationale: o.rationale})));
        items.push(item);
      });
    });
    if (!items.length) items.push(P.el("li", P._("No comments and no effects read differently in this round."), {"class": "muted"}));
    P.replaceChildren(document.getElementById("said"), items);
  }

  function renderChanges(changes) {
    const items = [];
    if (!changes) {
      items.push(P.el("li", P._("This is the first round.")));
    } else {
      const previous = changes.compromise.previous;
      const current = changes.compromise.current;
      if ((previous || []).join() !== (current || []).join()) {
        // Translated apart: the extractor does not see a message inside another one's arguments.
        const before = previous ? packageText(previous) : P._("none");
        const after = current ? packageText(current) : P._("none yet");
        items.push(P.el("li", P._("Compromise: %(before)s → %(after)s.", {before: before, after: after})));
      }
      const w = changes.kendall_w;
      if (w.previous !== null && w.current !== null && Math.abs(w.previous - w.current) >= 0.005) {
        items.push(P.el("li", P._("Kendall's W: %(before)s → %(after)s.", {before: P.number(w.previous), after: P.number(w.current)})));
      }
      changes.participants.forEach(function (p) {
        const before = p.best_package.previous.join();
        const after = p.best_package.current.join();
        if (before !== after) {
          items.push(P.el("li", P._("%(name)s: best package %(before)s → %(after)s (weights moved by %(moved)s).", {
            name: participantNames[p.participant_id] || p.participant_id, before: packageText(p.best_package.previous),
            after: packageText(p.best_package.current), moved: P.number(p.moved, 2)})));
        } else if (p.moved >= 0.005) {
          items.push(P.el("li", P._("%(name)s moved their weights by %(moved)s; same best package.", {
            name: participantNames[p.participant_id] || p.participant_id, moved: P.number(p.moved, 2)})));
        }
      });
      if (changes.missing_participants.length) {
        items.push(P.el("li", P._("Not yet submitted again: %(names)s.", {names: changes.missing_participants.map(function (id) {
          return participantNames[id] || id; }).join(", ")})));
      }
      if (changes.new_participants.length) {
        items.push(P.el("li", P._("New this round: %(names)s.", {names: changes.new_participants.map(function (id) {
          return participantNames[id] || id; }).join(", ")})));
      }
      if (!items.length) items.push(P.el("li", P._("Nothing changed since round %(round)s.", {round: changes.previous_round})));
    }
    P.replaceChildren(document.getElementById("changes"), items);
  }

  // -- reading --------------------------------------------------------------------------------------

  async function refreshResults() {
    const results = await P.api("GET", base + "/results?round=" + shownRound(), null, token);
    if (results.status === 200) { showError(""); renderResults(results.body); } else { showError(P.problemText(results)); }
  }

  async function refresh() {
    const result = await P.api("GET", base, null, token);
    if (result.status === 401 || result.status === 403 || result.status === 404) {
      refused(result);
      return false;
    }
    if (result.status !== 200 || result.body.role !== "facilitator") { showError(P.problemText(result)); return false; }
    view = result.body;
    if (!names) names = await F.modelNames(view.model.id);
    renderWorkshop();
    await refreshResults();
    return true;
  }

  function refused(result) {
    if (following) following.stop();
    F.forget(workshopId);
    document.getElementById("board").hidden = true;
    document.getElementById("token-section").hidden = false;
    showError(result.status === 404 ? P._("There is no such workshop.") : P._("This token does not open this workshop's dashboard."));
  }

  async function start(newToken) {
    token = newToken;
    if (!(await refresh())) return;
    F.keep(workshopId, token);
    document.getElementById("token-section").hidden = true;
    document.getElementById("board").hidden = false;
    let first = true;
    following = P.follow(workshopId, token, POLL_MS, async function () {
      if (first) { first = false; return; } // just read
      await refresh();
    }, refused);
  }

  // -- acting ---------------------------------------------------------------------------------------

  async function act(method, path, body, headers, done) {
    const result = await P.api(method, base + path, body, token, headers);
    if (result.status >= 300) { showError(P.problemText(result)); return null; }
    showError("");
    document.getElementById("control-status").textContent = done(result.body);
    await refresh();
    return result;
  }

  function askNextRound() {
    const next = view.round + 1;
    document.getElementById("dialog-heading").textContent = P._("Close round %(round)s and open round %(next)s?", {round: view.round, next: next});
    document.getElementById("dialog-text").textContent = P._("Participants can no longer change their round %(round)s submissions; this cannot be undone. Round %(round)s's results stay readable here, and round %(next)s starts unreleased.",
                                                               {round: view.round, next: next});
    document.getElementById("confirm-next-round").textContent = P._("Open round %(next)s", {next: next});
    document.getElementById("next-instructions").value = "";
    roundKey = window.crypto.randomUUID ? window.crypto.randomUUID() : String(Date.now()) + Math.random();
    dialog.returnValue = "";
    dialog.showModal();
  }

  dialog.addEventListener("close", function () {
    if (dialog.returnValue !== "confirm") return;
    const instructions = document.getElementById("next-instructions").value.trim();
    selectedRound = null;
    act("POST", "/rounds", instructions ? {instructions: instructions} : {}, {"Idempotency-Key": roundKey}, function (body) {
      return P._("Round %(closed)s is closed; round %(round)s is open.", {closed: body.closed, round: body.round});
    });
  });

  function toggleRelease() {
    const number = shownRound();
    if (view.released_rounds.indexOf(number) !== -1) {
      act("DELETE", "/release?round=" + number, null, {}, function () {
        return P._("The release of round %(round)s is withdrawn: participants no longer see its results.", {round: number});
      });
    } else {
      act("POST", "/release", {round: number}, {}, function () {
        return P._("The results of round %(round)s are released: participants see them now.", {round: number});
      });
    }
  }

  async function saveSettings(event) {
    event.preventDefault();
    const body = {title: document.getElementById("set-title").value.trim(),
                  language: document.getElementById("set-language").value,
                  anonymous: document.getElementById("set-anonymous").checked,
                  open_results: document.getElementById("set-open").checked,
                  instructions: document.getElementById("set-instructions").value.trim() || null};
    const status = document.getElementById("settings-status");
    const result = await P.api("PATCH", base, body, token);
    if (result.status !== 200) { status.textContent = ""; showError(P.problemText(result)); return; }
    showError("");
    status.textContent = P._("Settings saved.");
    document.activeElement.blur();
    await refresh();
  }

  async function download(path, fallbackName) {
    const status = document.getElementById("download-status");
    status.textContent = P._("Preparing the download…");
    const response = await fetch(path, {headers: {"Authorization": "Bearer " + token, "Accept-Language": P.language},
                                        credentials: "omit", cache: "no-store"});
    if (!response.ok) {
      const type = response.headers.get("Content-Type") || "";
      const body = type.indexOf("json") !== -1 ? await response.json() : null;
      status.textContent = "";
      showError(P.problemText({status: response.status, body: body}));
      return;
    }
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const link = P.el("a", null, {href: URL.createObjectURL(await response.blob()), download: match ? match[1] : fallbackName});
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    status.textContent = P._("Downloaded.");
  }

  document.getElementById("next-round").addEventListener("click", askNextRound);
  document.getElementById("release-toggle").addEventListener("click", toggleRelease);
  document.getElementById("settings-form").addEventListener("submit", saveSettings);
  document.getElementById("set-anonymous").addEventListener("change", function () {
    if (this.checked) document.getElementById("set-open").checked = false;
  });
  document.querySelectorAll("button.download").forEach(function (button) {
    button.addEventListener("click", function () {
      download(base + "/brief?format=" + button.dataset.format + "&round=" + shownRound() + "&lang=" + P.language,
               "brief." + button.dataset.format);
    });
  });
  document.getElementById("csv-all").addEventListener("click", function () {
    download(base + "/submissions?format=csv&lang=" + P.language, "submissions.csv");
  });
  document.getElementById("csv-round").addEventListener("click", function () {
    download(base + "/submissions?format=csv&round=" + shownRound() + "&lang=" + P.language, "submissions.csv");
  });
  document.getElementById("forget").addEventListener("click", function () {
    if (following) following.stop();
    F.forget(workshopId);
    token = null;
    document.getElementById("board").hidden = true;
    document.getElementById("token-section").hidden = false;
  });

  const initial = F.token(workshopId);
  F.tokenForm(start);
  if (initial) {
    document.getElementById("token-section").hidden = true;
    start(initial);
  }
})();
