/*-------------------------------------------------------------------------
 *
 * settings.c
 *		  The account's people and their groupings: settings users, roles,
 *		  teams (the settings users API) and owners (the owners API).
 *
 *		  settings_users: "id = v" is a GET by id, "email = v" a GET with
 *		  idProperty=EMAIL (HubSpot may match the address without regard to
 *		  case, so Postgres checks the qual again); otherwise the list
 *		  cursor, 100 users a page.
 *		  roles, teams: one GET each, not paged; every qual is checked
 *		  locally.
 *		  owners: "id = v" is a GET by id, "email = v" the list's email
 *		  parameter (checked again locally), "archived" (true or false) the
 *		  list's archived parameter; pages of 500.  Without a qual on
 *		  archived the table holds the active owners, as the API does.
 *
 *		  Every answer is a record of top-level fields: the columns are
 *		  filled by hs_record_to_row from the camel-case field of their
 *		  name (convert.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "hubspot_fdw.h"

#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "nodes/nodeFuncs.h"
#include "nodes/value.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Page size of the owners list (HubSpot's maximum) */
#define HS_OWNERS_PAGE_MAX 500

/* Planner's guesses: rows of a list, and rows of roles or teams */
#define HS_SETTINGS_EST_USERS 1000.0
#define HS_SETTINGS_EST_GROUPS 10.0

/* What a settings scan looks up: the first member of fdw_private's extra */
typedef enum HsSettingsLookup
{
	HS_SETTINGS_ALL,			/* the whole list (or roles, teams) */
	HS_SETTINGS_BY_ID,			/* GET one by id */
	HS_SETTINGS_BY_EMAIL		/* users: GET by email; owners: list's email= */
} HsSettingsLookup;

/* The fields a qual may name */
typedef enum HsSettingsField
{
	HS_SF_NONE,
	HS_SF_ID,
	HS_SF_EMAIL,
	HS_SF_ARCHIVED
} HsSettingsField;

/*
 * hs_settings_base
 *		The path of a settings table's endpoint.
 */
static const char *
hs_settings_base(HsTableKind kind)
{
	switch (kind)
	{
		case HS_TABLE_SETTINGS_USERS:
			return "/settings/v3/users";
		case HS_TABLE_ROLES:
			return "/settings/v3/users/roles";
		case HS_TABLE_TEAMS:
			return "/settings/v3/users/teams";
		default:
			return "/crm/v3/owners";
	}
}

/* ------------------------------------------------------------------
 * Planning
 * ------------------------------------------------------------------
 */

/*
 * hs_settings_is_equality
 *		True for an operator that is equality in a btree family, with a
 *		collation that compares exactly.
 */
static bool
hs_settings_is_equality(Oid opno, Oid inputcollid)
{
	List	   *interps = get_op_btree_interpretation(opno);
	ListCell   *lc;

	if (OidIsValid(inputcollid) && !get_collation_isdeterministic(inputcollid))
		return false;
	foreach(lc, interps)
	{
		if (((OpBtreeInterpretation *) lfirst(lc))->strategy == BTEqualStrategyNumber)
			return true;
	}
	return false;
}

/*
 * hs_settings_field
 *		The field of a node that is a plain column of this relation that
 *		the table's kind can send, or HS_SF_NONE.
 */
static HsSettingsField
hs_settings_field(RelOptInfo *baserel, HsColumns *columns, HsTableKind kind,
				  Node *n)
{
	Var		   *var;
	HsColumn   *col;

	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	if (n == NULL || !IsA(n, Var))
		return HS_SF_NONE;
	var = (Var *) n;
	if (var->varno != baserel->relid || var->varlevelsup != 0 ||
		var->varattno <= 0 || var->varattno > columns->natts)
		return HS_SF_NONE;
	col = &columns->cols[var->varattno - 1];
	if (col->dropped || OidIsValid(col->elemtypid))
		return HS_SF_NONE;
	if (strcmp(col->remote_name, "id") == 0 &&
		(col->typid == INT8OID || col->typid == INT4OID || col->typid == TEXTOID))
		return HS_SF_ID;
	if (strcmp(col->remote_name, "email") == 0 &&
		(col->typid == TEXTOID || col->typid == VARCHAROID))
		return HS_SF_EMAIL;
	if (kind == HS_TABLE_OWNERS && strcmp(col->remote_name, "archived") == 0 &&
		col->typid == BOOLOID)
		return HS_SF_ARCHIVED;
	return HS_SF_NONE;
}

