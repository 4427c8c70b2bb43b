"""The brief as an outline of blocks (headings, paragraphs, tables, quotes, charts) in the order of
DESIGN.md §8.5: a first page that stands alone (the answer, the options' values with their
uncertainty, the main caveat), for a workshop where the participants agree and disagree, then
the analyst's detail, an appendix (each option, the charts' data) and the provenance.
Markdown, HTML, PDF and DOCX render the same outline, so they say the same thing in the same
order; only the JSON format is the brief itself.

All text here is plain (no markup) and already in the brief's language: each renderer escapes
it for its own format. Quotes from the source keep its language (`Quote.language`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.briefs import charts, wording
from service.briefs.drawing import Drawing, text_width
from service.engine.ranking import ENUMERATION_DESCRIPTION
from service.i18n import _, ngettext, quoted, semicolon_joined

SOURCE_LANGUAGE = "en"  # the language of the report the quotes come from
# A workshop brief lists participants one by one up to here, and quotes this many comments and
# readings of effects; beyond, it gives the distributions and counts (the JSON format has them all).
LISTED_PARTICIPANTS = 30
QUOTED = 30
# Words that an abbreviation of a header leaves out (English and French).
MINOR_WORDS = {"and", "of", "the", "for", "to", "in", "on", "a", "an", "et", "de", "des", "du", "la", "le", "les",
               "l", "d", "au", "aux", "en", "pour", "sur"}


@dataclass(frozen=True)
class Cell:
    text: str
    sub: str | None = None  # a second, smaller line (an effect's range)
    tone: str | None = None  # "good" | "bad" | None: a tint that repeats what the sign already says
    strong: bool = False


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = the title
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Paragraph:
    text: str
    role: str | None = None  # "answer" | "lead" | "caveat" | "note" | None
    label: str | None = None  # a bold lead-in ("Main caveat")


@dataclass(frozen=True)
class Bullets:
    items: list[str]
    role: str | None = None  # "rules"


@dataclass(frozen=True)
class Facts:
    """Label: value pairs (the brief's particulars, an option's standing, the provenance)."""

    rows: list[tuple[str, str]]
    inline: bool = False  # on one line ("Value: +0.15 · Comes first: 49%"), for short values


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    caption: str | None = None
    numeric: tuple[int, ...] = ()  # columns aligned right
    role: str | None = None  # "values" (first page), "comparison" (side by side), "data" (a chart's numbers)
    short_headers: list[str] | None = None  # abbreviations, for when the full headers do not fit
    key: list[tuple[str, str]] = field(default_factory=list)  # (abbreviation, full header), printed under the table

    def abbreviated(self) -> Table:
        """The same table with its short headers, and the key saying what each stands for."""
        if not self.short_headers:
            return self
        key = [(short, full) for short, full in zip(self.short_headers, self.headers) if short != full]
        return Table(self.short_headers, self.rows, self.caption, self.numeric, self.role, None, key)

    def key_line(self) -> str:
        """The key under an abbreviated table, as one line: "Key: CS = Civilian security; …"."""
        return _("Key: %(entries)s", entries=semicolon_joined(f"{short} = {full}" for short, full in self.key))


@dataclass(frozen=True)
class Quote:
    text: str
    cite: str
    language: str = SOURCE_LANGUAGE


@dataclass(frozen=True)
class Verdict:
    """A headline choice: what it is, then how sure and what would change it."""

    label: str
    choice: str
    lines: list[str]


@dataclass(frozen=True)
class Chart:
    chart: dict  # as in brief["charts"]
    drawing: Drawing
    data_anchor: str  # where its text equivalent is (the appendix)


@dataclass(frozen=True)
class Group:
    """Blocks that belong together: the summary, the workshop's view, one option, the appendix."""

    role: str  # "summary" | "workshop" | "detail" | "appendix" | "options" | "option" | "footer"
    blocks: list = field(default_factory=list)


