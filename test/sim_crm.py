"""sim_crm.py: the simulator's CRM objects API (shared/hubspot-api section 1).

List, get by id, batch read and search of every CRM object type the dataset
has (users 0-115, contacts, companies, deals, tickets, one custom object),
the properties API and the schemas API.  Search has HubSpot's 13 operators
and semantics (case-insensitive strings, case-sensitive enumerations, dates
as epoch milliseconds), its limits (5 groups, 6 filters a group, 18 in all,
a 3,000-character body, one sort, 200 a page, 10,000 results) answered with
400 bodies, and `total`.
"""
import bisect
import datetime
import json
import re

from sim_data import iso

READ_SCOPES = {
    "users": ["crm.objects.users.read"],
    "contacts": ["crm.objects.contacts.read"],
    "companies": ["crm.objects.companies.read"],
    "deals": ["crm.objects.deals.read"],
    "tickets": ["tickets"],
}
DEFAULT_PROPS = ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"]
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
             "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN",
             "NOT_CONTAINS_TOKEN"}


def read_scopes(st):
    """read_scopes: the scopes that allow reading a type."""
    return READ_SCOPES.get(st.kind, ["crm.objects.custom.read"])


def find_store(req, scopes_of=read_scopes):
    """find_store: the store named in the path, after its scope check."""
    sim = req.sim
    name = req.match.group("type")
    st = sim.data.store(name)
    if st is None:
        if re.fullmatch(r"\d+-\d+", name):
            raise sim.ApiError(404, "Object type %s not found." % name,
                               "OBJECT_NOT_FOUND")
        raise sim.ApiError(400, "Unable to infer object type from: %s" % name,
                           "VALIDATION_ERROR")
    sim.require(req, scopes_of(st))
    return st


def ms_of(ptype, v):
    """ms_of: a stored or sent date/datetime value as epoch ms, or None."""
    if v is None or v == "":
        return None
    s = str(v).strip()
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            d = datetime.datetime.strptime(s, "%Y-%m-%d").replace(
                tzinfo=datetime.timezone.utc)
        else:
            d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
            if d.tzinfo is None:
                d = d.replace(tzinfo=datetime.timezone.utc)
        return int(round(d.timestamp() * 1000))
    except ValueError:
        return None


def render(st, rec, props):
    """render: a record as SimplePublicObject with the asked properties."""
    p = rec["properties"]
    names = props if props else DEFAULT_PROPS
    out = {}
    for n in names:
        if n in st.prop_by_name and n not in out:
            out[n] = p.get(n)
    r = {"id": str(rec["id"]), "properties": out,
         "createdAt": iso(rec["createdAt"]), "updatedAt": iso(rec["updatedAt"]),
         "archived": rec["archived"]}
    if rec["archived"]:
        r["archivedAt"] = iso(rec["updatedAt"])
    return r


def prop_list(v):
    """prop_list: a body's properties array, checked."""
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError("properties must be an array of strings")
    return v


# ---- list, get, batch read ----
def h_list(req):
    """h_list: GET /crm/v3/objects/{type}: one page of the list cursor."""
    sim = req.sim
    st = find_store(req)
    try:
        limit = int(req.arg("limit", "10"))
    except ValueError:
        raise sim.ApiError(400, "Invalid value for limit: %s" % req.arg("limit"))
    limit = max(1, min(limit, sim.config["list_max_limit"]))
    archived = (req.arg("archived", "false") or "false").lower() == "true"
    props = req.args("properties")
    after = req.arg("after")
    with sim.data.lock:
        start = 0
        if after:
            last = sim.decode_cursor(after).get("a")
            start = bisect.bisect_right(st.ids, last)
        out = []
        i = start
        while i < len(st.ids) and len(out) < limit:
            rec = st.records[st.ids[i]]
            if rec["archived"] == archived:
                out.append(render(st, rec, props))
            i += 1
        more = any(st.records[st.ids[j]]["archived"] == archived
                   for j in range(i, len(st.ids)))
    body = {"results": out}
    if more and out:
        cur = sim.encode_cursor({"a": int(out[-1]["id"])})
        body["paging"] = {"next": {"after": cur,
                                   "link": "https://api.hubapi.com%s?after=%s"
                                   % (req.path, cur)}}
    return 200, body


