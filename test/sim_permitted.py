"""sim_permitted.py: the simulator's resource permissions API.

shared/hubspot-api section 3 and HubSpot's page (shared/seeds/002_...):
which users may act on one CRM record, named by HCRN
hcrn:{accountId}:crm-object:{objectTypeId}:{recordId}; only contacts (0-1),
companies (0-2), deals (0-3) and tickets (0-5).

  GET /resource-permissions/v3/permitted-users?resource=HCRN[&resource=...]
      {"resources": {hcrn: {"crm-object:VIEW": {"action": ...,
      "permittedUsers": [ids]}, ...}}}; a record with no answer (unknown or
      archived) is absent; past config permitted_users_max_resources
      resources (20, what a third-party client measured) a 400.
  GET /resource-permissions/v3/permitted-users/paged?resource=HCRN&after&limit
      pages over (action, user) pairs, limit up to 1000, opaque cursor; one
      entry per action on a page, so the same resource can repeat.

Who may do what is derived from the dataset, so that answers vary from
record to record.  The account's earliest POOL people are the ones whose
access reaches beyond their own records:
  - the record's owner (hubspot_owner_id): every action;
  - super admins among the pool: every action, even when deactivated
    (HubSpot still lists them);
  - "Sales Manager"s among the pool whose primary team is the record's team
    (hubspot_team_id): VIEW, EDIT, COMMUNICATE;
  - "Read Only" users among the pool: VIEW of contacts and companies;
  - the app service accounts: the first may VIEW and COMMUNICATE with
    everything, the second VIEW and EDIT deals and tickets;
  - GHOST, a user id with no user behind it (a deleted user): VIEW of every
    record whose id is a multiple of 7.
Scopes: UNCONFIRMED in the reference; the read scope of the record's type is
required here (a token that cannot read a record cannot ask about it).
"""
import re

POOL = 200
TYPES = {"0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-5": "tickets"}
ACTIONS = ["COMMUNICATE", "EDIT", "VIEW", "DELETE"]      # HubSpot's page's order
ALL = set(ACTIONS)
HCRN = re.compile(r"hcrn:([0-9]+):([a-z-]+):([0-9]+-[0-9]+):(.*)")
READ_SCOPES = {"0-1": ["crm.objects.contacts.read"],
               "0-2": ["crm.objects.companies.read"],
               "0-3": ["crm.objects.deals.read"], "0-5": ["tickets"]}


def model(sim):
    """model: the people whose access is wider than their own records."""
    d = sim.data
    key = (id(d), d.version)
    m = getattr(sim, "perm_model", None)
    if m is not None and m["key"] == key:
        return m
    roles = {r["name"]: r["id"] for r in d.roles}
    pool = d.people[:POOL]
    m = {"key": key,
         "admins": [p.user_id for p in pool if p.super_admin and not p.deleted],
         "managers": {},
         "readers": [p.user_id for p in pool if not p.deleted
                     and roles["Read Only"] in p.role_ids],
         "ghost": d.next_user_id + 7}
    for p in pool:
        if not p.deleted and roles["Sales Manager"] in p.role_ids and p.primary_team_id:
            m["managers"].setdefault(p.primary_team_id, []).append(p.user_id)
    sim.perm_model = m
    return m


def permissions(sim, type_id, rec):
    """permissions: {action: [user ids]} for one record, HubSpot's order."""
    m = model(sim)
    d = sim.data
    grants = {}

    def grant(uid, actions):
        grants.setdefault(uid, set()).update(actions)

    props = rec["properties"]
    owner = d.by_owner_id.get(int(props["hubspot_owner_id"])) \
        if props.get("hubspot_owner_id") else None
    if owner is not None and not owner.deleted:
        grant(owner.user_id, ALL)
    for uid in m["admins"]:
        grant(uid, ALL)
    team = props.get("hubspot_team_id")
    if team:
        for uid in m["managers"].get(int(team), []):
            grant(uid, {"VIEW", "EDIT", "COMMUNICATE"})
    if type_id in ("0-1", "0-2"):
        for uid in m["readers"]:
            grant(uid, {"VIEW"})
    sa = d.service_account_ids
    grant(sa[0], {"VIEW", "COMMUNICATE"})
    if type_id in ("0-3", "0-5"):
        grant(sa[1], {"VIEW", "EDIT"})
    if int(rec["id"]) % 7 == 0:
        grant(m["ghost"], {"VIEW"})
    out = {}
    for a in ACTIONS:
        users = [u for u, acts in grants.items() if a in acts]
        if users:
            # HubSpot lists users in no documented order
            out[a] = sorted(users, key=lambda u: (u * 2654435761) % 4294967296)
    return out


