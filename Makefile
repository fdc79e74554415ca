# Kartoteka build. `make` builds build/kartoteka; `make run` installs dependencies, builds,
# initialises ./data on first run and serves; `make test` runs every test suite, then the
# same suites again under AddressSanitizer + UndefinedBehaviorSanitizer, then short fuzz runs.

BUILD   ?= build
CC      ?= cc
CXX     ?= c++
PKGS    := libmicrohttpd sqlite3 jansson libsodium libcurl
# opened on their first call (util/lazylib.h), not linked: only their headers are needed
LAZY_PKGS := libzip expat libical
CFLAGS  ?= -O2 -g
# `override`: `make CFLAGS=...` (the sanitizer and fuzz builds below) must still get these
override CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null)
CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -Isrc
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

C_SRC   := $(shell find src -name '*.c' | sort)
# libphonenumber (with protobuf, ICU and libstdc++ behind it) is loaded on the first phone
# parsed, not at start: its C++ shim is a shared object beside the binary (util/phone_shim.h)
PHONE_SO  := $(BUILD)/kartoteka-phone.so
PHONE_OBJ := $(addprefix $(BUILD)/pic/src/,util/phone.o util/fold.o core/utf8.o)
CC_SRC  := $(filter-out src/util/phone.cc,$(shell find src -name '*.cc' | sort))
OBJ     := $(C_SRC:%.c=$(BUILD)/obj/%.o) $(CC_SRC:%.cc=$(BUILD)/obj/%.o)
LIB_OBJ := $(filter-out $(BUILD)/obj/src/cli/main.o,$(OBJ))
UNIT    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZ    := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
# helper programs the API tests run (e.g. an iCalendar parser to read the feed back)
TOOLS   := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.c))

.PHONY: all run test unit api fuzz asan deps bench bench-10m bench-tools clean
all: $(BUILD)/kartoteka $(PHONE_SO) $(TOOLS)

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX  $<"
	@$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC   $< (shared)"
	@$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@
$(BUILD)/pic/%.o: %.cc
	@mkdir -p $(dir $@)
	@echo "  CXX  $< (shared)"
	@$(CXX) $(CXXFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@
$(PHONE_SO): $(PHONE_OBJ)
	@echo "  LINK $@"
	@$(CXX) $(CXXFLAGS) $(LDFLAGS) -shared -o $@ $^ -lphonenumber
$(BUILD)/libkartoteka.a: $(LIB_OBJ)
	@rm -f $@; ar rcs $@ $^
# whole-archive: modules register themselves from constructors (core/module.h)
$(BUILD)/kartoteka: $(BUILD)/obj/src/cli/main.o $(BUILD)/libkartoteka.a $(PHONE_SO)
	@echo "  LINK $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--whole-archive $(BUILD)/libkartoteka.a -Wl,--no-whole-archive $(LDLIBS)
$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libkartoteka.a $(PHONE_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libkartoteka.a $(LDLIBS) -lcmocka
# these call a lazily opened library directly too (to write what they read back, or to
# parse what the server wrote), so they link it
$(BUILD)/tests/test_xlsxread: LDLIBS += $(shell pkg-config --libs libzip 2>/dev/null)
$(BUILD)/fuzz/fuzz_ical $(TOOLS): LDLIBS += $(shell pkg-config --libs libical 2>/dev/null)
$(BUILD)/bench/gen: LDLIBS += -lxlsxwriter

-include $(OBJ:.o=.d) $(PHONE_OBJ:.o=.d)

run: deps all
	@scripts/run.sh

unit: $(UNIT)
	@scripts/run-unit.sh $(UNIT)

api: all
	node --test --test-concurrency=2 tests/api/

# The whole suite: plain build, then sanitizers, then bounded fuzzing.
test: deps
	$(MAKE) unit api
	$(MAKE) BUILD=build-asan CC=clang CXX=clang++ CFLAGS="-O1 -g $(SAN)" CXXFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" unit api-asan
	$(MAKE) fuzz

api-asan: all
	KARTOTEKA_BIN=$(BUILD)/kartoteka ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 node --test --test-concurrency=2 tests/api/

# libFuzzer targets link the library built with clang and the fuzzer runtime; whole-archive
# as for the binary, so that targets needing the schema (db_migrate) see every module.
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CXX=clang++ CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" CXXFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" fuzz-targets
	@scripts/run-fuzz.sh build-fuzz/fuzz

fuzz-targets: $(FUZZ)
$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(BUILD)/libkartoteka.a $(PHONE_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< -Wl,--whole-archive $(BUILD)/libkartoteka.a -Wl,--no-whole-archive $(LDLIBS)

# benchmark tools: bench/NAME.c, or bench/NAME*.c for a tool in several files (gen)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(filter-out bench/gen_%.c,$(wildcard bench/*.c)))
bench-tools: $(BENCH_BIN)
$(BUILD)/bench/gen: $(wildcard bench/gen_*.c bench/gen*.h)
$(BUILD)/bench/%: bench/%.c bench/measure.h $(BUILD)/libkartoteka.a $(PHONE_SO)
	@mkdir -p $(dir $@)
	@echo "  CC   $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libkartoteka.a $(LDLIBS)

bench: deps all bench-tools
	bench/run.sh 1000000
bench-10m: deps all bench-tools
	bench/run.sh 10000000

clean:
	rm -rf build build-asan build-fuzz
