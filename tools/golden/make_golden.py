#!/usr/bin/env python3
"""Golden outputs of the face networks from their packages' own runtimes, for parity tests.

- BlazeFace and the face mesh run in `ai-edge-litert` (the TFLite runtime) straight from the
  .tflite files inside the pinned mediapipe wheel.
- FaceLandmark68Net runs in face-api itself on tfjs (tools/golden/faceapi.cjs).

For each test image this writes tests/fixtures/golden/<name>.safetensors holding the exact
network inputs (so the Rust tests can check raw outputs in isolation) and the raw outputs and
final image-space positions of the reference pipeline. The crop and decode steps here are a
numpy statement of the documented preprocessing (see src/face/crop.rs, detector.rs, mesh.rs);
the Rust pipeline must land within 0.5 px of them.

Run through tools/golden/run.sh, which fetches the pinned packages.
"""

import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
from PIL import Image
from safetensors.numpy import save_file
from ai_edge_litert.interpreter import Interpreter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "golden")
IMAGES = {
    "astronaut": os.path.join(ROOT, "tests", "fixtures", "astronaut.png"),
    "tanguy": os.path.join(ROOT, "tests", "fixtures", "tanguy.png"),
}


# ------------------------------------------------------------------ crops (see crop.rs)

def rotated_square(cx, cy, side, angle, out):
    s = np.float32(side / out)
    sin, cos = np.float32(np.sin(angle)), np.float32(np.cos(angle))
    a, b, c, d = cos * s, -sin * s, sin * s, cos * s
    half = np.float32(out / 2)
    return np.array([a, b, c, d, cx - (a * half + b * half), cy - (c * half + d * half)], np.float32)


def apply(m, u, v):
    return m[0] * u + m[1] * v + m[4], m[2] * u + m[3] * v + m[5]


def warp(img, m, out):
    """Bilinear, black outside, box prefilter by k = floor(scale / 2) when k ≥ 2."""
    scale = np.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
    k = int(np.floor(scale / 2))
    src = img
    zoom = np.float32(1)
    if k >= 2:
        h, w = img.shape[0] // k, img.shape[1] // k
        blocks = img[: h * k, : w * k].astype(np.float64).reshape(h, k, w, k, 3).sum(axis=(1, 3))
        src = np.floor(blocks / (k * k) + 0.5).astype(np.uint8)
        zoom = np.float32(1 / k)
    h, w = src.shape[:2]
    padded = np.zeros((h + 4, w + 4, 3), np.float32)
    padded[2:-2, 2:-2] = src
    u, v = np.meshgrid(np.arange(out, dtype=np.float32) + 0.5, np.arange(out, dtype=np.float32) + 0.5)
    x, y = apply(m, u, v)
    x, y = x * zoom - 0.5, y * zoom - 0.5
    x0, y0 = np.floor(x), np.floor(y)
    dx, dy = (x - x0)[..., None], (y - y0)[..., None]
    xi = np.clip(x0.astype(np.int64) + 2, 0, w + 2)
    yi = np.clip(y0.astype(np.int64) + 2, 0, h + 2)
    inside = (x0 >= -2) & (x0 <= w) & (y0 >= -2) & (y0 <= h)

    def px(yy, xx):
        return padded[yy, xx]
    top = px(yi, xi) * (1 - dx) + px(yi, xi + 1) * dx
    bot = px(yi + 1, xi) * (1 - dx) + px(yi + 1, xi + 1) * dx
    res = top * (1 - dy) + bot * dy
    return np.where(inside[..., None], res, 0).astype(np.float32)


# ------------------------------------------------------------------ detector (see detector.rs)

def anchors():
    a = []
    for grid, per in ((16, 2), (8, 6)):
        for y in range(grid):
            for x in range(grid):
                a += [((x + 0.5) / grid, (y + 0.5) / grid)] * per
    return np.array(a, np.float32)


def iou(a, b):
    ix = max(min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]), 0)
    iy = max(min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]), 0)
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0


def decode(reg, logits, m):
    anc = anchors()
    cands = []
    for i in range(len(anc)):
        score = 1 / (1 + np.exp(-np.clip(np.float64(logits[i]), -100, 100)))
        if score < 0.5:
            continue
        r = reg[i] / 128.0
        cx, cy, w, h = r[0] + anc[i][0], r[1] + anc[i][1], r[2], r[3]
        tl = apply(m, (cx - w / 2) * 128, (cy - h / 2) * 128)
        br = apply(m, (cx + w / 2) * 128, (cy + h / 2) * 128)
        kps = [apply(m, (r[4 + 2 * k] + anc[i][0]) * 128, (r[5 + 2 * k] + anc[i][1]) * 128) for k in range(6)]
        cands.append((score, np.array([tl[0], tl[1], br[0] - tl[0], br[1] - tl[1]]), np.array(kps)))
    cands.sort(key=lambda c: -c[0])
    out = []
    while cands:
        best = cands[0]
        group = [c for c in cands if c is best or iou(best[1], c[1]) > 0.3]
        cands = [c for c in cands if not any(c is g for g in group)]
        total = sum(c[0] for c in group)
        box = sum(c[0] / total * c[1] for c in group)
        kps = sum(c[0] / total * c[2] for c in group)
        out.append((best[0], box, kps))
    return out


