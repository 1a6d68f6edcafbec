"""Atelier studio (Gradio): layout and wiring only; the logic lives in ``studio/``.

    python studio_app.py            serves http://127.0.0.1:7860 (local runner; ComfyUI if configured)

Environment: ATELIER_HOST / ATELIER_PORT to bind elsewhere (127.0.0.1 by default).
"""

from __future__ import annotations

import os

import gradio as gr

from studio.runner import LocalRunner


def _runner_from_env() -> LocalRunner:
    work = os.environ.get("ATELIER_WORK_DIR")
    if not work:
        return LocalRunner()
    return LocalRunner(os.path.join(work, "output"), os.path.join(work, "input"), os.path.join(work, "temp"))


def build_app(runner: LocalRunner | None = None) -> gr.Blocks:
    runner = runner or _runner_from_env()
    from custom_nodes.registry import FAILED, NODE_CLASS_MAPPINGS

    def run_check():
        prompt = {"1": {"class_type": "EmptyImage", "inputs": {"width": 256, "height": 256, "batch_size": 1,
                                                                "color": 0x3355AA}},
                  "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}
        entry = runner.run(prompt)
        image = entry["outputs"]["2"]["images"][0]
        return str(runner.dirs["temp"] / image["subfolder"] / image["filename"])

    with gr.Blocks(title="Atelier studio") as app:
        gr.Markdown("# Atelier studio\nPatterns → avatars → drape → control maps → photoreal images. "
                    "The design, try-on, fabric and batch tabs arrive with their issues; this page shows "
                    "what the local runner can execute today.")
        loaded = ", ".join(sorted(NODE_CLASS_MAPPINGS)) or "none"
        failed = "; ".join(f"{d}: {why}" for d, why in FAILED.items()) or "none"
        gr.Markdown(f"**Nodes available on the local runner:** {loaded}\n\n**Domains not loaded:** {failed}")
        button = gr.Button("Run a check job on the local runner")
        result = gr.Image(label="Result", type="filepath")
        button.click(run_check, outputs=result)
    return app


if __name__ == "__main__":
    build_app().queue().launch(server_name=os.environ.get("ATELIER_HOST", "127.0.0.1"),
                               server_port=int(os.environ.get("ATELIER_PORT", "7860")))
