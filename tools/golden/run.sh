#!/usr/bin/env bash
# Regenerate tests/fixtures/golden/ from the reference runtimes (needs python3, pip, node, npm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet ai-edge-litert==2.3.0 numpy pillow safetensors
"$work/venv/bin/pip" download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --implementation cp --platform manylinux_2_17_x86_64 -d "$work/wheel" mediapipe==0.10.14
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund \
  @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0)
"$work/venv/bin/python" "$here/make_golden.py" "$work"/wheel/mediapipe-*.whl \
  "$work/node_modules/@vladmandic/face-api/model" "$work/node_modules"
