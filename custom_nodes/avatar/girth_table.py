"""The learned table behind avatars from photos: where each girth level sits, and how a body's width and
depth at that level become a tape girth.

A horizontal section of a torso is not an ellipse: the back is flatter, the bust and buttocks bulge,
the tape bridges hollows. So the girth at a level is modelled as

    G(w, d) = b0 + b1·w + b2·d + b3·E(w, d)

with ``w`` the front width and ``d`` the side depth [m] seen in the photos and ``E`` the perimeter of
the ellipse with those axes (Ramanujan); the coefficients, per level and sex, are least-squares fits over
many Anny bodies whose girths were measured by plane sections (``tools/fit_photo_table.py`` writes
``data/photo_girths.json``). The table also holds, per sex, the rule and fraction that place each level
between the silhouette's anchors (:mod:`.photo_profile`), the crotch height as a fraction of the height
(for photos where the legs touch), linear models for the inside leg and the shoulder width, and the
cross-validated residual of every model — the model part of each measurement's uncertainty.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import FileFormatError

TABLE_PATH = Path(__file__).resolve().parent / "data" / "photo_girths.json"
TABLE_VERSION = 1
SEXES = ("female", "male")


def ellipse_perimeter(w, d):
    """[m] perimeter of the ellipse with full axes ``w`` and ``d`` [m] (Ramanujan's second formula)."""
    a, b = np.asarray(w, np.float64) / 2, np.asarray(d, np.float64) / 2
    h = ((a - b) / np.maximum(a + b, 1e-12)) ** 2
    return np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))


def girth_design(w, d) -> np.ndarray:
    """(n, 4) regressors [1, w, d, E(w, d)] of the girth model."""
    w, d = np.atleast_1d(np.asarray(w, np.float64)), np.atleast_1d(np.asarray(d, np.float64))
    return np.stack([np.ones_like(w), w, d, ellipse_perimeter(w, d)], 1)


def fit_linear(x: np.ndarray, y: np.ndarray, folds: int = 5, ridge: float = 1e-6) -> tuple[np.ndarray, float]:
    """Least-squares coefficients of ``y ≈ x @ c`` and their ``folds``-fold cross-validated RMS error."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    def solve(xs, ys):
        return np.linalg.solve(xs.T @ xs + ridge * np.eye(xs.shape[1]), xs.T @ ys)
    idx = np.arange(len(y))
    err = []
    for k in range(folds):
        test = idx % folds == k
        if test.all() or not test.any():
            continue
        c = solve(x[~test], y[~test])
        err.append(y[test] - x[test] @ c)
    rmse = float(np.sqrt(np.mean(np.concatenate(err) ** 2))) if err else 0.0
    return solve(x, y), rmse


@dataclass(frozen=True)
class GirthModel:
    """Girth [m] at one level from front width and side depth [m]."""

    coef: tuple  # (b0, b1, b2, b3)
    sigma: float  # [m] cross-validated RMS residual on the Anny bodies
    width_range: tuple  # [m] (min, max) width seen while fitting
    depth_range: tuple  # [m] (min, max) depth seen while fitting

    def __call__(self, w: float, d: float) -> float:
        return float(girth_design(w, d)[0] @ np.asarray(self.coef))

    def gradient(self, w: float, d: float, eps: float = 1e-4) -> tuple[float, float]:
        """(∂G/∂w, ∂G/∂d), dimensionless."""
        return ((self(w + eps, d) - self(w - eps, d)) / (2 * eps), (self(w, d + eps) - self(w, d - eps)) / (2 * eps))

    def extrapolates(self, w: float, d: float, margin: float = 0.1) -> bool:
        """Whether (w, d) lies more than ``margin`` (relative) outside what the fit saw."""
        (w0, w1), (d0, d1) = self.width_range, self.depth_range
        return not (w0 * (1 - margin) <= w <= w1 * (1 + margin) and d0 * (1 - margin) <= d <= d1 * (1 + margin))


@dataclass(frozen=True)
class Linear:
    """y = a + b·x [m], with its cross-validated RMS residual."""

    a: float
    b: float
    sigma: float

    def __call__(self, x: float) -> float:
        return self.a + self.b * x


@dataclass(frozen=True)
class SexTable:
    """Everything learned for one sex."""

    rules: dict  # level -> (rule, fraction, sigma_level [m])
    girths: dict  # "chest"/"underbust"/"waist"/"hip"/"neck" -> GirthModel
    crotch_fraction: float  # crotch height / height, for photos where the legs touch
    crotch_sigma: float  # [m] spread of that fraction × a typical height
    inside_leg: Linear  # from the measured crotch height [m]
    shoulder: Linear  # from the full front width [m] at shoulder_fraction between armpit and head top
    shoulder_fraction: float


@dataclass(frozen=True)
class PhotoTable:
    tables: dict  # sex -> SexTable
    meta: dict  # how and on what it was fitted

    def __getitem__(self, sex: str) -> SexTable:
        return self.tables[sex]

    def to_dict(self) -> dict:
        out = {"version": TABLE_VERSION, "meta": self.meta, "sexes": {}}
        for sex, t in self.tables.items():
            out["sexes"][sex] = {
                "rules": {k: list(v) for k, v in t.rules.items()},
                "girths": {k: {"coef": list(g.coef), "sigma": g.sigma, "width_range": list(g.width_range),
                               "depth_range": list(g.depth_range)} for k, g in t.girths.items()},
                "crotch_fraction": t.crotch_fraction, "crotch_sigma": t.crotch_sigma,
                "inside_leg": vars(t.inside_leg), "shoulder": vars(t.shoulder),
                "shoulder_fraction": t.shoulder_fraction}
        return out

    @classmethod
    def from_dict(cls, data: dict) -> PhotoTable:
        tables = {}
        for sex, t in data["sexes"].items():
            tables[sex] = SexTable(
                rules={k: (v[0], float(v[1]), float(v[2])) for k, v in t["rules"].items()},
                girths={k: GirthModel(tuple(g["coef"]), float(g["sigma"]), tuple(g["width_range"]),
                                      tuple(g["depth_range"])) for k, g in t["girths"].items()},
                crotch_fraction=float(t["crotch_fraction"]), crotch_sigma=float(t["crotch_sigma"]),
                inside_leg=Linear(**t["inside_leg"]), shoulder=Linear(**t["shoulder"]),
                shoulder_fraction=float(t["shoulder_fraction"]))
        return cls(tables, dict(data.get("meta", {})))

    def save(self, path: Path = TABLE_PATH) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n")
        return path


def load_table(path: str | Path | None = None) -> PhotoTable:
    """The shipped table (or the one at ``path``); a missing or malformed file is a clear error."""
    p = Path(path) if path else TABLE_PATH
    return _load(str(p), p.stat().st_mtime_ns if p.exists() else 0)


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: int) -> PhotoTable:
    p = Path(path)
    if not p.is_file():
        raise FileFormatError("the photo-measurement table is missing; `python tools/fit_photo_table.py` "
                              "rebuilds it from the Anny body model", path=p)
    try:
        data = json.loads(p.read_text())
        if data.get("version") != TABLE_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {TABLE_VERSION}")
        table = PhotoTable.from_dict(data)
        if set(table.tables) != set(SEXES):
            raise ValueError(f"sexes {sorted(table.tables)}, expected {list(SEXES)}")
        return table
    except (ValueError, KeyError, TypeError) as exc:
        raise FileFormatError(f"not a photo-measurement table ({exc}); `python tools/fit_photo_table.py` "
                              "rebuilds it", path=p) from exc