def outline(brief: dict) -> list:
    """The blocks of the brief, top to bottom."""
    blocks = [Heading(1, brief["title"])]
    if brief["audience"]:
        blocks.append(Paragraph(_("For: %(audience)s", audience=brief["audience"]), role="lead"))
    blocks.append(_summary(brief))
    if brief["workshop"]:
        blocks.append(_workshop_view(brief))
    charts_by_id = {chart["id"]: chart for chart in brief["charts"]}
    detail = [Heading(2, _("In detail: the question and the inputs"), "inputs")] + _inputs(brief)
    detail += [Heading(2, _("How sure, and what would change it"), "how-sure")] + _how_sure(brief)
    detail.append(_chart(charts_by_id["stability"]))
    detail += [Heading(2, _("The options side by side"), "table"), _chart(charts_by_id["contributions"])]
    detail += _comparison(brief)
    if brief["workshop"]:
        detail += _workshop_detail(brief, charts_by_id)
    blocks.append(Group("detail", detail))
    appendix = [Heading(2, _("Appendix A: the options one by one"), "options")]
    appendix.append(Group("options", [_option(brief, section) for section in brief["options"]]))
    appendix += [Heading(2, _("Appendix B: the numbers behind the charts"), "chart-data")]
    for chart in brief["charts"]:
        appendix += [Heading(3, chart["title"], f"data-{chart['id']}"), *chart_tables(chart)]
    blocks.append(Group("appendix", appendix))
    blocks.append(_provenance(brief))
    return blocks


def footer_line(brief: dict) -> str:
    """One line for a page footer: what identifies the input and the versions behind the numbers."""
    p = brief["provenance"]
    return _("Input %(digest)s… · model version %(model)s · engine %(engine)s · brief format %(format)s",
             digest=p["input_sha256"][:12], model=p["model_version"], engine=p["engine_version"],
             format=p["brief_version"])


# -- The first page ---------------------------------------------------------------------------------


def _summary(brief: dict) -> Group:
    s = brief["summary"]
    rows = []
    for row in s["values"]:
        rows.append([Cell(row["label"], strong=row["recommended"]),
                     Cell(wording.value(row["low"])), Cell(wording.value(row["likely"]), strong=row["recommended"]),
                     Cell(wording.value(row["high"])), Cell(wording.share(row["first_rank_acceptability"]))])
    table = Table([_("Option"), _("Pessimistic"), _("Likely value"), _("Optimistic"), _("Comes first")], rows,
                  caption=_("Value against the status quo (0), with pessimistic, likely and optimistic effects. Comes "
                            "first: how often the package comes first among the leading packages, and each option "
                            "among the single options."), numeric=(1, 2, 3, 4), role="values")
    blocks = [Paragraph(brief["question"]["text"], role="question"),
              Paragraph(s["answer"], role="answer"),
              table,
              Paragraph(s["caveat"], role="caveat", label=_("Main caveat"))]
    if s["how_sure"]["weight_space"]["kind"] == "everything":
        blocks.append(Paragraph(_("How often an option comes first is measured here over all possible weightings: it "
                                  "would be the same for any priorities."), role="lead"))
    blocks.append(Paragraph(s["priorities"], role="note"))
    return Group("summary", blocks)


