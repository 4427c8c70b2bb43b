"""The brief as an outline of blocks (headings, paragraphs, tables, quotes, charts) in the order of
DESIGN.md §8.5. Markdown, HTML and DOCX render the same outline, so they say the same thing in
the same order; only the JSON format is the brief itself.

All text here is plain (no markup): each renderer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.briefs import wording


@dataclass(frozen=True)
class Cell:
    text: str
    sub: str | None = None  # a second, smaller line (an effect's range)
    tone: str | None = None  # "good" | "bad" | None: a tint that repeats what the sign already says


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = the title
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Paragraph:
    text: str
    role: str | None = None  # "lead" | "note" | None


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Facts:
    """Label: value pairs (the brief's particulars, an option's standing, the provenance)."""

    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    caption: str | None = None
    numeric: tuple[int, ...] = ()  # columns aligned right
    role: str | None = None  # "comparison" for the side-by-side table


@dataclass(frozen=True)
class Quote:
    text: str
    cite: str


@dataclass(frozen=True)
class Verdict:
    """A headline choice: what it is, then how sure and what would overturn it."""

    label: str  # "Best package", "Best single option"
    choice: str
    lines: list[str]


@dataclass(frozen=True)
class Chart:
    chart: dict  # as in brief["charts"]
    text_equivalent: Table


@dataclass(frozen=True)
class Group:
    """Blocks that belong together: the headline box, one option's section."""

    role: str  # "headline" | "option" | "footer"
    blocks: list = field(default_factory=list)


def outline(brief: dict) -> list:
    """The blocks of the brief, top to bottom."""
    blocks = [Heading(1, brief["title"])]
    if brief["audience"]:
        blocks.append(Paragraph(f"For: {brief['audience']}", role="lead"))
    blocks += _particulars(brief)
    blocks += _question(brief)
    blocks.append(_headline(brief))
    blocks += _comparison(brief)
    blocks += _charts(brief)
    blocks += [Heading(2, "The options one by one", "options")]
    if brief["question"]["constraints"]:
        blocks += [Paragraph("Rules every package must follow:"), Bullets([c["text"] for c in brief["question"]["constraints"]])]
    blocks += [_option(brief, section) for section in brief["options"]]
    if brief["workshop"]:
        blocks += _workshop(brief)
    blocks.append(_provenance(brief))
    return blocks


def footer_line(brief: dict) -> str:
    """One line for a page footer: what identifies the input and the versions behind the numbers."""
    p = brief["provenance"]
    return (f"Input SHA-256 {p['input_sha256'][:16]}… · model {p['model_id']} {p['model_version']} · "
            f"engine {p['engine_version']} · brief format {p['brief_version']}")


def _particulars(brief: dict) -> list:
    q = brief["question"]
    source = q["model"]["source"]
    cited = ", ".join(str(source[k]) for k in ("author", "title", "publisher", "year") if k in source)
    rows = [("Model", f"{q['model']['title']} ({q['model']['id']}, version {q['model']['version']})"),
            ("Source", cited),
            ("Scenario", q["scenario"]["name"] if q["scenario"] else "none (the model has one state of the world)"),
            ("Effects", f"{q['score_case']} case, relative to the status quo, on a scale from "
                        f"{q['scale']['min']:g} to +{q['scale']['max']:g}"),
            ("Generated (UTC)", brief["generated_at"])]
    return [Facts(rows)]


def _question(brief: dict) -> list:
    q = brief["question"]
    blocks = [Heading(2, "The question", "question"), Paragraph(q["text"], role="lead"),
              Paragraph(f"Priorities, given as {q['priorities']['given_as']}:"),
              Table(["Criterion", "Weight"], [[Cell(w["name"]), Cell(wording.weight(w["weight"]))]
                                             for w in q["priorities"]["weights"]],
                    caption="The priorities used", numeric=(1,), role="priorities")]
    if brief["warnings"]:
        blocks += [Paragraph("Notes on the input:", role="note"), Bullets(list(brief["warnings"]))]
    return blocks


def _headline(brief: dict) -> Group:
    h = brief["headline"]
    package, option = h["best_package"], h["best_option"]
    blocks = [Heading(2, "The headline", "headline"),
              Verdict("Best package", wording.package(package["names"]), list(package["sentences"])),
              Verdict("Best single option", option["name"], list(option["sentences"]))]
    if h["further_verdicts"]:
        blocks += [Paragraph("What else the robustness analysis says:"), Bullets(list(h["further_verdicts"]))]
    return Group("headline", blocks)


def _tone(number: float) -> str | None:
    return "good" if number > 0 else "bad" if number < 0 else None


