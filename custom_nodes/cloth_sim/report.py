"""Drape quality report: the numbers a user checks before trusting a drape, with pass/fail and why.

The report measures with rulers the solver does not own:
- body and self crossings are cloth edges that pass through a triangle of the body's mesh or of the cloth
  itself, counted by :mod:`.intersections` (plain NumPy), never from the solver's SDF or collision hash;
- seam gaps are measured on the positions the solver returned, before any weld;
- each panel is checked against where it was placed: a panel that slid off its body part or fell away
  is named.
Thresholds follow GarmentCode's dataset filter (Korosteleva et al. 2024), cited at each constant.
"""

from __future__ import annotations

import json

import numpy as np

from ..core.garment import Garment

# GarmentCode d449629 (github maria-korosteleva/GarmentCode), assets/Sim_props/default_sim_props.yaml:12-13
# `max_body_collisions: 35`, `max_self_collisions: 300`; applied in pygarment/meshgen/simulation.py:217-230
# (a drape fails when a count is *more than* the limit). The counts are taken on the final frame.
MAX_BODY_CROSSINGS = 35
MAX_SELF_CROSSINGS = 300
SEAM_GAP_WARN_MM = 2.0  # a seam open wider than this is a hole a buyer sees (ours: GarmentCode merges seams)
PANEL_SLID_M = 0.08  # [m] a panel whose top ends this far below where it was placed has slid off its part
PANEL_AWAY_M = 0.20  # [m] a panel whose median distance to the body exceeds this has fallen away


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


def body_contact(garment: Garment, positions: np.ndarray, avatar, collider=None) -> dict:
    """Body crossings counted GarmentCode's way and, separately, penetrating vertices.

    ``body_crossings``: cloth edges whose segment passes through a triangle of the avatar's mesh (GarmentCode
    ray-casts each cloth edge against the body mesh: its Warp fork's ``count_body_cloth_intersections``,
    called from pygarment/meshgen/garment.py:580-599). ``penetrating_vertices`` and the deepest penetration
    are read from the collision proxy (the SDF) and are informative only: they decide nothing."""
    if avatar is None:
        return {"body_crossings": 0, "penetrating_vertices": 0, "deepest_penetration_mm": 0.0,
                "body_crossings_by_panel": {}}
    from .intersections import body_edge_crossings
    from .model import unique_edges

    edges, _ = unique_edges(garment.faces)
    body = avatar.mesh
    hit = body_edge_crossings(positions, edges, body.vertices, body.faces)
    count = np.bincount(garment.vertex_panel[edges[hit, 0]], minlength=len(garment.panel_names))
    out = {"body_crossings": int(hit.sum()), "penetrating_vertices": 0, "deepest_penetration_mm": 0.0,
           "body_crossings_by_panel": {garment.panel_names[p]: int(count[p]) for p in np.flatnonzero(count)}}
    if collider is not None:
        d, _ = collider.query(positions)
        out.update(penetrating_vertices=int(np.sum(d < 0)),
                   deepest_penetration_mm=round(float(max(0.0, -d.min())) * 1e3, 3))
    return out


def self_crossings(garment: Garment, positions: np.ndarray) -> int:
    """Cloth edges through a cloth triangle they do not touch, GarmentCode's way (its Warp fork's
    ``count_self_intersections`` / ``mesh_query_edge``, which skips triangles holding either end of the edge;
    sewn vertices count as one, as GarmentCode's merged seams do)."""
    from .intersections import self_edge_crossings
    from .model import representatives, unique_edges

    edges, _ = unique_edges(garment.faces)
    rep = representatives(garment.n_vertices, garment.seam_pairs.astype(np.int64))
    return int(self_edge_crossings(positions, edges, garment.faces, rep).sum())


def _distance_to_surface(mesh, points: np.ndarray, spacing: float = 0.01) -> np.ndarray:
    """[m] distance from each point to the mesh surface, within about ``spacing``: nearest of the mesh's
    vertices and a seeded sampling of its faces about ``spacing`` apart."""
    import trimesh
    from scipy.spatial import cKDTree

    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    count = int(min(400_000, max(1000, tm.area / spacing**2)))
    samples, _ = trimesh.sample.sample_surface(tm, count, seed=0)
    dist, _ = cKDTree(np.concatenate([mesh.vertices, samples])).query(points)
    return dist


