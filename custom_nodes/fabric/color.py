"""Colour science for fabric scans: sRGB <-> linear <-> CIELAB (D65) and the CIEDE2000 difference.

All images are float32 arrays in 0..1 with the channel last, ``(..., 3)``. Lab uses the D65 white
point with L in 0..100. CIEDE2000 follows Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference
formula: implementation notes, supplementary test data, and mathematical observations".
"""

from __future__ import annotations

import numpy as np

#: D65 reference white (X, Y, Z) with Y = 1.
WHITE_D65 = np.array([0.95047, 1.0, 1.08883], np.float64)
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]], np.float64)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB 0..1 → linear-light RGB 0..1 (IEC 61966-2-1 transfer curve), float32."""
    c = np.asarray(srgb, np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((np.maximum(c, 0.0) + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear-light RGB → sRGB 0..1 (clipped), float32."""
    c = np.clip(np.asarray(linear, np.float32), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055).astype(np.float32)


def _f(t: np.ndarray) -> np.ndarray:
    d = 6.0 / 29.0
    return np.where(t > d ** 3, np.cbrt(t), t / (3 * d * d) + 4.0 / 29.0)


def _f_inv(t: np.ndarray) -> np.ndarray:
    d = 6.0 / 29.0
    return np.where(t > d, t ** 3, 3 * d * d * (t - 4.0 / 29.0))


def srgb_to_lab(srgb: np.ndarray) -> np.ndarray:
    """sRGB 0..1 ``(..., 3)`` → CIELAB (D65) ``(..., 3)`` float32, L in 0..100."""
    xyz = srgb_to_linear(srgb) @ _RGB_TO_XYZ.T.astype(np.float32)
    f = _f(xyz / WHITE_D65.astype(np.float32))
    lab = np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])], -1)
    return lab.astype(np.float32)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (D65) → sRGB 0..1 (out-of-gamut colours are clipped), float32."""
    lab = np.asarray(lab, np.float32)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], -1)
    xyz = _f_inv(f) * WHITE_D65.astype(np.float32)
    return linear_to_srgb(xyz @ _XYZ_TO_RGB.T.astype(np.float32))


def luminance(srgb: np.ndarray) -> np.ndarray:
    """Relative luminance Y (linear light, 0..1) of sRGB pixels ``(..., 3)`` → ``(...)`` float32."""
    return (srgb_to_linear(srgb) @ _RGB_TO_XYZ[1].astype(np.float32)).astype(np.float32)


def lightness_from_luminance(y: np.ndarray) -> np.ndarray:
    """CIE L* / 100 (0..1) from relative luminance Y (0..1), float32 — the L of :func:`srgb_to_lab`."""
    return ((116.0 * _f(np.asarray(y, np.float32)) - 16.0) / 100.0).astype(np.float32)


def delta_e00(lab1: np.ndarray, lab2: np.ndarray, kl: float = 1.0, kc: float = 1.0, kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference between Lab colours ``(..., 3)`` → ``(...)`` float64.

    A difference around 1 is just noticeable; under 2 is hard to see side by side.
    """
    lab1, lab2 = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = 0.5 * (np.hypot(a1, b1) + np.hypot(a2, b2))
    g = 0.5 * (1.0 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where(c1p == 0, 0.0, np.degrees(np.arctan2(b1, a1p)) % 360.0)
    h2p = np.where(c2p == 0, 0.0, np.degrees(np.arctan2(b2, a2p)) % 360.0)
    dlp, dcp = L2 - L1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhp = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2.0)
    lp_bar, cp_bar = 0.5 * (L1 + L2), 0.5 * (c1p + c2p)
    hsum = h1p + h2p
    hp_bar = np.where(np.abs(h1p - h2p) <= 180.0, hsum / 2.0,
                      np.where(hsum < 360.0, (hsum + 360.0) / 2.0, (hsum - 360.0) / 2.0))
    hp_bar = np.where(c1p * c2p == 0, hsum, hp_bar)
    t = (1.0 - 0.17 * np.cos(np.radians(hp_bar - 30.0)) + 0.24 * np.cos(np.radians(2.0 * hp_bar))
         + 0.32 * np.cos(np.radians(3.0 * hp_bar + 6.0)) - 0.20 * np.cos(np.radians(4.0 * hp_bar - 63.0)))
    d_theta = 30.0 * np.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    rc = 2.0 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25.0 ** 7))
    sl = 1.0 + 0.015 * (lp_bar - 50.0) ** 2 / np.sqrt(20.0 + (lp_bar - 50.0) ** 2)
    sc = 1.0 + 0.045 * cp_bar
    sh = 1.0 + 0.015 * cp_bar * t
    rt = -np.sin(np.radians(2.0 * d_theta)) * rc
    tl, tc, th = dlp / (kl * sl), dcp / (kc * sc), dhp / (kh * sh)
    return np.sqrt(tl ** 2 + tc ** 2 + th ** 2 + rt * tc * th)


def mean_colour(srgb: np.ndarray) -> np.ndarray:
    """Mean colour of an image as sRGB ``(3,)``, averaged in linear light (what the eye integrates)."""
    lin = srgb_to_linear(np.asarray(srgb, np.float32).reshape(-1, 3)).mean(axis=0)
    return linear_to_srgb(lin)
