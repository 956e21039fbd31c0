# Quick start (fresh Debian 12):  make run   |   make test
# Both run scripts/setup (installs missing Debian packages), configure and build first.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all setup configure build run test test-unit bench format clean

all: build

setup:
	@scripts/setup

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The main job on built-in defaults: generate the default dataset into out/dataset.
run: build
	@scripts/run_pipeline

# Every test (unit, cli, slow and interop): the oracles are fetched first (cached); a skipped
# test fails the run unless RUVLLM_ALLOW_SKIPS=1 (scripts/run_tests).
test: build
	@BUILD=$(BUILD) JOBS=$(JOBS) scripts/run_tests

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

bench: build
	@scripts/bench.sh

format:
	@scripts/format.sh

clean:
	rm -rf $(BUILD) out
