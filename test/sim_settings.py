"""sim_settings.py: the simulator's settings users, roles, teams and owners.

shared/hubspot-api sections 2 and 4, the users part of section 1 that writes
(PATCH and batch update of CRM users), and the role-loss fault reported in
shared/seeds/001_...:

  GET    /settings/v3/users/?limit&after     (also /settings/users/v3)
         list, at most settings_list_max_limit (100) a page, opaque cursor
  GET    /settings/v3/users/{id}?idProperty=USER_ID|EMAIL
  POST   /settings/v3/users/                 create (201); duplicate email 409
  PUT    /settings/v3/users/{id}?idProperty  update: the user keeps only the
         roleId sent; roleIds is ignored; "1;2" or "1,2" is a 400
         ROLE_ID_NOT_NUMERIC.  Without a roleId (UNCONFIRMED, config
         settings_put_without_role_id): "clear" (default: the report's PUT
         with only roleIds answered roleIds []), "keep_first", "keep_all"
  DELETE /settings/v3/users/{id}?idProperty  (204)
  GET    /settings/v3/users/roles, /settings/v3/users/teams  (not paged)
  GET    /crm/v3/owners?limit&after&email&archived   limit default 100,
         max owners_max_limit (500); email matched without regard to case
         (UNCONFIRMED, config owners_email_case_insensitive)
  GET    /crm/v3/owners/{id}?idProperty=id|userId&archived
  PATCH  /crm/v3/objects/users/{id}          {properties}: read-only or
         unknown properties are a 400, an empty string clears a value
  POST   /crm/v3/objects/users/batch/update  {inputs:[{id, properties}]},
         at most batch_max; 207 with errors[] when some ids are unknown

Settings users are the dataset's people that are not deleted (deactivated
ones included).  An owner is archived when its user was deleted or, for most
deactivated users, deactivated; a deactivated user's owner has userId null.
Exporters (column names of the wrapper's tables): settings_users, roles,
teams, owners (archived ones included).
"""
import bisect
import time
import urllib.parse

import sim_crm
from sim_data import Person, iso

SU_READ = ["settings.users.read", "crm.objects.users.read"]
SU_WRITE = ["settings.users.write"]
TEAMS_READ = ["settings.users.teams.read"]
OWNERS_READ = ["crm.objects.owners.read"]
USERS_WRITE = ["crm.objects.users.write"]


def reset(sim):
    """reset: this module's settings."""
    c = sim.config
    c.setdefault("settings_list_max_limit", 100)
    c.setdefault("settings_email_case_insensitive", True)
    c.setdefault("settings_put_without_role_id", "clear")
    c.setdefault("owners_max_limit", 500)
    c.setdefault("owners_default_limit", 100)
    c.setdefault("owners_email_case_insensitive", True)
    sim.settings_cache = None


# ---- the dataset seen as settings users and owners ----

def index(sim):
    """index: live users by user id and all owners by owner id, cached."""
    d = sim.data
    key = (id(d), d.version)
    c = sim.settings_cache
    if c is not None and c["key"] == key:
        return c
    users = sorted((p for p in d.people if not p.deleted), key=lambda p: p.user_id)
    owners = [(p.owner_id, p) for p in d.people] + \
        [(q["id"], q) for q in d.queues]
    owners.sort(key=lambda x: x[0])
    c = {"key": key, "users": users, "user_ids": [p.user_id for p in users],
         "owners": [o for _, o in owners], "owner_ids": [i for i, _ in owners]}
    sim.settings_cache = c
    return c


def user_json(p):
    """user_json: a person as PublicUser (ids as strings, nulls left out)."""
    u = {"id": str(p.user_id), "email": p.email}
    if p.first_name is not None:
        u["firstName"] = p.first_name
    if p.last_name is not None:
        u["lastName"] = p.last_name
    if p.role_ids:
        u["roleId"] = str(p.role_ids[0])
    u["roleIds"] = [str(r) for r in p.role_ids]
    if p.primary_team_id is not None:
        u["primaryTeamId"] = str(p.primary_team_id)
    u["secondaryTeamIds"] = [str(t) for t in p.secondary_team_ids]
    u["superAdmin"] = bool(p.super_admin)
    u["seatNames"] = list(p.seat_names)
    return u


