"""Kendall's W in words: one set of thresholds for the results, the pages and the briefs, so the
same W is never "strong" in one place and "substantial" in another (DESIGN.md §5.2).

Plain Python with no imports, so schemas and pages can name the levels without loading the engine.
"""

from __future__ import annotations

# Best first: (level, the lowest W it takes).
AGREEMENT_THRESHOLDS = (("strong", 0.8), ("substantial", 0.6), ("moderate", 0.3), ("weak", float("-inf")))
AGREEMENT_LEVELS = tuple(level for level, _ in AGREEMENT_THRESHOLDS)


def agreement_level(kendall_w: float | None) -> str | None:
    """"strong" (W ≥ 0.8), "substantial" (≥ 0.6), "moderate" (≥ 0.3) or "weak"; None when W is undefined."""
    if kendall_w is None:
        return None
    return next(level for level, lowest in AGREEMENT_THRESHOLDS if kendall_w >= lowest)
