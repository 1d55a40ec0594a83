# lfsd - build service and OTA delivery for NodeMCU Lua Flash Store images.
# The only entry point: `make run` (set up, build, start lfsd), `make test`.
# Targets: all run test check fuzz bench install uninstall clean distclean deps lua

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
# make install: PREFIX is where to install, DESTDIR a staging root for packagers
PREFIX    ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DESTDIR   ?=
# -------------------------------------------------------------------------------
-include config.mk

CFLAGS    := -std=gnu11 $(OPT) $(WARN) $(SAN) -MMD -MP
LDFLAGS   := $(SAN)
BIN       := $(BUILD)/bin

all: lfsc lfsd lfs-device

# the one source of the version: VERSION, turned into a header for the three
# programs' --version
VERSION_INC := $(BUILD)/include
VERSION_H   := $(VERSION_INC)/lfsd_version.h
$(VERSION_H): VERSION
	@mkdir -p $(@D)
	printf '#define LFSD_VERSION "%s"\n' "$$(cat VERSION)" > $@

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

# make install [PREFIX=/usr/local] [DESTDIR=staging root]: the three programs,
# the dashboard in $(PREFIX)/share/lfsd/web and the NodeMCU client in
# $(PREFIX)/share/lfsd/nodemcu (both found by lfsd without flags), a
# systemd unit with its sysusers entry, and an example config that is never
# overwritten. The schema is compiled into lfsd and not installed.
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/lfsd
SUBST   := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
           -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(SYSCONFDIR)/lfsd
	install -m 0755 $(BIN)/lfsc $(BIN)/lfsd $(BIN)/lfs-device $(DESTDIR)$(BINDIR)/
	cd web && find . -type f | while read -r f; do \
	  install -D -m 0644 "$$f" "$(DESTDIR)$(DATADIR)/web/$$f" || exit 1; done
	install -d $(DESTDIR)$(DATADIR)/nodemcu
	install -m 0644 device/nodemcu/lfsota.lua device/nodemcu/_init.lua \
	  device/nodemcu/init.lua device/nodemcu/README.md $(DESTDIR)$(DATADIR)/nodemcu/
	install -m 0644 README.md $(DESTDIR)$(DATADIR)/README.md
	$(SUBST) dist/lfsd.service.in > $(DESTDIR)$(UNITDIR)/lfsd.service
	install -m 0644 dist/lfsd.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/lfsd.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/lfsd/lfsd.conf ] || \
	  $(SUBST) dist/lfsd.conf.in > $(DESTDIR)$(SYSCONFDIR)/lfsd/lfsd.conf

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,lfsc lfsd lfs-device) \
	  $(DESTDIR)$(UNITDIR)/lfsd.service $(DESTDIR)$(PREFIX)/lib/sysusers.d/lfsd.conf
	rm -rf $(DESTDIR)$(DATADIR)

.PHONY: install uninstall

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-* $(BIN) $(BUILD)/test $(BUILD)/fuzz

distclean:
	rm -rf $(BUILD)

.PHONY: run clean distclean