def _workshop_view(brief: dict) -> Group:
    w = brief["workshop"]
    blocks = [Heading(2, _("Where the participants agree and disagree"), "workshop"), Bullets(list(w["sentences"]))]
    blocks.append(Table([_("Option"), _("Group's rank"), _("Ranks given"), _("First for")],
                        [[Cell(r["name"]), Cell(str(r["group_rank"])),
                          Cell(wording.rank_span(r["best"], r["worst"])),
                          Cell(ngettext("%(num)s participant", "%(num)s participants", r["first"]))]
                         for r in w["option_ranks"]],
                        caption=_("The group's ranking and the ranks the participants' own weights give"),
                        numeric=(1,), role="workshop"))
    if w["comments"]:
        shown = w["comments"][:QUOTED]
        blocks.append(Heading(3, _("What the participants said")))
        blocks += [Quote(c["comment"], c["participant"], language=brief["language"]) for c in shown]
        if len(w["comments"]) > len(shown):
            blocks.append(Paragraph(_("%(shown)s of %(count)s comments are quoted; the JSON format has them all.",
                                      shown=len(shown), count=len(w["comments"])), role="note"))
    if w["effect_overrides"]:
        shown = w["effect_overrides"][:QUOTED]
        blocks.append(Heading(3, _("Where participants read an effect differently")))
        for item in shown:
            claim = _("%(option)s on %(criterion)s: %(theirs)s instead of the model's %(model)s",
                      option=item["option_name"], criterion=item["criterion_name"],
                      theirs=wording.effect(item["likely"]), model=wording.effect(item["model_likely"]))
            if item["rationale"]:
                blocks.append(Quote(item["rationale"], _("%(participant)s — %(claim)s", participant=item["participant"],
                                                         claim=claim), language=brief["language"]))
            else:
                blocks.append(Paragraph(_("%(participant)s — %(claim)s (no reason given)",
                                          participant=item["participant"], claim=claim)))
        if len(w["effect_overrides"]) > len(shown):
            blocks.append(Paragraph(_("%(shown)s of %(count)s readings are shown; the JSON format has them all.",
                                      shown=len(shown), count=len(w["effect_overrides"])), role="note"))
    return Group("workshop", blocks)


# -- The detail -------------------------------------------------------------------------------------


def _inputs(brief: dict) -> list:
    q = brief["question"]
    source = q["model"]["source"]
    cited = ", ".join(str(source[k]) for k in ("author", "title", "publisher", "year") if k in source)
    case = {"low": _("pessimistic"), "likely": _("most likely"), "high": _("optimistic")}[q["score_case"]]
    rows = [(_("Model"), _("%(title)s, version %(version)s", title=q["model"]["title"], version=q["model"]["version"])),
            (_("Source"), cited),
            (_("Scenario"), q["scenario"]["name"] if q["scenario"] else _("none (the model has one state of the world)")),
            (_("Effects"), _("%(case)s values, relative to the status quo, on a scale from %(low)s to %(high)s",
                             case=case, low=wording.effect(q["scale"]["min"]), high=wording.effect(q["scale"]["max"]))),
            (_("Priorities"), q["priorities"]["given_as"]),
            (_("Generated (UTC)"), brief["generated_at"])]
    # The weights themselves are on the first page and in the stability table (Appendix B).
    blocks = [Facts(rows)]
    if q["constraints"]:
        items = []
        for rule in q["constraints"]:
            text = _("Rule %(number)s: %(rule)s.", number=rule["number"], rule=rule["text"])
            items.append(text + (" " + rule["reason"] if rule["reason"] else ""))
        blocks += [Paragraph(_("Rules every package follows:")), Bullets(items, role="rules")]
    notes = list(brief["notes"])
    if brief["untranslated"]:
        notes.append(_("Not available in this language, shown in English: %(texts)s.",
                       texts=semicolon_joined(quoted(_shortened(t)) for t in brief["untranslated"])))
    if notes:
        blocks += [Paragraph(_("Notes on the input:"), role="note"), Bullets(notes)]
    return blocks


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _how_sure(brief: dict) -> list:
    h = brief["headline"]
    package, option = h["best_package"], h["best_option"]
    blocks = [Paragraph(brief["summary"]["how_sure"]["sentence"]),
              Verdict(_("Best package"), wording.package(package["names"]), list(package["sentences"])),
              Verdict(_("Best single option"), option["name"], list(option["sentences"]))]
    if h["further"]:
        blocks.append(Bullets(list(h["further"])))
    return blocks


def _tone(number: float) -> str | None:
    return "good" if number > 0 else "bad" if number < 0 else None


