"""`make bench`: measure the real code paths and write docs/benchmarks.md.

Absolute times are this machine's medians; ratios are measured side by side in one run.
Not a test: nothing here asserts, it reports.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_model  # noqa: E402
from models.loader import builtin_models  # noqa: E402
from service.engine.constraints import sourced_constraints  # noqa: E402
from service.engine.optimizer import PackageProgram  # noqa: E402
from service.engine.settings import SolverSettings  # noqa: E402
from service.engine.performance import performance_table  # noqa: E402
from service.engine.ranking import RankingRequest, rank  # noqa: E402

MODEL = builtin_models()["minusma-2017"]
CONSTRAINTS = [{"type": "max_options", "count": 3}, {"type": "exclude", "options": ["plan-exit"]}]


def percentiles(samples: list[float]) -> dict:
    ms = np.array(samples) * 1e3
    return {"p50": float(np.median(ms)), "p99": float(np.percentile(ms, 99)), "min": float(ms.min()), "n": len(ms)}


def random_requests(count: int, seed: int = 1) -> list[RankingRequest]:
    rng = random.Random(seed)
    return [RankingRequest.from_fields(MODEL, {"weights": {c: rng.random() + 0.01 for c in MODEL.criterion_ids},
                                               "k": 5, "constraints": CONSTRAINTS}) for _ in range(count)]


def brute_force_top5(request: RankingRequest) -> list:
    """All packages in plain Python: the reference the engine's exact paths are compared with."""
    table = performance_table(MODEL, request.scenario, request.score_case)
    weights = np.array([request.weights[c] for c in table.criterion_ids])
    found = []
    n = len(table.option_ids)
    for size in range(n + 1):
        for members in itertools.combinations(range(n), size):
            names = {table.option_ids[i] for i in members}
            if "plan-exit" in names or size > 3:  # the request's constraints; with plan-exit out, the
                continue                           # model's exit-excludes-integration never binds
            if {"dissociate-from-barkhane", "integrate-under-un-command"} <= names:
                continue
            performance = table.package_performance(set(members))
            found.append((float(performance @ weights) / 3, members))
    found.sort(key=lambda item: -item[0])
    return found[:5]


def bench_in_process() -> dict:
    requests = random_requests(400)
    results = {}
    for method, repeat in (("enumeration", 400), ("milp", 40)):
        times = []
        for request in requests[:repeat]:
            start = time.perf_counter()
            rank(MODEL, request, method=method)
            times.append(time.perf_counter() - start)
        results[method] = percentiles(times)
    times = []
    for request in requests:
        start = time.perf_counter()
        brute_force_top5(request)
        times.append(time.perf_counter() - start)
    results["brute_force_top5"] = percentiles(times)
    return results


