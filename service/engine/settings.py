"""Settings and request limits of the engine, with no heavy import.

The web layer reads these at start-up (schemas, app state); the engine itself (numpy,
HiGHS) is imported only when a request first needs it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from service.engine.errors import SolverTimeLimit

DEFAULT_K = 5
MAX_K = 50
DEFAULT_SAMPLES = 10_000
MAX_SAMPLES = 200_000
DEFAULT_SEED = 7


class Deadline:
    """When the work for one request must end: `seconds` after it was made.

    Passed down inside `SolverSettings` so that every long loop of the engine can `check()`
    it and every HiGHS solve gets only the time that is left: a request answers 503 once the
    limit is spent, not after a fresh limit per solve.
    """

    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds = float(seconds)
        self._clock = clock
        self.ends = clock() + self.seconds

    def remaining(self) -> float:
        return self.ends - self._clock()

    def check(self) -> None:
        """Raise `SolverTimeLimit` once the time is spent."""
        if self._clock() >= self.ends:
            raise SolverTimeLimit(f"The analysis did not finish within the time limit of {self.seconds:g} s.")

    def require(self, seconds: float, what: str) -> None:
        """Refuse now, rather than at the limit, work estimated to need more than the time left."""
        left = self.remaining()
        if seconds > left:
            raise SolverTimeLimit(f"{what} would take about {seconds:.1f} s; {max(left, 0.0):.1f} s of the time limit "
                                  f"of {self.seconds:g} s are left.")


@dataclass(frozen=True)
class SolverSettings:
    """HiGHS settings, in one place (DESIGN.md §2), and the request's deadline once it has one."""

    time_limit_seconds: float = 10.0
    # One thread: under a multi-process server a second thread only burns CPU, and
    # HiGHS misbehaves when `threads` differs between models of one process.
    threads: int = 1
    # Feasibility jump costs most of a small solve and finds nothing presolve does not.
    small_model_binaries: int = 200
    deadline: Deadline | None = field(default=None, compare=False, repr=False)

    def for_request(self) -> SolverSettings:
        """These settings with a deadline `time_limit_seconds` from now: the budget of one request."""
        return replace(self, deadline=Deadline(self.time_limit_seconds))

    def check_time(self) -> None:
        """Raise `SolverTimeLimit` when the request's deadline has passed (no-op without one)."""
        if self.deadline is not None:
            self.deadline.check()

    def solve_time_limit(self) -> float:
        """The time a solve may take now: what is left of the deadline, else the whole limit."""
        if self.deadline is None:
            return float(self.time_limit_seconds)
        self.deadline.check()
        return max(self.deadline.remaining(), 1e-3)

    def describe(self) -> str:
        from service.engine.optimizer import solver_description

        return solver_description()
