#!/usr/bin/env python3
"""LivePortrait's five weight files at the reference's full size with random values, for timing
the neural engine end to end where no real weights are (the GPU check: tools/gpu-check.sh).

The names and shapes are those Vivant's networks ask for (liveportrait-full-size.json beside
this file, recorded from the networks built with the default configuration); the values follow
the benchmarks' random weights (src/neural's random weights: normal with std 1/sqrt(fan-in),
batch-norm variances and norm gains near 1), so activations keep a sane size. Written as
.safetensors by hand (only numpy is needed).

Usage: random-weights.py OUT_DIR [SEED]
"""

import json
import os
import struct
import sys

import numpy as np


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "liveportrait-full-size.json")) as f:
        manifest = json.load(f)
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    total = 0
    for stem, tensors in manifest.items():
        header, blobs, offset = {}, [], 0
        for name in sorted(tensors):
            shape, kind = tensors[name]
            n = int(np.prod(shape)) if shape else 1
            how, *args = kind.split(":")
            if how == "uniform":
                values = rng.uniform(float(args[0]), float(args[1]), n)
            else:
                values = rng.standard_normal(n) * float(args[0])
            blob = values.astype("<f4").tobytes()
            header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
            total += n
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        with open(os.path.join(out, stem + ".safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
    print(f"{total / 1e6:.1f} M random parameters in {out}")


if __name__ == "__main__":
    main()
