#!/usr/bin/env python3
# Makes the golden of test/model/preprocess.test.ts's end-to-end resize check: a deterministic
# 101x77 RGB source image (smooth gradients, hard edges and a noisy patch, so every filter tap
# matters) and what Pillow's BILINEAR resize makes of it for real downscales, 101x77 -> 64x64 (the
# fixture model's input, aspect not kept, as HF's ViTImageProcessor does) and -> 29x17 (more than
# 3x, where the filter's support widens). Run once; the test reads the files and needs no Python.
#
#   /usr/bin/python3 scripts/make-pillow-resize-golden.py   # Debian: apt-get install python3-pil
#
# Writes test/fixtures/pillow-resize/{source.png,golden.json}; golden.json holds each result as
# base64 of row-major RGB bytes and the Pillow version that made it.

import base64
import json
import os
import random

import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pillow-resize')
W, H = 101, 77
TARGETS = [(64, 64), (29, 17)]


def source() -> Image.Image:
    rng = random.Random(15)
    img = Image.new('RGB', (W, H))
    px = img.load()
    for y in range(H):
        for x in range(W):
            r = (x * 255) // (W - 1)
            g = (y * 255) // (H - 1)
            b = 255 if (x // 9 + y // 7) % 2 else 0  # hard edges
            if 30 <= x < 70 and 20 <= y < 50:  # a noisy patch
                r, g, b = rng.randrange(256), rng.randrange(256), rng.randrange(256)
            px[x, y] = (r, g, b)
    return img


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    src = source()
    path = os.path.join(OUT, 'source.png')
    src.save(path, optimize=True)
    decoded = Image.open(path).convert('RGB')  # resize what the test decodes, not the in-memory image
    assert decoded.tobytes() == src.tobytes()
    cases = []
    for w, h in TARGETS:
        out = decoded.resize((w, h), Image.BILINEAR)
        cases.append({'width': w, 'height': h, 'rgb': base64.b64encode(out.tobytes()).decode('ascii')})
    golden = {'source': 'source.png', 'sourceWidth': W, 'sourceHeight': H, 'filter': 'BILINEAR', 'pillow': PIL.__version__, 'cases': cases}
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump(golden, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
