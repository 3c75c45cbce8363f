#!/usr/bin/env bash
# Screenshot the real studio window on a virtual display: Xvfb, the release binary on the
# bundled demo project (software Vulkan), FFmpeg's x11grab once the preview is drawn.
set -euo pipefail
out=${1:-docs/studio.png}
wait_s=${WAIT_S:-60}
display=:${DISPLAY_NUM:-97}
state=$(mktemp -d)
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$state"' EXIT
sleep 1
# A fresh state folder: a first launch, so the demo project opens.
DISPLAY=$display XDG_STATE_HOME=$state WAYLAND_DISPLAY= \
  ./target/release/vivant studio --silent "${PROJECT:-assets/demo.vivant}" &
app=$!
sleep "$wait_s"
kill -0 $app  # still running: the window is up
ffmpeg -v error -y -f x11grab -video_size 1600x1000 -i "$display" -frames:v 1 "$out"
echo "wrote $out"
