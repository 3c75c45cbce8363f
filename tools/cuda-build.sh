#!/usr/bin/env bash
# Build Vivant with candle's CUDA back end on a machine without a GPU or a CUDA toolkit:
# the toolkit pieces come from NVIDIA's PyPI wheels (CUDA 13.0, for driver 580+), and a stub
# libcuda stands in for the driver at link time (the real one is loaded on the GPU machine).
# Usage: tools/cuda-build.sh [extra cargo args…]   (CUDA_COMPUTE_CAP defaults to 90: H100/H200)
# With a real CUDA toolkit installed, plain `cargo build --release --features cuda` is enough.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CUDA_TOOLKIT_DIR:-out/cuda-toolkit}
wheels=(nvidia-cuda-nvcc==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88
  nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85 nvidia-cublas==13.0.2.14
  nvidia-curand==10.4.0.35 nvidia-cuda-nvrtc==13.0.88)
if [ ! -x "$root/cuda/bin/nvcc" ]; then
  mkdir -p "$root/wheels" "$root/site"
  python3 -m pip download --no-deps -q -d "$root/wheels" "${wheels[@]}"
  for w in "$root"/wheels/*.whl; do python3 -m zipfile -e "$w" "$root/site"; done
  s="$(cd "$root/site/nvidia/cu13" && pwd)"
  mkdir -p "$root/cuda/lib64"
  ln -sfn "$s/bin" "$root/cuda/bin"
  ln -sfn "$s/include" "$root/cuda/include"
  ln -sfn "$s/nvvm" "$root/cuda/nvvm"
  chmod +x "$s"/bin/* "$s"/nvvm/bin/* 2>/dev/null || true
  for l in cudart cublas cublasLt curand nvrtc; do
    f=$(ls "$s/lib/lib$l.so."* | grep -v -e alt -e builtins | head -1)
    ln -sfn "$f" "$root/cuda/lib64/lib$l.so"
  done
  # libcuda: every driver entry point cudarc declares, as empty functions (link time only).
  cudarc=$(cargo metadata --format-version 1 --features cuda 2>/dev/null |
    python3 -c 'import json,sys; print([p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"]=="cudarc"][0])')
  grep -o "fn cu[A-Z][A-Za-z0-9_]*" "$(dirname "$cudarc")/src/driver/sys/mod.rs" | sort -u |
    sed 's/fn \(.*\)/void \1(void) {}/' > "$root/libcuda_stub.c"
  cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$root/cuda/lib64/libcuda.so" "$root/libcuda_stub.c"
fi
cuda="$(cd "$root/cuda" && pwd)"
export CUDA_ROOT="$cuda" CUDA_PATH="$cuda" CUDA_HOME="$cuda" PATH="$cuda/bin:$PATH"
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90} CUDARC_CUDA_VERSION=13000
export LIBRARY_PATH="$cuda/lib64${LIBRARY_PATH:+:$LIBRARY_PATH}"
export LD_LIBRARY_PATH="$(readlink -f "$cuda/lib64/libcudart.so" | xargs dirname)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cargo build --features cuda "$@"
