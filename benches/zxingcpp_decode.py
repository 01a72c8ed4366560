#!/usr/bin/env python3
"""Reference decoder for `tiepdon bench-decode`: zxing-cpp through its Python wheel.

Reads a TSV list (image path per line, first column) and prints one JSON line per image:
{"image": path, "texts": [decoded texts], "ms": decode milliseconds, "texts2x": [decoded texts of the image
enlarged 2× (bicubic) first], "rotated": [texts of the image turned 90, 180, 270 degrees clockwise] (with
--rotations)}. QR codes only, text mode Plain,
the wheel's defaults otherwise (try rotate, try downscale, try invert). Measured with zxing-cpp 3.1.1:
pip install zxing-cpp==3.1.1 pillow
"""
import json
import sys
import time

import zxingcpp
from PIL import Image


def read(image):
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.Plain)]


def main(list_path, rotations=False):
    with open(list_path, encoding="utf-8") as f:
        paths = [line.rstrip("\n").split("\t")[0] for line in f if line.strip()]
    for path in paths:
        # Grey-scale before the timer, as tiepdon's timing starts from a luminance frame.
        image = Image.open(path).convert("L")
        start = time.perf_counter()
        results = zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.Plain
        )
        ms = (time.perf_counter() - start) * 1e3
        big = image.resize((image.width * 2, image.height * 2), Image.BICUBIC)
        line = {"image": path, "texts": [r.text for r in results], "ms": ms, "texts2x": read(big)}
        if rotations:
            # Turned clockwise by 90, 180 and 270 degrees, as tiepdon's Frame::rotated.
            turns = [Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_90]
            line["rotated"] = [read(image.transpose(t)) for t in turns]
        print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], "--rotations" in sys.argv[2:])
