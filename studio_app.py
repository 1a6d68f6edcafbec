"""Atelier studio (Gradio): layout and wiring only; what the buttons do lives in ``studio/app_logic.py``.

    python studio_app.py      serves http://127.0.0.1:7860 — the local runner, or ComfyUI when configured

Environment: ATELIER_HOST / ATELIER_PORT (default 127.0.0.1:7860), ATELIER_WORK_DIR (job folders and
saved fabrics; default $XDG_DATA_HOME/atelier or ~/.local/share/atelier, never the checkout),
ATELIER_COMFYUI_URLS (comma-separated ComfyUI servers: the only servers the studio ever contacts),
ATELIER_STUDIO_USER / _PASSWORD (optional login).

Files reach the browser only as copies in Gradio's cache, handed to the session that produced or asked
for them under a keyed hash of their content (a URL nobody else can guess); the work folder itself is
never served (``blocked_paths``). Without a login, each browser is told apart by a random token kept in
its local storage, and sees only its own jobs in "My jobs".
"""

from __future__ import annotations

import logging
import math
import os
import queue
import secrets
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import gradio as gr

from custom_nodes.core.measurements import MEASUREMENTS, SIZES
from custom_nodes.render.prompt import ENVIRONMENTS
from studio import app_logic as logic
from studio import safety
from studio.safety import LIMITS, MAX_BATCH_JOBS, MAX_NAME_CHARS, MAX_TEXT_CHARS, UserError, auth_from_env

TEMPLATES = ["tshirt", "hoodie", "trousers", "skirt_aline", "skirt_pencil", "shift_dress"]
IMAGE_TYPES = list(safety.IMAGE_SUFFIXES)
HISTORY_COLUMNS = ["started (UTC)", "kind", "what", "status", "why"]


# --- what a request may hold ---------------------------------------------------------------------


