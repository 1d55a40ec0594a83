# lfsd - build service and OTA delivery for NodeMCU Lua Flash Store images.
# The only entry point: `make run` (set up, build, start lfsd), `make test`.
# Targets: all run test check fuzz bench clean distclean deps lua

# ---- CHANGE THE SETTINGS BELOW (or put overrides in config.mk) ----------------
CC        ?= cc
BUILD     := build
OPT       := -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wvla -Wwrite-strings -Wformat=2 -Wno-unused-parameter \
             -Wno-missing-field-initializers
DEVELOPER ?=
ifdef DEVELOPER
WARN      += -Werror
endif
SAN       :=                      # make check sets -fsanitize=address,undefined
MBEDTLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto   # Debian 12 ships no .pc
PROVE     := prove
# -------------------------------------------------------------------------------
-include config.mk

CFLAGS    := -std=gnu11 $(OPT) $(WARN) $(SAN) -MMD -MP
LDFLAGS   := $(SAN)
BIN       := $(BUILD)/bin

all: lfsc lfsd lfs-device

deps:
	@scripts/deps.sh
.PHONY: all deps

include mk/lua.mk
include compiler/compiler.mk
-include server/server.mk
-include device/device.mk
include tests/tests.mk

# run the service with its embedded defaults (./var, 127.0.0.1:8080 and :8443)
run: all
	$(BIN)/lfsd

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-* $(BIN) $(BUILD)/test $(BUILD)/fuzz

distclean:
	rm -rf $(BUILD)

.PHONY: run clean distclean
