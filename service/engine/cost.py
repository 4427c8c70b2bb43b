"""What a request will cost, estimated before the work starts, and the refusals that keep every
request within the solver time limit (README "Limits").

A request within the documented limits either finishes within `SOLVER_TIME_LIMIT_SECONDS` or is
refused: with 422 when the request itself asks for more than fits in the limit (the estimate
from its sizes alone exceeds it; the problem points at the field to lower and says how far),
with 503 when the work would fit but is too slow now (the deadline of `settings.Deadline`
passes, or the time measured on the first solves says the rest cannot finish in what is left).

Two kinds of work are estimated:

- Array work (SMAA, rank ranges, the per-participant values of a workshop): its time is
  proportional to counted operations, with per-operation costs measured on the reference
  machine (`bench/worst_case.py --calibrate`, docs/performance.md), taken pessimistically.
- Package optimizations (MILPs, beyond enumeration): their time depends on the model's
  structure, not only on its size, so the count of solves is estimated from the sizes and the
  time per solve is measured on the request's own first solves (`require_solves`).

The analyses that grow with the square of the options compare at most `MAX_COMPARED` options
and packages pairwise (the first of the point ranking); the response says so when it cuts.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from dataclasses import dataclass

from models.validation import Problem
from service.engine.errors import RequestInvalid, SolverTimeLimit

# Pairwise preference and rank ranges cover the first MAX_COMPARED options (and packages) of the
# point ranking: their work and their response grow with its square.
MAX_COMPARED = 20
# Rank ranges are read first at this many of the sampled weights (then settled exactly by MILPs).
OBSERVED_SAMPLES = 20_000

# Seconds per counted operation on the reference machine (2 shared cores, one BLAS thread), from
# `bench/worst_case.py --calibrate`: the estimate of a whole SMAA exceeds the measured time on
# every model it was tried on (docs/performance.md).
_UNIFORM = 3e-9          # one uniform per uncertain effect and sample (every one is drawn)
_DRAW = 1.2e-8           # one triangular draw and its place, per used uncertain effect and sample
_VALUE = 2e-9            # one multiply-add, effects by weights (twice: both passes)
_RANK = 2e-8             # one candidate placed in one sample (a sort's share, counts)
_CONFIDENCE = 6e-10      # one multiply-add at a central weight vector
_RANK_RANGE = 2e-9       # one comparison of two options at one observed weight vector
_WEIGHT = 2e-8           # one weight drawn and normalized
_SAMPLE = 1e-6           # the Python and numpy overhead of one sample's share of a chunk
_FIXED = 0.25            # everything else of a robustness analysis, at the limits


@dataclass(frozen=True)
class SmaaSize:
    """What the SMAA of one request is made of."""

    samples: int
    criteria: int
    uncertain_effects: int   # cells with low < high, all drawn
    used_effects: int        # of those, in value terms some candidate uses
    used_terms: int          # value terms (rows) used
    options: int
    packages: int

    def seconds_per_sample(self) -> float:
        ranking = (self.options * math.log2(self.options + 1) + self.packages * math.log2(self.packages + 1)) * _RANK
        # The confidence pass values every candidate at every central weight vector, at worst one per candidate.
        confidence = (self.options ** 2 + self.packages ** 2) * self.criteria * _CONFIDENCE
        rank_range = min(self.options, MAX_COMPARED) * self.options * _RANK_RANGE * min(1.0, OBSERVED_SAMPLES / self.samples)
        return (self.uncertain_effects * _UNIFORM + self.used_effects * _DRAW
                + self.used_terms * self.criteria * _VALUE * 2 + ranking + confidence + rank_range
                + self.criteria * _WEIGHT + _SAMPLE)

    def seconds(self) -> float:
        return _FIXED + self.samples * self.seconds_per_sample()


def check_samples(size: SmaaSize, time_limit: float, pointer: str = "/samples") -> None:
    """Refuse (422 at `pointer`) SMAA samples whose estimated time exceeds the time limit."""
    if size.seconds() <= time_limit:
        return
    fitting = int((time_limit - _FIXED) / size.seconds_per_sample())
    fitting = max(0, fitting // 1000 * 1000 if fitting >= 1000 else fitting)
    raise RequestInvalid([Problem(pointer, (
        f"At most {fitting:,} samples fit within the time limit (SOLVER_TIME_LIMIT_SECONDS = {time_limit:g} s) "
        f"for this model and request ({size.options} options, {size.packages} packages, {size.criteria} criteria, "
        f"{size.uncertain_effects:,} uncertain effects); {size.samples:,} would take about {size.seconds():.0f} s."))])


def require_solves(settings, solves: int, seconds_per_solve: float, what: str) -> None:
    """503 now, rather than at the limit, when `solves` package optimizations at the time the
    first ones took cannot finish in the time the request has left."""
    if settings.deadline is not None and solves > 0:
        settings.deadline.require(solves * seconds_per_solve,
                                  f"{what} needs about {solves} more package optimizations of about "
                                  f"{seconds_per_solve:.2f} s each (measured on this request's first solves); it")


# A backstop after the deadline: the engine's own checks come first and say more.
_ALARM_GRACE_SECONDS = 0.25


@contextlib.contextmanager
def enforced(settings):
    """Hold the work inside this block to the request's deadline even where nothing checks it (a
    renderer, a library loop): an interval timer raises `SolverTimeLimit` just after the deadline.

    Only in the main thread, where gunicorn's sync workers serve requests (a signal handler can be
    set nowhere else); in other threads the block runs with the engine's own checks alone. Put
    nothing inside that must not be interrupted (database writes): only pure computation.
    """
    global _ENFORCED
    deadline = settings.deadline
    if deadline is None or _ENFORCED or threading.current_thread() is not threading.main_thread():
        yield  # no deadline, an enclosing block already holds it, or no signal can be handled here
        return

    def expired(signum, frame):
        raise SolverTimeLimit(f"The answer was not ready within the time limit of {deadline.seconds:g} s.")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(deadline.remaining(), 0.0) + _ALARM_GRACE_SECONDS)
    _ENFORCED = True
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _ENFORCED = False


_ENFORCED = False