def run_tflite(model, x):
    it = Interpreter(model_content=model)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x[None])
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"])[0] for d in it.get_output_details()}


def main():
    wheel, faceapi_models, node_modules = sys.argv[1:4]
    with zipfile.ZipFile(wheel) as z:
        blazeface = z.read("mediapipe/modules/face_detection/face_detection_short_range.tflite")
        facemesh = z.read("mediapipe/modules/face_landmark/face_landmark.tflite")
    os.makedirs(OUT, exist_ok=True)
    goldens, jobs = {}, []
    tmp = tempfile.mkdtemp()
    for name, path in IMAGES.items():
        img = np.asarray(Image.open(path).convert("RGB"))
        h, w = img.shape[:2]
        g = {}
        # Detector: letterbox to 128, [-1, 1]; inputs stored as f16 and fed exactly so.
        m = rotated_square(w / 2, h / 2, max(w, h), 0.0, 128)
        x = (warp(img, m, 128) / 127.5 - 1).astype(np.float16)
        outs = run_tflite(blazeface, x.astype(np.float32))
        reg, cls = outs["regressors"], outs["classificators"][:, 0]
        g["det_input"], g["det_regressors"], g["det_logits"] = x, reg, cls
        dets = decode(reg, cls, m)
        assert dets, f"{name}: reference found no face"
        score, box, kps = max(dets, key=lambda d: d[1][2] * d[1][3])
        g["det_bbox"], g["det_keypoints"] = box.astype(np.float32), kps.astype(np.float32)
        g["det_score"] = np.array([score], np.float32)
        # Mesh: ROI 1.5× the box, rotated by the eyes, [0, 1].
        roll = np.arctan2(kps[1][1] - kps[0][1], kps[1][0] - kps[0][0])
        mm = rotated_square(box[0] + box[2] / 2, box[1] + box[3] / 2, max(box[2], box[3]) * 1.5, roll, 192)
        x = (warp(img, mm, 192) / 255).astype(np.float16)
        outs = run_tflite(facemesh, x.astype(np.float32))
        raw = [v for k, v in outs.items() if v.size == 1404][0].reshape(-1)
        flag = [v for k, v in outs.items() if v.size == 1][0].reshape(-1)
        g["mesh_input"], g["mesh_raw"], g["mesh_logit"] = x, raw, flag
        pts = raw.reshape(468, 3)
        xy = np.stack(apply(mm, pts[:, 0], pts[:, 1]), 1)
        scale = np.sqrt(abs(mm[0] * mm[3] - mm[1] * mm[2]))
        g["mesh_points"] = np.concatenate([xy, pts[:, 2:] * scale], 1).astype(np.float32)
        goldens[name] = g
        rgb = os.path.join(tmp, f"{name}.rgb")
        img.astype(np.int32).tofile(rgb)
        jobs.append(dict(name=name, rgb=rgb, width=w, height=h, box=[float(v) for v in box]))
    job_path, out_path = os.path.join(tmp, "job.json"), os.path.join(tmp, "faceapi.json")
    with open(job_path, "w") as f:
        json.dump(jobs, f)
    env = dict(os.environ, NODE_PATH=node_modules)
    subprocess.run(["node", os.path.join(os.path.dirname(__file__), "faceapi.cjs"),
                    faceapi_models, job_path, out_path], check=True, env=env)
    for r in json.load(open(out_path)):
        g = goldens[r["name"]]
        g["lm_box"] = np.array(next(j["box"] for j in jobs if j["name"] == r["name"]), np.float32)
        g["lm_input"] = np.array(r["input"], np.float32).reshape(112, 112, 3)
        g["lm_raw"] = np.array(r["raw"], np.float32)
        g["lm_points"] = np.array(r["points"], np.float32)
    for name, g in goldens.items():
        path = os.path.join(OUT, f"{name}.safetensors")
        save_file({k: np.ascontiguousarray(v) for k, v in g.items()}, path)
        print(f"{path}: box {g['det_bbox'].round(1)}, score {g['det_score'][0]:.3f}")


if __name__ == "__main__":
    main()