def abbreviation(name: str) -> str:
    """Initials of a header's significant words ("Impartiality and authority" -> "IA")."""
    words = [w for w in re.split(r"[\s\-–—'’/]+", name) if w and w.lower() not in MINOR_WORDS]
    initials = "".join(w[0] for w in words if w[0].isalnum()).upper()
    return initials or name[:3]


def abbreviations(names: list[str]) -> list[str]:
    """Distinct abbreviations for `names` (a digit added where two would be the same)."""
    result = []
    for name in names:
        short = abbreviation(name)
        candidate, n = short, 2
        while candidate in result:
            candidate, n = f"{short}{n}", n + 1
        result.append(candidate)
    return result


def _comparison(brief: dict) -> list:
    table = brief["table"]
    names = [c["name"] for c in table["criteria"]]
    # The rank and how often each option comes first are on the first page; here, the effects.
    fixed = [_("Option"), _("Value")]
    rows = []
    for row in table["rows"]:
        cells = [Cell(row["name"], semicolon_joined(row["excluded_because"]) or None, strong=True),
                 Cell(wording.value(row["value"]))]
        for criterion in table["criteria"]:
            estimate = row["effects"][criterion["id"]]
            cells.append(Cell(wording.effect(estimate["likely"]),
                              wording.compact_span(wording.effect(estimate["low"]), wording.effect(estimate["high"])),
                              _tone(estimate["likely"])))
        rows.append(cells)
    short = abbreviations(names)
    return [Paragraph(_("Each cell: the most likely effect of the option on the criterion against the status quo, "
                        "and under it the range from pessimistic to optimistic (low…high). Value: the weighted sum of "
                        "the likely effects divided by 3 (0 = status quo)."), role="note"),
            Table(fixed + names, rows, caption=_("Options and criteria: likely effect and its range"),
                  numeric=tuple(range(1, len(fixed) + len(names))), role="comparison",
                  short_headers=fixed + short)]


def _chart(chart: dict) -> Chart:
    return Chart(chart, chart_drawing(chart), f"data-{chart['id']}")


def _workshop_detail(brief: dict, charts_by_id: dict) -> list:
    w = brief["workshop"]
    blocks = [Heading(2, _("The workshop in detail: %(title)s, round %(round)s", title=w["title"], round=w["round"]),
                      "workshop-detail")]
    blocks += [_chart(charts_by_id[c]) for c in ("weight-distribution", "rank-distribution") if c in charts_by_id]
    if w["contested_criteria"]:
        blocks.append(Table([_("Criterion"), _("Spread of the weights"), _("Mean weight")],
                            [[Cell(c["name"]), Cell(wording.weight(c["spread"])), Cell(wording.weight(c["mean_weight"]))]
                             for c in w["contested_criteria"]],
                            caption=_("The most contested criteria (standard deviation of the weights)"), numeric=(1, 2)))
    compromise = w["compromise"]
    blocks.append(Paragraph(_("The compromise package, %(package)s, is the package whose largest regret is smallest; a "
                              "participant's regret is how much less it is worth to them than their own best package.",
                              package=wording.package(compromise["names"]))))
    listed = w["participants"][:LISTED_PARTICIPANTS]
    blocks.append(Table([_("Participant"), _("Their best package"), _("Regret with the compromise")],
                        [[Cell(p["label"]), Cell(wording.package(p["best_package_names"])),
                          Cell(wording.precise_value(p["regret"]))] for p in listed],
                        caption=_("Each participant's best package and regret"), numeric=(2,)))
    if len(w["participants"]) > len(listed):
        blocks.append(Paragraph(_("The first %(shown)s of %(count)s participants are listed; the charts and the "
                                  "sentences above cover them all, and the JSON format lists every one.",
                                  shown=len(listed), count=len(w["participants"])), role="note"))
    return blocks


# -- Charts -----------------------------------------------------------------------------------------


