"""The projection view's charts (DESIGN.md §8.3): a workshop round's results drawn by the briefs'
chart code (`service.briefs.charts`, `service.briefs.drawing`), as SVG for a shared screen.

Weights by participant and criterion (a shaded grid, or the briefs' distribution of the weights
beyond PARTICIPANTS_SHOWN_ONE_BY_ONE people), how many participants put each option at each rank
(the briefs' rank chart), each participant's regret under the compromise, and the agreement.
Participants are named as the results name them ("Participant k" when the workshop is anonymous).
"""

from __future__ import annotations

import numpy as np

from models.domain import DecisionModel
from service.briefs import charts, wording
from service.briefs.content import rank_counts
from service.briefs.document import chart_drawing
from service.briefs.drawing import svg
from service.i18n import _, format_decimal, localized

# Beyond this many participants a chart per person is unreadable on a wall: weights become a
# distribution and the regret chart lists the largest regrets only.
PARTICIPANTS_SHOWN_ONE_BY_ONE = 30


def projection_charts(model: DecisionModel, results: dict) -> list[dict]:
    """[{id, title, summary, svg}] for a round with submissions (`results` as GET …/results gives them
    to the facilitator)."""
    criteria = [(c.id, localized(c.name)[0]) for c in model.criteria]
    option_name = {o.id: localized(o.name)[0] for o in model.options}
    participants = results["participants"]
    found = [_weights_chart(criteria, results), _ranks_chart(option_name, results),
             _regrets_chart(results), _agreement_chart(results)]
    return [dict(chart, svg=svg(drawing, f"chart-{chart['id']}")) for chart, drawing in found] if participants else []


def _weights_chart(criteria, results) -> tuple[dict, object]:
    participants = results["participants"]
    title = _("How each participant weighs each criterion")
    if len(participants) <= PARTICIPANTS_SHOWN_ONE_BY_ONE:
        weights = np.array([[p["weights"].get(c, 0.0) for c, _name in criteria] for p in participants])
        heaviest = float(weights.max()) or 1.0
        summary = _("A grid with one row per criterion and one column per participant: each cell is the share of "
                    "the participant's total weight on the criterion; darker cells weigh more.")
        drawing = charts.shaded_grid([name for _id, name in criteria], [p["display_name"] for p in participants],
                                     [[float(weights[i, j]) / heaviest for i in range(len(participants))]
                                      for j in range(len(criteria))],
                                     [[wording.weight(float(weights[i, j])) for i in range(len(participants))]
                                      for j in range(len(criteria))],
                                     _("Participant"), summary)
        return {"id": "weights", "title": title, "summary": summary}, drawing
    weights = np.array([[p["weights"].get(c, 0.0) for c, _name in criteria] for p in participants])
    quartiles = np.percentile(weights, [0, 25, 50, 75, 100], axis=0)
    summary = _("For each criterion, the spread of the participants' weights: a line from the lowest to the "
                "highest, a box over the middle half, a bar at the median and a diamond at the group's mean.")
    chart = {"kind": "weight-distribution", "summary": summary, "participants": len(participants),
             "rows": [{"criterion": c, "name": name, "minimum": float(quartiles[0, j]),
                       "lower_quartile": float(quartiles[1, j]), "median": float(quartiles[2, j]),
                       "upper_quartile": float(quartiles[3, j]), "maximum": float(quartiles[4, j]),
                       "mean": float(results["group"]["weights"][c])} for j, (c, name) in enumerate(criteria)]}
    return {"id": "weights", "title": title, "summary": summary}, chart_drawing(chart)


def _ranks_chart(option_name, results) -> tuple[dict, object]:
    options = [e["option"] for e in results["group"]["options"]]
    counts = rank_counts(results["participants"], options)
    summary = _("A grid with one row per option and one column per rank (1 = best): each cell counts the "
                "participants whose weights give the option that rank; darker cells count more.")
    chart = {"kind": "rank-distribution", "summary": summary, "participants": len(results["participants"]),
             "options": [{"id": o, "name": option_name.get(o, o)} for o in options],
             "ranks": list(range(1, len(options) + 1)), "counts": [counts[o] for o in options]}
    return {"id": "ranks", "title": _("How many participants put each option at each rank"), "summary": summary}, \
        chart_drawing(chart)


def _regrets_chart(results) -> tuple[dict, object]:
    regrets = results["compromise"]["regrets"]
    participants = results["participants"]
    shown = participants
    if len(participants) > PARTICIPANTS_SHOWN_ONE_BY_ONE:
        shown = sorted(participants, key=lambda p: -regrets[p["participant_id"]])[:PARTICIPANTS_SHOWN_ONE_BY_ONE]
        summary = _("One bar for each of the %(shown)s participants who lose most with the compromise (of "
                    "%(count)s): how much less it is worth to them than their own best package.",
                    shown=len(shown), count=len(participants))
    else:
        summary = _("One bar per participant: how much less the compromise is worth to them than their own best "
                    "package, by their own priorities (0: it is their best).")
    rows = [charts.StackedRow(p["display_name"], [regrets[p["participant_id"]]], regrets[p["participant_id"]])
            for p in shown]
    drawing = charts.stacked_bars(rows, [_("Regret under the compromise")], _("Value lost against their own best package"),
                                  None, lambda v: format_decimal(v, 2), summary, domain=(0.0, 0.1))
    return {"id": "regrets", "title": _("What the compromise costs each participant"), "summary": summary}, drawing


def _agreement_chart(results) -> tuple[dict, object]:
    consensus = results["consensus"]
    w = consensus["kendall_w"]
    words = wording.agreement(w)
    if w is None:
        summary = _("Kendall's W: %(agreement)s.", agreement=words)
    else:
        summary = _("Kendall's W is %(w)s on a scale from 0 (no agreement) to 1 (identical rankings): %(agreement)s.",
                    w=format_decimal(w, 2), agreement=words)
    rows = [charts.StackedRow(_("Kendall's W"), [w or 0.0], w or 0.0)]
    drawing = charts.stacked_bars(rows, [words], _("0: no agreement on the order of the options · 1: the same order"),
                                  None, lambda v: format_decimal(v, 1), summary, domain=(0.0, 1.0))
    return {"id": "agreement", "title": _("How far the participants agree"), "summary": summary}, drawing
