# mk/lua.mk - the reference Lua 5.3.6 from Debian's lua5.3 source package, built
# unmodified as two static libraries (design.md §2):
#   $(LUA32_LIB)  nodemcu-lua53     symbols as upstream (lua_*, luaL_*, ...)
#   $(LUA64_LIB)  nodemcu-lua53-64  every global symbol renamed l64_<name>
# $(LUA64_RENAME) is a header of #defines that makes code compiled against the
# 64-bit library use the renamed symbols (compiler/src/frontend53.c only).

LUA_VER     := 5.3.6
LUA_SRC     := $(BUILD)/src/lua-$(LUA_VER)/src
LUA_CORE    := lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject \
               lopcodes lparser lstate lstring ltable ltm lundump lvm lzio \
               lauxlib lbaselib lbitlib lcorolib ldblib liolib lmathlib loslib \
               lstrlib ltablib lutf8lib loadlib linit
LUA_CFLAGS  := -O2 -std=gnu99 -fPIC -DLUA_COMPAT_5_2 -DLUA_USE_POSIX
LUA32_DIR   := $(BUILD)/lua53-32
LUA64_DIR   := $(BUILD)/lua53-64
LUA32_LIB   := $(LUA32_DIR)/liblua.a
LUA64_LIB   := $(LUA64_DIR)/liblua.a
LUA64_RENAME := $(LUA64_DIR)/rename.h
LUA32_INC   := $(LUA32_DIR)/src
LUA64_INC   := $(LUA64_DIR)/src

$(LUA_SRC)/lparser.c: | deps
	scripts/fetch-lua.sh lua5.3 $(LUA_VER) $(BUILD)/src

# copy of the upstream tree with our luaconf.h wrapper in front of luaconf-ref.h
$(BUILD)/lua53-%/src/.stamp: $(LUA_SRC)/lparser.c compiler/lua/luaconf.h
	rm -rf $(@D) && mkdir -p $(@D)
	cp $(LUA_SRC)/*.c $(LUA_SRC)/*.h $(@D)/
	mv $(@D)/luaconf.h $(@D)/luaconf-ref.h
	cp compiler/lua/luaconf.h $(@D)/luaconf.h
	touch $@

$(LUA32_LIB): $(LUA32_DIR)/src/.stamp
	cd $(LUA32_DIR)/src && for f in $(LUA_CORE); do \
	  $(CC) $(LUA_CFLAGS) -DLFSC_LUA_32 -c $$f.c -o $$f.o || exit 1; done
	rm -f $@ && $(AR) rcs $@ $(addprefix $(LUA32_DIR)/src/,$(addsuffix .o,$(LUA_CORE)))

$(LUA64_LIB) $(LUA64_RENAME): $(LUA64_DIR)/src/.stamp
	cd $(LUA64_DIR)/src && for f in $(LUA_CORE); do \
	  $(CC) $(LUA_CFLAGS) -c $$f.c -o $$f.o || exit 1; done
	rm -f $(LUA64_LIB) && $(AR) rcs $(LUA64_LIB) $(addprefix $(LUA64_DIR)/src/,$(addsuffix .o,$(LUA_CORE)))
	nm -g --defined-only $(LUA64_LIB) | awk 'NF==3 {print $$3}' | sort -u > $(LUA64_DIR)/syms
	awk '{print $$1 " l64_" $$1}' $(LUA64_DIR)/syms > $(LUA64_DIR)/redefine
	objcopy --redefine-syms=$(LUA64_DIR)/redefine $(LUA64_LIB)
	awk '{print "#define " $$1 " l64_" $$1}' $(LUA64_DIR)/syms > $(LUA64_RENAME)

lua: $(LUA32_LIB) $(LUA64_LIB)
.PHONY: lua
