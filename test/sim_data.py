"""sim_data.py: the HubSpot simulator's account, generated from a seed.

One Dataset holds everything the simulator serves: the portal, CRM users
(object 0-115) and the people behind them (settings users, owners, roles,
teams), contacts, companies, deals, tickets and one custom object.  The same
seed always gives the same account, so tests can compare the wrapper's rows
with `simctl data`.  Writes through the API change it; `/_sim/reset`
regenerates it.

Three ids per person, as at HubSpot: the CRM record id (`hs_object_id`), the
settings user id (`hs_internal_user_id`, owners' `userId`, permitted users'
ids) and the owner id (what `hubspot_owner_id` holds).
"""
import random
import threading

EPOCH_MS = 1577836800000          # 2020-01-01T00:00:00Z
DAY_MS = 86400000

FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Günter", "Hana",
         "Ivan", "Jürgen", "Kai", "Lena", "Mateo", "Nadia", "O'Brien", "Priya",
         "Quinn", "Rosa", "Søren", "Tom", "Ugo", "Vera", "Wen", "Xavier",
         "Yara", "Zoë", "张伟", "Анна"]
LAST = ["Smith", "Jones", "Müller", "García", "O'Neil", "Nguyen", "Kowalski",
        "Rossi", "Dubois", "Tanaka", "Silva", "Cohen", "Novák", "Öztürk",
        "Back\\slash", "Larsen", "Ivanova", "王", "Brown", "Wilson"]
TITLES = ["Sales Rep", "sales rep", "SALES REP", "Account Executive",
          "Support Engineer", "Head of \"Growth\"", "Manager, EMEA",
          "Directeur général", "CTO", "Intern", "Ops\\Admin", "Marketing Lead",
          "Customer Success", "Team Lead", "Engineer"]
ZONES = ["America/New_York", "Europe/Berlin", "Europe/London", "Asia/Tokyo",
         "America/Los_Angeles", "Australia/Sydney", "UTC"]
SKILLS = ["billing", "onboarding", "technical", "french", "german",
          "enterprise", "renewals"]
LANGS = ["en", "de", "fr", "es", "ja", "pt-br"]
DOMAINS = ["example.com", "Example.org", "acme.test", "globex.test"]
ROLE_NAMES = ["Sales User", "Sales Manager", "Service Agent", "Marketing",
              "Read Only", "Billing Admin", "Ops", "Partner"]
TEAM_NAMES = ["EMEA Sales", "US Sales", "APAC Sales", "Support Tier 1",
              "Support Tier 2", "Marketing"]
STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
          "closedwon", "closedlost"]
PIPELINES = ["default", "enterprise"]
TICKET_STAGES = ["1", "2", "3", "4"]
INDUSTRIES = ["SOFTWARE", "RETAIL", "BANKING", "Manufacturing", None]
LIFECYCLE = ["subscriber", "lead", "opportunity", "customer"]

OBJECT_TYPE_IDS = {"users": "0-115", "contacts": "0-1", "companies": "0-2",
                   "deals": "0-3", "tickets": "0-5"}
CUSTOM_TYPE_ID = "2-1234567"
CUSTOM_NAME = "projects"


def iso(ms):
    """iso: epoch milliseconds as HubSpot writes timestamps."""
    import datetime
    d = datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


class Person:
    """One HubSpot user: CRM record, settings user and owner at once."""
    __slots__ = ("index", "record_id", "user_id", "owner_id", "email",
                 "first_name", "last_name", "job_title", "deactivated",
                 "super_admin", "role_ids", "primary_team_id",
                 "secondary_team_ids", "seat_names", "created_ms",
                 "updated_ms", "props", "deleted", "archived_owner")