def chart_drawing(chart: dict) -> Drawing:
    """A brief's chart (`brief["charts"]`) drawn with the chart functions of `service.briefs.charts`."""
    kind = chart["kind"]
    if kind == "stacked-contributions":
        criteria = chart["criteria"]
        rows = [charts.StackedRow(bar["label"], [bar["contributions"][c["id"]] for c in criteria], bar["value"],
                                  bold=index == 0) for index, bar in enumerate(chart["bars"])]
        return charts.stacked_bars(rows, [c["name"] for c in criteria],
                                   _("What each criterion adds to the value (weight × effect ÷ 3)"),
                                   _("value"), lambda v: wording.effect(v) if v else "0", chart["summary"])
    if kind == "stability-intervals":
        rows = []
        for j, criterion in enumerate(chart["series"][0]["rows"]):
            bands = [_band(series["rows"][j]) for series in chart["series"]]
            rows.append(charts.IntervalRow(criterion["name"], bands, criterion["weight"]))
        series = [(_("best package stays best") if s["kind"] == "package" else _("best single option stays best"))
                  for s in chart["series"]]
        if len(series) == 1:
            series = [_("%(choice)s stays best", choice=_shortened(chart["series"][0]["choice"], 70))]
        return charts.intervals(rows, (0.0, 1.0), _("Share of the total weight (the others keeping their proportions)"),
                                series, _("weight now"), _("where the best choice changes"), wording.weight,
                                chart["summary"])
    if kind == "weight-distribution":
        rows = [charts.BoxRow(r["name"], r["minimum"], r["lower_quartile"], r["median"], r["upper_quartile"],
                              r["maximum"], r["mean"]) for r in chart["rows"]]
        high = max([0.0] + [r["maximum"] for r in chart["rows"]])
        return charts.boxes(rows, (0.0, min(1.0, max(0.1, high * 1.1))), _("Share of the total weight"),
                            _("lowest to highest"), _("middle half"), _("median"), _("group's mean"),
                            wording.weight, chart["summary"])
    if kind == "rank-distribution":
        return charts.count_grid([o["name"] for o in chart["options"]], [str(r) for r in chart["ranks"]],
                                 chart["counts"], chart["participants"], _("Rank (1 = best)"), chart["summary"])
    raise ValueError(f"no drawing for chart kind {kind!r}")


def _band(row: dict) -> charts.Band:
    """A stability interval as a band: an end that is no reachable bound runs to the end of the scale."""
    low_is_bound, high_is_bound = wording.reachable(row["lower"], "below"), wording.reachable(row["upper"], "above")
    low = row["lower"] if low_is_bound else 0.0
    high = row["upper"] if high_is_bound else 1.0
    return charts.Band(low, high, wording.span(wording.weight(low), wording.weight(high)), low_is_bound, high_is_bound)


def chart_tables(chart: dict) -> list[Table | Paragraph]:
    """The text equivalent of a chart: the numbers it draws, as tables (one per series)."""
    if chart["kind"] == "stability-intervals":
        return [block for series in chart["series"] for block in _stability_table(series)]
    return [chart_table(chart)]


def _stability_table(series: dict) -> list[Table | Paragraph]:
    """The criteria whose weight can displace the choice, as a table; the others in one sentence
    (a row of dashes per criterion would fill a page and say nothing)."""
    rows, steady = [], []
    for row in series["rows"]:
        low_is_bound = wording.reachable(row["lower"], "below")
        high_is_bound = wording.reachable(row["upper"], "above")
        if not (low_is_bound or high_is_bound):
            steady.append(row["name"])
            continue
        low = wording.weight(row["lower"]) if low_is_bound else "—"
        high = wording.weight(row["upper"]) if high_is_bound else "—"
        rows.append([Cell(row["name"]), Cell(wording.weight(row["weight"])), Cell(low), Cell(high),
                     Cell(row["below"] or "—"), Cell(row["above"] or "—")])
    caption = (_("Where the best package, %(choice)s, stays best (—: no change of this weight alone displaces it in "
                 "that direction)", choice=series["choice"]) if series["kind"] == "package" else
               _("Where the best single option, %(choice)s, stays best (—: no change of this weight alone displaces it "
                 "in that direction)", choice=series["choice"]))
    blocks: list[Table | Paragraph] = []
    if rows:
        blocks.append(Table([_("Criterion"), _("Weight now"), _("Changes below"), _("Changes above"),
                             _("Then best (below)"), _("Then best (above)")], rows, caption=caption,
                            numeric=(1, 2, 3), role="data"))
    if steady:
        blocks.append(Paragraph(_("No change of the weight of %(criteria)s alone displaces %(choice)s.",
                                  criteria=wording.joined(steady, "or"), choice=series["choice"]), role="note"))
    return blocks


