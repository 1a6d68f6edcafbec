"""Tiny random-weight ONNX files shaped like real models, written without the ``onnx`` package.

For tests and node examples only: they load and run through the same code as the real weights (same
input/output names and shapes), but their outputs mean nothing. The protobuf is written by hand with
the field numbers of ``onnx.proto`` (ModelProto, GraphProto, NodeProto, TensorProto, AttributeProto,
ValueInfoProto).
"""

from __future__ import annotations

import numpy as np


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload) -> bytes:
    """One protobuf field: ints as varints, bytes/str/nested messages length-delimited."""
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _value_info(name: str, shape) -> bytes:
    dims = b"".join(_field(1, _field(1, int(d))) for d in shape)  # TensorShapeProto.dim.dim_value
    tensor_type = _field(1, 1) + _field(2, dims)  # elem_type FLOAT = 1, shape
    return _field(1, name) + _field(2, _field(1, tensor_type))


def _tensor(name: str, array: np.ndarray) -> bytes:
    arr = np.ascontiguousarray(array, np.float32)
    dims = b"".join(_field(1, int(d)) for d in arr.shape)
    return dims + _field(2, 1) + _field(8, name) + _field(9, arr.tobytes())  # data_type FLOAT, raw_data


def _node(op: str, inputs, outputs, attrs: bytes = b"") -> bytes:
    return (b"".join(_field(1, i) for i in inputs) + b"".join(_field(2, o) for o in outputs)
            + _field(4, op) + attrs)


def _ints_attr(name: str, values) -> bytes:
    body = _field(1, name) + b"".join(_field(8, int(v)) for v in values) + _field(20, 7)  # type INTS
    return _field(5, body)


def _int_attr(name: str, value: int) -> bytes:
    return _field(5, _field(1, name) + _field(3, int(value)) + _field(20, 2))  # type INT


def tiny_rtmpose_onnx(keypoints: int = 133, width: int = 288, height: int = 384, split_ratio: float = 2.0,
                      seed: int = 0) -> bytes:
    """An RTMPose/DWPose-shaped model: ``input`` (1, 3, H, W) → ``simcc_x`` (1, K, W·r), ``simcc_y`` (1, K, H·r).

    DWPose's ``dw-ll_ucoco_384.onnx`` is K = 133, 288×384; RTMPose body models K = 17, 192×256. Random
    1×1 convolution to K channels, mean over rows (columns), then a random linear map to the SimCC bins.
    """
    rng = np.random.default_rng(seed)
    wx, wy = int(round(width * split_ratio)), int(round(height * split_ratio))
    inits = [_tensor("conv_w", rng.normal(0, 1, (keypoints, 3, 1, 1))),
             _tensor("proj_x", rng.normal(0, 0.1, (width, wx))),
             _tensor("proj_y", rng.normal(0, 0.1, (height, wy)))]
    nodes = [_node("Conv", ["input", "conv_w"], ["feat"]),
             _node("ReduceMean", ["feat"], ["cols"], _ints_attr("axes", [2]) + _int_attr("keepdims", 0)),
             _node("MatMul", ["cols", "proj_x"], ["simcc_x"]),
             _node("ReduceMean", ["feat"], ["rows"], _ints_attr("axes", [3]) + _int_attr("keepdims", 0)),
             _node("MatMul", ["rows", "proj_y"], ["simcc_y"])]
    graph = (b"".join(_field(1, n) for n in nodes) + _field(2, "tiny_rtmpose") + b"".join(_field(5, t) for t in inits)
             + _field(11, _value_info("input", (1, 3, height, width)))
             + _field(12, _value_info("simcc_x", (1, keypoints, wx)))
             + _field(12, _value_info("simcc_y", (1, keypoints, wy))))
    return _field(1, 8) + _field(7, graph) + _field(8, _field(1, "") + _field(2, 13))  # ir 8, opset 13
