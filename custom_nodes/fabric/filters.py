"""Small image filters shared by the fabric modules, with an explicit border rule.

``wrap=True`` treats the image as one tile of an endless repeat (the left neighbour of column 0 is
the last column), so a filtered tile stays tileable. ``wrap=False`` mirrors at the border, which is
right for photos.
"""

from __future__ import annotations

import cv2
import numpy as np


def blur(image: np.ndarray, sigma: float, *, wrap: bool) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` [px]; ``(h, w)`` or ``(h, w, c)`` float32.

    Large sigmas are done on a downsampled copy (the result is smooth anyway), which keeps a
    2048² blur with sigma 256 well under 100 ms.
    """
    img = np.asarray(image, np.float32)
    if sigma <= 0:
        return img.copy()
    h, w = img.shape[:2]
    factor = int(max(1, min(sigma // 4, min(h, w) // 16)))
    if factor > 1:
        small = cv2.resize(img, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
        small = blur(small, sigma / factor, wrap=wrap)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(img.shape)
    pad = int(min(np.ceil(3 * sigma), max(h, w)))
    if wrap:
        padded = np.pad(img, [(pad, pad), (pad, pad)] + [(0, 0)] * (img.ndim - 2), mode="wrap")
        out = cv2.GaussianBlur(padded, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        return out[pad:pad + h, pad:pad + w].reshape(img.shape)
    return cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT).reshape(img.shape)


def scharr_gradients(height: np.ndarray, *, wrap: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of a height field per pixel: (d/dx along columns, d/dy along rows, y down).

    Scharr kernel (3, 10, 3)/32 smoothing × central difference /2, so a ramp of slope 1 gives 1.
    """
    h = np.asarray(height, np.float32)
    if wrap:
        p = np.pad(h, 1, mode="wrap")
    else:
        p = np.pad(h, 1, mode="reflect")
    dx = p[:, 2:] - p[:, :-2]  # central difference along x, rows padded
    dy = p[2:, :] - p[:-2, :]
    gx = (3 * dx[:-2, :] + 10 * dx[1:-1, :] + 3 * dx[2:, :]) / 32.0
    gy = (3 * dy[:, :-2] + 10 * dy[:, 1:-1] + 3 * dy[:, 2:]) / 32.0
    return gx.astype(np.float32), gy.astype(np.float32)
