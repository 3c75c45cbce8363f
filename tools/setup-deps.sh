#!/usr/bin/env bash
# Install the system packages Vivant needs, only those missing (safe to run again and again).
# Debian/Ubuntu: apt-get (through sudo when not root). Other systems: print what to install.
set -euo pipefail

build_pkgs=(pkg-config clang libclang-dev libavcodec-dev libavformat-dev libavutil-dev
  libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev libasound2-dev)
test_pkgs=(mesa-vulkan-drivers libvulkan1 ffmpeg openssl)
# The studio window: X11/Wayland client libraries winit opens at run time, a Vulkan or GL
# driver (Mesa's software ones where there is no GPU).
studio_pkgs=(libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libwayland-client0
  libwayland-cursor0 libwayland-egl1 libvulkan1 mesa-vulkan-drivers libgl1 libegl1)
# A screenshot of the real window without a display: Xvfb, xdotool to click, FFmpeg's x11grab.
screenshot_pkgs=(xvfb xauth xdotool ffmpeg)
# The installers: dpkg-shlibdeps (the .deb's library needs), mksquashfs (the AppImage), the
# CUDA build's recipe (pip for NVIDIA's compiler wheels, patch for candle's; tools/cuda-build.sh),
# and for checking them a throw-away Debian root (debootstrap) and the desktop tools.
installer_pkgs=(dpkg-dev squashfs-tools python3-pip patch debootstrap desktop-file-utils file
  xvfb xauth xdotool ffmpeg)

want=("${build_pkgs[@]}")
case "${1:-}" in
  --test) want+=("${test_pkgs[@]}") ;;
  --studio) want+=("${studio_pkgs[@]}") ;;
  --screenshot) want+=("${studio_pkgs[@]}" "${screenshot_pkgs[@]}") ;;
  --installers) want+=("${installer_pkgs[@]}") ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-deps: no apt-get here; install the equivalents of: ${want[*]} (see README.md)" >&2
else
  missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "setup-deps: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup-deps: Rust is missing: install it with rustup (https://rustup.rs), then re-run." >&2
  exit 1
fi
need="1.95"
have=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
  echo "setup-deps: Rust $have is older than $need: run 'rustup update'." >&2
  exit 1
fi
