#!/usr/bin/env bash
# Vivant's neural-engine networks against the reference under PyTorch, side by side on this
# machine: the way docs/PERFORMANCE.md's speed figures are measured.
#
# Usage: tools/liveportrait-side-by-side.sh LIVEPORTRAIT_CHECKOUT [ROUNDS]
#   LIVEPORTRAIT_CHECKOUT: a folder holding the reference's src/ (KwaiVGI/LivePortrait; the
#   figures in docs/ used commit 1986663).
#   ROUNDS (default 3): each round runs PyTorch, then Vivant with the best kernels, then Vivant
#   forced to AVX2 (VIVANT_CPU=avx2), 2 threads each, every network best of 2 after a warm-up;
#   the table keeps each one's best round, so a busy moment on a shared machine costs a round,
#   not the comparison.
# Sets up PyTorch (the PyPI wheel) in out/peer-venv on first use. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:?give the folder that holds the src/ of a KwaiVGI/LivePortrait checkout}
rounds=${2:-3}
test -d "$ref/src/modules" || { echo "no src/modules in $ref" >&2; exit 2; }
venv=out/peer-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, yaml, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch numpy pyyaml
fi
cargo build --release --quiet
bin=target/release/vivant
log=out/side-by-side.jsonl
mkdir -p out
: > "$log"
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  "$venv/bin/python" tools/peer/liveportrait_torch.py "$ref" --threads 2 --runs 2 |
    tail -1 | sed 's/^{/{"who": "pytorch", /' >> "$log"
  "$bin" models bench --threads 2 --runs 2 --json | sed 's/^{/{"who": "vivant", /' >> "$log"
  VIVANT_CPU=avx2 "$bin" models bench --threads 2 --runs 2 --json |
    sed 's/^{/{"who": "vivant-avx2", /' >> "$log"
done
python3 - "$log" <<'PY'
import json, sys
best = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = best.setdefault(r["who"], dict(r))
    for k in ("F", "M", "W", "G"):
        b[k] = min(b[k], r[k])
for b in best.values():
    b["frame"] = b["M"] + b["W"] + b["G"]
    b["peak"] = b.get("peak_memory_mb")
pt = best["pytorch"]
print(f"PyTorch {pt.get('torch', '?')}, 2 threads; Vivant `vivant models bench --threads 2`; best of {sum(1 for _ in open(sys.argv[1])) // 3} rounds, seconds")
print()
print("| network | PyTorch | Vivant | × PyTorch | Vivant, AVX2 | × PyTorch |")
print("|---|---|---|---|---|---|")
for k, name in (("F", "F appearance (per portrait)"), ("M", "M motion (per driving frame)"),
                ("W", "W warping (per output frame)"), ("G", "G generator (per output frame)"),
                ("frame", "**per output frame (M + W + G)**")):
    v, a = best["vivant"][k], best["vivant-avx2"][k]
    print(f"| {name} | {pt[k]:.3f} | {v:.3f} | {v / pt[k]:.2f} | {a:.3f} | {a / pt[k]:.2f} |")
v, a = best["vivant"], best["vivant-avx2"]
print()
print(f"Vivant's kernels: {v['kernels']}; AVX2 run: {a['kernels']}. "
      f"Peak memory: Vivant {v['peak'] / 1024:.2f} GB, AVX2 {a['peak'] / 1024:.2f} GB.")
PY
