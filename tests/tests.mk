# tests/tests.mk - `make test` runs every executable tests/**/*.t under prove;
# each prints TAP. prove's closing line is "Result: PASS" or "Result: FAIL".

TEST_BIN := $(BUILD)/test
TEST_DEPS := all
test: $(TEST_DEPS) test-build
	LFSD_BUILD=$(abspath $(BUILD)) $(PROVE) --recurse --timer tests/

# ASan + UBSan build of everything, then the whole suite
check:
	$(MAKE) BUILD=build/check SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" OPT="-O1 -g" test

.PHONY: test test-build check