/*
 * hs_settings_is_value
 *		True for an expression that can be sent: no column of this
 *		relation, nothing volatile, no subplan.
 */
static bool
hs_settings_is_value(PlannerInfo *root, RelOptInfo *baserel, Node *n)
{
	return n != NULL &&
		!bms_is_member(baserel->relid, pull_varnos(root, n)) &&
		!contain_volatile_functions(n) && !contain_subplans(n);
}

/*
 * hs_settings_archived_qual
 *		For owners: the archived value a clause asks for ("archived",
 *		"NOT archived", "archived = true|false"), or -1.
 */
static int
hs_settings_archived_qual(RelOptInfo *baserel, HsColumns *columns, Node *clause)
{
	if (hs_settings_field(baserel, columns, HS_TABLE_OWNERS, clause) == HS_SF_ARCHIVED)
		return 1;
	if (is_notclause(clause) &&
		hs_settings_field(baserel, columns, HS_TABLE_OWNERS,
						  (Node *) get_notclausearg((Expr *) clause)) == HS_SF_ARCHIVED)
		return 0;
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *a;
		Node	   *b;

		if (list_length(op->args) != 2 || !hs_settings_is_equality(op->opno, op->inputcollid))
			return -1;
		a = linitial(op->args);
		b = lsecond(op->args);
		if (hs_settings_field(baserel, columns, HS_TABLE_OWNERS, a) != HS_SF_ARCHIVED)
		{
			Node	   *t = a;

			a = b;
			b = t;
		}
		if (hs_settings_field(baserel, columns, HS_TABLE_OWNERS, a) == HS_SF_ARCHIVED &&
			IsA(b, Const) && !((Const *) b)->constisnull &&
			((Const *) b)->consttype == BOOLOID)
			return DatumGetBool(((Const *) b)->constvalue) ? 1 : 0;
	}
	return -1;
}

/*
 * hs_settings_classify
 *		If a clause is "id = v" or "email = v" (v a value known at
 *		execution at the latest), its field, with the value (a String, or
 *		an Integer indexing pd->param_exprs) in *value; HS_SF_NONE
 *		otherwise.
 */
static HsSettingsField
hs_settings_classify(PlannerInfo *root, RelOptInfo *baserel, HsColumns *columns,
					 HsTableKind kind, Expr *clause, HsPushdown *pd, Node **value)
{
	OpExpr	   *op;
	Node	   *colnode;
	Node	   *valnode;
	HsSettingsField field;

	if (!IsA(clause, OpExpr))
		return HS_SF_NONE;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2 || !hs_settings_is_equality(op->opno, op->inputcollid))
		return HS_SF_NONE;
	colnode = linitial(op->args);
	valnode = lsecond(op->args);
	if (hs_settings_field(baserel, columns, kind, colnode) == HS_SF_NONE)
	{
		colnode = lsecond(op->args);
		valnode = linitial(op->args);
	}
	field = hs_settings_field(baserel, columns, kind, colnode);
	if ((field != HS_SF_ID && field != HS_SF_EMAIL) ||
		!hs_settings_is_value(root, baserel, valnode))
		return HS_SF_NONE;
	if (IsA(valnode, Const))
	{
		Const	   *c = (Const *) valnode;
		char	   *t;

		if (c->constisnull)
			return HS_SF_NONE;	/* never true: Postgres sees to it */
		t = hs_datum_to_remote(c->constvalue, c->consttype);
		if (t == NULL)
			return HS_SF_NONE;
		*value = (Node *) makeString(t);
	}
	else
	{
		pd->param_exprs = lappend(pd->param_exprs, valnode);
		*value = (Node *) makeInteger(list_length(pd->param_exprs) - 1);
	}
	return field;
}

