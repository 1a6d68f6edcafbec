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
           "source to 'segformer' and drop the label map.")
    person = g.add("LoadImage", "Person photo", "Inputs", image="person.png")
    garment = g.add("LoadImage", "Garment photo", "Inputs", image="garment.png")
    labels = g.add("LoadImage", "Person labels", "Inputs", image="person_labels.png")
    pose = g.add("AtelierLoadPose", "Pose", "Inputs", path="person_pose.json")
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
           "hands of the original. Needs ComfyUI, ComfyUI_IPAdapter_plus, comfyui_controlnet_aux and the models "
           "in models/manifest.json (python install.py models).")
    person = g.add("LoadImage", "Person photo", "Inputs", image="person.png")
    garment = g.add("LoadImage", "Garment photo", "Inputs", image="garment.png")
    dw = g.add("DWPreprocessor", "DWPose", "Person", image=person[0], detect_body="enable", detect_hand="enable",
               detect_face="enable", resolution=768)
    parse = g.add("AtelierPersonParse", "Parse", "Person", image=person[0], source="segformer")
    mask = g.add("AtelierAgnosticMask", "Agnostic mask", "Person", image=person[0], parse=parse[0], pose=dw[1])
    prep = g.add("AtelierGarmentPrep", "Garment prep", "Garment", garment_image=garment[0])
    warp = g.add("AtelierTryOnWarp", "Warp", "Garment", garment=prep[0], image=person[0], pose=dw[1],
                 agnostic_mask=mask[0])
    init = g.add("ImageCompositeMasked", "Warped garment on agnostic", "Garment", destination=mask[1], source=warp[0],
                 x=0, y=0, resize_source=False, mask=warp[1])
    ckpt, pos, neg, _ = _sdxl(g, "a photo of a person wearing the garment, natural light, detailed fabric")
    pos2, neg2 = _control(g, pos, neg, dw[0], "openpose", 0.7, ckpt[2])
    inpaint = g.add("InpaintModelConditioning", "Inpaint conditioning", "SDXL", positive=pos2, negative=neg2,
                    vae=ckpt[2], pixels=init[0], mask=mask[0], noise_mask=True)
    model = _ipadapter(g, ckpt[0], garment[0], 0.8, "style and composition")
    sampled = g.add("KSampler", "Sampler", "SDXL", model=model, positive=inpaint[0], negative=inpaint[1],
                    latent_image=inpaint[2], seed=42, steps=28, cfg=5.5, sampler_name="dpmpp_2m",
                    scheduler="karras", denoise=0.85)
    decoded = g.add("VAEDecode", "Decode", "SDXL", samples=sampled[0], vae=ckpt[2])
    blend = g.add("AtelierTryOnBlend", "Blend back", "Output", original=person[0], generated=decoded[0],
                  mask=mask[0], method="feather", parse=parse[0], pose=dw[1], garment=prep[0])
    g.add("SaveImage", "Save result", "Output", images=blend[0], filename_prefix="atelier/tryon_sdxl")
    return g


#: Name → definition, for the generator, the studio and the tests.
WORKFLOWS: dict[str, Callable[[], Graph]] = {
    "tryon_classic": tryon_classic,
    "tryon_sdxl": tryon_sdxl,
}