SCALING_SERIES = {
    # name: list of (options, criteria, exclusivity groups, k)
    "options (50 criteria, groups of 5, k=1)": [(n, 50, n // 5, 1) for n in (50, 100, 200, 500, 1000)],
    "criteria (1000 options, 200 groups, k=1)": [(1000, c, 200, 1) for c in (5, 10, 20, 50)],
    "k (200 options, 50 criteria, 40 groups)": [(200, 50, 40, k) for k in (1, 2, 5, 10)],
}


def bench_scaling() -> list[dict]:
    """Package search by the MILP, model build included (table, PuLP model, HiGHS), median of 3."""
    from service.engine import performance

    rows = []
    settings = SolverSettings(time_limit_seconds=60)
    for series, points in SCALING_SERIES.items():
        for options, criteria, groups, k in points:
            model = synthetic_model(options, criteria, groups, seed=options + criteria)
            weights = np.random.default_rng(3).random(criteria)
            times = []
            for _ in range(3):
                performance._TABLES.clear()  # include the table build in every repetition
                start = time.perf_counter()
                table = performance_table(model, "base", "likely")
                program = PackageProgram(table, sourced_constraints(model, "base", []), settings)
                program.best(weights, k)
                times.append(time.perf_counter() - start)
            rows.append({"series": series, "options": options, "criteria": criteria, "groups": groups, "k": k,
                         "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)})
    return rows


def scaling_chart(rows: list[dict], path: Path) -> None:
    """A log-log chart of each scaling series, as a deterministic SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "policy-options", "svg.fonttype": "none"})
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for axis, (series, key) in zip(axes, (("options", "options"), ("criteria", "criteria"), ("k", "k"))):
        points = [r for r in rows if r["series"].startswith(series)]
        axis.loglog([p[key] for p in points], [p["median_s"] for p in points], marker="o", color="#1b4f72")
        axis.set_xlabel(key)
        axis.set_ylabel("seconds (median)")
        axis.set_title(points[0]["series"], fontsize=8)
        axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)


def profile_rankings(path: Path) -> None:
    """Where the time of one HTTP ranking goes (pyinstrument over 300 WSGI requests, text report)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return
    from service import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "AUTO_MIGRATE": True})
    client = app.test_client()
    rng = random.Random(5)
    bodies = [{"weights": {c: rng.random() + 0.01 for c in MODEL.criterion_ids}, "k": 5, "constraints": CONSTRAINTS}
              for _ in range(300)]
    for body in bodies[:30]:
        client.post("/api/v1/models/minusma-2017/rankings", json=body)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for body in bodies:
        client.post("/api/v1/models/minusma-2017/rankings", json=body)
    profiler.stop()
    path.write_text(profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8")


ROBUSTNESS_RUNS = """
import json, random, sys, time
from models.loader import builtin_models
from service.engine.robustness import RobustnessRequest, analyse
from service.engine.settings import SolverSettings
from service.schemas.robustness import RobustnessRequestSchema

model, settings, vary = builtin_models()["minusma-2017"], SolverSettings(), sys.argv[1] == "varied"
rng, times = random.Random(3), []
for _ in range(20):
    weights = {c: (rng.randint(1, 10) if vary else 1) for c in model.criterion_ids}
    fields = RobustnessRequestSchema().load({"weights": weights, "samples": 10000, "seed": 7})
    started = time.perf_counter()
    analyse(model, RobustnessRequest.from_fields(model, fields, settings), settings)
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def bench_robustness() -> dict:
    """The full analysis of the default model (stability, pairs, rank ranges, 10,000 SMAA samples, scenario
    sweep), the first 20 runs of a fresh process, no warm-up: the same weights each time, and weights that
    change each time (a workshop moving sliders). Three processes each; the median of their p50s."""
    results = {}
    for kind in ("same", "varied"):
        runs = [json.loads(subprocess.run([sys.executable, "-c", ROBUSTNESS_RUNS, kind], cwd=ROOT, capture_output=True,
                                          text=True, check=True).stdout) for _ in range(3)]
        p50s = [percentiles(times)["p50"] for times in runs]
        results[kind] = {**percentiles([t for times in runs for t in times]), "p50": statistics.median(p50s),
                         "first_ms": statistics.median(times[0] * 1e3 for times in runs)}
    return results


def bench_workshop_results(participants: int = 500) -> dict:
    """GET .../results of a workshop with 500 submissions, through the app on a SQLite file (DB reads included)."""
    from service import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "RATELIMIT_ENABLED": False})
        client = app.test_client()
        created = client.post("/api/v1/workshops", json={"title": "bench", "model_id": MODEL.id}).json
        facilitator = {"Authorization": f"Bearer {created['facilitator_token']}"}
        rng = random.Random(11)
        for number in range(participants):
            joined = client.post(f"/api/v1/workshops/{created['id']}/participants",
                                 json={"join_code": created["join_code"], "display_name": f"P{number}"}).json
            body = {"weights": {c: rng.randint(0, 10) + 1 for c in MODEL.criterion_ids}}
            response = client.put(f"/api/v1/workshops/{created['id']}/participants/{joined['participant_id']}/submission",
                                  json=body, headers={"Authorization": f"Bearer {joined['participant_token']}"})
            assert response.status_code == 200, response.json
        times = []
        for _ in range(15):
            start = time.perf_counter()
            response = client.get(f"/api/v1/workshops/{created['id']}/results", headers=facilitator)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200 and len(response.json["participants"]) == participants
        # What each open page polls (DESIGN.md §8.3): the status, answered in full and as 304.
        status_url = f"/api/v1/workshops/{created['id']}/status"
        polls = {"status_200": [], "status_304": []}
        etag = client.get(status_url, headers=facilitator).headers["ETag"]
        for _ in range(200):
            for name, headers in (("status_200", facilitator), ("status_304", {**facilitator, "If-None-Match": etag})):
                start = time.perf_counter()
                response = client.get(status_url, headers=headers)
                polls[name].append(time.perf_counter() - start)
                assert response.status_code == int(name[-3:])
        app.extensions["policy_options"].engine.dispose()
    return {**percentiles(times), **{name: percentiles(values) for name, values in polls.items()}}


BRIEF_TARGETS_MS = {"html": 300, "docx": 500, "pdf": 1000}


def _workshop_view(participants: int, seed: int = 5) -> dict:
    """A workshop round as the API hands it to the brief: the engine's group results for `participants`
    random weightings, anonymous, a comment from each."""
    from service.engine.group import ParticipantPriorities, group_results

    rng = np.random.default_rng(seed)
    people = []
    for number in range(participants):
        weights = rng.integers(0, 10, len(MODEL.criterion_ids)).astype(float) + rng.random(len(MODEL.criterion_ids))
        people.append(ParticipantPriorities(f"p{number:04d}", f"Name-{number:04d}",
                                            dict(zip(MODEL.criterion_ids, map(float, weights / weights.sum())))))
    submissions = {p.participant_id: {"comment": f"Comment {i}.", "effect_overrides": []} for i, p in enumerate(people)}
    return {"id": "bench", "title": "Bamako", "round": 1, "scenario": None, "constraints": [], "anonymous": True,
            "results": group_results(MODEL, None, [], people), "submissions": submissions}


def bench_briefs(runs: int = 11) -> dict:
    """Briefs of the default model, built and rendered, per format: the time from a loaded request to the
    document's bytes, warm (the renderers imported, fonts loaded, one brief rendered before timing).
    The default brief (equal weights, default scenario, 10,000 draws), a profile's brief, and the brief
    of a workshop round of 500 participants."""
    from service.briefs.content import BriefRequest, build_brief
    from service.briefs.formats import FORMATS
    from service.schemas.briefs import BriefRequestSchema

    equal = BriefRequestSchema().load({"weights": {c: 1 for c in MODEL.criterion_ids}})
    profile = BriefRequestSchema().load({"profile": "france"})
    view = _workshop_view(500)
    briefs = {
        "default": (lambda: build_brief(MODEL, BriefRequest.from_fields(MODEL, equal)), list(FORMATS)),
        "profile (france)": (lambda: build_brief(MODEL, BriefRequest.from_fields(MODEL, profile)),
                             list(BRIEF_TARGETS_MS)),
        "workshop, 500 participants": (
            lambda: build_brief(MODEL, BriefRequest.for_workshop(MODEL, view), workshop=view), list(BRIEF_TARGETS_MS)),
    }
    results = {}
    for label, (build, formats) in briefs.items():
        build_times = []
        for name in formats:
            chosen = FORMATS[name]
            chosen.render(build())  # warm up
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                brief = build()
                built = time.perf_counter()
                chosen.render(brief)
                times.append(time.perf_counter() - start)
                build_times.append(built - start)
            results.setdefault(label, {})[name] = percentiles(times)
        results[label]["build only"] = percentiles(build_times)
    return results


def briefs_report(briefs: dict) -> list[str]:
    """The briefs section of docs/benchmarks.md."""
    runs = briefs["default"]["pdf"]["n"]
    lines = ["", "## Briefs (default model: build and render, warm, in-process)", "",
             "The time from a loaded request to the document's bytes (the brief built: rankings, robustness with "
             f"10,000 draws, text; then rendered), after one warm-up render; p50 and p99 of {runs} runs. "
             "\"build only\" is the part before rendering. Targets are for the p50.", "",
             "| brief | format | p50 ms | p99 ms | target |", "|---|---|---|---|---|"]
    for label, rows in briefs.items():
        for name, row in rows.items():
            target = BRIEF_TARGETS_MS.get(name)
            verdict = "" if target is None else f"≤ {target} ms: {'met' if row['p50'] <= target else 'missed'}"
            lines.append(f"| {label} | {name} | {row['p50']:.0f} | {row['p99']:.0f} | {verdict} |")
    return lines + [""]


def bench_worst_cases(limit: float = 10.0) -> list[dict]:
    """Each endpoint's worst case at the documented limits (bench/worst_case.py), a fresh process each."""
    from bench.worst_case import _in_a_process, cases

    return [_in_a_process(name, limit, timeout=300) for name in cases()]


def bench_cold_start() -> dict:
    code = ("import time; t=time.perf_counter(); from service import create_app; "
            "create_app({'DATABASE_URL': 'sqlite://', 'AUTO_MIGRATE': False}); print(time.perf_counter()-t)")
    times = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.strip().splitlines()[-1]) for _ in range(5)]
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def _serve(app_spec: str, port: int, data_dir: str) -> subprocess.Popen:
    # What a deployment runs: the rate limiter on (with a limit one client cannot reach), metrics in
    # gunicorn's multiprocess mode and one JSON access line per request, written out (to /dev/null).
    env = dict(os.environ, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", POLICY_OPTIONS_DATA_DIR=data_dir,
               RATE_LIMIT="100000000/minute")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "service/gunicorn_conf.py",
                                "--access-logfile", "/dev/null", app_spec],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.2)
            return process
        except urllib.error.HTTPError:  # any answer, a 404 included: the server is up
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{app_spec} did not start")


