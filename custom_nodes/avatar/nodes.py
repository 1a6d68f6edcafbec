"""Atelier/Avatar nodes: thin wrappers — convert inputs, one engine call, convert outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.avatar import Avatar
from ..core.bridge import numpy_to_image
from ..core.camera import Camera
from ..core.measurements import MEASUREMENTS, SIZES
from ..core.params import from_widgets, param, widgets
from ..core.progress import node_progress
from .pose import POSES, WALK_FRAMES
from .silhouette import METHODS as SEGMENTATION_METHODS

CATEGORY = "Atelier/Avatar"
AVATAR_TIP = {"tooltip": "The avatar (metres, Y up, standing on y = 0 facing +Z)."}


@dataclass(frozen=True)
class BodySettings:
    size: str = param("M", choices=SIZES, tooltip="Size preset from the shared XS–3XL size table")
    body: str = param("female", choices=("female", "male"), tooltip="Female or male size table and body prior")
    pose: str = param("a_pose", choices=POSES, tooltip="Pose of the output avatar (measurements are of the rest shape)")
    arm_angle: float = param(45.0, lo=-10.0, hi=90.0, step=1.0, unit="deg",
                             tooltip="A-pose arms, degrees below horizontal (GarmentCode bodies use ~45)")
    walk_frame: int = param(0, lo=0, hi=WALK_FRAMES - 1,
                            tooltip="Frame of Anny's walk cycle when pose is walk: evenly spaced over one full "
                                    "cycle (two steps), walked in place; 0 and 4 have both feet down")
    age: float = param(0.5, lo=0.0, hi=1.0, step=0.01, tooltip="Anny age prior: 0.5 is a young adult")
    muscle: float = param(0.5, lo=0.0, hi=1.0, step=0.01, tooltip="Anny muscle prior (0 soft … 1 athletic)")
    fit_iterations: int = param(12, lo=0, hi=40, tooltip="Gauss–Newton iterations of the fit; 0 keeps the prior body")


OVERRIDES = tuple(f"{m.name}_cm" for m in MEASUREMENTS)


def _override_widgets() -> dict:
    return {f"{m.name}_cm": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 250.0, "step": 0.5,
                                       "tooltip": f"{m.iso} ({m.description}) [cm]; 0 = take it from the size table"})
            for m in MEASUREMENTS}


def _image(array: np.ndarray):
    return numpy_to_image(array)


class AtelierAvatarFromMeasurements:
    DESCRIPTION = ("Anny body fitted to tape measurements (size preset + overrides in cm). Reports asked, "
                   "achieved and residual per measurement; builds landmarks, keypoints and the collision SDF.")
    CATEGORY = CATEGORY
    FUNCTION = "build"
    RETURN_TYPES = ("ATELIER_AVATAR", "STRING", "IMAGE")
    RETURN_NAMES = ("avatar", "fit_report", "preview")
    OUTPUT_TOOLTIPS = ("The fitted, posed avatar.", "Asked / achieved / residual per measurement (cm).",
                       "Front and side preview.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": widgets(BodySettings), "optional": _override_widgets()}

    def build(self, **kwargs):
        from .build import avatar_from_measurements, size_preset
        from .preview import render_preview

        s = from_widgets(BodySettings, kwargs)
        overrides = {k[:-3]: kwargs[k] for k in OVERRIDES if kwargs.get(k)}
        avatar, rep = avatar_from_measurements(
            size_preset(s.size, s.body, overrides), body=s.body, age=s.age, muscle=s.muscle, pose=s.pose,
            arm_angle=s.arm_angle, frame=s.walk_frame, max_iterations=s.fit_iterations,
            on_progress=node_progress(s.fit_iterations + 1))
        return avatar, rep.table(), _image(render_preview(avatar, 512))

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        """Defaults without fit iterations: one Anny evaluation (reads the project's Anny cache)."""
        values = {name: spec[1]["default"] for name, spec in widgets(BodySettings).items()}
        return {**values, "fit_iterations": 0}


def _as_in_body_settings(name: str):
    """The same widget (default, range, tooltip) as BodySettings' field ``name``."""
    f = BodySettings.__dataclass_fields__[name]
    return field(default=f.default, metadata=f.metadata)


@dataclass(frozen=True)
class PhotoBodySettings:
    height_cm: float = param(170.0, lo=120.0, hi=220.0, step=0.5, unit="cm",
                             tooltip="The person's height (stature, barefoot): sets the photos' scale")
    body: str = param("female", choices=("female", "male"), tooltip="Female or male girth table and body prior")
    pose: str = _as_in_body_settings("pose")
    arm_angle: float = _as_in_body_settings("arm_angle")
    walk_frame: int = _as_in_body_settings("walk_frame")
    age: float = _as_in_body_settings("age")
    muscle: float = _as_in_body_settings("muscle")
    fit_iterations: int = _as_in_body_settings("fit_iterations")
    segmentation: str = param("auto", choices=SEGMENTATION_METHODS,
                              tooltip="auto: rembg's u2net_human_seg when installed (any background), else "
                                      "classical (colour model + GrabCut; needs a plain wall)")
    hair_and_soles_cm: float = param(0.0, lo=0.0, hi=10.0, step=0.5, unit="cm",
                                     tooltip="What the photos show above the scalp (hair volume) plus under the "
                                             "feet (shoe soles): added to the height before scaling")
    focal_mm_35: float = param(0.0, lo=0.0, hi=300.0, step=1.0, unit="mm",
                               tooltip="The phone's 35 mm-equivalent focal length (EXIF FocalLengthIn35mmFilm) "
                                       "for the perspective correction; 0 = unknown (then the distance is used)")
    camera_distance_m: float = param(0.0, lo=0.0, hi=10.0, step=0.1, unit="m",
                                     tooltip="How far the phone stood from the person; 0 = unknown (3 m, what the "
                                             "photo instructions ask for, is assumed when the focal length is "
                                             "unknown too)")


class AtelierAvatarFromPhotos:
    DESCRIPTION = ("Anny body fitted to measurements taken from a front photo (A-pose) and a side photo of one "
                   "person against a plain wall, scaled by their height. Reports each measurement with its "
                   "uncertainty and the fit's residuals; the overlay shows the silhouettes and measured levels. "
                   "Photos that are not one whole standing person are refused with what to retake.")
    CATEGORY = CATEGORY
    FUNCTION = "build"
    RETURN_TYPES = ("ATELIER_AVATAR", "STRING", "IMAGE", "IMAGE")
    RETURN_NAMES = ("avatar", "fit_report", "preview", "overlay")
    OUTPUT_TOOLTIPS = ("The fitted, posed avatar.",
                       "Per measurement (cm): from the photos ± one sigma, the fitted avatar, the residual.",
                       "Front and side preview of the avatar.",
                       "The silhouettes with the measured levels and values.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "front_photo": ("IMAGE", {"tooltip": "Whole body from the front, arms 30–60° away from the body, legs "
                                                 "a little apart, fitted clothes, plain wall."}),
            "side_photo": ("IMAGE", {"tooltip": "Whole body from the side (facing left or right), arms in an "
                                                "A-pose or relaxed, same clothes and wall."}),
            **widgets(PhotoBodySettings)},
            "optional": {"segmentation_model": ("STRING", {
                "default": "", "tooltip": "u2net_human_seg .onnx inside the models folder (e.g. "
                                          "rembg/u2net_human_seg.onnx); empty = $U2NET_HOME / models/rembg."})}}

    def build(self, front_photo, side_photo, segmentation_model: str = "", **kwargs):
        from ..core.bridge import image_to_numpy
        from ..core.paths import resolve_input
        from .photo_profile import Lens
        from .photos import avatar_from_photos, overlay_image, photo_report
        from .preview import render_preview

        s = from_widgets(PhotoBodySettings, kwargs)
        model = segmentation_model.strip() and resolve_input(segmentation_model, field="segmentation_model",
                                                             relative_to="models", what="model")
        front, side = image_to_numpy(front_photo)[0], image_to_numpy(side_photo)[0]
        avatar, rep, pm = avatar_from_photos(
            front, side, s.height_cm / 100, s.body, segmentation=s.segmentation, model_path=model or None,
            allowance=s.hair_and_soles_cm / 100, lens=Lens(s.focal_mm_35, s.camera_distance_m), age=s.age,
            muscle=s.muscle, pose=s.pose, arm_angle=s.arm_angle,
            frame=s.walk_frame, max_iterations=s.fit_iterations, on_progress=node_progress(s.fit_iterations + 1))
        return (avatar, photo_report(pm, rep), _image(render_preview(avatar, 512)),
                _image(overlay_image(pm, front, side)))

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        """A rendered photo pair of one random Anny body (reads the Anny cache), no fit iterations."""
        from ..core.bridge import numpy_to_image
        from .anny_model import load_anny
        from .photo_eval import photo_pair, sample_bodies

        body = load_anny()
        sample = sample_bodies(body, 1, seed=3)[0]
        front, side = photo_pair(body, sample, seed=3, rows=640, width=480, perspective=True)
        values = {name: spec[1]["default"] for name, spec in widgets(PhotoBodySettings).items()}
        return {**values, "front_photo": numpy_to_image(front), "side_photo": numpy_to_image(side),
                "height_cm": round(sample.truth["height"] * 100, 1), "body": sample.sex, "fit_iterations": 0,
                "segmentation": "classical"}