def lookup(st, key, id_property):
    """lookup: the record an id (or a unique property's value) names."""
    if id_property and id_property not in ("hs_object_id", "id"):
        if id_property not in st.prop_by_name or \
                not st.prop_by_name[id_property]["hasUniqueValue"] and \
                id_property != "hs_email" and id_property != "email":
            return None
        for rid in st.ids:
            r = st.records[rid]
            v = r["properties"].get(id_property)
            if v is not None and v.lower() == str(key).lower():
                return r
        return None
    try:
        return st.records.get(int(str(key)))
    except ValueError:
        return None


def h_get(req):
    """h_get: GET /crm/v3/objects/{type}/{id}."""
    sim = req.sim
    st = find_store(req)
    archived = (req.arg("archived", "false") or "false").lower() == "true"
    with sim.data.lock:
        rec = lookup(st, req.match.group("id"), req.arg("idProperty"))
        if rec is None or rec["archived"] != archived:
            raise sim.ApiError(404, "Object not found.  objectId are usually "
                               "numeric.", "OBJECT_NOT_FOUND")
        return 200, render(st, rec, req.args("properties"))


def batch_inputs(req, st):
    """batch_inputs: the inputs of a batch body, within HubSpot's limit."""
    sim = req.sim
    b = req.json
    if not isinstance(b, dict) or not isinstance(b.get("inputs"), list):
        raise sim.ApiError(400, "Invalid input JSON: inputs is required",
                           "VALIDATION_ERROR")
    inputs = b["inputs"]
    if len(inputs) > sim.config["batch_max"]:
        raise sim.ApiError(
            400, "Too many inputs: %d. The limit is %d." % (len(inputs), sim.config["batch_max"]),
            "VALIDATION_ERROR",
            errors=[{"message": "size must be between 1 and %d" % sim.config["batch_max"],
                     "in": "inputs"}])
    return inputs


def h_batch_read(req):
    """h_batch_read: POST .../batch/read: records by id, 207 for missing ones."""
    sim = req.sim
    st = find_store(req)
    inputs = batch_inputs(req, st)
    b = req.json
    try:
        props = prop_list(b.get("properties"))
    except ValueError as e:
        raise sim.ApiError(400, str(e))
    archived = bool(b.get("archived", False))
    started = iso(int(__import__("time").time() * 1000))
    results, missing, seen = [], [], set()
    with sim.data.lock:
        for inp in inputs:
            key = inp.get("id") if isinstance(inp, dict) else None
            if key is None:
                raise sim.ApiError(400, "Invalid input JSON: id is required")
            key = str(key)
            if key in seen:
                continue
            seen.add(key)
            rec = lookup(st, key, b.get("idProperty"))
            if rec is None or rec["archived"] != archived:
                missing.append(key)
            else:
                results.append(render(st, rec, props))
    body = {"status": "COMPLETE", "results": results, "startedAt": started,
            "completedAt": iso(int(__import__("time").time() * 1000))}
    if missing:
        body["numErrors"] = 1
        body["errors"] = [{
            "status": "error", "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some %s objects, they may be deleted or "
                       "not exist. Check that ids are valid." % st.kind,
            "context": {"ids": missing}}]
        return 207, body
    return 200, body


# ---- search ----
class Bad(Exception):
    pass


def is_multi(pdef):
    return pdef["type"] == "enumeration" and pdef["fieldType"] == "checkbox"


def norm(pdef, v):
    """norm: a stored value as search compares it (None when absent)."""
    if v is None or v == "":
        return None
    t = pdef["type"]
    if t == "number":
        try:
            return float(v)
        except ValueError:
            return None
    if t in ("date", "datetime"):
        return ms_of(t, v)
    if t == "bool":
        return v.lower()
    if t == "enumeration":
        return v
    return v.lower()


def arg_of(pdef, v):
    """arg_of: a filter's value as search compares it."""
    if v is None:
        raise Bad("value is required")
    if isinstance(v, bool):
        v = "true" if v else "false"
    v = str(v)
    t = pdef["type"]
    if t == "number":
        try:
            return float(v)
        except ValueError:
            raise Bad("%s is not a valid number" % v)
    if t in ("date", "datetime"):
        m = ms_of(t, v)
        if m is None:
            raise Bad("%s is not a valid date" % v)
        return m
    if t == "bool":
        return v.lower()
    if t == "enumeration":
        return v
    return v.lower()


