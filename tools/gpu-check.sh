#!/usr/bin/env bash
# The GPU checks in one script: the parity test on CUDA, the networks' timings on CUDA, and a
# 10-s end-to-end render, with the figures written to one file. Two halves:
#
#   tools/gpu-check.sh prepare   here, on a machine without a GPU: builds with CUDA
#                                (tools/cuda-build.sh, ~25 min clean on 2 cores) the release
#                                binary and the parity test, and packs them into
#                                .gpu-check/bundle.tar.xz with what they need and the GPU
#                                machine lacks: FFmpeg's own libraries and x264 (for the
#                                render), and stand-ins for the other libraries FFmpeg links
#                                (tools/gpu-check/stand-in-libs.py: the whole of FFmpeg's tree
#                                is 74 MB packed, over the 64 MiB that travels).
#   tools/gpu-check.sh run       on the GPU machine (no network, no package registry):
#                                unpacks, then runs the checks below and writes the figures
#                                to $OUT/gpu-check.txt and $OUT/gpu-check.json (else
#                                .gpu-check/results/).
#   tools/gpu-check.sh dry-run   here: `run` on this machine; without a GPU each CUDA step
#                                must fail with the reason `vivant devices` gives, and the
#                                CPU steps run (0.4 s of the render, with the golden weights).
#
# The checks: nvidia-smi; `vivant devices --json`; the parity test
# (`every_golden_tensor_matches…`, every CPU path and VIVANT_TEST_DEVICE=cuda); `vivant models
# bench --device cuda --json` (and with --precision f16 where the build has it); a 10-s render
# of the Mona Lisa driven by the bundled clip with LivePortrait's full-size networks (random
# weights made there with numpy: tools/gpu-check/random-weights.py), timed.
#
# With the device tool, from the repository's root here:
#   echo /.gpu-check/ >> .git/info/exclude; tools/gpu-check.sh prepare
#   run(command="tools/gpu-check.sh run", carry=[".gpu-check"], timeout_s=540)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=.gpu-check
what=${1:-}

# Libraries the GPU machine has (glibc, the C++ runtime), and those carried as they are:
# FFmpeg's own, x264 (the MP4's video), zlib, and libgme, whose format probe FFmpeg runs on
# every file it opens (a stand-in's null answer would crash it).
system='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv|libutil|libmvec|libgcc_s|libstdc\+\+)[.-]'
carried='^(libavcodec|libavformat|libavutil|libswscale|libswresample|libavdevice|libx264|libz|libgme)\.so'
parity_test=every_golden_tensor_matches_from_pth_and_safetensors_and_on_every_path