def panels_off_body(garment: Garment, positions: np.ndarray, avatar, moving_body: bool = False) -> list[str]:
    """Panels that left the body part they were placed on: their top ended more than ``PANEL_SLID_M``
    below its placed height (not checked when the body moved: arms coming down lower their sleeves, nor for a
    hood), or their median distance to the body mesh is over ``PANEL_AWAY_M``."""
    if avatar is None or garment.n_vertices == 0:
        return []
    dist = _distance_to_surface(avatar.mesh, positions)
    out = []
    for p, name in enumerate(garment.panel_names):
        mine = garment.vertex_panel == p
        if not mine.any():
            continue
        drop = float(np.percentile(garment.positions[mine, 1], 95) - np.percentile(positions[mine, 1], 95))
        away = float(np.median(dist[mine]))
        part = garment.panel_body_parts[p]
        if away > PANEL_AWAY_M:
            out.append(f"panel '{name}' fell away from the body ({away * 100:.0f} cm from it)")
        elif drop > PANEL_SLID_M and not moving_body and part != "head":  # a hood placed up over the head
            # rests down the back when nobody pulls it up: that is how a hood drapes, not a slip
            out.append(f"panel '{name}' slid {drop * 100:.1f} cm down from where it was placed ({part})")
    return out


def _stat(values: np.ndarray, scale: float = 1.0, digits: int = 3) -> tuple[float, float]:
    if len(values) == 0:
        return 0.0, 0.0
    return round(float(np.max(values)) * scale, digits), round(float(np.mean(values)) * scale, digits)


def build_report(garment: Garment, positions: np.ndarray, avatar, collider=None, *, frames: int,
                 frames_to_static: int | None, seconds: float, stop_reason: str, sewn_at_frame: int | None,
                 recovered: int, fabric_name: str, require_static: bool = True) -> dict:
    """The quality report dict (JSON-able). ``passed`` and ``reasons`` say whether to trust the drape
    (``require_static=False`` for animations, where coming to rest is not the point). ``positions`` are the
    solver's final positions, unwelded."""
    s_warp, s_weft = strains(garment, positions)
    gaps = seam_gaps_mm(garment, positions)
    contact = body_contact(garment, positions, avatar, collider)
    rep = {"garment": garment.name, "fabric": fabric_name, "vertices": garment.n_vertices,
           "frames": frames, "frames_to_static": frames_to_static, "seconds": round(seconds, 3),
           "stop_reason": stop_reason, "sewn_at_frame": sewn_at_frame, "recovered_inside_vertices": recovered,
           **contact, "self_crossings": self_crossings(garment, positions)}
    rep["strain_warp_max"], rep["strain_warp_mean"] = _stat(s_warp)
    rep["strain_weft_max"], rep["strain_weft_mean"] = _stat(s_weft)
    rep["strain_warp_p99"] = round(float(np.percentile(s_warp, 99)), 3)  # the max is often one corner triangle
    rep["strain_weft_p99"] = round(float(np.percentile(s_weft, 99)), 3)
    rep["seam_gap_max_mm"], rep["seam_gap_mean_mm"] = _stat(gaps, 1.0, 3)
    reasons = []
    if rep["body_crossings"] > MAX_BODY_CROSSINGS:
        reasons.append(f"{rep['body_crossings']} body crossings > {MAX_BODY_CROSSINGS}"
                       + _where(rep["body_crossings_by_panel"]))
    if rep["self_crossings"] > MAX_SELF_CROSSINGS:
        reasons.append(f"{rep['self_crossings']} self crossings > {MAX_SELF_CROSSINGS}")
    if frames_to_static is None and require_static:
        reasons.append(f"not static: {stop_reason}")
    if len(gaps) and rep["seam_gap_max_mm"] > SEAM_GAP_WARN_MM:  # an open seam is a hole a buyer sees
        tight = np.unique(garment.seam_of_pair[gaps > SEAM_GAP_WARN_MM])
        names = [garment.seam_labels[i] if i < len(garment.seam_labels) else f"seam {i}" for i in tight]
        reasons.append(f"seams not closed (gap up to {rep['seam_gap_max_mm']:.1f} mm > {SEAM_GAP_WARN_MM:g} mm): "
                       f"{', '.join(names)} — the garment may be too small for the body or too stiff to sew")
    reasons += panels_off_body(garment, positions, avatar, moving_body=not require_static)
    warnings = []
    if rep["strain_warp_p99"] > 0.2 or rep["strain_weft_p99"] > 0.2:
        warnings.append("fabric stretched over 20 % somewhere (tight fit or a too-soft fabric)")
    if recovered:
        warnings.append(f"{recovered} vertices started inside the body and were pushed out")
    rep.update(passed=not reasons, reasons=reasons, warnings=warnings,
               thresholds={"body_crossings": MAX_BODY_CROSSINGS, "self_crossings": MAX_SELF_CROSSINGS,
                           "seam_gap_mm": SEAM_GAP_WARN_MM, "panel_slid_cm": PANEL_SLID_M * 100,
                           "panel_away_cm": PANEL_AWAY_M * 100})
    return rep


def _where(by_panel: dict) -> str:
    """' (mostly in X, Y)': the panels holding the most body-crossing edges."""
    top = sorted(by_panel, key=by_panel.get, reverse=True)[:2]
    return f" (mostly in {', '.join(top)})" if top else ""


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
