# hubspot_fdw: PostgreSQL foreign data wrapper for HubSpot (PGXS)

MODULE_big = hubspot_fdw
OBJS = hubspot_fdw.o option.o connection.o http.o decode.o deparse.o \
	convert.o crm.o pushdown.o \
	permitted.o hcrn.o settings.o limit.o import.o modify.o
PGFILEDESC = "hubspot_fdw - foreign data wrapper for HubSpot"

EXTENSION = hubspot_fdw
DATA = hubspot_fdw--1.0.sql hubspot_fdw--1.1.sql hubspot_fdw--1.0--1.1.sql

SHLIB_LINK = -lcurl -ljson-c
PG_CPPFLAGS = -I/usr/include/json-c -Wall -Wmissing-prototypes

REGRESS = basic types errors cancel pushdown oracle permitted settings faults import modify recipes upgrade
REGRESS_OPTS = --load-extension=hubspot_fdw

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every object depends on the one header (PGXS tracks no header dependencies)
$(OBJS): hubspot_fdw.h

# The regression suites with the server under Valgrind (test/valgrind.sh)
valgrind-check:
	bash test/valgrind.sh $(VALGRIND_SUITES)

.PHONY: valgrind-check

# libFuzzer targets for the decoders and HCRN parsing, outside the backend
# (fuzz/run.sh; FUZZ_SECONDS per target, default 600)
fuzz:
	bash fuzz/run.sh

.PHONY: fuzz
