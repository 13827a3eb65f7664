/* hubspot_fdw--1.0--1.1.sql: from 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '1.1'" to load this file. \quit

-- 1.1: writes (UPDATE of CRM users, INSERT/UPDATE/DELETE of settings users)
-- live in the library; in SQL, the backend's counters can be reset

-- forget this backend's HubSpot counters (hubspot_fdw_stats), for every
-- server or for one
CREATE FUNCTION hubspot_fdw_reset_counters(server oid DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