/*
 * hs_settings_plan
 *		Decide the request of a settings, roles, teams or owners scan.
 */
static void
hs_settings_plan(PlannerInfo *root, RelOptInfo *baserel, HsOptions *opts,
				 List *clauses, Bitmapset *attrs_used, HsPushdown *pd)
{
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsColumns  *columns = hs_columns_for_relation(rel, opts->kind);
	bool		lookups = opts->kind == HS_TABLE_SETTINGS_USERS ||
		opts->kind == HS_TABLE_OWNERS;
	Node	   *by_id = NULL;
	Node	   *by_email = NULL;
	RestrictInfo *id_ri = NULL;
	RestrictInfo *email_ri = NULL;
	int			archived = -1;
	ListCell   *lc;
	HsSettingsLookup lookup;

	table_close(rel, NoLock);
	memset(pd, 0, sizeof(HsPushdown));
	pd->limit = -1;

	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		HsSettingsField field = HS_SF_NONE;
		Node	   *value = NULL;
		int			a;

		if (lookups && !ri->pseudoconstant)
		{
			if (opts->kind == HS_TABLE_OWNERS && archived < 0 &&
				(a = hs_settings_archived_qual(baserel, columns, (Node *) ri->clause)) >= 0)
			{
				archived = a;
				pd->remote_conds = lappend(pd->remote_conds, ri);
				continue;
			}
			/* a second id or email qual stays local: one value is sent */
			if ((by_id == NULL || by_email == NULL))
			{
				int			nparams = list_length(pd->param_exprs);

				field = hs_settings_classify(root, baserel, columns, opts->kind,
											 ri->clause, pd, &value);
				if ((field == HS_SF_ID && by_id != NULL) ||
					(field == HS_SF_EMAIL && by_email != NULL))
				{
					pd->param_exprs = list_truncate(pd->param_exprs, nparams);
					field = HS_SF_NONE;
				}
			}
		}
		if (field == HS_SF_ID)
		{
			by_id = value;
			id_ri = ri;
		}
		else if (field == HS_SF_EMAIL)
		{
			by_email = value;
			email_ri = ri;
		}
		else
			pd->local_conds = lappend(pd->local_conds, ri);
	}

	/* one look-up is sent: the id if there is one; the other qual is local */
	if (by_id)
	{
		lookup = HS_SETTINGS_BY_ID;
		pd->ids = list_make1(by_id);
		pd->remote_conds = lappend(pd->remote_conds, id_ri);
		if (email_ri)
			pd->local_conds = lappend(pd->local_conds, email_ri);
	}
	else if (by_email)
	{
		lookup = HS_SETTINGS_BY_EMAIL;
		pd->ids = list_make1(by_email);
		/* HubSpot may match without regard to case: Postgres checks again */
		pd->remote_conds = lappend(pd->remote_conds, email_ri);
		pd->local_conds = lappend(pd->local_conds, email_ri);
	}
	else
		lookup = HS_SETTINGS_ALL;

	if (lookup != HS_SETTINGS_ALL)
	{
		/* owners' email is a filter of the list; the rest are GETs */
		pd->method = (opts->kind == HS_TABLE_OWNERS && lookup == HS_SETTINGS_BY_EMAIL) ?
			HS_SCAN_LIST : HS_SCAN_GET;
		pd->rows = 1;
		pd->requests = 1;
	}
	else
	{
		pd->method = HS_SCAN_LIST;
		if (opts->kind == HS_TABLE_ROLES || opts->kind == HS_TABLE_TEAMS)
		{
			pd->rows = HS_SETTINGS_EST_GROUPS;
			pd->requests = 1;
		}
		else
		{
			pd->rows = HS_SETTINGS_EST_USERS;
			pd->requests = ceil(HS_SETTINGS_EST_USERS /
								(opts->kind == HS_TABLE_OWNERS ?
								 HS_OWNERS_PAGE_MAX : HS_LIST_PAGE_MAX));
		}
	}
	pd->extra = list_make2(makeInteger(lookup), makeInteger(archived > 0 ? 1 : 0));
}

