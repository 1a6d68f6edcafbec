"""The saved workflows, defined once in Python; ``tools/build_workflows.py`` writes both ComfyUI formats.

Node titles are the names scripts and the studio use for settings (``Garment.template=hoodie``), so
they are part of each workflow's interface: rename one only together with its users.
"""

from __future__ import annotations

from collections.abc import Callable

from .workflow_builder import Graph, Ref

SDXL_CHECKPOINT = "sd_xl_base_1.0.safetensors"
CONTROLNET_UNION = "controlnet-union-sdxl-1.0-promax.safetensors"
NEGATIVE = "blurry, deformed hands, extra fingers, watermark, text, logo, lowres, jpeg artifacts"

#: The templates' default inputs: sample files shipped in ``workflows/samples/`` (made by
#: ``tools/build_workflows.py``) that ComfyUI's start-up copies into its input folder
#: (``prestartup_script.py`` → ``custom_nodes/core/samples.py``), so every template runs as loaded.
SAMPLES = {
    "person": "atelier_sample_person.png",  # synthetic person, 384×512
    "person_labels": "atelier_sample_person_labels.png",  # its ATR-18 label map (pixel value = label)
    "person_pose": "atelier_sample_person_pose.json",  # its OpenPose-18 pose (POSE_KEYPOINT JSON)
    "garment": "atelier_sample_garment.png",  # striped tee, flat on white
    "fabric": "atelier_sample_fabric.jpg",  # procedurally woven twill, photographed head-on
    "body_front": "atelier_sample_body_front.jpg",  # an Anny body rendered from the front, 576×768
    "body_side": "atelier_sample_body_side.jpg",  # the same body from the side
}
#: The sample body's stated height [cm] (custom_nodes/avatar/photo_eval.sample_bodies(body, 1, seed=3)).
SAMPLE_BODY_HEIGHT_CM = 165.9


def _sdxl(g: Graph, prompt_text: str | list, group: str = "SDXL") -> tuple[Ref, Ref, Ref, Ref]:
    """Checkpoint + positive/negative prompts: (checkpoint, positive, negative, checkpoint for VAE)."""
    ckpt = g.add("CheckpointLoaderSimple", "SDXL checkpoint", group, ckpt_name=SDXL_CHECKPOINT)
    pos = g.add("CLIPTextEncode", "Prompt", group, text=prompt_text, clip=ckpt[1])
    neg = g.add("CLIPTextEncode", "Negative prompt", group, text=NEGATIVE, clip=ckpt[1])
    return ckpt, pos, neg, ckpt


def _control(g: Graph, pos: Ref, neg: Ref, image: list, kind: str, strength: float, vae: list) -> tuple[list, list]:
    """One ControlNet-union mode applied to the conditioning pair; returns the new (positive, negative)."""
    loader = g.add("ControlNetLoader", f"ControlNet union ({kind})", "ControlNet", control_net_name=CONTROLNET_UNION)
    typed = g.add("SetUnionControlNetType", f"Mode: {kind}", "ControlNet", control_net=loader[0], type=kind)
    applied = g.add("ControlNetApplyAdvanced", f"Apply {kind}", "ControlNet", positive=pos, negative=neg,
                    control_net=typed[0], image=image, strength=strength, start_percent=0.0, end_percent=0.8, vae=vae)
    return applied[0], applied[1]


def _ipadapter(g: Graph, model: list, image: list, weight: float, weight_type: str) -> list:
    loader = g.add("IPAdapterUnifiedLoader", "IP-Adapter loader", "IP-Adapter", model=model, preset="PLUS (high strength)")
    adapted = g.add("IPAdapterAdvanced", "IP-Adapter", "IP-Adapter", model=loader[0], ipadapter=loader[1], image=image,
                    weight=weight, weight_type=weight_type, combine_embeds="concat", start_at=0.0, end_at=1.0,
                    embeds_scaling="V only")
    return adapted[0]


