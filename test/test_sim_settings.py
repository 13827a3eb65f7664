"""test_sim_settings.py: the simulator's settings users, roles, teams, owners
and CRM users writes behave as shared/hubspot-api sections 1, 2 and 4 and the
role-loss report (shared/seeds/001_...) say.

Runs against the simulator named by HUBSPOT_SIM_URL; the account is reset
before the tests and after each test that writes.
"""
import json
import os
import unittest
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ.get("HUBSPOT_SIM_URL", "http://127.0.0.1:8765")


def call(method, path, body=None, token="sim-token"):
    """call: (status, parsed body or None) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def data(kind):
    """data: the simulator's exported rows of one kind."""
    with urllib.request.urlopen(URL + "/_sim/data/" + kind) as r:
        return [json.loads(line) for line in r.read().decode().splitlines() if line]


def control(method, path, body=None):
    """control: a call to the control API."""
    data_ = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data_, method=method)
    with urllib.request.urlopen(req) as r:
        return r.read()


class SettingsSimTest(unittest.TestCase):
    """The settings module of the simulator."""

    @classmethod
    def setUpClass(cls):
        control("POST", "/_sim/reset")
        cls.users = data("settings_users")
        cls.multi = next(u for u in cls.users if len(u["role_ids"]) > 1)

    def writes(self):
        """writes: this test changes the account: reset it afterwards."""
        self.addCleanup(control, "POST", "/_sim/reset")

    def test_list_pages_everyone_once(self):
        seen = []
        after = None
        pages = 0
        while True:
            q = "?limit=500" + ("&after=" + urllib.parse.quote(after) if after else "")
            st, b = call("GET", "/settings/v3/users/" + q)
            self.assertEqual(st, 200)
            self.assertLessEqual(len(b["results"]), 100)
            seen += [int(u["id"]) for u in b["results"]]
            pages += 1
            nxt = b.get("paging", {}).get("next")
            if not nxt:
                break
            self.assertNotEqual(nxt["after"], after)
            after = nxt["after"]
        self.assertEqual(seen, [u["id"] for u in self.users])
        self.assertEqual(pages, (len(self.users) + 99) // 100)
        # the newer spelling of the path
        st, b = call("GET", "/settings/users/v3?limit=2")
        self.assertEqual([int(u["id"]) for u in b["results"]], seen[:2])

    def test_get_by_id_and_email(self):
        u = self.multi
        st, b = call("GET", "/settings/v3/users/%d" % u["id"])
        self.assertEqual(st, 200)
        self.assertEqual(b["roleIds"], [str(r) for r in u["role_ids"]])
        self.assertEqual(b["roleId"], str(u["role_ids"][0]))
        st, b = call("GET", "/settings/v3/users/%s?idProperty=EMAIL"
                     % urllib.parse.quote(u["email"].upper()))
        self.assertEqual((st, b["id"]), (200, str(u["id"])))
        st, b = call("GET", "/settings/v3/users/1")
        self.assertEqual((st, b["category"]), (404, "OBJECT_NOT_FOUND"))

    def test_put_keeps_only_the_role_sent(self):
        self.writes()
        u = self.multi
        path = "/settings/v3/users/%d" % u["id"]
        keep = str(u["role_ids"][-1])
        st, b = call("PUT", path, {"roleId": keep, "firstName": "X"})
        self.assertEqual(st, 200)
        self.assertEqual((b["roleId"], b["roleIds"], b["firstName"]), (keep, [keep], "X"))
        st, b = call("GET", path)
        self.assertEqual(b["roleIds"], [keep])

    def test_put_ignores_role_ids(self):
        self.writes()
        u = self.multi
        path = "/settings/v3/users/%d" % u["id"]
        st, b = call("PUT", path, {"roleIds": [str(r) for r in u["role_ids"]]})
        self.assertEqual((st, b["roleIds"]), (200, []))
        control("POST", "/_sim/reset")
        control("POST", "/_sim/config", {"settings_put_without_role_id": "keep_all"})
        st, b = call("PUT", path, {"firstName": "Y"})
        self.assertEqual(b["roleIds"], [str(r) for r in u["role_ids"]])

    def test_put_joined_role_ids_are_not_numeric(self):
        self.writes()
        u = self.multi
        path = "/settings/v3/users/%d" % u["id"]
        for sep in (";", ","):
            joined = sep.join(str(r) for r in u["role_ids"])
            st, b = call("PUT", path, {"roleId": joined})
            self.assertEqual(st, 400)
            self.assertEqual(b["category"], "VALIDATION_ERROR")
            self.assertEqual(b["subCategory"], "ValidationErrors.ROLE_ID_NOT_NUMERIC")
            self.assertEqual(b["message"], "Cannot parse roleId %s to a numerical value." % joined)
        st, b = call("GET", path)
        self.assertEqual(b["roleIds"], [str(r) for r in u["role_ids"]])

    def test_create_and_delete(self):
        self.writes()
        st, b = call("POST", "/settings/v3/users/",
                     {"email": "new.one@example.com", "roleId": "100",
                      "primaryTeamId": "7000", "sendWelcomeEmail": False})
        self.assertEqual(st, 201)
        uid = b["id"]
        self.assertEqual((b["roleIds"], b["primaryTeamId"]), (["100"], "7000"))
        st, _ = call("POST", "/settings/v3/users/", {"email": "NEW.one@example.com"})
        self.assertEqual(st, 409)
        st, b = call("GET", "/crm/v3/owners?email=new.one@example.com")
        self.assertEqual(b["results"][0]["userId"], int(uid))
        st, b = call("DELETE", "/settings/v3/users/" + uid)
        self.assertEqual((st, b), (204, None))
        st, _ = call("GET", "/settings/v3/users/" + uid)
        self.assertEqual(st, 404)

    def test_roles_and_teams(self):
        st, b = call("GET", "/settings/v3/users/roles")
        self.assertEqual(st, 200)
        self.assertTrue(all(isinstance(r["id"], str) for r in b["results"]))
        st, b = call("GET", "/settings/v3/users/teams")
        members = sum(len(t["userIds"]) for t in b["results"])
        self.assertEqual(members, sum(1 for u in self.users if u["primary_team_id"]))

    def test_owners(self):
        owners = data("owners")
        st, b = call("GET", "/crm/v3/owners?limit=1000")
        self.assertEqual(len(b["results"]), 500)
        self.assertFalse(any(o["archived"] for o in b["results"]))
        st, b = call("GET", "/crm/v3/owners")
        self.assertEqual(len(b["results"]), 100)
        arch = [o for o in owners if o["archived"]]
        st, b = call("GET", "/crm/v3/owners?archived=true&limit=500")
        self.assertEqual([int(o["id"]) for o in b["results"]], [o["id"] for o in arch][:500])
        self.assertTrue(all(o["userId"] is None for o in b["results"]))
        inactive = next(o for o in owners if not o["archived"] and o["type"] == "PERSON"
                        and o["user_id"] is None)
        st, b = call("GET", "/crm/v3/owners/%d" % inactive["id"])
        self.assertEqual((b["userId"], b["userIdIncludingInactive"]),
                         (None, inactive["user_id_including_inactive"]))
        st, _ = call("GET", "/crm/v3/owners/%d" % arch[0]["id"])
        self.assertEqual(st, 404)
        st, b = call("GET", "/crm/v3/owners/%d?archived=true" % arch[0]["id"])
        self.assertEqual((st, b["archived"]), (200, True))
        st, _ = call("GET", "/crm/v3/owners", token="sim-token-noscopes")
        self.assertEqual(st, 403)

    def test_crm_users_patch_and_batch_update(self):
        self.writes()
        st, b = call("PATCH", "/crm/v3/objects/users/1001",
                     {"properties": {"hs_job_title": "CEO", "hs_standard_time_zone": ""}})
        self.assertEqual(st, 200)
        self.assertEqual(b["properties"]["hs_job_title"], "CEO")
        self.assertIsNone(b["properties"]["hs_standard_time_zone"])
        st, b = call("PATCH", "/crm/v3/objects/users/1001",
                     {"properties": {"hs_email": "x@example.com"}})
        self.assertEqual((st, b["errors"][0]["code"]), (400, "READ_ONLY_VALUE"))
        st, b = call("PATCH", "/crm/v3/objects/users/1001",
                     {"properties": {"hs_standard_time_zone": "Mars/Olympus"}})
        self.assertEqual((st, b["errors"][0]["code"]), (400, "INVALID_OPTION"))
        ids = [u["id"] for u in data("users")[:3]]
        st, b = call("POST", "/crm/v3/objects/users/batch/update",
                     {"inputs": [{"id": str(i), "properties": {"hs_job_title": "T"}}
                                 for i in ids] + [{"id": "1", "properties": {}}]})
        self.assertEqual((st, b["numErrors"], b["errors"][0]["context"]["ids"]), (207, 1, ["1"]))
        self.assertEqual(len(b["results"]), 3)
        st, _ = call("POST", "/crm/v3/objects/users/batch/update",
                     {"inputs": [{"id": str(i), "properties": {}} for i in range(101)]})
        self.assertEqual(st, 400)


if __name__ == "__main__":
    unittest.main()