/*
 * hs_settings_properties
 *		Settings tables ask for no properties: the answers carry every field.
 */
static List *
hs_settings_properties(Oid relid, Bitmapset *attrs_used, HsOptions *opts)
{
	return NIL;
}

/* ------------------------------------------------------------------
 * Execution
 * ------------------------------------------------------------------
 */

/*
 * hs_settings_value
 *		The looked-up value of a scan as HubSpot's text: the constant, the
 *		evaluated parameter, or (for EXPLAIN) the parameter as written;
 *		NULL when a parameter is NULL.
 */
static const char *
hs_settings_value(HsScanState *ss, bool for_explain)
{
	Node	   *v;
	List	   *texts;

	if (ss->ids == NIL)
		return NULL;
	v = (Node *) linitial(ss->ids);
	if (IsA(v, String))
		return strVal(v);
	texts = for_explain ? ss->param_labels[intVal(v)] : ss->params[intVal(v)];
	return texts != NIL ? (const char *) linitial(texts) : NULL;
}

/*
 * hs_settings_path
 *		The path (and query) of a scan's request: value is the looked-up
 *		id or email (already encoded, or as written for EXPLAIN), after the
 *		cursor or NULL.
 */
static char *
hs_settings_path(HsScanState *ss, const char *value, const char *after)
{
	HsTableKind kind = ss->opts->kind;
	HsSettingsLookup lookup = (HsSettingsLookup) intVal(linitial(ss->extra));
	bool		archived = intVal(lsecond(ss->extra)) != 0;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, hs_settings_base(kind));
	if (kind == HS_TABLE_ROLES || kind == HS_TABLE_TEAMS)
		return buf.data;
	if (kind == HS_TABLE_SETTINGS_USERS)
	{
		if (lookup == HS_SETTINGS_BY_ID)
			appendStringInfo(&buf, "/%s", value);
		else if (lookup == HS_SETTINGS_BY_EMAIL)
			appendStringInfo(&buf, "/%s?idProperty=EMAIL", value);
		else
			appendStringInfo(&buf, "/?limit=%d", HS_LIST_PAGE_MAX);
	}
	else
	{
		if (lookup == HS_SETTINGS_BY_ID)
			appendStringInfo(&buf, "/%s?archived=%s", value,
							 archived ? "true" : "false");
		else
		{
			appendStringInfo(&buf, "?limit=%d&archived=%s", HS_OWNERS_PAGE_MAX,
							 archived ? "true" : "false");
			if (lookup == HS_SETTINGS_BY_EMAIL)
				appendStringInfo(&buf, "&email=%s", value);
		}
	}
	if (after)
		appendStringInfo(&buf, "&after=%s", hs_url_encode(after));
	return buf.data;
}

/*
 * hs_settings_what
 *		A request's description for messages.
 */
static const char *
hs_settings_what(HsScanState *ss, const char *value)
{
	HsSettingsLookup lookup = (HsSettingsLookup) intVal(linitial(ss->extra));

	switch (ss->opts->kind)
	{
		case HS_TABLE_ROLES:
			return "the list of roles";
		case HS_TABLE_TEAMS:
			return "the list of teams";
		case HS_TABLE_SETTINGS_USERS:
			if (lookup == HS_SETTINGS_BY_ID)
				return psprintf("settings user %s", value);
			if (lookup == HS_SETTINGS_BY_EMAIL)
				return psprintf("the settings user with email %s", value);
			return "the list of settings users";
		default:
			if (lookup == HS_SETTINGS_BY_ID)
				return psprintf("owner %s", value);
			return "the list of owners";
	}
}

