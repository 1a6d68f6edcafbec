"""Atelier/TryOn nodes: thin wrappers around the engine modules of this folder.

Label maps travel on ``ATELIER_PARSE`` (a :class:`~.labels.PersonParse`), cut-out garment photos on
``ATELIER_GARMENT_PHOTO`` (a :class:`GarmentPhoto`), poses on core ``POSE_KEYPOINT`` exactly as
comfyui_controlnet_aux's DWPose/OpenPose nodes write it. Each node handles one photo (batch size 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.bridge import image_to_numpy, mask_to_numpy, numpy_to_image, numpy_to_mask
from ..core.errors import InvalidInputError
from ..core.params import from_widgets, widgets
from ..core.paths import resolve_input
from ..core.progress import node_progress
from .agnostic import MaskSettings, agnostic_image, agnostic_mask, hands_mask
from .blend import blend_region
from .classic import ClassicSettings, classic_tryon
from .garment import GarmentCut, cut_garment, garment_landmarks
from .images import check_size
from .labels import HEAD, PersonParse, any_of
from .pose import load_pose_json, parse_frame, pose_from_avatar, select_index, select_person, to_pose_keypoint
from .preview import colour_labels, draw_pose

CATEGORY = "Atelier/TryOn"
PERSON_INDEX = ("INT", {"default": -1, "min": -1, "max": 63,
                        "tooltip": "Which person when the pose holds several: -1 = the largest, 0.. = that one."})


@dataclass(frozen=True)
class GarmentPhoto:
    """What travels on ``ATELIER_GARMENT_PHOTO``: the cut-out, its kind and its landmarks [px]."""

    cut: GarmentCut
    kind: str
    landmarks: dict


def _one(image, field: str) -> np.ndarray:
    shape = tuple(getattr(image, "shape", ()))
    if len(shape) >= 3:  # refuse huge photos before the bridge copies them
        check_size(int(shape[-3]), int(shape[-2]), field)
    arr = image_to_numpy(image)
    if arr.shape[0] != 1:
        raise InvalidInputError(f"this node takes one photo at a time, got a batch of {arr.shape[0]}", field=field)
    return arr[0]


def _same_size(labels: np.ndarray, shape, field: str) -> None:
    """Refuse a label map or mask whose size differs from the photo's, in the user's terms."""
    if tuple(labels.shape[:2]) != tuple(shape[:2]):
        (h, w), (ph, pw) = labels.shape[:2], shape[:2]
        raise InvalidInputError(f"it is {w}×{h} but the photo is {pw}×{ph}; use the same photo for both",
                                field=field)


def _pose(pose_keypoint, shape, person_index: int) -> tuple[np.ndarray, str, list[np.ndarray]]:
    """(pose, note, hand points) of the chosen person in the first POSE_KEYPOINT frame."""
    frames = pose_keypoint if isinstance(pose_keypoint, list) else [pose_keypoint]
    if not frames:
        raise InvalidInputError("the POSE_KEYPOINT list is empty", field="pose")
    people = parse_frame(frames[0], shape[1], shape[0])
    poses = [p for p, _ in people]
    pose, note = select_person(poses, person_index)
    return pose, note, people[select_index(poses, person_index)][1]


def _contract_person(tmp_path=None) -> dict:
    from .synthetic import synthetic_garment, synthetic_person

    p = synthetic_person(96, 72, "short", "pants")
    return {"image": numpy_to_image(p.image), "parse": PersonParse(p.labels, "synthetic"),
            "pose": [to_pose_keypoint([p.pose], 72, 96)], "garment_image": numpy_to_image(synthetic_garment("top", 64, 64))}


class AtelierPersonParse:
    DESCRIPTION = ("Person parsing to the 18 ATR labels: SegFormer clothes parser from a local folder, or a "
                   "label map / garment mask made elsewhere. Never downloads.")
    CATEGORY = CATEGORY
    FUNCTION = "parse"
    RETURN_TYPES = ("ATELIER_PARSE", "IMAGE", "MASK")
    RETURN_NAMES = ("parse", "preview", "person_mask")
    OUTPUT_TOOLTIPS = ("ATR-18 label map.", "Colourised labels.", "Every non-background pixel (1 = person).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE", {"tooltip": "The person photo (one image)."}),
                             "source": (["segformer", "label_map", "garment_mask"], {
                                 "default": "segformer",
                                 "tooltip": "segformer: run the local model; label_map / garment_mask: use the optional input."})},
                "optional": {
                    "model_path": ("STRING", {"default": "", "tooltip": "SegFormer folder inside the models folder "
                                              "(e.g. atelier/segformer_b2_clothes); empty = the usual places."}),
                    "label_map": ("IMAGE", {"tooltip": "Label map made elsewhere: channel 0 holds label/255 (ATR-18)."}),
                    "garment_mask": ("MASK", {"tooltip": "Garment mask made elsewhere (1 = garment); becomes that garment's label."}),
                    "garment": (["upper", "lower", "dress"], {"default": "upper", "tooltip": "Which garment garment_mask shows."})}}

    def parse(self, image, source="segformer", model_path="", label_map=None, garment_mask=None, garment="upper"):
        from .parsing import labels_from_mask, load_segformer

        photo = _one(image, "image")
        if source == "label_map":
            if label_map is None:
                raise InvalidInputError("source is label_map but no label_map is connected", field="label_map")
            labels = np.round(_one(label_map, "label_map")[..., 0] * 255)
        elif source == "garment_mask":
            if garment_mask is None:
                raise InvalidInputError("source is garment_mask but no garment_mask is connected", field="garment_mask")
            labels = labels_from_mask(mask_to_numpy(garment_mask)[0], garment)
        else:
            folder = model_path.strip() and resolve_input(model_path, field="model_path", relative_to="models",
                                                          what="model")
            labels = load_segformer(folder or None)(photo)
        parse = PersonParse(labels, source)
        if parse.labels.shape != photo.shape[:2]:
            raise InvalidInputError(f"label map {parse.labels.shape} and photo {photo.shape[:2]} differ in size",
                                    field="label_map")
        return (parse, numpy_to_image(colour_labels(parse.labels)), numpy_to_mask(parse.labels > 0))

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        c = _contract_person()
        return {"image": c["image"], "source": "label_map",
                "label_map": numpy_to_image(np.repeat(c["parse"].labels[..., None] / 255.0, 3, -1))}


class AtelierPoseFromKeypoints:
    DESCRIPTION = "POSE_KEYPOINT (OpenPose-18, pixels) from an Atelier avatar's keypoints seen through a camera."
    CATEGORY = CATEGORY
    FUNCTION = "project"
    RETURN_TYPES = ("POSE_KEYPOINT", "IMAGE")
    RETURN_NAMES = ("pose", "preview")
    OUTPUT_TOOLTIPS = ("Pose in comfyui_controlnet_aux's format.", "Skeleton drawn on black.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"avatar": ("ATELIER_AVATAR", {"tooltip": "Avatar whose OpenPose-18 keypoints are used."}),
                             "camera": ("ATELIER_CAMERA", {"tooltip": "Camera that defines the image and its pixels."})}}

    def project(self, avatar, camera):
        pose = pose_from_avatar(avatar, camera)
        canvas = draw_pose(np.zeros((camera.height, camera.width, 3), np.float32), pose)
        return ([to_pose_keypoint([pose], camera.width, camera.height)], numpy_to_image(canvas))


class AtelierAgnosticMask:
    DESCRIPTION = ("Agnostic mask for a try-on (the region a new garment may repaint) from parsing + pose: "
                   "face, hair, hands, shoes, bag and the other garment are never masked.")
    CATEGORY = CATEGORY
    FUNCTION = "mask"
    RETURN_TYPES = ("MASK", "IMAGE", "MASK", "STRING")
    RETURN_NAMES = ("mask", "agnostic_image", "protected", "info")
    OUTPUT_TOOLTIPS = ("1 = repaint.", "The photo with the mask filled grey.", "Pixels that must stay.",
                       "Notes (e.g. which person was used).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE", {"tooltip": "The person photo (one image)."}),
                             "parse": ("ATELIER_PARSE", {"tooltip": "ATR-18 label map from Person Parse."}),
                             "pose": ("POSE_KEYPOINT", {"tooltip": "OpenPose-18 pose (DWPose/OpenPose or avatar)."}),
                             "person_index": PERSON_INDEX, **widgets(MaskSettings)}}

    def mask(self, image, parse, pose, person_index=-1, **settings):
        photo = _one(image, "image")
        _same_size(parse.labels, photo.shape, "parse")
        body, note, hands = _pose(pose, photo.shape[:2], person_index)
        res = agnostic_mask(parse.labels, body, from_widgets(MaskSettings, settings), hands)
        return (numpy_to_mask(res.mask), numpy_to_image(agnostic_image(photo, res.mask)),
                numpy_to_mask(res.protected), note)

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        c = _contract_person()
        return {"image": c["image"], "parse": c["parse"], "pose": c["pose"]}


class AtelierGarmentPrep:
    DESCRIPTION = ("Cut a garment photo out of its background (threshold / GrabCut, or a local U2-Net ONNX) "
                   "and find its landmarks (collar, shoulders, sleeve ends, hem corners).")
    CATEGORY = CATEGORY
    FUNCTION = "prepare"
    RETURN_TYPES = ("ATELIER_GARMENT_PHOTO", "IMAGE", "MASK", "STRING")
    RETURN_NAMES = ("garment", "preview", "mask", "info")
    OUTPUT_TOOLTIPS = ("Cut-out + landmarks for Try-On Warp.", "Cut-out on white with landmarks.",
                       "1 = garment.", "Method used and notes.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"garment_image": ("IMAGE", {"tooltip": "Garment photo, flat or on a hanger, plain background."}),
                             "kind": (["top", "bottom", "dress"], {"default": "top", "tooltip": "What the photo shows."}),
                             "method": (["auto", "threshold", "grabcut", "matting"], {
                                 "default": "auto", "tooltip": "auto: threshold on plain backgrounds, GrabCut otherwise."})},
                "optional": {"matting_model": ("STRING", {"default": "", "tooltip": "U2-Net .onnx for 'matting', "
                                                   "inside the models folder (e.g. rembg/u2net.onnx); empty = "
                                                   "$U2NET_HOME / models/rembg."})}}

    def prepare(self, garment_image, kind="top", method="auto", matting_model=""):
        from .matting import load_matting

        photo = _one(garment_image, "garment_image")
        matting = None
        if method == "matting":
            model = matting_model.strip() and resolve_input(matting_model, field="matting_model", relative_to="models",
                                                         what="model")
            matting = load_matting(model or None)
        cut = cut_garment(photo, method, matting)
        landmarks = garment_landmarks(cut.mask, kind)
        preview = np.where(cut.mask[..., None], cut.image, 1.0).astype(np.float32)
        for x, y in landmarks.values():
            r = max(2, photo.shape[0] // 100)
            preview[max(0, int(y) - r):int(y) + r + 1, max(0, int(x) - r):int(x) + r + 1] = (1.0, 0.0, 0.5)
        info = f"{cut.method}; landmarks: {', '.join(landmarks)}" + "".join(f"; {n}" for n in cut.notes)
        return (GarmentPhoto(cut, kind, landmarks), numpy_to_image(preview), numpy_to_mask(cut.mask), info)

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        return {"garment_image": _contract_person()["garment_image"]}


class AtelierTryOnWarp:
    DESCRIPTION = ("Warp a prepared garment onto a person (affine + thin-plate spline from garment landmarks to "
                   "pose keypoints). quality = IoU of the warped garment with the agnostic mask.")
    CATEGORY = CATEGORY
    FUNCTION = "warp"
    RETURN_TYPES = ("IMAGE", "MASK", "FLOAT")
    RETURN_NAMES = ("warped", "warped_mask", "quality")
    OUTPUT_TOOLTIPS = ("Garment in the person photo's frame.", "Where the warped garment is.",
                       "IoU with the agnostic mask, 0..1; -1 when no mask is connected.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"garment": ("ATELIER_GARMENT_PHOTO", {"tooltip": "From Garment Prep."}),
                             "image": ("IMAGE", {"tooltip": "The person photo (sets the output size)."}),
                             "pose": ("POSE_KEYPOINT", {"tooltip": "The person's OpenPose-18 pose."}),
                             "rigidity": ("FLOAT", {"default": 0.3, "min": 0.0, "max": 1.0, "step": 0.05,
                                                    "tooltip": "0 = spline through every landmark, 1 = affine only."}),
                             "person_index": PERSON_INDEX},
                "optional": {"agnostic_mask": ("MASK", {"tooltip": "Agnostic mask, for the quality score."})}}

    def warp(self, garment, image, pose, rigidity=0.3, person_index=-1, agnostic_mask=None):
        from .warp import person_targets, warp_garment

        photo = _one(image, "image")
        body, _, _ = _pose(pose, photo.shape[:2], person_index)
        ref = mask_to_numpy(agnostic_mask)[0] > 0.5 if agnostic_mask is not None else None
        if ref is not None:
            _same_size(ref, photo.shape, "agnostic_mask")
        res = warp_garment(garment.cut.image, garment.cut.mask, garment.landmarks,
                           person_targets(garment.kind, garment.landmarks, body), photo.shape[:2], rigidity, ref,
                           on_progress=node_progress(1))
        quality = res.quality if np.isfinite(res.quality) else -1.0  # NaN is not valid JSON for the UI
        return (numpy_to_image(res.image), numpy_to_mask(res.mask), float(quality))

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        c = _contract_person()
        (garment, *_rest) = AtelierGarmentPrep().prepare(c["garment_image"])
        return {"garment": garment, "image": c["image"], "pose": c["pose"]}


class AtelierTryOnBlend:
    DESCRIPTION = ("Blend a generated/warped region back into the original (Poisson or feathered), match its "
                   "colours to the garment (ΔE00 reported), and paste face and hands back from the original.")
    CATEGORY = CATEGORY
    FUNCTION = "blend"
    RETURN_TYPES = ("IMAGE", "STRING")
    RETURN_NAMES = ("image", "report")
    OUTPUT_TOOLTIPS = ("The blended photo.", "ΔE00 of the garment's mean colour before/after matching.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"original": ("IMAGE", {"tooltip": "The untouched person photo."}),
                             "generated": ("IMAGE", {"tooltip": "The try-on result or warped garment."}),
                             "mask": ("MASK", {"tooltip": "Region to take from 'generated' (1 = take)."}),
                             "method": (["poisson", "feather"], {"default": "poisson", "tooltip": "Blend method."}),
                             "feather": ("FLOAT", {"default": 0.01, "min": 0.0, "max": 0.1, "step": 0.001,
                                                   "tooltip": "Feather width, fraction of image height."}),
                             "colour_match": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.05,
                                                        "tooltip": "Strength of colour matching to the garment photo."})},
                "optional": {"parse": ("ATELIER_PARSE", {"tooltip": "Parsing of the original, for face/hands paste-back."}),
                             "pose": ("POSE_KEYPOINT", {"tooltip": "Pose of the original, for hands paste-back."}),
                             "garment": ("ATELIER_GARMENT_PHOTO", {"tooltip": "Garment photo whose colours to match."})}}

    def blend(self, original, generated, mask, method="poisson", feather=0.01, colour_match=1.0, parse=None,
              pose=None, garment=None):
        photo = _one(original, "original")
        keep = None
        if parse is not None:
            keep = any_of(parse.labels, HEAD)
            if pose is not None:
                body, _, hands = _pose(pose, photo.shape[:2], -1)
                keep = keep | hands_mask(body, parse.labels, hands)
        ref = garment.cut.image[garment.cut.mask] if garment is not None else None
        out, rep = blend_region(photo, _one(generated, "generated"), mask_to_numpy(mask)[0] > 0.5, method, feather,
                                keep, ref, colour_match)
        text = ", ".join(f"{k} {v:.2f}" for k, v in rep.items()) or "no colour matching (no garment connected)"
        return (numpy_to_image(out), text)


class AtelierClassicTryOn:
    DESCRIPTION = ("Classic try-on WITHOUT diffusion: agnostic mask + landmark warp + blend. For previews when "
                   "no GPU is around; it pastes the flat garment, it does not generate folds or light.")
    CATEGORY = CATEGORY
    FUNCTION = "tryon"
    RETURN_TYPES = ("IMAGE", "MASK", "STRING")
    RETURN_NAMES = ("image", "garment_mask", "report")
    OUTPUT_TOOLTIPS = ("Result, labelled classic (no diffusion).", "Where the garment was placed.",
                       "Label, warp quality and ΔE00.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE", {"tooltip": "The person photo (one image)."}),
                             "parse": ("ATELIER_PARSE", {"tooltip": "ATR-18 label map of the photo."}),
                             "pose": ("POSE_KEYPOINT", {"tooltip": "The person's OpenPose-18 pose."}),
                             "garment_image": ("IMAGE", {"tooltip": "Garment photo on a plain background."}),
                             "person_index": PERSON_INDEX, **widgets(ClassicSettings)}}

    def tryon(self, image, parse, pose, garment_image, person_index=-1, **settings):
        photo = _one(image, "image")
        body, note, hands = _pose(pose, photo.shape[:2], person_index)
        res = classic_tryon(photo, parse.labels, body, _one(garment_image, "garment_image"),
                            from_widgets(ClassicSettings, settings), hands, on_progress=node_progress(5))
        colour = (f"ΔE00 {res.colour['delta_e00_before']:.2f} → {res.colour['delta_e00_after']:.2f}"
                  if np.isfinite(res.colour["delta_e00_after"]) else "colour matching off")
        text = "; ".join(res.notes + ((note,) if note else ()) + (f"warp quality {res.quality:.2f}", colour))
        return (numpy_to_image(res.image), numpy_to_mask(res.garment_mask), text)

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        return _contract_person()


class AtelierLoadPose:
    DESCRIPTION = ("Load a pose from an OpenPose/DWPose JSON file (pose_keypoints_2d, pixels or 0..1) as "
                   "POSE_KEYPOINT — for runs without a pose detector, e.g. on the local runner.")
    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("POSE_KEYPOINT",)
    RETURN_NAMES = ("pose",)
    OUTPUT_TOOLTIPS = ("Pose frames in comfyui_controlnet_aux's format.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"path": ("STRING", {"default": "pose.json", "multiline": False, "tooltip":
                                                 "JSON file: a name inside the input folder, or a full path "
                                                 "inside the input, output or models folder."})}}

    def load(self, path: str):
        return (load_pose_json(resolve_input(path)),)

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        import json

        from .synthetic import person_pose

        pose = person_pose(256, 192)
        frame = to_pose_keypoint([pose], 192, 256)
        (tmp_path / "in").mkdir(exist_ok=True)  # the contract test's input folder
        (tmp_path / "in" / "pose.json").write_text(json.dumps(frame))
        return {"path": "pose.json"}


class AtelierDetectPose:
    DESCRIPTION = ("Detect the person's pose in the photo with a local RTMPose/DWPose ONNX file (default DWPose "
                   "dw-ll_ucoco_384.onnx, Apache-2.0) → POSE_KEYPOINT (OpenPose-18 + hands). Never downloads; "
                   "without the file it says which file, folder, source and licence.")
    CATEGORY = CATEGORY
    FUNCTION = "detect"
    RETURN_TYPES = ("POSE_KEYPOINT", "IMAGE", "STRING", "IMAGE")
    RETURN_NAMES = ("pose", "preview", "info", "openpose_image")
    OUTPUT_TOOLTIPS = ("Pose in comfyui_controlnet_aux's format (pixels).", "Skeleton drawn on the photo.",
                       "Keypoints found and the crop used.",
                       "OpenPose-18 skeleton on black, the photo's size: the ControlNet OpenPose input "
                       "(what DWPreprocessor's first output gives).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE", {"tooltip": "The person photo (one image, one person)."})},
                "optional": {
                    "model_path": ("STRING", {"default": "", "tooltip": "RTMPose/DWPose .onnx inside the models "
                                              "folder (e.g. atelier/dwpose/dw-ll_ucoco_384.onnx); empty = the usual places."}),
                    "parse": ("ATELIER_PARSE", {"tooltip": "Parsing of the photo: the pose model looks inside the "
                                                "person's box. Without it, the whole photo."})}}

    def detect(self, image, model_path="", parse=None):
        from .pose_detect import detect_pose

        photo = _one(image, "image")
        model = model_path.strip() and resolve_input(model_path, field="model_path", relative_to="models",
                                                     what="model")
        if parse is not None:
            _same_size(parse.labels, photo.shape, "parse")
        out = detect_pose(photo, model or None, None if parse is None else parse.labels)
        return ([out.frame], numpy_to_image(out.preview), out.info, numpy_to_image(out.openpose))

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        from .tiny_onnx import tiny_rtmpose_onnx

        (tmp_path / "in").mkdir(exist_ok=True)
        path = tmp_path / "in" / "tiny_rtmpose.onnx"
        path.write_bytes(tiny_rtmpose_onnx(17, 48, 64))
        c = _contract_person()
        return {"image": c["image"], "model_path": str(path), "parse": c["parse"]}


NODE_CLASS_MAPPINGS = {
    "AtelierLoadPose": AtelierLoadPose,
    "AtelierPersonParse": AtelierPersonParse,
    "AtelierPoseFromKeypoints": AtelierPoseFromKeypoints,
    "AtelierDetectPose": AtelierDetectPose,
    "AtelierAgnosticMask": AtelierAgnosticMask,
    "AtelierGarmentPrep": AtelierGarmentPrep,
    "AtelierTryOnWarp": AtelierTryOnWarp,
    "AtelierTryOnBlend": AtelierTryOnBlend,
    "AtelierClassicTryOn": AtelierClassicTryOn,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierLoadPose": "Load Pose JSON (Atelier)",
    "AtelierPersonParse": "Person Parse (Atelier)",
    "AtelierPoseFromKeypoints": "Pose from Avatar Keypoints (Atelier)",
    "AtelierDetectPose": "Detect Pose, RTMPose/DWPose ONNX (Atelier)",
    "AtelierAgnosticMask": "Agnostic Mask (Atelier)",
    "AtelierGarmentPrep": "Garment Prep (Atelier)",
    "AtelierTryOnWarp": "Try-On Warp (Atelier)",
    "AtelierTryOnBlend": "Try-On Blend (Atelier)",
    "AtelierClassicTryOn": "Classic Try-On, no diffusion (Atelier)",
}
