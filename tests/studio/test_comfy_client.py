"""ComfyClient against the trace server: every recorded ComfyUI scenario, plus injected faults.

No wall-clock assertions: a job that hangs ends at the client's job timeout and fails the test.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from studio.comfy_client import (
    ComfyClient,
    ComfyExecutionError,
    ComfyServerError,
    PromptValidationError,
    download_outputs,
    explain,
    sanitize_filename,
)
from tests.support.comfy_trace import TraceServer
from tests.support.comfy_trace.trace_http import tiny_png
from tests.support.comfy_trace.traces import load_trace

JOB_TIMEOUT_S = 30.0  # only reached when a behaviour is broken


def recorded_prompt(scenario: str = "success") -> dict:
    """The API-format prompt ComfyUI ran when the trace was recorded."""
    history = load_trace(scenario).history_reply
    return next(iter(history.values()))["prompt"][2]


PROMPT = recorded_prompt()


@pytest.fixture
def start_server():
    """start_server(scenario, **knobs) -> a running TraceServer, stopped after the test."""
    servers = []

    def start(scenario: str = "success", **knobs) -> TraceServer:
        server = TraceServer(scenario, **knobs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def client_for(server: TraceServer) -> ComfyClient:
    # idle_poll_s beyond the job limit: the end must come from the frames (or the fallback paths),
    # not from the slow safety-net poll of /history
    return ComfyClient(server.url, timeout=5.0, job_timeout_s=JOB_TIMEOUT_S, idle_poll_s=10 * JOB_TIMEOUT_S)


def run_collecting(client: ComfyClient, **kwargs):
    events: list[tuple[str, dict]] = []
    result = client.run(PROMPT, on_event=lambda kind, data: events.append((kind, data)), **kwargs)
    return result, events


def test_success_outputs_events_and_end(start_server):
    server = start_server("success")
    client = client_for(server)
    result, events = run_collecting(client)
    trace = load_trace("success")

    assert result.status == "success" and result.error is None
    assert result.outputs == trace.history_outputs()
    assert uuid.UUID(result.prompt_id).version == 4
    assert server.records[result.prompt_id].client_id.startswith(client.client_id)
    # the connect greeting, then every recorded frame in the recorded order
    assert [kind for kind, _ in events] == ["status"] + [frame["type"] for frame in trace.frames]
    last_kind, last_data = events[-1]
    assert last_kind == "executing" and last_data == {"node": None, "prompt_id": result.prompt_id}
    assert all(data.get("prompt_id", result.prompt_id) == result.prompt_id for _, data in events)
    assert result.server_url == server.url and result.timings.total_s > 0


def test_cached_rerun_reports_cached_nodes(start_server):
    result, events = run_collecting(client_for(start_server("cached_rerun")))
    assert result.status == "success"
    assert result.cached_nodes == ("1", "2", "3")
    assert [data["nodes"] for kind, data in events if kind == "execution_cached"] == [["1", "2", "3"]]
    assert result.outputs == load_trace("cached_rerun").history_outputs()


def test_validation_error_exposes_node_errors(start_server):
    server = start_server("validation_error")
    with pytest.raises(PromptValidationError) as caught:
        client_for(server).run(PROMPT)
    error = caught.value
    assert error.error_type == "prompt_outputs_failed_validation"
    assert error.node_errors["1"]["errors"][0]["type"] == "value_bigger_than_max"
    assert error.node_messages() == {"1": ["EmptyImage.width: Value 99999 bigger than max of 16384"]}
    assert "node 1" in str(error) and server.url in str(error)
    assert server.records == {}  # nothing was queued


def test_prompt_without_outputs_is_refused(start_server):
    with pytest.raises(PromptValidationError) as caught:
        client_for(start_server("no_outputs")).run(PROMPT)
    assert caught.value.error_type == "prompt_no_outputs"
    assert caught.value.node_errors == {}
    assert "Prompt has no outputs" in str(caught.value)


def test_runtime_error_names_node_and_exception(start_server):
    result, events = run_collecting(client_for(start_server("execution_error")))
    assert result.status == "error" and result.outputs == {}
    assert (result.error.node_id, result.error.node_type) == ("2", "TraceRaise")
    assert result.error.exception_type == "ValueError"
    assert result.error.message == "simulated failure"
    assert "execution_error" in [kind for kind, _ in events]
    with pytest.raises(ComfyExecutionError, match="simulated failure"):
        result.raise_for_status()


def test_progress_events_increase(start_server):
    result, events = run_collecting(client_for(start_server("progress", preview_frames=True)))
    progress = [data for kind, data in events if kind == "progress"]
    assert [(p["value"], p["max"]) for p in progress] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert result.timings.queued_to_first_progress_s is not None
    previews = [data for kind, data in events if kind == "preview"]
    assert len(previews) == 4 and all(p["format"] == "png" and p["image"] == tiny_png() for p in previews)
    assert result.status == "success" and result.outputs == load_trace("progress").history_outputs()


def test_cancel_interrupts_running_job(start_server):
    server = start_server("interrupted")
    cancel = threading.Event()

    def on_event(kind, data):
        if kind == "progress":
            cancel.set()

    result = client_for(server).run(PROMPT, on_event=on_event, cancel_event=cancel)
    assert result.status == "interrupted" and result.error is None and result.outputs == {}
    assert server.interrupts == [result.prompt_id]
    assert "execution_interrupted" in result.events


def test_cancel_unqueues_pending_job(start_server):
    server = start_server("success")
    server.pause()
    cancel = threading.Event()
    cancel.set()
    result = client_for(server).run(PROMPT, cancel_event=cancel)
    assert result.status == "interrupted"
    assert server.queue_state() == {"queue_running": [], "queue_pending": []}
    assert server.records[result.prompt_id].started_at is None  # it never ran


def test_history_written_late_still_gives_outputs(start_server):
    server = start_server("success", history_delay_s=0.5)
    result = client_for(server).run(PROMPT)
    assert result.status == "success"
    assert result.outputs == load_trace("success").history_outputs()


def test_socket_dropped_mid_job_still_completes(start_server):
    server = start_server("progress", drop_ws_after_frames=8, ws_outage_s=0.5, frame_delay_s=0.01)
    result = client_for(server).run(PROMPT)
    assert len(server.ws_drops) == 1  # the fault really happened
    assert result.status == "success"
    assert result.outputs == load_trace("progress").history_outputs()


def test_socket_dropped_reconnects_and_events_resume(start_server):
    server = start_server("progress", drop_ws_after_frames=8, ws_outage_s=0.05, frame_delay_s=0.05)
    result, events = run_collecting(client_for(server))
    assert len(server.ws_drops) == 1
    kinds = [kind for kind, _ in events]
    assert kinds.count("status") >= 2  # greeted again on the new socket
    assert kinds[-1] == "executing" and events[-1][1]["node"] is None  # the end came live, not by polling
    assert result.status == "success"


def test_server_dying_mid_job_raises_naming_the_server(start_server):
    server = start_server("progress", kill_after_frames=8, frame_delay_s=0.01)
    with pytest.raises(ComfyServerError) as caught:  # not ComfyTimeoutError: noticed before the job limit
        client_for(server).run(PROMPT)
    assert caught.value.url == server.url and server.url in str(caught.value)
    words = explain(caught.value)
    assert words in (f"ComfyUI at {server.url} stopped answering during the job (connection refused)",
                     f"ComfyUI at {server.url} stopped answering during the job (connection lost)")


def test_unreachable_server_raises_clear_error(start_server):
    server = start_server("success")
    url = server.url
    server.stop()
    with pytest.raises(ComfyServerError, match=url) as caught:
        ComfyClient(url, timeout=2.0).run(PROMPT)
    assert not ComfyClient(url, timeout=2.0).is_healthy()
    assert explain(caught.value) == f"ComfyUI at {url} does not answer (connection refused)"  # never queued


def test_server_errors_in_words(start_server):
    client = client_for(start_server("success"))
    with pytest.raises(ComfyServerError) as caught:
        client.view("no_such_file.png")
    assert explain(caught.value, "download") == (f"ComfyUI at {client.base_url} stopped answering while the "
                                                 "outputs were downloaded (it answered with an error, HTTP 404)")


def test_upload_uses_the_name_the_server_returns(start_server, tmp_path):
    server = start_server("success")
    client = client_for(server)
    photo = tmp_path / "photo.png"
    photo.write_bytes(tiny_png())
    assert client.upload_image(photo) == "photo.png"
    assert client.upload_image(b"second", "photo.png") == "photo (1).png"  # ComfyUI renamed it
    assert client.upload_image(tiny_png(), "photo.png") == "photo.png"  # same bytes: same file
    assert client.upload_image(b"third", "photo.png", overwrite=True) == "photo.png"
    assert client.view("photo (1).png", type="input") == b"second"
    assert client.view("photo.png", type="input") == b"third"


def test_download_outputs_writes_sanitised_files(start_server, tmp_path):
    result = client_for(start_server("success")).run(PROMPT)
    paths = download_outputs(result, tmp_path / "job")
    assert [p.name for p in paths] == ["trace_00001_.png"]
    assert paths[0].read_bytes() == tiny_png()
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == ["trace_00001_.png"]  # no temp files left
    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("..\\evil name?.png") == "evil_name_.png"
    assert sanitize_filename("...") == "output"


def test_ui_format_workflow_is_refused_before_sending(start_server):
    server = start_server("success")
    with pytest.raises(ValueError, match="UI-format"):
        client_for(server).run({"nodes": [], "links": [], "version": 0.4})
    assert server.records == {}


def test_server_info_endpoints(start_server):
    client = client_for(start_server("success"))
    assert client.version() == "0.3.64"
    assert "SaveImage" in client.object_info()
    assert client.history(str(uuid.uuid4())) is None
    assert client.queue_load() == 0