class AtelierLoadAvatar:
    DESCRIPTION = ("Load a body mesh (GLB/glTF, OBJ, PLY, STL): units and up axis detected, scaled to metres, "
                   "standing on the floor facing +Z, decimated above the vertex budget, measured; refuses non-bodies.")
    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("ATELIER_AVATAR", "STRING")
    RETURN_NAMES = ("avatar", "report")
    OUTPUT_TOOLTIPS = ("The normalised avatar.", "What was detected (unit, up axis, decimation) and measured.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "path": ("STRING", {"default": "", "multiline": False,
                                "tooltip": "Mesh file: a name inside ComfyUI's input folder, or a full path "
                                           "inside its input, output or models folder."}),
            "max_vertices": ("INT", {"default": 60000, "min": 2000, "max": 500000, "step": 1000,
                                     "tooltip": "Vertex budget; denser meshes are decimated to it."}),
        }}

    def load(self, path: str, max_vertices: int):
        from ..core.paths import resolve_input
        from .build import measurement_table
        from .load import load_avatar

        avatar = load_avatar(resolve_input(path), max_vertices=max_vertices, on_progress=node_progress(4))
        info = ", ".join(f"{k}: {v}" for k, v in avatar.metadata["normalised"].items())
        return avatar, f"{info}\n{measurement_table(avatar)}"

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        from ..core.mesh import TriangleMesh
        from ..core.mesh_io import save_mesh
        from .mannequin import mannequin

        m = mannequin()
        zup_cm = np.c_[m.vertices[:, 0], -m.vertices[:, 2], m.vertices[:, 1]] * 100
        (tmp_path / "in").mkdir(exist_ok=True)  # the contract test's input folder
        path = save_mesh(TriangleMesh(zup_cm, m.faces), tmp_path / "in" / "mannequin.obj")
        return {"path": path.name, "max_vertices": 60000}


