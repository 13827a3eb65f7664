--
-- import: IMPORT FOREIGN SCHEMA hubspot creates every table the wrapper
-- knows, and the tables answer queries (issue 8)
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_import FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', search_per_second '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_import OPTIONS (access_token 'sim-token');
CREATE SCHEMA hs;
\! simctl clear-log
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hs_import INTO hs;
-- one request per CRM type, one for all custom objects
\! simctl log
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'hs'::regnamespace ORDER BY 1;
-- columns and types of one CRM table
SELECT attname, format_type(atttypid, atttypmod) AS type, attfdwoptions
  FROM pg_attribute WHERE attrelid = 'hs.deals'::regclass AND attnum > 0 ORDER BY attnum;
-- a multi-value enumeration is text[]
SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
 WHERE attrelid = 'hs.users'::regclass AND attname = 'hs_uncategorized_skills';
SELECT count(*) AS users_with_two_skills FROM hs.users WHERE cardinality(hs_uncategorized_skills) = 2;
CREATE TEMP TABLE lskills (id bigint, skills text);
COPY lskills FROM PROGRAM 'simctl data users --csv --columns id,hs_uncategorized_skills' (FORMAT csv, HEADER);
SELECT count(*) AS local_users_with_two_skills FROM lskills
 WHERE cardinality(string_to_array(skills, ';')) = 2;
-- hidden properties are left out unless asked for
SELECT count(*) AS hidden_columns FROM pg_attribute
 WHERE attrelid = 'hs.users'::regclass AND attname = 'hs_internal_notes';

-- the imported tables answer queries, with the simulator's rows
CREATE TEMP TABLE ld (id bigint, amount numeric, dealstage text, closedate timestamptz);
COPY ld FROM PROGRAM 'simctl data deals --csv --columns id,amount,dealstage,closedate' (FORMAT csv, HEADER);
SELECT (SELECT count(*) FROM hs.deals) AS deals, (SELECT count(*) FROM ld) AS local;
SELECT count(*) AS different FROM (
  (SELECT id, amount, dealstage, closedate FROM hs.deals EXCEPT SELECT * FROM ld)
  UNION ALL
  (SELECT * FROM ld EXCEPT SELECT id, amount, dealstage, closedate FROM hs.deals)) d;
SELECT count(*) FROM hs.deals WHERE amount > 100000 AND dealstage = 'closedwon';
SELECT count(*) FROM ld WHERE amount > 100000 AND dealstage = 'closedwon';
SELECT count(*) AS users FROM hs.users WHERE hs_deactivated;
SELECT count(*) AS roles FROM hs.roles;
SELECT count(*) AS projects FROM hs.projects;
SELECT action, count(*) FROM hs.permitted_users
 WHERE object_type = 'deals' AND object_id = 9002 GROUP BY 1 ORDER BY 1;

-- LIMIT TO and EXCEPT: only what is named is fetched
CREATE SCHEMA hs2;
\! simctl clear-log
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals, roles) FROM SERVER hs_import INTO hs2;
\! simctl log
SELECT relname FROM pg_class WHERE relnamespace = 'hs2'::regnamespace ORDER BY 1;
CREATE SCHEMA hs3;
\! simctl clear-log
IMPORT FOREIGN SCHEMA hubspot EXCEPT (users, contacts, companies, deals, tickets, projects)
  FROM SERVER hs_import INTO hs3 OPTIONS (include_hidden 'true');
\! simctl log
SELECT relname FROM pg_class WHERE relnamespace = 'hs3'::regnamespace ORDER BY 1;
CREATE SCHEMA hs4;
IMPORT FOREIGN SCHEMA hubspot LIMIT TO (users) FROM SERVER hs_import INTO hs4
  OPTIONS (include_hidden 'true', include_archived_properties 'true');
SELECT count(*) AS hidden_columns FROM pg_attribute
 WHERE attrelid = 'hs4.users'::regclass AND attname = 'hs_internal_notes';

-- errors
IMPORT FOREIGN SCHEMA public FROM SERVER hs_import INTO hs2;
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hs_import INTO hs2 OPTIONS (verbose 'true');

-- clean up
DROP SCHEMA hs, hs2, hs3, hs4 CASCADE;
DROP SERVER hs_import CASCADE;
\! simctl reset
