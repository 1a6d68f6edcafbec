"""Drape quality report: the numbers a user checks before trusting a drape, with pass/fail and why.

Thresholds follow GarmentCode's dataset filter (Korosteleva et al. 2024): at most 35 body crossings
and 300 self crossings, and the simulation must come to rest.
"""

from __future__ import annotations

import json

import numpy as np

from ..core.garment import Garment

MAX_BODY_CROSSINGS = 35
MAX_SELF_CROSSINGS = 300
SEAM_GAP_WARN_MM = 2.0


def strains(garment: Garment, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-triangle engineering strain along the panel's warp and weft, each (m,) float64."""
    f, r, x = garment.faces, garment.rest.astype(np.float64), positions.astype(np.float64)
    dm = np.stack([r[f[:, 1]] - r[f[:, 0]], r[f[:, 2]] - r[f[:, 0]]], 2)  # (m, 2, 2) columns
    ds = np.stack([x[f[:, 1]] - x[f[:, 0]], x[f[:, 2]] - x[f[:, 0]]], 2)  # (m, 3, 2)
    F = ds @ np.linalg.inv(dm)  # (m, 3, 2) deformation gradient
    warp = garment.panel_grain[garment.vertex_panel[f[:, 0]]].astype(np.float64)
    warp /= np.maximum(np.linalg.norm(warp, axis=1, keepdims=True), 1e-12)
    weft = np.stack([-warp[:, 1], warp[:, 0]], 1)
    s_warp = np.linalg.norm(np.einsum("mij,mj->mi", F, warp), axis=1) - 1
    s_weft = np.linalg.norm(np.einsum("mij,mj->mi", F, weft), axis=1) - 1
    return s_warp, s_weft


def seam_gaps_mm(garment: Garment, positions: np.ndarray) -> np.ndarray:
    """Distance [mm] between the two sides of every seam pair, (k,)."""
    p = garment.seam_pairs
    if len(p) == 0:
        return np.zeros(0)
    return np.linalg.norm(positions[p[:, 0]].astype(np.float64) - positions[p[:, 1]], axis=1) * 1e3


def body_contact(garment: Garment, positions: np.ndarray, collider) -> dict:
    """Body crossings (garment edges with an end inside the body proxy) and penetration depth."""
    if collider is None:
        return {"body_crossings": 0, "penetrating_vertices": 0, "deepest_penetration_mm": 0.0}
    from .model import unique_edges

    d, _ = collider.query(positions)
    edges, _ = unique_edges(garment.faces)
    crossing = int(np.sum(np.minimum(d[edges[:, 0]], d[edges[:, 1]]) < 0))
    return {"body_crossings": crossing, "penetrating_vertices": int(np.sum(d < 0)),
            "deepest_penetration_mm": round(float(max(0.0, -d.min())) * 1e3, 3)}


def _stat(values: np.ndarray, scale: float = 1.0, digits: int = 3) -> tuple[float, float]:
    if len(values) == 0:
        return 0.0, 0.0
    return round(float(np.max(values)) * scale, digits), round(float(np.mean(values)) * scale, digits)


def build_report(garment: Garment, positions: np.ndarray, collider, *, frames: int, frames_to_static: int | None,
                 seconds: float, self_crossings: int, stop_reason: str, sewn_at_frame: int | None,
                 recovered: int, fabric_name: str, require_static: bool = True) -> dict:
    """The quality report dict (JSON-able). ``passed`` and ``reasons`` say whether to trust the drape
    (``require_static=False`` for animations, where coming to rest is not the point)."""
    s_warp, s_weft = strains(garment, positions)
    gaps = seam_gaps_mm(garment, positions)
    contact = body_contact(garment, positions, collider)
    rep = {"garment": garment.name, "fabric": fabric_name, "vertices": garment.n_vertices,
           "frames": frames, "frames_to_static": frames_to_static, "seconds": round(seconds, 3),
           "stop_reason": stop_reason, "sewn_at_frame": sewn_at_frame, "recovered_inside_vertices": recovered,
           **contact, "self_crossings": int(self_crossings)}
    rep["strain_warp_max"], rep["strain_warp_mean"] = _stat(s_warp)
    rep["strain_weft_max"], rep["strain_weft_mean"] = _stat(s_weft)
    rep["strain_warp_p99"] = round(float(np.percentile(s_warp, 99)), 3)  # the max is often one corner triangle
    rep["strain_weft_p99"] = round(float(np.percentile(s_weft, 99)), 3)
    rep["seam_gap_max_mm"], rep["seam_gap_mean_mm"] = _stat(gaps, 1.0, 3)
    reasons = []
    if rep["body_crossings"] > MAX_BODY_CROSSINGS:
        reasons.append(f"{rep['body_crossings']} body crossings > {MAX_BODY_CROSSINGS}")
    if rep["self_crossings"] > MAX_SELF_CROSSINGS:
        reasons.append(f"{rep['self_crossings']} self crossings > {MAX_SELF_CROSSINGS}")
    if frames_to_static is None and require_static:
        reasons.append(f"not static: {stop_reason}")
    if len(gaps) and rep["seam_gap_max_mm"] > SEAM_GAP_WARN_MM:  # an open seam is a hole a buyer sees
        tight = np.unique(garment.seam_of_pair[gaps > SEAM_GAP_WARN_MM])
        names = [garment.seam_labels[i] if i < len(garment.seam_labels) else f"seam {i}" for i in tight]
        reasons.append(f"seams not closed (gap up to {rep['seam_gap_max_mm']:.1f} mm > {SEAM_GAP_WARN_MM:g} mm): "
                       f"{', '.join(names)} — the garment may be too small for the body or too stiff to sew")
    warnings = []
    if rep["strain_warp_p99"] > 0.2 or rep["strain_weft_p99"] > 0.2:
        warnings.append("fabric stretched over 20 % somewhere (tight fit or a too-soft fabric)")
    if recovered:
        warnings.append(f"{recovered} vertices started inside the body and were pushed out")
    rep.update(passed=not reasons, reasons=reasons, warnings=warnings,
               thresholds={"body_crossings": MAX_BODY_CROSSINGS, "self_crossings": MAX_SELF_CROSSINGS,
                           "seam_gap_mm": SEAM_GAP_WARN_MM})
    return rep


def report_text(rep: dict) -> str:
    """The report as a few human lines."""
    verdict = "PASS" if rep.get("passed") else "FAIL"
    lines = [f"Drape {verdict}: {rep.get('garment')} in {rep.get('fabric')} ({rep.get('vertices')} vertices)",
             f"  frames {rep.get('frames')} (static at {rep.get('frames_to_static')}), {rep.get('seconds')} s, "
             f"stopped: {rep.get('stop_reason')}",
             f"  body crossings {rep.get('body_crossings')} (max {MAX_BODY_CROSSINGS}), self crossings "
             f"{rep.get('self_crossings')} (max {MAX_SELF_CROSSINGS}), deepest penetration "
             f"{rep.get('deepest_penetration_mm')} mm",
             f"  strain warp max/p99/mean {rep.get('strain_warp_max')}/{rep.get('strain_warp_p99')}/"
             f"{rep.get('strain_warp_mean')}, weft {rep.get('strain_weft_max')}/{rep.get('strain_weft_p99')}/"
             f"{rep.get('strain_weft_mean')}",
             f"  seam gap max/mean {rep.get('seam_gap_max_mm')}/{rep.get('seam_gap_mean_mm')} mm"]
    lines += [f"  why: {r}" for r in rep.get("reasons", [])]
    lines += [f"  note: {w}" for w in rep.get("warnings", [])]
    return "\n".join(lines)


def report_json(rep: dict) -> str:
    return json.dumps(rep, indent=2, sort_keys=True)
