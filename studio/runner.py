"""Local runner: executes an API-format ComfyUI prompt in-process, without ComfyUI.

It validates with ComfyUI's error shapes (``studio.validation``), runs nodes in dependency order,
caches outputs across runs keyed by their inputs, reports the same events ComfyUI sends over its
websocket (``execution_start``, ``execution_cached``, ``executing``, ``progress``, ``executed``,
``execution_success``, ``execution_error``, ``execution_interrupted``; and ``progress_text``, which
ComfyUI sends as a binary frame) and returns a ``/history``-shaped entry. It knows every Atelier
node plus the core I/O nodes in ``studio.core_nodes``; a prompt that needs anything else (KSampler,
ControlNet…) is rejected up front, saying that ComfyUI is required.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from custom_nodes.core.errors import AtelierError, Cancelled, InvalidInputError, user_message
from custom_nodes.core.paths import user_data_dir, using_directories
from custom_nodes.core.progress import reporting_to
from custom_nodes.core.samples import install_samples
from custom_nodes.object_info import object_info as build_object_info

from . import core_nodes
from .validation import ValidationResult, validate_prompt

EventFn = Callable[[str, dict], None]
#: Tracebacks of failed nodes (a child of the studio's logger, so they land in the work folder's studio.log).
log = logging.getLogger("atelier.studio.runner")


class PromptRejected(Exception):
    """The prompt failed validation; ``body`` is what ComfyUI's ``POST /prompt`` would answer (HTTP 400)."""

    def __init__(self, result: ValidationResult):
        self.body = result.response_body()
        err = result.error or {}
        lines = [f"{err.get('message', 'invalid prompt')}: {err.get('details', '')}".rstrip(": ")]
        for node_id, entry in result.node_errors.items():
            for e in entry["errors"]:
                lines.append(f"node {node_id} ({entry['class_type']}): {e['message']} — {e['details']}")
        super().__init__("\n".join(lines))


def _node_mappings() -> tuple[dict[str, type], dict[str, str]]:
    from custom_nodes.registry import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

    classes = {**core_nodes.NODE_CLASS_MAPPINGS, **NODE_CLASS_MAPPINGS}
    names = {**core_nodes.NODE_DISPLAY_NAME_MAPPINGS, **NODE_DISPLAY_NAME_MAPPINGS}
    return classes, names