class AtelierPoseAvatar:
    DESCRIPTION = ("Re-pose an avatar: A-pose with an arm angle, T-pose, relaxed, or a frame of Anny's own "
                   "walk cycle (in place; Anny avatars only). "
                   "Measurements of the rest shape are kept; the collision SDF is rebuilt.")
    CATEGORY = CATEGORY
    FUNCTION = "pose"
    RETURN_TYPES = ("ATELIER_AVATAR",)
    RETURN_NAMES = ("avatar",)
    OUTPUT_TOOLTIPS = ("The posed avatar.",)

    @classmethod
    def INPUT_TYPES(cls):
        w = widgets(BodySettings)
        return {"required": {"avatar": ("ATELIER_AVATAR", AVATAR_TIP), "pose": w["pose"],
                             "arm_angle": w["arm_angle"], "walk_frame": w["walk_frame"]}}

    def pose(self, avatar: Avatar, pose: str, arm_angle: float, walk_frame: int):
        from .build import pose_avatar

        return (pose_avatar(avatar, pose, arm_angle, walk_frame),)


class AtelierMeasureAvatar:
    DESCRIPTION = "Measurements of an avatar's rest shape as a text table (cm) and a front view with the girth levels."
    CATEGORY = CATEGORY
    FUNCTION = "measure"
    RETURN_TYPES = ("STRING", "IMAGE")
    RETURN_NAMES = ("table", "annotated")
    OUTPUT_TOOLTIPS = ("Measurement table in cm (asked/achieved/residual after a fit).",
                       "Front view with the girth levels and values.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"avatar": ("ATELIER_AVATAR", AVATAR_TIP)}}

    def measure(self, avatar: Avatar):
        from .build import measurement_table
        from .preview import render_measurements

        return measurement_table(avatar), _image(render_measurements(avatar))


class AtelierAvatarToMesh:
    DESCRIPTION = "The avatar's body surface as an Atelier mesh (for Save GLB or the MESH converter)."
    CATEGORY = CATEGORY
    FUNCTION = "convert"
    RETURN_TYPES = ("ATELIER_MESH",)
    RETURN_NAMES = ("mesh",)
    OUTPUT_TOOLTIPS = ("Body mesh in metres, Y up.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"avatar": ("ATELIER_AVATAR", AVATAR_TIP)}}

    def convert(self, avatar: Avatar):
        return (avatar.mesh,)


class AtelierAvatarKeypoints:
    DESCRIPTION = ("OpenPose-18 keypoints of the avatar projected by a camera, as comfyui_controlnet_aux's "
                   "POSE_KEYPOINT, plus a preview with the skeleton drawn.")
    CATEGORY = CATEGORY
    FUNCTION = "keypoints"
    RETURN_TYPES = ("POSE_KEYPOINT", "IMAGE")
    RETURN_NAMES = ("pose_keypoint", "preview")
    OUTPUT_TOOLTIPS = ("[{people: [{pose_keypoints_2d}], canvas_width, canvas_height}] in pixels.",
                       "Front and side preview with the keypoints.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "avatar": ("ATELIER_AVATAR", AVATAR_TIP),
            "width": ("INT", {"default": 768, "min": 64, "max": 2048, "step": 8, "tooltip": "Canvas width [px]."}),
            "height": ("INT", {"default": 1024, "min": 64, "max": 2048, "step": 8, "tooltip": "Canvas height [px]."}),
            "yaw": ("FLOAT", {"default": 0.0, "min": -180.0, "max": 180.0, "step": 1.0,
                              "tooltip": "Camera yaw [deg]: 0 looks at the front, 90 from the avatar's left."}),
        }, "optional": {"camera": ("ATELIER_CAMERA", {"tooltip": "Use this camera instead (overrides size and yaw)."})}}

    def keypoints(self, avatar: Avatar, width: int, height: int, yaw: float, camera: Camera | None = None):
        from .keypoints import pose_keypoint
        from .preview import render_preview

        if camera is None:
            h = max(avatar.height, 0.5)
            camera = Camera.orbit(yaw, 0.0, 4.0, target=(0.0, h / 2, 0.0), width=width, height=height,
                                  projection="orthographic", ortho_height=h * 1.15)
        kps = pose_keypoint(avatar.keypoints, avatar.keypoint_visible, camera)
        return kps, _image(render_preview(avatar, 384, keypoints=True))


class AtelierAvatarPreview:
    DESCRIPTION = "Front and side picture of an avatar (flat-shaded, body parts tinted)."
    CATEGORY = CATEGORY
    FUNCTION = "preview"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("image",)
    OUTPUT_TOOLTIPS = ("Front (left) and side (right) views.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "avatar": ("ATELIER_AVATAR", AVATAR_TIP),
            "height": ("INT", {"default": 512, "min": 64, "max": 2048, "step": 8, "tooltip": "Picture height [px]."}),
            "keypoints": ("BOOLEAN", {"default": False, "tooltip": "Draw the OpenPose skeleton on top."}),
        }}

    def preview(self, avatar: Avatar, height: int, keypoints: bool):
        from .preview import render_preview

        return (_image(render_preview(avatar, height, keypoints)),)