def _comparison(brief: dict) -> list:
    table = brief["table"]
    headers = ["Option", "Rank", "Value", "First in"] + [c["name"] for c in table["criteria"]]
    rows = []
    for row in table["rows"]:
        cells = [Cell(row["name"], "; ".join(row["excluded"]) or None),
                 Cell(str(row["rank"]) if row["rank"] is not None else "—"),
                 Cell(wording.value(row["value"])),
                 Cell(wording.share(row["first_rank_acceptability"]))]
        for criterion in table["criteria"]:
            estimate = row["effects"][criterion["id"]]
            cells.append(Cell(wording.effect(estimate["likely"]),
                              f"{wording.effect(estimate['low'])} to {wording.effect(estimate['high'])}",
                              _tone(estimate["likely"])))
        rows.append(cells)
    return [Heading(2, "The options side by side", "table"),
            Paragraph("Each cell: the most likely effect of the option on the criterion relative to the status quo, "
                      "and below it the range from pessimistic to optimistic. Value: the weighted sum of the likely "
                      "effects divided by 3 (0 = status quo). First in: the share of SMAA samples in which the option "
                      "ranks first.", role="note"),
            Table(headers, rows, caption="Options × criteria: likely effect and its range",
                  numeric=tuple(range(1, len(headers))), role="comparison")]


def _charts(brief: dict) -> list:
    blocks = [Heading(2, "Charts", "charts")]
    for chart in brief["charts"]:
        blocks += [Heading(3, chart["title"]), Chart(chart, chart_table(chart))]
    return blocks


def chart_table(chart: dict) -> Table:
    """The text equivalent of a chart: the numbers it draws, as a table."""
    kind = chart["kind"]
    if kind == "stacked-contributions":
        criteria = chart["criteria"]
        return Table(["Option", "Value"] + [c["name"] for c in criteria],
                     [[Cell(bar["label"]), Cell(wording.value(bar["value"]))]
                      + [Cell(wording.value(bar["contributions"][c["id"]])) for c in criteria] for bar in chart["bars"]],
                     caption="Text equivalent: weighted contribution of each criterion", numeric=tuple(range(1, len(criteria) + 2)))
    if kind == "stability-intervals":
        rows = []
        for row in chart["rows"]:
            low = "0 (no bound)" if row["lower"] is None else wording.weight(row["lower"])
            high = "1 (no bound)" if row["upper"] is None else wording.weight(row["upper"])
            rows.append([Cell(row["name"]), Cell(wording.weight(row["weight"])), Cell(low), Cell(high),
                         Cell(row["below"] or "—"), Cell(row["above"] or "—")])
        return Table(["Criterion", "Weight now", "Stays best from", "to", "Best below", "Best above"], rows,
                     caption=f"Text equivalent: where {chart['choice']} stays best", numeric=(1, 2, 3))
    if kind == "participant-weights":
        criteria = chart["criteria"]
        rows = [[Cell(p["display_name"])] + [Cell(wording.weight(p["weights"][c["id"]])) for c in criteria]
                for p in chart["participants"]]
        rows.append([Cell("Group (mean)")] + [Cell(wording.weight(chart["group"][c["id"]])) for c in criteria])
        return Table(["Participant"] + [c["name"] for c in criteria], rows,
                     caption="Text equivalent: normalized weights", numeric=tuple(range(1, len(criteria) + 1)))
    if kind == "participant-rankings":
        options = chart["options"]
        rows = [[Cell(p["display_name"])] + [Cell(str(p["ranks"].get(o["id"], "—"))) for o in options]
                for p in chart["participants"]]
        rows.append([Cell("Group")] + [Cell(str(chart["group"][o["id"]])) for o in options])
        return Table(["Participant"] + [o["name"] for o in options], rows,
                     caption="Text equivalent: rank of each option (1 = best)", numeric=tuple(range(1, len(options) + 1)))
    raise ValueError(f"no text equivalent for chart kind {kind!r}")


def _effect_line(row: dict) -> str:
    uncertain = " (the sign itself is uncertain)" if row["low"] < 0 < row["high"] else ""
    contribution = "" if row["contribution"] is None else f"; contributes {wording.value(row['contribution'])} to the value"
    return (f"{row['name']}: {wording.effect(row['likely'])} "
            f"(from {wording.effect(row['low'])} to {wording.effect(row['high'])}){uncertain}{contribution}")


def _option(brief: dict, section: dict) -> Group:
    title = section["name"] + (f" (rank {section['rank']})" if section["rank"] is not None else " (not ranked)")
    blocks = [Heading(3, title, f"option-{section['option']}"), Paragraph(section["summary"])]
    standing = []
    if section["recommendation"] is not None:
        standing.append(("Recommendation", str(section["recommendation"])))
    if section["rank"] is not None:
        standing.append(("Value", wording.value(section["value"])))
        standing.append(("First in (SMAA)", wording.share(section["first_rank_acceptability"])))
    if section["rank_range"]:
        r = section["rank_range"]
        standing.append(("Ranks over the admissible weights",
                         wording.ordinal(r["best"]) if r["best"] == r["worst"]
                         else f"{wording.ordinal(r['best'])} to {wording.ordinal(r['worst'])}"))
    if section["excluded"]:
        standing.append(("Left out of the ranking", "; ".join(section["excluded"])))
    if standing:
        blocks.append(Facts(standing))
    blocks += [Heading(4, "Strengths"),
               Bullets([_effect_line(r) for r in section["strengths"]]) if section["strengths"]
               else Paragraph("No criterion on which it is likely better than the status quo.")]
    blocks += [Heading(4, "Weaknesses"),
               Bullets([_effect_line(r) for r in section["weaknesses"]]) if section["weaknesses"]
               else Paragraph("No criterion on which it is likely worse than the status quo.")]
    if section["evidence"]:
        blocks.append(Heading(4, "Key evidence from the report"))
        blocks += [Quote(e["quote"], f"{e['section']}, lines {e['lines'].replace('L', '')}"
                                     + ("" if e["about"] == "option" else f" (on {e['about_name']})"))
                   for e in section["evidence"]]
    notes = [c["text"] for c in section["constraints"]]
    package = section["packages"]
    if section["in_best_package"]:
        notes.append("It is part of the best package.")
    elif package and package["best_package_with_it"] is not None:
        notes.append(f"The best package that includes it, {wording.package(package['names'])}, is worth "
                     f"{wording.value(package['value_loss'])} less than the best package.")
    elif package:
        notes.append("No package can include it: " + "; ".join(package["reasons"]) + ".")
    if notes:
        blocks += [Heading(4, "Rules and packages"), Bullets(notes)]
    if section["tradeoff"]:
        blocks += _tradeoff(section)
    return Group("option", blocks)


