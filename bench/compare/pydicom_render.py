"""
pydicom + numpy + Pillow in process: what a Python web server would do per request to turn a
stored DICOM file into a PNG. Run by bench/compare (with Debian's /usr/bin/python3):

  /usr/bin/python3 bench/compare/pydicom_render.py JOB.json

JOB.json: {"runs": n, "warmup": n, "outDir": "...", "levels": [6, 1],
           "images": [{"key": "ct", "path": ".../ct.dcm", "variants": ["8", "16", "16raw"]}, ...]}
Prints one JSON object on stdout: versions and, per image, variant and Pillow compress_level,
median / p95 / min milliseconds of the whole request path (bytes in memory -> PNG bytes), and
the output size. The output of each (image, variant) at the first level is written to outDir
as {key}-{variant}-pydicom.png so the caller can compare pixels with its own rendering.

Per request: pydicom.dcmread on the file's bytes (already in memory, like the Node side),
ds.pixel_array (pydicom 2.3 decodes every frame: there is no per-frame access for native
data), frame 1, apply_modality_lut, apply_voi_lut (the file's first window; pydicom's output
range is the stored range, [0, 2^BitsStored - 1] or the signed range, passed through the
rescale), then that range scaled linearly to 0..255 (or 0..65535) and truncated, inverted
for MONOCHROME1, and Pillow's PNG encoder into a BytesIO. Colour (RGB) images skip the LUTs.
Variant "16raw" is what Orthanc's /image-uint16 returns: the stored values as they are (no
rescale, no window, no inversion) in a 16-bit PNG.
"""
import io
import json
import os
import sys
import time

import numpy as np
import PIL
import pydicom
from PIL import Image
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut


def voi_output_range(ds):
    """The range pydicom 2.3's apply_windowing maps a window onto (see its source)."""
    bits = int(ds.BitsStored)
    if int(ds.get("PixelRepresentation", 0)) == 0:
        lo, hi = 0.0, float(2**bits - 1)
    else:
        lo, hi = float(-(2 ** (bits - 1))), float(2 ** (bits - 1) - 1)
    slope = ds.get("RescaleSlope", None)
    intercept = ds.get("RescaleIntercept", None)
    if slope is not None and intercept is not None and "ModalityLUTSequence" not in ds:
        lo, hi = lo * float(slope) + float(intercept), hi * float(slope) + float(intercept)
    return lo, hi


def render(raw, variant, level):
    ds = pydicom.dcmread(io.BytesIO(raw))
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        arr = arr[0]
    photometric = ds.PhotometricInterpretation
    if int(ds.SamplesPerPixel) == 3:
        img = Image.fromarray(arr.astype(np.uint8), "RGB")
    elif variant == "16raw":
        img = Image.fromarray(np.clip(arr, 0, 65535).astype(np.uint16))
    else:
        bit_depth = 16 if variant == "16" else 8
        values = apply_modality_lut(arr, ds)
        values = apply_voi_lut(values, ds, index=0)
        lo, hi = voi_output_range(ds)
        top = 65535 if bit_depth == 16 else 255
        scaled = (np.asarray(values, dtype=np.float64) - lo) * (top / (hi - lo))
        np.clip(scaled, 0, top, out=scaled)
        if photometric == "MONOCHROME1":
            scaled = top - scaled
        if bit_depth == 16:
            img = Image.fromarray(scaled.astype(np.uint16))  # mode I;16 -> 16-bit greyscale PNG
        else:
            img = Image.fromarray(scaled.astype(np.uint8), "L")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def summarize(samples):
    s = sorted(samples)
    at = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    return {"median": at(0.5), "p95": at(0.95), "min": s[0], "runs": len(s)}


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    runs, warmup, out_dir = int(job["runs"]), int(job.get("warmup", 3)), job["outDir"]
    rows = []
    for image in job["images"]:
        with open(image["path"], "rb") as f:
            raw = f.read()
        for variant in image["variants"]:
            for level in job["levels"]:
                png = render(raw, variant, level)
                if level == job["levels"][0]:
                    with open(os.path.join(out_dir, f"{image['key']}-{variant}-pydicom.png"), "wb") as f:
                        f.write(png)
                for _ in range(warmup):
                    render(raw, variant, level)
                samples = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    png = render(raw, variant, level)
                    samples.append((time.perf_counter() - t0) * 1000)
                rows.append({"key": image["key"], "variant": variant, "compressLevel": level, "pngBytes": len(png), "ms": summarize(samples)})
    versions = {"python": sys.version.split()[0], "pydicom": pydicom.__version__, "numpy": np.__version__, "Pillow": PIL.__version__}
    json.dump({"versions": versions, "rows": rows}, sys.stdout)


if __name__ == "__main__":
    main()
