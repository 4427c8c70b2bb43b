"""Domain errors of the engine, defined once; `service.platform.errors` maps each to HTTP once."""

from __future__ import annotations

from models.validation import Problem


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class RequestInvalid(EngineError):
    """The request names what the model lacks, or breaks a rule of the value model.

    `problems` carry JSON pointers into the request body.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.pointer}: {p.detail}" for p in problems))


class InfeasibleConstraints(EngineError):
    """No package satisfies the constraints; `conflict` is a minimal set that cannot hold together.

    Each entry names its source as in DESIGN.md §3: `{"source": "request", "index": 2}`,
    `{"source": "model", "id": "..."}` or `{"source": "scenario", "option": "..."}`.
    """

    def __init__(self, conflict: list[dict], detail: str | None = None):
        self.conflict = conflict
        super().__init__(detail or "No package satisfies these constraints together.")


class SolverTimeLimit(EngineError):
    """The solver did not prove optimality within its time limit; no answer is given."""


class SolverFailure(EngineError):
    """The solver stopped without a usable status (never a client's fault)."""