def tryon_classic() -> Graph:
    g = Graph("tryon_classic")
    g.note("Classic try-on, no diffusion: runs without a GPU, on ComfyUI or the studio's local runner. Load the "
           "person photo, a garment photo on a plain background, the person's label map (ATR-18, pixel value = "
           "label) and pose JSON (OpenPose-18). With the SegFormer clothes-parsing weights installed, set Parse → "
           "source to 'segformer' and drop the label map. The defaults are the pack's sample inputs "
           "(atelier_sample_*, copied into ComfyUI's input folder at start-up): Queue to see it work first.")
    person = g.add("LoadImage", "Person photo", "Inputs", image=SAMPLES["person"])
    garment = g.add("LoadImage", "Garment photo", "Inputs", image=SAMPLES["garment"])
    labels = g.add("LoadImage", "Person labels", "Inputs", image=SAMPLES["person_labels"])
    pose = g.add("AtelierLoadPose", "Pose", "Inputs", path=SAMPLES["person_pose"])
    parse = g.add("AtelierPersonParse", "Parse", "Try-on", image=person[0], source="label_map", label_map=labels[0])
    result = g.add("AtelierClassicTryOn", "Classic try-on", "Try-on", image=person[0], parse=parse[0], pose=pose[0],
                   garment_image=garment[0])
    g.add("SaveImage", "Save result", "Output", images=result[0], filename_prefix="atelier/tryon_classic")
    g.add("PreviewImage", "Parsing preview", "Output", images=parse[1])
    return g


def tryon_sdxl() -> Graph:
    g = Graph("tryon_sdxl")
    g.note("Try-on with SDXL inpainting: parsing + DWPose + agnostic mask + warped garment, repainted by SDXL "
           "with ControlNet OpenPose and IP-Adapter fed the garment photo, then blended back with the face and "
           "hands of the original. Needs ComfyUI, ComfyUI_IPAdapter_plus and the models in models/manifest.json "
           "(python install.py models: SDXL, ControlNet, IP-Adapter, SegFormer, DWPose). The pose comes from "
           "Atelier's Detect Pose on the installed DWPose ONNX file; comfyui_controlnet_aux's DWPreprocessor "
           "(its IMAGE to the ControlNet, its POSE_KEYPOINT to the Atelier nodes) is the alternative. The photos "
           "default to the pack's sample inputs.")
    person = g.add("LoadImage", "Person photo", "Inputs", image=SAMPLES["person"])
    garment = g.add("LoadImage", "Garment photo", "Inputs", image=SAMPLES["garment"])
    parse = g.add("AtelierPersonParse", "Parse", "Person", image=person[0], source="segformer")
    detected = g.add("AtelierDetectPose", "Detect pose (DWPose ONNX)", "Person", image=person[0], model_path="",
                     parse=parse[0])
    skeleton, pose = detected[3], detected[0]  # what DWPreprocessor's IMAGE and POSE_KEYPOINT would give
    mask = g.add("AtelierAgnosticMask", "Agnostic mask", "Person", image=person[0], parse=parse[0], pose=pose)
    prep = g.add("AtelierGarmentPrep", "Garment prep", "Garment", garment_image=garment[0])
    warp = g.add("AtelierTryOnWarp", "Warp", "Garment", garment=prep[0], image=person[0], pose=pose,
                 agnostic_mask=mask[0])
    init = g.add("ImageCompositeMasked", "Warped garment on agnostic", "Garment", destination=mask[1], source=warp[0],
                 x=0, y=0, resize_source=False, mask=warp[1])
    ckpt, pos, neg, _ = _sdxl(g, "a photo of a person wearing the garment, natural light, detailed fabric")
    pos2, neg2 = _control(g, pos, neg, skeleton, "openpose", 0.7, ckpt[2])
    inpaint = g.add("InpaintModelConditioning", "Inpaint conditioning", "SDXL", positive=pos2, negative=neg2,
                    vae=ckpt[2], pixels=init[0], mask=mask[0], noise_mask=True)
    model = _ipadapter(g, ckpt[0], garment[0], 0.8, "style and composition")
    sampled = g.add("KSampler", "Sampler", "SDXL", model=model, positive=inpaint[0], negative=inpaint[1],
                    latent_image=inpaint[2], seed=42, steps=28, cfg=5.5, sampler_name="dpmpp_2m",
                    scheduler="karras", denoise=0.85)
    decoded = g.add("VAEDecode", "Decode", "SDXL", samples=sampled[0], vae=ckpt[2])
    blend = g.add("AtelierTryOnBlend", "Blend back", "Output", original=person[0], generated=decoded[0],
                  mask=mask[0], method="feather", parse=parse[0], pose=pose, garment=prep[0])
    g.add("SaveImage", "Save result", "Output", images=blend[0], filename_prefix="atelier/tryon_sdxl")
    return g


