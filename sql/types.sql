--
-- types: every property value arrives as a string and is converted to the
-- column's type; a value that does not convert is an error, never a NULL
-- (issue 2)
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_types FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_types OPTIONS (access_token 'sim-token');

-- the simulator's own text, to convert locally for comparison
CREATE TEMP TABLE sim (id bigint, internal text, deactivated text, created text,
  skills text, email text, updated text, archived text);
COPY sim FROM PROGRAM 'simctl data users --csv --columns id,hs_internal_user_id,hs_deactivated,hs_createdate,hs_uncategorized_skills,hs_email,updatedAt,archived' (FORMAT csv, HEADER);

CREATE FOREIGN TABLE typed (
  id bigint,
  as_text text OPTIONS (property 'hs_internal_user_id'),
  as_bigint bigint OPTIONS (property 'hs_internal_user_id'),
  as_integer integer OPTIONS (property 'hs_internal_user_id'),
  as_numeric numeric OPTIONS (property 'hs_internal_user_id'),
  as_double double precision OPTIONS (property 'hs_internal_user_id'),
  as_boolean boolean OPTIONS (property 'hs_deactivated'),
  as_timestamptz timestamptz OPTIONS (property 'hs_createdate'),
  as_date date OPTIONS (property 'hs_createdate'),
  as_array text[] OPTIONS (property 'hs_uncategorized_skills'),
  as_varchar varchar(200) OPTIONS (property 'hs_email'),
  updated_at timestamptz,
  archived boolean,
  properties jsonb
) SERVER hs_types OPTIONS (object 'users');

-- every conversion agrees with a local cast of the same text, on every row
SET timezone = 'UTC';
SELECT count(*) AS rows,
  count(*) FILTER (WHERE t.as_text IS DISTINCT FROM s.internal) AS text_diff,
  count(*) FILTER (WHERE t.as_bigint IS DISTINCT FROM s.internal::bigint) AS bigint_diff,
  count(*) FILTER (WHERE t.as_integer IS DISTINCT FROM s.internal::integer) AS int_diff,
  count(*) FILTER (WHERE t.as_numeric IS DISTINCT FROM s.internal::numeric) AS numeric_diff,
  count(*) FILTER (WHERE t.as_double IS DISTINCT FROM s.internal::double precision) AS double_diff,
  count(*) FILTER (WHERE t.as_boolean IS DISTINCT FROM s.deactivated::boolean) AS bool_diff,
  count(*) FILTER (WHERE t.as_timestamptz IS DISTINCT FROM
      CASE WHEN s.created ~ '^-?[0-9]+$' THEN to_timestamp(s.created::bigint / 1000.0)
           ELSE s.created::timestamptz END) AS ts_diff,
  count(*) FILTER (WHERE t.as_date IS DISTINCT FROM
      (CASE WHEN s.created ~ '^-?[0-9]+$' THEN to_timestamp(s.created::bigint / 1000.0)
           ELSE s.created::timestamptz END)::date) AS date_diff,
  count(*) FILTER (WHERE t.as_array IS DISTINCT FROM
      CASE WHEN s.skills = '' THEN '{}'::text[] ELSE string_to_array(s.skills, ';') END) AS array_diff,
  count(*) FILTER (WHERE t.as_varchar IS DISTINCT FROM s.email) AS varchar_diff,
  count(*) FILTER (WHERE t.updated_at IS DISTINCT FROM s.updated::timestamptz) AS updated_diff,
  count(*) FILTER (WHERE t.archived IS DISTINCT FROM s.archived::boolean) AS archived_diff,
  count(*) FILTER (WHERE t.properties->>'hs_email' IS DISTINCT FROM s.email) AS jsonb_diff
FROM typed t JOIN sim s USING (id);
-- the data has values of each kind
SELECT count(*) FILTER (WHERE as_boolean) > 0 AS some_true,
       count(*) FILTER (WHERE NOT as_boolean) > 0 AS some_false,
       count(*) FILTER (WHERE cardinality(as_array) > 1) > 0 AS some_multi,
       count(*) FILTER (WHERE as_array IS NULL) > 0 AS some_null
  FROM typed;

-- a value that does not convert names table, column, record and value
CREATE FOREIGN TABLE badtyped (id bigint, hs_email bigint) SERVER hs_types OPTIONS (object 'users');
SELECT * FROM badtyped ORDER BY id LIMIT 1;
CREATE FOREIGN TABLE badbool (id bigint, flag boolean OPTIONS (property 'hs_job_title'))
  SERVER hs_types OPTIONS (object 'users');
SELECT count(*) FROM badbool WHERE flag IS NOT NULL;
CREATE FOREIGN TABLE baddate (id bigint, d date OPTIONS (property 'hs_email'))
  SERVER hs_types OPTIONS (object 'users');
SELECT count(*) FROM baddate WHERE d IS NOT NULL;
RESET timezone;

-- clean up
DROP SERVER hs_types CASCADE;