def _tradeoff(section: dict) -> list:
    t = section["tradeoff"]
    lines = [f"Value {wording.value(t['value'])} against {wording.value(t['rival_value'])} for {t['rival_name']}."]
    if t["gains"]:
        lines.append("Better on " + wording.joined(
            f"{g['name']} ({wording.value(g['contribution'])} vs {wording.value(g['rival_contribution'])})"
            for g in t["gains"][:3]) + ".")
    if t["losses"]:
        lines.append("Worse on " + wording.joined(
            f"{g['name']} ({wording.value(g['contribution'])} vs {wording.value(g['rival_contribution'])})"
            for g in t["losses"][:3]) + ".")
    if t["necessary"] is not None:
        if t["necessary"]:
            verdict = f"it is at least as good as {t['rival_name']} for every admissible weighting"
        elif t["possible"]:
            verdict = (f"some admissible weightings prefer it to {t['rival_name']}, others do not (the difference "
                       f"ranges from {wording.value(t['min_difference'])} to {wording.value(t['max_difference'])})")
        else:
            verdict = f"no admissible weighting prefers it to {t['rival_name']}"
        lines.append("Over the admissible weights, " + verdict + ".")
    heading = f"Trade-off against the {t['relation']}, {t['rival_name']}"
    return [Heading(4, heading), Bullets(lines)]


def _workshop(brief: dict) -> list:
    w = brief["workshop"]
    blocks = [Heading(2, f"The workshop: {w['title']} (round {w['round']})", "workshop"), Bullets(list(w["sentences"]))]
    blocks += [Heading(3, "Where participants agree and disagree"),
               Table(["Option", "Group rank", "Best rank given", "Worst rank given"],
                     [[Cell(r["name"]), Cell(str(r["group_rank"])), Cell(str(r["best"])), Cell(str(r["worst"]))]
                      for r in w["option_ranks"]], caption="Ranks across participants", numeric=(1, 2, 3))]
    if w["contested_criteria"]:
        blocks += [Heading(3, "The most contested criteria"),
                   Table(["Criterion", "Spread of weights", "Mean weight"],
                         [[Cell(c["name"]), Cell(wording.weight(c["spread"])), Cell(wording.weight(c["mean_weight"]))]
                          for c in w["contested_criteria"]], caption="Standard deviation of the normalized weight",
                         numeric=(1, 2))]
    compromise = w["compromise"]
    blocks += [Heading(3, "The compromise package"),
               Paragraph(f"{wording.package(compromise['names'])}: the package whose largest regret is smallest. "
                         f"A participant's regret is how much less it is worth to them than their own best package."),
               Table(["Participant", "Their best package", "Regret with the compromise"],
                     [[Cell(r["display_name"]),
                       Cell(wording.package(next(p["best_package_names"] for p in w["participants"]
                                                 if p["participant_id"] == r["participant_id"]))),
                       Cell(wording.value(r["regret"]))] for r in compromise["regrets"]],
                     caption="Regrets", numeric=(2,))]
    return blocks


def _provenance(brief: dict) -> Group:
    p = brief["provenance"]
    renderers = ", ".join(f"{name} {version}" for name, version in p["renderers"].items() if version)
    rows = [("Input SHA-256", p["input_sha256"]),
            ("Rankings input SHA-256", p["rankings_input_sha256"]),
            ("Robustness input SHA-256", p["robustness_input_sha256"]),
            ("Model", f"{p['model_id']}, version {p['model_version']}"),
            ("Engine", f"policy-options engine {p['engine_version']}; {p['solver']}"),
            ("SMAA", f"{p['smaa_samples']:,} samples, seed {p['smaa_seed']}"),
            ("Brief format", f"version {p['brief_version']}; rendered with {renderers}")]
    return Group("footer", [Heading(2, "Provenance", "provenance"),
                            Paragraph("The same input gives the same document, except the time it was generated.",
                                      role="note"),
                            Facts(rows)])