def _wrk(url: str, script: Path | None, seconds: int = 10) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    count = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 1e-3, "ms": 1, "s": 1e3}[p99.group(2)]
    return {"requests_per_s": rate, "requests": count, "p99_ms": float(p99.group(1)) * scale,
            "non_2xx": int(errors.group(1)) if errors else 0}


def _processes(master: int) -> list[int]:
    """The gunicorn master and its workers."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def bench_http(rounds: int = 3, seconds: int = 10, soak: int = 10_000) -> dict | None:
    """Hello-world and rankings served side by side by the same gunicorn configuration, measured in
    alternate rounds (so that the load of whatever else runs on the machine weighs on both alike):
    requests/s, p99, and the server's CPU per request (master and workers, from /proc). Then the RSS
    of each warmed rankings worker, before and after `soak` more requests."""
    if not shutil.which("wrk"):
        return None
    # Both sides get the same varying bodies from the same Lua script, so wrk's own CPU
    # (it shares the two cores with the server) weighs the same on both.
    script = ROOT / "bench" / "rankings.lua"
    sides = {"hello": ("bench.hello_app:create_app()", 8765, "/hello"),
             "rankings": ("service:create_app()", 8766, "/api/v1/models/minusma-2017/rankings")}
    with tempfile.TemporaryDirectory() as data_dir:
        servers = {}
        try:
            for name, (spec, port, _) in sides.items():
                servers[name] = _serve(spec, port, data_dir)
            urls = {name: f"http://127.0.0.1:{port}{path}" for name, (_, port, path) in sides.items()}
            for name, url in urls.items():
                _wrk(url, script, seconds=3)  # warm-up: imports, caches, the first connections
            results = {"rounds": []}
            for _ in range(rounds):
                row = {}
                for name, url in urls.items():
                    pids = _processes(servers[name].pid)
                    cpu = _cpu_seconds(pids)
                    row[name] = _wrk(url, script, seconds)
                    row[name]["cpu_ms_per_request"] = (_cpu_seconds(pids) - cpu) * 1e3 / row[name]["requests"]
                row["ratio"] = row["rankings"]["requests_per_s"] / row["hello"]["requests_per_s"]
                row["cpu_ratio"] = row["hello"]["cpu_ms_per_request"] / row["rankings"]["cpu_ms_per_request"]
                results["rounds"].append(row)
            workers = _processes(servers["rankings"].pid)[1:]
            before = {pid: _rss_mib(pid) for pid in workers}
            served = 0
            while served < soak:
                served += _wrk(urls["rankings"], script, seconds=5)["requests"]
            results["rss"] = {"requests": served, "before_mib": list(before.values()),
                              "after_mib": [_rss_mib(pid) for pid in before]}
        finally:
            for process in servers.values():
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    results["ratio"] = statistics.median(row["ratio"] for row in results["rounds"])
    results["cpu_ratio"] = statistics.median(row["cpu_ratio"] for row in results["rounds"])
    return results


def versions() -> dict:
    names = ["flask", "flask-smorest", "marshmallow", "highspy", "numpy", "gunicorn"]
    return {"python": platform.python_version(), **{n: importlib.metadata.version(n) for n in names}}


HTTP_HEADING = "## HTTP throughput"


def http_section(http: dict) -> list[str]:
    lines = [f"{HTTP_HEADING} (gunicorn, 2 sync workers, wrk -t2 -c16 -d10s on 127.0.0.1)", "",
             "Both servers run at once with the same gunicorn configuration (rate limiter on with a limit one "
             "client cannot reach, metrics in multiprocess mode, JSON access lines); wrk measures them in "
             "alternate rounds, so the machine's other load weighs on both alike. CPU is the server's own "
             "(master and workers) per request.", "",
             "| round | hello req/s | rankings req/s | ratio | hello CPU ms/req | rankings CPU ms/req | CPU ratio "
             "| hello p99 ms | rankings p99 ms | non-2xx |", "|---|---|---|---|---|---|---|---|---|---|"]
    for number, row in enumerate(http["rounds"], 1):
        hello, rankings = row["hello"], row["rankings"]
        lines.append(f"| {number} | {hello['requests_per_s']:.0f} | {rankings['requests_per_s']:.0f} | "
                     f"{row['ratio']:.2f}× | {hello['cpu_ms_per_request']:.3f} | {rankings['cpu_ms_per_request']:.3f} | "
                     f"{row['cpu_ratio']:.2f}× | {hello['p99_ms']:.2f} | {rankings['p99_ms']:.2f} | "
                     f"{hello['non_2xx'] + rankings['non_2xx']} |")
    rss = http["rss"]
    lines += ["", f"Rankings / hello-world throughput, median of the rounds: **{http['ratio']:.2f}×** (target ≥ 0.6×); "
              f"hello's CPU per request / rankings': {http['cpu_ratio']:.2f}×.", "",
              f"RSS of each warmed rankings worker: {', '.join(f'{v:.1f}' for v in rss['before_mib'])} MiB, then "
              f"{', '.join(f'{v:.1f}' for v in rss['after_mib'])} MiB after {rss['requests']:,} more requests.", ""]
    return lines


def rewrite_http_section(path: Path, http: dict) -> None:
    """Replace the HTTP section of an existing report, leaving every other section as it was."""
    text = path.read_text(encoding="utf-8")
    start = text.index(HTTP_HEADING)
    following = text.find("\n## ", start + 1)
    rest = text[following + 1:] if following != -1 else ""
    path.write_text(text[:start] + "\n".join(http_section(http)) + "\n" + rest, encoding="utf-8")


def write_report(results: dict) -> str:
    lines = ["# Benchmarks", "",
             f"Written by `make bench` on {results['date']}; machine: {results['machine']}; "
             f"versions: {', '.join(f'{k} {v}' for k, v in results['versions'].items())}.",
             "Absolute times are this machine's medians (shared, noisy); ratios come from one run, side by side.",
             "Where the time goes: [performance.md](performance.md) and [profile-rankings.txt](profile-rankings.txt); "
             "the mixed-workload load test: [loadtest.md](loadtest.md) (`make loadtest`).", ""]
    ip = results["in_process"]
    lines += ["## Ranking in-process (default model, k = 5, varied weights, two request constraints)", "",
              "| path | p50 ms | p99 ms | runs |", "|---|---|---|---|"]
    for name, row in ip.items():
        lines.append(f"| {name} | {row['p50']:.3f} | {row['p99']:.3f} | {row['n']} |")
    lines += ["", f"The full ranking by enumeration (options, k packages, explanations, provenance) takes "
              f"{ip['enumeration']['p50'] / ip['brute_force_top5']['p50']:.2f}× the time of a bare plain-Python "
              f"brute force of the top 5 packages alone; the MILP path takes "
              f"{ip['milp']['p50'] / ip['enumeration']['p50']:.0f}× the enumeration path.", ""]
    if results.get("http"):
        lines += http_section(results["http"])
    lines += ["## Scaling of the package search (MILP, model build included, k best)", "",
              "Each point is the median of 3 runs on a synthetic model (bench/synthetic.py): options with uniform "
              "random effects, split into exclusivity groups (at most one option of each group).", "",
              "| series | options | criteria | exclusivity groups | k | median s | min s | max s |",
              "|---|---|---|---|---|---|---|---|"]
    for row in results["scaling"]:
        lines.append(f"| {row['series']} | {row['options']} | {row['criteria']} | {row['groups']} | {row['k']} | "
                     f"{row['median_s']:.3f} | {row['min_s']:.3f} | {row['max_s']:.3f} |")
    lines += ["", "![time against options, criteria and k, log-log](scaling.svg)", ""]
    if results.get("robustness"):
        lines += ["", "## Robustness (default model: stability, pairs, rank ranges, 10,000 SMAA samples, scenario sweep)", "",
                  "The first 20 runs of a fresh process (no warm-up), three processes; p50 is the median of their p50s.", "",
                  "| weights | p50 ms (target ≤ 20) | p99 ms | first run ms |", "|---|---|---|---|"]
        for kind, label in (("same", "the same each run"), ("varied", "new each run")):
            row = results["robustness"][kind]
            lines.append(f"| {label} | {row['p50']:.1f} | {row['p99']:.1f} | {row['first_ms']:.1f} |")
    row = results["workshop_results"]
    lines += ["", "## Workshop results (500 participants, GET .../results in-process, SQLite reads included)", "",
              f"p50 {row['p50']:.1f} ms, p99 {row['p99']:.1f} ms over {row['n']} runs (target ≤ 50 ms).", ""]
    if "status_304" in row:
        lines += ["Status polled by open pages (GET .../status, same workshop): "
                  f"200 p50 {row['status_200']['p50']:.2f} ms, p99 {row['status_200']['p99']:.2f} ms; "
                  f"304 p50 {row['status_304']['p50']:.2f} ms, p99 {row['status_304']['p99']:.2f} ms "
                  f"over {row['status_304']['n']} polls each.", ""]
    if results.get("briefs"):
        lines += briefs_report(results["briefs"])
    if results.get("worst_cases"):
        lines += ["", f"## Worst case per endpoint at the documented limits (SOLVER_TIME_LIMIT_SECONDS = "
                  f"{results['worst_cases'][0].get('limit_s', 10):g})", "",
                  "bench/worst_case.py: a model at every model limit (200 options, 50 criteria, 2,000 interactions, "
                  "500 constraints, 50 scenarios) and requests at the request limits, each case in a fresh process "
                  "through the app; the time of the first request (stored model parsed, caches cold) and of a second; "
                  "the process's peak RSS.", "",
                  "| case | answer | first s | second s | peak RSS MiB |", "|---|---|---|---|---|"]
        for row in results["worst_cases"]:
            if "error" in row:
                lines.append(f"| {row['case']} | {row['error']} | | | {row.get('peak_rss_mib_so_far', '')} |")
                continue
            first, warm = row["first"], row["warm"]
            answer = str(first["status"]) if first["status"] == warm["status"] else f"{first['status']}, then {warm['status']}"
            lines.append(f"| {row['case']} | {answer} | {first['seconds']:.2f} | {warm['seconds']:.2f} | "
                         f"{row['peak_rss_mib']} |")
            if row.get("admitted"):
                admitted = row["admitted"]
                lines.append(f"| the same with {admitted['samples']:,} samples (what the 422 says fits) | "
                             f"{admitted['status']} | {admitted['seconds']:.2f} | | |")
    cold = results["cold_start"]
    lines += ["", "## Cold start (import the service and create the app, fresh process)", "",
              f"median {cold['median_s']:.3f} s (min {cold['min_s']:.3f}, max {cold['max_s']:.3f}; target ≤ 1 s).", ""]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["http"]:  # `python bench/run.py http`: the HTTP section alone
        http = bench_http()
        print(json.dumps(http, indent=2))
        if "--no-write" not in sys.argv:
            rewrite_http_section(ROOT / "docs" / "benchmarks.md", http)
            print("rewrote the HTTP section of docs/benchmarks.md")
        return
    results = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "versions": versions(),
        "in_process": bench_in_process(),
        "scaling": bench_scaling(),
        "robustness": bench_robustness(),
        "workshop_results": bench_workshop_results(),
        "briefs": bench_briefs(),
        "cold_start": bench_cold_start(),
        "worst_cases": bench_worst_cases() if "--no-worst-cases" not in sys.argv else None,
        "http": bench_http() if "--no-http" not in sys.argv else None,
    }
    print(json.dumps(results, indent=2))
    (ROOT / "docs").mkdir(exist_ok=True)
    scaling_chart(results["scaling"], ROOT / "docs" / "scaling.svg")
    profile_rankings(ROOT / "docs" / "profile-rankings.txt")
    (ROOT / "docs" / "benchmarks.md").write_text(write_report(results), encoding="utf-8")
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
