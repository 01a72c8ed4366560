#!/usr/bin/env python3
"""Reference decoder for `tiepdon bench-decode`: zxing-cpp through its Python wheel.

Reads a TSV list (image path per line, first column) and prints one JSON line per image:
{"image": path, "texts": [decoded texts], "ms": decode milliseconds}. QR codes only, text mode Plain,
the wheel's defaults otherwise (try rotate, try downscale, try invert). Measured with zxing-cpp 3.1.1:
pip install zxing-cpp==3.1.1 pillow
"""
import json
import sys
import time

import zxingcpp
from PIL import Image


def main(list_path):
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
        print(json.dumps({"image": path, "texts": [r.text for r in results], "ms": ms}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
