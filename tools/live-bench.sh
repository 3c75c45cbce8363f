#!/usr/bin/env bash
# The live loop's benchmark (docs/PERFORMANCE.md, "Performing live"): a 640×480 30-fps camera
# (the bundled webcam clip through FFmpeg's lavfi, played in real time) driving a 1024×1024
# portrait, with `vivant perform` measuring inside the loop: frames shown per second and the
# camera-to-frame latency (median, 95th percentile). One JSON line per set-up.
#
#   tools/live-bench.sh [SECONDS]     (default 15; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
cargo build --release --quiet
bin=target/release/vivant
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The Mona Lisa's head and shoulders, square, at 1024².
ffmpeg -v error -y -i assets/mona_lisa.jpg -vf "crop=694:694:0:80,scale=1024:1024" "$work/portrait_1024.png"
camera="lavfi:movie=assets/driving_webcam_20s.mp4,scale=640:480,fps=30"
echo "# $(date -u +%F) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for setup in "cpu" "cpu --painted-mouth" "cpu --no-smoothing" "wgpu"; do
    # shellcheck disable=SC2086
    line="$("$bin" perform --source "$work/portrait_1024.png" --camera "$camera" \
        --seconds "$seconds" --json --backend $setup 2>/dev/null || echo '{"error": "failed"}')"
    echo "--backend $setup: $line"
done