def same_email(sim, a, b, key):
    """same_email: whether two addresses match as the API compares them."""
    if a is None or b is None:
        return False
    if sim.config.get(key, True):
        return a.lower() == b.lower()
    return a == b


def find_user(req):
    """find_user: the live person the path names, or HubSpot's 404/400."""
    sim = req.sim
    key = urllib.parse.unquote(req.match.group("id"))
    idp = (req.arg("idProperty") or "USER_ID").upper()
    if idp == "EMAIL":
        for p in index(sim)["users"]:
            if same_email(sim, p.email, key, "settings_email_case_insensitive"):
                return p
    elif idp == "USER_ID":
        if key.isdigit():
            p = sim.data.person_by_user_id(int(key))
            if p is not None:
                return p
    else:
        raise sim.ApiError(400, "Invalid idProperty: %s. Use USER_ID or EMAIL." % idp,
                           "VALIDATION_ERROR")
    raise sim.ApiError(404, "Could not find user with %s %s" % (idp, key),
                       "OBJECT_NOT_FOUND")


def owner_json(sim, o):
    """owner_json: a person or a queue as PublicOwner."""
    d = sim.data
    if isinstance(o, dict):     # a queue
        return {"id": str(o["id"]), "type": "QUEUE", "firstName": o["firstName"],
                "lastName": o["lastName"], "teams": [],
                "archived": o["archived"], "createdAt": iso(o["created_ms"]),
                "updatedAt": iso(o["created_ms"])}
    teams = {t["id"]: t["name"] for t in d.teams}
    out = {"id": str(o.owner_id), "type": "PERSON", "email": o.email}
    if o.first_name is not None:
        out["firstName"] = o.first_name
    if o.last_name is not None:
        out["lastName"] = o.last_name
    out["userId"] = None if (o.deactivated or o.deleted) else o.user_id
    out["userIdIncludingInactive"] = o.user_id
    tl = []
    if o.primary_team_id is not None and o.primary_team_id in teams:
        tl.append({"id": str(o.primary_team_id), "name": teams[o.primary_team_id],
                   "primary": True})
    for t in o.secondary_team_ids:
        if t in teams:
            tl.append({"id": str(t), "name": teams[t], "primary": False})
    out["teams"] = tl
    out["archived"] = owner_archived(o)
    out["createdAt"] = iso(o.created_ms)
    out["updatedAt"] = iso(o.updated_ms)
    return out


def owner_archived(o):
    """owner_archived: whether an owner (person or queue) is archived."""
    if isinstance(o, dict):
        return o["archived"]
    return bool(o.archived_owner or o.deleted)


def parse_limit(req, default, maximum):
    """parse_limit: the limit parameter, kept within the API's bounds."""
    v = req.arg("limit")
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise req.sim.ApiError(400, "Invalid value for limit: %s" % v)
    return max(1, min(n, maximum))


def next_paging(req, cur):
    """next_paging: the paging object that points at cursor cur."""
    return {"next": {"after": cur,
                     "link": "https://api.hubapi.com%s?after=%s" % (req.path, cur)}}


def parse_bool(req, name):
    """parse_bool: a true/false query parameter (false when absent)."""
    v = (req.arg(name) or "false").lower()
    if v not in ("true", "false"):
        raise req.sim.ApiError(400, "Invalid value for %s: %s" % (name, v))
    return v == "true"


# ---- settings users ----

def h_users_list(req):
    """h_users_list: GET /settings/v3/users/: one page of the user cursor."""
    sim = req.sim
    limit = parse_limit(req, 100, sim.config["settings_list_max_limit"])
    after = req.arg("after")
    with sim.data.lock:
        ix = index(sim)
        start = 0
        if after:
            last = sim.decode_cursor(after).get("u")
            start = bisect.bisect_right(ix["user_ids"], last)
        page = ix["users"][start:start + limit]
        out = [user_json(p) for p in page]
        more = start + limit < len(ix["users"])
    body = {"results": out}
    if more and out:
        body["paging"] = next_paging(req, sim.encode_cursor({"u": page[-1].user_id}))
    return 200, body


def h_user_get(req):
    """h_user_get: GET /settings/v3/users/{id}."""
    with req.sim.data.lock:
        return 200, user_json(find_user(req))


