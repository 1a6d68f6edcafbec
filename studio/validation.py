"""Prompt validation against an ``/object_info`` mapping, reproducing ComfyUI 0.3.64's error shapes.

The same function checks a prompt for the local runner (against our own object_info), for a ComfyUI
server (against the object_info it serves) and in the workflow tests (against the recorded one), so
a user sees the same ``error`` + ``node_errors`` whichever backend runs the job. Error ``type`` strings,
messages and ``extra_info`` follow ComfyUI's ``execution.validate_inputs``/``validate_prompt``.
"""

from __future__ import annotations

import copy
import traceback
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ValidationResult:
    ok: bool
    error: dict | None  # ComfyUI's top-level ``error`` object when not ok
    good_outputs: list[str]
    node_errors: dict[str, dict]
    prompt: dict = field(default_factory=dict)  # the prompt with widget values converted like ComfyUI does

    def response_body(self) -> dict:
        """What ``POST /prompt`` answers with status 400."""
        return {"error": self.error, "node_errors": self.node_errors}


def _err(kind: str, message: str, details: str = "", **extra) -> dict:
    return {"type": kind, "message": message, "details": details, "extra_info": extra}


def types_compatible(received: str, accepted: Any) -> bool:
    """ComfyUI's ``validate_node_input``: equal, ``*`` wildcard, or overlapping comma-separated unions."""
    if isinstance(accepted, list):  # combo input fed by a link: core accepts it
        return received == "COMBO" or isinstance(received, list)
    if received == accepted or "*" in (received, accepted):
        return True
    if not isinstance(received, str) or not isinstance(accepted, str):
        return False
    return bool({t.strip() for t in received.split(",")} & {t.strip() for t in accepted.split(",")})


def input_spec(info: dict, name: str) -> tuple[str, Any, dict]:
    """(category, type, options) of an input in an object_info entry."""
    for category in ("required", "optional"):
        spec = info.get("input", {}).get(category, {})
        if name in spec:
            entry = spec[name]
            options = entry[1] if len(entry) > 1 and isinstance(entry[1], dict) else {}
            kind = entry[0]
            if kind == "COMBO":
                kind = list(options.get("options", []))
            return category, kind, options
    raise KeyError(name)


def _convert(value: Any, kind: Any) -> Any:
    if kind == "INT":
        return int(value)
    if kind == "FLOAT":
        return float(value)
    if kind == "STRING":
        return str(value)
    if kind == "BOOLEAN":
        return bool(value)
    return value


def _check_widget(name: str, value: Any, kind: Any, options: dict) -> tuple[Any, dict | None]:
    info = [kind, options]
    if isinstance(value, dict) and "__value__" in value:
        value = value["__value__"]
    try:
        value = _convert(value, kind)
    except (TypeError, ValueError) as ex:
        return value, _err("invalid_input_type", f"Failed to convert an input value to a {kind} value",
                           f"{name}, {value}, {ex}", input_name=name, input_config=info, received_value=value,
                           exception_message=str(ex))
    if "min" in options and value < options["min"]:
        return value, _err("value_smaller_than_min", f"Value {value} smaller than min of {options['min']}", name,
                           input_name=name, input_config=info, received_value=value)
    if "max" in options and value > options["max"]:
        return value, _err("value_bigger_than_max", f"Value {value} bigger than max of {options['max']}", name,
                           input_name=name, input_config=info, received_value=value)
    if isinstance(kind, list) and value not in kind:
        long = len(kind) > 20
        listing = f"(list of length {len(kind)})" if long else str(kind)
        return value, _err("value_not_in_list", "Value not in list", f"{name}: '{value}' not in {listing}",
                           input_name=name, input_config=None if long else info, received_value=value)
    return value, None


