#!/usr/bin/env python3
"""gen_oracle.py: write sql/oracle.sql, the pushdown oracle suite.

The suite loads the simulator's users into an ordinary table and runs
generated WHERE / ORDER BY / LIMIT combinations both through the wrapper and
on that local copy; every query's line shows how many rows it has and how
many rows differ between the two (EXCEPT ALL both ways, every column).  The
expected output is all zeros in the diff column: pushdown never changes a
result.

Values are drawn from the simulator's dataset (seed 42), so that filters
match real rows, with mixed case, unicode, quotes and backslashes; about a
fifth of the queries run as prepared statements with generic plans, so the
values travel as parameters.

Usage: HUBSPOT_SIM_URL=http://127.0.0.1:PORT python3 test/gen_oracle.py > sql/oracle.sql
"""
import json
import os
import random
import subprocess
import sys

COLS = [
    ("id", "bigint"),
    ("hs_email", "text"),
    ("hs_given_name", "text"),
    ("hs_family_name", "text"),
    ("hs_job_title", "text"),
    ("hs_internal_user_id", "bigint"),
    ("hs_deactivated", "boolean"),
    ("hs_createdate", "timestamptz"),
    ("hs_availability_status", "text"),
    ("hs_standard_time_zone", "text"),
]
TEXT = ["hs_email", "hs_given_name", "hs_family_name", "hs_job_title",
        "hs_availability_status", "hs_standard_time_zone"]
NUM = ["hs_internal_user_id", "id"]
N_QUERIES = 330