def role_of(req, v):
    """role_of: a body's roleId as a role id, with HubSpot's 400s."""
    sim = req.sim
    s = str(v).strip() if not isinstance(v, bool) else str(v)
    if not s.isdigit():
        raise sim.ApiError(400, "Cannot parse roleId %s to a numerical value." % s,
                           "VALIDATION_ERROR", "ValidationErrors.ROLE_ID_NOT_NUMERIC")
    rid = int(s)
    if rid not in [r["id"] for r in sim.data.roles]:
        raise sim.ApiError(400, "Role %s does not exist." % s, "VALIDATION_ERROR",
                           "ValidationErrors.ROLE_NOT_FOUND")
    return rid


def team_of(req, v):
    """team_of: a team id from a body, with a 400 for unknown teams."""
    sim = req.sim
    s = str(v).strip()
    if not s.isdigit() or int(s) not in [t["id"] for t in sim.data.teams]:
        raise sim.ApiError(400, "Team %s does not exist." % s, "VALIDATION_ERROR",
                           "ValidationErrors.TEAM_NOT_FOUND")
    return int(s)


def apply_fields(req, p, b):
    """apply_fields: a body's names, team and seats onto a person."""
    sim = req.sim
    if "primaryTeamId" in b:
        p.primary_team_id = team_of(req, b["primaryTeamId"]) \
            if b["primaryTeamId"] not in (None, "") else None
    if "secondaryTeamIds" in b:
        v = b["secondaryTeamIds"] or []
        if not isinstance(v, list):
            raise sim.ApiError(400, "secondaryTeamIds must be an array.")
        p.secondary_team_ids = sorted(set(team_of(req, t) for t in v))
    if "seatNames" in b:
        v = b["seatNames"] or []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise sim.ApiError(400, "seatNames must be an array of strings.")
        p.seat_names = list(v)
    for k, attr, prop in (("firstName", "first_name", "hs_given_name"),
                          ("lastName", "last_name", "hs_family_name")):
        if k in b:
            v = b[k]
            if v is not None and not isinstance(v, str):
                raise sim.ApiError(400, "%s must be a string." % k)
            setattr(p, attr, v)
            p.props[prop] = v
    p.props["hubspot_team_id"] = str(p.primary_team_id) if p.primary_team_id else None
    p.props["hs_searchable_calculated_name"] = " ".join(
        x for x in (p.first_name, p.last_name) if x) or None
    touch_person(sim, p)


def touch_person(sim, p):
    """touch_person: note that a person changed now."""
    now = int(time.time() * 1000)
    p.updated_ms = now
    rec = sim.data.stores["users"].records.get(p.record_id)
    if rec is not None:
        rec["updatedAt"] = now
        rec["properties"]["hs_lastmodifieddate"] = iso(now)
    sim.data.touch()


def h_user_create(req):
    """h_user_create: POST /settings/v3/users/: a new user (and owner)."""
    sim = req.sim
    b = req.json
    if not isinstance(b, dict):
        raise sim.ApiError(400, "Invalid input JSON: expected an object.")
    email = b.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise sim.ApiError(400, "A valid email is required.", "VALIDATION_ERROR",
                           context={"email": [str(email)]})
    d = sim.data
    with d.lock:
        for q in index(sim)["users"]:
            if q.email.lower() == email.lower():
                raise sim.ApiError(409, "A user with email %s already exists." % email,
                                   "CONFLICT")
        roles = [role_of(req, b["roleId"])] if b.get("roleId") not in (None, "") else []
        st = d.stores["users"]
        now = int(time.time() * 1000)
        p = Person()
        p.index = len(d.people)
        p.record_id = st.next_id
        p.user_id = d.next_user_id
        p.owner_id = d.next_owner_id
        d.next_user_id += 1 + p.index % 5
        d.next_owner_id += 1 + p.index % 3
        p.email = email
        p.first_name = p.last_name = p.job_title = None
        p.deactivated = p.super_admin = p.deleted = p.archived_owner = False
        p.role_ids = roles
        p.primary_team_id = None
        p.secondary_team_ids = []
        p.seat_names = []
        p.created_ms = p.updated_ms = now
        props = {n["name"]: None for n in st.properties}
        props.update({"hs_email": email, "hs_internal_user_id": str(p.user_id),
                      "hs_deactivated": "false", "hubspot_owner_id": str(p.owner_id)})
        st.add(p.record_id, props, now, now)
        p.props = st.records[p.record_id]["properties"]
        d.people.append(p)
        d.by_user_id[p.user_id] = p
        d.by_owner_id[p.owner_id] = p
        apply_fields(req, p, b)
        return 201, user_json(p)


