"""Synthetic people for the try-on tests: exact label maps and poses, drawn once per session."""

from __future__ import annotations

import pytest

from custom_nodes.tryon.synthetic import synthetic_person


@pytest.fixture(scope="session")
def people():
    """Synthetic people at 256×192: sleeve lengths, trousers/skirt, a dress, one carrying a bag."""
    return {
        "short_pants": synthetic_person(256, 192, "short", "pants"),
        "long_skirt": synthetic_person(256, 192, "long", "skirt"),
        "sleeveless_pants_bag": synthetic_person(256, 192, "none", "pants", bag=True),
        "dress": synthetic_person(256, 192, "dress"),
    }


# --- a tiny ONNX file without the `onnx` package: protobuf written by hand --------------------------
# Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
from custom_nodes.tryon.tiny_onnx import _field, _value_info  # noqa: E402  (the pack's one protobuf writer)


def tiny_u2net_onnx(size: int = 32) -> bytes:
    """ONNX model shaped like U²-Net (1×3×s×s → 1×1×s×s): sigmoid(−mean of RGB), high on dark pixels."""
    import struct

    weight = (_field(1, 1) + _field(1, 3) + _field(1, 1) + _field(1, 1) + _field(2, 1)
              + _field(4, struct.pack("<3f", *[-1 / 3] * 3)) + _field(8, "w"))
    conv = _field(1, "input.1") + _field(1, "w") + _field(2, "c") + _field(4, "Conv")
    sigmoid = _field(1, "c") + _field(2, "d0") + _field(4, "Sigmoid")
    graph = (_field(1, conv) + _field(1, sigmoid) + _field(2, "tiny_u2net") + _field(5, weight)
             + _field(11, _value_info("input.1", (1, 3, size, size))) + _field(12, _value_info("d0", (1, 1, size, size))))
    return _field(1, 8) + _field(7, graph) + _field(8, _field(1, "") + _field(2, 13))  # ir 8, opset 13


@pytest.fixture()
def tiny_u2net(tmp_path):
    """Path of a tiny U²-Net-shaped ONNX file named like rembg's ``u2net.onnx``, in its own folder."""
    folder = tmp_path / "u2net_home"
    folder.mkdir()
    path = folder / "u2net.onnx"
    path.write_bytes(tiny_u2net_onnx())
    return path