def token_match(pattern, value):
    """token_match: CONTAINS_TOKEN on one value (`*` a wildcard)."""
    rx = re.compile("^" + ".*".join(re.escape(x) for x in pattern.lower().split("*")) + "$",
                    re.S)
    v = value.lower()
    if rx.match(v):
        return True
    return any(rx.match(t) for t in re.split(r"[^\w]+", v) if t)


def compile_filter(st, f):
    """compile_filter: a predicate over a record's properties."""
    if not isinstance(f, dict):
        raise Bad("filter must be an object")
    name = f.get("propertyName")
    op = f.get("operator", "EQ")
    if op not in OPERATORS:
        raise Bad("Invalid operator: %s" % op)
    pdef = st.prop_by_name.get(name)
    if pdef is None:
        raise Bad("Property %s does not exist" % name)
    multi = is_multi(pdef)

    def values(r):
        v = r["properties"].get(name)
        if v is None or v == "":
            return []
        parts = v.split(";") if multi else [v]
        return [x for x in (norm(pdef, p) for p in parts) if x is not None]

    if op == "HAS_PROPERTY":
        return lambda r: bool(values(r))
    if op == "NOT_HAS_PROPERTY":
        return lambda r: not values(r)
    if op in ("IN", "NOT_IN"):
        vals = f.get("values")
        if not isinstance(vals, list) or not vals:
            raise Bad("values are required for %s" % op)
        if pdef["type"] in ("string", "phone_number"):
            s = set(str(x) for x in vals)       # as sent: must be lower case
        else:
            s = set(arg_of(pdef, x) for x in vals)
        if op == "IN":
            return lambda r: any(x in s for x in values(r))
        return lambda r: not any(x in s for x in values(r))
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pat = f.get("value")
        if pat is None:
            raise Bad("value is required for %s" % op)
        pat = str(pat)
        raw = lambda r: r["properties"].get(name) or ""
        if op == "CONTAINS_TOKEN":
            return lambda r: raw(r) != "" and token_match(pat, raw(r))
        return lambda r: not (raw(r) != "" and token_match(pat, raw(r)))
    a = arg_of(pdef, f.get("value"))
    if op == "BETWEEN":
        hi = arg_of(pdef, f.get("highValue"))
        return lambda r: any(a <= x <= hi for x in values(r))
    cmp = {"EQ": lambda x: x == a, "NEQ": lambda x: x == a,
           "LT": lambda x: x < a, "LTE": lambda x: x <= a,
           "GT": lambda x: x > a, "GTE": lambda x: x >= a}[op]
    if op == "NEQ":
        return lambda r: not any(cmp(x) for x in values(r))
    return lambda r: any(cmp(x) for x in values(r))


def validate_search(sim, b, raw_len):
    """validate_search: HubSpot's limits on a search body, as 400s."""
    if raw_len > sim.config["search_max_body"]:
        raise sim.ApiError(
            400, "Request body is too large: %d characters. The maximum "
            "allowed is %d." % (raw_len, sim.config["search_max_body"]),
            "VALIDATION_ERROR")
    if not isinstance(b, dict):
        raise sim.ApiError(400, "Invalid input JSON: expected an object")
    groups = b.get("filterGroups") or []
    if not isinstance(groups, list):
        raise sim.ApiError(400, "Invalid input JSON: filterGroups must be an array")
    if len(groups) > 5:
        raise sim.ApiError(400, "Too many filter groups: %d. The maximum is 5."
                           % len(groups), "VALIDATION_ERROR",
                           sub_category="FILTER_GROUPS_LIMIT_EXCEEDED")
    total = 0
    for g in groups:
        fl = g.get("filters") or [] if isinstance(g, dict) else None
        if not isinstance(fl, list):
            raise sim.ApiError(400, "Invalid input JSON: filters must be an array")
        if len(fl) > 6:
            raise sim.ApiError(400, "Too many filters in a group: %d. The maximum "
                               "is 6." % len(fl), "VALIDATION_ERROR",
                               sub_category="FILTERS_LIMIT_EXCEEDED")
        total += len(fl)
    if total > 18:
        raise sim.ApiError(400, "Too many filters: %d. The maximum is 18 across "
                           "all filter groups." % total, "VALIDATION_ERROR",
                           sub_category="FILTERS_LIMIT_EXCEEDED")
    sorts = b.get("sorts") or []
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise sim.ApiError(400, "Only one sort is supported.", "VALIDATION_ERROR")
    return groups, sorts