def prop(name, label, ptype, field_type, options=None, read_only=False,
         hidden=False, calculated=False, unique=False):
    """prop: a Property as the properties API answers it."""
    return {
        "name": name, "label": label, "type": ptype, "fieldType": field_type,
        "description": "", "groupName": "userinformation",
        "options": [{"label": o, "value": o, "displayOrder": i, "hidden": False}
                    for i, o in enumerate(options or [])],
        "displayOrder": -1, "calculated": calculated,
        "externalOptions": False, "hasUniqueValue": unique, "hidden": hidden,
        "hubspotDefined": True, "archived": False,
        "modificationMetadata": {"archivable": False,
                                 "readOnlyDefinition": True,
                                 "readOnlyValue": read_only},
        "formField": False,
        "createdAt": "2020-01-01T00:00:00Z", "updatedAt": "2020-01-01T00:00:00Z",
    }


def record_properties():
    """record_properties: the properties every object, users too, has."""
    return [
        prop("hs_object_id", "Record ID", "number", "number", read_only=True,
             unique=True),
        prop("hs_createdate", "Create date", "datetime", "date", read_only=True),
        prop("hs_lastmodifieddate", "Last modified", "datetime", "date",
             read_only=True),
    ]


def user_properties():
    """user_properties: the users object's property definitions."""
    return record_properties() + [
        prop("hs_email", "Email", "string", "text", read_only=True),
        prop("hs_given_name", "First name", "string", "text", read_only=True),
        prop("hs_family_name", "Last name", "string", "text", read_only=True),
        prop("hs_internal_user_id", "User ID", "number", "number",
             read_only=True),
        prop("hs_deactivated", "Deactivated", "bool", "booleancheckbox",
             ["true", "false"], read_only=True),
        prop("hs_job_title", "Job title", "string", "text"),
        prop("hs_additional_phone", "Additional phone", "phone_number", "phone"),
        prop("hs_availability_status", "Availability", "enumeration", "select",
             ["available", "away"]),
        prop("hs_standard_time_zone", "Time zone", "enumeration", "select",
             ZONES),
        prop("hs_main_user_language_skill", "Main language", "enumeration",
             "select", LANGS),
        prop("hs_secondary_user_language_skill", "Second language",
             "enumeration", "select", LANGS),
        prop("hs_uncategorized_skills", "Skills", "enumeration", "checkbox",
             SKILLS),
        prop("hs_working_hours", "Working hours", "string", "textarea"),
        prop("hs_out_of_office_hours", "Out of office", "string", "textarea"),
        prop("hubspot_owner_id", "Owner", "enumeration", "select",
             read_only=True),
        prop("hubspot_team_id", "Team", "enumeration", "select",
             read_only=True),
        prop("hs_searchable_calculated_name", "Name", "string", "text",
             read_only=True, calculated=True),
        prop("hs_internal_notes", "Internal", "string", "text", hidden=True),
    ]


def common_properties():
    """common_properties: those every CRM object has."""
    return record_properties() + [
        prop("hubspot_owner_id", "Owner", "enumeration", "select"),
        prop("hubspot_team_id", "Team", "enumeration", "select"),
    ]


def object_properties(kind):
    """object_properties: property definitions of a CRM object type."""
    if kind == "users":
        return user_properties()
    p = common_properties()
    if kind == "contacts":
        p += [prop("email", "Email", "string", "text"),
              prop("firstname", "First name", "string", "text"),
              prop("lastname", "Last name", "string", "text"),
              prop("lifecyclestage", "Lifecycle stage", "enumeration", "radio",
                   LIFECYCLE),
              prop("num_notes", "Notes", "number", "number"),
              prop("birthdate", "Birth date", "date", "date")]
    elif kind == "companies":
        p += [prop("name", "Name", "string", "text"),
              prop("domain", "Domain", "string", "text"),
              prop("industry", "Industry", "enumeration", "select",
                   [i for i in INDUSTRIES if i]),
              prop("numberofemployees", "Employees", "number", "number"),
              prop("annualrevenue", "Revenue", "number", "number")]
    elif kind == "deals":
        p += [prop("dealname", "Deal name", "string", "text"),
              prop("amount", "Amount", "number", "number"),
              prop("dealstage", "Stage", "enumeration", "radio", STAGES),
              prop("pipeline", "Pipeline", "enumeration", "select", PIPELINES),
              prop("closedate", "Close date", "datetime", "date"),
              prop("hs_is_closed", "Is closed", "bool", "booleancheckbox",
                   ["true", "false"], read_only=True, calculated=True)]
    elif kind == "tickets":
        p += [prop("subject", "Subject", "string", "text"),
              prop("content", "Description", "string", "textarea"),
              prop("hs_pipeline_stage", "Stage", "enumeration", "select",
                   TICKET_STAGES),
              prop("hs_ticket_priority", "Priority", "enumeration", "select",
                   ["LOW", "MEDIUM", "HIGH"])]
    elif kind == CUSTOM_NAME:
        p += [prop("project_name", "Project", "string", "text"),
              prop("budget", "Budget", "number", "number"),
              prop("due", "Due", "date", "date")]
    return p