class _Validator:
    def __init__(self, prompt: dict, object_info: dict):
        self.prompt, self.info = prompt, object_info
        self.validated: dict[str, tuple[bool, list, str]] = {}
        self.visiting: set[str] = set()

    def node(self, node_id: str) -> tuple[bool, list, str]:
        if node_id in self.validated:
            return self.validated[node_id]
        if node_id in self.visiting:
            raise ValueError(f"dependency cycle detected through node {node_id}")
        self.visiting.add(node_id)
        try:
            return self._node(node_id)
        finally:
            self.visiting.discard(node_id)

    def _node(self, node_id: str) -> tuple[bool, list, str]:
        entry = self.prompt[node_id]
        info = self.info[entry["class_type"]]
        inputs = entry.setdefault("inputs", {})
        errors, valid = [], True
        names = list(info.get("input", {}).get("required", {})) + list(info.get("input", {}).get("optional", {}))
        for name in names:
            category, kind, options = input_spec(info, name)
            if name not in inputs:
                if category == "required":
                    errors.append(_err("required_input_missing", "Required input is missing", name, input_name=name))
                continue
            value = inputs[name]
            if isinstance(value, list):
                ok, error = self._link(name, value, kind, options)
                if error:
                    errors.append(error)
                valid = valid and ok
                continue
            inputs[name], error = _check_widget(name, value, kind, options)
            if error:
                errors.append(error)
        earlier = self.validated.get(node_id)
        if earlier is not None and earlier[1]:  # a cycle already recorded its reason for this node
            return earlier
        result = (not errors and valid, errors, node_id)
        self.validated[node_id] = result
        return result

    def _link(self, name: str, link: list, kind: Any, options: dict) -> tuple[bool, dict | None]:
        info = [kind, options]
        if len(link) != 2:
            return False, _err("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                               name, input_name=name, input_config=info, received_value=link)
        source_id, slot = str(link[0]), link[1]
        outputs = self.info[self.prompt[source_id]["class_type"]]["output"]
        received = outputs[slot]
        if not types_compatible(received, kind):
            return False, _err("return_type_mismatch", "Return type mismatch between linked nodes",
                               f"{name}, received_type({received}) mismatch input_type({kind})",
                               input_name=name, input_config=info, received_type=received, linked_node=link)
        try:
            ok = self.node(source_id)[0]
        except Exception as ex:
            reasons = [_err("exception_during_inner_validation", "Exception when validating inner node", str(ex),
                            input_name=name, input_config=info, exception_message=str(ex),
                            exception_type=type(ex).__qualname__, traceback=traceback.format_tb(ex.__traceback__),
                            linked_node=link)]
            self.validated[source_id] = (False, reasons, source_id)
            return False, None
        return ok, None


def _structure_error(prompt: Any, object_info: dict) -> dict | None:
    if not isinstance(prompt, dict):
        return _err("invalid_prompt", "Cannot execute because the prompt is not a JSON object.")
    for node_id, entry in prompt.items():
        if not isinstance(entry, dict) or "class_type" not in entry:
            return _err("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                        f"Node ID '#{node_id}'")
        if entry["class_type"] not in object_info:
            return _err("invalid_prompt", f"Cannot execute because node {entry['class_type']} does not exist.",
                        f"Node ID '#{node_id}'")
    return None


def validate_prompt(prompt: dict, object_info: dict, partial: list[str] | None = None) -> ValidationResult:
    """Validate like ComfyUI's ``POST /prompt`` does; the prompt is not modified (a converted copy is returned)."""
    structure = _structure_error(prompt, object_info)
    if structure:
        return ValidationResult(False, structure, [], {})
    prompt = copy.deepcopy(prompt)
    outputs = [nid for nid, e in prompt.items()
               if object_info[e["class_type"]].get("output_node") and (partial is None or nid in partial)]
    if not outputs:
        return ValidationResult(False, _err("prompt_no_outputs", "Prompt has no outputs"), [], {}, prompt)
    v = _Validator(prompt, object_info)
    good, failed, node_errors = [], [], {}
    for out in outputs:
        try:
            ok, reasons, _ = v.node(out)
        except Exception as ex:
            ok, reasons = False, [_err("exception_during_validation", "Exception when validating node", str(ex),
                                       exception_type=type(ex).__qualname__,
                                       traceback=traceback.format_tb(ex.__traceback__))]
            v.validated[out] = (False, reasons, out)
        if ok:
            good.append(out)
            continue
        failed.append((out, reasons))
        for node_id, (node_ok, node_reasons, _) in v.validated.items():
            if not node_ok and node_reasons:
                entry = node_errors.setdefault(node_id, {"errors": node_reasons, "dependent_outputs": [],
                                                         "class_type": prompt[node_id]["class_type"]})
                entry["dependent_outputs"].append(out)
    if not good:
        details = "\n".join(f"{e['message']}: {e['details']}" for _, reasons in failed for e in reasons)
        error = _err("prompt_outputs_failed_validation", "Prompt outputs failed validation", details)
        return ValidationResult(False, error, [], node_errors, prompt)
    return ValidationResult(True, None, good, node_errors, prompt)
