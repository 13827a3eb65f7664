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
 *		  owners: "id = v" is a GET by id, "user_id = v" a GET with
 *		  idProperty=userId (checked again: HubSpot may find a deactivated
 *		  user's owner, whose userId it shows as null), "email = v" the list's email
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
	HS_SETTINGS_BY_EMAIL,		/* users: GET by email; owners: list's email= */
	HS_SETTINGS_BY_USER_ID		/* owners: GET with idProperty=userId */
} HsSettingsLookup;

/* The fields a qual may name */
typedef enum HsSettingsField
{
	HS_SF_NONE,
	HS_SF_ID,
	HS_SF_ID_LIST,				/* id = ANY(...): several GETs */
	HS_SF_EMAIL,
	HS_SF_USER_ID,				/* owners' userId */
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
 * hs_settings_field
 *		The field of a node that is a plain column of this relation that
 *		the table's kind can send, or HS_SF_NONE.
 */
static HsSettingsField
hs_settings_field(RelOptInfo *baserel, HsColumns *columns, HsTableKind kind,
				  Node *n)
{
	int			attno = hs_column_attno(baserel, columns, n);
	HsColumn   *col;

	if (attno == 0)
		return HS_SF_NONE;
	col = &columns->cols[attno - 1];
	if (OidIsValid(col->elemtypid))
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
	if (kind == HS_TABLE_OWNERS && strcmp(col->remote_name, "userId") == 0 &&
		(col->typid == INT8OID || col->typid == INT4OID))
		return HS_SF_USER_ID;
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
 *		For owners: the archived value a clause asks for ("archived", "NOT
 *		archived", "archived IS TRUE|FALSE", "archived = v"), as a String
 *		"true"/"false" or an Integer indexing pd->param_exprs; NULL for
 *		any other clause.
 */
static Node *
hs_settings_archived_qual(PlannerInfo *root, RelOptInfo *baserel,
						  HsColumns *columns, Node *clause, HsPushdown *pd)
{
	HsTableKind kind = HS_TABLE_OWNERS;

	if (hs_settings_field(baserel, columns, kind, clause) == HS_SF_ARCHIVED)
		return (Node *) makeString("true");
	if (is_notclause(clause) &&
		hs_settings_field(baserel, columns, kind,
						  (Node *) get_notclausearg((Expr *) clause)) == HS_SF_ARCHIVED)
		return (Node *) makeString("false");
	if (IsA(clause, BooleanTest) &&
		hs_settings_field(baserel, columns, kind,
						  (Node *) ((BooleanTest *) clause)->arg) == HS_SF_ARCHIVED)
	{
		/* HubSpot's "archived" is never null */
		switch (((BooleanTest *) clause)->booltesttype)
		{
			case IS_TRUE:
				return (Node *) makeString("true");
			case IS_FALSE:
				return (Node *) makeString("false");
			default:
				return NULL;
		}
	}
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *a;
		Node	   *b;

		if (list_length(op->args) != 2 || !hs_is_equality(op->opno, op->inputcollid))
			return NULL;
		a = linitial(op->args);
		b = lsecond(op->args);
		if (hs_settings_field(baserel, columns, kind, a) != HS_SF_ARCHIVED)
		{
			Node	   *t = a;

			a = b;
			b = t;
		}
		if (hs_settings_field(baserel, columns, kind, a) != HS_SF_ARCHIVED ||
			!hs_settings_is_value(root, baserel, b) || exprType(b) != BOOLOID)
			return NULL;
		if (IsA(b, Const))
		{
			if (((Const *) b)->constisnull)
				return NULL;	/* never true: Postgres sees to it */
			return (Node *) makeString(DatumGetBool(((Const *) b)->constvalue) ?
									   "true" : "false");
		}
		pd->param_exprs = lappend(pd->param_exprs, b);
		return (Node *) makeInteger(list_length(pd->param_exprs) - 1);
	}
	return NULL;
}

/*
 * hs_settings_classify_array
 *		"id = ANY(v)" / "id IN (...)" on settings users or owners: the ids
 *		as a List of Strings (a constant array) or an Integer indexing
 *		pd->param_exprs, each id one GET; HS_SF_NONE for anything else.
 */
static HsSettingsField
hs_settings_classify_array(PlannerInfo *root, RelOptInfo *baserel,
						   HsColumns *columns, HsTableKind kind,
						   ScalarArrayOpExpr *sa, HsPushdown *pd, Node **value)
{
	Node	   *arr;

	if (!sa->useOr || list_length(sa->args) != 2 ||
		!hs_is_equality(sa->opno, sa->inputcollid) ||
		hs_settings_field(baserel, columns, kind, linitial(sa->args)) != HS_SF_ID)
		return HS_SF_NONE;
	arr = lsecond(sa->args);
	if (!hs_settings_is_value(root, baserel, arr))
		return HS_SF_NONE;
	if (IsA(arr, Const))
	{
		Const	   *c = (Const *) arr;
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;
		List	   *ids = NIL;
		Oid			elemtype = get_element_type(c->consttype);

		if (c->constisnull || !OidIsValid(elemtype))
			return HS_SF_NONE;
		n = hs_array_elements(c->constvalue, elemtype, &elems, &nulls);
		for (i = 0; i < n; i++)
		{
			char	   *t;

			if (nulls[i] || (t = hs_datum_to_remote(elems[i], elemtype)) == NULL)
				continue;		/* a NULL never matches */
			ids = lappend(ids, makeString(t));
		}
		*value = (Node *) ids;
	}
	else
	{
		pd->param_exprs = lappend(pd->param_exprs, arr);
		*value = (Node *) list_make1(makeInteger(list_length(pd->param_exprs) - 1));
	}
	return HS_SF_ID_LIST;
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

	if (IsA(clause, ScalarArrayOpExpr))
		return hs_settings_classify_array(root, baserel, columns, kind,
										  (ScalarArrayOpExpr *) clause, pd, value);
	if (!IsA(clause, OpExpr))
		return HS_SF_NONE;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2 || !hs_is_equality(op->opno, op->inputcollid))
		return HS_SF_NONE;
	colnode = linitial(op->args);
	valnode = lsecond(op->args);
	if (hs_settings_field(baserel, columns, kind, colnode) == HS_SF_NONE)
	{
		colnode = lsecond(op->args);
		valnode = linitial(op->args);
	}
	field = hs_settings_field(baserel, columns, kind, colnode);
	if ((field != HS_SF_ID && field != HS_SF_EMAIL && field != HS_SF_USER_ID) ||
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
	Node	   *by_user = NULL;
	RestrictInfo *id_ri = NULL;
	RestrictInfo *email_ri = NULL;
	RestrictInfo *user_ri = NULL;
	Node	   *archived = NULL;
	bool		no_id = false;
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

		if (lookups && !ri->pseudoconstant)
		{
			if (opts->kind == HS_TABLE_OWNERS && archived == NULL &&
				(archived = hs_settings_archived_qual(root, baserel, columns,
													  (Node *) ri->clause, pd)) != NULL)
			{
				pd->remote_conds = lappend(pd->remote_conds, ri);
				continue;
			}
			/* a second id, user id or email qual stays local: one is sent */
			{
				int			nparams = list_length(pd->param_exprs);

				field = hs_settings_classify(root, baserel, columns, opts->kind,
											 ri->clause, pd, &value);
				if (((field == HS_SF_ID || field == HS_SF_ID_LIST) && (by_id != NULL || no_id)) ||
					(field == HS_SF_EMAIL && by_email != NULL) ||
					(field == HS_SF_USER_ID && by_user != NULL))
				{
					pd->param_exprs = list_truncate(pd->param_exprs, nparams);
					field = HS_SF_NONE;
				}
			}
		}
		if (field == HS_SF_ID_LIST && value == NULL)
		{
			/* "id IN (NULL)", "id = ANY('{}')": nobody, nothing to ask */
			no_id = true;
			pd->remote_conds = lappend(pd->remote_conds, ri);
		}
		else if (field == HS_SF_ID || field == HS_SF_ID_LIST)
		{
			by_id = field == HS_SF_ID ? (Node *) list_make1(value) : value;
			id_ri = ri;
		}
		else if (field == HS_SF_EMAIL)
		{
			by_email = value;
			email_ri = ri;
		}
		else if (field == HS_SF_USER_ID)
		{
			by_user = value;
			user_ri = ri;
		}
		else
			pd->local_conds = lappend(pd->local_conds, ri);
	}

	/* one look-up is sent: the id if there is one; the other qual is local */
	if (by_id)
	{
		lookup = HS_SETTINGS_BY_ID;
		pd->ids = (List *) by_id;	/* one GET each */
		pd->remote_conds = lappend(pd->remote_conds, id_ri);
		if (email_ri)
			pd->local_conds = lappend(pd->local_conds, email_ri);
		if (user_ri)
			pd->local_conds = lappend(pd->local_conds, user_ri);
	}
	else if (by_user)
	{
		/*
		 * An owner by its user: HubSpot may find a deactivated user's owner,
		 * whose userId it shows as null, so Postgres checks again.
		 */
		lookup = HS_SETTINGS_BY_USER_ID;
		pd->ids = list_make1(by_user);
		pd->remote_conds = lappend(pd->remote_conds, user_ri);
		pd->local_conds = lappend(pd->local_conds, user_ri);
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
		pd->rows = Max(list_length(pd->ids), 1);
		pd->requests = pd->rows;
		if (pd->ids == NIL)
			pd->method = HS_SCAN_EMPTY;	/* "id IN (NULL)" */
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
	if (no_id)
	{
		pd->method = HS_SCAN_EMPTY;
		pd->rows = 0;
		pd->requests = 0;
	}
	/* without a qual on archived, HubSpot's default: the active owners */
	pd->extra = list_make2(makeInteger(lookup),
						   archived ? archived : (Node *) makeString("false"));
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
 * hs_settings_text
 *		A planned value as HubSpot's text: a String as it is, a parameter
 *		evaluated (or, for EXPLAIN, as written); NULL when a parameter is
 *		NULL.
 */
static const char *
hs_settings_text(HsScanState *ss, Node *v, bool for_explain)
{
	List	   *texts;

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
hs_settings_path(HsScanState *ss, const char *value, const char *archived,
				 const char *after)
{
	HsTableKind kind = ss->opts->kind;
	HsSettingsLookup lookup = (HsSettingsLookup) intVal(linitial(ss->extra));
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, hs_settings_base(kind));
	if (kind == HS_TABLE_ROLES || kind == HS_TABLE_TEAMS)
		;						/* one unpaged answer */
	else if (kind == HS_TABLE_SETTINGS_USERS)
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
			appendStringInfo(&buf, "/%s?archived=%s", value, archived);
		else if (lookup == HS_SETTINGS_BY_USER_ID)
			appendStringInfo(&buf, "/%s?idProperty=userId&archived=%s", value, archived);
		else
		{
			appendStringInfo(&buf, "?limit=%d&archived=%s", HS_OWNERS_PAGE_MAX,
							 archived);
			if (lookup == HS_SETTINGS_BY_EMAIL)
				appendStringInfo(&buf, "&email=%s", value);
		}
	}
	if (after)
		appendStringInfo(&buf, "%cafter=%s", strchr(buf.data, '?') ? '&' : '?',
						 hs_url_encode(after));
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
			if (lookup == HS_SETTINGS_BY_USER_ID)
				return psprintf("the owner of user %s", value);
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
	const char *archived;
	HsRequest	req;
	HsResponse	resp;

	if (ss->method == HS_SCAN_EMPTY)
		return false;
	archived = hs_settings_text(ss, (Node *) lsecond(ss->extra), false);
	if (archived == NULL)
		return false;			/* "archived = NULL" matches nothing */
	if (lookup == HS_SETTINGS_BY_ID)
	{
		/* one GET per id, several in flight when every row is wanted */
		if (ss->id_pos == 0 && ss->id_texts == NIL)
			ss->id_texts = hs_scan_ids(ss);
		if (ss->id_pos >= list_length(ss->id_texts))
			return false;
		value = (const char *) list_nth(ss->id_texts, ss->id_pos++);
		if (ss->max_ahead > 0)
		{
			int			i;

			for (i = ss->id_pos; i < list_length(ss->id_texts); i++)
			{
				const char *next = (const char *) list_nth(ss->id_texts, i);

				memset(&req, 0, sizeof(req));
				req.retry_safe = true;
				req.method = HS_GET;
				req.path = hs_settings_path(ss, hs_url_encode(next), archived, NULL);
				req.what = hs_settings_what(ss, next);
				if (!hs_prefetch(ss, &req, HS_ACCEPT_404))
					break;
			}
		}
	}
	else if (lookup != HS_SETTINGS_ALL)
	{
		value = hs_settings_text(ss, (Node *) linitial(ss->ids), false);
		if (value == NULL)
			return false;		/* "= NULL" matches nothing */
		/* a user id that is not a whole number matches nobody */
		if (lookup == HS_SETTINGS_BY_USER_ID && !hs_is_record_id(value))
			return false;
	}

	memset(&req, 0, sizeof(req));
	req.retry_safe = true;
	req.method = HS_GET;
	req.path = hs_settings_path(ss, value ? hs_url_encode(value) : NULL, archived,
								ss->after);
	req.what = hs_settings_what(ss, value);

	if (ss->method == HS_SCAN_GET)
	{
		if (lookup != HS_SETTINGS_BY_ID ||
			ss->id_pos >= list_length(ss->id_texts))
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
		else if (ss->max_ahead > 0)
		{
			/* prefetch: the next page travels while this one is used */
			req.path = hs_settings_path(ss, value ? hs_url_encode(value) : NULL,
										archived, ss->after);
			(void) hs_prefetch(ss, &req, 0);
		}
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

	if (ss->method == HS_SCAN_EMPTY)
	{
		ExplainPropertyText("HubSpot Request", "none (the conditions contradict)", es);
		return;
	}
	if (lookup != HS_SETTINGS_ALL)
	{
		Node	   *v = (Node *) linitial(ss->ids);

		/* a constant as it is sent, a parameter as written */
		value = IsA(v, String) ? hs_url_encode(strVal(v)) :
			hs_settings_text(ss, v, true);
	}
	path = hs_settings_path(ss, value,
							hs_settings_text(ss, (Node *) lsecond(ss->extra), true),
							NULL);
	ExplainPropertyText("HubSpot Request", psprintf("GET %s", path), es);
	if (lookup == HS_SETTINGS_BY_ID && list_length(ss->ids) > 1)
		ExplainPropertyText("HubSpot Lookups",
							psprintf("%d ids, one GET each", list_length(ss->ids)), es);
	if (ss->opts->kind == HS_TABLE_SETTINGS_USERS && lookup == HS_SETTINGS_ALL)
		ExplainPropertyText("HubSpot Paging", "cursor, 100 users a page", es);
	else if (ss->opts->kind == HS_TABLE_OWNERS && lookup != HS_SETTINGS_BY_ID &&
			 lookup != HS_SETTINGS_BY_USER_ID)
		ExplainPropertyText("HubSpot Paging", "cursor, 500 owners a page", es);
}

const HsKindRoutine hs_settings_routine = {
	.plan = hs_settings_plan,
	.properties = hs_settings_properties,
	.next_page = hs_settings_next_page,
	.next_row = hs_next_record_row,
	.explain = hs_settings_explain
};
