#!/usr/bin/env bash
# Render the icon's PNG sizes (the hicolor sizes desktops ask for) from vivant.svg with
# rsvg-convert (Debian: librsvg2-bin). Run once after changing the SVG; the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")"
command -v rsvg-convert >/dev/null || {
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends librsvg2-bin
}
for s in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$s" -h "$s" vivant.svg -o "vivant-$s.png"
done
echo "rendered $(ls vivant-*.png | wc -l) sizes"
