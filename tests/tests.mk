# tests/tests.mk - `make test` builds everything plus the test programs, then
# runs every executable tests/**/*.t under prove; each prints TAP. prove's
# closing line is "Result: PASS" or "Result: FAIL" and its exit status is
# non-zero on any failure.

TEST_BIN   := $(BUILD)/test
TEST_DEPS  += all
UNIT_SRCS  := $(wildcard tests/unit/t_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(TEST_BIN)/%,$(UNIT_SRCS))

$(TEST_BIN)/t_%: tests/unit/t_%.c tests/unit/test.h $(LFSC_LIB) $(LUA32_LIB) $(LUA64_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LFSC_INC) -Icompiler/src -I$(LUA32_INC) \
	  $< -o $@ $(LDFLAGS) $(LFSC_LIBS) -lcmocka

test-build: $(UNIT_BINS)

test: $(TEST_DEPS) test-build
	LFSD_BUILD=$(abspath $(BUILD)) $(PROVE) --recurse --timer tests/

# ASan + UBSan build of everything, then the whole suite
check:
	$(MAKE) BUILD=build/check SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  OPT="-O1 -g" test

.PHONY: test test-build check
-include $(UNIT_BINS:=.d)