def h_user_put(req):
    """h_user_put: PUT /settings/v3/users/{id}: HubSpot's lossy update."""
    sim = req.sim
    b = req.json
    if not isinstance(b, dict):
        raise sim.ApiError(400, "Invalid input JSON: expected an object.")
    with sim.data.lock:
        p = find_user(req)
        # validate everything before changing anything
        role = role_of(req, b["roleId"]) if b.get("roleId") not in (None, "") else None
        if "primaryTeamId" in b and b["primaryTeamId"] not in (None, ""):
            team_of(req, b["primaryTeamId"])
        for t in b.get("secondaryTeamIds") or []:
            team_of(req, t)
        # the reported fault: only the roleId sent survives; roleIds ignored
        if role is not None:
            p.role_ids = [role]
        else:
            mode = sim.config.get("settings_put_without_role_id", "clear")
            if mode == "clear":
                p.role_ids = []
            elif mode == "keep_first":
                p.role_ids = p.role_ids[:1]
        apply_fields(req, p, b)
        return 200, user_json(p)


def h_user_delete(req):
    """h_user_delete: DELETE /settings/v3/users/{id}: remove the user."""
    sim = req.sim
    with sim.data.lock:
        p = find_user(req)
        p.deleted = True
        rec = sim.data.stores["users"].records.get(p.record_id)
        if rec is not None:
            rec["archived"] = True
        touch_person(sim, p)
    return 204, None


def h_roles(req):
    """h_roles: GET /settings/v3/users/roles."""
    return 200, {"results": [{"id": str(r["id"]), "name": r["name"],
                              "requiresBillingWrite": r["requiresBillingWrite"]}
                             for r in req.sim.data.roles]}


def team_members(sim):
    """team_members: {team id: (primary user ids, secondary user ids)}."""
    m = {t["id"]: ([], []) for t in sim.data.teams}
    for p in index(sim)["users"]:
        if p.primary_team_id in m:
            m[p.primary_team_id][0].append(p.user_id)
        for t in p.secondary_team_ids:
            if t in m:
                m[t][1].append(p.user_id)
    return m


def h_teams(req):
    """h_teams: GET /settings/v3/users/teams."""
    sim = req.sim
    with sim.data.lock:
        m = team_members(sim)
        return 200, {"results": [{"id": str(t["id"]), "name": t["name"],
                                  "userIds": [str(u) for u in m[t["id"]][0]],
                                  "secondaryUserIds": [str(u) for u in m[t["id"]][1]]}
                                 for t in sim.data.teams]}


# ---- owners ----

def h_owners(req):
    """h_owners: GET /crm/v3/owners: one page, filtered by email and archived."""
    sim = req.sim
    limit = parse_limit(req, sim.config["owners_default_limit"],
                        sim.config["owners_max_limit"])
    archived = parse_bool(req, "archived")
    email = req.arg("email")
    after = req.arg("after")
    with sim.data.lock:
        ix = index(sim)
        start = 0
        if after:
            last = sim.decode_cursor(after).get("o")
            start = bisect.bisect_right(ix["owner_ids"], last)
        owners = ix["owners"]
        out = []
        i = start
        more = False
        while i < len(owners):
            o = owners[i]
            i += 1
            if owner_archived(o) != archived:
                continue
            if email is not None and not same_email(
                    sim, None if isinstance(o, dict) else o.email, email,
                    "owners_email_case_insensitive"):
                continue
            if len(out) == limit:
                more = True
                break
            out.append(o)
        body = {"results": [owner_json(sim, o) for o in out]}
    if more:
        last = out[-1]
        body["paging"] = next_paging(req, sim.encode_cursor(
            {"o": last["id"] if isinstance(last, dict) else last.owner_id}))
    return 200, body


def h_owner_get(req):
    """h_owner_get: GET /crm/v3/owners/{id}?idProperty=id|userId."""
    sim = req.sim
    key = req.match.group("id")
    idp = req.arg("idProperty") or "id"
    archived = parse_bool(req, "archived")
    if idp not in ("id", "userId"):
        raise sim.ApiError(400, "Invalid idProperty: %s. Use id or userId." % idp)
    with sim.data.lock:
        if key.isdigit():
            for o in index(sim)["owners"]:
                if isinstance(o, dict):
                    hit = idp == "id" and o["id"] == int(key)
                elif idp == "id":
                    hit = o.owner_id == int(key)
                else:
                    hit = o.user_id == int(key)
                if hit and owner_archived(o) == archived:
                    return 200, owner_json(sim, o)
    raise sim.ApiError(404, "Owner %s not found." % key, "OBJECT_NOT_FOUND")