prepare() {
  tools/cuda-build.sh build --release
  local json test_bin
  json=$(tools/cuda-build.sh test --release --no-run --test liveportrait --message-format=json)
  test_bin=$(echo "$json" | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "liveportrait":
        print(m["executable"])')
  [ -x "$test_bin" ] || { echo "no parity test binary" >&2; exit 1; }
  local stage=target/gpu-check-stage
  rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
  cp target/cuda/release/vivant "$stage/bin/vivant"
  cp "$test_bin" "$stage/bin/liveportrait-test"
  strip "$stage"/bin/*
  local stand=()
  while read -r name path; do
    if [[ $name =~ $system ]]; then continue; fi
    if [[ $name =~ $carried ]]; then cp -L "$path" "$stage/lib/$name"; else stand+=("$path"); fi
  done < <(ldd "$stage/bin/vivant" | awk '/=> \// {print $1, $3}')
  python3 tools/gpu-check/stand-in-libs.py "$stage/lib" "${stand[@]}" >"$stage/stand-ins.txt"
  echo "carried: $(ls "$stage/lib" | grep -cE "$carried") libraries as they are, $(wc -l <"$stage/stand-ins.txt") stand-ins"
  git rev-parse HEAD >"$stage/commit" 2>/dev/null || true
  mkdir -p "$dir"
  tar -C "$stage" -cf - . | xz -T0 -6 >"$dir/bundle.tar.xz"
  rm -rf "$stage"
  echo "$dir/bundle.tar.xz: $(du -h "$dir/bundle.tar.xz" | cut -f1) (at most 64 MiB travel)"
}

calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
json_text() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&"/'; }

run_checks() {
  local dry=$1
  local out=${OUT:-$repo/$dir/results}
  mkdir -p "$out"
  local txt=$out/gpu-check.txt json=$out/gpu-check.json
  : >"$txt"
  : >"$json"
  say() { echo "$*" | tee -a "$txt"; }
  record() { echo "$1" >>"$json"; }
  local b=/tmp/vivant-gpu-check
  rm -rf "$b" && mkdir -p "$b"
  xz -dc "$dir/bundle.tar.xz" | tar -C "$b" -xf -
  export LD_LIBRARY_PATH="$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # The toolkit's cuBLAS and cuRAND where the GPU machine has them (Vivant also looks in
  # /usr/local/cuda and CUDA_HOME itself).
  [ -d /usr/local/cuda/lib64 ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/usr/local/cuda/lib64"
  local v=$b/bin/vivant
  say "== Vivant GPU check, $(date -u +%FT%TZ), commit $(cat "$b/commit" 2>/dev/null || echo '?')"
  say "machine: $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  if command -v nvidia-smi >/dev/null; then
    say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
  else
    say "GPU: no nvidia-smi here"
  fi
  "$v" --version | tee -a "$txt"
  local devices cuda_ok
  devices=$("$v" devices --json | tr -d '\n')
  record "{\"devices\": $devices}"
  "$v" devices | tee -a "$txt"
  cuda_ok=$("$v" devices --json | grep -A2 '"backend": "cuda"' | grep -c '"available": true' || true)
  if [ "$cuda_ok" != 1 ] && [ "$dry" != 1 ]; then
    say "CUDA is not usable here: stopping (the reason is above)"
    exit 1
  fi
  local golden=$repo/tests/fixtures/liveportrait
  local t0 t1 status

  say ""
  say "== parity with the reference (golden set), every CPU path$([ "$cuda_ok" = 1 ] && echo ' and CUDA')"
  t0=$(date +%s.%N)
  status=0
  if [ "$cuda_ok" = 1 ]; then
    VIVANT_TEST_DEVICE=cuda VIVANT_LIVEPORTRAIT_GOLDEN=$golden \
      "$b/bin/liveportrait-test" --exact "$parity_test" --nocapture >"$out/parity.log" 2>&1 || status=$?
  else
    VIVANT_LIVEPORTRAIT_GOLDEN=$golden \
      "$b/bin/liveportrait-test" --exact "$parity_test" >"$out/parity.log" 2>&1 || status=$?
    # And CUDA named where it is not: the test must fail saying why, not crash.
    if VIVANT_TEST_DEVICE=cuda VIVANT_LIVEPORTRAIT_GOLDEN=$golden \
      "$b/bin/liveportrait-test" --exact "$parity_test" >"$out/parity-cuda.log" 2>&1; then
      say "the parity test passed on CUDA where CUDA is not usable?"
      status=1
    elif ! grep -q "Unavailable { backend: Cuda" "$out/parity-cuda.log"; then
      say "the parity test on CUDA failed without saying why:"
      tail -5 "$out/parity-cuda.log" | tee -a "$txt"
      status=1
    else
      say "with VIVANT_TEST_DEVICE=cuda it stops saying: $(grep -o 'Unavailable { backend: Cuda[^}]*}' "$out/parity-cuda.log" | head -1)"
    fi
  fi
  t1=$(date +%s.%N)
  say "parity: $([ $status = 0 ] && echo passed || echo FAILED) in $(calc "$t1 - $t0") s ($(grep -o 'test result.*' "$out/parity.log" | head -1))"
  record "{\"parity\": {\"passed\": $([ $status = 0 ] && echo true || echo false), \"cuda\": $([ "$cuda_ok" = 1 ] && echo true || echo false)}}"
  [ $status = 0 ] || tail -20 "$out/parity.log" | tee -a "$txt"

  say ""
  say "== the networks' timings (vivant models bench, random full-size weights)"
  if "$v" models --help | grep -q ' bench'; then
    local precisions=(f32)
    "$v" models bench --help | grep -q -- '--precision' && precisions+=(f16 bf16)
    # CUDA in each precision; the CPU too where it has the cores to say something (16 on the
    # GPU machine), never in a dry run (minutes on 2 cores; CUDA's refusal is the point there).
    local runs=() p line
    for p in "${precisions[@]}"; do runs+=("cuda $p"); done
    [ "$dry" = 1 ] || [ "$(nproc)" -lt 8 ] || runs+=("cpu f32")
    for r in "${runs[@]}"; do
      set -- $r
      local args=(models bench --device "$1" --json)
      [ "$2" = f32 ] || args+=(--precision "$2")
      if line=$("$v" "${args[@]}" 2>"$out/bench-$1-$2.log"); then
        say "bench $1 $2: $line"
        record "{\"bench\": {\"device\": \"$1\", \"precision\": \"$2\", \"report\": $line}}"
      else
        say "bench $1 $2: failed: $(tail -1 "$out/bench-$1-$2.log")"
        record "{\"bench\": {\"device\": \"$1\", \"precision\": \"$2\", \"error\": $(tail -1 "$out/bench-$1-$2.log" | json_text)}}"
        [ "$dry" = 1 ] || exit 1
      fi
    done
  else
    say "this build has no \`vivant models bench\` yet"
    record '{"bench": null}'
  fi

  say ""
  local seconds=10 weights device=cuda
  if [ "$cuda_ok" = 1 ]; then
    say "== a ${seconds}-s render with the full-size networks on CUDA (random weights)"
    weights=/tmp/vivant-lp-random
    python3 tools/gpu-check/random-weights.py "$weights" | tee -a "$txt"
  else
    seconds=0.4
    weights=$golden/safetensors
    device=auto
    say "== a ${seconds}-s render on the CPU with the golden weights (no GPU here)"
  fi
  local mp4=/tmp/vivant-gpu-check.mp4
  rm -f "$mp4"
  t0=$(date +%s.%N)
  status=0
  XDG_CONFIG_HOME=/tmp/vivant-gpu-check-config "$v" render --source assets/mona_lisa.jpg \
    --driving assets/driving_webcam_20s.mp4 --end "$seconds" --engine neural \
    --weights "$weights" --device "$device" --no-cache -o "$mp4" >"$out/render.log" 2>&1 || status=$?
  t1=$(date +%s.%N)
  local wall frames
  wall=$(calc "$t1 - $t0")
  frames=$(grep -o 'wrote [^:]*: [0-9]* frames' "$out/render.log" | grep -o '[0-9]* frames' | cut -d' ' -f1 || true)
  if [ $status = 0 ] && [ -n "$frames" ]; then
    say "render: $frames frames ($seconds s of the clip, the portrait 743×1155, the networks' crop 512²) in $wall s: $(calc "$frames / $wall") frames/s end to end, tracking and encoding included"
    grep -E '^note:' "$out/render.log" | tee -a "$txt" || true
    record "{\"render\": {\"device\": \"$device\", \"seconds\": $seconds, \"frames\": $frames, \"wall_s\": $wall}}"
  else
    say "render: FAILED ($status):"
    tail -5 "$out/render.log" | tee -a "$txt"
    record "{\"render\": {\"device\": \"$device\", \"failed\": $status}}"
    exit 1
  fi
  say ""
  say "figures in $txt and $json"
}

case "$what" in
  prepare) prepare ;;
  run) run_checks 0 ;;
  dry-run) run_checks 1 ;;
  *) sed -n '2,29p' "$0"; exit 2 ;;
esac