def _shown(value) -> str:
    """A value a request sent, as a user may be shown it: short, printable, no Python type names."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "a number that is not finite"
    if isinstance(value, int) and len(str(abs(value))) > 20:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        text = "".join(ch if ch.isprintable() else "?" for ch in value[:40])
        return f"'{text}…'" if len(value) > 40 else f"'{text}'"
    return {dict: "an object", list: "a list"}.get(type(value), "a value of another kind")


def _refusal(block, value) -> str | None:
    """Why ``value`` cannot be what the input ``block`` takes, else None. The page never sends such values;
    an API call can, and is told in words (Gradio's own checks come after: ranges, file types)."""
    if value is None:
        return None
    label = f"'{block.label}'" if getattr(block, "label", None) else "a field"
    if isinstance(block, (gr.Number, gr.Slider)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= sys.float_info.max:
            return f"{label} takes a finite number, not {_shown(value)}."
        lo, hi = getattr(block, "minimum", None), getattr(block, "maximum", None)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            span = f"{lo:g} to {hi:g}" if lo is not None and hi is not None else (
                f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
            return f"{label} takes {span}, not {_shown(value)}."
    elif isinstance(block, (gr.Dropdown, gr.Radio)):
        many = bool(isinstance(block, gr.Dropdown) and block.multiselect)
        items = value if many and isinstance(value, list) else [value]
        if isinstance(value, list) != many or any(
                isinstance(v, bool) or not isinstance(v, (str, int, float)) or len(str(v)) > 200 for v in items):
            return f"{label} takes {'some' if many else 'one'} of its choices, not {_shown(value)}."
        offered = [choice[1] if isinstance(choice, (tuple, list)) else choice for choice in block.choices or []]
        stray = next((v for v in items if v not in offered), None)
        if stray is not None and not getattr(block, "allow_custom_value", False):
            listed = ", ".join(str(c) for c in offered[:12]) + (", …" if len(offered) > 12 else "")
            return (f"{label}: {_shown(stray)} is not one of its choices ({listed})." if offered else
                    f"{label} has nothing to choose from yet, so {_shown(stray)} cannot be chosen.")
    elif isinstance(block, gr.File):
        path = value.get("path") if isinstance(value, dict) else None
        if isinstance(path, str) and "://" in path:
            return f"{label} takes a file uploaded to the studio, not an address: the studio fetches nothing itself."
        if not isinstance(path, str):
            return f"{label} takes a file uploaded to the studio (gradio_client: handle_file(path)), not {_shown(value)}."
        if not safety.inside(_upload_folder(), path):  # a path on the server: only what was uploaded is read
            return (f"{label} takes a file uploaded to the studio (gradio_client: handle_file(path)); "
                    f"'{safety.safe_name(path, default='?')}' was not uploaded.")
    elif isinstance(block, gr.Checkbox) and not isinstance(value, bool):
        return f"{label} takes true or false, not {_shown(value)}."
    return None


def _upload_folder() -> str:
    """Where Gradio keeps uploads (and the copies the studio serves): the only files a request may name."""
    try:
        from gradio.utils import get_upload_folder

        return get_upload_folder()
    except ImportError:  # another Gradio: its default
        return os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")


class StudioBlocks(gr.Blocks):
    """Blocks whose API refuses a malformed request in words: a value of the wrong kind for a field (which
    Gradio would answer with a bare "error"), a file given as an address, or a request that does not fit
    the form at all."""

    async def preprocess_data(self, block_fn, inputs, state, explicit_call: bool = False):
        props = set(getattr(block_fn, "component_prop_inputs", None) or ())
        try:
            for i, (block, value) in enumerate(zip(block_fn.inputs, inputs or [])):
                if i in props or getattr(block, "stateful", False):
                    continue
                if state is not None and block._id in state:  # this session's copy (its choices may have changed)
                    block = state[block._id]
                why = _refusal(block, value)
                if why:
                    raise gr.Error(why)
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - Gradio's own wording would be a bare "error"
            safety.log.warning("refused a request to %s: %s", getattr(block_fn, "name", "?"), exc)
            raise gr.Error("The request does not fit this form (a value of the wrong kind, or too many or too few "
                           "values); send the values the API page lists for it.") from None


# --- serving files -------------------------------------------------------------------------------


def _served(path) -> str | None:
    """A copy of ``path`` in Gradio's cache, to hand to the session asking: the work folder is never served
    itself. The copy's folder is a keyed hash of its content, so its URL cannot be guessed."""
    if not path:
        return None
    try:
        from gradio.processing_utils import save_file_to_cache
        from gradio.utils import get_upload_folder

        return save_file_to_cache(path, get_upload_folder())
    except ImportError:  # another Gradio: a private random folder in the temp dir, which Gradio caches from
        folder = Path(tempfile.mkdtemp(prefix="atelier-serve-"))
        return str(Path(shutil.copy(path, folder / Path(path).name)))


def _served_all(paths) -> list[str] | None:
    return [_served(p) for p in paths] or None


def _served_gallery(items) -> list[tuple[str, str]]:
    return [(_served(path), caption) for path, caption in items]


def _owner(request: gr.Request | None, token: str | None) -> str:
    return safety.owner_key(getattr(request, "username", None), token)


def _key(request: gr.Request | None, tab: str) -> str:
    return f"{getattr(request, 'session_hash', None) or 'api'}:{tab}"


def _canceller(ctx: logic.StudioContext, tab: str):
    """A Cancel button's handler: stops this session's running job on ``tab``."""
    def cancel(request: gr.Request) -> None:
        ctx.cancel(_key(request, tab))
    return cancel


def _checked_preview(path):
    """(preview of an upload once checked, message) for an image field: nothing decodes it before."""
    checked, message = logic.check_image(path)
    return _served(checked), message


def _warn(message: str) -> str:
    return f"⚠️ {message}"


def _run(ctx: logic.StudioContext, prompt: dict, backend, job_dir: Path, key: str, collect):
    """Run ``prompt`` as a job, yielding (status, result-or-None); the last one carries the result. The
    job is cancellable under ``key``; a failure says why, in the user's words."""
    job, job_dir = logic.start_job(ctx, prompt, backend, job_dir)
    ctx.on_cancel(key, job.cancel)
    for update in job.updates():
        if update.outcome is None:
            yield f"**{int(update.fraction * 100)} %** — {update.text} ({backend.describe()})", None
            continue
        ctx.finished(key)
        ctx.live.discard(job_dir.name)
        outcome = update.outcome
        try:
            result = collect(outcome, prompt, job_dir)
        except Exception as exc:  # noqa: BLE001 - collecting files must not end in a bare error
            yield _warn(safety.user_message(exc, "collecting the results")), None
            return
        text = f"**{update.text}** on {backend.describe()}"
        if outcome.status != "success":
            why = logic.describe_error(outcome, prompt).replace(f"{job_dir.name}_", "")  # staged names → the user's
            text += f"\n\n{why}"
        yield text, result


# --- tabs ----------------------------------------------------------------------------------------


def design_tab(ctx: logic.StudioContext, servers, token) -> dict:
    with gr.Row():
        with gr.Column(scale=1):
            template = gr.Dropdown(TEMPLATES, value="tshirt", label="Garment template")
            pattern_file = gr.File(label=f"…or upload a pattern ({LIMITS['pattern']})", type="filepath",
                                   file_types=list(safety.PATTERN_SUFFIXES))
            size = gr.Dropdown(list(SIZES), value="M", label="Size")
            body = gr.Radio(["female", "male"], value="female", label="Body")
            with gr.Accordion("Measurements (cm, 0 = from the size)", open=False):
                meas = [gr.Number(value=0, label=m.iso, minimum=0, maximum=m.hi_cm) for m in MEASUREMENTS]
            with gr.Accordion("…or from two photos", open=False):
                gr.Markdown("A front and a side photo of the person standing in fitted clothes against a plain "
                            "wall, arms a little away from the body, head to feet in the picture; plus the height.")
                with gr.Row():
                    front_photo = gr.File(label=f"Front photo ({LIMITS['image']})", type="filepath",
                                          file_types=IMAGE_TYPES, elem_id="photo-front")
                    side_photo = gr.File(label=f"Side photo ({LIMITS['image']})", type="filepath",
                                         file_types=IMAGE_TYPES, elem_id="photo-side")
                photo_height = gr.Number(value=170, label="Height (cm)", minimum=120, maximum=220)
                measure = gr.Button("Measure from the photos")
                photo_note = gr.Markdown("", elem_id="photo-note")
                photo_overlay = gr.Image(label="What was measured", interactive=False, height=360)
            avatar_file = gr.File(label=f"…or upload an avatar ({LIMITS['mesh']})", type="filepath",
                                  file_types=list(safety.MESH_SUFFIXES))
            fabric = gr.Dropdown(logic.fabric_ids(), value="cotton_jersey", label="Fabric")
            colour = gr.ColorPicker(value="#2a3b66", label="Colour")
            quality = gr.Radio(list(logic.QUALITY_FRAMES), value="preview (fast)", label="Drape quality")
            with gr.Row():
                go = gr.Button("Drape", variant="primary")
                stop = gr.Button("Cancel")
        with gr.Column(scale=2):
            status = gr.Markdown("Pick a garment, a size and a fabric, then **Drape**.", elem_id="design-status")
            # Set by a plain (non-generator) step after the drape: the 3D canvas of Gradio's Model3D is
            # not created when its value arrives from a generator, leaving a 2 px strip.
            model = gr.Model3D(label="3D view (drag to turn, scroll to zoom)", clear_color=(0.95, 0.95, 0.95, 1.0),
                               height=520, elem_id="design-3d")
            previews = gr.Gallery(label="Preview", columns=1, height=640, object_fit="contain", elem_id="design-preview")
            video = gr.Video(label="Turntable", height=520)
            report = gr.Textbox(label="Quality report", lines=6)
            downloads = gr.File(label="Downloads", file_count="multiple")
    glb = gr.State(None)
    last = gr.State(None)  # the last drape of this session: its job folder, render and form (for "Save design")

    def drape(request: gr.Request, template_v, pattern_v, size_v, body_v, avatar_v, fabric_v, colour_v, quality_v,
              servers_v, token_v, *m):
        form = logic.DesignForm(template_v, size_v, body_v, fabric_v, colour_v or "", quality_v,
                                {d.name: v for d, v in zip(MEASUREMENTS, m)}, pattern_v, avatar_v)
        try:
            backend = ctx.backend(logic.workflows.load("drape_preview"), servers_v)
            job_dir = ctx.new_job_dir(_owner(request, token_v), "drape", form.summary())
            prompt = logic.design_prompt(form, backend, job_dir)
        except Exception as exc:  # noqa: BLE001 - said in words, logged when unexpected
            yield _warn(safety.user_message(exc, "preparing the drape")), None, None, "", None, None, gr.skip()
            return
        collect = logic.collect_design
        if backend.name == "local":
            def collect(outcome, prompt_, folder):
                return logic.collect_design(outcome, prompt_, folder, ctx.runner.dirs["output"])
        for text, result in _run(ctx, prompt, backend, job_dir, _key(request, "design"), collect):
            if result is None:
                yield text, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                continue
            headline = result.headline()
            note = text.replace("**Done**", f"**{headline}**", 1)
            if result.explanation() and result.status == "success":
                note += f"\n\n{result.explanation()}"
            done = {"job": str(job_dir), "render": str(result.previews[0]) if result.previews else None,
                    "form": form.summary()} if result.status == "success" else None
            yield (note, _served_gallery((p, "preview") for p in result.previews), _served(result.turntable),
                   result.report, _served_all(result.downloads), _served(result.glb), done)

    inputs = [template, pattern_file, size, body, avatar_file, fabric, colour, quality, servers, token, *meas]
    go.click(lambda: None, None, model, queue=False).then(
        drape, inputs, [status, previews, video, report, downloads, glb, last], concurrency_limit=2).then(
        lambda path: path, glb, model)
    stop.click(_canceller(ctx, "design"), None, None)

    def from_photos(front_v, side_v, height_v, body_v):
        try:
            overlay, values, text = logic.measure_from_photos(front_v, side_v, height_v, body_v)
        except Exception as exc:  # noqa: BLE001 - said in words (what to retake), logged when unexpected
            return (_warn(safety.user_message(exc, "measuring the photos")), None, *[gr.skip()] * len(meas))
        return (text, overlay, *[values.get(m.name, 0) for m in MEASUREMENTS])

    measure.click(from_photos, [front_photo, side_photo, photo_height, body], [photo_note, photo_overlay, *meas],
                  concurrency_limit=2)
    return {"fabric": fabric, "form": [template, size, body, fabric, colour, quality, *meas], "last": last}


def photoreal_tab(ctx: logic.StudioContext, servers, token) -> gr.Dropdown:
    gr.Markdown(logic.photoreal_help())
    with gr.Row():
        with gr.Column():
            template = gr.Dropdown(TEMPLATES, value="tshirt", label="Garment")
            size = gr.Dropdown(list(SIZES), value="M", label="Size")
            body = gr.Radio(["female", "male"], value="female", label="Body")
            fabric = gr.Dropdown(logic.fabric_ids(), value="cotton_jersey", label="Fabric")
            colour = gr.ColorPicker(value="#2a3b66", label="Colour")
        with gr.Column():
            environment = gr.Dropdown(list(ENVIRONMENTS), value="studio", label="Environment / style")
            extra = gr.Textbox(label=f"Extra prompt words (model, pose, mood; at most {MAX_TEXT_CHARS} characters)",
                               max_length=MAX_TEXT_CHARS)
            seed = gr.Number(value=42, precision=0, label="Seed")
            depth = gr.Slider(0, 2, value=0.6, step=0.05, label="Depth control strength")
            normal = gr.Slider(0, 2, value=0.4, step=0.05, label="Normal control strength")
            pose = gr.Slider(0, 2, value=0.7, step=0.05, label="Pose control strength")
            weight = gr.Slider(0, 1.5, value=0.5, step=0.05, label="Fabric look (IP-Adapter weight)")
    with gr.Row():
        go = gr.Button("Render", variant="primary")
        stop = gr.Button("Cancel")
    status = gr.Markdown()
    images = gr.Gallery(label="Renders", columns=2, height=520, object_fit="contain")

    def run(request: gr.Request, template_v, size_v, body_v, fabric_v, colour_v, env_v, extra_v, seed_v, d_v, n_v,
            p_v, w_v, servers_v, token_v):
        design = logic.DesignForm(template_v, size_v, body_v, fabric_v, colour_v or "")
        try:
            prompt = logic.render_prompt(logic.RenderForm(design, env_v, extra_v or "", int(seed_v or 0), d_v, n_v,
                                                          p_v, w_v))
            backend = ctx.backend(prompt, servers_v)
            job_dir = ctx.new_job_dir(_owner(request, token_v), "render", design.summary())
        except Exception as exc:  # noqa: BLE001
            yield _warn(safety.user_message(exc, "preparing the render")), None
            return
        for text, files in _run(ctx, prompt, backend, job_dir, _key(request, "render"),
                                logic.collect_images("Save render")):
            yield text, (gr.skip() if files is None else _served_all(files))

    inputs = [template, size, body, fabric, colour, environment, extra, seed, depth, normal, pose, weight, servers, token]
    go.click(run, inputs, [status, images], concurrency_limit=2)
    stop.click(_canceller(ctx, "render"), None, None)
    return fabric


def _image_input(label: str, elem_id: str):
    """An image upload taken as a file (nothing decodes it before the studio's checks), and its preview,
    shown once the studio has checked it."""
    with gr.Column(min_width=200):
        upload = gr.File(label=f"{label} ({LIMITS['image']})", type="filepath", file_types=IMAGE_TYPES,
                         elem_id=elem_id)
        view = gr.Image(label=label, interactive=False, height=220)
    return upload, view


def tryon_steps(ctx: logic.StudioContext, owner: str, key: str, person, garment, labels, pose, servers,
                clicks: dict | None = None):
    """(status text, result files or None) as a try-on goes: the classic result, then the SDXL one when a
    ComfyUI that can run it answers. Without a pose JSON or the pose model, the pose (and, without the
    parser, the label map) comes from the guided ``clicks``. Every failure says why."""
    if not (person and garment):
        yield _warn("add a person photo and a garment photo (or load the sample)"), None
        return
    try:
        backend = ctx.backend(logic.workflows.load("tryon_classic"), servers)
        job_dir = ctx.new_job_dir(owner, "try-on", "classic try-on")
        labels, pose, note = logic.guided_fallback(person, labels, pose, clicks, job_dir)
        prompt = logic.tryon_prompt(backend, person, garment, labels, pose, job_dir)
    except Exception as exc:  # noqa: BLE001 - said in words, logged when unexpected
        yield _warn(safety.user_message(exc, "preparing the try-on")), None
        return
    note = f"\n\n_{note}_" if note else ""
    classic: list = []
    for text, files in _run(ctx, prompt, backend, job_dir, key, logic.collect_images("Save result")):
        classic = files or classic
        yield f"Classic try-on (no diffusion): {text}{note}", files
    try:  # the SDXL result, when a ComfyUI that can run it answers
        comfy = ctx.backend(logic.workflows.load("tryon_sdxl"), servers)
    except UserError:
        return
    if comfy.name != "comfyui":
        return
    try:
        sdxl_dir = ctx.new_job_dir(owner, "try-on", "SDXL try-on")
        sdxl = logic.tryon_sdxl_prompt(comfy, person, garment, sdxl_dir)
    except Exception as exc:  # noqa: BLE001
        yield _warn(safety.user_message(exc, "preparing the SDXL try-on")), None
        return
    for text, files in _run(ctx, sdxl, comfy, sdxl_dir, key, logic.collect_images("Save result")):
        yield f"SDXL try-on: {text}", (None if files is None else list(classic) + list(files))


def _guided_photo(person) -> tuple:
    """(photo array, message) of the person upload for the guided section; (None, why) when unusable."""
    if not person:
        return None, _warn("add a person photo first (or load the sample)")
    try:
        return logic.read_person(person), ""
    except Exception as exc:  # noqa: BLE001 - said in words
        return None, _warn(safety.user_message(exc, "reading the person photo"))


def guided_section(person) -> tuple[gr.State, gr.Button]:
    """"No pose model? Click the joints": the person photo to click the joints and a box on, Undo / Clear,
    and a cut-out preview. Returns the clicks' state ({item: [x, y] photo pixels}) for the Try on button,
    and the button loading the sample without its pose and label map."""
    first = logic.guided_items()[0]
    clicks = gr.State({})
    with gr.Accordion(logic.GUIDED_TITLE, open=True, visible=logic.guided_wanted(), elem_id="tryon-guided"):
        gr.Markdown(logic.guided_intro())
        with gr.Row():
            photo = gr.Image(label="Click on the person", show_label=False, interactive=False, type="numpy",
                             format="png", height=520, elem_id="tryon-guided-photo", buttons=[])
            with gr.Column():
                target = gr.Radio(logic.guided_choices(), value=first, label="The next click sets",
                                  elem_id="tryon-guided-target")
                with gr.Row():
                    undo = gr.Button("Undo last", size="sm")
                    clear = gr.Button("Clear", size="sm")
                cut = gr.Button("Cut out the person", elem_id="tryon-guided-cut")
                sample = gr.Button("Load the sample person and garment only (to click)", size="sm")
                told = gr.Markdown(logic.guided_progress({}), elem_id="tryon-guided-status")
            cutout = gr.Image(label="What the try-on will use", interactive=False, type="numpy", format="png",
                              height=520, elem_id="tryon-guided-cutout", buttons=["fullscreen"])

    def redraw(person_v, clicks_v, target_v):
        image, why = _guided_photo(person_v)
        if image is None:
            return None, why
        return logic.guided_view(image, clicks_v), logic.guided_progress(clicks_v, target_v)

    def new_person(person_v):
        clicks_v, target_v = logic.guided_clear()
        return (*redraw(person_v, clicks_v, target_v), clicks_v, target_v, None)

    def clicked(person_v, clicks_v, target_v, evt: gr.SelectData):
        image, why = _guided_photo(person_v)
        index = evt.index if isinstance(evt.index, (list, tuple)) and len(evt.index) == 2 else None
        if image is not None and index is not None and not logic.guided_on_view(image, *index):
            index = None  # not a point of the photo (only an API call can send that)
        if image is None or index is None:
            return gr.skip(), clicks_v, target_v, why or _warn("click on the photo itself")
        clicks_v, target_v = logic.guided_click(clicks_v, target_v, *index, scale=logic.guided_scale(image))
        return logic.guided_view(image, clicks_v), clicks_v, target_v, logic.guided_progress(clicks_v, target_v)

    def take_back(person_v, clicks_v):
        clicks_v, target_v = logic.guided_undo(clicks_v)
        return (*redraw(person_v, clicks_v, target_v), clicks_v, target_v)

    def cut_out(person_v, clicks_v):
        image, why = _guided_photo(person_v)
        if image is None:
            return gr.skip(), why
        try:
            guided = logic.guided_cutout(image, clicks_v)
        except Exception as exc:  # noqa: BLE001 - said in words, logged when unexpected
            return None, _warn(safety.user_message(exc, "cutting out the person"))
        view = logic.guided_view(image, clicks_v, guided.labels, guided.person_mask)
        return view, logic.guided_cutout_text(guided)

    person.change(new_person, person, [photo, told, clicks, target, cutout])
    photo.select(clicked, [person, clicks, target], [photo, clicks, target, told])
    target.change(logic.guided_progress, [clicks, target], told)
    undo.click(take_back, [person, clicks], [photo, told, clicks, target])
    clear.click(new_person, person, [photo, told, clicks, target, cutout])
    cut.click(cut_out, [person, clicks], [cutout, told])
    return clicks, sample


def tryon_tab(ctx: logic.StudioContext, servers, token) -> None:
    gr.Markdown("**Classic try-on** (no diffusion) runs anywhere; the **SDXL** result needs a ComfyUI server "
                "with the packs and models of `models/manifest.json`. With the DWPose pose detector installed "
                "(`python install.py models --download --only dwpose_wholebody`) the pose is found in the photo; "
                "without it, and without the SegFormer parsing weights, give the person's pose JSON and label "
                "map, or click the person's joints and a box below — or load the sample to see how.")
    with gr.Row():
        person, person_view = _image_input("Person photo", "tryon-person")
        garment, garment_view = _image_input("Garment photo (plain background)", "tryon-garment")
        labels, labels_view = _image_input("Label map (ATR-18, optional)", "tryon-labels")
        pose = gr.File(label=f"Pose JSON (optional; {LIMITS['pose']})", type="filepath", file_types=[".json"],
                       elem_id="tryon-pose")
    clicks, sample_to_click = guided_section(person)
    with gr.Row():
        sample = gr.Button("Load the sample person, garment, label map and pose")
        go = gr.Button("Try on", variant="primary")
        stop = gr.Button("Cancel")
    status = gr.Markdown(elem_id="tryon-status")
    result = gr.Gallery(label="Results: the photo and the try-on side by side", columns=3, height=560,
                        object_fit="contain", preview=True, elem_id="tryon-results")

    for upload, view in ((person, person_view), (garment, garment_view), (labels, labels_view)):
        upload.change(_checked_preview, upload, [view, status])

    def load_sample():
        found = logic.sample_inputs()
        return tuple(_served(found.get(role)) for role in ("person", "garment", "labels", "pose"))

    sample.click(load_sample, None, [person, garment, labels, pose])

    def load_sample_to_click():
        found = logic.sample_inputs()
        return _served(found.get("person")), _served(found.get("garment")), None, None

    sample_to_click.click(load_sample_to_click, None, [person, garment, labels, pose])

    def run(request: gr.Request, person_v, garment_v, labels_v, pose_v, servers_v, token_v, clicks_v):
        steps = tryon_steps(ctx, _owner(request, token_v), _key(request, "tryon"), person_v, garment_v, labels_v,
                            pose_v, servers_v, clicks_v)
        for text, files in steps:
            if files is None:
                yield text, gr.skip()
            else:  # the whole person, photo and result at one scale, first (a lone thumbnail is cropped)
                yield text, gr.Gallery(_served_gallery(logic.tryon_gallery(person_v, files)), selected_index=0)

    go.click(run, [person, garment, labels, pose, servers, token, clicks], [status, result], concurrency_limit=2)
    stop.click(_canceller(ctx, "tryon"), None, None)


def fabric_tab(ctx: logic.StudioContext):
    """The scan form; returns the scan's event, so the fabric lists of the other tabs can follow it."""
    with gr.Row():
        with gr.Column():
            photo, photo_view = _image_input("Fabric photo", "fabric-photo")
            sample = gr.Button("Load the sample fabric photo")
            name = gr.Textbox(label=f"Name (at most {MAX_NAME_CHARS} characters)", value="My fabric",
                              max_length=MAX_NAME_CHARS)
            preset = gr.Dropdown(logic.physical_presets(), value="cotton_jersey",
                                 label="Behaves like (the cloth solver's physical preset)")
            px_per_cm = gr.Number(value=0, label="Pixels per cm (0 = unknown)", minimum=0, maximum=10000)
            overwrite = gr.Checkbox(False, label="Replace my fabric of the same name")
            scan = gr.Button("Scan and save to catalog", variant="primary")
        with gr.Column():
            status = gr.Markdown(elem_id="fabric-status")
            maps = gr.Gallery(label="Maps (albedo, normal, roughness, 2×2 preview)", columns=2, height=380)
            report = gr.Textbox(label="Scan report", lines=6)
    query = gr.Textbox(label="Search the catalog (name or tag)", max_length=MAX_TEXT_CHARS)
    browse = gr.Gallery(label="Catalog", columns=6, height=300, value=lambda: _catalog(""))

    photo.change(_checked_preview, photo, [photo_view, status])
    sample.click(lambda: _served(logic.sample_inputs().get("fabric")), None, photo)
    query.change(_catalog, query, browse)

    def run_scan(photo_v, name_v, preset_v, px_v, overwrite_v):
        shown, text = logic.scan_to_catalog(photo_v, name_v, preset_v, px_v, overwrite=bool(overwrite_v))
        if shown is None:
            return text, None, ""
        head, _, details = text.partition("\n")
        return f"**{head}** It is in every fabric list now.", _served_gallery(shown), details

    return scan.click(run_scan, [photo, name, preset, px_per_cm, overwrite], [status, maps, report]).then(
        _catalog, query, browse)


def _catalog(query: str):
    try:
        return _served_gallery(logic.catalog_gallery(query or ""))
    except UserError as exc:  # only an API call can send more than the box takes: it is told why
        raise gr.Error(str(exc)) from None


def batch_tab(ctx: logic.StudioContext, servers, token) -> gr.Dropdown:
    on_ray = logic.ray_address()
    gr.Markdown(f"Every fabric × colour × size combination is draped (preview quality). A batch may hold at most "
                f"**{MAX_BATCH_JOBS} combinations**." + (f" Batches run on the **Ray cluster** at `{safety.scrub(on_ray)}` "
                f"(ATELIER_RAY_ADDRESS); the status shows rows done, failed and running, throughput and ETA."
                if on_ray else ""))
    with gr.Row():
        template = gr.Dropdown(TEMPLATES, value="tshirt", label="Garment")
        body = gr.Radio(["female", "male"], value="female", label="Body")
        fabrics = gr.Dropdown(logic.fabric_ids(), value=["cotton_jersey"], multiselect=True, label="Fabrics")
        sizes = gr.Dropdown(list(SIZES), value=["M"], multiselect=True, label="Sizes")
        colours = gr.Textbox(label="Colours (#rrggbb, comma-separated; empty = fabric colours)", max_length=2000)
    with gr.Row():
        go = gr.Button("Run batch", variant="primary")
        stop = gr.Button("Cancel batch")
    status = gr.Markdown(elem_id="batch-status")
    grid = gr.Gallery(label="Results (template · size · fabric · colour · PASS/FAIL)", columns=3, height=560,
                      object_fit="contain", fit_columns=False, elem_id="batch-grid")
    archive = gr.File(label="All results (zip)")

    def prepare(request, template_v, body_v, fabrics_v, sizes_v, colours_v, token_v):
        """(rows, job folder, cancel event, key) for a batch, or a warning to show instead."""
        try:
            rows = logic.batch_rows(fabrics_v or [], logic.parse_colours(colours_v or ""), sizes_v or [],
                                    template_v, body_v)
        except Exception as exc:  # noqa: BLE001
            return _warn(safety.user_message(exc, "preparing the batch"))
        if not rows:
            return _warn("choose at least one fabric and one size")
        key = _key(request, "batch")
        cancel = threading.Event()
        ctx.on_cancel(key, cancel.set)
        what = f"{template_v} · {len(rows)} combination{'' if len(rows) == 1 else 's'}"
        try:
            out = ctx.new_job_dir(_owner(request, token_v), "batch", what)
        except Exception as exc:  # noqa: BLE001
            ctx.finished(key)
            return _warn(safety.user_message(exc, "the batch"))
        return rows, out, cancel, key

    def finish(result, out):
        archive_path = logic.zip_folder(out, out / "batch.zip")
        return result.summary(), _served_gallery(result.gallery()), _served(archive_path)

    def run(request: gr.Request, template_v, body_v, fabrics_v, sizes_v, colours_v, servers_v, token_v,
            progress=gr.Progress()):
        ready = prepare(request, template_v, body_v, fabrics_v, sizes_v, colours_v, token_v)
        if isinstance(ready, str):
            return ready, None, None
        rows, out, cancel, key = ready
        try:
            result = logic.run_batch_rows(ctx, rows, out, servers_v, cancel=cancel, on_progress=lambda done, total:
                                          progress(done / total, desc=f"{done}/{total} jobs"))
            return finish(result, out)
        except Exception as exc:  # noqa: BLE001
            return _warn(safety.user_message(exc, "the batch")), None, None
        finally:
            ctx.finished(key)

    def run_on_ray(request: gr.Request, template_v, body_v, fabrics_v, sizes_v, colours_v, servers_v, token_v):
        """The batch on the Ray cluster of ATELIER_RAY_ADDRESS: the status shows rows done, failed and
        running, throughput and ETA while it runs."""
        ready = prepare(request, template_v, body_v, fabrics_v, sizes_v, colours_v, token_v)
        if isinstance(ready, str):
            yield ready, None, None
            return
        rows, out, cancel, key = ready
        address = logic.ray_address()
        updates: queue.Queue = queue.Queue()
        ended: dict = {}

        def work():
            try:
                ended["result"] = logic.run_batch_rows(ctx, rows, out, servers_v, cancel=cancel, on_ray=updates.put)
            except Exception as exc:  # noqa: BLE001 - told below
                ended["error"] = exc
            finally:
                updates.put(None)

        try:
            threading.Thread(target=work, name="atelier-ray-batch", daemon=True).start()
            yield logic.ray_progress_text({"total": len(rows)}, address) + " (starting)", gr.skip(), gr.skip()
            while True:
                item = updates.get()
                while item is not None and not updates.empty():  # only the newest counts
                    item = updates.get()
                if item is None:
                    break
                yield logic.ray_progress_text(item, address), gr.skip(), gr.skip()
            if "error" in ended:
                yield _warn(safety.user_message(ended["error"], "the batch")), None, None
                return
            summary, gallery, archive_ = finish(ended["result"], out)
            yield f"{summary}\n\nRan on Ray at `{safety.scrub(address)}`.", gallery, archive_
        except Exception as exc:  # noqa: BLE001
            yield _warn(safety.user_message(exc, "the batch")), None, None
        finally:
            ctx.finished(key)

    go.click(run_on_ray if logic.ray_address() else run,
             [template, body, fabrics, sizes, colours, servers, token], [status, grid, archive],
             concurrency_limit=1, api_name="run_2")
    def cancel_batch(request: gr.Request) -> str:
        if ctx.cancel(_key(request, "batch")):
            return "Cancelling: the running job stops and the remaining ones are skipped…"
        return "No batch is running."

    stop.click(cancel_batch, None, status)
    return fabrics


def history_tab(ctx: logic.StudioContext, token):
    """The jobs of this browser (or of the logged-in user), read from the job folders: they survive a restart."""
    gr.Markdown("Your earlier jobs, read from their folders (they survive a restart of the studio). "
                + ("Everyone signed in to this studio shares one account and sees its jobs."
                   if ctx.login else "Without a login, each browser sees only the jobs it started."))
    refresh = gr.Button("Refresh")
    table = gr.Dataframe(headers=HISTORY_COLUMNS, interactive=False, wrap=True, elem_id="history-table")
    pick = gr.Dropdown([], label="Open a job to see why it ended and download its files")
    details = gr.Markdown()
    files = gr.File(label="Job files", file_count="multiple")

    def listing(request: gr.Request, token_v):
        jobs = logic.list_jobs(ctx, _owner(request, token_v))
        choices = [(f"{j.started.replace('T', ' ')[:16]} · {j.kind} · {j.what} · {j.status}", j.id) for j in jobs]
        return [j.row() for j in jobs] or None, gr.update(choices=choices, value=None)

    def show(request: gr.Request, job_id, token_v):
        job = logic.find_job(ctx, _owner(request, token_v), job_id or "")
        if job is None:
            return "Pick one of your jobs above.", None
        why = f" — {job.reason}" if job.reason else ""
        return f"**{job.status}**{why}\n\n{job.kind}: {job.what}", _served_all(job.files)

    refresh.click(listing, token, [table, pick])
    pick.change(show, [pick, token], [details, files])
    return listing, [table, pick]


def designs_tab(ctx: logic.StudioContext, drape: dict):
    """Saved designs (the designs store): search and filter, open one into the Design & drape form, save the
    form as a version (with the last drape's render), fork, delete, compare two versions."""
    gr.Markdown("Designs saved in the studio's designs database, every save a new version. **Open** one to fill "
                "the Design & drape form; after a drape, **Save** records its render with the version.")
    with gr.Row():
        query = gr.Textbox(label="Search (name, notes, tags)", max_length=MAX_TEXT_CHARS, elem_id="designs-search")
        garment = gr.Dropdown([("any", ""), *TEMPLATES], value="", label="Garment")
        fabric = gr.Dropdown([("any", ""), *logic.fabric_ids()], value="", label="Fabric")
        season = gr.Textbox(label="Season (e.g. SS27)", max_length=20)
        refresh = gr.Button("Search")
    table = gr.Dataframe(headers=logic.DESIGN_COLUMNS, interactive=False, wrap=True, elem_id="designs-table")
    thumbs = gr.Gallery(label="Renders", columns=6, height=220, object_fit="contain", elem_id="designs-thumbs")
    with gr.Row():
        pick = gr.Dropdown([], label="Design", elem_id="designs-pick")
        open_ = gr.Button("Open")
    status = gr.Markdown(elem_id="designs-status")
    open_id = gr.State(None)
    with gr.Accordion("Save the Design & drape form", open=True):
        with gr.Row():
            name = gr.Textbox(label=f"Name (at most {logic.DESIGN_NAME_CHARS} characters)", value="My design",
                              max_length=logic.DESIGN_NAME_CHARS, elem_id="designs-name")
            season_v = gr.Textbox(label="Season tag", max_length=20)
            tags = gr.Textbox(label="Tags (comma-separated)", max_length=MAX_TEXT_CHARS)
        message = gr.Textbox(label="What changed (version message)", max_length=2000)
        as_new = gr.Checkbox(False, label="Save as a new design (not a version of the open one)")
        save = gr.Button("Save design", variant="primary", elem_id="designs-save")
    with gr.Row():
        fork_name = gr.Textbox(label="Fork's name (empty = the same)", max_length=logic.DESIGN_NAME_CHARS)
        fork = gr.Button("Fork the open design")
    with gr.Row():
        confirm = gr.Checkbox(False, label="Yes, delete this design and all its versions")
        delete = gr.Button("Delete the open design", variant="stop")
    with gr.Accordion("Compare two versions", open=False):
        with gr.Row():
            first = gr.Dropdown([], label="Version A")
            second = gr.Dropdown([], label="Version B")
            compare = gr.Button("Compare")
        with gr.Row():
            render_a = gr.Image(label="A", height=320, interactive=False, elem_id="designs-a")
            render_b = gr.Image(label="B", height=320, interactive=False, elem_id="designs-b")
        diff = gr.Markdown(elem_id="designs-diff")

    form = drape["form"]
    filters = [query, garment, fabric, season]

    def design_list(query_v, garment_v, fabric_v, season_v_):
        try:
            rows, shown, choices = logic.list_designs(ctx.designs(), query_v, garment_v, fabric_v, season_v_)
        except Exception as exc:  # noqa: BLE001
            raise gr.Error(safety.user_message(exc, "listing the designs")) from None
        return rows or None, _served_gallery(shown), gr.update(choices=choices)

    def versions_update(design_id):
        choices = logic.version_choices(ctx.designs(), design_id) if design_id else []
        return (gr.update(choices=choices, value=choices[1][1] if len(choices) > 1 else None),
                gr.update(choices=choices, value=choices[0][1] if choices else None))

    def design_open(design_id):
        if not design_id:
            return ("Pick a design first.", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    *[gr.skip()] * len(form))
        try:
            version, values, text = logic.open_design(ctx.designs(), design_id)
        except Exception as exc:  # noqa: BLE001
            return (_warn(safety.user_message(exc, "opening the design")), gr.skip(), gr.skip(), gr.skip(),
                    gr.skip(), gr.skip(), gr.skip(), *[gr.skip()] * len(form))
        d = version.design
        meas = [values.measurements_cm.get(m.name, 0) for m in MEASUREMENTS]
        return (text, design_id, d.name, d.season, ", ".join(d.tags), *versions_update(design_id),
                values.template, values.size, values.body, values.fabric_id, values.colour or "#2a3b66",
                values.quality, *meas)

    def design_save(request: gr.Request, design_id, name_v, season_v2, tags_v, message_v, as_new_v, last_v, *values):
        template_v, size_v, body_v, fabric_v, colour_v, quality_v, *m = values
        form_v = logic.DesignForm(template_v, size_v, body_v, fabric_v, colour_v or "", quality_v,
                                  {d.name: v for d, v in zip(MEASUREMENTS, m)})
        last_v = last_v if isinstance(last_v, dict) and last_v.get("form") == form_v.summary() else {}
        job = Path(last_v["job"]) if last_v.get("job") else None
        try:
            version, text = logic.save_design(ctx.designs(), form_v, name_v, design_id, bool(as_new_v), message_v,
                                              season_v2, tags_v, last_v.get("render"),
                                              job if job and safety.inside(ctx.jobs_dir, job) else None,
                                              author=getattr(request, "username", None))
        except Exception as exc:  # noqa: BLE001
            return _warn(safety.user_message(exc, "saving the design")), gr.skip(), gr.skip(), gr.skip()
        if job:
            text += " The drape's job in My jobs names this version."
        return (text, version.design_id, *versions_update(version.design_id))

    def design_fork(request: gr.Request, design_id, fork_name_v):
        if not design_id:
            return "Open a design first.", gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            version, text = logic.fork_design(ctx.designs(), design_id, fork_name_v,
                                              author=getattr(request, "username", None))
        except Exception as exc:  # noqa: BLE001
            return _warn(safety.user_message(exc, "forking the design")), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (text, version.design_id, version.design.name, *versions_update(version.design_id))

    def design_delete(design_id, confirm_v):
        if not design_id:
            return "Open a design first.", gr.skip(), gr.skip()
        try:
            text = logic.delete_design(ctx.designs(), design_id, bool(confirm_v))
        except Exception as exc:  # noqa: BLE001
            return _warn(safety.user_message(exc, "deleting the design")), gr.skip(), gr.skip()
        return text, (None if confirm_v else design_id), False

    def design_compare(first_v, second_v):
        if not first_v or not second_v:
            return None, None, "Open a design and pick two of its versions."
        try:
            a, b, text = logic.compare_versions(ctx.designs(), first_v, second_v)
        except Exception as exc:  # noqa: BLE001
            return None, None, _warn(safety.user_message(exc, "comparing the versions"))
        return _served(a), _served(b), text

    listed = [table, thumbs, pick]
    refresh.click(design_list, filters, listed)
    query.submit(design_list, filters, listed)
    for box in (garment, fabric):
        box.change(design_list, filters, listed)
    open_.click(design_open, pick, [status, open_id, name, season_v, tags, first, second, *form])
    save.click(design_save, [open_id, name, season_v, tags, message, as_new, drape["last"], *form],
               [status, open_id, first, second]).then(design_list, filters, listed)
    fork.click(design_fork, [open_id, fork_name], [status, open_id, name, first, second]).then(
        design_list, filters, listed)
    delete.click(design_delete, [open_id, confirm], [status, open_id, confirm]).then(design_list, filters, listed)
    compare.click(design_compare, [first, second], [render_a, render_b, diff])
    return design_list, {"filters": filters, "outputs": listed}


def _fabric_lists_update(*current):
    """New choices for every fabric list (after a scan, or on page load); selections are kept."""
    ids = logic.fabric_ids()
    out = []
    for value in current:
        if isinstance(value, list):
            out.append(gr.update(choices=ids, value=[v for v in value if v in ids]))
        else:
            out.append(gr.update(choices=ids, value=value if value in ids else "cotton_jersey"))
    return out


def _server_panel(ctx: logic.StudioContext):
    """Which configured ComfyUI servers to use. Addresses come only from ATELIER_COMFYUI_URLS: the panel
    offers those and nothing else (no free text), and every handler drops any other value it is sent."""
    if not ctx.servers:
        gr.Markdown("Jobs run on the **local runner** (Atelier nodes and image I/O). ComfyUI servers are set by "
                    "whoever runs the studio (ATELIER_COMFYUI_URLS).")
        return gr.State([])
    with gr.Accordion("ComfyUI servers", open=False):
        servers = gr.CheckboxGroup(ctx.servers, value=list(ctx.servers), label="Use these ComfyUI servers (set by "
                                   "ATELIER_COMFYUI_URLS; none ticked = local runner)")
        check = gr.Button("Check")
        server_status = gr.Markdown()
        check.click(lambda chosen: logic.server_status(chosen, ctx.servers), servers, server_status)
    return servers


def _ensure_token(token: str | None) -> str:
    """This browser's owner token: the one in its local storage, else a new random one."""
    return token if isinstance(token, str) and len(token) >= 32 else secrets.token_urlsafe(32)


def build_app(ctx: logic.StudioContext | None = None) -> gr.Blocks:
    ctx = ctx or logic.StudioContext.from_env()
    with StudioBlocks(title="Atelier studio", delete_cache=(3600, 86400)) as app:
        token = gr.BrowserState(None, storage_key="atelier_owner", secret=safety.persistent_secret(ctx.work_dir))
        gr.Markdown("# Atelier studio\nDesign a garment, drape it on a measured body, render it, try it on.")
        servers = _server_panel(ctx)
        fabric_lists = []
        with gr.Tab("Design & drape"):
            drape_form = design_tab(ctx, servers, token)
            fabric_lists.append(drape_form["fabric"])
        with gr.Tab("Photoreal render"):
            fabric_lists.append(photoreal_tab(ctx, servers, token))
        with gr.Tab("Try-on"):
            tryon_tab(ctx, servers, token)
        with gr.Tab("Fabrics"):
            scanned = fabric_tab(ctx)
        with gr.Tab("Batch"):
            fabric_lists.append(batch_tab(ctx, servers, token))
        with gr.Tab("My jobs") as jobs_tab:
            listing, listed = history_tab(ctx, token)
        with gr.Tab("Designs") as designs_tab_:
            design_refresh, design_listed = designs_tab(ctx, drape_form)
        designs_tab_.select(design_refresh, design_listed["filters"], design_listed["outputs"])
        scanned.then(_fabric_lists_update, fabric_lists, fabric_lists)
        jobs_tab.select(listing, token, listed)
        app.load(_ensure_token, token, token).then(_fabric_lists_update, fabric_lists, fabric_lists).then(
            listing, token, listed)
    return app


def _no_such_endpoint(request, exc):
    """An API call naming no endpoint: 404 in words (Gradio answers a bare 500)."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": "The studio has no such API endpoint; its API page (\"Use via API\") lists them."},
                        status_code=404)


def _request_failed(request, exc):
    """Any other request the server could not handle: a sentence (the traceback stays in the console)."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": "The studio could not handle this request; whoever runs it finds the details in "
                                  "its console."}, status_code=500)


def launch(app: gr.Blocks, ctx: logic.StudioContext) -> None:
    work = str(Path(ctx.work_dir).resolve())
    try:
        from gradio.route_utils import FnIndexInferError

        handlers = {FnIndexInferError: _no_such_endpoint, Exception: _request_failed}
    except ImportError:  # another Gradio
        handlers = {Exception: _request_failed}
    app.queue(default_concurrency_limit=2).launch(
        server_name=os.environ.get("ATELIER_HOST", "127.0.0.1"), server_port=int(os.environ.get("ATELIER_PORT", "7860")),
        auth=auth_from_env(), max_file_size=f"{safety.MAX_UPLOAD_BYTES >> 20}mb",
        allowed_paths=[], blocked_paths=[work],  # results are served as cached copies, never from the work dir
        app_kwargs={"exception_handlers": handlers})


def _log_to(work_dir: Path) -> None:
    """Studio log: the work folder's studio.log (tracebacks of anything a user was told went wrong)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(work_dir / "studio.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    safety.log.addHandler(handler)
    safety.log.addHandler(logging.StreamHandler())
    safety.log.setLevel(logging.INFO)


if __name__ == "__main__":
    context = logic.StudioContext.from_env()
    _log_to(Path(context.work_dir))
    launch(build_app(context), context)
