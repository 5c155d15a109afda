# The project's two commands, and the longer jobs behind their own targets.
#   make run    install dependencies, build, run the main job
#   make test   install dependencies, build (release and ASan+UBSan), run every test through CTest
#   make bench  benchmarks (figures printed, never asserted)
#   make fuzz   libFuzzer targets, FUZZ_SECONDS each
#   make image  the reproducible minimal image (images/minimal) and its golden
#               files into IMAGE_OUT, ready for `tdxh boot --image IMAGE_OUT`
#   make image-disk  the disk images of that image (shim + GRUB, and a UKI):
#               $(OUT)/disk.img and $(OUT)/disk-uki.img (images/disk)
#   make check-builds  Debug, Release, RelWithDebInfo and MinSizeRel with gcc
#               and clang, warnings as errors (.ci/run runs it after make test)
#   make install  installs into PREFIX (default /usr/local; DESTDIR honoured)
#   make deb    the Debian packages tdxh and tdxh-agent (cpack -G DEB) into $(BUILD)

BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=
FUZZ_SECONDS ?= 60
OUT        ?= out
IMAGE_OUT  ?= $(OUT)/image

BUILD_CHECK ?= build-check
PREFIX     ?= /usr/local
# Warnings are errors in the builds of `make test` (and so of CI), not in a
# user's `make build` or `make run`: a newer compiler's new warning must not
# stop them. `make test` and `make check-builds` set it; WERROR=ON forces it.
WERROR     ?= OFF

TDXH := $(BUILD)/harness/tdxh

.PHONY: all deps build build-san run test test-unit bench fuzz image image-golden image-disk \
	check-builds install deb clean

all: build

deps:
	@if [ "$$(id -u)" = 0 ]; then scripts/install-deps.sh --with-browser; \
	 else scripts/install-deps.sh --with-browser || sudo -n scripts/install-deps.sh --with-browser; fi

# Configured every time (cheap when nothing changed) so that WERROR and
# PREFIX always hold, whichever target configured the directory first.
build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTDXH_WERROR=$(WERROR) \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-san: deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DTDXH_SANITIZE=ON \
	  -DTDXH_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)

run: build
	scripts/run-main.sh $(TDXH) $(OUT)

# The unit tests run in both builds; the integration tests (real QEMU,
# swtpm, libvirt) run once, in the sanitizer build, which checks tdxh itself.
test: WERROR = ON
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

# Kernel, initrd, command line and manifest of the minimal image, and its
# golden files (IMAGE_OUT/golden/, as `tdxh boot --image` reads them by
# default); the pinned Debian packages are fetched into $$TDXH_CACHE
# (default ~/.cache/tdxh).
image: build
	images/minimal/build.sh --out $(IMAGE_OUT)
	images/minimal/golden.sh $(IMAGE_OUT) $(TDXH) $(IMAGE_OUT)/golden

# The minimal image on a GPT disk, booted by OVMF from its EFI system
# partition: shim -> GRUB -> kernel (disk.img), and a unified kernel image
# (disk-uki.img); the boot chain's pinned packages are in
# images/disk/packages.lock.
image-disk: image
	images/disk/build.sh --image $(IMAGE_OUT) --out $(OUT)

# Refreshes the committed golden files of the minimal image.
image-golden: image
	images/minimal/golden.sh $(IMAGE_OUT) $(TDXH) images/minimal/golden

# Every build type with both compilers, warnings as errors. The gcc
# RelWithDebInfo build is $(BUILD) (built whole by make test); the seven
# others build the library, tdxh and tdxh-agent only, one after another.
check-builds: deps
	nice scripts/check-builds.sh $(BUILD_CHECK) $(JOBS) $(BUILD)

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

deb: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ) $(BUILD_CHECK)