def lit(v):
    """A SQL literal for a Python value."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def load_users():
    """The simulator's users, as dicts of property strings."""
    out = subprocess.run(["simctl", "data", "users"], check=True,
                         capture_output=True, text=True).stdout
    users = []
    for line in out.splitlines():
        if line.strip():
            rec = json.loads(line)     # flat: id and every property
            props = {k: (str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                     for k, v in rec.items()}
            users.append(props)
    return users


class Gen:
    """Random conditions over the dataset's real values."""

    def __init__(self, users, rnd):
        self.users = users
        self.r = rnd
        self.values = {c: [u.get(c) for u in users if u.get(c) not in (None, "")]
                       for c, _ in COLS}

    def some(self, col):
        vals = self.values[col]
        return self.r.choice(vals) if vals else "x"

    def text_value(self, col):
        v = self.some(col)
        roll = self.r.random()
        if roll < 0.25:
            v = v.upper()
        elif roll < 0.35:
            v = v.swapcase()
        elif roll < 0.45:
            v = self.r.choice(["O'Brien", "back\\slash", "café", "日本語", "emoji 🎉",
                               "quote\"d", "", "nobody@nowhere.example"])
        return v

    def num_value(self, col):
        v = int(self.some(col))
        return v + self.r.choice([0, 0, 0, 1, -1, 7, -50])

    def ts_value(self):
        v = self.some("hs_createdate")
        if v.isdigit():
            return ("to_timestamp(%d / 1000.0)" % int(v), True)
        return (lit(v) + "::timestamptz", True)

    def atom(self):
        kind = self.r.choice(["text"] * 4 + ["num"] * 3 + ["bool", "ts", "ts", "null", "in", "like"])
        if kind == "text":
            col = self.r.choice(TEXT)
            op = self.r.choice(["=", "=", "=", "<>", "<", ">="])
            return "%s %s %s" % (col, op, lit(self.text_value(col)))
        if kind == "num":
            col = self.r.choice(NUM)
            op = self.r.choice(["=", "<>", "<", "<=", ">", ">=", "between"])
            if op == "between":
                a, b = sorted([self.num_value(col), self.num_value(col)])
                return "%s BETWEEN %d AND %d" % (col, a, b)
            return "%s %s %d" % (col, op, self.num_value(col))
        if kind == "bool":
            return self.r.choice(["hs_deactivated", "NOT hs_deactivated",
                                  "hs_deactivated = true", "hs_deactivated IS FALSE",
                                  "hs_deactivated IS NULL"])
        if kind == "ts":
            v, _ = self.ts_value()
            op = self.r.choice(["<", "<=", ">", ">=", "="])
            if self.r.random() < 0.2:
                v = v + " + interval '0.5 ms'"
            return "hs_createdate %s %s" % (op, v)
        if kind == "null":
            col = self.r.choice(TEXT + ["hs_internal_user_id", "hs_createdate"])
            return "%s IS %sNULL" % (col, self.r.choice(["", "NOT "]))
        if kind == "in":
            col = self.r.choice(TEXT + NUM)
            n = self.r.randint(1, 5)
            if col in NUM:
                vals = ", ".join(str(self.num_value(col)) for _ in range(n))
            else:
                vals = ", ".join(lit(self.text_value(col)) for _ in range(n))
            neg = "NOT " if self.r.random() < 0.25 else ""
            return "%s %sIN (%s)" % (col, neg, vals)
        col = self.r.choice(TEXT)
        v = self.text_value(col)[:3]
        return "%s LIKE %s" % (col, lit(v.replace("%", "") + "%"))

    def cond(self, depth=0):
        roll = self.r.random()
        if depth > 1 or roll < 0.35:
            return self.atom()
        if roll < 0.65:
            return " AND ".join("(%s)" % self.cond(depth + 1) for _ in range(self.r.randint(2, 3)))
        if roll < 0.93:
            return " OR ".join("(%s)" % self.cond(depth + 1) for _ in range(self.r.randint(2, 3)))
        return "NOT (%s)" % self.cond(depth + 1)


def main():
    rnd = random.Random(20261124)
    users = load_users()
    g = Gen(users, rnd)
    out = []
    w = out.append
    w("--\n-- oracle: generated WHERE / ORDER BY / LIMIT combinations give exactly the\n"
      "-- same rows through the wrapper as on a local copy of the simulator's data.\n"
      "-- Generated by test/gen_oracle.py; diff must be 0 on every line (issue 3).\n--\n")
    w("\\getenv sim_url HUBSPOT_SIM_URL\n\\! simctl reset\n")
    w("CREATE SERVER hs_oracle FOREIGN DATA WRAPPER hubspot_fdw\n"
      "  OPTIONS (api_url :'sim_url', search_per_second '200');\n")
    w("CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oracle OPTIONS (access_token 'sim-token');\n")
    cols = ",\n  ".join("%s %s" % c for c in COLS)
    w("CREATE FOREIGN TABLE fu (\n  %s\n) SERVER hs_oracle OPTIONS (object 'users');\n" % cols)
    w("CREATE TEMP TABLE raw (%s);\n" % ", ".join("%s text" % c for c, _ in COLS))
    w("COPY raw FROM PROGRAM 'simctl data users --csv --columns %s' (FORMAT csv, HEADER);\n"
      % ",".join(c for c, _ in COLS))
    conv = []
    for c, t in COLS:
        if t == "timestamptz":
            conv.append("CASE WHEN %s ~ '^-?[0-9]+$' THEN to_timestamp(%s::bigint / 1000.0) "
                        "ELSE %s::timestamptz END" % (c, c, c))
        elif t == "text":
            conv.append(c)
        else:
            conv.append("nullif(%s, '')::%s" % (c, t))
    w("CREATE TEMP TABLE lu AS SELECT %s FROM raw;\n" % ",\n  ".join(
        "%s AS %s" % (e, c) for e, (c, _) in zip(conv, COLS)))
    w("SELECT count(*) AS local_rows FROM lu;\n")
    w("SET plan_cache_mode = force_generic_plan;\n")
    w("\\pset footer off\n")

    allc = ", ".join(c for c, _ in COLS)
    for q in range(1, N_QUERIES + 1):
        shape = rnd.random()
        cond = g.cond()
        if shape < 0.70:
            f = "SELECT %s FROM fu WHERE %s" % (allc, cond)
            l_ = "SELECT %s FROM lu WHERE %s" % (allc, cond)
        elif shape < 0.85:
            col = rnd.choice(["hs_internal_user_id", "hs_createdate", "id", "hs_deactivated"])
            d = rnd.choice(["", " DESC", " NULLS FIRST", " DESC NULLS LAST"])
            n = rnd.choice([1, 7, 25, 250])
            off = rnd.choice(["", "", " OFFSET 3"])
            where = "" if rnd.random() < 0.5 else " WHERE " + g.atom()
            f = "SELECT %s FROM (SELECT %s FROM fu%s ORDER BY %s%s LIMIT %d%s) s" % (
                col, col, where, col, d, n, off)
            l_ = "SELECT %s FROM (SELECT %s FROM lu%s ORDER BY %s%s LIMIT %d%s) s" % (
                col, col, where, col, d, n, off)
        else:
            n = rnd.choice([1, 7, 150])
            f = "SELECT count(*) FROM (SELECT id FROM fu WHERE %s LIMIT %d) s" % (cond, n)
            l_ = "SELECT least(count(*), %d) FROM (SELECT id FROM lu WHERE %s) s" % (n, cond)
        body = ("WITH f AS MATERIALIZED (%s), l AS MATERIALIZED (%s) "
                "SELECT %d AS q, (SELECT count(*) FROM l) AS rows, "
                "(SELECT count(*) FROM (SELECT * FROM f EXCEPT ALL SELECT * FROM l) a) + "
                "(SELECT count(*) FROM (SELECT * FROM l EXCEPT ALL SELECT * FROM f) b) AS diff")
        if rnd.random() < 0.2 and shape < 0.70:
            # the same with a parameter: the first literal of the condition
            import re
            m = re.search(r"'(?:[^']|'')*'|\b\d{3,}\b", cond)
            if m:
                val = m.group(0)
                typ = "text" if val.startswith("'") else "bigint"
                pcond = cond[:m.start()] + "$1" + cond[m.end():]
                pf = "SELECT %s FROM fu WHERE %s" % (allc, pcond)
                pl = "SELECT %s FROM lu WHERE %s" % (allc, pcond)
                w("PREPARE p%d(%s) AS %s;\n" % (q, typ, body % (pf, pl, q)))
                w("EXECUTE p%d(%s);\nDEALLOCATE p%d;\n" % (q, val, q))
                continue
        w(body % (f, l_, q) + ";\n")
    w("RESET plan_cache_mode;\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    if not os.environ.get("HUBSPOT_SIM_URL"):
        sys.exit("gen_oracle.py: set HUBSPOT_SIM_URL")
    main()
