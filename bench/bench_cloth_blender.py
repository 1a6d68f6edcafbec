"""Benchmark (b): our drape vs Blender's cloth (Debian ``blender``, headless) on the same placed skirt.

Same mesh, same body, same frame budget at the same frame rate (60 fps: 1 s of cloth; Blender's default
24 fps would give it 2.5 s to settle); Blender sews with its sewing springs (seam pairs as loose edges) and
uses its collision and self-collision. Prints both times and both crossing counts (the
same rulers for both: ``report.body_contact`` and ``report.self_crossings``, edges through the body's and
the cloth's triangle meshes, GarmentCode's way).

Run: ``python bench/bench_cloth_blender.py [--spacing 0.01] [--frames 60] [--repeats 3]``. Asserts nothing.
Target (issue 5): >= 20x faster than Blender with no more body crossings.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.cloth_sim.body import _COLLIDERS, body_collider  # noqa: E402
from custom_nodes.cloth_sim.config import FPS, DrapeSettings  # noqa: E402
from custom_nodes.cloth_sim.drape import drape  # noqa: E402
from custom_nodes.cloth_sim.fabrics import fabric_preset  # noqa: E402
from custom_nodes.cloth_sim.model import build_model  # noqa: E402
from custom_nodes.cloth_sim.report import body_contact, self_crossings  # noqa: E402
from custom_nodes.cloth_sim.scenes import skirt, torso_avatar  # noqa: E402

BLENDER_SCRIPT = r'''
import json, sys, time, bpy
data = json.load(open(sys.argv[sys.argv.index("--") + 1]))
out = sys.argv[sys.argv.index("--") + 2]
frames = int(data["frames"])
bpy.ops.wm.read_factory_settings(use_empty=True)
def make(name, verts, faces, edges=()):
    mesh = bpy.data.meshes.new(name)
    v = [(x, -z, y) for x, y, z in verts]  # Blender is Z up
    mesh.from_pydata(v, [tuple(e) for e in edges], [tuple(f) for f in faces])
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj
body = make("body", data["body_v"], data["body_f"])
body.modifiers.new("collision", "COLLISION")
body.collision.thickness_outer = data["thickness"]
body.collision.cloth_friction = data["friction"] * 10
garment = make("garment", data["v"], data["f"], data["seams"])
cloth = garment.modifiers.new("cloth", "CLOTH")
s = cloth.settings
s.quality = 5
s.mass = data["vertex_mass"]
s.use_sewing_springs = True
s.sewing_force_max = 5.0
s.air_damping = 1.0
c = cloth.collision_settings
c.use_collision = True
c.use_self_collision = True
c.distance_min = data["thickness"]
c.self_distance_min = data["self_thickness"]
scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = int(data["fps"]), 1.0  # not Blender's 24: the same 1 s as ours
scene.frame_start, scene.frame_end = 1, frames
cloth.point_cache.frame_start, cloth.point_cache.frame_end = 1, frames
t0 = time.perf_counter()
for f in range(1, frames + 1):
    scene.frame_set(f)
seconds = time.perf_counter() - t0
ev = garment.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh()
pos = [(v.co[0], v.co[2], -v.co[1]) for v in ev.vertices]
json.dump({"positions": pos, "seconds": seconds}, open(out, "w"))
'''


def run_blender(garment, avatar, fabric, frames: int, settings: DrapeSettings) -> tuple[np.ndarray, float]:
    exe = shutil.which("blender")
    if exe is None:
        raise SystemExit("Blender is not installed (Debian: apt-get install blender)")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out, script = Path(tmp, "in.json"), Path(tmp, "out.json"), Path(tmp, "run.py")
        script.write_text(BLENDER_SCRIPT)  # Debian's Blender Python has no NumPy: exchange JSON
        data = {"v": garment.positions.tolist(), "f": garment.faces.tolist(), "seams": garment.seam_pairs.tolist(),
                "body_v": avatar.mesh.vertices.tolist(), "body_f": avatar.mesh.faces.tolist(), "frames": frames,
                "fps": FPS,
                "vertex_mass": float(build_model(garment, fabric).mass.mean()), "friction": fabric.friction,
                "thickness": settings.collision_thickness * 1e-2, "self_thickness": settings.self_thickness * 1e-2}
        inp.write_text(json.dumps(data))
        subprocess.run([exe, "-b", "--factory-startup", "-noaudio", "--python-exit-code", "1", "-P", str(script),
                        "--", str(inp), str(out)], check=True, capture_output=True, timeout=3600)
        res = json.loads(out.read_text())
        return np.asarray(res["positions"], np.float32), float(res["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spacing", type=float, default=0.01, help="mesh spacing [m] (1 cm: 11k vertices)")
    ap.add_argument("--frames", type=int, default=60, help="frame budget for both")
    ap.add_argument("--repeats", type=int, default=3, help="runs of ours (median printed, range in brackets)")
    args = ap.parse_args()
    g, avatar, fabric = skirt(spacing=args.spacing), torso_avatar(), fabric_preset("denim")
    settings = DrapeSettings(max_frames=args.frames, static_fraction=0.0)  # same budget: run every frame
    drape(skirt(spacing=0.05), avatar, fabric, DrapeSettings(max_frames=2))  # compile kernels (one-off, cached)
    rows, spread = {}, {}
    for name, run in (("ours", settings),):
        times = []
        for _ in range(args.repeats):  # this machine's timings wander by 10-20 %: report the median
            _COLLIDERS.clear()  # ... but build the body's collider inside the timing, as a first drape does
            t0 = time.perf_counter()
            ours = drape(g, avatar, fabric, run)
            times.append(time.perf_counter() - t0)
        rows[name], spread[name] = (float(np.median(times)), ours.positions), (min(times), max(times))
    theirs, blender_s = run_blender(g, avatar, fabric, args.frames, settings)
    collider = body_collider(avatar)
    rows["blender"] = (blender_s, theirs)
    our_s = rows["ours"][0]
    print(f"skirt, {g.n_vertices} vertices, {args.frames} frames, denim, body = round torso")
    for name, (sec, pos) in rows.items():
        contact = body_contact(g, pos, avatar, collider)
        gaps = np.linalg.norm(pos[g.seam_pairs[:, 0]] - pos[g.seam_pairs[:, 1]], axis=1) * 1e3
        span = f"({spread[name][0]:.2f}-{spread[name][1]:.2f})" if name in spread else ""
        print(f"  {name:9s} {sec:6.2f} s {span:13s} body crossings {contact['body_crossings']:5d}   self crossings "
              f"{self_crossings(g, pos):5d}   seam gap max {gaps.max():7.2f} mm   "
              f"deepest penetration {contact['deepest_penetration_mm']} mm")
    lo, hi = spread["ours"]
    print(f"  speed-up: {blender_s / our_s:.1f}x (median; {blender_s / hi:.1f}-{blender_s / lo:.1f}x over the runs) "
          f"with our default settings ({settings.substeps} substeps, {settings.self_passes} self-collision pass; "
          f"target >= 20x; ours timed with kernels compiled and the collider built, Blender's around its "
          f"simulation)")
    print(json.dumps({"ours_s": our_s, "blender_s": blender_s, "ours_range_s": spread["ours"]}))


if __name__ == "__main__":
    main()
