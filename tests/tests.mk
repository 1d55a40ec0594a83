# tests/tests.mk - `make test` builds everything plus the test programs, then
# runs every executable tests/**/*.t under prove; each prints TAP. prove's
# closing line is "Result: PASS" or "Result: FAIL" and its exit status is
# non-zero on any failure.

TEST_BIN   := $(BUILD)/test
TEST_DEPS  += all
UNIT_SRCS  := $(wildcard tests/unit/t_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(TEST_BIN)/%,$(UNIT_SRCS))

$(TEST_BIN)/t_%: tests/unit/t_%.c tests/unit/test.h $(LFSC_LIB) $(LUA32_LIB) $(LUA64_LIB) $(LUA51_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LFSC_INC) -Icompiler/src -I$(LUA32_INC) \
	  $< -o $@ $(LDFLAGS) $(LFSC_LIBS) -lcmocka -lz

test-build: $(UNIT_BINS)

test: $(TEST_DEPS) test-build
	LFSD_BUILD=$(abspath $(BUILD)) $(PROVE) --recurse --timer tests/

# ASan + UBSan build of everything, then the whole suite
check:
	$(MAKE) BUILD=build/check SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  OPT="-O1 -g" test

.PHONY: test test-build check
-include $(UNIT_BINS:=.d)

# ---- fuzzing: libFuzzer + ASan + UBSan on the image readers and request parsers
# make fuzz [FUZZ_SECONDS=600]: runs each target that long, seeded with the
# conformance goldens; a finding stops it and leaves crash-* files in build/fuzz.
FUZZ_SECONDS ?= 600
FUZZ_CC      := clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIBSRC  := $(filter-out compiler/src/frontend53.c compiler/src/frontend51.c compiler/src/compile.c,\
                 $(wildcard compiler/src/*.c))
SHARED_DIR   ?= ../shared
FUZZ_DIR     := $(BUILD)/fuzz

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_LIBSRC) compiler/src/lfsc_int.h | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LFSC_INC) -Icompiler/src $< $(FUZZ_LIBSRC) -o $@ -lz

# lfsd's request parsers: the server's sources (but main.c, and build_upload.c,
# which the target includes) built into the target under the same sanitizers
FUZZ_SERVER_SRCS := $(filter-out server/main.c server/build_upload.c,$(LFSD_SRCS))
$(FUZZ_DIR)/fuzz_request: tests/fuzz/fuzz_request.c $(LFSD_SRCS) $(LFSD_OBJDIR)/schema_sql.c \
                          $(VERSION_H) $(LFSC_LIB) | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LFSD_CFLAGS) -Icompiler/src $< $(FUZZ_SERVER_SRCS) \
	  $(LFSD_OBJDIR)/schema_sql.c -o $@ $(LFSD_LIBS)

# the device's side of the signed manifest: its parser, rules and signature check
FUZZ_DEVICE_SRCS := device/manifest.c device/verify.c device/error.c
$(FUZZ_DIR)/fuzz_manifest: tests/fuzz/fuzz_manifest.c $(FUZZ_DEVICE_SRCS) $(LFSC_LIB) $(LUA32_LIB) | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LFSC_INC) -Idevice $< $(FUZZ_DEVICE_SRCS) -o $@ \
	  $(LFSC_LIBS) $(MBEDTLS_LIBS)

fuzz: $(FUZZ_DIR)/fuzz_image_read $(FUZZ_DIR)/fuzz_flash_read $(FUZZ_DIR)/fuzz_image51_read \
      $(FUZZ_DIR)/fuzz_request $(FUZZ_DIR)/fuzz_manifest
	mkdir -p $(FUZZ_DIR)/corpus-image $(FUZZ_DIR)/seed-image $(FUZZ_DIR)/corpus-flash $(FUZZ_DIR)/seed-flash
	mkdir -p $(FUZZ_DIR)/corpus-image51 $(FUZZ_DIR)/seed-image51
	cp $(SHARED_DIR)/conformance/lua53/golden/*.img $(FUZZ_DIR)/seed-image/
	rm -f $(FUZZ_DIR)/seed-image/huge_constants*
	mv $(FUZZ_DIR)/seed-image/*.abs.img $(FUZZ_DIR)/seed-flash/
	for f in $(SHARED_DIR)/conformance/lua51/golden/*.img $(SHARED_DIR)/conformance/lua51/edge/golden/*.img; do \
	  case $$f in *.abs.img) cp $$f $(FUZZ_DIR)/seed-image51/ ;; \
	  *) gzip -dc < $$f > $(FUZZ_DIR)/seed-image51/$$(basename $$f .img).raw ;; esac; done
	cd $(FUZZ_DIR) && ./fuzz_image_read -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
	  -print_final_stats=1 corpus-image seed-image
	cd $(FUZZ_DIR) && ./fuzz_flash_read -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
	  -print_final_stats=1 corpus-flash seed-flash
	cd $(FUZZ_DIR) && ./fuzz_image51_read -max_total_time=$(FUZZ_SECONDS) -max_len=270336 \
	  -print_final_stats=1 corpus-image51 seed-image51
	mkdir -p $(FUZZ_DIR)/corpus-request $(FUZZ_DIR)/seed-request
	cp tests/fuzz/seed-request/* $(FUZZ_DIR)/seed-request/
	cd $(FUZZ_DIR) && ./fuzz_request -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -print_final_stats=1 corpus-request seed-request
	mkdir -p $(FUZZ_DIR)/corpus-manifest $(FUZZ_DIR)/seed-manifest
	cp tests/fuzz/seed-manifest/* $(FUZZ_DIR)/seed-manifest/
	cd $(FUZZ_DIR) && ./fuzz_manifest -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -print_final_stats=1 corpus-manifest seed-manifest
.PHONY: fuzz

# ---- benchmarks: tests/bench/*.sh, each reporting ratios against a baseline
# measured in the same run (not part of make test)
$(TEST_BIN)/bench_lfsc: tests/bench/bench_lfsc.c $(LFSC_LIB) $(LUA32_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LFSC_INC) -Icompiler/src -I$(LUA32_INC) $< -o $@ \
	  $(LDFLAGS) $(LFSC_LIBS)
$(TEST_BIN)/bench_lfsc51: tests/bench/bench_lfsc.c $(LFSC_LIB) $(LUA51_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LFSC_INC) -Icompiler/src -I$(LUA51_INC) -include $(LUA51_RENAME) \
	  -DBENCH_LUA51 $< -o $@ $(LDFLAGS) $(LFSC_LIBS)
# the TLS libraries' costs (tests/bench/tls_stacks.sh)
$(TEST_BIN)/tls_stacks: tests/bench/tls_stacks.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $< -o $@ $(LDFLAGS) \
	  $(shell pkg-config --libs libcrypto) $(MBEDTLS_LIBS)
BENCH_DEPS += all $(TEST_BIN)/bench_lfsc $(TEST_BIN)/bench_lfsc51 $(TEST_BIN)/tls_stacks
bench: $(BENCH_DEPS)
	@for b in tests/bench/*.sh; do echo "== $$b"; LFSD_BUILD=$(abspath $(BUILD)) $$b || exit 1; done
.PHONY: bench
