#!/usr/bin/env bash
# A second, independent reader of Vivant's Content Credentials: c2patool (the C2PA command-line
# tool, crates.io), installed here if missing. For a video Vivant wrote (or, with no argument,
# one rendered now from the demo files), it checks that c2patool and `vivant verify` agree:
# the generator is Vivant, the created action's IPTC source type, the ingredients, and the
# file valid (the only failure a self-issued signer may show is "signingCredential.untrusted");
# then one byte of the video's data is flipped and both must call the copy invalid.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v c2patool >/dev/null || cargo install --locked c2patool --version 0.27.22
vivant=${VIVANT:-target/release/vivant}
[ -x "$vivant" ] || cargo build --release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=${1:-}
if [ -z "$file" ]; then
  file=$work/demo.mp4
  "$vivant" render --source assets/mona_lisa.jpg --audio assets/speech_librivox_20s.wav \
    --end 2 --preset ultrafast -o "$file"
fi
c2patool "$file" > "$work/c2patool.json"
"$vivant" verify --json "$file" > "$work/vivant.json"
python3 - "$work/c2patool.json" "$work/vivant.json" <<'PY'
import json, sys
tool = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))
m = tool["manifests"][tool["active_manifest"]]
gen = m["claim_generator_info"][0]
assert gen["name"] == "Vivant", gen
assert ours["generator"] == f'{gen["name"]} {gen["version"]}', (ours["generator"], gen)
actions = next(a for a in m["assertions"] if a["label"].startswith("c2pa.actions"))
created = next(a for a in actions["data"]["actions"] if a["action"] == "c2pa.created")
assert created["digitalSourceType"] == ours["source_type"], (created, ours["source_type"])
titles = [i["title"] for i in m["ingredients"]]
assert titles == [i["title"] for i in ours["ingredients"]], (titles, ours["ingredients"])
failures = [s["code"] for s in tool.get("validation_status", [])
            if s["code"] != "signingCredential.untrusted"]
assert not failures and ours["valid"], (failures, ours["failures"])
print(f'c2patool and vivant verify agree: {gen["name"]} {gen["version"]}, '
      f'{created["digitalSourceType"].rsplit("/", 1)[-1]}, ingredients {titles}, valid')
PY
# One byte of the video's data flipped: both must call it invalid.
python3 - "$file" "$work/tampered.mp4" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"mdat") + 4000
data[at] ^= 1
open(sys.argv[2], "wb").write(data)
PY
c2patool "$work/tampered.mp4" > "$work/tampered.json" 2>&1 || true
python3 - "$work/tampered.json" <<'PY'
import json, sys
tool = json.load(open(sys.argv[1]))
codes = [s["code"] for s in tool.get("validation_status", [])]
bad = [c for c in codes if c != "signingCredential.untrusted"]
assert bad, codes
print(f"c2patool on the changed copy: {bad}")
PY
if "$vivant" verify "$work/tampered.mp4" > /dev/null 2>&1; then
  echo "vivant verify called the changed copy valid" >&2
  exit 1
fi
echo "vivant verify on the changed copy: invalid (exit 1)"
