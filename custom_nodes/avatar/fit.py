"""Fit an Anny body to tape measurements.

Measurements are taken from the mesh itself (``measure.py``: convex-hull girths of planar sections,
lengths along the skeleton), which is not differentiable through torch (the hull and the loop choice
are discrete), so the fit is a damped Gauss–Newton (Levenberg–Marquardt) on a few parameters with a
forward-difference Jacobian. All perturbed bodies of one iteration go through Anny as one batch of
rest shapes (no skinning), so an iteration costs one batched blendshape product plus ~15 × 9 sections.

Free parameters: Anny's ``height`` and ``weight`` phenotypes (plus ``cupsize`` for female bodies) and
the MakeHuman "measure" local changes that move one measurement each. Gender, age and muscle are
priors. A small Tikhonov term keeps unused parameters at their prior.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InvalidInputError
from ..core.measurements import MEASUREMENT_NAMES, check_measurements
from ..core.progress import ProgressFn, report
from .anny_body import AnnyLandmarkIds, measure_anny
from .anny_model import AnnyBody

PHENOTYPE_FREE = ("height", "weight")
LOCAL_FREE = (
    "measure-bust-circ-incr", "measure-underbust-circ-incr", "measure-waist-circ-incr",
    "measure-hips-circ-incr", "measure-neck-circ-incr", "measure-shoulder-dist-incr",
    "torso-scale-horiz-incr", "measure-upperarm-length-incr", "measure-lowerarm-length-incr",
    "measure-upperleg-height-incr", "measure-lowerleg-height-incr", "torso-scale-vert-incr",
    "torso-scale-depth-incr", "stomach-pregnant-incr", "hip-scale-horiz-incr",
)
LOCAL_BOUND = 2.0  # local changes beyond ±2 extrapolate MakeHuman targets into caricature
#: Anny's weight phenotype is extrapolated up to this (its "max weight" shape sits at 1.0): the largest
#: sizes then gain girth everywhere (thighs, arms) instead of only where a local change acts.
WEIGHT_MAX = 1.6
TOLERANCE = 0.002  # [m] stop when every residual is below this
MAX_ITERATIONS = 12
MU = 1e-5  # Tikhonov weight [m² per parameter unit²] pulling unused parameters to their prior


@dataclass
class FitReport:
    """Per measurement [m]: what was asked, what the fitted mesh measures, and the difference."""

    asked: dict[str, float]
    achieved: dict[str, float]
    iterations: int = 0
    parameters: dict = field(default_factory=dict)  # phenotypes / local_changes that were fitted

    @property
    def residuals(self) -> dict[str, float]:
        return {k: self.achieved[k] - v for k, v in self.asked.items()}

    @property
    def max_abs_residual(self) -> float:
        return max((abs(r) for r in self.residuals.values()), default=0.0)

    def table(self) -> str:
        """Text table in cm: measurement, asked, achieved, residual."""
        lines = [f"{'measurement':<20}{'asked':>9}{'achieved':>10}{'residual':>10}"]
        for k in MEASUREMENT_NAMES:
            if k in self.achieved:
                a = f"{self.asked[k] * 100:9.1f}" if k in self.asked else f"{'—':>9}"
                r = f"{self.residuals[k] * 100:+10.2f}" if k in self.asked else f"{'':>10}"
                lines.append(f"{k:<20}{a}{self.achieved[k] * 100:10.1f}{r}")
        lines.append("(cm)")
        return "\n".join(lines)


def _check_targets(targets: dict[str, float]) -> dict[str, float]:
    bad = {k: v for k, v in targets.items() if not isinstance(v, (int, float, np.floating))}
    if bad:
        raise InvalidInputError(f"must be numbers in metres, got {bad}", field="measurements")
    return check_measurements(targets)


def _layout(body: AnnyBody, gender: float):
    """Indices of the free parameters in the (phenotype, local) vectors, and their bounds."""
    phen = list(PHENOTYPE_FREE) + (["cupsize"] if gender > 0.5 else [])
    p_idx = [body.phenotype_labels.index(n) for n in phen]
    l_idx = [body.local_change_labels.index(n) for n in LOCAL_FREE]
    lo = np.array([0.0] * len(p_idx) + [-LOCAL_BOUND] * len(l_idx))
    hi = np.array([WEIGHT_MAX if n == "weight" else 1.0 for n in phen] + [LOCAL_BOUND] * len(l_idx))
    steps = np.array([0.02] * len(p_idx) + [0.1] * len(l_idx))
    return phen, p_idx, l_idx, lo, hi, steps


class _Problem:
    """The fit's parameter vector ↔ Anny inputs, and the measurements it produces."""

    def __init__(self, body: AnnyBody, ids: AnnyLandmarkIds, phen0, loc0, p_idx, l_idx, keys, goal):
        self.body, self.ids, self.phen0, self.loc0 = body, ids, phen0, loc0
        self.p_idx, self.l_idx, self.keys, self.goal = p_idx, l_idx, keys, goal

    def unpack(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = np.atleast_2d(xs)
        ph, lc = np.repeat(self.phen0, len(xs), 0), np.repeat(self.loc0, len(xs), 0)
        ph[:, self.p_idx], lc[:, self.l_idx] = xs[:, :len(self.p_idx)], xs[:, len(self.p_idx):]
        return ph, lc

    def measure(self, xs: np.ndarray) -> list[dict]:
        """Measurements of a batch of parameter vectors (one batched Anny rest-shape call)."""
        v, h = self.body.rest(*self.unpack(xs))
        return [measure_anny(self.body, self.ids, v[i], h[i]) for i in range(len(v))]

    def residual(self, meas: dict) -> np.ndarray:
        return np.array([meas[k] for k in self.keys]) - self.goal

    def jacobian(self, x, meas, steps, lo, hi) -> np.ndarray:
        """(M, N) forward differences; a step that would leave the bounds goes the other way."""
        dx = np.where(x + steps <= hi, steps, -steps)
        rows = self.measure(x + np.diag(dx))
        return np.array([[(m[k] - meas[k]) / d for m, d in zip(rows, dx, strict=True)] for k in self.keys])


def fit_measurements(body: AnnyBody, ids: AnnyLandmarkIds, targets: dict[str, float], *, gender: float = 1.0,
                     age: float = 0.5, muscle: float = 0.5, max_iterations: int = MAX_ITERATIONS,
                     on_progress: ProgressFn | None = None) -> tuple[np.ndarray, np.ndarray, FitReport]:
    """Anny parameters whose mesh measures ``targets`` [m] (ISO names; any subset of the nine).

    ``gender`` 0 = male … 1 = female, ``age`` 0.5 = young adult, ``muscle`` 0..1 are priors.
    Returns the (1, P) phenotype and (1, L) local-change arrays and the :class:`FitReport`.
    """
    targets = _check_targets(dict(targets))
    for name, value in (("gender", gender), ("age", age), ("muscle", muscle)):
        if not (np.isfinite(value) and 0.0 <= value <= 1.0):
            raise InvalidInputError(f"must lie in [0, 1], got {value!r}", field=name)
    phen0, loc0 = body.params({"gender": gender, "age": age, "muscle": muscle})
    _, p_idx, l_idx, lo, hi, steps = _layout(body, gender)
    keys = [k for k in MEASUREMENT_NAMES if k in targets]
    prob = _Problem(body, ids, phen0, loc0, p_idx, l_idx, keys, np.array([targets[k] for k in keys]))
    x0 = np.concatenate([phen0[0, p_idx], loc0[0, l_idx]])
    x, meas, it, lam = x0.copy(), prob.measure(x0)[0], 0, 1e-3
    for it in range(1, max_iterations + 1):
        r = prob.residual(meas)
        if not keys or np.abs(r).max() < TOLERANCE:
            it -= 1
            break
        report(on_progress, it, max_iterations)
        jac = prob.jacobian(x, meas, steps, lo, hi)
        moved = False
        for _ in range(8):  # damped step with back-off: never more than 8 tries
            step = np.linalg.solve(jac.T @ jac + (MU + lam) * np.eye(len(x)), -(jac.T @ r) - MU * (x - x0))
            cand = np.clip(x + step, lo, hi)
            m_new = prob.measure(cand)[0]
            r_new = prob.residual(m_new)
            if r_new @ r_new + MU * np.sum((cand - x0) ** 2) < r @ r + MU * np.sum((x - x0) ** 2):
                x, meas, lam, moved = cand, m_new, max(lam / 3, 1e-7), True
                break
            lam *= 10
        if not moved:
            break
    report(on_progress, max_iterations, max_iterations)
    ph, lc = prob.unpack(x)
    params = {"phenotypes": dict(zip(body.phenotype_labels, ph[0].tolist(), strict=True)),
              "local_changes": {n: float(lc[0, body.local_change_labels.index(n)]) for n in LOCAL_FREE}}
    return ph, lc, FitReport(asked={k: targets[k] for k in keys}, achieved=meas, iterations=it, parameters=params)