# ---- CRM users: PATCH and batch update ----

def check_properties(req, st, props):
    """check_properties: HubSpot's 400 for unknown or read-only properties."""
    sim = req.sim
    if not isinstance(props, dict):
        raise sim.ApiError(400, "Invalid input JSON: properties must be an object.")
    errs = []
    for n, v in props.items():
        pd = st.prop_by_name.get(n)
        if pd is None:
            errs.append({"message": 'Property "%s" does not exist' % n,
                         "code": "PROPERTY_DOESNT_EXIST", "context": {"propertyName": [n]}})
        elif pd["modificationMetadata"]["readOnlyValue"] or pd["calculated"]:
            errs.append({"message": '"%s" is a read only property; its value cannot '
                         'be set.' % n, "code": "READ_ONLY_VALUE",
                         "context": {"propertyName": [n]}})
        elif v is not None and not isinstance(v, (str, int, float, bool)):
            errs.append({"message": '"%s" must be a string.' % n,
                         "code": "INVALID_TYPE", "context": {"propertyName": [n]}})
        elif pd["type"] == "enumeration" and v not in (None, ""):
            allowed = [o["value"] for o in pd["options"]]
            bad = [x for x in str(v).split(";") if x not in allowed] if allowed else []
            if bad:
                errs.append({"message": '%s was not one of the allowed options: %s'
                             % (bad[0], ", ".join(allowed)),
                             "code": "INVALID_OPTION", "context": {"propertyName": [n]}})
    if errs:
        raise sim.ApiError(400, "Property values were not valid: " +
                           "; ".join(e["message"] for e in errs),
                           "VALIDATION_ERROR", errors=errs)


def apply_properties(sim, st, rec, props):
    """apply_properties: property values onto a record ("" clears)."""
    now = int(time.time() * 1000)
    for n, v in props.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        rec["properties"][n] = None if v is None or v == "" else str(v)
    rec["updatedAt"] = now
    rec["properties"]["hs_lastmodifieddate"] = iso(now)
    sim.data.touch()


def user_record(req, st, key, idp):
    """user_record: the live users record an id names, or None."""
    if idp and idp not in ("hs_object_id", "id"):
        for rec in st.live():
            if rec["properties"].get(idp) == key:
                return rec
        return None
    if not str(key).isdigit():
        return None
    rec = st.records.get(int(key))
    return rec if rec is not None and not rec["archived"] else None


def h_user_patch(req):
    """h_user_patch: PATCH /crm/v3/objects/users/{id}."""
    sim = req.sim
    st = sim.data.stores["users"]
    b = req.json
    if not isinstance(b, dict):
        raise sim.ApiError(400, "Invalid input JSON: expected an object.")
    props = b.get("properties", {})
    check_properties(req, st, props)
    with sim.data.lock:
        rec = user_record(req, st, req.match.group("id"), req.arg("idProperty"))
        if rec is None:
            raise sim.ApiError(404, "Object not found.  objectId are usually numeric.",
                               "OBJECT_NOT_FOUND")
        apply_properties(sim, st, rec, props)
        return 200, sim_crm.render(st, rec, list(props.keys()) + list(sim_crm.DEFAULT_PROPS))


