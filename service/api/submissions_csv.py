"""The facilitator's export of a workshop's submissions as CSV (RFC 4180), safe to open in a spreadsheet.

Headers and words in the request's language; model texts (option, criterion and profile names)
through `localized`. Numbers are written with a full stop and four decimals whatever the
language, so the file reads the same everywhere. A cell that a spreadsheet would take for a
formula (OWASP's CSV injection: a first character = + - @, a tab or a carriage return) gets an
apostrophe in front.
"""

from __future__ import annotations

import csv
import io

from models.domain import DecisionModel
from service.i18n import _, localized
from service.persistence.workshop_store import SubmissionRecord

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """`cell`, prefixed with an apostrophe when a spreadsheet would evaluate it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _number(value: float) -> str:
    return f"{value:.4f}"


def submissions_csv(model: DecisionModel, records: list[SubmissionRecord], names: dict[str, str],
                    perspectives: dict[str, str | None]) -> str:
    """One row per submission version (`records` in export order); `names` and `perspectives` as the
    workshop shows them (anonymous labels, no perspective)."""
    criteria = [(c.id, localized(c.name)[0]) for c in model.criteria]
    option_names = {o.id: localized(o.name)[0] for o in model.options}
    criterion_names = dict(criteria)
    profile_labels = {p.id: localized(p.label)[0] for p in model.profiles}
    header = [_("Round"), _("Participant"), _("Speaks for"), _("Version"), _("Counts"), _("Saved at (UTC)"),
              _("Started from profile")]
    header += [_("Weight: %(criterion)s", criterion=name) for _id, name in criteria]
    header += [_("Comment"), _("Effects read differently")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for record in records:
        given = record.priorities
        overrides = []
        for item in given.get("effect_overrides") or []:
            given_likely = format(item["likely"], "g")
            model_likely = format(model.effect(item["option"], item["criterion"]).likely, "g")
            text = _("%(option)s, %(criterion)s: %(likely)s (the model: %(model)s)",
                     option=option_names.get(item["option"], item["option"]),
                     criterion=criterion_names.get(item["criterion"], item["criterion"]),
                     likely=given_likely, model=model_likely)
            # `reason` is what submissions stored before DESIGN.md §8.3 named it `rationale`.
            rationale = item.get("rationale") or item.get("reason")
            overrides.append(text + (" — " + rationale if rationale else ""))
        profile = given.get("profile")
        row = [str(record.round), names.get(record.participant_id, ""), perspectives.get(record.participant_id) or "",
               str(record.version), _("yes") if record.is_current else _("no"),
               record.submitted_at.strftime("%Y-%m-%d %H:%M:%S"), profile_labels.get(profile, profile or "")]
        row += [_number(record.weights.get(criterion, 0.0)) for criterion, _name in criteria]
        row += [given.get("comment") or "", "\n".join(overrides)]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
