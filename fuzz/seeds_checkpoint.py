#!/usr/bin/env python3
"""The checkpoint target's seeds (corpus/checkpoint/): tiny safetensors and PyTorch `.pth` files
with a spectral-normed weight (weight_orig/_u/_v), half floats, a batch-norm counter and the
stitching module's three groups, written without PyTorch. Each seed's first byte picks the
network (0 appearance, 4 stitching), as the target reads it. Run from fuzz/."""
import collections, io, json, os, pickle, struct, sys, types, zipfile

def safetensors(tensors, path):
    # tensors: name -> (dtype, shape, bytes)
    header, data = {}, b''
    for name, (dt, shape, raw) in tensors.items():
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + data)

f32 = lambda *v: struct.pack('<%df' % len(v), *v)
sn = {
    "conv.weight_orig": ("F32", [2, 2], f32(1, 2, 3, 4)),
    "conv.weight_u": ("F32", [2], f32(0.6, 0.8)),
    "conv.weight_v": ("F32", [2], f32(0.8, 0.6)),
    "conv.bias": ("F16", [2], struct.pack('<2e', 0.5, -0.5)),
    "bn.num_batches_tracked": ("I64", [], struct.pack('<q', 7)),
}
safetensors(sn, 'spectral.safetensors')
safetensors({"retarget_shoulder_module.mlp.0.weight": ("BF16", [1, 2], b'\x80\x3f\x00\x40'),
             "retarget_eye.mlp.0.bias": ("F64", [1], struct.pack('<d', 1.0))}, 'stitching.safetensors')

# A PyTorch zip checkpoint without PyTorch: the pickle names torch's rebuild function and
# storage class, and each storage is a file in the zip.
torch = types.ModuleType('torch'); utils = types.ModuleType('torch._utils')
sys.modules['torch'] = torch; sys.modules['torch._utils'] = utils
def _rebuild_tensor_v2(*a): pass
_rebuild_tensor_v2.__module__ = 'torch._utils'; utils._rebuild_tensor_v2 = _rebuild_tensor_v2
class FloatStorage: pass
FloatStorage.__module__ = 'torch'; FloatStorage.__qualname__ = 'FloatStorage'; torch.FloatStorage = FloatStorage
class Storage:
    def __init__(self, key, n): self.key, self.n = key, n
class T:
    def __init__(self, key, shape, values): self.key, self.shape, self.values = key, shape, values
    def __reduce__(self):
        stride, s = [], 1
        for d in reversed(self.shape): stride.insert(0, s); s *= d
        return (_rebuild_tensor_v2, (Storage(self.key, len(self.values)), 0, tuple(self.shape), tuple(stride), False, collections.OrderedDict()))
class P(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ('storage', FloatStorage, obj.key, 'cpu', obj.n)
        return None
def pth(obj, tensors, path):
    buf = io.BytesIO(); P(buf, protocol=2).dump(obj)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', buf.getvalue())
        for t in tensors:
            z.writestr('archive/data/' + t.key, f32(*t.values))
        z.writestr('archive/version', '3\n')
a = T('0', [2, 2], [1, 2, 3, 4]); u = T('1', [2], [0.6, 0.8]); v = T('2', [2], [0.8, 0.6]); b = T('3', [2], [0.5, -0.5])
pth(collections.OrderedDict([('conv.weight_orig', a), ('conv.weight_u', u), ('conv.weight_v', v), ('module.conv.bias', b)]), [a, u, v, b], 'spectral.pth')
w = T('0', [1, 2], [1, 2]); e = T('1', [1], [3])
pth({'retarget_shoulder': {'module.mlp.0.weight': w}, 'retarget_mouth': {'mlp.0.weight': w}, 'retarget_eye': {'mlp.0.bias': e}}, [w, e], 'stitching.pth')

for name, pick in [('spectral.safetensors', 0), ('spectral.pth', 0), ('stitching.safetensors', 4), ('stitching.pth', 4)]:
    data = open(name, 'rb').read()
    os.remove(name)
    out = ('appearance_' if pick == 0 else '') + name
    open(os.path.join('corpus', 'checkpoint', out), 'wb').write(bytes([pick]) + data)
