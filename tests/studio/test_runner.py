"""The local runner: ComfyUI's validation shapes, execution order, caching, progress, cancel, errors."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from PIL import Image

from custom_nodes.core import examples
from custom_nodes.core.mesh_io import load_mesh, save_mesh
from custom_nodes.core.progress import node_progress
from studio.runner import LocalRunner, PromptRejected
from tests.conftest import fixture_path

TRACE_PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 16711680}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
    "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "trace"}},
}


def trace(name: str) -> list[dict]:
    return [json.loads(line) for line in fixture_path("comfyui", f"trace_{name}.jsonl").read_text().splitlines()]


@pytest.fixture()
def runner(runner_dirs) -> LocalRunner:
    return LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])


def copy_prompt(**changes) -> dict:
    prompt = json.loads(json.dumps(TRACE_PROMPT))
    for key, value in changes.items():
        node, name = key.split("__")
        prompt[node]["inputs"][name] = value
    return prompt


def test_validation_error_matches_comfyui_byte_for_byte(runner):
    recorded = trace("validation_error")[0]["reply"]
    with pytest.raises(PromptRejected) as err:
        runner.run(copy_prompt(**{"1__width": 99999}))
    assert err.value.body == recorded
    assert "bigger than max of 16384" in str(err.value) and "node 1 (EmptyImage)" in str(err.value)


def test_no_outputs_matches_comfyui(runner):
    recorded = trace("no_outputs")[0]["reply"]
    prompt = copy_prompt()
    del prompt["3"]
    with pytest.raises(PromptRejected) as err:
        runner.run(prompt)
    assert err.value.body == recorded


@pytest.mark.parametrize("change, kind", [
    ({"1__width": 0}, "value_smaller_than_min"),
    ({"1__height": "tall"}, "invalid_input_type"),
    ({"2__image": ["1"]}, "bad_linked_input"),
])
def test_other_validation_errors_use_comfyui_types(runner, change, kind):
    with pytest.raises(PromptRejected) as err:
        runner.run(copy_prompt(**change))
    errors = [e["type"] for entry in err.value.body["node_errors"].values() for e in entry["errors"]]
    assert errors == [kind]


def test_missing_required_input_and_type_mismatch(runner):
    prompt = copy_prompt()
    del prompt["3"]["inputs"]["images"]
    with pytest.raises(PromptRejected) as err:
        runner.run(prompt)
    assert err.value.body["node_errors"]["3"]["errors"][0]["type"] == "required_input_missing"
    prompt = copy_prompt()
    prompt["4"] = {"class_type": "AtelierSaveGLB", "inputs": {"mesh": ["1", 0], "filename_prefix": "x"}}
    entry = runner.run(prompt)  # like ComfyUI: the valid output runs, the broken one is reported
    assert entry["node_errors"]["4"]["errors"][0]["type"] == "return_type_mismatch"
    assert list(entry["outputs"]) == ["3"]
    del prompt["3"]
    with pytest.raises(PromptRejected) as err:
        runner.run(prompt)
    assert err.value.body["node_errors"]["4"]["errors"][0]["type"] == "return_type_mismatch"


def test_prompt_needing_comfyui_is_rejected_up_front(runner):
    prompt = copy_prompt()
    prompt["9"] = {"class_type": "KSampler", "inputs": {}}
    prompt["8"] = {"class_type": "ControlNetLoader", "inputs": {}}
    with pytest.raises(PromptRejected) as err:
        runner.run(prompt)
    error = err.value.body["error"]
    assert error["type"] == "invalid_prompt" and "needs ComfyUI" in error["message"]
    assert error["extra_info"]["missing_nodes"] == ["ControlNetLoader", "KSampler"]
    assert not any(runner.dirs["output"].iterdir())  # nothing ran


def test_runs_atelier_nodes_and_saveimage_like_comfyui(runner, runner_dirs):
    save_mesh(examples.box(), runner_dirs["input"] / "body.obj")
    prompt = copy_prompt()
    prompt["4"] = {"class_type": "AtelierLoadMesh", "inputs": {"path": "body.obj"}}
    prompt["5"] = {"class_type": "AtelierSaveGLB", "inputs": {"mesh": ["4", 0], "filename_prefix": "atelier/body"}}
    events = []
    entry = runner.run(prompt, on_event=lambda kind, data: events.append((kind, data)))
    recorded = trace("success")[-1]["reply"]
    recorded_entry = next(iter(recorded.values()))
    assert entry["outputs"]["3"] == recorded_entry["outputs"]["3"]  # same names as real ComfyUI
    assert entry["outputs"]["5"] == {"3d": [{"filename": "body_00001_.glb", "subfolder": "atelier", "type": "output"}]}
    assert entry["status"]["status_str"] == "success" and entry["status"]["completed"]
    png = np.asarray(Image.open(runner_dirs["output"] / "trace_00001_.png"))
    assert png.shape == (48, 64, 3) and tuple(png[0, 0]) == (0, 255, 255)  # red inverted
    assert load_mesh(runner_dirs["output"] / "atelier" / "body_00001_.glb").n_faces == 12
    kinds = [k for k, _ in events]
    assert kinds[:2] == ["execution_start", "execution_cached"] and kinds[-2:] == ["execution_success", "executing"]
    assert events[-1][1]["node"] is None
    executing = [d["node"] for k, d in events if k == "executing" and d["node"]]
    assert executing.index("1") < executing.index("2") < executing.index("3")
    assert executing.index("4") < executing.index("5")


def test_second_run_is_cached_and_a_change_reruns_only_downstream(runner):
    runner.run(copy_prompt())
    events = []
    entry = runner.run(copy_prompt(), on_event=lambda k, d: events.append((k, d)))
    cached = next(d["nodes"] for k, d in events if k == "execution_cached")
    assert sorted(cached) == ["1", "2", "3"]
    assert entry["outputs"]["3"]["images"][0]["filename"] == "trace_00001_.png"  # not written again
    assert not any(k == "executing" and d["node"] for k, d in events)
    events.clear()
    runner.run(copy_prompt(**{"3__filename_prefix": "other"}), on_event=lambda k, d: events.append((k, d)))
    cached = next(d["nodes"] for k, d in events if k == "execution_cached")
    assert sorted(cached) == ["1", "2"]


class _Slow:
    """Test node: reports 4 steps, like the TraceSlow node of the recorded traces."""

    CATEGORY = "Atelier/IO"
    FUNCTION = "go"
    RETURN_TYPES = ("IMAGE",)
    started = threading.Event()
    release = threading.Event()

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",), "steps": ("INT", {"default": 4, "min": 1, "max": 100})}}

    def go(self, image, steps):
        progress = node_progress(steps)
        for i in range(steps):
            progress(i + 1, steps)
            if i == 0:
                _Slow.started.set()
                _Slow.release.wait(5)
        return (image,)


class _Raise:
    CATEGORY = "Atelier/IO"
    FUNCTION = "go"
    RETURN_TYPES = ("IMAGE",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",)}}

    def go(self, image):
        raise ValueError("simulated failure")


def _with_node(runner, cls, name) -> dict:
    runner.classes[name] = cls
    prompt = copy_prompt()
    prompt["2"] = {"class_type": name, "inputs": {"image": ["1", 0]} | ({"steps": 4} if cls is _Slow else {})}
    return prompt


def test_progress_events_count_up(runner):
    _Slow.release.set()
    events = []
    runner.run(_with_node(runner, _Slow, "AtelierTestSlow"), on_event=lambda k, d: events.append((k, d)))
    progress = [(d["value"], d["max"], d["node"]) for k, d in events if k == "progress"]
    assert progress == [(1, 4, "2"), (2, 4, "2"), (3, 4, "2"), (4, 4, "2")]


def test_cancel_interrupts_like_comfyui(runner):
    _Slow.started.clear()
    _Slow.release.clear()
    cancel, events, result = threading.Event(), [], {}
    prompt = _with_node(runner, _Slow, "AtelierTestSlow")
    job = threading.Thread(target=lambda: result.update(runner.run(
        prompt, cancel=cancel, on_event=lambda k, d: events.append((k, d)))))
    job.start()
    assert _Slow.started.wait(10)
    cancel.set()
    _Slow.release.set()
    job.join(10)
    assert not job.is_alive()
    interrupted = [d for k, d in events if k == "execution_interrupted"]
    assert interrupted and interrupted[0]["node_id"] == "2" and interrupted[0]["node_type"] == "AtelierTestSlow"
    assert result["status"]["status_str"] == "error" and result["outputs"] == {}
    assert not any(runner.dirs["output"].iterdir())


def test_node_error_is_reported_with_comfyui_fields(runner, caplog):
    recorded = next(line["data"] for line in trace("execution_error") if line.get("type") == "execution_error")
    events = []
    with caplog.at_level("ERROR", logger="atelier.studio.runner"):
        entry = runner.run(_with_node(runner, _Raise, "AtelierTestRaise"), on_event=lambda k, d: events.append((k, d)))
    error = next(d for k, d in events if k == "execution_error")
    assert set(recorded) - {"timestamp"} <= set(error)
    assert (error["node_id"], error["exception_type"], error["executed"]) == ("2", "ValueError", ["1"])
    # the message is in user words (custom_nodes.core.errors.user_message); the bug's own text and its
    # traceback go to the log, and the traceback also stays in the event, as ComfyUI sends it
    assert "internal error" in error["exception_message"] and "simulated failure" not in error["exception_message"]
    assert any("go" in frame for frame in error["traceback"])
    assert "simulated failure" in caplog.text and "Traceback" in caplog.text
    assert entry["status"] == {"status_str": "error", "completed": False, "messages": entry["status"]["messages"]}
    assert [m[0] for m in entry["status"]["messages"]] == ["execution_start", "execution_cached", "execution_error"]


def test_runner_object_info_lists_atelier_and_core_io_nodes(runner, core_object_info):
    info = runner.object_info()
    assert {"AtelierLoadMesh", "AtelierSaveGLB", "SaveImage", "PreviewImage", "LoadImage"} <= set(info)
    for name in ("SaveImage", "PreviewImage", "EmptyImage", "ImageInvert", "PreviewAny"):  # same schema as ComfyUI
        assert info[name]["input"] == core_object_info[name]["input"], name
        assert info[name]["output"] == core_object_info[name]["output"]


def test_load_image_masks_transparent_pixels(runner, runner_dirs):
    rgba = np.zeros((4, 5, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:2, :, 3] = 255
    Image.fromarray(rgba).save(runner_dirs["input"] / "photo.png")
    prompt = {"1": {"class_type": "LoadImage", "inputs": {"image": "photo.png"}},
              "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}
    entry = runner.run(prompt)
    image, mask = entry["values"]["1"]
    assert tuple(image.shape) == (1, 4, 5, 3) and float(mask[0, 0, 0]) == 0.0 and float(mask[0, 3, 0]) == 1.0
    assert entry["outputs"]["2"]["images"][0]["type"] == "temp"


def test_cycle_is_an_error_not_a_hang(runner):
    prompt = copy_prompt()
    prompt["1"] = {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}}
    with pytest.raises(PromptRejected, match="cycle detected through node"):
        runner.run(prompt)


def test_cancel_before_the_first_node_runs_nothing(runner):
    cancel = threading.Event()
    cancel.set()
    entry = runner.run(copy_prompt(), cancel=cancel)
    assert entry["status"]["status_str"] == "error" and entry["outputs"] == {}
    assert [m[0] for m in entry["status"]["messages"]][-1] == "execution_interrupted"
    assert not any(runner.dirs["output"].iterdir())
