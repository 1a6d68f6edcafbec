"""Every registered node follows the conventions, reports itself like ComfyUI does, and runs."""

from __future__ import annotations

import inspect

import pytest

from custom_nodes.conventions import node_problems
from custom_nodes.core.examples import socket_examples
from custom_nodes.core.paths import using_directories
from custom_nodes.object_info import object_info
from custom_nodes.registry import FAILED, NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

NODE_IDS = sorted(NODE_CLASS_MAPPINGS)
V1_KEYS = {"input", "input_order", "output", "output_is_list", "output_name", "name", "display_name",
           "description", "python_module", "category", "output_node"}


@pytest.fixture(scope="module")
def widget_option_keys(core_object_info, third_party_object_info) -> set[str]:
    keys = set()
    for info in list(core_object_info.values()) + list(third_party_object_info.values()):
        for section in ("required", "optional"):
            for spec in info["input"].get(section, {}).values():
                if len(spec) > 1 and isinstance(spec[1], dict):
                    keys |= set(spec[1])
    return keys


@pytest.fixture(scope="module")
def core_types(core_object_info, third_party_object_info) -> set[str]:
    return {t for info in list(core_object_info.values()) + list(third_party_object_info.values())
            for t in info["output"] if isinstance(t, str)}


def test_every_domain_loaded():
    assert not FAILED, f"domains failed to load: {FAILED}"
    assert "AtelierLoadMesh" in NODE_CLASS_MAPPINGS


@pytest.mark.parametrize("node_id", NODE_IDS)
def test_node_follows_conventions(node_id, widget_option_keys, core_types):
    assert node_problems(node_id, NODE_CLASS_MAPPINGS[node_id], widget_option_keys, core_types) == []


@pytest.mark.parametrize("node_id", NODE_IDS)
def test_object_info_has_comfyui_shape(node_id, core_object_info):
    ours = object_info()[node_id]
    core_v1 = core_object_info["SaveImage"]
    assert V1_KEYS <= set(ours) and set(ours) - V1_KEYS <= {"output_tooltips", "experimental", "deprecated"}
    assert set(core_v1) == V1_KEYS  # the recorded reference really is the V1 shape
    assert ours["input_order"] == {k: list(v) for k, v in ours["input"].items()}
    assert ours["display_name"] == NODE_DISPLAY_NAME_MAPPINGS[node_id]
    assert len(ours["output"]) == len(ours["output_name"]) == len(ours["output_is_list"])


def _tiny_inputs(cls, tmp_path) -> dict:
    if hasattr(cls, "contract_inputs"):
        return cls.contract_inputs(tmp_path)
    examples, kwargs = socket_examples(), {}
    for name, spec in cls.INPUT_TYPES().get("required", {}).items():
        kind, opts = spec[0], (spec[1] if len(spec) > 1 else {})
        if isinstance(kind, (list, tuple)):
            kwargs[name] = opts.get("default", kind[0])
        elif kind in examples:
            kwargs[name] = examples[kind]
        elif "default" in opts:
            kwargs[name] = opts["default"]
        else:
            pytest.fail(f"no tiny example for input '{name}' of type {kind}; give the node contract_inputs()")
    return kwargs


@pytest.mark.parametrize("node_id", NODE_IDS)
def test_node_runs_on_tiny_input(node_id, tmp_path):
    cls = NODE_CLASS_MAPPINGS[node_id]
    kwargs = _tiny_inputs(cls, tmp_path)
    with using_directories(output=tmp_path / "out", input=tmp_path / "in", temp=tmp_path / "tmp"):
        out = getattr(cls(), cls.FUNCTION)(**kwargs)
    result = out.get("result", ()) if isinstance(out, dict) else out
    assert isinstance(result, tuple) and len(result) == len(cls.RETURN_TYPES)
    if isinstance(out, dict) and "ui" in out:
        assert isinstance(out["ui"], dict)
    examples = socket_examples()
    for kind, value in zip(cls.RETURN_TYPES, result):
        if kind in examples and kind.startswith("ATELIER_"):
            assert type(value) is type(examples[kind]), f"{node_id} returned {type(value).__name__} for {kind}"


class _BadNode:  # breaks every rule once
    CATEGORY = "Misc"
    FUNCTION = "go"
    RETURN_TYPES = ("GARMENT",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"size": ("INT", {"default": 5, "min": 0, "max": 3}), "thing": ("THING",)}}

    def go(self, size, thing):
        return (None,)


def test_checker_catches_broken_nodes(widget_option_keys):
    problems = " | ".join(node_problems("BadNode", _BadNode, widget_option_keys))
    for expected in ("id 'BadNode'", "category", "no DESCRIPTION", "no tooltip", "outside [0, 3]",
                     "'GARMENT' is neither", "'THING' is neither"):
        assert expected in problems


def test_nodes_do_not_take_mutable_defaults():
    for node_id, cls in NODE_CLASS_MAPPINGS.items():
        sig = inspect.signature(getattr(cls, cls.FUNCTION))
        for p in sig.parameters.values():
            assert not isinstance(p.default, (list, dict, set)), f"{node_id}.{p.name} has a mutable default"
