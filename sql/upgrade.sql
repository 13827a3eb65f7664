--
-- upgrade: from every earlier version, ALTER EXTENSION hubspot_fdw UPDATE
-- gives the same objects as a fresh CREATE EXTENSION of the default version
-- (issue 8).  Each version's objects are listed with their identity and, for
-- functions, their whole definition.
--
-- (what earlier suites left behind goes with it, quietly)
SET client_min_messages = warning;
DROP EXTENSION hubspot_fdw CASCADE;
RESET client_min_messages;
CREATE TEMP TABLE ext_objects (how text, version text, object text);
CREATE FUNCTION ext_snapshot(how text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ext_objects
  SELECT how, e.extversion,
         pg_describe_object(d.classid, d.objid, 0) ||
         coalesce(' = ' || CASE WHEN d.classid = 'pg_proc'::regclass
                                THEN pg_get_functiondef(d.objid) END, '') ||
         coalesce(' = ' || CASE WHEN d.classid = 'pg_class'::regclass
                                THEN pg_get_viewdef(d.objid) END, '')
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
  WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'hubspot_fdw'
    AND d.deptype = 'e'
$$;
SELECT default_version FROM pg_available_extensions WHERE name = 'hubspot_fdw';
SELECT version FROM pg_available_extension_versions
 WHERE name = 'hubspot_fdw' ORDER BY version;
CREATE EXTENSION hubspot_fdw;
SELECT ext_snapshot('fresh');
DROP EXTENSION hubspot_fdw;
-- every earlier version, updated
DO $$
DECLARE v text;
BEGIN
  FOR v IN SELECT version FROM pg_available_extension_versions
            WHERE name = 'hubspot_fdw' AND version <> (SELECT default_version
              FROM pg_available_extensions WHERE name = 'hubspot_fdw')
            ORDER BY version
  LOOP
    EXECUTE format('CREATE EXTENSION hubspot_fdw VERSION %L', v);
    PERFORM ext_snapshot('from ' || v);
    ALTER EXTENSION hubspot_fdw UPDATE;
    PERFORM ext_snapshot('from ' || v || ', updated');
    DROP EXTENSION hubspot_fdw;
  END LOOP;
END $$;
-- what each version holds
SELECT how, version, count(*) AS objects FROM ext_objects GROUP BY 1, 2 ORDER BY 1;
SELECT how, split_part(object, ' = ', 1) AS object FROM ext_objects
 WHERE how IN ('fresh', 'from 1.0') ORDER BY 1, 2;
-- an updated extension differs from a fresh one in nothing
SELECT u.how, count(*) FILTER (WHERE f.object IS NULL) AS only_updated,
       (SELECT count(*) FROM ext_objects f2 WHERE f2.how = 'fresh'
          AND NOT EXISTS (SELECT 1 FROM ext_objects u2
                          WHERE u2.how = u.how AND u2.object = f2.object)) AS only_fresh
FROM ext_objects u LEFT JOIN ext_objects f ON f.how = 'fresh' AND f.object = u.object
WHERE u.how LIKE '%updated' GROUP BY u.how ORDER BY 1;
-- and it works: the version, the counters and their reset
CREATE EXTENSION hubspot_fdw VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'hubspot_fdw';
ALTER EXTENSION hubspot_fdw UPDATE;
SELECT extversion, hubspot_fdw_version() = extversion AS library_matches
FROM pg_extension WHERE extname = 'hubspot_fdw';
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_upgrade FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_upgrade OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE up_roles (id bigint, name text) SERVER hs_upgrade OPTIONS (object 'roles');
SELECT count(*) > 0 AS has_roles FROM up_roles;
SELECT server, requests FROM hubspot_fdw_stats WHERE server = 'hs_upgrade';
SELECT hubspot_fdw_reset_counters((SELECT oid FROM pg_foreign_server WHERE srvname = 'hs_upgrade'));
SELECT server, requests FROM hubspot_fdw_stats WHERE server = 'hs_upgrade';
SELECT count(*) > 0 AS has_roles FROM up_roles;
SELECT hubspot_fdw_reset_counters();
SELECT server, requests FROM hubspot_fdw_stats WHERE server = 'hs_upgrade';
DROP SERVER hs_upgrade CASCADE;
DROP FUNCTION ext_snapshot(text);
