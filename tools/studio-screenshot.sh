#!/usr/bin/env bash
# Screenshot the real studio window on a virtual display: Xvfb, the release binary on the
# bundled demo project (software Vulkan), a click on the timeline a third of the way in, then
# FFmpeg's x11grab of the window once that frame is drawn.
set -euo pipefail
out=${1:-docs/studio.jpg}
wait_s=${WAIT_S:-60}
display=:${DISPLAY_NUM:-97}
state=$(mktemp -d)
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=
trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$state"' EXIT
sleep 1
# A fresh state folder, so nothing is recovered or reopened.
DISPLAY=$display XDG_STATE_HOME=$state WAYLAND_DISPLAY='' \
  ./target/release/vivant studio --silent "${PROJECT:-assets/demo.vivant}" &
app=$!
sleep "$wait_s"
kill -0 "$app"  # still running: the window is up
# Scrub: press on the timeline's thumbnail strip, a third of the way along.
DISPLAY=$display xdotool mousemove 480 790 click 1 mousemove 1430 890
sleep 8
ffmpeg -v error -y -f x11grab -draw_mouse 0 -video_size 1440x900 -i "$display" -frames:v 1 "$out"
echo "wrote $out"
