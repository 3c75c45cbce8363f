#!/usr/bin/env bash
# `make check-installers`: the .deb and the AppImage from `make installers`, checked on a
# machine that has no FFmpeg and no NVIDIA driver: a throw-away Debian 12 root (debootstrap,
# minbase, kept in target/installers/check-root between runs) given only what any desktop has
# (the display stack, sound, fonts). There: the AppImage extracted and run (version, landmarks,
# a render that `vivant verify` validates, `vivant devices` saying CUDA is built in and why it
# cannot run, the neural engine rendering on the CPU with one note saying why, CUDA asked for
# by name refused with the reason, the studio under Xvfb, screenshot); then the .deb installed
# with apt (which brings Debian's FFmpeg) and run the same way, its desktop entry, project
# type and icons checked, and its studio opened on a picture as "Open with" does. Needs root
# (chroot) and a few minutes; not part of CI. Writes target/installers/check-*.jpg.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"
out=target/installers
deb=$(ls "$out"/vivant_*_amd64.deb 2>/dev/null | tail -1)
app=$(ls "$out"/Vivant-*-x86_64.AppImage 2>/dev/null | tail -1)
[ -n "$deb" ] && [ -n "$app" ] || { echo "run make installers first" >&2; exit 1; }
root=$out/check-root
display=:${DISPLAY_NUM:-98}
if [ ! -x "$root/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi

xvfb=
cleanup() {
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
  pkill -f "$root/opt/check" 2>/dev/null || true
  for m in tmp/.X11-unix dev/pts dev sys proc; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
}
trap cleanup EXIT
mkdir -p "$root/tmp/.X11-unix" /tmp/.X11-unix
chmod 1777 /tmp/.X11-unix
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() {
  chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    XDG_RUNTIME_DIR=/tmp "$@"
}
step() { echo; echo "== $*"; }
fail() { echo "check-installers: $*" >&2; exit 1; }
# The packaged binary VIVANT (a path in the root) without an NVIDIA driver: CUDA built in and
# unavailable, saying why; the neural engine (the golden set's small networks) rendering on
# the CPU with exactly one note saying why; CUDA asked for by name refused with the reason.
no_driver() {
  local vivant=$1 name=$2 demo=$3
  if in_root sh -c 'ldconfig -p | grep -q libcuda'; then fail "the check root has an NVIDIA driver; it must not"; fi
  local bin=$vivant
  [ "$name" = app ] && bin=/opt/check/squashfs-root/usr/bin/vivant
  readelf -d "$root$bin" | grep -q NEEDED || fail "$name: cannot read $bin's libraries"
  if readelf -d "$root$bin" | grep -Ei 'NEEDED.*(cuda|cublas|curand|nvrtc)'; then
    fail "$name links NVIDIA libraries"
  fi
  in_root "$vivant" devices | tee "$root/opt/check/$name-devices.txt"
  grep -q "^  CUDA   built in; no NVIDIA driver found (libcuda.so.1)" "$root/opt/check/$name-devices.txt" ||
    fail "$name: vivant devices does not say CUDA is built in and why it cannot run"
  rm -rf "$root/opt/check/weights"
  cp -r tests/fixtures/liveportrait/safetensors "$root/opt/check/weights"
  in_root "$vivant" render --source "$demo/mona_lisa.jpg" --driving "$demo/driving_webcam_20s.mp4" \
    --end 0.4 --preset ultrafast --engine neural --weights /opt/check/weights \
    -o "/opt/check/$name-neural.mp4" 2>"$root/opt/check/$name-neural.log" ||
    { cat "$root/opt/check/$name-neural.log"; fail "$name: the neural render failed"; }
  grep '^note:\|^wrote' "$root/opt/check/$name-neural.log"
  [ "$(grep -c '^note: the neural engine runs on the CPU (CUDA: no NVIDIA driver found' "$root/opt/check/$name-neural.log")" = 1 ] ||
    fail "$name: not exactly one note that the neural engine runs on the CPU"
  in_root "$vivant" verify "/opt/check/$name-neural.mp4" >/dev/null
  if in_root "$vivant" render --source "$demo/mona_lisa.jpg" --driving "$demo/driving_webcam_20s.mp4" \
    --end 0.4 --engine neural --weights /opt/check/weights --device cuda \
    -o "/opt/check/$name-cuda.mp4" 2>"$root/opt/check/$name-cuda.log"; then
    fail "$name: --device cuda rendered without a driver"
  fi
  grep -q "CUDA is not available here: no NVIDIA driver found" "$root/opt/check/$name-cuda.log" ||
    { cat "$root/opt/check/$name-cuda.log"; fail "$name: --device cuda did not say why it cannot run"; }
  echo "$name without an NVIDIA driver: CUDA built in and said unavailable, the neural engine on the CPU with one note, --device cuda refused with the reason: ok"
}

step "the machine: a desktop's libraries, no FFmpeg"
in_root apt-get remove -y -qq vivant >/dev/null 2>&1 || true
in_root apt-get autoremove -y -qq >/dev/null 2>&1 || true
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  libasound2 libgl1 libegl1 libvulkan1 mesa-vulkan-drivers libgbm1 libdrm2 \
  libx11-6 libx11-xcb1 libxcb1 libxcb-shm0 libxcb-shape0 libxcb-xfixes0 libxcb-dri3-0 \
  libxcb-render0 libxext6 libxv1 libxfixes3 libxcursor1 libxi6 libxrandr2 libxss1 \
  libxrender1 libxkbcommon0 libxkbcommon-x11-0 libwayland-client0 libwayland-cursor0 \
  libwayland-egl1 libwayland-server0 libdecor-0-0 libfontconfig1 libfreetype6 \
  libharfbuzz0b libudev1 libdbus-1-3 libexpat1 >/dev/null
if in_root sh -c 'ldconfig -p | grep -q libavcodec'; then
  echo "the check root has FFmpeg; it must not" >&2
  exit 1
fi
echo "no libavcodec in the root: ok"

Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
shot() { # shot NAME: the whole virtual screen to target/installers/check-NAME.jpg
  ffmpeg -v error -y -f x11grab -draw_mouse 0 -video_size 1440x900 -i "$display" \
    -frames:v 1 "$out/check-$1.jpg"
  echo "screenshot: $out/check-$1.jpg"
}

step "AppImage: $(basename "$app"), $(du -h "$app" | cut -f1)"
rm -rf "$root/opt/check"
mkdir -p "$root/opt/check"
cp "$app" "$root/opt/check/Vivant.AppImage"
in_root sh -c 'cd /opt/check && ./Vivant.AppImage --appimage-extract >/dev/null'
A=/opt/check/squashfs-root/AppRun
demo=/opt/check/squashfs-root/usr/share/vivant/demo
if in_root sh -c "LD_LIBRARY_PATH=/opt/check/squashfs-root/usr/lib ldd /opt/check/squashfs-root/usr/bin/vivant | grep 'not found'"; then
  echo "the AppImage misses libraries here" >&2
  exit 1
fi
in_root "$A" --version
in_root "$A" landmarks "$demo/mona_lisa.jpg" --json /opt/check/app-landmarks.json
in_root "$A" render --source "$demo/mona_lisa.jpg" --driving "$demo/driving_webcam_20s.mp4" \
  --audio "$demo/speech_librivox_20s.wav" --lips-from-audio --end 3 --preset ultrafast \
  -o /opt/check/app.mp4
in_root "$A" verify /opt/check/app.mp4
no_driver "$A" app "$demo"
in_root env DISPLAY="$display" WAYLAND_DISPLAY= XDG_STATE_HOME=/opt/check/state \
  "$A" studio --silent &
sleep "${WAIT_S:-60}"
shot appimage-studio
pkill -f /opt/check/squashfs-root/usr/bin/vivant || true
sleep 2

step "deb: $(basename "$deb"), $(du -h "$deb" | cut -f1)"
cp "$deb" "$root/opt/check/vivant.deb"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  /opt/check/vivant.deb shared-mime-info desktop-file-utils >/dev/null
in_root dpkg -s vivant | grep -E '^(Version|Installed-Size|Depends):'
in_root vivant --version
demo=/usr/share/vivant/demo
in_root vivant landmarks "$demo/mona_lisa.jpg" --json /opt/check/deb-landmarks.json
in_root vivant render --source "$demo/mona_lisa.jpg" --audio "$demo/speech_librivox_20s.wav" \
  --end 3 --preset ultrafast -o /opt/check/deb.mp4
in_root vivant verify /opt/check/deb.mp4
no_driver /usr/bin/vivant deb "$demo"
in_root desktop-file-validate /usr/share/applications/vivant.desktop
in_root grep -q 'application/x-vivant-project:\*\.vivant' /usr/share/mime/globs2
in_root grep -q 'application/x-vivant-project=vivant.desktop' /usr/share/applications/mimeinfo.cache
in_root grep -q 'image/jpeg=.*vivant.desktop' /usr/share/applications/mimeinfo.cache
test -f "$root/usr/share/icons/hicolor/256x256/apps/vivant.png"
echo "desktop entry, .vivant type, Open with for pictures, icons: ok"
# As the desktop's "Open with Vivant" runs it: the .desktop's Exec with a picture.
exec_line=$(sed -n 's/^Exec=//p' "$root/usr/share/applications/vivant.desktop")
in_root env DISPLAY="$display" WAYLAND_DISPLAY= XDG_STATE_HOME=/opt/check/deb-state \
  sh -c "${exec_line/\%F/$demo/mona_lisa.jpg} --silent" &
sleep "${WAIT_S:-60}"
shot deb-studio-open-with
pkill -f /usr/bin/vivant || true
in_root apt-get remove -y -qq vivant >/dev/null
echo
echo "installers checked: $(basename "$app") and $(basename "$deb")"
