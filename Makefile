# credo -- build, test and demo. `make demo` and `make test` install missing
# Debian packages first (scripts/deps.sh), then build.
#
# Layout of outputs (nothing generated is committed):
#   $(BUILD)/gen/      lexer.c (re2c), cql.c/cql.h (lemon)
#   $(BUILD)/obj/      objects, PIC, with .d dependency files
#   $(BUILD)/lib/      libcredo.a, libcredo.so.0.1.0 (+ soname links), and
#                      libcredo-embedded.a: directories only, no remote
#                      backend, so no wire codec and no OpenSSL
#   $(BUILD)/bin/      credo, credo-server, credo-demo
#   $(BUILD)/tests/    one cmocka binary per tests/unit/test_*.c
# `make SAN=1 BUILD=build/asan ...` builds the same with ASan+UBSan.

CC      ?= gcc
BUILD   ?= build
SAN     ?=
VERSION := $(shell sed -n 's/^\#define CREDO_VERSION "\(.*\)"/\1/p' include/credo.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
endif
# Each folder is compiled with only the include paths it may use, so a
# forbidden include fails the build (docs/architecture.md draws the
# layers). Tests, benchmarks and generated code see everything.
INC := -Iinclude -Istorage -Iparser -Iengine -Iapi -Iwire -Iremote \
       -Iclient -Iserver -I$(BUILD)/gen
$(BUILD)/obj/storage/%.o: INC = -Iinclude -Istorage
$(BUILD)/obj/parser/%.o: INC = -Iinclude -Iparser -I$(BUILD)/gen
$(BUILD)/obj/engine/%.o: INC = -Iinclude -Iapi -Istorage -Iparser -Iengine
$(BUILD)/obj/api/%.o: INC = -Iinclude -Iapi
$(BUILD)/obj/wire/%.o: INC = -Iinclude -Iwire
$(BUILD)/obj/remote/%.o: INC = -Iinclude -Iapi -Iwire -Iremote
$(BUILD)/obj/client/%.o: INC = -Iinclude -Iclient
# TAB completion's keywords come from the lexer (scripts/sh_keywords.sh)
$(BUILD)/obj/client/sh_complete.o: INC = -Iinclude -Iclient -I$(BUILD)/gen
# the server's --init-admin uses the shell's prompt (client/sh_prompt.h)
$(BUILD)/obj/server/%.o: INC = -Iinclude -Iwire -Iserver -Iclient
$(BUILD)/obj/examples/%.o: INC = -Iinclude
CPPFLAGS_ALL = -D_GNU_SOURCE -DCREDO_BUILDING $(INC)
CFLAGS_ALL   := -std=c11 $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP
LIBS_EMB := -llmdb -lxxhash -ljansson -lsodium -lutf8proc -lpthread -lm
LIBS    := $(LIBS_EMB) -lssl -lcrypto
LDFLAGS_ALL := $(LDSAN) $(LDFLAGS)

# The embedded core (a store in a directory) and, for libcredo, the remote
# backend on the wire codec.
# parser/dump.c (AST dumps) serves the tests only: not in the libraries.
CORE_SRC := $(wildcard storage/*.c engine/*.c) \
            $(filter-out parser/dump.c,$(wildcard parser/*.c)) api/api.c
LIB_SRC := $(CORE_SRC) api/open.c $(wildcard wire/*.c remote/*.c)
# The generated parser joins the library once its sources exist.
GEN_SRC := $(if $(wildcard parser/cql.y),$(BUILD)/gen/lexer.c $(BUILD)/gen/cql.c)
GEN_HDR := $(if $(wildcard parser/cql.y),$(BUILD)/gen/cql.h)
GEN_OBJ := $(GEN_SRC:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_OBJ)
EMB_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/api/open_embedded.o $(GEN_OBJ)
CLI_SRC := $(wildcard client/*.c)
SRV_SRC := $(wildcard server/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELP := $(wildcard tests/unit/th_*.c)

LIBA    := $(BUILD)/lib/libcredo.a
LIBEMB  := $(BUILD)/lib/libcredo-embedded.a
LIBSO   := $(BUILD)/lib/libcredo.so.$(VERSION)
PROGS   := $(BUILD)/bin/credo-demo $(if $(CLI_SRC),$(BUILD)/bin/credo) \
           $(if $(SRV_SRC),$(BUILD)/bin/credo-server)

.PHONY: all deps lib progs unit unit-run integration test asan tsan demo clean \
        format format-check bench bench-quick bench-core bench-cql bench-analytics install uninstall check-exports \
        check-embedded
.DEFAULT_GOAL := all

all: lib progs $(TEST_BIN)
lib: $(LIBA) $(LIBSO) $(LIBEMB)
progs: $(PROGS)

deps:
	@scripts/deps.sh

# ---------------------------------------------------------- generated C
$(BUILD)/gen/cql.c $(BUILD)/gen/cql.h: parser/cql.y
	@mkdir -p $(BUILD)/gen
	lemon -q -l -T/usr/share/lemon/lempar.c -d$(BUILD)/gen $<

$(BUILD)/gen/lexer.c: parser/lexer.re $(BUILD)/gen/cql.h
	@mkdir -p $(BUILD)/gen
	re2c -W --no-generation-date -o $@ $<

# The shell's TAB completion offers the lexer's keywords: listed from
# lexer.re, so that the two cannot drift.
$(BUILD)/gen/sh_keywords.h: parser/lexer.re scripts/sh_keywords.sh
	@mkdir -p $(BUILD)/gen
	sh scripts/sh_keywords.sh parser/lexer.re >$@.tmp && mv $@.tmp $@
$(BUILD)/obj/client/sh_complete.o: $(BUILD)/gen/sh_keywords.h

# --------------------------------------------------------------- objects
$(BUILD)/obj/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

# Generated code gets the same warnings, minus the ones lemon's template
# trips over.
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -Wno-unused-variable \
	  -Wno-implicit-fallthrough -Wno-shadow -Wno-sign-compare -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# libcredo-embedded: credo_open of a URI gives CREDO_NOTSUP (api/open.c).
$(BUILD)/obj/api/open_embedded.o: api/open.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -DCREDO_NO_REMOTE $(CFLAGS_ALL) -c -o $@ $<

$(LIBEMB): $(EMB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBSO): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libcredo.so.$(SOMAJOR) -o $@ $^ $(LDFLAGS_ALL) $(LIBS)
	ln -sf libcredo.so.$(VERSION) $(BUILD)/lib/libcredo.so.$(SOMAJOR)
	ln -sf libcredo.so.$(SOMAJOR) $(BUILD)/lib/libcredo.so

# -------------------------------------------------------------- programs
# The demo links the embedded library without OpenSSL: it would fail to
# link if the embedded core needed the remote backend.
$(BUILD)/bin/credo-demo: $(BUILD)/obj/examples/demo.o $(LIBEMB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS_EMB)

$(BUILD)/bin/credo: $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS) -ledit -lcsv

# The server's --init-admin reads the password with the shell's prompt.
$(BUILD)/bin/credo-server: $(SRV_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/client/sh_prompt.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS) -lssl -lcrypto -lmicrohttpd

# ------------------------------------------------------------ benchmarks
# Bench programs may include peers' headers (lmdb.h, sqlite3.h): they
# measure credo beside them and are not part of the product.
$(BUILD)/bin/bench_%: $(BUILD)/obj/bench/bench_%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS) -lsqlite3

# bench_server drives the server with the load client bench_scale's
# server-conc uses too (bench/bs_wire.c).
$(BUILD)/bin/bench_server: $(BUILD)/obj/bench/bs_wire.o

# bench_names uses the shared data generator (client/gen_data.c).
$(BUILD)/bin/bench_names: $(BUILD)/obj/bench/bench_names.o $(BUILD)/obj/client/gen_data.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS)

# bench_scale (bench/bench_scale.c + bench/bs_*.c) also talks to
# PostgreSQL through libpq.
BS_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,bench/bench_scale.c $(wildcard bench/bs_*.c) client/gen_data.c)
$(BS_OBJ): CPPFLAGS_ALL += -I/usr/include/postgresql
$(BUILD)/bin/bench_scale: $(BS_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS) -lsqlite3 -lpq

# `make bench`: every peer at each of BENCH_SCALES, report and plot into
# docs/performance.md and docs/bench/ (bench/run.sh; about an hour).
# `make bench-quick`: the same at 100k events, about a minute and a half.
BENCH_SCALES ?= 1M 10M 50M
# A server that does not build is skipped by the run ("server not available").
bench: deps lib $(BUILD)/bin/bench_scale
	-$(MAKE) progs
	BUILD=$(BUILD) BENCH_SCALES="$(BENCH_SCALES)" bash bench/run.sh

bench-quick: deps lib $(BUILD)/bin/bench_scale
	-$(MAKE) progs
	BUILD=$(BUILD) BENCH_QUICK=1 bash bench/run.sh

BENCH_N ?= 200000
bench-core: deps $(BUILD)/bin/bench_core
	$(BUILD)/bin/bench_core -n $(BENCH_N)

bench-cql: deps $(BUILD)/bin/bench_cql
	$(BUILD)/bin/bench_cql -n 100000 -l 30000

# `make bench-analytics`: the report set of issue 16 on credo, DuckDB
# (npm @duckdb/node-api under BUILD/node) and SQLite, answers cross-checked;
# one run per scale, each table goes into docs/performance.md between its
# scale's markers (bench/analytics.sh). The 10M scale needs ~40 GB of disk
# and about an hour (most of it loading SQLite).
ANALYTICS_SCALES ?= 1000000 10000000
bench-analytics: deps $(BUILD)/bin/credo $(BUILD)/bin/bench_analytics
	for n in $(ANALYTICS_SCALES); do \
	  BUILD=$(BUILD) ANALYTICS_EVENTS=$$n ANALYTICS_DIR=$(BUILD)/bench-analytics-$$n \
	    ANALYTICS_DOCS=1 bash bench/analytics.sh || exit 1; \
	done

# ----------------------------------------------------------------- tests
# Unit tests may also test the shell's pure functions (client/sh_*.c).
SH_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard client/sh_*.c))
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_HELP:%.c=$(BUILD)/obj/%.o) $(SH_OBJ) \
                 $(BUILD)/obj/parser/dump.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS_ALL) $(LIBS) -lcmocka -ledit -lcsv

# test_frame also tests the server's handshake machine, login backoff and
# flush reasons.
$(BUILD)/tests/test_frame: $(patsubst %,$(BUILD)/obj/server/%.o,srv_auth srv_throttle srv_slots srv_sniff srv_log)
# test_pgwire tests the PostgreSQL front end's codec, SCRAM, dialect edges
# and value formats.
$(BUILD)/tests/test_pgwire: $(patsubst %,$(BUILD)/obj/server/%.o,pg_proto pg_auth pg_sql pg_types)
# test_gen tests the data generator's shared parts (credo gen, bench_scale).
$(BUILD)/tests/test_gen: $(BUILD)/obj/client/gen_data.o
# test_http tests the web front end's escapers, limiter and data layer.
$(BUILD)/tests/test_http: $(BUILD)/obj/server/http_buf.o \
  $(BUILD)/obj/server/http_limit.o $(BUILD)/obj/server/http_data.o

unit: $(TEST_BIN)

# Runs every cmocka suite, prints their summaries, fails if any failed.
unit-run: unit
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; \
	  CREDO_TEST_TMP=$(BUILD)/tmp $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

integration: all
	@fail=0; for t in tests/integration/*.sh; do \
	  [ -e "$$t" ] || continue; \
	  echo "== $$t"; \
	  BUILD=$(BUILD) bash $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

asan:
	$(MAKE) SAN=1 BUILD=build/asan unit-run

# ThreadSanitizer over the suites that run the batch path's workers on
# threads (engine/exec_batch_par.c): its own build, exits non-zero on a
# reported race.
TSAN_TESTS := test_proj_batch_par test_proj_batch_err
tsan:
	$(MAKE) BUILD=build/tsan LDFLAGS=-fsanitize=thread \
	  CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
	  $(TSAN_TESTS:%=build/tsan/tests/%)
	@mkdir -p build/tsan/tmp; fail=0; for t in $(TSAN_TESTS); do \
	  echo "== tsan $$t"; \
	  CREDO_TEST_TMP=build/tsan/tmp build/tsan/tests/$$t || fail=1; \
	done; exit $$fail

# make test (and so CI) fuzzes each target for TEST_FUZZ_SECONDS seconds;
# it must be at least 1 (libFuzzer reads 0 as "no limit").
TEST_FUZZ_SECONDS ?= 60
# ... and damages a real store this many times for `credo check` (about
# 0.1 s each; `make fuzz` alone does CORRUPT_RUNS).
TEST_CORRUPT_RUNS ?= 60
test: deps
	$(MAKE) all
	$(MAKE) format-check
	$(MAKE) check-exports
	$(MAKE) check-embedded
	$(MAKE) unit-run
	$(MAKE) integration
	$(MAKE) asan
	$(MAKE) tsan
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) \
	  CORRUPT_RUNS=$(TEST_CORRUPT_RUNS)
	@echo "make test: all suites passed"

# The C demo (typed API, fixed clock), then the CQL showcase through the
# shell on a fresh store (demo/showcase.cql; its dates follow the clock).
demo: deps
	$(MAKE) all
	rm -rf $(BUILD)/demo-store $(BUILD)/demo-cql
	$(BUILD)/bin/credo-demo $(BUILD)/demo-store
	@echo
	$(BUILD)/bin/credo $(BUILD)/demo-cql --tz +08:00 -f demo/showcase.cql
	@echo
	scripts/demo-big.sh $(BUILD) $(DEMO_SUBJECTS) $(DEMO_EVENTS)

DEMO_SUBJECTS ?= 100000
DEMO_EVENTS ?= 1000000

# ------------------------------------------------------------ install
PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  := $(DESTDIR)$(PREFIX)/lib
MANPAGES := $(wildcard docs/man/*.[0-9])
INSTALLED_PROGS := $(filter-out $(BUILD)/bin/credo-demo,$(PROGS))

install: lib progs
	install -d $(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 $(LIBA) $(LIBEMB) $(LIBDIR)/
	install -m 755 $(LIBSO) $(LIBDIR)/
	ln -sf libcredo.so.$(VERSION) $(LIBDIR)/libcredo.so.$(SOMAJOR)
	ln -sf libcredo.so.$(SOMAJOR) $(LIBDIR)/libcredo.so
	install -m 644 include/credo.h include/credo_ops.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' credo.pc.in \
	  > $(LIBDIR)/pkgconfig/credo.pc
	$(if $(INSTALLED_PROGS),install -m 755 $(INSTALLED_PROGS) $(DESTDIR)$(PREFIX)/bin/)
	for m in $(MANPAGES); do \
	  s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	done

uninstall:
	rm -f $(LIBDIR)/libcredo.a $(LIBDIR)/libcredo-embedded.a $(LIBDIR)/libcredo.so $(LIBDIR)/libcredo.so.$(SOMAJOR) \
	  $(LIBDIR)/libcredo.so.$(VERSION) $(LIBDIR)/pkgconfig/credo.pc \
	  $(DESTDIR)$(PREFIX)/include/credo.h $(DESTDIR)$(PREFIX)/include/credo_ops.h \
	  $(foreach p,$(INSTALLED_PROGS),$(DESTDIR)$(PREFIX)/bin/$(notdir $(p)))
	for m in $(MANPAGES); do \
	  s=$${m##*.}; rm -f $(DESTDIR)$(PREFIX)/share/man/man$$s/$$(basename $$m); \
	done

# The shared library exports the public API and nothing else.
check-exports: $(LIBSO)
	@bad=$$(nm -D --defined-only $(LIBSO) | awk '$$2 ~ /^[TDBR]$$/ {print $$3}' \
	  | grep -v '^credo_' || true); \
	if [ -n "$$bad" ]; then echo "check-exports: non-API symbols exported:"; \
	  echo "$$bad"; exit 1; fi; \
	echo "check-exports: $$(nm -D --defined-only $(LIBSO) | grep -c ' T credo_') credo_* symbols, nothing else"

# The embedded library needs no OpenSSL (nor the wire codec).
check-embedded: $(LIBEMB)
	@bad=$$(nm -u $(LIBEMB) | grep -E ' (SSL|EVP|ERR|OPENSSL|TLS)_|cl_' || true); \
	if [ -n "$$bad" ]; then echo "check-embedded: $(LIBEMB) needs:"; \
	  echo "$$bad"; exit 1; fi; \
	echo "check-embedded: $(LIBEMB) has no OpenSSL or wire symbol"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# One code format, enforced by make test (.clang-format).
format-check:
	@clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h') && \
	  echo "format-check: $$(git ls-files '*.c' '*.h' | wc -l) files formatted"

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ------------------------------------------------------------------ fuzz
# `make fuzz` builds the libFuzzer target of the CQL front end (lexer,
# parser, AST) with clang -- the parser sources and the generated
# lexer/parser, not the gcc library -- and runs it for $(FUZZ_SECONDS) s on
# a fresh copy of the seed corpus. Crash inputs land in $(BUILD)/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
                -D_GNU_SOURCE -DCQL_FAULT_INJECTION -Iinclude -Iparser \
                -I$(BUILD)/gen
FUZZ_SRC     := $(wildcard parser/*.c) $(BUILD)/gen/lexer.c \
                $(BUILD)/gen/cql.c tests/fuzz/fuzz_cql.c

.PHONY: fuzz
# Runs one target on a fresh copy of its seed corpus; the fuzzer's chatter
# goes to $(BUILD)/fuzz/NAME.log, the last lines are shown on a finding.
# $(1) target, $(2) seed dir, $(3) extra options.
define run_fuzz
	rm -rf $(BUILD)/fuzz/corpus-$(1) && mkdir -p $(BUILD)/fuzz/corpus-$(1)
	cp $(2)/* $(BUILD)/fuzz/corpus-$(1)/
	@echo "fuzz: $(1) for $(FUZZ_SECONDS) s"
	@$(BUILD)/fuzz/$(1) -max_total_time=$(FUZZ_SECONDS) $(3) \
	  -artifact_prefix=$(BUILD)/fuzz/$(1)- $(BUILD)/fuzz/corpus-$(1) \
	  > $(BUILD)/fuzz/$(1).log 2>&1 || { tail -40 $(BUILD)/fuzz/$(1).log; \
	  echo "fuzz: $(1) FAILED (log: $(BUILD)/fuzz/$(1).log)"; exit 1; }
	@echo "fuzz: $(1): $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' \
	  $(BUILD)/fuzz/$(1).log), no findings"
	rm -rf $(BUILD)/fuzz/corpus-$(1)
endef

fuzz: $(BUILD)/fuzz/fuzz_cql $(BUILD)/fuzz/fuzz_plan $(BUILD)/fuzz/fuzz_frame \
      $(BUILD)/fuzz/fuzz_pg $(BUILD)/fuzz/fuzz_proj
	$(call run_fuzz,fuzz_cql,tests/fuzz/corpus/cql,-dict=tests/fuzz/cql.dict)
	$(call run_fuzz,fuzz_plan,tests/fuzz/corpus/cql,-dict=tests/fuzz/cql.dict)
	$(call run_fuzz,fuzz_frame,tests/fuzz/corpus/frame,)
		$(call run_fuzz,fuzz_pg,tests/fuzz/corpus/pg,)
	$(call run_fuzz,fuzz_proj,tests/fuzz/corpus/proj,-max_len=70000)

	$(MAKE) corrupt

# The corruption campaign of `credo check` (tests/corrupt.py): CORRUPT_RUNS
# random damages of a real store; 0 crashes, every content change reported.
CORRUPT_RUNS ?= 500
.PHONY: corrupt
corrupt: progs
	python3 tests/corrupt.py --runs $(CORRUPT_RUNS) --build $(BUILD)

$(BUILD)/fuzz/fuzz_cql: $(FUZZ_SRC) $(wildcard parser/*.h) $(BUILD)/gen/cql.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRC)

# The whole CQL path on a real store (tests/fuzz/fuzz_plan.c): the library
# compiled with clang and the fuzzer's sanitizers.
FUZZ_LIB_SRC := $(LIB_SRC) $(BUILD)/gen/lexer.c $(BUILD)/gen/cql.c
$(BUILD)/fuzz/fuzz_plan: $(FUZZ_LIB_SRC) tests/fuzz/fuzz_plan.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -DCQL_FAULT_INJECTION,$(FUZZ_CFLAGS)) \
	  -DCREDO_BUILDING -Istorage -Iengine -Iapi -Iwire -Iremote -o $@ $(FUZZ_LIB_SRC) \
	  tests/fuzz/fuzz_plan.c $(LIBS)

# The wire codec and the server's handshake machine (tests/fuzz/fuzz_frame.c).
FUZZ_FRAME_SRC := wire/cl_frame.c server/srv_auth.c tests/fuzz/fuzz_frame.c
$(BUILD)/fuzz/fuzz_frame: $(FUZZ_FRAME_SRC) wire/cl_frame.h server/srv.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iwire -Iserver -o $@ $(FUZZ_FRAME_SRC)

# The projection's segment decoder (tests/fuzz/fuzz_proj.c).
FUZZ_PROJ_SRC := engine/proj_codec.c tests/fuzz/fuzz_proj.c
$(BUILD)/fuzz/fuzz_proj: $(FUZZ_PROJ_SRC) engine/proj.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DCREDO_BUILDING -Istorage -Iengine -Iapi \
	  -o $@ $(FUZZ_PROJ_SRC)

# The PostgreSQL front end's startup and message decoders, SCRAM and the
# dialect edges (tests/fuzz/fuzz_pg.c).
FUZZ_PG_SRC := server/pg_proto.c server/pg_auth.c server/pg_sql.c \
               tests/fuzz/fuzz_pg.c
$(BUILD)/fuzz/fuzz_pg: $(FUZZ_PG_SRC) server/pg.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iserver -o $@ $(FUZZ_PG_SRC) -lcrypto -lpthread