def sort_key(st, sorts):
    """sort_key: the order of a search's matches (values before no value)."""
    if not sorts:
        return None, False
    s = sorts[0]
    if isinstance(s, str):
        name, desc = s, False
    else:
        name = s.get("propertyName")
        desc = (s.get("direction") or "ASCENDING").upper() == "DESCENDING"
    pdef = st.prop_by_name.get(name)
    if pdef is None:
        raise Bad("Property %s does not exist" % name)
    return (lambda r: norm(pdef, r["properties"].get(name))), desc


def id_order(sorts):
    """id_order: true when sorts leave the matches in ascending id order."""
    if not sorts:
        return True
    s = sorts[0]
    if isinstance(s, str):
        return s == "hs_object_id"
    return (s.get("propertyName") == "hs_object_id" and
            (s.get("direction") or "ASCENDING").upper() == "ASCENDING")


def split_floors(g):
    """split_floors: a group's numeric hs_object_id GT/GTE filters (as a
    client paging by id sends them), and its other filters."""
    floors, rest = [], []
    for f in g.get("filters") or []:
        if f.get("propertyName") == "hs_object_id" and f.get("operator") in ("GT", "GTE"):
            try:
                floors.append((f["operator"], float(f.get("value"))))
                continue
            except (TypeError, ValueError):
                pass
        rest.append(f)
    return floors, rest


def matches(sim, st, groups, sorts, query):
    """matches: the ordered ids a search matches (cached per data version)."""
    key = (st.kind, sim.data.version, len(st.ids),
           json.dumps([groups, sorts, query], sort_keys=True))
    cache = sim.search_cache
    if key in cache:
        return cache[key]
    split = [split_floors(g) for g in groups] if id_order(sorts) else []
    if split and all(floors for floors, _ in split):
        # the matches of each group without its id floors (cached: the same
        # for every page of a client that pages by id), cut at the floors
        parts = []
        for floors, rest in split:
            base = matches(sim, st, [{"filters": rest}] if rest else [], sorts, query)
            cut = max((bisect.bisect_right if op == "GT" else bisect.bisect_left)(base, v)
                      for op, v in floors)
            parts.append(base[cut:])
        return parts[0] if len(parts) == 1 else sorted(set().union(*parts))
    preds = [[compile_filter(st, f) for f in (g.get("filters") or [])]
             for g in groups]
    q = query.lower() if isinstance(query, str) and query else None
    out = []
    for r in st.live():
        if preds and not any(all(p(r) for p in g) for g in preds):
            continue
        if q and not any(isinstance(v, str) and q in v.lower()
                         for v in r["properties"].values()):
            continue
        out.append(r)
    kf, desc = sort_key(st, sorts)
    if kf is not None:
        have = [r for r in out if kf(r) is not None]
        none = [r for r in out if kf(r) is None]
        have.sort(key=kf, reverse=desc)
        out = have + none
    ids = [r["id"] for r in out]
    if len(cache) > 64:
        cache.clear()
    cache[key] = ids
    return ids


def h_search(req):
    """h_search: POST .../search."""
    sim = req.sim
    st = find_store(req)
    b = req.json
    groups, sorts = validate_search(sim, b, len(req.raw.decode("utf-8", "replace")))
    try:
        limit = int(b.get("limit", 10))
        after = int(b.get("after") or 0)
    except (TypeError, ValueError):
        raise sim.ApiError(400, "Invalid input JSON: limit and after must be integers")
    if limit < 0 or limit > sim.config["search_max_limit"]:
        raise sim.ApiError(400, "limit must be between 0 and %d"
                           % sim.config["search_max_limit"], "VALIDATION_ERROR")
    cap = sim.config["search_max_results"]
    if after + limit > cap:
        raise sim.ApiError(
            400, "Search results are limited to %d. Paging past %d results is "
            "not supported: narrow the filters." % (cap, cap), "VALIDATION_ERROR",
            sub_category="SEARCH_RESULTS_LIMIT_EXCEEDED")
    try:
        props = prop_list(b.get("properties"))
        with sim.data.lock:
            ids = matches(sim, st, groups, sorts, b.get("query"))
            page = [render(st, st.records[i], props) for i in ids[after:after + limit]]
    except Bad as e:
        raise sim.ApiError(400, "There was a problem with the request: %s" % e,
                           "VALIDATION_ERROR")
    except ValueError as e:
        raise sim.ApiError(400, str(e))
    body = {"total": len(ids), "results": page}
    if after + limit < len(ids) and limit > 0:
        body["paging"] = {"next": {"after": str(after + limit)}}
    return 200, body


