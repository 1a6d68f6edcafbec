"""Test helpers for the studio: a ComfyUI stand-in that replays recorded traces."""

from .trace_server import SCENARIOS, TraceServer

__all__ = ["SCENARIOS", "TraceServer"]
