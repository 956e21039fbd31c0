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

# The main job on built-in defaults (scripts/run_pipeline). It builds only what the job runs: the
# CLI, and step 9's tiny Qwen2 writer when the tests are configured; the compiler's output goes
# to $(BUILD)/build.log and is shown only when the build fails.
run: configure
	@echo "building ruvllm (log: $(BUILD)/build.log)..."
	@targets=ruvllm-cli; \
	if cmake --build $(BUILD) --target help 2>/dev/null | grep -qw tiny_qwen2_fixture; then \
	    targets="$$targets tiny_qwen2_fixture"; \
	fi; \
	cmake --build $(BUILD) -j $(JOBS) --target $$targets >$(BUILD)/build.log 2>&1 || { \
	    grep -vE '^g?make\[[0-9]+\]: (Entering|Leaving) directory' $(BUILD)/build.log | tail -n 30; \
	    echo "make run: the build failed; its whole output: $(BUILD)/build.log" >&2; exit 1; }
	@BIN=$(BUILD)/bin/ruvllm scripts/run_pipeline

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