def _garment_on_avatar(g: Graph, edge_cm: float = 2.0, frames: int = 200) -> tuple[Ref, Ref, Ref]:
    """Template pattern + measured avatar + catalog fabric → drape. Returns (pattern, fabric, drape)."""
    pattern = g.add("AtelierPatternTemplate", "Garment", "Pattern", garment="tshirt", size="M", body="female")
    mesh = g.add("AtelierTriangulate", "Mesh", "Pattern", pattern=pattern[0], edge_length=edge_cm)
    avatar = g.add("AtelierAvatarFromMeasurements", "Avatar", "Avatar", size="M", body="female")
    placed = g.add("AtelierPlaceGarment", "Place", "Avatar", garment=mesh[0], avatar=avatar[0])
    fabric = g.add("AtelierFabricFromCatalog", "Fabric", "Fabric", fabric_id="cotton_jersey")
    coloured = g.add("AtelierRecolourFabric", "Colour", "Fabric", fabric=fabric[0], colour="", colourway="custom")
    drape = g.add("AtelierDrape", "Drape", "Drape", garment=placed[0], avatar=avatar[0], fabric=coloured[0],
                  max_frames=frames, self_passes=3)
    return pattern, coloured, drape


def drape_preview() -> Graph:
    g = Graph("drape_preview")
    g.note("Drape preview: pick a template (Garment), a size and body (set both Garment and Avatar), a catalog "
           "fabric and an optional colour (#rrggbb; empty keeps the fabric's), then Queue. Produces a studio "
           "preview, a turntable, a GLB for any 3D viewer, the pattern as SVG/DXF and the drape's quality report. "
           "Atelier and core I/O nodes only: runs on CPU, on ComfyUI or the studio's local runner.")
    pattern, _, drape = _garment_on_avatar(g)
    report = g.add("AtelierDrapeReport", "Report", "Drape", drape=drape[0])
    g.add("PreviewAny", "Show report", "Drape", source=report[0])
    camera = g.add("AtelierCamera", "Camera", "Render", drape=drape[0], preset="full_body", width=576, height=768)
    preview = g.add("AtelierRenderPreview", "Preview", "Render", drape=drape[0], camera=camera[0])
    g.add("SaveImage", "Save preview", "Output", images=preview[0], filename_prefix="atelier/drape_preview")
    g.add("AtelierTurntable", "Turntable", "Output", drape=drape[0], views=12, width=384, height=512, fps=8,
          filename_prefix="atelier/turntable")
    g.add("AtelierExportGLB", "GLB", "Output", drape=drape[0], filename_prefix="atelier/drape")
    g.add("AtelierPatternSave", "Pattern SVG", "Output", pattern=pattern[0], filename_prefix="atelier/pattern",
          format="svg")
    g.add("AtelierPatternSave", "Pattern DXF", "Output", pattern=pattern[0], filename_prefix="atelier/pattern",
          format="dxf")
    return g


