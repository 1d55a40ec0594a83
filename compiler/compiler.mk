# compiler/compiler.mk - liblfsc (the luac.cross engine) and the lfsc command.
# Exports for other areas:
#   LFSC_INC   include flags for compiler/include (the only compiler headers
#              server/ and device/ may use)
#   LFSC_LIBS  what to link: liblfsc, the three reference Lua libraries, zlib
#   LFSC_LIB   the library file itself (a prerequisite to depend on)

LFSC_INC    := -Icompiler/include
LFSC_SRCS   := $(filter-out compiler/src/frontend53.c compiler/src/frontend51.c,\
                 $(wildcard compiler/src/*.c))
LFSC_OBJDIR := $(BUILD)/obj/compiler
LFSC_OBJS   := $(patsubst compiler/src/%.c,$(LFSC_OBJDIR)/%.o,$(LFSC_SRCS)) \
               $(LFSC_OBJDIR)/frontend53-32.o $(LFSC_OBJDIR)/frontend53-64.o \
               $(LFSC_OBJDIR)/frontend51.o
LFSC_LIB    := $(BUILD)/lib/liblfsc.a
LFSC_LIBS   := $(LFSC_LIB) $(LUA32_LIB) $(LUA64_LIB) $(LUA51_LIB) -lz -lm

$(LFSC_OBJDIR)/%.o: compiler/src/%.c | $(LFSC_OBJDIR)
	$(CC) $(CFLAGS) -fvisibility=hidden $(LFSC_INC) -c $< -o $@

# the one file that includes the reference Lua headers, once per configuration
$(LFSC_OBJDIR)/frontend53-32.o: compiler/src/frontend53.c $(LUA32_LIB) | $(LFSC_OBJDIR)
	$(CC) $(CFLAGS) -fvisibility=hidden $(LFSC_INC) -I$(LUA32_INC) -DLFSC_LUA_32 \
	  -c $< -o $@
$(LFSC_OBJDIR)/frontend53-64.o: compiler/src/frontend53.c $(LUA64_LIB) | $(LFSC_OBJDIR)
	$(CC) $(CFLAGS) -fvisibility=hidden $(LFSC_INC) -I$(LUA64_INC) \
	  -include $(LUA64_RENAME) -c $< -o $@

$(LFSC_OBJDIR)/frontend51.o: compiler/src/frontend51.c $(LUA51_LIB) | $(LFSC_OBJDIR)
	$(CC) $(CFLAGS) -fvisibility=hidden $(LFSC_INC) -I$(LUA51_INC) \
	  -include $(LUA51_RENAME) -c $< -o $@

$(LFSC_LIB): $(LFSC_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/lfsc: compiler/cli/lfsc.c $(LFSC_LIB) $(LUA32_LIB) $(LUA64_LIB) $(LUA51_LIB) $(VERSION_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LFSC_INC) -I$(VERSION_INC) $< -o $@ $(LDFLAGS) $(LFSC_LIBS) -ljansson

$(LFSC_OBJDIR):
	mkdir -p $@

lfsc: deps $(BIN)/lfsc
.PHONY: lfsc

-include $(LFSC_OBJS:.o=.d)
