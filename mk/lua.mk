# mk/lua.mk - the reference Lua from Debian's source packages, built unmodified
# as three static libraries (design.md §2):
#   $(LUA32_LIB)  nodemcu-lua53     Lua 5.3.6, symbols as upstream (lua_*, ...)
#   $(LUA64_LIB)  nodemcu-lua53-64  Lua 5.3.6, every global symbol renamed l64_<name>
#   $(LUA51_LIB)  nodemcu-lua51     Lua 5.1.5, core and standard library, every
#                                   global symbol renamed l51_<name>
# $(LUA64_RENAME) and $(LUA51_RENAME) are headers of #defines that make code
# compiled against those libraries use the renamed symbols
# (compiler/src/frontend53.c, compiler/src/frontend51.c, the 5.1 device runtime).

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

# ---- Lua 5.1.5 (nodemcu-lua51) ------------------------------------------------
# Our luaconf51.h wrapper sets LUAI_MAXVARS 50 (lfs-format.md §B6); numbers stay
# double. compiler/lua/hook51.c joins the archive, and the parser's calls of
# the functions in LUA51_HOOKED are redirected to it (objcopy on lparser.o
# before the rename), so the front end can record luaK_fixline's history
# (lua51-frontend.md) while Lua's sources stay unmodified.
LUA51_VER    := 5.1.5
LUA51_SRC    := $(BUILD)/src/lua-$(LUA51_VER)/src
LUA51_DIR    := $(BUILD)/lua51
LUA51_LIB    := $(LUA51_DIR)/liblua.a
LUA51_INC    := $(LUA51_DIR)/src
LUA51_RENAME := $(LUA51_DIR)/rename.h
LUA51_CORE   := lapi lcode ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes \
                lparser lstate lstring ltable ltm lundump lvm lzio \
                lauxlib lbaselib ldblib liolib lmathlib loslib ltablib lstrlib \
                loadlib linit hook51
LUA51_CFLAGS := -O2 -std=gnu99 -fPIC -DLUA_USE_POSIX
LUA51_HOOKED := luaK_fixline luaK_goiftrue luaK_infix

$(LUA51_SRC)/lparser.c: | deps
	scripts/fetch-lua.sh lua5.1 $(LUA51_VER) $(BUILD)/src

$(LUA51_DIR)/src/.stamp: $(LUA51_SRC)/lparser.c compiler/lua/luaconf51.h \
		compiler/lua/hook51.c compiler/lua/hook51.h
	rm -rf $(@D) && mkdir -p $(@D)
	cp $(LUA51_SRC)/*.c $(LUA51_SRC)/*.h $(@D)/
	mv $(@D)/luaconf.h $(@D)/luaconf-ref.h
	cp compiler/lua/luaconf51.h $(@D)/luaconf.h
	cp compiler/lua/hook51.c compiler/lua/hook51.h $(@D)/
	touch $@

$(LUA51_LIB): $(LUA51_DIR)/src/.stamp
	cd $(LUA51_DIR)/src && for f in $(LUA51_CORE); do \
	  $(CC) $(LUA51_CFLAGS) -c $$f.c -o $$f.o || exit 1; done
	objcopy $(foreach s,$(LUA51_HOOKED),--redefine-sym $(s)=hook51_$(s)) \
	  $(LUA51_DIR)/src/lparser.o
	rm -f $@ && $(AR) rcs $@ $(addprefix $(LUA51_DIR)/src/,$(addsuffix .o,$(LUA51_CORE)))
	nm -g --defined-only $@ | awk 'NF==3 {print $$3}' | sort -u > $(LUA51_DIR)/syms
	awk '{print $$1 " l51_" $$1}' $(LUA51_DIR)/syms > $(LUA51_DIR)/redefine
	objcopy --redefine-syms=$(LUA51_DIR)/redefine $@
	awk '{print "#define " $$1 " l51_" $$1}' $(LUA51_DIR)/syms > $(LUA51_RENAME)
$(LUA51_RENAME): $(LUA51_LIB) ;

lua: $(LUA32_LIB) $(LUA64_LIB) $(LUA51_LIB)
.PHONY: lua
