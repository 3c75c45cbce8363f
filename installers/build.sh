#!/usr/bin/env bash
# `make installers`: the .deb (cargo-deb) and the AppImage (FFmpeg and what it links carried
# inside) from the release binary built with CUDA (tools/cuda-build.sh: target/cuda), into
# target/installers/. Linux only; macOS and Windows are configured in installers/packager.toml
# (see README: untested). VIVANT_TARGET_DIR=target packs a CPU-only `cargo build --release`
# instead.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/installers
mkdir -p "$out"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
target_dir=${VIVANT_TARGET_DIR:-target/cuda}
bin=$target_dir/release/vivant
test -x "$bin" || { echo "build first: tools/cuda-build.sh build --release" >&2; exit 1; }
# One binary for everyone: CUDA inside, loaded at run time, no NVIDIA library linked (the
# packages must start where there is no NVIDIA driver).
if [ -z "${VIVANT_TARGET_DIR:-}" ] && ! "$bin" devices --json | grep -A1 '"backend": "cuda"' | grep -q '"compiled": true'; then
  echo "$bin has no CUDA built in: build it with tools/cuda-build.sh build --release" >&2
  exit 1
fi
if readelf -d "$bin" | grep -E 'NEEDED.*lib(cuda|cudart|cublas|cublasLt|curand|nvrtc)[.]'; then
  echo "$bin links NVIDIA libraries: it would not start without the driver (patches/README.md)" >&2
  exit 1
fi

# --- .deb ---------------------------------------------------------------------------------
command -v cargo-deb >/dev/null || cargo install --locked cargo-deb --version 3.8.0
# cargo-deb finds "target/release/vivant" (Cargo.toml's assets) in CARGO_TARGET_DIR.
CARGO_TARGET_DIR=$target_dir cargo deb --no-build --output "$out/vivant_${version}_amd64.deb"

# --- AppImage -----------------------------------------------------------------------------
appdir=$out/Vivant.AppDir
rm -rf "$appdir"
mkdir -p "$appdir/usr/bin" "$appdir/usr/lib" "$appdir/usr/share/doc/vivant" \
  "$appdir/usr/share/vivant/demo" "$appdir/usr/share/applications" "$appdir/usr/share/mime/packages"
cp "$bin" "$appdir/usr/bin/vivant"
strip "$appdir/usr/bin/vivant"
# Every library the binary links, FFmpeg's whole tree included, except what must come from
# the machine it runs on: the C library and loader, the C++ runtime, the display stack (X11,
# xcb, Wayland, GL, Vulkan, DRM), sound (ALSA) and the system's own services (udev, systemd,
# D-Bus), fonts (fontconfig, FreeType, HarfBuzz). That is the AppImage project's exclude list
# in spirit: those must match the machine's drivers and configuration.
exclude='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv|libutil|libmvec|libgcc_s|libstdc\+\+|libGL|libGLX|libGLdispatch|libEGL|libOpenGL|libvulkan|libdrm|libgbm|libasound|libX|libxcb|libxkbcommon|libwayland|libdecor|libudev|libsystemd|libdbus|libfontconfig|libfreetype|libharfbuzz|libexpat)[.-]'
: > "$appdir/usr/share/doc/vivant/bundled-libraries.txt"
ldd "$bin" | awk '/=> \// {print $1, $3}' | while read -r name path; do
  if [[ ! $name =~ $exclude ]]; then
    cp -L "$path" "$appdir/usr/lib/$name"
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1 | head -1 || true)
    ver=$( [ -n "$pkg" ] && dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
    echo "$name ${pkg:-?} ${ver:-?}" >> "$appdir/usr/share/doc/vivant/bundled-libraries.txt"
  fi
done
cat > "$appdir/AppRun" <<'RUN'
#!/bin/sh
# The bundled libraries first; with no arguments (a double-click), the studio.
HERE="$(dirname "$(readlink -f "$0")")"
export LD_LIBRARY_PATH="$HERE/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ $# -eq 0 ] && set -- studio
exec "$HERE/usr/bin/vivant" "$@"
RUN
chmod 755 "$appdir/AppRun"
cp installers/linux/vivant.desktop "$appdir/vivant.desktop"
cp installers/linux/vivant.desktop "$appdir/usr/share/applications/"
cp installers/linux/vivant-mime.xml "$appdir/usr/share/mime/packages/vivant.xml"
cp installers/icons/vivant-256.png "$appdir/vivant.png"
cp installers/icons/vivant-256.png "$appdir/.DirIcon"
for s in 16 24 32 48 64 128 256 512; do
  mkdir -p "$appdir/usr/share/icons/hicolor/${s}x${s}/apps"
  cp "installers/icons/vivant-$s.png" "$appdir/usr/share/icons/hicolor/${s}x${s}/apps/vivant.png"
done
cp assets/demo.vivant assets/mona_lisa.jpg assets/driving_webcam_20s.mp4 \
  assets/speech_librivox_20s.wav assets/README.md "$appdir/usr/share/vivant/demo/"
cp installers/linux/copyright README.md "$appdir/usr/share/doc/vivant/"
cp models/README.md "$appdir/usr/share/doc/vivant/models.md"
command -v mksquashfs >/dev/null || tools/setup-deps.sh --installers
cargo build --release --quiet --locked --manifest-path installers/appimage/Cargo.toml \
  --target-dir target/appimage-tool
image=$out/Vivant-${version}-x86_64.AppImage
rm -f "$image"
target/appimage-tool/release/vivant-appimage "$appdir" "$image"
echo
echo "built:"
ls -l "$out"/*.deb "$image"
echo "AppImage carries $(wc -l < "$appdir/usr/share/doc/vivant/bundled-libraries.txt") libraries ($(du -sh "$appdir/usr/lib" | cut -f1) unpacked)"