# ---- properties and schemas ----
def h_properties(req):
    """h_properties: GET /crm/v3/properties/{type}: every definition, not paged."""
    st = find_store(req)
    archived = (req.arg("archived", "false") or "false").lower() == "true"
    return 200, {"results": [p for p in st.properties if p["archived"] == archived]}


def h_property(req):
    """h_property: GET /crm/v3/properties/{type}/{name}."""
    st = find_store(req)
    p = st.prop_by_name.get(req.match.group("name"))
    if p is None:
        raise req.sim.ApiError(404, "Unable to find property %s for object type %s"
                               % (req.match.group("name"), st.type_id), "OBJECT_NOT_FOUND")
    return 200, p


def schema_of(sim, st):
    """schema_of: a custom object type as the schemas API shows it."""
    return {
        "id": st.type_id.split("-")[1], "name": st.kind,
        "labels": {"singular": st.kind[:-1].capitalize(), "plural": st.kind.capitalize()},
        "objectTypeId": st.type_id,
        "fullyQualifiedName": "p%d_%s" % (sim.data.portal_id, st.kind),
        "primaryDisplayProperty": st.properties[5]["name"] if len(st.properties) > 5 else "hs_object_id",
        "requiredProperties": [], "searchableProperties": [], "secondaryDisplayProperties": [],
        "properties": st.properties, "associations": [], "archived": False,
        "createdAt": "2021-03-01T00:00:00Z", "updatedAt": "2021-03-01T00:00:00Z",
    }


def custom_stores(sim):
    return [st for st in sim.data.stores.values() if st.type_id.startswith("2-")]


def h_schemas(req):
    """h_schemas: GET /crm/v3/schemas: the account's custom object types."""
    return 200, {"results": [schema_of(req.sim, st) for st in custom_stores(req.sim)]}


def h_schema(req):
    """h_schema: GET /crm/v3/schemas/{type}."""
    name = req.match.group("type")
    for st in custom_stores(req.sim):
        if name in (st.kind, st.type_id, "p%d_%s" % (req.sim.data.portal_id, st.kind)):
            return 200, schema_of(req.sim, st)
    raise req.sim.ApiError(404, "Unable to find object type %s" % name, "OBJECT_NOT_FOUND")


def export_rows(sim, kind):
    """export_rows: a store's live records as flat rows for simctl data."""
    def rows():
        st = sim.data.stores[kind]
        for r in st.live():
            row = {"id": r["id"]}
            row.update(r["properties"])
            row["createdAt"] = iso(r["createdAt"])
            row["updatedAt"] = iso(r["updatedAt"])
            row["archived"] = r["archived"]
            yield row
    return rows


def reset(sim):
    sim.search_cache = {}


def register(sim):
    """register: the CRM routes and exporters."""
    sim.search_cache = {}
    T = r"/crm/v3/objects/(?P<type>[A-Za-z0-9_-]+)"
    sim.route("GET", T, [], h_list)
    sim.route("GET", T + r"/(?P<id>[^/]+)", [], h_get)
    sim.route("POST", T + r"/batch/read", [], h_batch_read)
    sim.route("POST", T + r"/search", [], h_search)
    sim.route("GET", r"/crm/v3/properties/(?P<type>[A-Za-z0-9_-]+)", [], h_properties)
    sim.route("GET", r"/crm/v3/properties/(?P<type>[A-Za-z0-9_-]+)/(?P<name>[^/]+)", [],
              h_property)
    sim.route("GET", r"/crm/v3/schemas", ["crm.schemas.custom.read"], h_schemas)
    sim.route("GET", r"/crm/v3/schemas/(?P<type>[^/]+)", ["crm.schemas.custom.read"], h_schema)
    for kind in sim.data.stores:
        sim.exporter(kind, export_rows(sim, kind))