def parse_hcrn(req, s):
    """parse_hcrn: (type id, record id) of an HCRN, or HubSpot's 400."""
    sim = req.sim
    m = HCRN.fullmatch(s)
    if m is None or not m.group(4).isdigit():
        raise sim.ApiError(400, "Invalid resource: %s. A resource is an HCRN of the "
                           "form hcrn:{accountId}:{resourceType}:{resourceTypeId}:"
                           "{resourceId}." % s, "VALIDATION_ERROR",
                           context={"resource": [s]})
    if m.group(2) != "crm-object" or m.group(3) not in TYPES:
        raise sim.ApiError(400, "Unsupported resource: %s. Only crm-object resources "
                           "of contacts (0-1), companies (0-2), deals (0-3) and "
                           "tickets (0-5) are supported." % s, "VALIDATION_ERROR",
                           context={"resource": [s]})
    if int(m.group(1)) != sim.data.portal_id:
        raise sim.ApiError(403, "The resource %s belongs to another account." % s,
                           "FORBIDDEN", context={"resource": [s]})
    sim.require(req, READ_SCOPES[m.group(3)])
    return m.group(3), int(m.group(4))


def record_of(sim, type_id, rid):
    """record_of: the live record, or None."""
    st = sim.data.store(type_id)
    rec = st.records.get(rid) if st is not None else None
    return rec if rec is not None and not rec["archived"] else None


def action_map(acts):
    """action_map: HubSpot's {"crm-object:X": {"action", "permittedUsers"}}."""
    return {"crm-object:" + a: {"action": "crm-object:" + a, "permittedUsers": users}
            for a, users in acts.items()}


def h_permitted(req):
    """h_permitted: GET .../permitted-users: every user of several records."""
    sim = req.sim
    resources = req.query.get("resource", [])
    if not resources:
        raise sim.ApiError(400, "Missing required query parameter: resource")
    most = sim.config["permitted_users_max_resources"]
    if len(resources) > most:
        raise sim.ApiError(400, "Too many resources: %d. At most %d resources may be "
                           "requested at once." % (len(resources), most),
                           "VALIDATION_ERROR")
    out = {}
    with sim.data.lock:
        for s in resources:
            type_id, rid = parse_hcrn(req, s)
            rec = record_of(sim, type_id, rid)
            if rec is not None:
                acts = permissions(sim, type_id, rec)
                if acts:
                    out[s] = action_map(acts)
    return 200, {"resources": out}


def h_paged(req):
    """h_paged: GET .../permitted-users/paged: one record's users, paged."""
    sim = req.sim
    resources = req.query.get("resource", [])
    if len(resources) != 1:
        raise sim.ApiError(400, "Exactly one resource is required, got %d."
                           % len(resources))
    s = resources[0]
    try:
        limit = int(req.arg("limit", "100"))
    except ValueError:
        raise sim.ApiError(400, "Invalid value for limit: %s" % req.arg("limit"))
    if limit < 1 or limit > 1000:
        raise sim.ApiError(400, "limit must be between 1 and 1000, got %d." % limit)
    after = req.arg("after")
    start = 0
    if after:
        cur = sim.decode_cursor(after)
        if cur.get("r") != s:
            raise sim.ApiError(400, "The cursor does not belong to this resource.")
        start = int(cur.get("o", 0))
    with sim.data.lock:
        type_id, rid = parse_hcrn(req, s)
        rec = record_of(sim, type_id, rid)
        pairs = []
        if rec is not None:
            for a, users in permissions(sim, type_id, rec).items():
                pairs.extend((a, u) for u in users)
    chunk = pairs[start:start + limit]
    results = []
    for a, u in chunk:
        if not results or results[-1]["_a"] != a:
            results.append({"_a": a, "resource": s, "actionPermittedUsers": {
                "crm-object:" + a: {"action": "crm-object:" + a, "permittedUsers": []}},
                "createdAt": rec["createdAt"], "updatedAt": rec["updatedAt"]})
        results[-1]["actionPermittedUsers"]["crm-object:" + a]["permittedUsers"].append(u)
    for r in results:
        del r["_a"]
    body = {"results": results}
    if start + limit < len(pairs):
        cur = sim.encode_cursor({"r": s, "o": start + limit})
        body["paging"] = {"next": {"after": cur, "link":
                                   "https://api.hubapi.com%s?resource=%s&limit=%d&after=%s"
                                   % (req.path, s, limit, cur)}}
    return 200, body


def export_rows(sim):
    """export_rows: every (record, action, user) of the four types."""
    def rows():
        d = sim.data
        with d.lock:
            for type_id, name in TYPES.items():
                st = d.store(type_id)
                for rid in st.ids:
                    rec = st.records[rid]
                    if rec["archived"]:
                        continue
                    hcrn = "hcrn:%d:crm-object:%s:%d" % (d.portal_id, type_id, rid)
                    for a, users in permissions(sim, type_id, rec).items():
                        for u in users:
                            yield {"object_type": name, "object_type_id": type_id,
                                   "object_id": rid, "resource": hcrn,
                                   "action": a, "user_id": u}
    return rows


def reset(sim):
    """reset: defaults for this module's settings."""
    sim.config.setdefault("permitted_users_max_resources", 20)
    sim.perm_model = None


def register(sim):
    """register: the resource permissions routes and exporter."""
    reset(sim)
    P = r"/resource-permissions/v3/permitted-users"
    sim.route("GET", P, [], h_permitted)
    sim.route("GET", P + r"/paged", [], h_paged)
    sim.exporter("permitted_users", export_rows(sim))
