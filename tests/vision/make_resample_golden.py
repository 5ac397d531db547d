#!/usr/bin/env python3
"""Writes tests/vision/resample_golden.txt: what Pillow's BILINEAR resize gives for the crops,
pads and resizes fastai's item transforms perform, on a test pattern.

tests/vision/test_resample_golden.cpp rebuilds the pattern (fastblock_test::pattern_image) and each
case's CropResize, and checks that fastblock's crop_resize gives the same bytes. The pads are done
as fastai does them (torchvision's pad on the PIL image: numpy.pad with mode 'reflect', 'edge' or
'constant'), then the crop and the resize with PIL.

Run with Debian's Pillow (python3-pil, 9.4):
    /usr/bin/python3 tests/vision/make_resample_golden.py

File format, one line per case:
    <name> <left> <top> <box w> <box h> <resize w> <resize h> <out left> <out top> <out w> <out h>
        <pad: zeros|border|reflection> <hex of the output's RGB bytes, row by row>
"""

import os

import numpy as np
from PIL import Image


def pattern(w, h):
    a = np.zeros((h, w, 3), dtype=np.uint8)
    for y in range(h):
        for x in range(w):
            a[y, x] = ((x * 20 + y) % 256, (y * 30 + x) % 256, ((x + y) * 7) % 256)
    return a


NP_MODE = {"zeros": "constant", "border": "edge", "reflection": "reflect"}


def crop_resize(a, left, top, bw, bh, rw, rh, ol, ot, ow, oh, pad):
    h, w = a.shape[:2]
    # Pad enough on every side for the box, as fastai's _do_crop_pad pads the cropped image.
    pl, pt = max(0, -left), max(0, -top)
    pr, pb = max(0, left + bw - w), max(0, top + bh - h)
    if pl or pt or pr or pb:
        a = np.pad(a, ((pt, pb), (pl, pr), (0, 0)), mode=NP_MODE[pad])
    box = a[top + pt : top + pt + bh, left + pl : left + pl + bw]
    im = Image.fromarray(np.ascontiguousarray(box)).resize((rw, rh), Image.BILINEAR)
    return np.asarray(im)[ot : ot + oh, ol : ol + ow]


CASES = [
    # name, image w, h, then the CropResize fields
    ("shrink", 50, 40, (0, 0, 50, 40, 17, 13, 0, 0, 17, 13, "reflection")),
    ("grow", 50, 40, (0, 0, 50, 40, 123, 77, 0, 0, 123, 77, "reflection")),
    ("shrink_uneven", 50, 40, (0, 0, 50, 40, 31, 9, 0, 0, 31, 9, "reflection")),
    ("rrc_train", 50, 40, (7, 5, 30, 20, 16, 16, 0, 0, 16, 16, "reflection")),
    ("rrc_valid", 50, 40, (0, 0, 50, 40, 48, 48, 8, 8, 32, 32, "reflection")),
    ("resize_crop_valid", 64, 40, (12, 0, 40, 40, 24, 24, 0, 0, 24, 24, "reflection")),
    ("pad_reflection", 50, 40, (-5, -3, 60, 46, 30, 23, 0, 0, 30, 23, "reflection")),
    ("pad_border", 50, 40, (-5, -3, 60, 46, 30, 23, 0, 0, 30, 23, "border")),
    ("pad_zeros", 50, 40, (-5, -3, 60, 46, 30, 23, 0, 0, 30, 23, "zeros")),
    ("pad_grow", 20, 12, (0, -4, 20, 20, 45, 45, 0, 0, 45, 45, "reflection")),
    ("one_pixel_wide", 1, 9, (0, 0, 1, 9, 5, 4, 0, 0, 5, 4, "reflection")),
]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resample_golden.txt")
    with open(out, "w") as f:
        for name, w, h, g in CASES:
            res = crop_resize(pattern(w, h), *g)
            assert res.shape == (g[9], g[8], 3), (name, res.shape)
            f.write(f"{name} {w} {h} " + " ".join(str(v) for v in g) + " " + res.tobytes().hex() + "\n")


if __name__ == "__main__":
    main()