/*
 * hs_settings_next_page
 *		Fetch the next page of a settings scan.
 */
static bool
hs_settings_next_page(HsScanState *ss)
{
	HsSettingsLookup lookup = (HsSettingsLookup) intVal(linitial(ss->extra));
	const char *value = NULL;
	HsRequest	req;
	HsResponse	resp;

	if (ss->method == HS_SCAN_EMPTY)
		return false;
	if (lookup != HS_SETTINGS_ALL)
	{
		value = hs_settings_value(ss, false);
		if (value == NULL)
			return false;		/* "= NULL" matches nothing */
		if (lookup == HS_SETTINGS_BY_ID)
		{
			char	   *end;

			/* an id that is not a whole number matches nobody */
			(void) strtoll(value, &end, 10);
			if (*value == '\0' || *end != '\0' || *value == '-')
				return false;
		}
	}

	memset(&req, 0, sizeof(req));
	req.retry_safe = true;
	req.method = HS_GET;
	req.path = hs_settings_path(ss, value ? hs_url_encode(value) : NULL, ss->after);
	req.what = hs_settings_what(ss, value);

	if (ss->method == HS_SCAN_GET)
	{
		ss->done = true;
		hs_send(ss, &req, &resp, HS_ACCEPT_404);
		if (resp.status == 404)
		{
			ss->page.nresults = 0;
			ss->page.results = NULL;
			return true;
		}
		hs_page_parse(&ss->page, resp.body, resp.len, NULL, req.what, ss->page_cxt);
	}
	else
	{
		hs_send(ss, &req, &resp, 0);
		hs_page_parse(&ss->page, resp.body, resp.len, "results", req.what,
					  ss->page_cxt);
		hs_check_cursor(ss->page.next_after, ss->after, &req);
		ss->after = ss->page.next_after ?
			MemoryContextStrdup(ss->scan_cxt, ss->page.next_after) : NULL;
		if (ss->after == NULL)
			ss->done = true;
	}
	ss->counters.pages++;
	ss->counters.rows += ss->page.nresults;
	return true;
}

/*
 * hs_settings_explain
 *		EXPLAIN VERBOSE: the request the scan sends (first).
 */
static void
hs_settings_explain(HsScanState *ss, List *fdw_private, ExplainState *es)
{
	HsSettingsLookup lookup = (HsSettingsLookup) intVal(linitial(ss->extra));
	const char *value = NULL;
	char	   *path;

	if (lookup != HS_SETTINGS_ALL)
	{
		Node	   *v = (Node *) linitial(ss->ids);

		/* a constant as it is sent, a parameter as written */
		value = IsA(v, String) ? hs_url_encode(strVal(v)) :
			hs_settings_value(ss, true);
	}
	path = hs_settings_path(ss, value, NULL);
	ExplainPropertyText("HubSpot Request", psprintf("GET %s", path), es);
	if (ss->opts->kind == HS_TABLE_SETTINGS_USERS && lookup == HS_SETTINGS_ALL)
		ExplainPropertyText("HubSpot Paging", "cursor, 100 users a page", es);
	else if (ss->opts->kind == HS_TABLE_OWNERS && lookup != HS_SETTINGS_BY_ID)
		ExplainPropertyText("HubSpot Paging", "cursor, 500 owners a page", es);
}

const HsKindRoutine hs_settings_routine = {
	.plan = hs_settings_plan,
	.properties = hs_settings_properties,
	.next_page = hs_settings_next_page,
	.next_row = hs_next_record_row,
	.explain = hs_settings_explain
};
