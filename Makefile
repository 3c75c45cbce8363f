# Vivant — every entry point sets up what it needs first (system packages via apt-get).
SHELL := /bin/bash
CARGO ?= cargo
OUT := out

.PHONY: studio screenshot demo demo-neural test deps test-deps build bench models golden clean \
	installers check-installers fuzz mouths

## The studio window on the bundled demo project (Mona Lisa + the bundled clip) on a first
## launch; afterwards, the last project.
studio:
	@tools/setup-deps.sh --studio
	$(CARGO) build --release
	./target/release/vivant studio

## A screenshot of the real studio window under Xvfb, to docs/studio.jpg.
screenshot:
	@tools/setup-deps.sh --screenshot
	$(CARGO) build --release
	tools/studio-screenshot.sh docs/studio.jpg

## The headless main job on the bundled example: the Mona Lisa reads a bundled public-domain
## recording (lips from the voice, idle head motion, blinks) to out/demo.mp4; the same reading
## with the bundled webcam clip driving her head and eyes to out/demo_driven.mp4; and her
## landmarks.
demo: deps
	$(CARGO) build --release
	@mkdir -p $(OUT)
	./target/release/vivant landmarks assets/mona_lisa.jpg \
		--json $(OUT)/demo_landmarks.json --overlay $(OUT)/demo_landmarks.png --mesh
	./target/release/vivant render --source assets/mona_lisa.jpg \
		--audio assets/speech_librivox_20s.wav -o $(OUT)/demo.mp4
	./target/release/vivant render --source assets/mona_lisa.jpg \
		--driving assets/driving_webcam_20s.mp4 --audio assets/speech_librivox_20s.wav \
		--lips-from-audio -o $(OUT)/demo_driven.mp4
	@echo "wrote $(OUT)/demo.mp4, $(OUT)/demo_driven.mp4, $(OUT)/demo_landmarks.json and $(OUT)/demo_landmarks.png"

## The same two renders with the neural engine, from the LivePortrait weights in WEIGHTS (a
## folder you downloaded; Vivant never does): make demo-neural WEIGHTS=~/liveportrait.
## DEVICE=cpu, cuda or metal chooses where the networks run (default auto: a GPU built in and
## usable here, else the CPU; tools/cuda-build.sh builds CUDA in, into target/cuda).
demo-neural: deps
	@test -n "$(WEIGHTS)" || { echo "give the weights folder: make demo-neural WEIGHTS=DIR (see README, neural engine)"; exit 2; }
	$(CARGO) build --release
	@mkdir -p $(OUT)
	./target/release/vivant render --source assets/mona_lisa.jpg --engine neural \
		--weights "$(WEIGHTS)" --device $(or $(DEVICE),auto) \
		--audio assets/speech_librivox_20s.wav -o $(OUT)/demo_neural.mp4
	./target/release/vivant render --source assets/mona_lisa.jpg --engine neural \
		--weights "$(WEIGHTS)" --device $(or $(DEVICE),auto) \
		--driving assets/driving_webcam_20s.mp4 --audio assets/speech_librivox_20s.wav \
		--lips-from-audio -o $(OUT)/demo_neural_driven.mp4
	@echo "wrote $(OUT)/demo_neural.mp4 and $(OUT)/demo_neural_driven.mp4"

## Everything CI runs: formatting, lints, all tests. Vivant's own crates compile without
## incremental state here (`make test CARGO_INCREMENTAL=1` to keep it): from a clean clone it is
## pure overhead, twice the compile time of the library (docs/PERFORMANCE.md, test suite).
test: export CARGO_INCREMENTAL ?= 0
test: test-deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) test --benches   # each benchmark once, as a smoke test
	$(CARGO) test --lib --bins --tests

## Fuzz what a user's files reach (fuzz/, docs/FUZZING.md): the project loader, the image front
## end, the motion cache reader, the weights' config.json and checkpoint headers, and verify.
## Each target runs FUZZ_SECONDS (default 600) in turn on the nightly toolchain, starting from
## its seeds in fuzz/corpus/ (kept small, in the repo) and growing a scratch corpus in
## fuzz/work/ (ignored); a panic, a hang (over FUZZ_TIMEOUT s) or more than FUZZ_RSS_MB of
## memory stops it with the input in fuzz/artifacts/. Not part of `make test`.
FUZZ_SECONDS ?= 600
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
FUZZ_TARGETS := project image motion_cache neural_config checkpoint verify
fuzz: deps
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	cd fuzz && $(CARGO) +nightly fuzz build -s none
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		mkdir -p fuzz/work/$$t; \
		(cd fuzz && $(CARGO) +nightly fuzz run -s none $$t work/$$t corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
			-rss_limit_mb=$(FUZZ_RSS_MB) -malloc_limit_mb=$(FUZZ_RSS_MB) -print_final_stats=1); \
	done

deps:
	@tools/setup-deps.sh

test-deps:
	@tools/setup-deps.sh --test

build: deps
	$(CARGO) build --release

## Benchmarks (criterion): face stage and video decoding; numbers go to docs/PERFORMANCE.md.
bench: deps
	$(CARGO) bench

## Re-convert the bundled networks from their registry packages (needs python3, pip, npm).
models:
	python3 -m venv $(OUT)/convert-venv
	$(OUT)/convert-venv/bin/pip install --quiet numpy tflite==2.18.0 safetensors
	$(OUT)/convert-venv/bin/python models/convert/convert.py

## Re-cut the warp engine's bundled mouths for voice renders (assets/mouths/) from the bundled
## webcam clip (assets/README.md).
mouths: deps
	$(CARGO) run --example mouths -- assets/driving_webcam_20s.mp4 assets/mouths
	sha256sum assets/mouths/mouths.png assets/mouths/mouths.json

## Regenerate the parity goldens with the reference runtimes (needs python3, pip, node, npm).
golden:
	tools/golden/run.sh

clean:
	$(CARGO) clean
	rm -rf $(OUT)

## The Linux installers in target/installers/: a .deb for Debian 12 / Ubuntu 22.04+ (the
## system's FFmpeg) and an AppImage that carries FFmpeg (installers/build.sh); both one binary
## with CUDA loaded at run time (tools/cuda-build.sh: the CUDA compiler from NVIDIA's PyPI
## wheels, candle patched as patches/README.md says; ~25 min clean on 2 cores).
installers:
	@tools/setup-deps.sh --installers
	tools/cuda-build.sh build --release
	installers/build.sh

## Install the .deb and run the AppImage in a throw-away Debian root without FFmpeg or an
## NVIDIA driver, and run each one's CLI (devices, a neural render on the CPU) and studio there
## (installers/check.sh; needs root, minutes, not in CI).
check-installers:
	@tools/setup-deps.sh --installers
	installers/check.sh
