"""The studio's wiring without a browser: where server addresses come from, how files are served, and
the limits the layout states."""

from __future__ import annotations

import http.server
import threading

import gradio as gr
import pytest

import studio_app
from studio import app_logic as logic
from studio import safety
from studio.runner import LocalRunner


@pytest.fixture()
def ctx(tmp_path):
    work = tmp_path / "work"
    return logic.StudioContext(work, LocalRunner(work / "output", work / "input", work / "temp"),
                               ["http://127.0.0.1:9"])


@pytest.fixture()
def listener():
    """A local HTTP server that records every request it gets (a stand-in for an internal service)."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"secret": "internal"}')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def components(app: gr.Blocks) -> list:
    return list(app.blocks.values())


def test_server_addresses_come_only_from_the_environment(ctx, listener):
    url, hits = listener
    app = studio_app.build_app(ctx)
    boxes = [c for c in components(app) if isinstance(c, gr.CheckboxGroup)]
    assert len(boxes) == 1 and [v for _, v in boxes[0].choices] == ctx.servers
    free_text = [c for c in components(app) if isinstance(c, gr.Textbox) and "comfyui" in str(c.label).lower()]
    assert free_text == []
    told = logic.server_status([url], ctx.servers)  # a request naming another server is not followed
    assert hits == [] and "local runner" in told and "internal" not in told
    with pytest.raises(gr.exceptions.Error):
        boxes[0].preprocess([url])  # Gradio itself refuses a value that is not one of the choices


def test_without_servers_there_is_no_server_field(tmp_path):
    work = tmp_path / "w"
    app = studio_app.build_app(logic.StudioContext(work, LocalRunner(work / "o", work / "i", work / "t")))
    assert not [c for c in components(app) if isinstance(c, gr.CheckboxGroup)]


def test_files_are_served_as_cached_copies(ctx):
    from gradio.utils import get_upload_folder

    job = ctx.new_job_dir("browser:x", "drape", "tee")
    result = job / "x_drape.glb"
    result.write_bytes(b"glTF-binary")
    served = studio_app._served(result)
    assert safety.inside(get_upload_folder(), served) and not safety.inside(ctx.work_dir, served)
    assert open(served, "rb").read() == b"glTF-binary"
    assert studio_app._served(None) is None


def test_limits_are_stated_and_enforced_in_the_layout(ctx):
    app = studio_app.build_app(ctx)
    names = [c for c in components(app) if isinstance(c, gr.Textbox) and str(c.label).startswith("Name")]
    assert names and names[0].max_length == safety.MAX_NAME_CHARS == 60
    text = " ".join(str(getattr(c, "value", "")) + " " + str(getattr(c, "label", "")) for c in components(app))
    assert "at most **200 combinations**" in text and "up to 50 MiB and 40 megapixels" in text
    assert all(c.type == "filepath" for c in components(app) if isinstance(c, gr.File))
    uploads = [c for c in components(app) if isinstance(c, gr.Image) and c.interactive is not False]
    assert uploads == []  # no image is decoded by Gradio before the studio checks it
    presets = [c for c in components(app) if isinstance(c, gr.Dropdown) and "Behaves like" in str(c.label)]
    assert {v for _, v in presets[0].choices} == {v for _, v in logic.physical_presets()}
    model = next(c for c in components(app) if isinstance(c, gr.Model3D))
    assert model.height and model.height >= 400