def h_users_batch_update(req):
    """h_users_batch_update: POST /crm/v3/objects/users/batch/update."""
    sim = req.sim
    st = sim.data.stores["users"]
    b = req.json
    if not isinstance(b, dict) or not isinstance(b.get("inputs"), list):
        raise sim.ApiError(400, "Invalid input JSON: inputs must be an array.")
    inputs = b["inputs"]
    if len(inputs) > sim.config["batch_max"]:
        raise sim.ApiError(400, "Too many inputs: %d. The limit is %d."
                           % (len(inputs), sim.config["batch_max"]))
    ids = []
    for x in inputs:
        if not isinstance(x, dict) or "id" not in x:
            raise sim.ApiError(400, "Invalid input JSON: every input needs an id.")
        check_properties(req, st, x.get("properties", {}))
        ids.append(str(x["id"]))
    if len(set(ids)) != len(ids):
        raise sim.ApiError(400, "Duplicate IDs found in batch input: %s"
                           % sorted(i for i in set(ids) if ids.count(i) > 1))
    started = iso(int(time.time() * 1000))
    results, missing = [], []
    with sim.data.lock:
        for x in inputs:
            rec = user_record(req, st, str(x["id"]), b.get("idProperty"))
            if rec is None:
                missing.append(str(x["id"]))
                continue
            props = x.get("properties", {})
            apply_properties(sim, st, rec, props)
            results.append(sim_crm.render(st, rec, list(props.keys()) +
                                          list(sim_crm.DEFAULT_PROPS)))
    body = {"status": "COMPLETE", "results": results, "startedAt": started,
            "completedAt": iso(int(time.time() * 1000))}
    if missing:
        body["numErrors"] = 1
        body["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                           "message": "Could not get some users objects, they may be "
                           "deleted or not exist. Check that ids are valid.",
                           "context": {"ids": missing}}]
        return 207, body
    return 200, body


# ---- exporters ----

def export_users(sim):
    """export_users: the settings_users table's rows."""
    def rows():
        for p in index(sim)["users"]:
            yield {"id": p.user_id, "email": p.email, "first_name": p.first_name,
                   "last_name": p.last_name,
                   "role_id": p.role_ids[0] if p.role_ids else None,
                   "role_ids": list(p.role_ids), "primary_team_id": p.primary_team_id,
                   "secondary_team_ids": list(p.secondary_team_ids),
                   "super_admin": bool(p.super_admin), "seat_names": list(p.seat_names)}
    return rows


def export_roles(sim):
    """export_roles: the roles table's rows."""
    def rows():
        for r in sim.data.roles:
            yield {"id": r["id"], "name": r["name"],
                   "requires_billing_write": r["requiresBillingWrite"]}
    return rows


def export_teams(sim):
    """export_teams: the teams table's rows."""
    def rows():
        m = team_members(sim)
        for t in sim.data.teams:
            yield {"id": t["id"], "name": t["name"], "user_ids": m[t["id"]][0],
                   "secondary_user_ids": m[t["id"]][1]}
    return rows


def export_owners(sim):
    """export_owners: every owner, archived ones too, as the owners table."""
    def rows():
        for o in index(sim)["owners"]:
            j = owner_json(sim, o)
            yield {"id": int(j["id"]), "type": j["type"], "email": j.get("email"),
                   "first_name": j.get("firstName"), "last_name": j.get("lastName"),
                   "user_id": j.get("userId"),
                   "user_id_including_inactive": j.get("userIdIncludingInactive"),
                   "teams": j["teams"], "archived": j["archived"],
                   "created_at": j["createdAt"], "updated_at": j["updatedAt"]}
    return rows


def register(sim):
    """register: the settings, owners and CRM users write routes."""
    reset(sim)
    for base in (r"/settings/v3/users", r"/settings/users/v3"):
        sim.route("GET", base + r"/roles", SU_READ, h_roles)
        sim.route("GET", base + r"/teams", TEAMS_READ, h_teams)
        sim.route("GET", base + r"/?", SU_READ, h_users_list)
        sim.route("POST", base + r"/?", SU_WRITE, h_user_create)
        sim.route("GET", base + r"/(?P<id>[^/]+)", SU_READ, h_user_get)
        sim.route("PUT", base + r"/(?P<id>[^/]+)", SU_WRITE, h_user_put)
        sim.route("DELETE", base + r"/(?P<id>[^/]+)", SU_WRITE, h_user_delete)
    sim.route("GET", r"/crm/v3/owners/?", OWNERS_READ, h_owners)
    sim.route("GET", r"/crm/v3/owners/(?P<id>[^/]+)", OWNERS_READ, h_owner_get)
    U = r"/crm/v3/objects/(?:users|user|0-115)"
    sim.route("PATCH", U + r"/(?P<id>[^/]+)", USERS_WRITE, h_user_patch)
    sim.route("POST", U + r"/batch/update", USERS_WRITE, h_users_batch_update)
    sim.exporter("settings_users", export_users(sim))
    sim.exporter("roles", export_roles(sim))
    sim.exporter("teams", export_teams(sim))
    sim.exporter("owners", export_owners(sim))