class LocalRunner:
    """Runs prompts one at a time (a lock serialises them, like ComfyUI's single queue worker)."""

    def __init__(self, output_dir: str | Path | None = None, input_dir: str | Path | None = None,
                 temp_dir: str | Path | None = None, cache_size: int = 32):
        home = user_data_dir()  # the defaults live in the user's data folder, never in the checkout
        self.dirs = {"output": Path(output_dir or home / "output"),
                     "input": Path(input_dir or home / "input"),
                     "temp": Path(temp_dir or home / "temp")}
        if input_dir is None:  # the templates' sample inputs, as ComfyUI's start-up copies them (never overwrites)
            install_samples(self.dirs["input"])
        self.classes, self.names = _node_mappings()
        self._cache: OrderedDict[str, tuple[tuple, dict | None]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.history: dict[str, dict] = {}

    # --- introspection ----------------------------------------------------------------------------

    def object_info(self) -> dict[str, dict]:
        """``/object_info`` as a ComfyUI holding exactly the nodes this runner can execute would serve it."""
        with using_directories(**self.dirs):
            return build_object_info(self.classes, self.names)

    def missing_nodes(self, prompt: dict) -> list[str]:
        """Class types in ``prompt`` that only a real ComfyUI (with the right packs) can run."""
        return sorted({e.get("class_type") for e in prompt.values()
                       if isinstance(e, dict) and e.get("class_type") not in self.classes})

    def validate(self, prompt: dict) -> ValidationResult:
        missing = self.missing_nodes(prompt) if isinstance(prompt, dict) else []
        if missing and None not in missing:
            first = next(nid for nid, e in prompt.items() if e.get("class_type") in missing)
            error = {"type": "invalid_prompt",
                     "message": f"Cannot execute because node {missing[0]} does not exist. The local runner "
                                f"cannot run {', '.join(missing)}: this workflow needs ComfyUI.",
                     "details": f"Node ID '#{first}'", "extra_info": {"missing_nodes": missing}}
            return ValidationResult(False, error, [], {})
        return validate_prompt(prompt, self.object_info())

    # --- execution --------------------------------------------------------------------------------

    def run(self, prompt: dict, *, prompt_id: str | None = None, on_event: EventFn | None = None,
            cancel: threading.Event | None = None, client_id: str = "local", all_outputs: bool = False) -> dict:
        """Validate and execute ``prompt``; returns the ``/history/{prompt_id}`` entry.

        Raises :class:`PromptRejected` when validation fails (nothing runs). Like ComfyUI, outputs that
        fail validation are skipped and the valid ones run (listed in the entry's ``node_errors``);
        with ``all_outputs`` one refused output refuses the whole prompt, as a job that wants every
        output needs. Node failures and cancels do not raise: they are reported as events and in the
        returned entry's ``status``, the failure's message in user words (:func:`user_message`), its
        traceback in ``traceback`` and in the log.
        """
        result = self.validate(prompt)
        if result.ok and all_outputs and result.node_errors:  # refused as ComfyUI refuses a prompt with no valid output
            details = "\n".join(f"{e['message']}: {e['details']}" for entry in result.node_errors.values()
                                for e in entry.get("errors", []))
            result = ValidationResult(False, {"type": "prompt_outputs_failed_validation", "details": details,
                                              "message": "Prompt outputs failed validation", "extra_info": {}},
                                      [], result.node_errors, result.prompt)
        if not result.ok:
            raise PromptRejected(result)
        prompt_id = prompt_id or str(uuid.uuid4())
        job = _Job(self, result.prompt, result.good_outputs, prompt_id, on_event, cancel or threading.Event())
        with self._lock, using_directories(**self.dirs):
            entry = job.execute()
        entry["prompt"] = [len(self.history), prompt_id, result.prompt, {"client_id": client_id}, result.good_outputs]
        entry["node_errors"] = result.node_errors  # outputs that failed validation and were skipped
        self.history[prompt_id] = entry
        return entry

    def _cache_get(self, key: str):
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        return None

    def _cache_put(self, key: str, value) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


class _Job:
    """One prompt's execution: ordering, cache keys, events, outputs."""

    def __init__(self, runner: LocalRunner, prompt: dict, outputs: list[str], prompt_id: str,
                 on_event: EventFn | None, cancel: threading.Event):
        self.runner, self.prompt, self.outputs, self.prompt_id = runner, prompt, outputs, prompt_id
        self.on_event, self.cancel = on_event, cancel
        self.messages: list = []
        self.values: dict[str, tuple] = {}
        self.ui: dict[str, dict] = {}
        self.executed: list[str] = []

    def emit(self, kind: str, data: dict, record: bool = False) -> None:
        data = {**data, "prompt_id": self.prompt_id}
        if record:
            self.messages.append([kind, {**data, "timestamp": int(time.time() * 1000)}])
        if self.on_event is not None:
            self.on_event(kind, data)

    def order(self) -> list[str]:
        """Nodes the outputs need, each after its inputs; a cycle is an error naming a node on it."""
        done, visiting, order = set(), set(), []

        def visit(nid: str) -> None:
            if nid in done:
                return
            if nid in visiting:
                raise InvalidInputError(f"the graph has a dependency cycle through node {nid}")
            visiting.add(nid)
            for value in self.prompt[nid].get("inputs", {}).values():
                if isinstance(value, list) and len(value) == 2:
                    visit(str(value[0]))
            visiting.discard(nid)
            done.add(nid)
            order.append(nid)

        for out in sorted(self.outputs, key=lambda x: (len(x), x)):
            visit(out)
        return order

    def cache_keys(self, order: list[str]) -> dict[str, str]:
        keys: dict[str, str] = {}
        for nid in order:
            entry = self.prompt[nid]
            cls = self.runner.classes[entry["class_type"]]
            parts = {}
            for name, value in sorted(entry.get("inputs", {}).items()):
                linked = isinstance(value, list) and len(value) == 2
                parts[name] = ["link", keys[str(value[0])], value[1]] if linked else value
            changed = ""
            if hasattr(cls, "IS_CHANGED"):
                literal = {k: v for k, v in entry.get("inputs", {}).items() if not isinstance(v, list)}
                try:
                    changed = repr(cls.IS_CHANGED(**literal))
                except Exception:  # an unreadable file must re-run and fail there, with its own message
                    changed = repr(time.time())
            keys[nid] = json.dumps([entry["class_type"], parts, changed], sort_keys=True, default=repr)
        return keys

    def execute(self) -> dict:
        self.emit("execution_start", {}, record=True)
        try:
            order = self.order()
        except InvalidInputError as exc:
            return self.fail(self.outputs[0], exc)
        keys = self.cache_keys(order)
        cached = [nid for nid in order if self.runner._cache_get(keys[nid]) is not None]
        self.emit("execution_cached", {"nodes": cached}, record=True)
        for nid in order:
            hit = self.runner._cache_get(keys[nid])
            if hit is not None:
                self.values[nid], ui = hit
                if ui is not None:
                    self.ui[nid] = ui
                    self.emit("executed", {"node": nid, "display_node": nid, "output": ui})
                continue
            if self.cancel.is_set():
                return self.interrupted(nid)
            try:
                self.run_node(nid)
            except Cancelled:
                return self.interrupted(nid)
            except Exception as exc:
                return self.fail(nid, exc)
            self.runner._cache_put(keys[nid], (self.values[nid], self.ui.get(nid)))
        self.emit("execution_success", {}, record=True)
        self.emit("executing", {"node": None})
        return self.entry("success", True)

    def run_node(self, nid: str) -> None:
        entry = self.prompt[nid]
        cls = self.runner.classes[entry["class_type"]]
        self.emit("executing", {"node": nid, "display_node": nid})
        kwargs = {}
        for name, value in entry.get("inputs", {}).items():
            kwargs[name] = self.values[str(value[0])][value[1]] if isinstance(value, list) else value
        hidden = cls.INPUT_TYPES().get("hidden", {})
        for name, kind in hidden.items():
            kwargs[name] = {"PROMPT": self.prompt, "UNIQUE_ID": nid}.get(kind)

        def progress(done: int, total: int) -> None:
            if self.cancel.is_set():
                raise Cancelled(f"cancelled in node {nid}")
            self.emit("progress", {"value": int(done), "max": int(total), "node": nid})

        def progress_text(text: str) -> None:
            self.emit("progress_text", {"node": nid, "text": str(text)})

        with reporting_to(progress, progress_text):
            out = getattr(cls(), cls.FUNCTION)(**kwargs)
        if isinstance(out, dict):
            ui, result = out.get("ui"), tuple(out.get("result", ()))
        else:
            ui, result = None, tuple(out)
        self.values[nid] = result
        self.executed.append(nid)
        if ui is not None:
            self.ui[nid] = ui
            self.emit("executed", {"node": nid, "display_node": nid, "output": ui})

    def fail(self, nid: str, exc: Exception) -> dict:
        """End the job on ``exc`` raised by node ``nid``: ComfyUI's ``execution_error`` fields, with the
        message in user words (an internal error's own text stays in the log, with its traceback)."""
        node_type = self.prompt[nid]["class_type"]
        if isinstance(exc, AtelierError):  # a problem with the input, said in the message: no traceback needed
            log.info("node %s (%s) refused its input: %s", nid, node_type, exc)
        else:
            log.error("node %s (%s) failed", nid, node_type, exc_info=(type(exc), exc, exc.__traceback__))
        data = {"node_id": nid, "node_type": node_type, "executed": list(self.executed),
                "exception_message": user_message(exc), "exception_type": type(exc).__qualname__,
                "traceback": traceback.format_tb(exc.__traceback__), "current_inputs": {}, "current_outputs": {}}
        self.emit("execution_error", data, record=True)
        self.emit("executing", {"node": None})
        return self.entry("error", False)

    def interrupted(self, nid: str) -> dict:
        data = {"node_id": nid, "node_type": self.prompt[nid]["class_type"], "executed": list(self.executed)}
        self.emit("execution_interrupted", data, record=True)
        self.emit("executing", {"node": None})
        return self.entry("error", False)

    def entry(self, status: str, completed: bool) -> dict:
        meta = {nid: {"node_id": nid, "display_node": nid, "parent_node": None, "real_node_id": nid}
                for nid in self.ui}
        # "values" holds the nodes' in-process outputs (Python objects): not part of ComfyUI's /history,
        # but it lets the studio and tests use a drape or an image without reading files back.
        return {"outputs": dict(self.ui), "status": {"status_str": status, "completed": completed,
                                                     "messages": self.messages}, "meta": meta,
                "values": self.values}
