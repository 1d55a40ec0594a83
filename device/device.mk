# device/device.mk - lfs-device, the NodeMCU device simulator and OTA agent.
# Portable core + POSIX port; links the compiler library (the shared image
# reader and the in-flash reader), the reference Lua 5.3 with 32-bit numbers
# and the reference Lua 5.1 (--target nodemcu-lua51). The emulated firmware's
# files with Lua code (written against nodemcu_lua.h) are compiled once per
# port: <name>-53.o against the 5.3 headers with NodeMCU's 32-bit numbers,
# <name>-51.o against the 5.1 headers with their symbols renamed l51_*.

DEVICE_NM_SRCS  := $(addprefix device/nodemcu_,lua.c lfs.c boot.c node.c tmr.c file.c net.c netsrv.c \
                     tls.c crypto.c encoder.c rtcmem.c)
DEVICE_SRCS   := $(filter-out $(DEVICE_NM_SRCS),$(wildcard device/*.c))
DEVICE_OBJDIR := $(BUILD)/obj/device
DEVICE_OBJS   := $(patsubst device/%.c,$(DEVICE_OBJDIR)/%.o,$(DEVICE_SRCS)) \
                 $(patsubst device/%.c,$(DEVICE_OBJDIR)/%-53.o,$(DEVICE_NM_SRCS)) \
                 $(patsubst device/%.c,$(DEVICE_OBJDIR)/%-51.o,$(DEVICE_NM_SRCS))
DEVICE_LIBS    = $(LFSC_LIBS) $(shell pkg-config --libs jansson) $(MBEDTLS_LIBS) -lm

$(DEVICE_OBJDIR)/%.o: device/%.c | $(DEVICE_OBJDIR)
	$(CC) $(CFLAGS) $(LFSC_INC) -I$(VERSION_INC) -c $< -o $@
$(DEVICE_OBJDIR)/main.o: $(VERSION_H)

# the files with Lua code, for the 5.3 port (32-bit numbers)
$(DEVICE_OBJDIR)/%-53.o: device/%.c $(LUA32_LIB) | $(DEVICE_OBJDIR)
	$(CC) $(CFLAGS) $(LFSC_INC) -I$(LUA32_INC) -DLFSC_LUA_32 -c $< -o $@

# the files with Lua code, for the 5.1 port (doubles; symbols renamed l51_*)
$(DEVICE_OBJDIR)/%-51.o: device/%.c $(LUA51_LIB) | $(DEVICE_OBJDIR)
	$(CC) $(CFLAGS) $(LFSC_INC) -I$(LUA51_INC) -include $(LUA51_RENAME) -DNODEMCU_LUA51 \
	  -c $< -o $@

$(BIN)/lfs-device: $(DEVICE_OBJS) $(LFSC_LIB) $(LUA32_LIB) $(LUA51_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(DEVICE_OBJS) -o $@ $(DEVICE_LIBS)

$(DEVICE_OBJDIR):
	mkdir -p $@

lfs-device: deps $(BIN)/lfs-device
.PHONY: lfs-device

-include $(DEVICE_OBJS:.o=.d)

# unit tests (tests/device/*.t run them)
DEVICE_TEST := $(BUILD)/test
$(DEVICE_TEST)/t_flash: tests/device/t_flash.c $(DEVICE_OBJDIR)/flash.o \
		$(DEVICE_OBJDIR)/install.o $(DEVICE_OBJDIR)/error.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LFSC_INC) $(filter %.c %.o,$^) -o $@ $(LDFLAGS) $(MBEDTLS_LIBS) -lcmocka

test-build: $(DEVICE_TEST)/t_flash
$(DEVICE_TEST)/cutproxy: tests/device/cutproxy.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ $(LDFLAGS)

test-build: $(DEVICE_TEST)/cutproxy
$(DEVICE_TEST)/t_verify: tests/device/t_verify.c $(DEVICE_OBJDIR)/verify.o \
		$(DEVICE_OBJDIR)/manifest.o $(DEVICE_OBJDIR)/error.o $(LFSC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LFSC_INC) $(filter %.c %.o,$^) -o $@ $(LDFLAGS) $(LFSC_LIBS) \
	  $(MBEDTLS_LIBS) -lcmocka
$(DEVICE_TEST)/t_state: tests/device/t_state.c $(DEVICE_OBJDIR)/state.o \
		$(DEVICE_OBJDIR)/error.o $(DEVICE_OBJDIR)/platform_posix.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(filter %.c %.o,$^) -o $@ $(LDFLAGS) $(shell pkg-config --libs jansson) \
	  -lcmocka

test-build: $(DEVICE_TEST)/t_verify $(DEVICE_TEST)/t_state