def chart_table(chart: dict) -> Table:
    """The text equivalent of a chart with one table."""
    kind = chart["kind"]
    if kind == "stacked-contributions":
        criteria = chart["criteria"]
        names = [c["name"] for c in criteria]
        short = abbreviations(names)
        return Table([_("Option"), _("Value")] + names,
                     [[Cell(bar["label"]), Cell(wording.value(bar["value"]))]
                      + [Cell(wording.value(bar["contributions"][c["id"]])) for c in criteria] for bar in chart["bars"]],
                     caption=_("What each criterion adds to the value"), numeric=tuple(range(1, len(criteria) + 2)),
                     role="data", short_headers=[_("Option"), _("Value")] + short)
    if kind == "weight-distribution":
        rows = [[Cell(r["name"])] + [Cell(wording.weight(r[k])) for k in
                                     ("minimum", "lower_quartile", "median", "upper_quartile", "maximum", "mean")]
                for r in chart["rows"]]
        return Table([_("Criterion"), _("Lowest"), _("Lower quartile"), _("Median"), _("Upper quartile"), _("Highest"),
                      _("Group's mean")], rows,
                     caption=ngettext("Weights of the %(num)s participant", "Weights of the %(num)s participants",
                                      chart["participants"]), numeric=tuple(range(1, 7)), role="data")
    if kind == "rank-distribution":
        rows = [[Cell(o["name"])] + [Cell(str(n)) for n in counts] for o, counts in zip(chart["options"], chart["counts"])]
        return Table([_("Option")] + [wording.rank(r) for r in chart["ranks"]], rows,
                     caption=_("Number of participants giving each option each rank"),
                     numeric=tuple(range(1, len(chart["ranks"]) + 1)), role="data")
    raise ValueError(f"no text equivalent for chart kind {kind!r}")


# -- Appendix: one option at a time ---------------------------------------------------------------


def _effect_item(row: dict) -> str:
    """A criterion named in an option's strengths or weaknesses (its numbers are in the side-by-side table)."""
    if row["low"] < 0 < row["high"]:
        return _("%(criterion)s (uncertain sign)", criterion=row["name"])
    return row["name"]


