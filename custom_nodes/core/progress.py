"""Progress and cancellation for long engine calls.

Engine functions take ``on_progress(done, total)``; calling it may raise :class:`Cancelled` (or
ComfyUI's own interrupt exception), which is how a user's cancel reaches a running loop.

Node code gets that callback from :func:`node_progress`: inside ComfyUI it drives
``comfy.utils.ProgressBar`` (the canvas bar and the websocket ``progress`` messages) and checks
ComfyUI's interrupt flag; under the local runner it reports to the runner (which turns it into the
same ``progress`` events and raises on cancel); elsewhere it calls an optional plain callback.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

ProgressFn = Callable[[int, int], None]

#: Set by the local runner around each node: receives (done, total), may raise Cancelled.
_runner_hook: contextvars.ContextVar[ProgressFn | None] = contextvars.ContextVar("atelier_progress", default=None)


@contextlib.contextmanager
def reporting_to(hook: ProgressFn) -> Iterator[None]:
    """Route :func:`node_progress` callbacks to ``hook`` inside this block (used by the local runner)."""
    token = _runner_hook.set(hook)
    try:
        yield
    finally:
        _runner_hook.reset(token)


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
