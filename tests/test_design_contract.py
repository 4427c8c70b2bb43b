"""Black-box contract tests written from /work/shared/DESIGN.md only.

Every expectation here is derived from DESIGN.md (sections 2-7); the service is used
through its HTTP API, in-process, and every number is recomputed by an independent
oracle (brute force over all packages, scipy LP for pairwise bounds).
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import os
import re
import statistics

import pytest

from service import create_app

TOL = 1e-9
SQ = "status-quo"
DEFAULT_MODEL = "minusma-2017"
SOURCE_DIR = "/work/shared/source"

# ---------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    db = tmp_path_factory.mktemp("design") / "design.sqlite3"
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db}"})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def post(client, path, body, headers=None):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers or {})


def put(client, path, body, headers=None):
    return client.put(path, data=json.dumps(body), content_type="application/json", headers=headers or {})


def raw_post(client, path, text):
    return client.post(path, data=text, content_type="application/json")


EV = [{"quote": "A short quote from the report.", "lines": "L10-L12", "section": "Introduction"}]


def eff(option, criterion, low, likely, high):
    return {"option": option, "criterion": criterion, "low": low, "likely": likely, "high": high,
            "rationale": f"{option} on {criterion}", "evidence": EV}


def custom_model(model_id="audit-model"):
    crit = ["c1", "c2", "c3", "c4"]
    opts = ["a", "b", "c", "d", "e", "f"]
    return {
        "id": model_id,
        "version": "1.0",
        "title": "Audit model",
        "source": {"title": "An audit report", "author": "Auditor", "year": 2020, "publisher": "Audit Press"},
        "scale": {"min": -3, "max": 3},
        "criteria": [{"id": c, "name": f"Criterion {c}", "description": f"about {c}", "evidence": EV} for c in crit],
        "options": [{"id": o, "name": f"Option {o}", "recommendation": 1 + i // 2, "summary": f"do {o}",
                     "evidence": EV} for i, o in enumerate(opts)],
        "effects": [
            eff("a", "c1", 0.5, 1, 2), eff("a", "c2", -1, -0.5, 0), eff("a", "c3", 0, 0.5, 1),
            eff("b", "c1", 0, 0.5, 1), eff("b", "c2", 0.5, 1, 1.5), eff("b", "c4", -1, -1, 0),
            eff("c", "c2", -2, -1, 0), eff("c", "c3", 1, 2, 3), eff("c", "c4", 0, 0.5, 1),
            eff("d", "c1", -1, 0, 1), eff("d", "c3", 0.5, 1, 1.5), eff("d", "c4", 1, 1.5, 2),
            eff("e", "c1", 0, 0.5, 1), eff("e", "c2", 0, 0.25, 0.5), eff("e", "c4", -0.5, 0, 0.5),
            eff("f", "c1", 0, 0.5, 1), eff("f", "c2", 0, 0.25, 0.5), eff("f", "c4", -0.5, 0, 0.5),
            # the service wants every option x criterion pair declared (DESIGN.md only lets the status
            # quo's effects be left out), so the remaining pairs are explicit zeros
            eff("a", "c4", 0, 0, 0), eff("b", "c3", 0, 0, 0), eff("c", "c1", 0, 0, 0), eff("d", "c2", 0, 0, 0),
            eff("e", "c3", 0, 0, 0), eff("f", "c3", 0, 0, 0),
        ],
        "interactions": [
            {"id": "i-ab", "options": ["a", "b"], "effects": {"c1": {"low": 0, "likely": 1, "high": 1.5}},
             "rationale": "synergy", "evidence": EV},
            {"id": "i-cd", "options": ["c", "d"],
             "effects": {"c3": {"low": -1.5, "likely": -1, "high": 0}, "c4": {"low": -1, "likely": -0.5, "high": 0}},
             "rationale": "conflict", "evidence": EV},
        ],
        "constraints": [
            {"id": "m-ef", "type": "at_most", "options": ["e", "f"], "count": 1, "rationale": "alternatives"},
            {"id": "m-fc", "type": "requires", "option": "f", "requires": "c", "rationale": "f needs c"},
        ],
        "scenarios": [
            {"id": "base", "name": "Base", "description": "as is", "default": True, "unavailable": [],
             "adjustments": [], "evidence": EV},
            {"id": "alt", "name": "Alternative", "description": "d impossible", "default": False,
             "unavailable": ["d"],
             "adjustments": [{"option": "a", "criterion": "c1", "delta": -1},
                             {"option": "b", "criterion": "c3", "delta": 0.5},
                             {"option": "e", "criterion": "c4", "delta": 1}],
             "evidence": EV},
        ],
    }


@pytest.fixture(scope="module")
def created(client):
    r = post(client, "/api/v1/models", custom_model())
    assert r.status_code == 201, r.get_data(as_text=True)
    return r


@pytest.fixture(scope="module")
def cmodel(client, created):
    r = client.get("/api/v1/models/audit-model")
    assert r.status_code == 200
    return r.get_json()


@pytest.fixture(scope="module")
def dmodel(client):
    r = client.get(f"/api/v1/models/{DEFAULT_MODEL}")
    assert r.status_code == 200
    return r.get_json()


# ---------------------------------------------------------------------------------------------
# oracle (from DESIGN.md section 2 and 3)


class Oracle:
    def __init__(self, model, scenario=None, case="likely", overrides=None):
        self.model = model
        self.crit = [c["id"] for c in model["criteria"]]
        self.opts = sorted(o["id"] for o in model["options"] if o["id"] != SQ)
        if scenario is None:
            scenario = next(s["id"] for s in model["scenarios"] if s.get("default"))
        self.scenario = next(s for s in model["scenarios"] if s["id"] == scenario)
        self.e = {o: {c: 0.0 for c in self.crit} for o in self.opts}
        for ef in model["effects"]:
            if ef["option"] == SQ:
                continue
            self.e[ef["option"]][ef["criterion"]] = float(ef[case])
        for ov in overrides or []:
            self.e[ov["option"]][ov["criterion"]] = float(ov["likely"])
        for adj in self.scenario.get("adjustments", []):
            self.e[adj["option"]][adj["criterion"]] += adj["delta"]
        self.inter = [(frozenset(i["options"]), {c: float(v[case]) for c, v in i["effects"].items()})
                      for i in model.get("interactions", [])]
        self.unavailable = set(self.scenario.get("unavailable", []))
        self.model_constraints = {c["id"]: c for c in model.get("constraints", [])}

    def perf(self, S):
        S = set(S)
        p = {c: sum(self.e[i][c] for i in S) for c in self.crit}
        for pair, effs in self.inter:
            if pair <= S:
                for c, v in effs.items():
                    p[c] += v
        return p

    def value(self, S, w):
        p = self.perf(S)
        return sum(w.get(c, 0.0) * p[c] for c in self.crit) / 3

    def option_value(self, o, w):
        return 0.0 if o == SQ else self.value([o], w)

    def sat(self, con, S):
        S = set(S)
        t = con["type"]
        if t == "include":
            return set(con["options"]) <= S
        if t == "exclude":
            return not (set(con["options"]) & S)
        if t == "requires":
            return con["option"] not in S or con["requires"] in S
        if t == "excludes":
            return len(set(con["options"]) & S) <= len(set(con["options"])) - 1
        if t == "at_most":
            return len(set(con["options"]) & S) <= con["count"]
        if t == "at_least":
            return len(set(con["options"]) & S) >= con["count"]
        if t == "max_options":
            return len(S) <= con["count"]
        if t == "min_performance":
            return self.perf(S)[con["criterion"]] >= con["at_least"] - 1e-12
        if t == "_unavailable":
            return con["option"] not in S
        raise AssertionError(t)

    def all_packages(self):
        for r in range(len(self.opts) + 1):
            for combo in itertools.combinations(self.opts, r):
                yield frozenset(combo)

    def full_constraints(self, request_constraints=()):
        cons = list(self.model_constraints.values()) + list(request_constraints)
        cons += [{"type": "_unavailable", "option": o} for o in self.unavailable]
        return cons

    def feasible(self, cons):
        return [S for S in self.all_packages() if all(self.sat(c, S) for c in cons)]

    def ranked_packages(self, w, request_constraints=()):
        feas = self.feasible(self.full_constraints(request_constraints))
        vals = {S: self.value(S, w) for S in feas}
        return order_entries([(S, vals[S]) for S in feas])


def cmp_entries(x, y):
    (sx, vx), (sy, vy) = x, y
    if abs(vx - vy) > TOL:
        return -1 if vx > vy else 1
    if len(sx) != len(sy):
        return -1 if len(sx) < len(sy) else 1
    kx, ky = tuple(sorted(sx)), tuple(sorted(sy))
    return (kx > ky) - (kx < ky)


def order_entries(entries):
    return sorted(entries, key=functools.cmp_to_key(cmp_entries))


def competition_ranks(values):
    return [1 + sum(1 for v in values if v > x + TOL) for x in values]


def normalize(w, crit):
    tot = sum(w.get(c, 0.0) for c in crit)
    return {c: w.get(c, 0.0) / tot for c in crit}


def roc(order, crit):
    names = [c for item in order for c in (item if isinstance(item, list) else [item])]
    n = len(names)
    base = [sum(1 / i for i in range(r, n + 1)) / n for r in range(1, n + 1)]
    w, pos = {c: 0.0 for c in crit}, 0
    for item in order:
        group = item if isinstance(item, list) else [item]
        share = sum(base[pos:pos + len(group)]) / len(group)
        for c in group:
            w[c] = share
        pos += len(group)
    return w


# ---------------------------------------------------------------------------------------------
# checks shared by several tests

RANKING_FIELDS = ["model", "scenario", "score_case", "weights", "options", "packages", "excluded",
                  "explanations", "warnings", "provenance"]


def check_ranking(resp, model, w_norm, scenario=None, case="likely", constraints=(), k=5):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    for f in RANKING_FIELDS:
        assert f in body, f"missing {f}"
    for f in ["model_version", "input_sha256", "solver", "engine_version"]:
        assert f in body["provenance"], f
    assert body["model"]["id"] == model["id"]
    assert body["model"]["version"] == model["version"]
    orc = Oracle(model, scenario, case)
    assert body["scenario"] == orc.scenario["id"]
    assert body["score_case"] == case
    for c in orc.crit:
        assert abs(body["weights"].get(c, 0.0) - w_norm[c]) < TOL, (c, body["weights"])

    # options: every option on its own, status quo included, minus unavailable / excluded
    excl = set(orc.unavailable)
    for con in list(orc.model_constraints.values()) + list(constraints):
        if con["type"] == "exclude":
            excl |= set(con["options"])
    expected_opts = [(o, orc.option_value(o, w_norm)) for o in [SQ] + orc.opts if o not in excl]
    got = body["options"]
    assert sorted(x["option"] for x in got) == sorted(o for o, _ in expected_opts)
    by_id = dict(expected_opts)
    for x in got:
        for f in ["rank", "option", "value", "available", "contributions"]:
            assert f in x, f
        assert abs(x["value"] - by_id[x["option"]]) < TOL, x
        assert x["available"] is True
        if x["option"] != SQ:
            for c in orc.crit:
                assert abs(x["contributions"].get(c, 0.0) - w_norm[c] * orc.e[x["option"]][c] / 3) < TOL
    vals = [x["value"] for x in got]
    assert [x["rank"] for x in got] == competition_ranks(vals)
    assert all(vals[i] >= vals[i + 1] - TOL for i in range(len(vals) - 1))
    # ties listed by option id (status quo is the empty package: "fewer options" first)
    for i in range(len(got) - 1):
        if abs(vals[i] - vals[i + 1]) <= TOL:
            a, b = got[i]["option"], got[i + 1]["option"]
            assert b != SQ and (a == SQ or a < b), (a, b)

    excluded_listed = {x["option"]: x for x in body["excluded"]}
    assert set(excluded_listed) == excl
    for x in body["excluded"]:
        assert isinstance(x["reasons"], list) and x["reasons"] and all(isinstance(s, str) and s for s in x["reasons"])

    # packages: the k best by brute force
    ranked = orc.ranked_packages(w_norm, constraints)
    top = ranked[:k]
    pk = body["packages"]
    assert [frozenset(p["options"]) for p in pk] == [S for S, _ in top], (
        [p["options"] for p in pk], [sorted(S) for S, _ in top])
    assert [p["rank"] for p in pk] == competition_ranks([v for _, v in top])
    for p, (S, v) in zip(pk, top):
        for f in ["rank", "options", "value", "performance", "contributions"]:
            assert f in p, f
        assert SQ not in p["options"]
        assert abs(p["value"] - v) < TOL
        perf = orc.perf(S)
        for c in orc.crit:
            assert abs(p["performance"][c] - perf[c]) < TOL, (c, p)
            assert abs(p["contributions"][c] - w_norm[c] * perf[c] / 3) < TOL, (c, p)

    # explanations
    best_set, best_val = top[0]
    expl = {x["option"]: x for x in body["explanations"]}
    for o in orc.opts:
        if o in best_set:
            assert o not in expl, o
            continue
        assert o in expl, f"no explanation for {o}"
        x = expl[o]
        for f in ["option", "best_package_with_it", "value_loss"]:
            assert f in x, f
        with_o = [(S, v) for S, v in ranked if o in S]
        if not with_o:
            assert x["best_package_with_it"] in (None, []), x
        else:
            assert x["best_package_with_it"] is not None, x
            S = frozenset(x["best_package_with_it"])
            assert abs(orc.value(S, w_norm) - with_o[0][1]) < TOL, x
            assert abs(x["value_loss"] - (best_val - with_o[0][1])) < TOL, x
    return body


def assert_problem(resp, status):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    assert resp.headers["Content-Type"].startswith("application/problem+json"), resp.headers["Content-Type"]
    body = resp.get_json()
    for f in ["type", "title", "status", "detail"]:
        assert f in body, f
    assert body["status"] == status
    return body


def assert_validation(resp):
    body = assert_problem(resp, 422)
    assert isinstance(body.get("errors"), list) and body["errors"], body
    for e in body["errors"]:
        assert set(["pointer", "detail"]) <= set(e), e
        assert isinstance(e["pointer"], str) and (e["pointer"] == "" or e["pointer"].startswith("/")), e
    return body


def rank(client, model_id, body):
    return post(client, f"/api/v1/models/{model_id}/rankings", body)


# ---------------------------------------------------------------------------------------------
# section 4: models


def test_model_list_and_default_model(client, dmodel):
    r = client.get("/api/v1/models")
    assert r.status_code == 200
    items = r.get_json()["items"]
    ids = [i["id"] for i in items]
    assert DEFAULT_MODEL in ids
    for i in items:
        for f in ["id", "version", "title", "source"]:
            assert f in i, f
    for f in ["criteria", "options", "effects", "interactions", "constraints", "scenarios", "scale",
              "id", "version", "title", "source"]:
        assert f in dmodel, f
    assert dmodel["scale"]["min"] == -3 and dmodel["scale"]["max"] == 3
    assert SQ in [o["id"] for o in dmodel["options"]]
    assert sum(1 for s in dmodel["scenarios"] if s.get("default")) == 1
    for c in dmodel["constraints"]:
        assert c.get("id")
    for ef in dmodel["effects"]:
        assert ef["low"] <= ef["likely"] <= ef["high"], ef
        assert -3 <= ef["low"] and ef["high"] <= 3
        if ef["option"] == SQ:
            assert ef["low"] == ef["likely"] == ef["high"] == 0
        assert ef.get("rationale")
        assert ef["evidence"], ef
        for ev in ef["evidence"]:
            assert ev["quote"] and ev["section"]
            assert re.fullmatch(r"L\d+(-L\d+)?", ev["lines"]), ev
    for it in dmodel["interactions"]:
        for c, v in it["effects"].items():
            assert v["low"] <= v["likely"] <= v["high"]


def _norm(s):
    return " ".join(s.split())


def test_default_model_quotes_occur_at_cited_lines(dmodel):
    fname = dmodel["source"].get("file") or "charbonneau-2017-dilemmas-of-intervention-in-mali.txt"
    with open(os.path.join(SOURCE_DIR, fname), encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    evs = []
    for key in ["criteria", "options", "effects", "interactions", "scenarios"]:
        for item in dmodel[key]:
            evs += item.get("evidence", [])
    bad = []
    for ev in evs:
        m = re.fullmatch(r"L(\d+)(?:-L(\d+))?", ev["lines"])
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        text = _norm(" ".join(lines[a - 1:b]))
        if _norm(ev["quote"]) not in text:
            bad.append(ev)
    assert not bad, bad[:3]


def test_post_model_roundtrip(client, created, cmodel):
    assert created.headers.get("Location", "").endswith("/api/v1/models/audit-model")
    ids = [o["id"] for o in cmodel["options"]]
    assert SQ in ids, "status quo must be added when left out"
    for ef in cmodel["effects"]:
        if ef["option"] == SQ:
            assert ef["low"] == ef["likely"] == ef["high"] == 0
    assert {c["id"] for c in cmodel["constraints"]} == {"m-ef", "m-fc"}
    assert [s["id"] for s in cmodel["scenarios"] if s.get("default")] == ["base"]
    listed = client.get("/api/v1/models").get_json()["items"]
    assert "audit-model" in [i["id"] for i in listed]
    # effects round-trip
    orig = {(e["option"], e["criterion"]): (e["low"], e["likely"], e["high"]) for e in custom_model()["effects"]}
    got = {(e["option"], e["criterion"]): (e["low"], e["likely"], e["high"]) for e in cmodel["effects"]
           if e["option"] != SQ}
    assert {k: v for k, v in got.items() if k in orig} == orig


def test_model_without_a_marked_default_takes_its_first_scenario(client):
    # DESIGN.md §1 says one scenario is the default; the service reads an unmarked model as
    # defaulting to its first scenario rather than refusing it (documented choice).
    m = custom_model("no-marked-default")
    for scenario in m["scenarios"]:
        scenario.pop("default", None)
    assert post(client, "/api/v1/models", m).status_code == 201
    got = client.get("/api/v1/models/no-marked-default").get_json()
    assert [s["id"] for s in got["scenarios"] if s["default"]] == [m["scenarios"][0]["id"]]


def test_post_model_duplicate_409(client, created):
    r = post(client, "/api/v1/models", custom_model())
    assert_problem(r, 409)


@pytest.mark.parametrize("mutate,pointer_prefix", [
    (lambda m: m["effects"][0].update(low=2, likely=1, high=3), "/effects/0"),
    (lambda m: m["effects"][0].update(high=5), "/effects/0"),
    (lambda m: m["effects"][0].update(option="nope"), "/effects/0"),
    (lambda m: m["effects"][0].update(criterion="nope"), "/effects/0"),
    (lambda m: m["effects"][0].update(evidence=[]), "/effects/0"),
    (lambda m: m["effects"][0].update(likely="1"), "/effects/0"),
    (lambda m: m["scenarios"][1].update(unavailable=["zzz"]), "/scenarios/1"),
    (lambda m: m["constraints"][0].update(options=["e", "zzz"]), "/constraints/0"),
    (lambda m: m["constraints"][0].pop("id"), "/constraints/0"),
    (lambda m: m["interactions"][0].update(options=["a", "nope"]), "/interactions/0"),
    (lambda m: m["options"].append(copy.deepcopy(m["options"][0])), "/options"),
    (lambda m: m.update(unknown_field=1), ""),
])
def test_post_model_invalid_422(client, mutate, pointer_prefix, request):
    mid = "bad-" + re.sub(r"[^a-z0-9]+", "-", request.node.callspec.id.lower()).strip("-")
    m = custom_model(mid)
    mutate(m)
    r = post(client, "/api/v1/models", m)
    body = assert_validation(r)
    assert any(e["pointer"].startswith(pointer_prefix) for e in body["errors"]), body["errors"]
    assert client.get(f"/api/v1/models/{mid}").status_code == 404


# ---------------------------------------------------------------------------------------------
# section 2 and 5: rankings


def test_rank_custom_model_weights(client, cmodel):
    w = {"c1": 3, "c2": 2, "c3": 1, "c4": 1}
    r = rank(client, "audit-model", {"weights": w})
    body = check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]))
    assert body["warnings"] == []


@pytest.mark.parametrize("case", ["low", "high"])
def test_rank_score_case(client, cmodel, case):
    w = {"c1": 1, "c2": 1, "c3": 2, "c4": 1}
    r = rank(client, "audit-model", {"weights": w, "score_case": case, "k": 10})
    check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]), case=case, k=10)


def test_rank_non_default_scenario(client, cmodel):
    w = {"c1": 1, "c2": 1, "c3": 1, "c4": 1}
    r = rank(client, "audit-model", {"weights": w, "scenario": "alt", "k": 12})
    body = check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]), scenario="alt", k=12)
    assert [x["option"] for x in body["excluded"]] == ["d"]
    assert "d" not in [x["option"] for x in body["options"]]
    # a scenario's delta is added to low, likely and high alike
    for case in ["low", "high"]:
        r = rank(client, "audit-model", {"weights": w, "scenario": "alt", "score_case": case, "k": 12})
        check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]), scenario="alt", case=case, k=12)


def test_model_level_exclude_include_min_performance(client, created):
    m = custom_model("audit-model-2")
    m["constraints"] += [
        {"id": "m-no-b", "type": "exclude", "options": ["b"], "rationale": "b is ruled out"},
        {"id": "m-inc-a", "type": "include", "options": ["a"], "rationale": "a is always in"},
        {"id": "m-minp", "type": "min_performance", "criterion": "c2", "at_least": -1, "rationale": "floor"},
    ]
    r = post(client, "/api/v1/models", m)
    assert r.status_code == 201, r.get_data(as_text=True)
    model = client.get("/api/v1/models/audit-model-2").get_json()
    w = {"c1": 1, "c3": 1, "c4": 2}
    for scen in ["base", "alt"]:
        body = check_ranking(rank(client, "audit-model-2", {"weights": w, "scenario": scen, "k": 20}), model,
                             normalize(w, ["c1", "c2", "c3", "c4"]), scenario=scen, k=20)
        assert "b" in [x["option"] for x in body["excluded"]]
    r = rank(client, "audit-model-2", {"weights": w, "constraints": [{"type": "max_options", "count": 3},
                                                                     {"type": "exclude", "options": ["a"]}]})
    body = assert_problem(r, 422)
    assert body["type"].endswith("/infeasible-constraints")
    assert sorted(body["conflict"], key=lambda e: e["source"]) == [{"source": "model", "id": "m-inc-a"},
                                                                   {"source": "request", "index": 1}]
    # robustness ranks the same set of options
    r = post(client, "/api/v1/models/audit-model-2/robustness", {"weights": w, "samples": 200})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert {x["option"] for x in r.get_json()["rank_ranges"]} == {SQ, "a", "c", "d", "e", "f"}


def test_rank_ties(client, cmodel):
    # e and f have identical effects: they tie as single options
    w = {"c1": 1, "c2": 1, "c3": 1, "c4": 1}
    r = rank(client, "audit-model", {"weights": w, "k": 50})
    body = check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]), k=50)
    ranks = {x["option"]: x["rank"] for x in body["options"]}
    assert ranks["e"] == ranks["f"]
    # with only c1, a package set with many ties
    r = rank(client, "audit-model", {"weights": {"c1": 1}, "k": 50})
    check_ranking(r, cmodel, normalize({"c1": 1}, ["c1", "c2", "c3", "c4"]), k=50)


def test_priority_order_roc_with_ties(client, cmodel):
    order = ["c1", ["c2", "c3"]]
    r = rank(client, "audit-model", {"priority_order": order})
    w = roc(order, ["c1", "c2", "c3", "c4"])
    assert abs(w["c1"] - 11 / 18) < 1e-12 and abs(w["c2"] - 7 / 36) < 1e-12
    body = check_ranking(r, cmodel, w)
    assert any("c4" in s for s in body["warnings"]), body["warnings"]
    assert not any(re.search(r"\bc1\b", s) for s in body["warnings"])


def test_priority_order_full_default_model(client, dmodel):
    crit = [c["id"] for c in dmodel["criteria"]]
    order = [crit[2], [crit[0], crit[5], crit[1]], crit[4]]
    r = rank(client, DEFAULT_MODEL, {"priority_order": order, "k": 10})
    body = check_ranking(r, dmodel, roc(order, crit), k=10)
    for c in set(crit) - {crit[0], crit[1], crit[2], crit[4], crit[5]}:
        assert any(c in s for s in body["warnings"]), (c, body["warnings"])


def test_priority_order_named_twice_422(client):
    assert_validation(rank(client, "audit-model", {"priority_order": ["c1", ["c2", "c1"]]}))


def test_weights_leaving_criteria_out_warn(client, cmodel):
    r = rank(client, "audit-model", {"weights": {"c2": 1, "c3": 2}})
    body = check_ranking(r, cmodel, normalize({"c2": 1, "c3": 2}, ["c1", "c2", "c3", "c4"]))
    for c in ["c1", "c4"]:
        assert any(c in s for s in body["warnings"]), body["warnings"]


def test_default_model_all_scenarios(client, dmodel):
    crit = [c["id"] for c in dmodel["criteria"]]
    w = {c: i + 1 for i, c in enumerate(crit)}
    for s in dmodel["scenarios"]:
        for case in ["likely", "low"]:
            r = rank(client, DEFAULT_MODEL, {"weights": w, "scenario": s["id"], "score_case": case, "k": 50})
            check_ranking(r, dmodel, normalize(w, crit), scenario=s["id"], case=case, k=50)


def test_input_sha256(client):
    a = rank(client, "audit-model", {"weights": {"c1": 1, "c2": 2}, "k": 3}).get_json()
    b = rank(client, "audit-model", {"weights": {"c1": 1, "c2": 2}, "k": 3}).get_json()
    c = client.post("/api/v1/models/audit-model/rankings", content_type="application/json",
                    data='{"k": 3, "weights": {"c2": 2, "c1": 1}}').get_json()
    d = rank(client, "audit-model", {"weights": {"c1": 1, "c2": 3}, "k": 3}).get_json()
    assert a["provenance"]["input_sha256"] == b["provenance"]["input_sha256"]
    assert a["provenance"]["input_sha256"] == c["provenance"]["input_sha256"]
    assert a["provenance"]["input_sha256"] != d["provenance"]["input_sha256"]
    assert re.fullmatch(r"[0-9a-f]{64}", a["provenance"]["input_sha256"])


def test_k_bounds(client, cmodel):
    w = {"c1": 1}
    r = rank(client, "audit-model", {"weights": w, "k": 50})
    check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]), k=50)
    assert_validation(rank(client, "audit-model", {"weights": w, "k": 51}))
    assert_validation(rank(client, "audit-model", {"weights": w, "k": 0}))


# ---------------------------------------------------------------------------------------------
# section 3: constraints


CONSTRAINT_CASES = [
    [{"type": "include", "options": ["b"]}],
    [{"type": "include", "options": ["b", "e"]}],
    [{"type": "exclude", "options": ["a"]}],
    [{"type": "exclude", "options": ["a", "c"]}],
    [{"type": "requires", "option": "b", "requires": "d"}],
    [{"type": "excludes", "options": ["a", "c"]}],
    [{"type": "excludes", "options": ["a", "b", "c"]}],
    [{"type": "at_most", "options": ["a", "b", "c", "d"], "count": 2}],
    [{"type": "at_least", "options": ["d", "e"], "count": 1}],
    [{"type": "at_least", "options": ["b", "d", "e"], "count": 2}],
    [{"type": "max_options", "count": 2}],
    [{"type": "max_options", "count": 0}],
    [{"type": "min_performance", "criterion": "c2", "at_least": 0}],
    [{"type": "min_performance", "criterion": "c4", "at_least": 1}],
    [{"type": "excludes", "options": ["a", "b", "c"]}, {"type": "at_least", "options": ["a", "b"], "count": 1},
     {"type": "min_performance", "criterion": "c3", "at_least": 1.5}, {"type": "max_options", "count": 3}],
]


@pytest.mark.parametrize("cons", CONSTRAINT_CASES)
def test_constraints_brute_force(client, cmodel, cons):
    w = {"c1": 2, "c2": 1, "c3": 1, "c4": 3}
    for scen in ["base", "alt"]:
        r = rank(client, "audit-model", {"weights": w, "constraints": cons, "scenario": scen, "k": 8})
        check_ranking(r, cmodel, normalize(w, ["c1", "c2", "c3", "c4"]), scenario=scen, constraints=cons, k=8)


def test_constraints_default_model(client, dmodel):
    crit = [c["id"] for c in dmodel["criteria"]]
    opts = [o["id"] for o in dmodel["options"] if o["id"] != SQ]
    w = {c: 1 for c in crit}
    cons = [{"type": "exclude", "options": [opts[0]]},
            {"type": "at_least", "options": opts[1:4], "count": 1},
            {"type": "min_performance", "criterion": crit[2], "at_least": 0}]
    r = rank(client, DEFAULT_MODEL, {"weights": w, "constraints": cons, "k": 50})
    check_ranking(r, dmodel, normalize(w, crit), constraints=cons, k=50)


def resolve_conflict(orc, entries, request_constraints):
    out = []
    for e in entries:
        if e["source"] == "request":
            out.append(request_constraints[e["index"]])
        elif e["source"] == "model":
            out.append(orc.model_constraints[e["id"]])
        elif e["source"] == "scenario":
            assert e["option"] in orc.unavailable
            out.append({"type": "_unavailable", "option": e["option"]})
        else:
            raise AssertionError(e)
    return out


INFEASIBLE_CASES = [
    ("base", [{"type": "max_options", "count": 4}, {"type": "include", "options": ["a"]},
              {"type": "exclude", "options": ["a"]}],
     [{"source": "request", "index": 1}, {"source": "request", "index": 2}]),
    ("alt", [{"type": "max_options", "count": 5}, {"type": "include", "options": ["d"]}],
     [{"source": "request", "index": 1}, {"source": "scenario", "option": "d"}]),
    ("base", [{"type": "include", "options": ["e"]}, {"type": "exclude", "options": ["b"]},
              {"type": "include", "options": ["f"]}],
     [{"source": "request", "index": 0}, {"source": "request", "index": 2}, {"source": "model", "id": "m-ef"}]),
    ("base", [{"type": "include", "options": ["f"]}, {"type": "exclude", "options": ["c"]}],
     [{"source": "request", "index": 0}, {"source": "request", "index": 1}, {"source": "model", "id": "m-fc"}]),
    ("base", [{"type": "exclude", "options": ["e"]}, {"type": "min_performance", "criterion": "c2", "at_least": 2.5}],
     None),
    ("base", [{"type": "at_least", "options": ["a", "b", "c"], "count": 3},
              {"type": "excludes", "options": ["a", "b", "c"]}],
     [{"source": "request", "index": 0}, {"source": "request", "index": 1}]),
    ("base", [{"type": "max_options", "count": 1}, {"type": "at_least", "options": ["a", "b"], "count": 1},
              {"type": "min_performance", "criterion": "c1", "at_least": 1.5}],
     None),
]


@pytest.mark.parametrize("scen,cons,expected", INFEASIBLE_CASES)
def test_infeasible_conflict_minimal(client, cmodel, scen, cons, expected):
    r = rank(client, "audit-model", {"weights": {"c1": 1}, "constraints": cons, "scenario": scen})
    body = assert_problem(r, 422)
    assert body["type"].endswith("/infeasible-constraints"), body["type"]
    conflict = body["conflict"]
    assert conflict
    orc = Oracle(cmodel, scen)
    assert not orc.feasible(orc.full_constraints(cons)), "oracle says feasible"
    resolved = resolve_conflict(orc, conflict, cons)
    assert not orc.feasible(resolved), f"conflict {conflict} is feasible on its own"
    for i in range(len(resolved)):
        assert orc.feasible(resolved[:i] + resolved[i + 1:]), f"conflict {conflict} not minimal (drop {i})"
    if expected is not None:
        key = lambda e: json.dumps(e, sort_keys=True)
        assert sorted(map(key, conflict)) == sorted(map(key, expected))


# ---------------------------------------------------------------------------------------------
# section 7: errors


@pytest.mark.parametrize("text", [
    '{"weights": {"c1": NaN}}',
    '{"weights": {"c1": Infinity}}',
    '{"weights": {"c1": -Infinity}}',
    '{"weights": {"c1": 1,}',
    '{"weights": {"c1": 1, "c1": 2}}',
    '{"weights": {"c1": 1}, "weights": {"c2": 1}}',
    'not json',
])
def test_not_json_400(client, created, text):
    assert_problem(raw_post(client, "/api/v1/models/audit-model/rankings", text), 400)


@pytest.mark.parametrize("body", [
    {"weights": {"c1": "1"}},
    {"weights": {"c1": -1}},
    {"weights": {"c1": 0, "c2": 0}},
    {"weights": {"zzz": 1}},
    {"weights": {"c1": 1}, "k": "5"},
    {"weights": {"c1": 1}, "k": 2.5},
    {"weights": {"c1": 1}, "score_case": "median"},
    {"weights": {"c1": 1}, "scenario": "nope"},
    {"weights": {"c1": 1}, "unknown": True},
    {"weights": [1, 2]},
    {"weights": {"c1": True}},
    {"priority_order": ["c1", "zzz"]},
    {"weights": {"c1": 1}, "constraints": [{"type": "include", "options": ["zzz"]}]},
    {"weights": {"c1": 1}, "constraints": [{"type": "at_most", "options": ["a"], "count": "1"}]},
    {"weights": {"c1": 1}, "constraints": [{"type": "max_options", "count": -1}]},
    {"weights": {"c1": 1}, "constraints": [{"type": "bogus"}]},
    {"weights": {"c1": 1}, "constraints": [{"type": "min_performance", "criterion": "zzz", "at_least": 0}]},
    {"weights": {"c1": 1}, "constraints": [{"type": "exclude", "options": ["a"], "extra": 1}]},
])
def test_schema_errors_422(client, created, body):
    assert_validation(rank(client, "audit-model", body))


HUGE = '{"weights": {"c1": 1.7e308, "c2": 1.7e308}%s}'


def test_huge_but_finite_weights_rankings(client, created):
    # 1.7e308 is a finite JSON number >= 0: the weights are legal and normalize to 1/2 each
    r = raw_post(client, "/api/v1/models/audit-model/rankings", HUGE % "")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert abs(r.get_json()["weights"]["c1"] - 0.5) < TOL


def test_huge_but_finite_weights_robustness(client, created):
    r = raw_post(client, "/api/v1/models/audit-model/robustness", HUGE % ', "samples": 100')
    assert r.status_code == 200, r.get_data(as_text=True)[:300]


def test_huge_but_finite_weights_submission(client, created):
    ws = post(client, "/api/v1/workshops", {"title": "W3", "model_id": "audit-model"}).get_json()
    pj = post(client, f"/api/v1/workshops/{ws['id']}/participants",
              {"join_code": ws["join_code"], "display_name": "Y"}).get_json()
    r = client.put(f"/api/v1/workshops/{ws['id']}/participants/{pj['participant_id']}/submission",
                   content_type="application/json", headers=bearer(pj["participant_token"]), data=HUGE % "")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    r = client.get(f"/api/v1/workshops/{ws['id']}/results", headers=bearer(ws["facilitator_token"]))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]


def test_unknown_model_404(client):
    assert_problem(rank(client, "no-such-model", {"weights": {"c1": 1}}), 404)
    assert_problem(client.get("/api/v1/models/no-such-model"), 404)


# ---------------------------------------------------------------------------------------------
# section 5.1: robustness


def lp_range(diff, bounds):
    from scipy.optimize import linprog
    n = len(diff)
    out = []
    for sign in (1, -1):
        res = linprog([sign * d for d in diff], A_eq=[[1] * n], b_eq=[1], bounds=bounds, method="highs")
        assert res.status == 0
        out.append(sign * res.fun)
    return out[0], out[1]


@pytest.fixture(scope="module")
def robust(client, created):
    body = {"weight_intervals": {"c1": [0.1, 0.5], "c2": [0.2, 0.6]}, "samples": 2000, "seed": 11,
            "score_case": "high"}
    r1 = post(client, "/api/v1/models/audit-model/robustness", body)
    r2 = post(client, "/api/v1/models/audit-model/robustness", body)
    assert r1.status_code == 200, r1.get_data(as_text=True)
    return r1.get_json(), r2.get_json(), body


def test_robustness_fields(robust, cmodel):
    out, _, _ = robust
    for f in ["stability", "pairwise", "rank_ranges", "smaa", "scenarios", "verdicts", "provenance"]:
        assert f in out, f
    crit = ["c1", "c2", "c3", "c4"]
    for kind in ["packages", "options"]:
        st = out["stability"][kind]
        for c in crit:
            assert c in st, (kind, c)
            for f in ["weight", "lower", "upper", "below", "above"]:
                assert f in st[c], (kind, c, f)
            s = st[c]
            if s["lower"] is not None:
                assert s["lower"] <= s["weight"] + TOL
            if s["upper"] is not None:
                assert s["upper"] >= s["weight"] - TOL
            if kind == "packages":
                for f in ["below", "above"]:
                    assert s[f] is None or isinstance(s[f], list)
            else:
                for f in ["below", "above"]:
                    assert s[f] is None or isinstance(s[f], str)
    for p in out["pairwise"]:
        for f in ["a", "b", "min_difference", "max_difference", "necessary", "possible", "witness_min", "witness_max"]:
            assert f in p, f
    opts_ranked = {SQ, "a", "b", "c", "d", "e", "f"}
    assert {x["option"] for x in out["rank_ranges"]} == opts_ranked
    for x in out["rank_ranges"]:
        assert 1 <= x["best"] <= x["worst"] <= len(opts_ranked)
    smaa = out["smaa"]
    assert smaa["samples"] == 2000 and smaa["seed"] == 11
    assert {x["option"] for x in smaa["options"]} == opts_ranked
    for x in smaa["options"]:
        for f in ["option", "acceptability", "standard_error", "central_weights", "confidence"]:
            assert f in x, f
        assert len(x["acceptability"]) == len(opts_ranked)
        assert abs(sum(x["acceptability"]) - 1) < 1e-6
        assert len(x["standard_error"]) == len(opts_ranked)
    for col in range(len(opts_ranked)):
        assert abs(sum(x["acceptability"][col] for x in smaa["options"]) - 1) < 1e-6
    for p in smaa["packages"]:
        assert "options" in p and "acceptability" in p
        assert abs(sum(p["acceptability"]) - 1) < 1e-6
    sc = out["scenarios"]
    assert {x["scenario"] for x in sc["rankings"]} == {"base", "alt"}
    for x in sc["rankings"]:
        for f in ["scenario", "best_package", "options"]:
            assert f in x
        for o in x["options"]:
            assert {"option", "rank", "value"} <= set(o)
    assert {"package", "max_regret"} <= set(sc["minimax_regret"])
    assert isinstance(out["verdicts"], list) and all(isinstance(v, str) for v in out["verdicts"])
    assert out["provenance"]["seed"] == 11 and re.fullmatch(r"[0-9a-f]{64}", out["provenance"]["input_sha256"])


def test_robustness_same_seed_identical(robust):
    a, b, _ = robust
    assert a["smaa"] == b["smaa"]
    assert a["provenance"] == b["provenance"]
    strip = lambda d: {k: v for k, v in d.items() if k not in ("generated_at",)}
    assert strip(a) == strip(b)


def test_smaa_ignores_score_case_and_matches_own_simulation(client, cmodel):
    import numpy as np
    # intervals that pin every weight: the admissible set is one point, only effects are uncertain
    w = {"c1": 0.2, "c2": 0.4, "c3": 0.2, "c4": 0.2}
    outs = {}
    for case in ["low", "high"]:
        r = post(client, "/api/v1/models/audit-model/robustness",
                 {"weight_intervals": {c: [v, v] for c, v in w.items() if c != "c4"}, "samples": 4000, "seed": 5,
                  "score_case": case, "scenario": "alt"})
        assert r.status_code == 200, r.get_data(as_text=True)
        outs[case] = r.get_json()["smaa"]
    by_opt = lambda sm: {x["option"]: x for x in sm["options"]}
    assert by_opt(outs["low"]) == by_opt(outs["high"])
    # own Monte Carlo: triangular(low, likely, high) per effect and interaction, scenario deltas on all three
    orc = Oracle(cmodel, "alt")
    wn = normalize(w, orc.crit)
    opts = [SQ] + [o for o in orc.opts if o not in orc.unavailable]
    adj = {(a["option"], a["criterion"]): a["delta"] for a in orc.scenario["adjustments"]}
    rng = np.random.default_rng(123)
    n = 40000

    def tri(lo, ml, hi):
        return np.full(n, ml) if hi - lo < 1e-12 else rng.triangular(lo, ml, hi, n)

    vals = {o: np.zeros(n) for o in opts}
    for ef in cmodel["effects"]:
        if ef["option"] in vals and ef["option"] != SQ:
            d = adj.get((ef["option"], ef["criterion"]), 0.0)
            vals[ef["option"]] += wn[ef["criterion"]] * tri(ef["low"] + d, ef["likely"] + d, ef["high"] + d) / 3
    V = np.array([vals[o] for o in opts])
    first = (V == V.max(axis=0)).mean(axis=1)
    got = {x["option"]: x for x in outs["low"]["options"]}
    for i, o in enumerate(opts):
        a1, se = got[o]["acceptability"][0], got[o]["standard_error"][0]
        assert abs(a1 - first[i]) < 5 * max(se, 0.004) + 0.01, (o, a1, first[i], se)


def test_robustness_all_weights_pinned(client, created):
    # intervals that pin every weight (0 <= lo = hi <= 1, summing to 1) admit exactly one weight vector
    wi = {"c1": [0.25, 0.25], "c2": [0.25, 0.25], "c3": [0.25, 0.25], "c4": [0.25, 0.25]}
    r = post(client, "/api/v1/models/audit-model/robustness", {"weight_intervals": wi, "samples": 300})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    for p in r.get_json()["pairwise"]:
        assert abs(p["min_difference"] - p["max_difference"]) < 1e-9


def test_robustness_pairwise_lp(robust, cmodel):
    out, _, req = robust
    orc = Oracle(cmodel, case=req["score_case"])
    crit = orc.crit
    bounds = [tuple(req["weight_intervals"].get(c, [0, 1])) for c in crit]
    assert out["pairwise"], "no pairwise entries"
    for p in out["pairwise"]:
        diff = [(orc.e[p["a"]][c] if p["a"] != SQ else 0) / 3 - (orc.e[p["b"]][c] if p["b"] != SQ else 0) / 3
                for c in crit]
        lo, hi = lp_range(diff, bounds)
        assert abs(p["min_difference"] - lo) < 1e-7, (p, lo)
        assert abs(p["max_difference"] - hi) < 1e-7, (p, hi)
        assert p["necessary"] == (lo >= -1e-9), p
        assert p["possible"] == (hi >= -1e-9), p
        for wit, target in [(p["witness_min"], lo), (p["witness_max"], hi)]:
            assert abs(sum(wit.get(c, 0) for c in crit) - 1) < 1e-7
            for c, (blo, bhi) in zip(crit, bounds):
                assert blo - 1e-7 <= wit.get(c, 0) <= bhi + 1e-7
            assert abs(sum(wit.get(c, 0) * d for c, d in zip(crit, diff)) - target) < 1e-7


def test_robustness_rank_ranges_sampled(robust, cmodel):
    import numpy as np
    out, _, req = robust
    orc = Oracle(cmodel, case=req["score_case"])
    crit = orc.crit
    lo = np.array([req["weight_intervals"].get(c, [0, 1])[0] for c in crit])
    hi = np.array([req["weight_intervals"].get(c, [0, 1])[1] for c in crit])
    rng = np.random.default_rng(0)
    W = rng.dirichlet(np.ones(len(crit)), 20000)
    W = W[np.all((W >= lo) & (W <= hi), axis=1)]
    assert len(W) > 200
    opts = [SQ] + orc.opts
    E = np.array([[0.0 if o == SQ else orc.e[o][c] / 3 for c in crit] for o in opts])
    V = W @ E.T
    rr = {x["option"]: x for x in out["rank_ranges"]}
    for i, o in enumerate(opts):
        ranks = 1 + (V > V[:, [i]] + TOL).sum(axis=1)
        assert rr[o]["best"] <= ranks.min() and ranks.max() <= rr[o]["worst"], (o, rr[o], ranks.min(), ranks.max())


def test_robustness_pairwise_lp_with_order(client, cmodel):
    # order c3 >= c1 >= c2, c4 unnamed (weighs 0), c1 in [0.1, 0.4]; scenario alt, low case
    from scipy.optimize import linprog
    req = {"priority_order": ["c3", "c1", "c2"], "weight_intervals": {"c1": [0.1, 0.4]},
           "scenario": "alt", "score_case": "low", "samples": 200}
    r = post(client, "/api/v1/models/audit-model/robustness", req)
    assert r.status_code == 200, r.get_data(as_text=True)
    out = r.get_json()
    orc = Oracle(cmodel, "alt", "low")
    crit = orc.crit
    bounds = [(0, 1), (0, 1), (0, 1), (0, 0)]
    bounds[0] = (0.1, 0.4)
    A_ub = [[1, 0, -1, 0], [-1, 1, 0, 0]]  # w1 - w3 <= 0 ; w2 - w1 <= 0   (order c1,c2,c3,c4)
    listed = set()
    for p in out["pairwise"]:
        listed |= {p["a"], p["b"]}
        diff = [((orc.e[p["a"]][c] if p["a"] != SQ else 0) - (orc.e[p["b"]][c] if p["b"] != SQ else 0)) / 3
                for c in crit]
        res_min = linprog(diff, A_ub=A_ub, b_ub=[0, 0], A_eq=[[1] * 4], b_eq=[1], bounds=bounds, method="highs")
        res_max = linprog([-d for d in diff], A_ub=A_ub, b_ub=[0, 0], A_eq=[[1] * 4], b_eq=[1], bounds=bounds,
                          method="highs")
        assert abs(p["min_difference"] - res_min.fun) < 1e-7, (p, res_min.fun)
        assert abs(p["max_difference"] + res_max.fun) < 1e-7, (p, -res_max.fun)
    assert "d" not in listed  # unavailable in alt


def test_robustness_scenarios_and_regret(client, cmodel):
    w = {"c1": 1, "c2": 2, "c3": 1, "c4": 2}
    cons = [{"type": "max_options", "count": 3}]
    r = post(client, "/api/v1/models/audit-model/robustness",
             {"weights": w, "samples": 500, "seed": 3, "constraints": cons})
    assert r.status_code == 200, r.get_data(as_text=True)
    out = r.get_json()
    wn = normalize(w, ["c1", "c2", "c3", "c4"])
    best = {}
    for x in out["scenarios"]["rankings"]:
        orc = Oracle(cmodel, x["scenario"])
        ranked = orc.ranked_packages(wn, cons)
        best[x["scenario"]] = ranked[0][1]
        assert frozenset(x["best_package"]) == ranked[0][0], x
        listed = {o["option"] for o in x["options"]}
        assert listed == ({SQ} | set(orc.opts)) - orc.unavailable, (x["scenario"], listed)
        for o in x["options"]:
            assert abs(o["value"] - orc.option_value(o["option"], wn)) < TOL, o
        assert [o["rank"] for o in x["options"]] == competition_ranks([o["value"] for o in x["options"]])
    # minimax regret among packages feasible in every scenario
    orcs = {s["id"]: Oracle(cmodel, s["id"]) for s in cmodel["scenarios"]}
    cands = None
    for s, orc in orcs.items():
        feas = set(orc.feasible(orc.full_constraints(cons)))
        cands = feas if cands is None else cands & feas
    regret = {P: max(best[s] - orcs[s].value(P, wn) for s in orcs) for P in cands}
    m = min(regret.values())
    mm = out["scenarios"]["minimax_regret"]
    assert abs(mm["max_regret"] - m) < TOL, (mm, m)
    assert abs(regret[frozenset(mm["package"])] - m) < TOL
    # stability: one weight moves, the others keep their proportions (DESIGN.md does not say how
    # the others move; proportional rescaling is the usual reading)
    orc = Oracle(cmodel)
    opts = [SQ] + orc.opts

    def best_option(w):
        return order_entries([(frozenset([o]) if o != SQ else frozenset(), orc.option_value(o, w)) for o in opts])[0][0]

    def best_package(w):
        return orc.ranked_packages(w, cons)[0][0]

    def moved(c, t):
        rest = 1 - wn[c]
        return {x: (t if x == c else wn[x] * (1 - t) / rest) for x in wn}

    for kind, best_fn in [("options", best_option), ("packages", best_package)]:
        for c in wn:
            st = out["stability"][kind][c]
            assert abs(st["weight"] - wn[c]) < TOL
            here = best_fn(wn)
            for bound, side, inside, outside in [("lower", "below", 1e-6, -1e-6), ("upper", "above", -1e-6, 1e-6)]:
                b = st[bound]
                if b is None:
                    grid = [wn[c] * i / 50 for i in range(50)] if bound == "lower" else \
                        [wn[c] + (1 - wn[c]) * i / 50 for i in range(1, 51)]
                    assert all(best_fn(moved(c, t)) == here for t in grid), (kind, c, bound)
                    assert st[side] is None
                    continue
                assert best_fn(moved(c, b + inside)) == here, (kind, c, bound, b)
                if 0 <= b + outside <= 1:
                    taker = best_fn(moved(c, b + outside))
                    assert taker != here, (kind, c, bound, b)
                    name = st[side]
                    got = frozenset(name) if kind == "packages" else (frozenset() if name == SQ else frozenset([name]))
                    assert got == taker, (kind, c, side, name, sorted(taker))


def test_robustness_excluded_options_not_ranked(client, created):
    r = post(client, "/api/v1/models/audit-model/robustness",
             {"weights": {"c1": 1}, "scenario": "alt", "samples": 300,
              "constraints": [{"type": "exclude", "options": ["a"]}]})
    assert r.status_code == 200, r.get_data(as_text=True)
    out = r.get_json()
    expected = {SQ, "b", "c", "e", "f"}
    assert {x["option"] for x in out["rank_ranges"]} == expected
    assert {x["option"] for x in out["smaa"]["options"]} == expected


def test_robustness_infeasible(client, created):
    r = post(client, "/api/v1/models/audit-model/robustness",
             {"weights": {"c1": 1}, "constraints": [{"type": "include", "options": ["a"]},
                                                     {"type": "exclude", "options": ["a"]}]})
    body = assert_problem(r, 422)
    assert body["type"].endswith("/infeasible-constraints")


# ---------------------------------------------------------------------------------------------
# section 5.2: workshops


def bearer(t):
    return {"Authorization": f"Bearer {t}"}


def kendall_w(rank_lists):
    m, n = len(rank_lists), len(rank_lists[0])
    R = [sum(rl[i] for rl in rank_lists) for i in range(n)]
    mean = sum(R) / n
    S = sum((x - mean) ** 2 for x in R)
    T = 0
    for rl in rank_lists:
        counts = {}
        for x in rl:
            counts[x] = counts.get(x, 0) + 1
        T += sum(t ** 3 - t for t in counts.values())
    return 12 * S / (m * m * (n ** 3 - n) - m * T)


def midranks(values):
    out = []
    for v in values:
        greater = sum(1 for x in values if x > v + TOL)
        equal = sum(1 for x in values if abs(x - v) <= TOL)
        out.append(greater + (equal + 1) / 2)
    return out


@pytest.fixture(scope="module")
def workshop(client, created):
    r = post(client, "/api/v1/workshops", {"title": "Audit workshop", "model_id": "audit-model"})
    assert r.status_code == 201, r.get_data(as_text=True)
    ws = r.get_json()
    for f in ["id", "join_code", "facilitator_token"]:
        assert f in ws
    subs = [
        ("Ana", {"weights": {"c1": 3, "c2": 1, "c3": 1, "c4": 1}}),
        ("Ben", {"weights": {"c1": 1, "c2": 1, "c3": 3, "c4": 2},
                 "effect_overrides": [{"option": "c", "criterion": "c2", "likely": -2},
                                      {"option": "e", "criterion": "c1", "likely": 1}]}),
        ("Cai", {"priority_order": ["c4", ["c2", "c3"]]}),
    ]
    parts = []
    for name, sub in subs:
        j = post(client, f"/api/v1/workshops/{ws['id']}/participants",
                 {"join_code": ws["join_code"], "display_name": name})
        assert j.status_code == 201, j.get_data(as_text=True)
        pj = j.get_json()
        s = put(client, f"/api/v1/workshops/{ws['id']}/participants/{pj['participant_id']}/submission", sub,
                bearer(pj["participant_token"]))
        assert s.status_code == 200, s.get_data(as_text=True)
        parts.append((pj, sub))
    return ws, parts


def test_workshop_results_before_release(client, workshop):
    ws, parts = workshop
    pj = parts[0][0]
    r = client.get(f"/api/v1/workshops/{ws['id']}/results", headers=bearer(pj["participant_token"]))
    assert_problem(r, 403)


def test_workshop_results(client, workshop, cmodel):
    ws, parts = workshop
    r = client.get(f"/api/v1/workshops/{ws['id']}/results", headers=bearer(ws["facilitator_token"]))
    assert r.status_code == 200, r.get_data(as_text=True)
    res = r.get_json()
    for f in ["round", "participants", "group", "consensus", "contested_criteria", "compromise"]:
        assert f in res, f
    crit = ["c1", "c2", "c3", "c4"]
    by_pid = {p["participant_id"]: p for p in res["participants"]}
    assert len(by_pid) == 3
    rank_lists, weights_list, orcs, wns = [], [], {}, {}
    opt_order = [SQ, "a", "b", "c", "d", "e", "f"]
    for pj, sub in parts:
        p = by_pid[pj["participant_id"]]
        for f in ["participant_id", "display_name", "weights", "best_package", "options"]:
            assert f in p, f
        wn = normalize(sub["weights"], crit) if "weights" in sub else roc(sub["priority_order"], crit)
        for c in crit:
            assert abs(p["weights"].get(c, 0) - wn[c]) < TOL, (p["weights"], wn)
        orc = Oracle(cmodel, overrides=sub.get("effect_overrides"))
        orcs[pj["participant_id"]], wns[pj["participant_id"]] = orc, wn
        ranked = orc.ranked_packages(wn)
        assert abs(orc.value(frozenset(p["best_package"]), wn) - ranked[0][1]) < TOL
        vals = {o["option"]: o["value"] for o in p["options"]}
        assert set(vals) == set(opt_order)
        for o in p["options"]:
            assert {"option", "rank", "value"} <= set(o)
            assert abs(o["value"] - orc.option_value(o["option"], wn)) < TOL, (p["display_name"], o)
        assert [o["rank"] for o in p["options"]] == competition_ranks([o["value"] for o in p["options"]])
        rank_lists.append(midranks([orc.option_value(o, wn) for o in opt_order]))
        weights_list.append(wn)

    # group
    g = res["group"]
    for f in ["weights", "options", "borda"]:
        assert f in g, f
    mean_w = {c: sum(w[c] for w in weights_list) / 3 for c in crit}
    for c in crit:
        assert abs(g["weights"][c] - mean_w[c]) < TOL
    gorc = Oracle(cmodel)
    for o in g["options"]:
        assert abs(o["value"] - gorc.option_value(o["option"], mean_w)) < TOL, o
    assert [o["rank"] for o in g["options"]] == competition_ranks([o["value"] for o in g["options"]])
    for b in g["borda"]:
        assert {"package", "points"} <= set(b)
    # Borda over every feasible package: a package gets, from each participant, one point per package
    # that participant values less and half a point per tie (DESIGN.md does not define it; this is the
    # textbook count)
    feas_all = gorc.feasible(gorc.full_constraints())
    pts = {P: 0.0 for P in feas_all}
    for pid in orcs:
        vals = {P: orcs[pid].value(P, wns[pid]) for P in feas_all}
        for P in feas_all:
            pts[P] += sum(1 for Q in feas_all if vals[Q] < vals[P] - TOL) + \
                0.5 * sum(1 for Q in feas_all if Q != P and abs(vals[Q] - vals[P]) <= TOL)
    for b in g["borda"]:
        assert abs(b["points"] - pts[frozenset(b["package"])]) < 1e-9, b

    # Kendall's W with tie correction
    kw = res["consensus"]["kendall_w"]
    assert abs(kw - kendall_w(rank_lists)) < 1e-9, (kw, kendall_w(rank_lists))

    # contested criteria: spread = std dev of normalized weight, most contested first
    cc = res["contested_criteria"]
    spreads = [x["spread"] for x in cc]
    assert spreads == sorted(spreads, reverse=True)
    assert {x["criterion"] for x in cc} == set(crit)
    for x in cc:
        col = [w[x["criterion"]] for w in weights_list]
        pop, samp = statistics.pstdev(col), statistics.stdev(col)
        assert abs(x["spread"] - pop) < 1e-9, (x, "population", pop, "sample", samp)

    # compromise: minimax regret
    comp = res["compromise"]
    for f in ["package", "max_regret", "regrets"]:
        assert f in comp
    best = {pid: orcs[pid].ranked_packages(wns[pid])[0][1] for pid in orcs}
    any_orc = next(iter(orcs.values()))
    feas = any_orc.feasible(any_orc.full_constraints())
    mr = {P: max(best[pid] - orcs[pid].value(P, wns[pid]) for pid in orcs) for P in feas}
    P = frozenset(comp["package"])
    assert abs(comp["max_regret"] - min(mr.values())) < TOL, (comp, min(mr.values()))
    assert set(comp["regrets"]) == set(orcs)
    for pid, reg in comp["regrets"].items():
        assert abs(reg - (best[pid] - orcs[pid].value(P, wns[pid]))) < TOL, (pid, reg)


def test_workshop_release_then_participant_reads(client, workshop):
    ws, parts = workshop
    r = post(client, f"/api/v1/workshops/{ws['id']}/release", {}, bearer(ws["facilitator_token"]))
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.get(f"/api/v1/workshops/{ws['id']}/results", headers=bearer(parts[0][0]["participant_token"]))
    assert r.status_code == 200


@pytest.mark.parametrize("ov", [
    {"option": "a", "criterion": "c1", "likely": 2.5},
    {"option": "a", "criterion": "c1", "likely": 0.4},
    {"option": "a", "criterion": "c4", "likely": 1},
    {"option": "a", "criterion": "c1", "likely": "1"},
])
def test_effect_override_out_of_range_422(client, created, ov):
    r = post(client, "/api/v1/workshops", {"title": "W2", "model_id": "audit-model"})
    ws = r.get_json()
    j = post(client, f"/api/v1/workshops/{ws['id']}/participants", {"join_code": ws["join_code"], "display_name": "X"})
    pj = j.get_json()
    s = put(client, f"/api/v1/workshops/{ws['id']}/participants/{pj['participant_id']}/submission",
            {"weights": {"c1": 1}, "effect_overrides": [ov]}, bearer(pj["participant_token"]))
    assert_validation(s)


def test_submission_needs_bearer(client, workshop):
    ws, parts = workshop
    pj = parts[0][0]
    url = f"/api/v1/workshops/{ws['id']}/participants/{pj['participant_id']}/submission"
    r = put(client, url, {"weights": {"c1": 1}})
    assert r.status_code == 401
    other = parts[1][0]
    r = put(client, url, {"weights": {"c1": 1}}, bearer(other["participant_token"]))
    assert r.status_code == 403