def _option(brief: dict, section: dict) -> Group:
    title = (_("%(option)s (rank %(rank)s)", option=section["name"], rank=section["rank"]) if section["rank"] is not None
             else _("%(option)s (not ranked)", option=section["name"]))
    blocks = [Heading(3, title, f"option-{brief['options'].index(section) + 1}"),
              Paragraph(section["summary"])]
    standing = []
    if section["recommendation"] is not None:
        standing.append((_("Recommendation of the report"), str(section["recommendation"])))
    if section["rank"] is not None:
        standing.append((_("Value"), _("%(value)s (%(range)s)", value=wording.value(section["value"]),
                                       range=wording.span(wording.value(section["value_range"]["low"]),
                                                          wording.value(section["value_range"]["high"])))))
        standing.append((_("Comes first"), wording.share(section["first_rank_acceptability"])))
    if section["rank_range"]:
        r = section["rank_range"]
        standing.append((_("Possible ranks"), wording.rank_span(r["best"], r["worst"])))
    if section["excluded_because"]:
        standing.append((_("Left out of the ranking"), semicolon_joined(section["excluded_because"])))
    if standing:
        blocks.append(Facts(standing, inline=True))
    sides = []
    if section["strengths"]:
        sides.append(_("likely better than the status quo on %(criteria)s",
                       criteria=wording.joined(_effect_item(r) for r in section["strengths"])))
    if section["weaknesses"]:
        sides.append(_("likely worse on %(criteria)s", criteria=wording.joined(_effect_item(r) for r in section["weaknesses"])))
    if sides:
        blocks.append(Paragraph(_("Strongest first: %(sides)s.", sides=semicolon_joined(sides))))
    elif section["rank"] is not None:
        blocks.append(Paragraph(_("No criterion on which it is likely better or worse than the status quo.")))
    notes = []
    if section["constraints"]:
        notes.append(ngettext("Bound by rule %(rules)s.", "Bound by rules %(rules)s.", len(section["constraints"]),
                              rules=wording.joined(str(c["number"]) for c in section["constraints"])))
    package = section["packages"]
    if section["in_best_package"]:
        notes.append(_("It is part of the best package."))
    elif package and package["best_package_with_it"] is not None and package["value_loss"] <= 1e-9:
        notes.append(_("The best package that includes it, %(package)s, is worth as much as the best package.",
                       package=wording.package(package["names"])))
    elif package and package["best_package_with_it"] is not None:
        notes.append(_("The best package that includes it, %(package)s, is worth %(loss)s less than the best package.",
                       package=wording.package(package["names"]), loss=wording.precise_value(package["value_loss"])))
    elif package:
        notes.append(_("No package can include it."))
    if section["tradeoff"]:
        notes += _tradeoff(section)
    if notes:
        blocks.append(Paragraph(" ".join(notes)))
    blocks += [Quote(e["quote"], _cite(e)) for e in section["evidence"]]
    return Group("option", blocks)


def _cite(evidence: dict) -> str:
    lines = evidence["lines"].replace("L", "")
    if evidence["about"] == "option":
        return _("%(section)s, lines %(lines)s", section=evidence["section"], lines=lines)
    return _("%(section)s, lines %(lines)s (on %(criterion)s)", section=evidence["section"], lines=lines,
             criterion=evidence["about_name"])


def _tradeoff(section: dict) -> list[str]:
    t = section["tradeoff"]
    lines = []
    if t["relation"] == "runner-up":
        lines.append(_("Against the runner-up, %(rival)s (%(value)s):", rival=t["rival_name"],
                       value=wording.value(t["rival_value"])))
    else:
        lines.append(_("Against the best option, %(rival)s (%(value)s):", rival=t["rival_name"],
                       value=wording.value(t["rival_value"])))
    pair = lambda g: _("%(criterion)s %(mine)s vs %(theirs)s", criterion=g["name"],  # noqa: E731
                       mine=wording.value(g["contribution"]), theirs=wording.value(g["rival_contribution"]))
    if t["gains"]:
        lines.append(_("better on %(list)s;", list=wording.joined(pair(g) for g in t["gains"][:3])))
    if t["losses"]:
        lines.append(_("worse on %(list)s.", list=wording.joined(pair(g) for g in t["losses"][:3])))
    if t["necessary"] is not None:
        if t["necessary"]:
            lines.append(_("It is at least as good as %(rival)s whatever the weights.", rival=t["rival_name"]))
        elif t["possible"]:
            lines.append(_("Some weightings prefer it to %(rival)s, others do not (the difference runs %(range)s).",
                           rival=t["rival_name"], range=wording.span(wording.value(t["min_difference"]),
                                                                     wording.value(t["max_difference"]))))
        else:
            lines.append(_("No weighting prefers it to %(rival)s.", rival=t["rival_name"]))
    return lines


# -- Provenance ---------------------------------------------------------------------------------------


def _solver(description: str) -> str:
    """How the packages were searched, in the brief's language (the MILP's is a solver's name and version)."""
    if description == ENUMERATION_DESCRIPTION:
        return _("exact enumeration of every package (numpy)")
    return description