def _photoreal(g: Graph, drape: Ref, swatch: list, prefix: str) -> None:
    """Control maps of the drape → SDXL with ControlNet (depth + normal + OpenPose) and IP-Adapter (swatch)."""
    camera = g.add("AtelierCamera", "Camera", "Render", drape=drape[0], preset="full_body", width=1024, height=1024)
    maps = g.add("AtelierRenderMaps", "Control maps", "Render", drape=drape[0], camera=camera[0])
    words = g.add("AtelierRenderPrompt", "Prompt text", "Render", drape=drape[0], environment="studio")
    ckpt, pos, neg, _ = _sdxl(g, words[0])
    g.nodes[neg.node_id]["inputs"]["text"] = words[1]
    pos2, neg2 = _control(g, pos, neg, maps[0], "depth", 0.6, ckpt[2])
    pos3, neg3 = _control(g, pos2, neg2, maps[1], "normal", 0.4, ckpt[2])
    pos4, neg4 = _control(g, pos3, neg3, maps[2], "openpose", 0.7, ckpt[2])
    model = _ipadapter(g, ckpt[0], swatch, 0.5, "style transfer")
    latent = g.add("EmptyLatentImage", "Size", "SDXL", width=1024, height=1024, batch_size=1)
    sampled = g.add("KSampler", "Sampler", "SDXL", model=model, positive=pos4, negative=neg4, latent_image=latent[0],
                    seed=42, steps=30, cfg=6.0, sampler_name="dpmpp_2m", scheduler="karras", denoise=1.0)
    decoded = g.add("VAEDecode", "Decode", "SDXL", samples=sampled[0], vae=ckpt[2])
    g.add("SaveImage", "Save render", "Output", images=decoded[0], filename_prefix=prefix)
    g.add("SaveImage", "Save maps", "Output", images=maps[0], filename_prefix=f"{prefix}_depth")


def drape_render_sdxl() -> Graph:
    g = Graph("drape_render_sdxl")
    g.note("Photoreal render: the drape's depth, normal and OpenPose maps steer SDXL through one ControlNet-union "
           "model (three modes), IP-Adapter Plus looks at the fabric swatch so the weave and colour carry over, and "
           "the prompt is written from the garment, fabric, colour and Prompt text → environment. 1024² output. "
           "For a refined or upscaled image, add a second KSampler pass or an upscale model after Decode. Needs "
           "ComfyUI with ComfyUI_IPAdapter_plus and the models in models/manifest.json (python install.py models).")
    _, fabric, drape = _garment_on_avatar(g, edge_cm=1.5, frames=240)
    swatch = g.add("AtelierFabricSwatchPreview", "Fabric swatch", "Fabric", fabric=fabric[0], repeats=2)
    _photoreal(g, drape, swatch[0], "atelier/render")
    return g


def fabric_scan() -> Graph:
    g = Graph("fabric_scan")
    g.note("Fabric scan: a photo of a swatch becomes a tileable PBR material (albedo, normal, height, roughness), "
           "is saved to the fabric catalog with the physical preset it behaves like, and a T-shirt is draped and "
           "rendered in it. Give the swatch's corners (x,y;… in pixels) or tick detect_corners when the photo "
           "shows the swatch on a contrasting background; px_per_cm sets its real size. The default photo is the "
           "pack's sample (a woven twill filling the frame, so no corners are needed).")
    photo = g.add("LoadImage", "Fabric photo", "Scan", image=SAMPLES["fabric"])
    scan = g.add("AtelierFabricScan", "Scan", "Scan", photo=photo[0])
    tile = g.add("AtelierMakeTileable", "Make tileable", "Scan", image=scan[0], method="quilt")
    maps = g.add("AtelierFabricMaps", "Maps", "Material", image=tile[0])
    g.add("SaveImage", "Save maps preview", "Material", images=maps[5], filename_prefix="atelier/fabric_maps")
    saved = g.add("AtelierSaveToCatalog", "Save to catalog", "Material", image=tile[0], name="scanned fabric",
                  preset="cotton_jersey", tile_size_cm=scan[1], overwrite=True)
    pattern = g.add("AtelierPatternTemplate", "Garment", "Re-render", garment="tshirt", size="M", body="female")
    mesh = g.add("AtelierTriangulate", "Mesh", "Re-render", pattern=pattern[0], edge_length=2.0)
    avatar = g.add("AtelierAvatarFromMeasurements", "Avatar", "Re-render", size="M", body="female")
    placed = g.add("AtelierPlaceGarment", "Place", "Re-render", garment=mesh[0], avatar=avatar[0])
    drape = g.add("AtelierDrape", "Drape", "Re-render", garment=placed[0], avatar=avatar[0], fabric=saved[1],
                  max_frames=120)
    camera = g.add("AtelierCamera", "Camera", "Re-render", drape=drape[0], preset="upper_body", width=576, height=768)
    preview = g.add("AtelierRenderPreview", "Preview", "Re-render", drape=drape[0], camera=camera[0])
    g.add("SaveImage", "Save preview", "Re-render", images=preview[0], filename_prefix="atelier/fabric_rerender")
    return g


