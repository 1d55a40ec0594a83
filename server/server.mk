# server/server.mk - lfsd, the build and OTA delivery daemon (server/README.md).
# Uses only compiler/include from other areas; the schema/ migrations are
# embedded into the binary (server/embed_schema.sh).

LFSD_SRCS   := $(wildcard server/*.c)
LFSD_OBJDIR := $(BUILD)/obj/server
LFSD_OBJS   := $(patsubst server/%.c,$(LFSD_OBJDIR)/%.o,$(LFSD_SRCS)) \
               $(LFSD_OBJDIR)/schema_sql.o
LFSD_PKGS   := libmicrohttpd sqlite3 jansson inih libssl libcrypto
LFSD_CFLAGS  = $(shell pkg-config --cflags $(LFSD_PKGS)) $(LFSC_INC) -I$(VERSION_INC) -Iserver -D_GNU_SOURCE
# liblfsc: the shared image reader (listings of built images, in-process)
LFSD_LIBS    = $(LFSC_LIB) $(shell pkg-config --libs $(LFSD_PKGS)) $(MBEDTLS_LIBS) -lz -lpthread -lm

$(LFSD_OBJDIR)/%.o: server/%.c | $(LFSD_OBJDIR)
	$(CC) $(CFLAGS) $(LFSD_CFLAGS) -c $< -o $@

$(LFSD_OBJDIR)/config.o: $(VERSION_H)

$(LFSD_OBJDIR)/schema_sql.c: server/embed_schema.sh $(sort $(wildcard schema/*.sql)) | $(LFSD_OBJDIR)
	server/embed_schema.sh $@ $(sort $(wildcard schema/*.sql))

$(LFSD_OBJDIR)/schema_sql.o: $(LFSD_OBJDIR)/schema_sql.c
	$(CC) $(CFLAGS) $(LFSD_CFLAGS) -c $< -o $@

$(BIN)/lfsd: $(LFSD_OBJS) $(LFSC_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(LFSD_OBJS) -o $@ $(LFSD_LIBS)

$(LFSD_OBJDIR):
	mkdir -p $@

# benchmark helper (tests/bench/, not part of make test)
$(BUILD)/bench/bare_server: tests/bench/bare_server.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libmicrohttpd) $< -o $@ \
	  $(LDFLAGS) $(shell pkg-config --libs libmicrohttpd) -lpthread
$(BUILD)/bench/fleet_seed: tests/bench/fleet_seed.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags sqlite3) $< -o $@ \
	  $(LDFLAGS) $(shell pkg-config --libs sqlite3) -lmbedcrypto

lfsd: deps $(BIN)/lfsd
bench-server: $(BUILD)/bench/bare_server $(BUILD)/bench/fleet_seed
.PHONY: lfsd bench-server

-include $(LFSD_OBJS:.o=.d)
BENCH_DEPS += $(BUILD)/bench/bare_server $(BUILD)/bench/fleet_seed

# unit tests of the server modules (tests/http/t0050-unit.t runs them)
LFSD_UNIT_OBJS := $(filter-out $(LFSD_OBJDIR)/main.o,$(LFSD_OBJS))
$(BUILD)/test/unit_server: tests/http/unit_server.c $(LFSD_UNIT_OBJS) $(LFSC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LFSD_CFLAGS) $< $(LFSD_UNIT_OBJS) -o $@ \
	  $(LDFLAGS) $(LFSD_LIBS) -lcmocka
test-build: $(BUILD)/test/unit_server
