#!/usr/bin/env bash
# Vivant with CUDA compiled in and loaded at run time: one Linux binary that starts anywhere
# (on the CPU, with one note, where there is no NVIDIA driver) and runs the neural engine on
# the GPU where the driver and CUDA 13's cuBLAS and cuRAND are. What `make installers` packs.
#
# - The toolkit (nvcc, headers) comes from NVIDIA's PyPI wheels, pinned to CUDA 13.0, into
#   out/cuda-toolkit: it is used at build time only (candle's kernels are compiled to PTX,
#   which the binary carries as text and the driver compiles for the GPU it finds).
# - candle-core and candle-kernels are built from patched copies (patches/README.md): cudarc
#   opens libcuda, cuBLAS and cuRAND with dlopen instead of linking them, and no CUDA runtime
#   is linked. The copies are made from cargo's own download of the crates into
#   target/cuda-patches and used through `--config patch…`; Cargo.lock is resolved again
#   without them afterwards, so it stays as committed.
# - Everything is built in target/cuda (its own target folder: the CPU-only builds are
#   untouched), e.g. target/cuda/release/vivant.
#
# Usage: tools/cuda-build.sh [CARGO-COMMAND ARGS…]   (default: build --release)
#   tools/cuda-build.sh build --release
#   tools/cuda-build.sh test --release --no-run --test liveportrait
# CUDA_COMPUTE_CAP: the PTX's compute capability, default 80 (Ampere: the driver JIT-compiles
# it for every later GPU too, RTX 30/40/50, A100, H100, and bf16 needs 8.0).
# CUDA_TOOLKIT_DIR: where the wheels are unpacked (default out/cuda-toolkit).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build --release
root=${CUDA_TOOLKIT_DIR:-out/cuda-toolkit}
wheels=(nvidia-cuda-nvcc==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88
  nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85)
if [ ! -x "$root/cuda/bin/nvcc" ]; then
  mkdir -p "$root/wheels" "$root/site"
  python3 -m pip download --no-deps -q -d "$root/wheels" "${wheels[@]}"
  for w in "${wheels[@]}"; do
    f=$(ls "$root"/wheels/"$(echo "${w%%==*}" | tr - _)"-"${w##*==}"-*.whl)
    python3 -m zipfile -e "$f" "$root/site"
  done
  s="$(cd "$root/site/nvidia/cu13" && pwd)"
  mkdir -p "$root/cuda"
  ln -sfn "$s/bin" "$root/cuda/bin"
  ln -sfn "$s/include" "$root/cuda/include"
  ln -sfn "$s/nvvm" "$root/cuda/nvvm"
  ln -sfn "$s/lib" "$root/cuda/lib64"
  chmod +x "$s"/bin/* "$s"/nvvm/bin/* 2>/dev/null || true
fi
cuda="$(cd "$root/cuda" && pwd)"

# The patched crates, made again whenever a patch changes.
cargo fetch --quiet
patched=target/cuda-patches
config=()
for crate in candle-core candle-kernels; do
  version=$(sed -n "/^name = \"$crate\"$/{n;s/^version = \"\(.*\)\"/\1/p}" Cargo.lock)
  diff=patches/$crate-$version.diff
  [ -f "$diff" ] || { echo "no $diff for $crate $version (Cargo.lock): update patches/" >&2; exit 1; }
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate-$version" | head -1)
  dest=$patched/$crate-$version
  stamp=$(sha256sum "$diff" | cut -c1-16)
  if [ "$(cat "$dest/.vivant-patch" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$dest" && mkdir -p "$patched" && cp -r "$src" "$dest"
    patch --quiet -p1 -d "$dest" < "$diff"
    echo "$stamp" > "$dest/.vivant-patch"
  fi
  config+=(--config "patch.crates-io.$crate.path=\"$PWD/$dest\"")
done

# The patches change Cargo.lock's entries for the two crates while cargo runs; resolving
# again without them afterwards puts those entries back (and nothing else).
trap 'cargo metadata --offline --format-version 1 >/dev/null 2>&1 || true' EXIT
export CUDA_ROOT="$cuda" CUDA_PATH="$cuda" CUDA_HOME="$cuda" PATH="$cuda/bin:$PATH"
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-80} CUDARC_CUDA_VERSION=13000
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/cuda}
cmd=$1
shift
cargo "$cmd" "${config[@]}" --features cuda "$@"
