"""Atelier studio (Gradio): layout and wiring only; what the buttons do lives in ``studio/app_logic.py``.

    python studio_app.py      serves http://127.0.0.1:7860 — the local runner, or ComfyUI when configured

Environment: ATELIER_HOST / ATELIER_PORT (default 127.0.0.1:7860), ATELIER_WORK_DIR (job folders and
saved fabrics; default $XDG_DATA_HOME/atelier or ~/.local/share/atelier, never the checkout),
ATELIER_COMFYUI_URLS (comma-separated ComfyUI servers), ATELIER_STUDIO_USER / _PASSWORD (optional login).
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

from custom_nodes.core.measurements import MEASUREMENTS, SIZES
from custom_nodes.render.prompt import ENVIRONMENTS
from studio import app_logic as logic
from studio import workflows
from studio.safety import UploadRejected, auth_from_env

TEMPLATES = ["tshirt", "hoodie", "trousers", "skirt_aline", "skirt_pencil", "shift_dress"]


def _catalog():
    from custom_nodes.fabric.catalog import Catalog

    return Catalog()


def _servers(text: str, ctx: logic.StudioContext) -> list[str]:
    return [u.strip() for u in (text or "").split(",") if u.strip()] or ctx.servers


def _run(ctx, prompt, servers_text, state, collect):
    """Run ``prompt`` as a job, yielding (status, result-or-None) as it goes; the job is cancellable."""
    try:
        backend = ctx.backend(prompt, _servers(servers_text, ctx))
    except RuntimeError as exc:
        yield f"⚠️ {exc}", None
        return
    job, job_dir = logic.start_job(ctx, prompt, backend)
    state["job"] = job
    for update in job.updates():
        if update.outcome is None:
            yield f"**{int(update.fraction * 100)} %** — {update.text} ({backend.describe()})", None
        else:
            state.pop("job", None)
            yield f"**{update.text}** on {backend.describe()}", collect(update.outcome, prompt, job_dir)


def design_tab(ctx: logic.StudioContext, servers: gr.Textbox, state: gr.State) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            template = gr.Dropdown(TEMPLATES, value="tshirt", label="Garment template")
            pattern_file = gr.File(label="…or upload a pattern (SVG, DXF-AAMA, GarmentCode JSON)", type="filepath")
            size = gr.Dropdown(list(SIZES), value="M", label="Size")
            body = gr.Radio(["female", "male"], value="female", label="Body")
            with gr.Accordion("Measurements (cm, 0 = from the size)", open=False):
                meas = [gr.Number(value=0, label=m.iso, minimum=0, maximum=m.hi_cm) for m in MEASUREMENTS]
            avatar_file = gr.File(label="…or upload an avatar (GLB, OBJ, PLY)", type="filepath")
            fabric = gr.Dropdown(_catalog().ids(), value="cotton_jersey", label="Fabric")
            colour = gr.ColorPicker(value="#2a3b66", label="Colour")
            quality = gr.Radio(list(logic.QUALITY_FRAMES), value="preview (fast)", label="Drape quality")
            with gr.Row():
                go = gr.Button("Drape", variant="primary")
                stop = gr.Button("Cancel")
        with gr.Column(scale=2):
            status = gr.Markdown("Pick a garment, a size and a fabric, then **Drape**.")
            model = gr.Model3D(label="3D view", clear_color=(0.95, 0.95, 0.95, 1.0))
            previews = gr.Gallery(label="Preview", columns=3, height=360)
            video = gr.Video(label="Turntable")
            report = gr.Textbox(label="Quality report", lines=6)
            downloads = gr.File(label="Downloads", file_count="multiple")

    def drape(template_v, pattern_v, size_v, body_v, avatar_v, fabric_v, colour_v, quality_v, servers_v, st, *m):
        form = logic.DesignForm(template_v, size_v, body_v, fabric_v, colour_v or "", quality_v,
                                {d.name: v for d, v in zip(MEASUREMENTS, m)}, pattern_v, avatar_v)
        try:
            backend = ctx.backend(workflows.load("drape_preview"), _servers(servers_v, ctx))
            prompt = logic.design_prompt(form, backend)
        except (UploadRejected, workflows.WorkflowError, RuntimeError) as exc:
            yield f"⚠️ {exc}", None, None, None, "", None
            return
        for text, result in _run(ctx, prompt, servers_v, st, logic.collect_design):
            if result is None:
                yield text, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            else:
                note = f"{text}\n\n{result.error}" if result.error else text
                yield (note, str(result.glb) if result.glb else None, [str(p) for p in result.previews],
                       str(result.turntable) if result.turntable else None, result.report,
                       [str(p) for p in result.downloads] or None)

    inputs = [template, pattern_file, size, body, avatar_file, fabric, colour, quality, servers, state, *meas]
    go.click(drape, inputs, [status, model, previews, video, report, downloads], concurrency_limit=2)
    stop.click(lambda st: st.get("job") and st["job"].cancel(), state, None)


def photoreal_tab(ctx: logic.StudioContext, servers: gr.Textbox, state: gr.State) -> None:
    gr.Markdown(logic.photoreal_help())
    with gr.Row():
        with gr.Column():
            template = gr.Dropdown(TEMPLATES, value="tshirt", label="Garment")
            size = gr.Dropdown(list(SIZES), value="M", label="Size")
            body = gr.Radio(["female", "male"], value="female", label="Body")
            fabric = gr.Dropdown(_catalog().ids(), value="cotton_jersey", label="Fabric")
            colour = gr.ColorPicker(value="#2a3b66", label="Colour")
        with gr.Column():
            environment = gr.Dropdown(list(ENVIRONMENTS), value="studio", label="Environment / style")
            extra = gr.Textbox(label="Extra prompt words (model, pose, mood)")
            seed = gr.Number(value=42, precision=0, label="Seed")
            depth = gr.Slider(0, 2, value=0.6, step=0.05, label="Depth control strength")
            normal = gr.Slider(0, 2, value=0.4, step=0.05, label="Normal control strength")
            pose = gr.Slider(0, 2, value=0.7, step=0.05, label="Pose control strength")
            weight = gr.Slider(0, 1.5, value=0.5, step=0.05, label="Fabric look (IP-Adapter weight)")
    with gr.Row():
        go = gr.Button("Render", variant="primary")
        stop = gr.Button("Cancel")
    status = gr.Markdown()
    images = gr.Gallery(label="Renders", columns=2, height=520)

    def run(template_v, size_v, body_v, fabric_v, colour_v, env_v, extra_v, seed_v, d_v, n_v, p_v, w_v, servers_v, st):
        design = logic.DesignForm(template_v, size_v, body_v, fabric_v, colour_v or "")
        prompt = logic.render_prompt(logic.RenderForm(design, env_v, extra_v or "", int(seed_v or 0), d_v, n_v, p_v, w_v))
        for text, files in _run(ctx, prompt, servers_v, st, logic.collect_images("Save render")):
            yield text, (None if files is None else [str(p) for p in files])

    inputs = [template, size, body, fabric, colour, environment, extra, seed, depth, normal, pose, weight, servers, state]
    go.click(run, inputs, [status, images], concurrency_limit=2)
    stop.click(lambda st: st.get("job") and st["job"].cancel(), state, None)


def tryon_tab(ctx: logic.StudioContext, servers: gr.Textbox, state: gr.State) -> None:
    gr.Markdown("**Classic try-on** (no diffusion) runs anywhere; the **SDXL** result needs a ComfyUI server "
                "with the packs and models of `models/manifest.json`. Without the SegFormer parsing weights and a "
                "pose detector, give the person's label map and pose JSON.")
    with gr.Row():
        person = gr.Image(label="Person photo", type="filepath")
        garment = gr.Image(label="Garment photo (plain background)", type="filepath")
        with gr.Column():
            labels = gr.Image(label="Label map (ATR-18, optional)", type="filepath")
            pose = gr.File(label="Pose JSON (OpenPose-18, optional)", type="filepath")
    with gr.Row():
        go = gr.Button("Try on", variant="primary")
        stop = gr.Button("Cancel")
    status = gr.Markdown()
    result = gr.Gallery(label="Results", columns=2, height=420)

    def run(person_v, garment_v, labels_v, pose_v, servers_v, st):
        if not (person_v and garment_v):
            yield "⚠️ add a person photo and a garment photo", None
            return
        try:
            backend = ctx.backend(workflows.load("tryon_classic"), _servers(servers_v, ctx))
            prompt = logic.tryon_prompt(backend, person_v, garment_v, labels_v, pose_v)
        except (UploadRejected, workflows.WorkflowError, RuntimeError) as exc:
            yield f"⚠️ {exc}", None
            return
        classic = []
        for text, files in _run(ctx, prompt, servers_v, st, logic.collect_images("Save result")):
            classic = files or classic
            yield f"Classic try-on (no diffusion): {text}", (None if files is None else [str(p) for p in files])
        try:  # the SDXL result, when a ComfyUI that can run it answers
            comfy = ctx.backend(workflows.load("tryon_sdxl"), _servers(servers_v, ctx))
        except RuntimeError:
            return
        if comfy.name != "comfyui":
            return
        sdxl = logic.tryon_sdxl_prompt(comfy, person_v, garment_v)
        for text, files in _run(ctx, sdxl, servers_v, st, logic.collect_images("Save result")):
            shown = [str(p) for p in classic] + [str(p) for p in (files or [])]
            yield f"SDXL try-on: {text}", (None if files is None else shown)

    go.click(run, [person, garment, labels, pose, servers, state], [status, result], concurrency_limit=2)
    stop.click(lambda st: st.get("job") and st["job"].cancel(), state, None)


def fabric_tab(ctx: logic.StudioContext) -> None:
    with gr.Row():
        with gr.Column():
            photo = gr.Image(label="Fabric photo", type="filepath")
            name = gr.Textbox(label="Name", value="My fabric")
            preset = gr.Dropdown(_catalog().ids(), value="cotton_jersey", label="Behaves like (physical preset)")
            px_per_cm = gr.Number(value=0, label="Pixels per cm (0 = unknown)")
            scan = gr.Button("Scan and save to catalog", variant="primary")
        with gr.Column():
            maps = gr.Gallery(label="Maps (albedo, normal, roughness, 2×2 preview)", columns=2, height=380)
            report = gr.Textbox(label="Scan report", lines=6)
    query = gr.Textbox(label="Search the catalog (name or tag)")
    browse = gr.Gallery(label="Catalog", columns=6, height=300, value=logic.catalog_gallery(""))
    query.change(logic.catalog_gallery, query, browse)
    scan.click(logic.scan_to_catalog, [photo, name, preset, px_per_cm], [maps, report]).then(
        logic.catalog_gallery, query, browse)


def batch_tab(ctx: logic.StudioContext, servers: gr.Textbox) -> None:
    with gr.Row():
        template = gr.Dropdown(TEMPLATES, value="tshirt", label="Garment")
        body = gr.Radio(["female", "male"], value="female", label="Body")
        fabrics = gr.Dropdown(_catalog().ids(), value=["cotton_jersey"], multiselect=True, label="Fabrics")
        sizes = gr.Dropdown(list(SIZES), value=["M"], multiselect=True, label="Sizes")
        colours = gr.Textbox(label="Colours (#rrggbb, comma-separated; empty = fabric colours)")
    go = gr.Button("Run batch", variant="primary")
    status = gr.Markdown()
    grid = gr.Gallery(label="Results", columns=4, height=420)
    archive = gr.File(label="All results (zip)")

    def run(template_v, body_v, fabrics_v, sizes_v, colours_v, servers_v, progress=gr.Progress()):
        rows = logic.batch_rows(fabrics_v or [], [c.strip() for c in (colours_v or "").split(",") if c.strip()],
                                sizes_v or [], template_v, body_v)
        if not rows:
            return "⚠️ choose at least one fabric and one size", None, None
        out = ctx.new_job_dir()
        images, ok = logic.run_batch_rows(ctx, rows, out, _servers(servers_v, ctx),
                                          lambda done, total: progress(done / total, desc=f"{done}/{total} jobs"))
        return f"{ok}/{len(rows)} jobs succeeded", [str(p) for p in images], str(logic.zip_folder(out, out / "batch.zip"))

    go.click(run, [template, body, fabrics, sizes, colours, servers], [status, grid, archive], concurrency_limit=1)


def build_app(ctx: logic.StudioContext | None = None) -> gr.Blocks:
    ctx = ctx or logic.StudioContext.from_env()
    with gr.Blocks(title="Atelier studio") as app:
        state = gr.State({})
        gr.Markdown("# Atelier studio\nDesign a garment, drape it on a measured body, render it, try it on.")
        with gr.Accordion("ComfyUI servers", open=False):
            servers = gr.Textbox(value=",".join(ctx.servers), label="ComfyUI URLs (comma-separated; empty = local "
                                 "runner only)")
            check = gr.Button("Check")
            server_status = gr.Markdown()
            check.click(logic.server_status, servers, server_status)
        with gr.Tab("Design & drape"):
            design_tab(ctx, servers, state)
        with gr.Tab("Photoreal render"):
            photoreal_tab(ctx, servers, state)
        with gr.Tab("Try-on"):
            tryon_tab(ctx, servers, state)
        with gr.Tab("Fabrics"):
            fabric_tab(ctx)
        with gr.Tab("Batch"):
            batch_tab(ctx, servers)
    return app


if __name__ == "__main__":
    context = logic.StudioContext.from_env()
    build_app(context).queue(default_concurrency_limit=2).launch(
        server_name=os.environ.get("ATELIER_HOST", "127.0.0.1"), server_port=int(os.environ.get("ATELIER_PORT", "7860")),
        auth=auth_from_env(), allowed_paths=[str(Path(context.work_dir).resolve())], max_file_size="50mb")
