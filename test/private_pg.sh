#!/usr/bin/env bash
# private_pg.sh: a private, relocated copy of the system's PostgreSQL 15, so
# that a developer (or a helper working beside others) can build, install and
# test the extension without touching the system's installation.
#
# PostgreSQL finds its share and lib directories relative to its binaries, so a
# copy of /usr/lib/postgresql/15 and /usr/share/postgresql/15 under DIR works as
# a whole installation; the server headers are linked, not copied.  The copy is
# made once; running it again only prints the line to use.
#
# Usage: bash test/private_pg.sh DIR
# Then:  PG_BIN=DIR/usr/lib/postgresql/15/bin bash test/run_tests.sh [--only NAME]
set -euo pipefail

dir=${1:?usage: bash test/private_pg.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=$dir/usr/lib/postgresql/15/bin

if [[ ! -x $bin/postgres ]]; then
	[[ -x /usr/lib/postgresql/15/bin/postgres ]] ||
		bash "$(dirname "${BASH_SOURCE[0]}")/install_deps.sh"
	mkdir -p "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql" "$dir/usr/include"
	cp -a /usr/lib/postgresql/15 "$dir/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$dir/usr/share/postgresql/"
	ln -sfn /usr/include/postgresql "$dir/usr/include/postgresql"
	chown -R postgres: "$dir/usr/lib/postgresql/15/lib" "$dir/usr/share/postgresql/15" \
		2>/dev/null || true
fi
echo "PG_BIN=$bin"
