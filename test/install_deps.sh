#!/usr/bin/env bash
# install_deps.sh: install, on Debian 12, whatever hubspot_fdw needs to build and
# test and is still missing (PostgreSQL 15 server and headers, libcurl and json-c
# headers, python3 with psycopg2, curl, make, gcc, openssl for the TLS tests).
#
# It looks for files rather than asking pg_config (pg_config answers before the
# server headers are installed), runs `apt-get update` only when something must
# be installed, and is quiet when nothing is missing.
#
# Usage: bash test/install_deps.sh
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
# Debian's python3, where python3-psycopg2 goes (a pyenv or venv python3 earlier
# in PATH would not see it)
PYTHON=/usr/bin/python3

# missing_packages: print, one a line, the Debian packages whose files are absent
missing_packages() {
	[[ -x $PG_BIN/postgres && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
		echo postgresql-15
	[[ -f /usr/include/postgresql/15/server/postgres.h && -x $PG_BIN/pg_config ]] ||
		echo postgresql-server-dev-15
	have_curl_header || echo libcurl4-openssl-dev
	[[ -f /usr/include/json-c/json.h ]] || echo libjson-c-dev
	[[ -x $PYTHON ]] || echo python3
	have_psycopg2 || echo python3-psycopg2
	command -v curl >/dev/null 2>&1 || echo curl
	command -v make >/dev/null 2>&1 || echo make
	command -v gcc >/dev/null 2>&1 || echo gcc
	command -v openssl >/dev/null 2>&1 || echo openssl
	return 0
}

# have_curl_header: true if curl/curl.h is anywhere under /usr/include
have_curl_header() {
	[[ -f /usr/include/x86_64-linux-gnu/curl/curl.h || -f /usr/include/curl/curl.h ]] &&
		return 0
	[[ -n $(find /usr/include -path '*/curl/curl.h' -print -quit 2>/dev/null) ]]
}

# have_psycopg2: true if Debian's python3 can import psycopg2
have_psycopg2() {
	[[ -x $PYTHON ]] && "$PYTHON" -c 'import psycopg2' >/dev/null 2>&1
}

# as_root: run a command as root, through sudo when we are not root
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "install_deps: must be root (or have sudo) to install: $*" >&2
		return 1
	fi
}

main() {
	local -a pkgs
	mapfile -t pkgs < <(missing_packages)
	if [[ ${#pkgs[@]} -eq 0 ]]; then
		echo "install_deps: all dependencies present"
		return 0
	fi
	echo "install_deps: installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${pkgs[@]}" >/dev/null
	mapfile -t pkgs < <(missing_packages)
	if [[ ${#pkgs[@]} -ne 0 ]]; then
		echo "install_deps: still missing after install: ${pkgs[*]}" >&2
		return 1
	fi
	echo "install_deps: done"
}

main "$@"
