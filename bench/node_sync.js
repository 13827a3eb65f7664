// node_sync.js: the usual sync alternative to hubspot_fdw, for bench/run.sh.
//
// HubSpot's official Node client (@hubspot/api-client, default settings: no
// limiter, no retries) reads CRM users and streams them into a Postgres table
// with COPY FROM STDIN (pg + pg-copy-streams), the values converted to the
// same column types as the benchmark's foreign table.  Two modes:
//   scan   every user: GET /crm/v3/objects/users, 100 a page, the cursor
//          followed one page after another (basicApi.getPage);
//   batch  the users whose ids IDS_FILE holds (JSON array): batch reads of
//          100 ids one after another (batchApi.read).
//
// Usage: node node_sync.js scan  BASE_PATH TABLE PROPERTY,PROPERTY,...
//        node node_sync.js batch BASE_PATH TABLE PROPERTY,PROPERTY,... IDS_FILE
// Connects to Postgres through PGHOST/PGPORT/PGUSER/PGDATABASE.  Prints one
// line of JSON: {"rows", "requests", "seconds"}, seconds from the first
// request to the COPY's end (Node's own start-up excluded).
'use strict';

const hubspot = require('@hubspot/api-client');
const { Client: PgClient } = require('pg');
const { from: copyFrom } = require('pg-copy-streams');

// the columns, in order: the record's own fields and then the properties
const [mode, basePath, table, propList, idsFile] = process.argv.slice(2);
if (!['scan', 'batch'].includes(mode) || !basePath || !table || !propList ||
    (mode === 'batch' && !idsFile)) {
  console.error('usage: node node_sync.js scan|batch BASE_PATH TABLE PROPERTY,... [IDS_FILE]');
  process.exit(2);
}
const properties = propList.split(',');
// property -> column type in the table, as in bench/setup.sql
const TYPES = {
  hs_internal_user_id: 'bigint', hubspot_owner_id: 'bigint', hubspot_team_id: 'bigint',
  hs_deactivated: 'boolean', hs_uncategorized_skills: 'text[]',
  hs_working_hours: 'jsonb', hs_createdate: 'timestamptz',
  hs_lastmodifieddate: 'timestamptz',
};

// csv: one value as COPY's CSV reads it (NULL unquoted and empty)
function csv(v) {
  if (v === null || v === undefined) return '';
  return '"' + String(v).replace(/"/g, '""') + '"';
}

// arrayLiteral: HubSpot's ";"-joined multi-value as a text[] literal
function arrayLiteral(v) {
  if (v === null || v === undefined || v === '') return null;
  return '{' + v.split(';').map((x) => '"' + x.replace(/(["\\])/g, '\\$1') + '"').join(',') + '}';
}

function line(rec) {
  const out = [csv(rec.id)];
  for (const p of properties) {
    const v = rec.properties[p];
    out.push(csv(TYPES[p] === 'text[]' ? arrayLiteral(v) : v));
  }
  out.push(csv(rec.createdAt ? new Date(rec.createdAt).toISOString() : null));
  out.push(csv(rec.updatedAt ? new Date(rec.updatedAt).toISOString() : null));
  out.push(rec.archived ? 'true' : 'false');
  return out.join(',') + '\n';
}

async function main() {
  const pg = new PgClient();
  await pg.connect();
  const cols = ['id bigint'].concat(properties.map((p) => `${p} ${TYPES[p] || 'text'}`),
    ['created_at timestamptz', 'updated_at timestamptz', 'archived boolean']);
  await pg.query(`DROP TABLE IF EXISTS ${table}`);
  await pg.query(`CREATE UNLOGGED TABLE ${table} (${cols.join(', ')})`);

  const client = new hubspot.Client({ accessToken: 'sim-token', basePath });
  const t0 = process.hrtime.bigint();
  await pg.query('BEGIN');
  const stream = pg.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv)`));
  const done = new Promise((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let rows = 0;
  let requests = 0;
  // put: one answer's records into the COPY stream
  const put = async (results) => {
    let chunk = '';
    for (const rec of results) chunk += line(rec);
    rows += results.length;
    if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
  };
  if (mode === 'scan') {
    let after;
    do {
      const page = await client.crm.objects.basicApi.getPage('users', 100, after, properties);
      requests++;
      await put(page.results);
      after = page.paging && page.paging.next ? page.paging.next.after : undefined;
    } while (after);
  } else {
    const ids = JSON.parse(require('fs').readFileSync(idsFile, 'utf8'));
    for (let i = 0; i < ids.length; i += 100) {
      const inputs = ids.slice(i, i + 100).map((id) => ({ id: String(id) }));
      const answer = await client.crm.objects.batchApi.read(
        'users', { inputs, properties, propertiesWithHistory: [] }, false);
      requests++;
      await put(answer.results);
    }
  }
  stream.end();
  await done;
  await pg.query('COMMIT');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = (await pg.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  await pg.end();
  if (n !== rows) throw new Error(`COPY stored ${n} rows of ${rows}`);
  console.log(JSON.stringify({ rows, requests, seconds }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
