/* The projection view (DESIGN.md §8.3): for a shared screen of 1920 x 1080, the compromise and a
chart in the first screen, the other charts below, the join link as a QR code. The charts are SVG
drawn by the server with the briefs' chart code (GET .../charts); the page follows the current
round by polling the workshop's status. */
"use strict";

(function () {
  const P = window.PolicyOptions;
  const F = window.Facilitator;
  const workshopId = document.getElementById("main").dataset.workshopId;
  const base = "/api/v1/workshops/" + workshopId;
  const POLL_MS = 3000;
  const FIRST_CHART = "weights";
  let token = null;
  let names = null;
  let following = null;

  function showError(text) { document.getElementById("error").textContent = text || ""; }

  /** An SVG drawn by the server, parsed as XML (never as HTML) and imported into the page. */
  function svgNode(markup) {
    const parsed = new DOMParser().parseFromString(markup, "image/svg+xml");
    const svg = parsed.documentElement;
    return svg && svg.nodeName === "svg" ? document.importNode(svg, true) : P.el("p", P._("The chart could not be shown."));
  }

  function chartSection(chart) {
    const section = P.el("section", null, {"class": "chart-box", "aria-labelledby": "heading-" + chart.id, "data-chart": chart.id});
    section.appendChild(P.el("h2", chart.title, {id: "heading-" + chart.id}));
    section.appendChild(svgNode(chart.svg));
    return section;
  }

  async function refresh() {
    const viewResult = await P.api("GET", base, null, token);
    if (viewResult.status !== 200 || viewResult.body.role !== "facilitator") { refused(viewResult); return false; }
    const view = viewResult.body;
    if (!names) names = await F.modelNames(view.model.id);
    const [results, charts] = await Promise.all([
      P.api("GET", base + "/results?round=" + view.round, null, token),
      P.api("GET", base + "/charts?round=" + view.round + "&lang=" + P.language, null, token)]);
    document.title = P._("%(title)s · projection", {title: view.title});
    document.getElementById("title").textContent = view.title;
    document.getElementById("round-line").textContent = P._("Round %(round)s", {round: view.round});
    const submitted = view.participants.filter(function (p) { return p.submitted_this_round; }).length;
    document.getElementById("progress").textContent = view.participants.length ?
      P._("%(submitted)s of %(joined)s participants have submitted.", {submitted: submitted, joined: view.participants.length}) :
      P._("No one has joined yet.");
    const link = location.origin + "/w/" + view.join_code;
    document.getElementById("join-link").textContent = link;
    document.getElementById("join-code").textContent = view.join_code;
    const qr = document.getElementById("join-qr");
    qr.setAttribute("src", "/w/" + encodeURIComponent(view.join_code) + "/qr.svg");
    qr.hidden = false;
    if (results.status === 200) {
      const r = results.body;
      document.getElementById("compromise").textContent = r.compromise ?
        P.packageText(r.compromise.package, names.options) : P._("Waiting for the first submissions.");
      document.getElementById("compromise-detail").textContent = !r.compromise ? "" : r.compromise.max_regret <= 1e-9 ?
        P._("It is every participant's own best package.") :
        P._("Nobody loses more than %(regret)s in value against their own best package.", {regret: P.number(r.compromise.max_regret, 3)});
      document.getElementById("agreement").textContent = r.consensus.kendall_w === null ? "" :
        P._("Agreement on the order of the options: %(words)s (Kendall's W %(w)s).",
            {words: P.agreement(r.consensus.agreement), w: P.number(r.consensus.kendall_w)});
    }
    if (charts.status === 200) {
      const first = charts.body.charts.find(function (c) { return c.id === FIRST_CHART; });
      const holder = document.querySelector("#first-chart .chart-holder");
      document.getElementById("first-chart").hidden = !first;
      if (first) {
        document.getElementById("first-chart-heading").textContent = first.title;
        P.replaceChildren(holder, [svgNode(first.svg)]);
      }
      P.replaceChildren(document.getElementById("more-charts"),
                        charts.body.charts.filter(function (c) { return c !== first; }).map(chartSection));
    } else {
      showError(P.problemText(charts));
    }
    return true;
  }

  function refused(result) {
    if (following) following.stop();
    if (result.status === 401 || result.status === 403 || result.status === 404) F.forget(workshopId);
    document.getElementById("wall").hidden = true;
    document.getElementById("token-section").hidden = false;
    showError(result.status === 404 ? P._("There is no such workshop.") : P.problemText(result));
  }

  async function start(newToken) {
    token = newToken;
    if (!(await refresh())) return;
    F.keep(workshopId, token);
    document.getElementById("token-section").hidden = true;
    document.getElementById("wall").hidden = false;
    let first = true;
    following = P.follow(workshopId, token, POLL_MS, async function () {
      if (first) { first = false; return; }
      await refresh();
    }, refused);
  }

  const initial = F.token(workshopId);
  F.tokenForm(start);
  if (initial) {
    document.getElementById("token-section").hidden = true;
    start(initial);
  }
})();