NODE_CLASS_MAPPINGS = {
    "AtelierAvatarFromMeasurements": AtelierAvatarFromMeasurements,
    "AtelierAvatarFromPhotos": AtelierAvatarFromPhotos,
    "AtelierLoadAvatar": AtelierLoadAvatar,
    "AtelierPoseAvatar": AtelierPoseAvatar,
    "AtelierMeasureAvatar": AtelierMeasureAvatar,
    "AtelierAvatarToMesh": AtelierAvatarToMesh,
    "AtelierAvatarKeypoints": AtelierAvatarKeypoints,
    "AtelierAvatarPreview": AtelierAvatarPreview,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierAvatarFromMeasurements": "Avatar from Measurements (Atelier)",
    "AtelierAvatarFromPhotos": "Avatar from Photos (Atelier)",
    "AtelierLoadAvatar": "Load Avatar (Atelier)",
    "AtelierPoseAvatar": "Pose Avatar (Atelier)",
    "AtelierMeasureAvatar": "Measure Avatar (Atelier)",
    "AtelierAvatarToMesh": "Avatar → Mesh (Atelier)",
    "AtelierAvatarKeypoints": "Avatar Keypoints (Atelier)",
    "AtelierAvatarPreview": "Avatar Preview (Atelier)",
}