class Store:
    """Store: the records of one CRM object type, in creation order."""

    def __init__(self, kind, type_id, properties):
        self.kind = kind
        self.type_id = type_id
        self.properties = properties
        self.prop_by_name = {p["name"]: p for p in properties}
        self.ids = []             # record ids, creation order (ascending)
        self.records = {}         # id -> record dict (see make_record)
        self.next_id = 0

    def add(self, rid, props, created_ms, updated_ms, archived=False):
        """add: a record with its property strings."""
        props = dict(props)
        props["hs_object_id"] = str(rid)
        props["hs_createdate"] = iso(created_ms)
        props["hs_lastmodifieddate"] = iso(updated_ms)
        self.records[rid] = {"id": rid, "properties": props,
                             "createdAt": created_ms, "updatedAt": updated_ms,
                             "archived": archived}
        self.ids.append(rid)
        self.next_id = max(self.next_id, rid + 1)

    def live(self):
        """live: the records that are not archived, in creation order."""
        for rid in self.ids:
            r = self.records[rid]
            if not r["archived"]:
                yield r


class Dataset:
    """Dataset: the whole simulated account."""

    def __init__(self, seed=42, users=25000, contacts=2000, companies=500,
                 deals=1000, tickets=800, custom=300):
        self.seed = seed
        self.lock = threading.RLock()
        self.version = 0
        rnd = random.Random(seed)
        self.portal_id = 20000000 + seed * 7919 % 1000000
        self.roles = [{"id": 100 + i * 3, "name": n,
                       "requiresBillingWrite": n == "Billing Admin"}
                      for i, n in enumerate(ROLE_NAMES)]
        self.teams = [{"id": 7000 + i * 11, "name": n}
                      for i, n in enumerate(TEAM_NAMES)]
        self.service_account_ids = [9900001, 9900002]
        self.people = []
        self.by_user_id = {}
        self.by_owner_id = {}
        self.stores = {}
        st = Store("users", "0-115", object_properties("users"))
        self.stores["users"] = st
        rid = 1000
        uid = 2600000
        oid = 30000000
        t = EPOCH_MS
        for i in range(users):
            p = Person()
            p.index = i
            rid += 1 + rnd.randrange(4)
            uid += 1 + rnd.randrange(9)
            oid += 1 + rnd.randrange(3)
            t += rnd.randrange(1, 3 * 3600 * 1000) + (1 if i % 97 else 0)
            p.record_id, p.user_id, p.owner_id = rid, uid, oid
            p.first_name = rnd.choice(FIRST) if rnd.random() > 0.03 else None
            p.last_name = rnd.choice(LAST) if rnd.random() > 0.03 else None
            local = "%s.%s%d" % ((p.first_name or "user").lower(),
                                 (p.last_name or "x").lower(), i)
            if rnd.random() < 0.1:
                local = local.capitalize()
            p.email = local + "@" + rnd.choice(DOMAINS)
            p.job_title = rnd.choice(TITLES) if rnd.random() > 0.2 else None
            p.deactivated = rnd.random() < 0.08
            p.super_admin = rnd.random() < 0.03
            r = rnd.random()
            if r < 0.1:
                p.role_ids = []
            elif r < 0.85:
                p.role_ids = [rnd.choice(self.roles)["id"]]
            else:
                p.role_ids = sorted(set(x["id"] for x in
                                        rnd.sample(self.roles, rnd.randrange(2, 4))))
            p.primary_team_id = (rnd.choice(self.teams)["id"]
                                 if rnd.random() < 0.7 else None)
            p.secondary_team_ids = sorted(set(
                x["id"] for x in rnd.sample(self.teams, rnd.randrange(0, 3))
                if x["id"] != p.primary_team_id)) if rnd.random() < 0.2 else []
            p.seat_names = (["core"] if rnd.random() < 0.6 else
                            (["sales", "service"] if rnd.random() < 0.5 else []))
            p.created_ms = t
            p.updated_ms = t + rnd.randrange(0, 400 * DAY_MS)
            p.deleted = False
            p.archived_owner = p.deactivated
            props = {
                "hs_email": p.email,
                "hs_given_name": p.first_name,
                "hs_family_name": p.last_name,
                "hs_internal_user_id": str(p.user_id),
                "hs_deactivated": "true" if p.deactivated else "false",
                "hs_job_title": p.job_title,
                "hs_additional_phone": ("+1 555 %04d" % rnd.randrange(10000)
                                        if rnd.random() < 0.3 else None),
                "hs_availability_status": rnd.choice(["available", "away"])
                if rnd.random() < 0.9 else None,
                "hs_standard_time_zone": rnd.choice(ZONES)
                if rnd.random() < 0.85 else None,
                "hs_main_user_language_skill": rnd.choice(LANGS)
                if rnd.random() < 0.5 else None,
                "hs_secondary_user_language_skill": rnd.choice(LANGS)
                if rnd.random() < 0.2 else None,
                "hs_uncategorized_skills": ";".join(sorted(rnd.sample(
                    SKILLS, rnd.randrange(1, 4)))) if rnd.random() < 0.4 else None,
                "hs_working_hours": ('[{"days":"MONDAY_TO_FRIDAY",'
                                     '"startMinute":540,"endMinute":1020}]'
                                     if rnd.random() < 0.3 else None),
                "hs_out_of_office_hours": None,
                "hubspot_owner_id": str(p.owner_id),
                "hubspot_team_id": (str(p.primary_team_id)
                                    if p.primary_team_id else None),
                "hs_searchable_calculated_name": " ".join(
                    x for x in (p.first_name, p.last_name) if x) or None,
                "hs_internal_notes": None,
            }
            st.add(rid, props, p.created_ms, p.updated_ms)
            p.props = st.records[rid]["properties"]
            self.people.append(p)
            self.by_user_id[p.user_id] = p
            self.by_owner_id[p.owner_id] = p
        self.next_user_id = uid + 100
        self.next_owner_id = oid + 100
        # two queues: owners without a user
        self.queues = [{"id": oid + 50 + i, "type": "QUEUE",
                        "email": None, "firstName": "Queue", "lastName": n,
                        "created_ms": EPOCH_MS, "archived": False}
                       for i, n in enumerate(["Inbound", "Escalations"])]
        active = [p for p in self.people if not p.deactivated] or self.people
        self._make_objects(rnd, "contacts", "0-1", contacts, active)
        self._make_objects(rnd, "companies", "0-2", companies, active)
        self._make_objects(rnd, "deals", "0-3", deals, active)
        self._make_objects(rnd, "tickets", "0-5", tickets, active)
        self._make_objects(rnd, CUSTOM_NAME, CUSTOM_TYPE_ID, custom, active)

    def _make_objects(self, rnd, kind, type_id, n, owners):
        """_make_objects: n records of one CRM type, some owned."""
        st = Store(kind, type_id, object_properties(kind))
        self.stores[kind] = st
        rid = {"contacts": 5000, "companies": 8000, "deals": 9000,
               "tickets": 12000}.get(kind, 40000)
        t = EPOCH_MS + DAY_MS
        for i in range(n):
            rid += 1 + rnd.randrange(3)
            t += rnd.randrange(1, 6 * 3600 * 1000)
            owner = rnd.choice(owners) if owners and rnd.random() < 0.85 else None
            props = {"hubspot_owner_id": str(owner.owner_id) if owner else None,
                     "hubspot_team_id": (str(owner.primary_team_id)
                                         if owner and owner.primary_team_id
                                         and rnd.random() < 0.7 else None)}
            fn, ln = rnd.choice(FIRST), rnd.choice(LAST)
            if kind == "contacts":
                props.update({
                    "email": "%s.%d@%s" % (fn.lower(), i, rnd.choice(DOMAINS)),
                    "firstname": fn, "lastname": ln,
                    "lifecyclestage": rnd.choice(LIFECYCLE),
                    "num_notes": str(rnd.randrange(0, 40)) if rnd.random() < 0.7 else None,
                    "birthdate": ("%d-%02d-%02d" % (1950 + rnd.randrange(50),
                                                     1 + rnd.randrange(12),
                                                     1 + rnd.randrange(28)))
                    if rnd.random() < 0.3 else None})
            elif kind == "companies":
                props.update({
                    "name": "%s %s" % (ln, rnd.choice(["Inc", "GmbH", "Ltd", "SA"])),
                    "domain": "%s%d.test" % (ln.lower().replace("'", ""), i),
                    "industry": rnd.choice(INDUSTRIES),
                    "numberofemployees": str(rnd.randrange(1, 5000)),
                    "annualrevenue": "%d.%02d" % (rnd.randrange(10 ** 7), rnd.randrange(100))
                    if rnd.random() < 0.6 else None})
            elif kind == "deals":
                stage = rnd.choice(STAGES)
                props.update({
                    "dealname": "%s deal %d" % (ln, i),
                    "amount": ("%d" % rnd.randrange(100, 200000)) if rnd.random() < 0.5
                    else ("%d.%d" % (rnd.randrange(100, 200000), rnd.randrange(10))
                          if rnd.random() < 0.8 else None),
                    "dealstage": stage, "pipeline": rnd.choice(PIPELINES),
                    "closedate": iso(t + rnd.randrange(0, 90) * DAY_MS)
                    if rnd.random() < 0.7 else None,
                    "hs_is_closed": "true" if stage.startswith("closed") else "false"})
            elif kind == "tickets":
                props.update({
                    "subject": "Ticket %d: %s" % (i, rnd.choice(TITLES)),
                    "content": rnd.choice(["", "Printer on fire", "Ünïcödé",
                                           "Line 1\nLine 2", None]),
                    "hs_pipeline_stage": rnd.choice(TICKET_STAGES),
                    "hs_ticket_priority": rnd.choice(["LOW", "MEDIUM", "HIGH", None])})
            else:
                props.update({
                    "project_name": "Project %s %d" % (fn, i),
                    "budget": str(rnd.randrange(1000, 90000)),
                    "due": "%d-%02d-%02d" % (2024 + rnd.randrange(3),
                                             1 + rnd.randrange(12),
                                             1 + rnd.randrange(28))})
            st.add(rid, props, t, t + rnd.randrange(0, 200) * DAY_MS,
                   archived=rnd.random() < 0.02)

    def touch(self):
        """touch: note that the data changed (call after every write)."""
        self.version += 1

    def store(self, object_type):
        """store: the Store for a path segment (name or type id), or None."""
        if object_type in self.stores:
            return self.stores[object_type]
        if object_type in ("user", "0-115"):
            return self.stores["users"]
        for st in self.stores.values():
            if st.type_id == object_type:
                return st
        return None

    def person_by_user_id(self, uid):
        """person_by_user_id: the live settings user with this id, or None."""
        p = self.by_user_id.get(uid)
        return p if p is not None and not p.deleted else None
