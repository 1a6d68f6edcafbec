"""Progress and cancellation for long engine calls.

Engine functions take ``on_progress(done, total)``; calling it may raise :class:`Cancelled` (or
ComfyUI's own interrupt exception), which is how a user's cancel reaches a running loop.

Node code gets that callback from :func:`node_progress`: inside ComfyUI it drives
``comfy.utils.ProgressBar`` (the canvas bar and the websocket ``progress`` messages) and checks
ComfyUI's interrupt flag; under the local runner it reports to the runner (which turns it into the
same ``progress`` events and raises on cancel); elsewhere it calls an optional plain callback.

A long step that numbers alone do not explain (the one-time body-model build) also says what it is
doing with :func:`announce`: on the console always, and to whoever shows the node's progress (the
local runner's ``progress_text`` event, ComfyUI's progress text under the node).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Callable, Iterator

ProgressFn = Callable[[int, int], None]
TextFn = Callable[[str], None]

#: Set by the local runner around each node: receives (done, total), may raise Cancelled.
_runner_hook: contextvars.ContextVar[ProgressFn | None] = contextvars.ContextVar("atelier_progress", default=None)
#: Set by the local runner around each node: receives a line of text from :func:`announce`.
_text_hook: contextvars.ContextVar[TextFn | None] = contextvars.ContextVar("atelier_progress_text", default=None)


@contextlib.contextmanager
def reporting_to(hook: ProgressFn, text: TextFn | None = None) -> Iterator[None]:
    """Route :func:`node_progress` callbacks to ``hook`` and :func:`announce` lines to ``text`` inside
    this block (used by the local runner)."""
    token, text_token = _runner_hook.set(hook), _text_hook.set(text)
    try:
        yield
    finally:
        _text_hook.reset(text_token)
        _runner_hook.reset(token)


def announce(text: str) -> None:
    """Say in words what a long step is doing: printed to the console, and passed to the local runner
    (the studio shows it) or, inside ComfyUI, shown as the running node's progress text."""
    print(f"[Atelier] {text}", file=sys.stderr, flush=True)
    hook = _text_hook.get()
    if hook is not None:
        hook(text)
    else:
        _comfy_text(text)


def _comfy_text(text: str) -> None:
    """ComfyUI's progress text for the running node; nothing outside ComfyUI or on a ComfyUI without it."""
    server = getattr(sys.modules.get("server"), "PromptServer", None)  # imported by ComfyUI's main.py
    instance = getattr(server, "instance", None)
    if instance is None or not hasattr(instance, "send_progress_text"):
        return
    node = getattr(instance, "last_node_id", None)
    try:
        from comfy_execution.utils import get_executing_context

        context = get_executing_context()
        node = context.node_id if context is not None else node
    except ImportError:
        pass
    if node is None:
        return
    try:
        instance.send_progress_text(text, node)
    except Exception:  # the console line already said it; a UI hiccup must not fail the node
        pass


def _comfy_reporter(total: int) -> ProgressFn | None:
    try:  # only importable inside a running ComfyUI
        import comfy.model_management as mm
        import comfy.utils
    except ImportError:
        return None
    bar = comfy.utils.ProgressBar(max(int(total), 1))

    def report(done: int, total_now: int) -> None:
        mm.throw_exception_if_processing_interrupted()
        bar.update_absolute(int(done), max(int(total_now), 1))

    return report


def node_progress(total: int, fallback: ProgressFn | None = None) -> ProgressFn:
    """The ``on_progress`` callback a node passes to its engine call."""
    hook = _runner_hook.get()
    if hook is not None:
        return hook
    comfy = _comfy_reporter(total)
    if comfy is not None:
        return comfy
    if fallback is not None:
        return fallback
    return lambda done, total_now: None


def report(on_progress: ProgressFn | None, done: int, total: int) -> None:
    """Call ``on_progress`` if there is one (engine code uses this so the callback stays optional)."""
    if on_progress is not None:
        on_progress(done, total)