def batch_colorways() -> Graph:
    g = Graph("batch_colorways")
    g.note("Batch colourways: one garment in one fabric, colour and size per run, made for scripts — "
           "python -m studio batch batch_colorways workflows/batch_colorways.csv --out DIR runs every row "
           "(Fabric.fabric_id, Colour.colour, Garment.size, Avatar.size …) on ComfyUI servers or the local "
           "runner, resumably. Saves a studio preview and the control maps each SDXL render needs.")
    _, _, drape = _garment_on_avatar(g)
    camera = g.add("AtelierCamera", "Camera", "Render", drape=drape[0], preset="full_body", width=576, height=768)
    preview = g.add("AtelierRenderPreview", "Preview", "Render", drape=drape[0], camera=camera[0])
    maps = g.add("AtelierRenderMaps", "Control maps", "Render", drape=drape[0], camera=camera[0])
    g.add("SaveImage", "Save preview", "Output", images=preview[0], filename_prefix="atelier/colorway")
    g.add("SaveImage", "Save depth", "Output", images=maps[0], filename_prefix="atelier/colorway_depth")
    g.add("SaveImage", "Save normal", "Output", images=maps[1], filename_prefix="atelier/colorway_normal")
    g.add("SaveImage", "Save pose", "Output", images=maps[2], filename_prefix="atelier/colorway_pose")
    return g


def avatar_from_photos() -> Graph:
    g = Graph("avatar_from_photos")
    g.note("Avatar from two photos: a front and a side photo of a person in fitted clothes on a plain wall, plus "
           "the stated height, give a fitted Anny body. The overlay shows the silhouettes and the measured levels; "
           "the fit report lists each measurement with its uncertainty. A photo that is not one whole standing "
           "person is refused with what to retake. The defaults are the pack's sample photos (a rendered body), "
           "then a T-shirt is draped on the result.")
    front = g.add("LoadImage", "Front photo", "Photos", image=SAMPLES["body_front"])
    side = g.add("LoadImage", "Side photo", "Photos", image=SAMPLES["body_side"])
    avatar = g.add("AtelierAvatarFromPhotos", "Avatar from photos", "Avatar", front_photo=front[0],
                   side_photo=side[0], height_cm=SAMPLE_BODY_HEIGHT_CM, body="female")
    g.add("SaveImage", "Save overlay", "Avatar", images=avatar[3], filename_prefix="atelier/photo_overlay")
    g.add("SaveImage", "Save avatar preview", "Avatar", images=avatar[2], filename_prefix="atelier/photo_avatar")
    pattern = g.add("AtelierPatternTemplate", "Garment", "Drape", garment="tshirt", size="M", body="female")
    mesh = g.add("AtelierTriangulate", "Mesh", "Drape", pattern=pattern[0], edge_length=2.0)
    placed = g.add("AtelierPlaceGarment", "Place", "Drape", garment=mesh[0], avatar=avatar[0])
    fabric = g.add("AtelierFabricFromCatalog", "Fabric", "Drape", fabric_id="cotton_jersey")
    drape = g.add("AtelierDrape", "Drape", "Drape", garment=placed[0], avatar=avatar[0], fabric=fabric[0],
                  max_frames=150)
    camera = g.add("AtelierCamera", "Camera", "Drape", drape=drape[0], preset="full_body", width=576, height=768)
    preview = g.add("AtelierRenderPreview", "Preview", "Drape", drape=drape[0], camera=camera[0])
    g.add("SaveImage", "Save drape", "Drape", images=preview[0], filename_prefix="atelier/photo_drape")
    return g


#: Name → definition, for the generator, the studio and the tests.
WORKFLOWS: dict[str, Callable[[], Graph]] = {
    "drape_preview": drape_preview,
    "drape_render_sdxl": drape_render_sdxl,
    "tryon_sdxl": tryon_sdxl,
    "tryon_classic": tryon_classic,
    "fabric_scan": fabric_scan,
    "batch_colorways": batch_colorways,
    "avatar_from_photos": avatar_from_photos,
}
