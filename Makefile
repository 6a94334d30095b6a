# The README's two commands are `make demo` and `make test`; both install what
# is missing first (`make setup`), which is idempotent and fast the second time.

VENV        := .venv
PYTHON      := $(VENV)/bin/python
TINYKIT     := $(VENV)/bin/tinykit
STAMP       := $(VENV)/.tinykit-installed
APT_STAMP   := $(VENV)/.apt-installed
# Host compiler, Cortex-M toolchain (with its C++ library, for the TF Lite
# Micro side-by-side benchmark), emulator, flasher, and speech synthesis
# (espeak-ng, flite) for the keyword-spotting example's generated data set.
APT_PACKAGES := gcc make gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm openocd espeak-ng flite sox festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS        ?= 2

.PHONY: setup demo test bench bench-latency bench-search fuzz clean

setup: $(APT_STAMP) $(STAMP)

$(APT_STAMP):
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q -e '.[convert,dev,ray]'
	@touch $@

# The DS-CNN keyword-spotting model: converted to int8, compiled, built as
# firmware for the emulated Cortex-M7 board, run in QEMU and compared with
# tflite-micro byte for byte, then profiled (an HTML report is written to
# build/kws-m7/report/, and the profile is printed last).
demo: setup
	$(PYTHON) -m examples.kws.demo_model build/demo
	$(TINYKIT) build build/demo/ds_cnn.keras --data build/demo/calibration.npz --board qemu_m7 -o build/kws-m7
	$(TINYKIT) verify build/kws-m7/model.tflite --board qemu_m7 -o build/kws-m7 --samples 20
	$(TINYKIT) profile build/kws-m7 --runs 20 --json > build/kws-m7/profile.json
	$(TINYKIT) report build/kws-m7/profile.json -o build/kws-m7/report
	$(TINYKIT) profile build/kws-m7 --runs 20

test: setup
	$(VENV)/bin/pytest -n $(JOBS)

# tinykit against tflite-micro on the zoo's MLPerf Tiny models: arenas, host-CPU
# latency, and tinykit's firmware in QEMU on qemu_m4/m7/m33 (how long: README, Benchmarks);
# writes benchmarks/results.json and prints a table. Given TF Lite Micro's
# source trees (checkouts on this machine, nothing is downloaded), also the
# Cortex-M side-by-side against TF Lite Micro with reference and CMSIS-NN
# kernels, into benchmarks/results_cortexm.json:
#   make bench TFLM_SRC=DIR CMSIS_NN_SRC=DIR TFLM_THIRD_PARTY=DIR [MLPERF_TINY=DIR] [TFLM_CACHE=DIR]
TFLM_SRC         ?=
CMSIS_NN_SRC     ?=
TFLM_THIRD_PARTY ?=
MLPERF_TINY      ?=
TFLM_CACHE       ?=
BENCH_SOURCES := $(if $(TFLM_SRC),--tflm-src $(TFLM_SRC)) $(if $(CMSIS_NN_SRC),--cmsis-nn-src $(CMSIS_NN_SRC)) \
	$(if $(TFLM_THIRD_PARTY),--third-party $(TFLM_THIRD_PARTY)) $(if $(MLPERF_TINY),--mlperf-tiny $(MLPERF_TINY)) \
	$(if $(TFLM_CACHE),--tflm-cache $(TFLM_CACHE))
bench: setup
	$(PYTHON) -m benchmarks.run -o benchmarks/results.json $(BENCH_SOURCES)

# The qemu_m7 latency model's error on models it was not fitted on (MLPerf Tiny's
# trained models with MLPERF_TINY=DIR, else the zoo's) against QEMU profiles, and
# estimates per second; writes benchmarks/latency_model.json (about 5 minutes).
bench-latency: setup
	$(PYTHON) -m benchmarks.latency_model $(if $(MLPERF_TINY),--mlperf-tiny $(MLPERF_TINY))

# The architecture search against the keyword-spotting example's DS-CNN on
# qemu_m7, within the DS-CNN's own latency and SRAM, on a keyword-spotting set
# (`tinykit kws data --synthetic -o data/kws --clips 4000 --seed 0`): trains
# the DS-CNN and runs the full search unless build/bench-search holds them,
# then builds, profiles and scores both; writes benchmarks/search_kws.json
# (about 1.5 hours on 2 cores from nothing).
KWS_DATA ?= data/kws
bench-search: setup
	$(PYTHON) -m benchmarks.search_kws --data $(KWS_DATA)

# Hostile files: thousands of seeded mutations of zoo models (bit flips,
# truncation, overwritten runs, well-formed hostile values) through the reader
# and code generator; accepted ones run under ASan+UBSan against tflite-micro.
# Prints counts per outcome and per refusal cause; exits 1 on any failure.
# FUZZ_ARGS='--count 5000 --seed 3 --runs 300' changes the campaign.
FUZZ_ARGS ?= --count 2000 --seed 1
fuzz: setup
	$(PYTHON) -m tests.fuzz $(FUZZ_ARGS)

clean:
	rm -rf build .pytest_cache
