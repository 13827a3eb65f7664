-- bench/setup.sql: the server and tables the benchmark queries (psql -v sim_url=...)
CREATE EXTENSION IF NOT EXISTS hubspot_fdw;
DROP SERVER IF EXISTS hs_bench CASCADE;
CREATE SERVER hs_bench FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', search_per_second '1000', requests_per_10s '100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_bench OPTIONS (access_token 'sim-token');
-- every property of CRM users, each converted to its type
CREATE FOREIGN TABLE users (
  id bigint, hs_email text, hs_given_name text, hs_family_name text,
  hs_internal_user_id bigint, hs_deactivated boolean, hs_job_title text,
  hs_additional_phone text, hs_availability_status text,
  hs_standard_time_zone text, hs_main_user_language_skill text,
  hs_secondary_user_language_skill text, hs_uncategorized_skills text[],
  hs_working_hours jsonb, hs_out_of_office_hours text, hubspot_owner_id bigint,
  hubspot_team_id bigint, hs_searchable_calculated_name text,
  hs_createdate timestamptz, hs_lastmodifieddate timestamptz,
  created_at timestamptz, updated_at timestamptz, archived boolean
) SERVER hs_bench OPTIONS (object 'users');
CREATE FOREIGN TABLE contacts (id bigint, email text, hubspot_owner_id text,
  lifecyclestage text, num_notes integer)
  SERVER hs_bench OPTIONS (object 'contacts');
CREATE FOREIGN TABLE permitted_users (
  object_type text, object_type_id text, object_id bigint,
  resource text, action text, user_id bigint
) SERVER hs_bench OPTIONS (object 'permitted_users');
CREATE FOREIGN TABLE settings_users (
  id bigint, email text, first_name text, last_name text, role_id bigint,
  role_ids bigint[], primary_team_id bigint, secondary_team_ids bigint[],
  super_admin boolean, seat_names text[]
) SERVER hs_bench OPTIONS (object 'settings_users');
CREATE FOREIGN TABLE owners (
  id bigint, type text, email text, first_name text, last_name text,
  user_id bigint, user_id_including_inactive bigint, teams jsonb,
  archived boolean, created_at timestamptz, updated_at timestamptz
) SERVER hs_bench OPTIONS (object 'owners');
