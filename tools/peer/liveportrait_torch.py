#!/usr/bin/env python3
"""The reference LivePortrait networks under PyTorch on the CPU, full size, random weights.

(The recipe of the project's PEER.md measurement, kept here so tools/liveportrait-side-by-side.sh
runs from a clone.)

Usage: liveportrait_torch.py UPSTREAM_SRC_PARENT [--threads N] [--runs R] [--save-weights DIR]
UPSTREAM_SRC_PARENT is a folder holding the reference's `src/` (KwaiVGI/LivePortrait at 1986663).
Prints one JSON line, last: seconds per call for F, M, W, G and per output frame (M + W + G).
--save-weights DIR also writes the random full-size weights as the authors' Hugging Face layout
(DIR/liveportrait/base_models/*.pth, DIR/liveportrait/retargeting_models/...), for download tests.
"""
import argparse, json, os, sys, time, types

ap = argparse.ArgumentParser()
ap.add_argument("upstream")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--runs", type=int, default=2)
ap.add_argument("--save-weights")
ap.add_argument("--no-time", action="store_true")
a = ap.parse_args()

import torch, yaml
torch.set_num_threads(a.threads)
torch.manual_seed(7)
sys.path.insert(0, a.upstream)
from src.modules.appearance_feature_extractor import AppearanceFeatureExtractor
from src.modules.motion_extractor import MotionExtractor
from src.modules.warping_network import WarpingNetwork
from src.modules.spade_generator import SPADEDecoder
from src.modules.stitching_retargeting_network import StitchingRetargetingNetwork

cfg = yaml.safe_load(open(os.path.join(a.upstream, "src/config/models.yaml")))["model_params"]
F = AppearanceFeatureExtractor(**cfg["appearance_feature_extractor_params"]).eval()
M = MotionExtractor(**cfg["motion_extractor_params"]).eval()
W = WarpingNetwork(**cfg["warping_module_params"]).eval()
G = SPADEDecoder(**cfg["spade_generator_params"]).eval()

if a.save_weights:
    base = os.path.join(a.save_weights, "liveportrait", "base_models")
    ret = os.path.join(a.save_weights, "liveportrait", "retargeting_models")
    os.makedirs(base, exist_ok=True); os.makedirs(ret, exist_ok=True)
    with torch.no_grad():  # random but finite batch-norm statistics, as trained ones are
        for m in (F, M, W, G):
            for mod in m.modules():
                if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                    mod.running_mean.normal_(0, 0.1); mod.running_var.uniform_(0.5, 1.5)
    for name, m in (("appearance_feature_extractor", F), ("motion_extractor", M),
                    ("warping_module", W), ("spade_generator", G)):
        torch.save(m.state_dict(), os.path.join(base, name + ".pth"))
    s = cfg["stitching_retargeting_module_params"]
    parts = {}
    for key, spec in (("retarget_shoulder", s["stitching"]), ("retarget_mouth", s["lip"]),
                      ("retarget_eye", s["eye"])):
        net = StitchingRetargetingNetwork(**spec)
        parts[key] = {"module." + k: v for k, v in net.state_dict().items()}
    torch.save(parts, os.path.join(ret, "stitching_retargeting_module.pth"))
    print(f"saved random full-size weights under {a.save_weights}", file=sys.stderr)
    if a.no_time:
        print(json.dumps({"saved": a.save_weights})); sys.exit(0)

num_kp = cfg["motion_extractor_params"]["num_kp"]
x = torch.rand(1, 3, 256, 256)

def best(fn):
    fn()  # warm-up
    ts = []
    for _ in range(a.runs):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return min(ts)

with torch.no_grad():
    f_s = F(x)
    kp_s = torch.rand(1, num_kp, 3) * 0.6 - 0.3
    kp_d = kp_s + torch.randn(1, num_kp, 3) * 0.02
    out = W(f_s, kp_source=kp_s, kp_driving=kp_d)["out"]
    r = {
        "F": best(lambda: F(x)),
        "M": best(lambda: M(x)),
        "W": best(lambda: W(f_s, kp_source=kp_s, kp_driving=kp_d)),
        "G": best(lambda: G(out)),
    }
r["frame"] = r["M"] + r["W"] + r["G"]
r.update(threads=a.threads, runs=a.runs, torch=torch.__version__)
print(json.dumps(r))
