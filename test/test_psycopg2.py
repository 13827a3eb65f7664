"""test_psycopg2.py: a real client library (Debian's python3-psycopg2) uses
hubspot_fdw as a BI tool would (issue 8): it imports the schema, reads the
tables' columns from information_schema and pg_catalog, and runs
parameterized queries whose rows equal the simulator's.

Runs with the harness's environment: PGHOST, PGPORT, PGUSER, PGDATABASE and
HUBSPOT_SIM_URL.
"""
import json
import os
import unittest
import urllib.request

import psycopg2

URL = os.environ.get("HUBSPOT_SIM_URL", "http://127.0.0.1:8765")
SCHEMA = "bi_hs"


def sim_rows(kind):
    """sim_rows: the simulator's exported rows of one kind."""
    with urllib.request.urlopen(URL + "/_sim/data/" + kind) as r:
        return [json.loads(line) for line in r.read().decode().splitlines() if line]


class Psycopg2Test(unittest.TestCase):
    """Psycopg2Test: what a BI tool does through psycopg2."""

    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg2.connect("")          # everything from PG* variables
        cls.conn.autocommit = True
        with cls.conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS hubspot_fdw")
            cur.execute("DROP SERVER IF EXISTS bi_server CASCADE")
            cur.execute("CREATE SERVER bi_server FOREIGN DATA WRAPPER hubspot_fdw "
                        "OPTIONS (api_url %s, search_per_second '100')", (URL,))
            cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bi_server "
                        "OPTIONS (access_token 'sim-token')")
            cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
            cur.execute("CREATE SCHEMA %s" % SCHEMA)
            cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (users, deals, roles) "
                        "FROM SERVER bi_server INTO %s" % SCHEMA)

    @classmethod
    def tearDownClass(cls):
        with cls.conn.cursor() as cur:
            cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
            cur.execute("DROP SERVER IF EXISTS bi_server CASCADE")
        cls.conn.close()

    def test_tables_in_information_schema(self):
        """The imported tables are listed as foreign tables."""
        with self.conn.cursor() as cur:
            cur.execute("SELECT table_name, table_type FROM information_schema.tables "
                        "WHERE table_schema = %s ORDER BY 1", (SCHEMA,))
            self.assertEqual(cur.fetchall(), [("deals", "FOREIGN"), ("roles", "FOREIGN"),
                                              ("users", "FOREIGN")])

    def test_columns_in_information_schema_and_pg_catalog(self):
        """Column names and types agree between the two catalogs."""
        with self.conn.cursor() as cur:
            cur.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = %s AND table_name = 'deals' "
                        "ORDER BY ordinal_position", (SCHEMA,))
            info = cur.fetchall()
            cur.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                        "ORDER BY attnum", (SCHEMA + ".deals",))
            cat = cur.fetchall()
        self.assertEqual([c for c, _ in info], [c for c, _ in cat])
        types = dict(info)
        self.assertEqual(types["id"], "bigint")
        self.assertEqual(types["amount"], "numeric")
        self.assertEqual(types["closedate"], "timestamp with time zone")
        self.assertEqual(types["hs_is_closed"], "boolean")
        self.assertEqual(types["properties"], "jsonb")

    def test_parameterized_queries(self):
        """Parameters bound by the client give the simulator's rows."""
        deals = {int(r["id"]): r for r in sim_rows("deals")}
        some = sorted(deals)[:5]
        with self.conn.cursor() as cur:
            cur.execute("SELECT id, dealname, dealstage FROM %s.deals WHERE id = %%s" % SCHEMA,
                        (some[0],))
            self.assertEqual(cur.fetchall(),
                             [(some[0], deals[some[0]]["dealname"], deals[some[0]]["dealstage"])])
            cur.execute("SELECT id FROM %s.deals WHERE id = ANY(%%s) ORDER BY id" % SCHEMA,
                        (some,))
            self.assertEqual([r[0] for r in cur.fetchall()], some)
            cur.execute("SELECT count(*) FROM %s.deals WHERE dealstage = %%s" % SCHEMA,
                        ("closedwon",))
            want = sum(1 for r in deals.values() if r["dealstage"] == "closedwon")
            self.assertEqual(cur.fetchone()[0], want)

    def test_roles(self):
        """A small fixed table reads whole."""
        roles = sim_rows("roles")
        with self.conn.cursor() as cur:
            cur.execute("SELECT id, name FROM %s.roles ORDER BY id" % SCHEMA)
            self.assertEqual(cur.fetchall(), sorted((int(r["id"]), r["name"]) for r in roles))


if __name__ == "__main__":
    unittest.main(verbosity=2)
