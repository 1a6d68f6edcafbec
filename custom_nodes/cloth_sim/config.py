"""Drape settings: one config dataclass, the source of the node widgets (lengths in cm at the node)."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.params import param

FPS = 60.0  # frames per second of the simulation clock (GarmentCode's static rule is per 60 fps frame)


@dataclass(frozen=True)
class DrapeSettings:
    """How long and how finely to simulate. Widget units are cm; the solver converts once to metres."""

    max_frames: int = param(400, lo=1, hi=5000, tooltip="Frame cap at 60 fps; the drape stops earlier once static.")
    substeps: int = param(20, lo=1, hi=100, tooltip="XPBD substeps per frame (one iteration each); more = stiffer, slower.")
    relaxation: float = param(1.0, lo=1.0, hi=1.9, step=0.05,
                              tooltip="Over-relaxation of the constraint sweep: >1 converges faster, too high jitters.")
    sew_frames: int = param(90, lo=0, hi=1000, tooltip="Most frames spent sewing with gravity off (GarmentCode waits ~10).")
    sew_speed: float = param(60.0, lo=1.0, hi=500.0, step=1.0, unit="cm/s",
                             tooltip="Clamped speed at which seam vertices are pulled together.")
    seam_close: float = param(0.1, lo=0.01, hi=2.0, step=0.01, unit="cm",
                              tooltip="Largest seam gap counted as sewn; then seams become stiff and gravity starts.")
    collision_thickness: float = param(0.25, lo=0.05, hi=2.0, step=0.05, unit="cm",
                                       tooltip="Distance kept between cloth and body.")
    self_collision: bool = param(True, tooltip="Keep the cloth from passing through itself (point–triangle).")
    self_passes: int = param(4, lo=1, hi=20, tooltip="Self-collision passes per frame (more = fewer crossings, slower).")
    self_thickness: float = param(0.3, lo=0.05, hi=2.0, step=0.05, unit="cm",
                                  tooltip="Distance kept between layers of cloth.")
    air_damping: float = param(4.0, lo=0.0, hi=50.0, step=0.1, unit="1/s",
                               tooltip="Extra velocity damping added to the fabric's own, so drapes settle.")
    pin_release_frame: int = param(0, lo=0, hi=5000, tooltip="Frame at which pinned vertices are let go (0 = never).")
    static_motion: float = param(0.03, lo=0.001, hi=1.0, step=0.001, unit="cm",
                                 tooltip="A vertex moving less than this per frame counts as still (GarmentCode: 0.3 mm).")
    static_fraction: float = param(1.5, lo=0.0, hi=50.0, step=0.1, unit="%",
                                   tooltip="Static once fewer than this share of vertices still move (GarmentCode: 1.5 %).")
    min_settle_frames: int = param(10, lo=0, hi=1000, tooltip="Frames with gravity on before the static test may stop the drape.")
    time_limit: float = param(600.0, lo=1.0, hi=36000.0, step=1.0, unit="s",
                              tooltip="Wall-clock cap of the drape; it stops (not static) when reached.")
