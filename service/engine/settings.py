"""Settings and request limits of the engine, with no heavy import.

The web layer reads these at start-up (schemas, app state); the engine itself (numpy,
HiGHS, PuLP) is imported only when a request first needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_K = 5
MAX_K = 50
DEFAULT_SAMPLES = 10_000
MAX_SAMPLES = 200_000
DEFAULT_SEED = 7


@dataclass(frozen=True)
class SolverSettings:
    """HiGHS settings, in one place (DESIGN.md §2)."""

    time_limit_seconds: float = 10.0
    # One thread: under a multi-process server a second thread only burns CPU, and
    # HiGHS misbehaves when `threads` differs between models of one process.
    threads: int = 1
    # Feasibility jump costs most of a small solve and finds nothing presolve does not.
    small_model_binaries: int = 200

    def describe(self) -> str:
        from service.engine.optimizer import solver_description

        return solver_description()
