# The project's two commands, and the longer jobs behind their own targets.
#   make run    install dependencies, build, run the main job
#   make test   install dependencies, build (release and ASan+UBSan), run every test through CTest
#   make bench  benchmarks (figures printed, never asserted)
#   make fuzz   libFuzzer targets, FUZZ_SECONDS each
#   make image  the reproducible minimal image (images/minimal) into IMAGE_OUT

BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=
FUZZ_SECONDS ?= 60
OUT        ?= out
IMAGE_OUT  ?= $(OUT)/image

TDXH := $(BUILD)/harness/tdxh

.PHONY: all deps build build-san run test test-unit bench fuzz image image-golden clean

all: build

deps:
	@if [ "$$(id -u)" = 0 ]; then scripts/install-deps.sh --with-browser; \
	 else scripts/install-deps.sh --with-browser || sudo -n scripts/install-deps.sh --with-browser; fi

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD_SAN)/Makefile:
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DTDXH_SANITIZE=ON

build-san: deps $(BUILD_SAN)/Makefile
	cmake --build $(BUILD_SAN) -j $(JOBS)

run: build
	scripts/run-main.sh $(TDXH) $(OUT)

# The unit tests run in both builds; the integration tests (real QEMU,
# swtpm, libvirt) run once, in the sanitizer build, which checks tdxh itself.
test: build build-san
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit $(CTEST_ARGS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The boot benchmark boots the minimal image: built first, into IMAGE_OUT.
bench: build image
	BENCH_IMAGE=$(IMAGE_OUT) bench/run.sh $(BUILD)

fuzz: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DTDXH_FUZZ=ON -DTDXH_AGENT=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	scripts/run-fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# Kernel, initrd, command line and manifest of the minimal image; the pinned
# Debian packages are fetched into $$TDXH_CACHE (default ~/.cache/tdxh).
image: build
	images/minimal/build.sh --out $(IMAGE_OUT)

# Refreshes the committed golden files of the minimal image.
image-golden: image
	images/minimal/golden.sh $(IMAGE_OUT) $(TDXH) images/minimal/golden

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
