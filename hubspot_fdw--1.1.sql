/* hubspot_fdw--1.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION hubspot_fdw" to load this file. \quit

CREATE FUNCTION hubspot_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION hubspot_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER hubspot_fdw
  HANDLER hubspot_fdw_handler
  VALIDATOR hubspot_fdw_validator;

CREATE FUNCTION hubspot_fdw_version()
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

-- this backend's HubSpot traffic, per server
CREATE FUNCTION hubspot_fdw_counters(
  OUT server oid, OUT requests bigint, OUT pages bigint, OUT rows bigint,
  OUT retries bigint, OUT throttled bigint, OUT repeats bigint, OUT bytes bigint,
  OUT waited_ms double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW hubspot_fdw_stats AS
  SELECT s.srvname AS server, c.requests, c.pages, c.rows, c.retries,
         c.throttled, c.repeats, c.bytes, c.waited_ms
    FROM hubspot_fdw_counters() c JOIN pg_foreign_server s ON s.oid = c.server;

-- forget this backend's HubSpot counters (hubspot_fdw_stats), for every
-- server or for one
CREATE FUNCTION hubspot_fdw_reset_counters(server oid DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