def _provenance(brief: dict) -> Group:
    p = brief["provenance"]
    renderers = ", ".join(f"{name} {version}" for name, version in p["renderers"].items() if version)
    rows = [(_("Input SHA-256"), p["input_sha256"]),
            (_("Rankings input SHA-256"), p["rankings_input_sha256"]),
            (_("Robustness input SHA-256"), p["robustness_input_sha256"]),
            (_("Model"), _("%(title)s, version %(version)s", title=brief["question"]["model"]["title"],
                           version=p["model_version"])),
            (_("Engine"), _("policy-options engine %(version)s; %(solver)s", version=p["engine_version"],
                            solver=_solver(p["solver"]))),
            (_("Draws"), _("%(samples)s, seed %(seed)s", samples=wording.count(p["smaa_samples"]), seed=p["smaa_seed"])),
            (_("Brief format"), _("version %(version)s; rendered with %(renderers)s", version=p["brief_version"],
                                  renderers=renderers))]
    return Group("footer", [Heading(2, _("Provenance"), "provenance"),
                            Paragraph(_("The same input gives the same document, except the time it was generated."),
                                      role="note"),
                            Facts(rows)])


# -- Fitting tables -------------------------------------------------------------------------------------


def unbreakable_width(text: str, size: float, bold: bool = False) -> float:
    """The width (points) of the longest run of `text` that a line cannot break: its longest word."""
    return max((text_width(word, size, bold) for word in re.split(r"[ \n]+", text) if word), default=0.0)


def column_widths(table: Table, size: float, sub_size: float, padding: float) -> tuple[list[float], list[float]]:
    """For each column, the least width (points) that breaks no word and the width its longest
    line wants, for headers (bold) and cells at `size` and ranges under them at `sub_size`."""
    least, wanted = [], []
    for j, header in enumerate(table.headers):
        cells = [row[j] for row in table.rows if j < len(row)]
        least_j = max([unbreakable_width(header, size, True)]
                      + [unbreakable_width(c.text, size, c.strong) for c in cells]
                      + [unbreakable_width(c.sub, sub_size) for c in cells if c.sub])
        wanted_j = max([text_width(header, size, True)] + [text_width(c.text, size, c.strong) for c in cells]
                       + [text_width(c.sub, sub_size) for c in cells if c.sub])
        least.append(least_j + padding)
        wanted.append(wanted_j + padding)
    return least, wanted


def fitted_widths(table: Table, available: float, size: float, sub_size: float, padding: float) -> list[float] | None:
    """Column widths (points) filling `available` with no word broken, or None when the table
    cannot fit so: each column gets its least width, and what is left goes to the columns whose
    text wants more, in proportion to what they want."""
    least, wanted = column_widths(table, size, sub_size, padding)
    if sum(least) > available:
        return None
    spare = available - sum(least)
    extra = [max(0.0, w - m) for w, m in zip(wanted, least)]
    if sum(extra) <= spare:
        # Everything fits on one line: share what is left in proportion to the widths.
        total = sum(wanted)
        return [w + (available - total) * w / total for w in wanted]
    # The first column (names, which wrap) first gets up to half of what is left, then the rest goes
    # in proportion to what each column's text wants beyond its least width.
    first = min(extra[0], spare / 2)
    widths = [least[0] + first] + least[1:]
    spare -= first
    rest = sum(extra[1:])
    if rest > 0:
        widths[1:] = [m + min(e, spare * e / rest) for m, e in zip(least[1:], extra[1:])]
        spare -= sum(widths[1:]) - sum(least[1:])
    widths[0] += spare
    return widths


def fitting(table: Table, available: float, size: float, sub_size: float, padding: float) -> tuple[Table, list[float]]:
    """The table with its full headers when they fit without breaking a word, else with its short
    headers (and their key); and its column widths (points). Falls back to equal widths."""
    for candidate in (table, table.abbreviated()):
        widths = fitted_widths(candidate, available, size, sub_size, padding)
        if widths is not None:
            return candidate, widths
    candidate = table.abbreviated()
    return candidate, [available / len(candidate.headers)] * len(candidate.headers)
