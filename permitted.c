/*-------------------------------------------------------------------------
 *
 * permitted.c
 *		  The permitted_users table: which users may view, edit, communicate
 *		  with or delete each CRM record, from HubSpot's resource permissions
 *		  (GET /resource-permissions/v3/permitted-users).  One row per
 *		  record, action and user; columns are matched by name (object_type,
 *		  object_type_id, object_id, resource, action, user_id) and a table
 *		  may declare any subset of them.
 *
 *		  Records are named by HCRN, hcrn:{accountId}:crm-object:{typeId}:
 *		  {recordId}.  The account id is the server option account_id, or
 *		  else asked once per connection from /account-info/v3/details.
 *
 *		  Choosing the requests:
 *		  - object_type, object_type_id, object_id and resource quals (=, IN,
 *		    = ANY, parameters, the outer side of a nested loop) name the
 *		    records; they are checked before anything is sent, and a bad HCRN
 *		    part (an object type HubSpot has no permissions for, an id that
 *		    is not a positive whole number, a malformed HCRN) is an error.
 *		    The records go permitted_users_batch (default 20) to a request,
 *		    with the resource parameter repeated; when HubSpot refuses a
 *		    batch (400) the batch is halved and sent again.
 *		  - action and user_id have no HubSpot filter: Postgres checks them.
 *		  - Without ids the records of each type (all four when no type is
 *		    given) are listed with the CRM list cursor, 100 a page, and
 *		    looked up in batches.  That costs about n/100 + n/20 requests for
 *		    n records, so the planner is told, and max_requests (server,
 *		    table, or the GUC hubspot_fdw.max_requests) is checked up front
 *		    from the records' count (a search for one record per type) when
 *		    the query reads every row, and before every request anyway.
 *		  - The unpaged endpoint is always used.  It answers for a record
 *		    with all of its users however many there are, and for up to a
 *		    batch of records at once, so it never takes more requests than
 *		    the paged endpoint, which takes at least one request per record
 *		    (and one per 1,000 users).  The paged endpoint would only save
 *		    bytes, not requests; see hs_perm_fetch.
 *
 *		  Join pushdown: "crm JOIN permitted_users ON object_id = crm.id" (an
 *		  inner join of a CRM table and permitted_users on one server) runs as
 *		  one scan: the CRM side's own scan (hs_crm_plan decides it: a search,
 *		  a list, ids), and for every batch of its records the permitted
 *		  users of those records in one request.  A nested loop over a
 *		  parameterized path would send one request per outer record; this
 *		  sends the CRM side's requests plus ceil(n * types / batch).
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
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#define HS_PERM_PATH "/resource-permissions/v3/permitted-users"
#define HS_PERM_ACTION_PREFIX "crm-object:"

/* Planner's guesses, when nothing better is known */
#define HS_PERM_EST_RECORDS 10000.0 /* records of a type */
#define HS_PERM_EST_ROWS_PER_RECORD 40.0	/* actions x users */
#define HS_PERM_EST_ARRAY_IDS 10.0	/* ids in an array parameter */

/* The columns of the table, by what they hold */
typedef enum HsPermField
{
	HS_PF_NONE = -1,
	HS_PF_OBJECT_TYPE,
	HS_PF_OBJECT_TYPE_ID,
	HS_PF_OBJECT_ID,
	HS_PF_RESOURCE,
	HS_PF_ACTION,
	HS_PF_USER_ID,
	HS_PF_NUM
} HsPermField;

/* Column names: snake case, and the camel case of a column's default name */
static const char *const hs_perm_field_names[HS_PF_NUM][2] = {
	{"object_type", "objectType"},
	{"object_type_id", "objectTypeId"},
	{"object_id", "objectId"},
	{"resource", "resource"},
	{"action", "action"},
	{"user_id", "userId"}
};

/*
 * The plan (HsPushdown.extra): list(constraints, Integer flags).  A
 * constraint is list(Integer field, List values): the column (object_type,
 * object_type_id, object_id or resource) equals one of the values, each a
 * String (constant text) or an Integer (index of a param_exprs entry,
 * evaluated at execution into any number of texts).
 */
#define HS_PERM_READS_ALL 0x01	/* the query reads every row of the scan */

/* A record to look up: its type and id (and account, for resource quals) */
typedef struct HsPermTarget
{
	int			type;			/* index in hs_perm_types */
	int64		id;
	int64		account;		/* 0: the connection's */
	void	   *row;			/* join: the CRM row it came from */
} HsPermTarget;

/* How look-ups are sent: the account and the batch size */
typedef struct HsPermLookup
{
	char	   *account;		/* the account id as text */
	int			batch;			/* records a request, halved when refused */
	bool		batch_taken;	/* HubSpot has answered a look-up of this size */
} HsPermLookup;

/* An answer being turned into rows: entries, and the records asked */
typedef struct HsPermAnswer
{
	HsPermittedEntry *entries;
	int			nentries;
	HsPermTarget *asked;
	int			nasked;
	/* position */
	int			entry;			/* current entry */
	bool		entry_ok;		/* its HCRN was parsed */
	int			type;			/* parsed from its HCRN */
	int64		id;
	int			match;			/* asked target being returned, -1 before */
	int			user;			/* next user of the entry */
} HsPermAnswer;

/* A base scan's state (in kind_cxt) */
typedef struct HsPermState
{
	HsPermLookup lk;
	bool		types[HS_PERM_NTYPES];
	bool		enumerate;		/* no ids: list every record of the types */
	HsPermTarget *pending;		/* targets still to look up */
	int			npending;
	int			cap;
	/* enumeration */
	int			type_pos;		/* type being listed, HS_PERM_NTYPES: done */
	char	   *list_after;		/* its cursor, NULL: first page */
	bool		list_started;
	MemoryContext list_cxt;		/* reset per list page */
	/* the answer being returned, in page_cxt */
	HsPermAnswer ans;
	int		   *fields;			/* attnum - 1 -> HsPermField */
} HsPermState;

/* ------------------------------------------------------------------
 * Names: types, columns, HCRNs
 * ------------------------------------------------------------------
 */

/*
 * hs_perm_unknown_type
 *		The error for an object type HubSpot has no permissions for.
 */
static void
hs_perm_unknown_type(const char *value, bool by_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("HubSpot has no record permissions for object type %s \"%s\"",
					by_id ? "id" : "name", value),
			 errdetail("Permitted users are known for contacts (0-1), companies (0-2), deals (0-3) and tickets (0-5) only."),
			 errhint("Compare %s with one of those %s.",
					 by_id ? "object_type_id" : "object_type",
					 by_id ? "ids" : "names")));
}

/*
 * hs_perm_hcrn
 *		The HCRN of a record.
 */
static char *
hs_perm_hcrn(const char *account, int type, int64 id)
{
	return psprintf("hcrn:%s:crm-object:%s:" INT64_FORMAT, account,
					hs_perm_types[type].type_id, id);
}

/*
 * hs_perm_fields
 *		What each column of the table holds (HS_PF_NONE for a column with
 *		another name); a referenced column of another name is an error.
 */
static int *
hs_perm_fields(HsColumns *columns, Bitmapset *attrs_used)
{
	int		   *fields = palloc(sizeof(int) * Max(columns->natts, 1));
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);
	int			i;

	for (i = 0; i < columns->natts; i++)
	{
		HsColumn   *col = &columns->cols[i];
		int			f;

		fields[i] = HS_PF_NONE;
		if (col->dropped)
			continue;
		for (f = 0; f < HS_PF_NUM; f++)
		{
			if (strcmp(col->remote_name, hs_perm_field_names[f][0]) == 0 ||
				strcmp(col->remote_name, hs_perm_field_names[f][1]) == 0)
				fields[i] = f;
		}
		if (fields[i] == HS_PF_NONE &&
			(whole_row || bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber,
										attrs_used)))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" is not a permitted-users column",
							col->attname, columns->relname),
					 errhint("The columns of a permitted_users table are object_type, object_type_id, object_id, resource, action and user_id.")));
	}
	return fields;
}

/* ------------------------------------------------------------------
 * Planning
 * ------------------------------------------------------------------
 */

/*
 * hs_perm_column_field
 *		The field of a node that is a plain column of this relation, or
 *		HS_PF_NONE.
 */
static int
hs_perm_column_field(RelOptInfo *baserel, HsColumns *columns, int *fields,
					 Node *n)
{
	int			attno = hs_column_attno(baserel, columns, n);

	return attno > 0 ? fields[attno - 1] : HS_PF_NONE;
}

/*
 * hs_perm_is_value
 *		True for an expression that can name records: no column of this
 *		relation, nothing volatile, no subplan.
 */
static bool
hs_perm_is_value(PlannerInfo *root, RelOptInfo *baserel, Node *n)
{
	return n != NULL &&
		!bms_is_member(baserel->relid, pull_varnos(root, n)) &&
		!contain_volatile_functions(n) && !contain_subplans(n);
}

/*
 * hs_perm_const_texts
 *		A constant's texts: one for a scalar, one per non-null element of an
 *		array, none for NULL.
 */
static List *
hs_perm_const_texts(Const *c)
{
	List	   *out = NIL;
	Oid			elem;

	if (c->constisnull)
		return NIL;
	elem = get_element_type(c->consttype);
	if (OidIsValid(elem))
	{
		ArrayType  *arr = DatumGetArrayTypeP(c->constvalue);
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		get_typlenbyvalalign(elem, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, elem, elmlen, elmbyval, elmalign,
						  &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			char	   *t = nulls[i] ? NULL : hs_datum_to_remote(elems[i], elem);

			if (t)
				out = lappend(out, makeString(t));
		}
		return out;
	}
	{
		char	   *t = hs_datum_to_remote(c->constvalue, c->consttype);

		return t ? list_make1(makeString(t)) : NIL;
	}
}

/*
 * hs_perm_classify
 *		If a clause names records ("col = v", "col IN (...)", "col =
 *		ANY(v)" on object_type, object_type_id, object_id or resource),
 *		its constraint (see the plan's shape above); NULL otherwise.
 *		Values computed at execution go to pd->param_exprs.
 */
static List *
hs_perm_classify(PlannerInfo *root, RelOptInfo *baserel, HsColumns *columns,
				 int *fields, Expr *clause, HsPushdown *pd)
{
	Node	   *colnode;
	Node	   *valnode;
	int			field;
	List	   *values;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;

		if (list_length(op->args) != 2 ||
			!hs_is_equality(op->opno, op->inputcollid))
			return NULL;
		colnode = linitial(op->args);
		valnode = lsecond(op->args);
		if (hs_perm_column_field(baserel, columns, fields, colnode) == HS_PF_NONE)
		{
			colnode = lsecond(op->args);
			valnode = linitial(op->args);
		}
		if (IsA(valnode, Const) &&
			OidIsValid(get_element_type(((Const *) valnode)->consttype)))
			return NULL;
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;

		if (!sa->useOr || list_length(sa->args) != 2 ||
			!hs_is_equality(sa->opno, sa->inputcollid))
			return NULL;
		colnode = linitial(sa->args);
		valnode = lsecond(sa->args);
	}
	else
		return NULL;

	field = hs_perm_column_field(baserel, columns, fields, colnode);
	if (field != HS_PF_OBJECT_TYPE && field != HS_PF_OBJECT_TYPE_ID &&
		field != HS_PF_OBJECT_ID && field != HS_PF_RESOURCE)
		return NULL;
	if (!hs_perm_is_value(root, baserel, valnode))
		return NULL;

	if (IsA(valnode, Const))
		values = hs_perm_const_texts((Const *) valnode);
	else
	{
		pd->param_exprs = lappend(pd->param_exprs, valnode);
		values = list_make1(makeInteger(list_length(pd->param_exprs) - 1));
	}
	return list_make2(makeInteger(field), values);
}

/*
 * hs_perm_count_values
 *		How many texts a constraint's values stand for, as far as planning
 *		knows.
 */
static double
hs_perm_count_values(List *values, List *param_exprs)
{
	double		n = 0;
	ListCell   *lc;

	foreach(lc, values)
	{
		Node	   *v = (Node *) lfirst(lc);

		if (IsA(v, String))
			n += 1;
		else
		{
			Node	   *e = (Node *) list_nth(param_exprs, intVal(v));

			n += OidIsValid(get_element_type(exprType(e))) ? HS_PERM_EST_ARRAY_IDS : 1;
		}
	}
	return n;
}

static List *hs_perm_texts(List *values, List **params);

/*
 * hs_perm_allowed_types
 *		The types the constraints allow.  At plan time (execute false) as far
 *		as constants tell, an unknown type allowing nothing: false when a
 *		type constraint has a value known only at execution.  At execution
 *		the parameters are evaluated too, and an unknown type is an error.
 */
static bool
hs_perm_allowed_types(List *constraints, List **params, bool execute, bool *types)
{
	ListCell   *lc;
	bool		all_consts = true;
	int			i;

	for (i = 0; i < HS_PERM_NTYPES; i++)
		types[i] = true;
	foreach(lc, constraints)
	{
		List	   *c = (List *) lfirst(lc);
		int			field = intVal(linitial(c));
		bool		by_id = field == HS_PF_OBJECT_TYPE_ID;
		bool		allowed[HS_PERM_NTYPES] = {false};
		List	   *values = (List *) lsecond(c);
		ListCell   *lc2;

		if (field != HS_PF_OBJECT_TYPE && field != HS_PF_OBJECT_TYPE_ID)
			continue;
		foreach(lc2, execute ? hs_perm_texts(values, params) : values)
		{
			const char *s;
			int			t;

			if (execute)
				s = (const char *) lfirst(lc2);
			else if (IsA(lfirst(lc2), String))
				s = strVal(lfirst(lc2));
			else
			{
				/* a parameter: any type, as far as planning knows */
				all_consts = false;
				for (t = 0; t < HS_PERM_NTYPES; t++)
					allowed[t] = true;
				continue;
			}
			t = hs_perm_type_index(s, by_id);
			if (t < 0 && execute)
				hs_perm_unknown_type(s, by_id);
			if (t >= 0)
				allowed[t] = true;
		}
		for (i = 0; i < HS_PERM_NTYPES; i++)
			types[i] = types[i] && allowed[i];
	}
	return all_consts;
}

/*
 * hs_perm_ntypes
 *		How many types a mask allows.
 */
static int
hs_perm_ntypes(const bool *types)
{
	int			n = 0;
	int			i;

	for (i = 0; i < HS_PERM_NTYPES; i++)
		n += types[i] ? 1 : 0;
	return n;
}

/*
 * hs_perm_reads_all
 *		True when the query reads every row of its scans (no LIMIT, no
 *		cursor, not an EXISTS): only then may a scan be refused up front
 *		for what all of it would cost.
 */
static bool
hs_perm_reads_all(PlannerInfo *root)
{
	return root->tuple_fraction <= 0.0;
}

/*
 * hs_perm_plan
 *		Decide the requests of a permitted_users scan from its clauses.
 */
static void
hs_perm_plan(PlannerInfo *root, RelOptInfo *baserel, HsOptions *opts,
			 List *clauses, Bitmapset *attrs_used, HsPushdown *pd)
{
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsColumns  *columns = hs_columns_for_relation(rel, HS_TABLE_PERMITTED_USERS);
	int		   *fields = hs_perm_fields(columns, attrs_used);
	List	   *constraints = NIL;
	ListCell   *lc;
	bool		types[HS_PERM_NTYPES];
	double		ntypes;
	double		nrecords = -1;	/* records named, -1: every one */
	int			batch = Max(opts->permitted_users_batch, 1);

	table_close(rel, NoLock);
	memset(pd, 0, sizeof(HsPushdown));
	pd->limit = -1;

	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		List	   *c = NULL;

		if (!ri->pseudoconstant)
			c = hs_perm_classify(root, baserel, columns, fields, ri->clause, pd);
		if (c == NULL)
		{
			pd->local_conds = lappend(pd->local_conds, ri);
			continue;
		}
		constraints = lappend(constraints, c);
		pd->remote_conds = lappend(pd->remote_conds, ri);
		/* a resource names an account too: Postgres compares it whole */
		if (intVal(linitial(c)) == HS_PF_RESOURCE)
			pd->local_conds = lappend(pd->local_conds, ri);
	}

	(void) hs_perm_allowed_types(constraints, NULL, false, types);
	ntypes = Max(hs_perm_ntypes(types), 1);
	foreach(lc, constraints)
	{
		List	   *c = (List *) lfirst(lc);
		int			field = intVal(linitial(c));
		double		n;

		if (field != HS_PF_OBJECT_ID && field != HS_PF_RESOURCE)
			continue;
		n = hs_perm_count_values((List *) lsecond(c), pd->param_exprs);
		if (field == HS_PF_OBJECT_ID)
			n *= ntypes;
		if (nrecords < 0 || n < nrecords)
			nrecords = n;
	}

	if (nrecords >= 0)
	{
		pd->method = nrecords <= 1 ? HS_SCAN_GET : HS_SCAN_BATCH;
		pd->rows = Max(nrecords, 1) * HS_PERM_EST_ROWS_PER_RECORD;
		pd->requests = Max(ceil(nrecords / batch), 1);
	}
	else
	{
		/* list every record of each type, look them up in batches */
		pd->method = HS_SCAN_LIST;
		pd->rows = ntypes * HS_PERM_EST_RECORDS * HS_PERM_EST_ROWS_PER_RECORD;
		pd->requests = ntypes * (ceil(HS_PERM_EST_RECORDS / HS_LIST_PAGE_MAX) +
								 ceil(HS_PERM_EST_RECORDS / batch));
	}
	pd->extra = list_make2(constraints,
						   makeInteger(hs_perm_reads_all(root) ? HS_PERM_READS_ALL : 0));
}

/*
 * hs_perm_properties
 *		permitted_users asks for no CRM property.
 */
static List *
hs_perm_properties(Oid relid, Bitmapset *attrs_used, HsOptions *opts)
{
	return NIL;
}

/* ------------------------------------------------------------------
 * Execution: the records to look up
 * ------------------------------------------------------------------
 */

/*
 * hs_perm_texts
 *		The texts a constraint's values stand for at execution.
 */
static List *
hs_perm_texts(List *values, List **params)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, values)
	{
		Node	   *v = (Node *) lfirst(lc);

		if (IsA(v, String))
			out = lappend(out, strVal(v));
		else
			out = list_concat(out, params[intVal(v)]);
	}
	return out;
}

/*
 * hs_perm_cmp_target
 *		qsort order of targets: id, type, account.
 */
static int
hs_perm_cmp_target(const void *a, const void *b)
{
	const HsPermTarget *x = (const HsPermTarget *) a;
	const HsPermTarget *y = (const HsPermTarget *) b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->account != y->account)
		return x->account < y->account ? -1 : 1;
	return 0;
}

/*
 * hs_perm_unique
 *		Sort targets and drop repeats; returns the new count.
 */
static int
hs_perm_unique(HsPermTarget *t, int n)
{
	int			i;
	int			k = 0;

	if (n <= 1)
		return n;
	qsort(t, n, sizeof(HsPermTarget), hs_perm_cmp_target);
	for (i = 0; i < n; i++)
	{
		if (k == 0 || hs_perm_cmp_target(&t[k - 1], &t[i]) != 0)
			t[k++] = t[i];
	}
	return k;
}

/*
 * hs_perm_find
 *		In targets sorted by hs_perm_cmp_target, one for the record of key
 *		whose account agrees with key's (0 agrees with any), or NULL.
 */
static HsPermTarget *
hs_perm_find(HsPermTarget *t, int n, HsPermTarget *key)
{
	int			lo = 0;
	int			hi = n;

	/* the first target not before (key's id, key's type) */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (t[mid].id < key->id || (t[mid].id == key->id && t[mid].type < key->type))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && t[lo].id == key->id && t[lo].type == key->type; lo++)
	{
		if (t[lo].account == key->account || t[lo].account == 0 || key->account == 0)
			return &t[lo];
	}
	return NULL;
}

/*
 * hs_perm_eval_targets
 *		The records the constraints name, checked, without repeats, in id
 *		order; false when no constraint names records (every record of the
 *		types is wanted).  Nothing is sent: a bad HCRN part is an error
 *		before any request.
 */
static bool
hs_perm_eval_targets(List *constraints, List **params, const bool *types,
					 HsPermTarget **out, int *nout)
{
	HsPermTarget *set = NULL;	/* the intersection so far */
	int			nset = 0;
	bool		any = false;
	ListCell   *lc;

	foreach(lc, constraints)
	{
		List	   *c = (List *) lfirst(lc);
		int			field = intVal(linitial(c));
		List	   *texts;
		HsPermTarget *these;
		int			n = 0;
		ListCell   *lc2;

		if (field != HS_PF_OBJECT_ID && field != HS_PF_RESOURCE)
			continue;
		texts = hs_perm_texts((List *) lsecond(c), params);
		these = palloc(sizeof(HsPermTarget) * Max(list_length(texts) * HS_PERM_NTYPES, 1));
		foreach(lc2, texts)
		{
			const char *s = (const char *) lfirst(lc2);
			int			t;

			if (field == HS_PF_OBJECT_ID)
			{
				int64		id = hs_perm_parse_id(s);

				for (t = 0; t < HS_PERM_NTYPES; t++)
				{
					if (!types[t])
						continue;
					these[n].type = t;
					these[n].id = id;
					these[n].account = 0;
					these[n].row = NULL;
					n++;
				}
			}
			else
			{
				int64		account;
				int64		id;
				char	   *type_id;

				if (!hs_perm_parse_hcrn(s, &account, &t, &id, &type_id))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid HCRN \"%s\"", s),
							 errdetail("An HCRN has the form hcrn:{accountId}:crm-object:{objectTypeId}:{recordId}, with whole numbers for the account and record ids.")));
				if (t < 0)
					hs_perm_unknown_type(type_id, true);
				if (!types[t])
					continue;
				these[n].type = t;
				these[n].id = id;
				these[n].account = account;
				these[n].row = NULL;
				n++;
			}
		}
		n = hs_perm_unique(these, n);

		if (!any)
		{
			set = these;
			nset = n;
		}
		else
		{
			/* keep what both name; a resource's account is kept */
			int			i;
			int			k = 0;

			for (i = 0; i < nset; i++)
			{
				HsPermTarget key = set[i];
				HsPermTarget *found = hs_perm_find(these, n, &key);

				if (found)
				{
					if (key.account == 0)
						key.account = found->account;
					set[k++] = key;
				}
			}
			nset = hs_perm_unique(set, k);
		}
		any = true;
	}
	*out = set;
	*nout = nset;
	return any;
}

/* ------------------------------------------------------------------
 * Execution: requests
 * ------------------------------------------------------------------
 */

/*
 * hs_perm_account
 *		The account id for HCRNs: the server option, or else asked once per
 *		connection from /account-info/v3/details.
 */
static char *
hs_perm_account(HsScanState *ss)
{
	HsConnection *conn = ss->conn;

	if (conn->account_id <= 0)
	{
		HsRequest	req;
		HsResponse	resp;
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
												  "hubspot_fdw account",
												  ALLOCSET_SMALL_SIZES);
		int64		portal;

		memset(&req, 0, sizeof(req));
		req.method = HS_GET;
		req.path = "/account-info/v3/details";
		req.retry_safe = true;
		req.what = "the account's details";
		hs_send(ss, &req, &resp, 0);
		portal = hs_json_get_int64(hs_json_parse(resp.body, resp.len, req.what, cxt),
								   "portalId", 0);
		MemoryContextDelete(cxt);
		if (portal <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("HubSpot's account details have no \"portalId\""),
					 errhint("Set the server option \"account_id\" to the account's id.")));
		conn->account_id = portal;
	}
	return psprintf(INT64_FORMAT, conn->account_id);
}

/*
 * hs_perm_path
 *		GET path of a look-up: the resource parameter once per record.
 */
static char *
hs_perm_path(HsPermLookup *lk, HsPermTarget *targets, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, HS_PERM_PATH);
	for (i = 0; i < n; i++)
	{
		char	   *account = targets[i].account > 0 ?
			psprintf(INT64_FORMAT, targets[i].account) : lk->account;

		appendStringInfo(&buf, "%cresource=%s", i == 0 ? '?' : '&',
						 hs_url_encode(hs_perm_hcrn(account, targets[i].type,
													targets[i].id)));
	}
	return buf.data;
}

/*
 * hs_perm_request
 *		The look-up of the first records of targets (as many as the batch
 *		allows, at most n); returns how many it covers.
 */
static int
hs_perm_request(HsPermLookup *lk, HsPermTarget *targets, int n, HsRequest *req)
{
	int			k = Min(n, lk->batch);

	memset(req, 0, sizeof(*req));
	req->method = HS_GET;
	req->retry_safe = true;
	req->path = hs_perm_path(lk, targets, k);
	req->what = k == 1 ?
		psprintf("the permitted users of %s %s " INT64_FORMAT,
				 hs_perm_types[targets[0].type].name,
				 targets[0].account > 0 ? "(another account) record" : "record",
				 targets[0].id) :
		psprintf("the permitted users of %d records", k);
	return k;
}

/*
 * hs_perm_send_ahead
 *		Send the look-ups of the pending records ahead, several at once,
 *		once HubSpot has taken a look-up of the batch's size (it may refuse
 *		as many records, and the batch is then halved).  Whole batches only
 *		unless all_known (no more records will join the pending ones), so
 *		that what goes ahead is what will be asked.
 */
static void
hs_perm_send_ahead(HsScanState *ss, HsPermLookup *lk, HsPermTarget *pending,
				   int npending, bool all_known)
{
	int			off;

	if (ss->max_ahead == 0 || !lk->batch_taken)
		return;
	for (off = 0; off < npending; off += lk->batch)
	{
		HsRequest	req;
		int			k = hs_perm_request(lk, pending + off, npending - off, &req);

		if (!all_known && k < lk->batch)
			break;
		if (!hs_send_ahead(ss, &req, k > 1 ? HS_ACCEPT_400 : 0))
			break;
	}
}

/*
 * hs_perm_fetch
 *		Look up the permitted users of the first records of targets (as
 *		many as the batch allows, at most n) in one request, the answer in
 *		cxt; returns how many records it covered.  When HubSpot refuses a
 *		batch (400), the batch is halved, for this scan's later look-ups
 *		too, and sent again; a single record's refusal is HubSpot's error.
 *
 *		Why never the paged endpoint: this answer holds every user of every
 *		record asked, in one request for up to a batch of records, while
 *		the paged endpoint needs one request per record and more per 1,000
 *		users.  Paging would only bound the size of one answer, and a
 *		record's users are a few ids each (about 10 bytes a user and action).
 */
static int
hs_perm_fetch(HsScanState *ss, HsPermLookup *lk, HsPermTarget *targets, int n,
			  HsPermAnswer *ans, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	int			k;
	int			i;

	for (;;)
	{
		HsRequest	req;
		HsResponse	resp;

		k = hs_perm_request(lk, targets, n, &req);
		hs_send(ss, &req, &resp, k > 1 ? HS_ACCEPT_400 : 0);
		if (resp.status == 400)
		{
			/* what went ahead was cut to the old batch: not wanted */
			hs_drop_flights(ss);
			lk->batch = Max(k / 2, 1);
			elog(DEBUG1, "hubspot_fdw: HubSpot refused %d records in one permitted-users request; trying %d",
				 k, lk->batch);
			continue;
		}
		if (k == lk->batch)
			lk->batch_taken = true;
		memset(ans, 0, sizeof(HsPermAnswer));
		ans->nentries = hs_parse_permitted_users(resp.body, resp.len, false,
												 req.what, cxt, &ans->entries,
												 NULL);
		break;
	}
	ans->asked = palloc(sizeof(HsPermTarget) * k);
	memcpy(ans->asked, targets, sizeof(HsPermTarget) * k);
	ans->nasked = k;
	ans->entry = -1;
	ans->match = -1;
	ss->counters.pages++;
	for (i = 0; i < ans->nentries; i++)
		ss->counters.rows += ans->entries[i].nusers;
	MemoryContextSwitchTo(old);
	return k;
}

/*
 * hs_perm_answer_next
 *		The next (entry, record asked, user) of an answer; false when it is
 *		used up.  Entries for a record that was not asked are HubSpot's
 *		surprise and are left out, so that a scan returns only what its
 *		quals name.
 */
static bool
hs_perm_answer_next(HsPermAnswer *a, HsPermittedEntry **entry,
					HsPermTarget **target, int64 *user)
{
	for (;;)
	{
		HsPermittedEntry *e;

		if (a->entry >= 0 && a->entry < a->nentries && a->entry_ok)
		{
			e = &a->entries[a->entry];
			if (a->match >= 0 && a->user < e->nusers)
			{
				*entry = e;
				*target = &a->asked[a->match];
				*user = e->users[a->user++];
				return true;
			}
			/* the next record asked that this entry is about */
			for (a->match++; a->match < a->nasked; a->match++)
			{
				HsPermTarget *t = &a->asked[a->match];

				if (t->type == a->type && t->id == a->id)
					break;
			}
			a->user = 0;
			if (a->match < a->nasked)
				continue;
		}
		if (++a->entry >= a->nentries)
			return false;
		{
			int64		account;
			int			type;
			int64		id;

			e = &a->entries[a->entry];
			a->entry_ok = hs_perm_parse_hcrn(e->resource, &account, &type, &id, NULL) &&
				type >= 0;
			a->type = type;
			a->id = id;
			a->match = -1;
			a->user = 0;
		}
	}
}

/*
 * hs_perm_fill
 *		The permitted_users values of one row.
 */
static void
hs_perm_fill(HsColumns *columns, int *fields, List *retrieved_attrs,
			 HsPermittedEntry *e, HsPermTarget *t, int64 user,
			 Datum *values, bool *nulls)
{
	ListCell   *lc;

	foreach(lc, retrieved_attrs)
	{
		int			attnum = lfirst_int(lc);
		HsColumn   *col = &columns->cols[attnum - 1];
		const char *text = NULL;

		switch (fields[attnum - 1])
		{
			case HS_PF_OBJECT_TYPE:
				text = hs_perm_types[t->type].name;
				break;
			case HS_PF_OBJECT_TYPE_ID:
				text = hs_perm_types[t->type].type_id;
				break;
			case HS_PF_OBJECT_ID:
				text = psprintf(INT64_FORMAT, t->id);
				break;
			case HS_PF_RESOURCE:
				text = e->resource;
				break;
			case HS_PF_ACTION:
				text = e->action;
				if (strncmp(text, HS_PERM_ACTION_PREFIX, strlen(HS_PERM_ACTION_PREFIX)) == 0)
					text += strlen(HS_PERM_ACTION_PREFIX);
				break;
			case HS_PF_USER_ID:
				text = psprintf(INT64_FORMAT, user);
				break;
			default:
				break;
		}
		if (text == NULL)
		{
			values[attnum - 1] = (Datum) 0;
			nulls[attnum - 1] = true;
		}
		else
			values[attnum - 1] = hs_convert_value(col, text, &nulls[attnum - 1]);
	}
}

/* ------------------------------------------------------------------
 * Execution: a scan of permitted_users
 * ------------------------------------------------------------------
 */

/*
 * hs_perm_push
 *		Add targets to the pending ones.
 */
static void
hs_perm_push(HsPermState *st, HsPermTarget *t, int n)
{
	if (st->npending + n > st->cap)
	{
		st->cap = Max(st->cap * 2, st->npending + n);
		st->pending = st->pending ?
			repalloc(st->pending, sizeof(HsPermTarget) * st->cap) :
			palloc(sizeof(HsPermTarget) * st->cap);
	}
	memcpy(st->pending + st->npending, t, sizeof(HsPermTarget) * n);
	st->npending += n;
}

/*
 * hs_perm_consume
 *		Drop the first n pending targets.
 */
static void
hs_perm_consume(HsPermTarget *pending, int *npending, int n)
{
	memmove(pending, pending + n, sizeof(HsPermTarget) * (*npending - n));
	*npending -= n;
}

/*
 * hs_perm_estimate
 *		When the query reads every row, refuse a scan up front if it would
 *		pass max_requests: for named records the look-ups, for every record
 *		of the types the list pages and look-ups, from the records' count (a
 *		search for one record per type, sent only when there is a limit).
 */
static void
hs_perm_estimate(HsScanState *ss, HsPermState *st, bool reads_all)
{
	int64		more = 0;
	int			t;

	if (ss->opts->max_requests <= 0 || !reads_all)
		return;
	if (!st->enumerate)
	{
		more = (st->npending + st->lk.batch - 1) / st->lk.batch;
		hs_check_request_estimate(ss, more + (ss->conn->account_id > 0 ? 0 : 1));
		return;
	}
	for (t = 0; t < HS_PERM_NTYPES; t++)
	{
		int64		n;

		if (!st->types[t])
			continue;
		/* each count is a request: stop before it if it would not fit */
		hs_check_request_estimate(ss, more + 1);
		n = hs_crm_count(ss, hs_perm_types[t].name);
		more += Max((n + HS_LIST_PAGE_MAX - 1) / HS_LIST_PAGE_MAX, 1) +
			(n + st->lk.batch - 1) / st->lk.batch;
	}
	hs_check_request_estimate(ss, more + (ss->conn->account_id > 0 ? 0 : 1));
}

/*
 * hs_perm_start
 *		A scan's first step: the records to look up, checked before any
 *		request; the estimate against max_requests; the account id.
 */
static HsPermState *
hs_perm_start(HsScanState *ss)
{
	MemoryContext old = MemoryContextSwitchTo(ss->kind_cxt);
	HsPermState *st = palloc0(sizeof(HsPermState));
	List	   *constraints = (List *) linitial(ss->extra);
	int			flags = intVal(lsecond(ss->extra));
	HsPermTarget *targets;
	int			ntargets;

	st->fields = hs_perm_fields(ss->columns, NULL);
	st->lk.batch = Max(ss->opts->permitted_users_batch, 1);
	(void) hs_perm_allowed_types(constraints, ss->params, true, st->types);
	st->enumerate = !hs_perm_eval_targets(constraints, ss->params, st->types,
										  &targets, &ntargets);
	if (!st->enumerate)
	{
		st->pending = targets;
		st->npending = ntargets;
		st->cap = ntargets;
		st->type_pos = HS_PERM_NTYPES;
	}
	st->list_cxt = AllocSetContextCreate(ss->kind_cxt, "hubspot_fdw permitted list",
										 ALLOCSET_DEFAULT_SIZES);
	ss->kind_state = st;

	/* nothing to look up: nothing to send */
	if (st->enumerate ? hs_perm_ntypes(st->types) > 0 : st->npending > 0)
	{
		hs_perm_estimate(ss, st, (flags & HS_PERM_READS_ALL) != 0);
		st->lk.account = hs_perm_account(ss);
	}
	MemoryContextSwitchTo(old);
	return st;
}

/*
 * hs_perm_list_more
 *		Enumeration: add the records of the next list page to the pending
 *		ones; false when every type has been listed.
 */
static bool
hs_perm_list_more(HsScanState *ss, HsPermState *st)
{
	MemoryContext old;
	HsPage		page;
	HsPermTarget *t;
	int			i;

	while (st->type_pos < HS_PERM_NTYPES && !st->types[st->type_pos])
		st->type_pos++;
	if (st->type_pos >= HS_PERM_NTYPES)
		return false;

	MemoryContextReset(st->list_cxt);
	old = MemoryContextSwitchTo(st->list_cxt);
	hs_crm_list_page(ss, hs_perm_types[st->type_pos].name,
					 list_make1(makeString("hs_object_id")), HS_LIST_PAGE_MAX,
					 &st->list_after, ss->kind_cxt, &page);
	ss->counters.pages++;
	t = palloc(sizeof(HsPermTarget) * Max(page.nresults, 1));
	for (i = 0; i < page.nresults; i++)
	{
		char	   *id = hs_record_id(hs_page_record(&page, i));

		if (id == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("HubSpot's list of %s has a record without \"id\"",
							hs_perm_types[st->type_pos].name)));
		t[i].type = st->type_pos;
		t[i].id = hs_perm_parse_id(id);
		t[i].account = 0;
		t[i].row = NULL;
	}
	MemoryContextSwitchTo(ss->kind_cxt);
	hs_perm_push(st, t, page.nresults);
	MemoryContextSwitchTo(old);
	if (st->list_after == NULL)
		st->type_pos++;
	return true;
}

/*
 * hs_perm_next_page
 *		The next look-up of a scan: a batch of the records named, or of the
 *		records listed; false when there is none left.
 */
static bool
hs_perm_next_page(HsScanState *ss)
{
	HsPermState *st = (HsPermState *) ss->kind_state;
	int			k;

	if (st == NULL)
		st = hs_perm_start(ss);

	/* fill a whole batch when the lists have more */
	while (st->npending < st->lk.batch && hs_perm_list_more(ss, st))
		;
	if (st->npending == 0)
		return false;

	/* the look-ups are independent: several go at once */
	hs_perm_send_ahead(ss, &st->lk, st->pending, st->npending, !st->enumerate);
	k = hs_perm_fetch(ss, &st->lk, st->pending, st->npending, &st->ans,
					  ss->page_cxt);
	hs_perm_consume(st->pending, &st->npending, k);
	return true;
}

/*
 * hs_perm_next_row
 *		The next row of the current answer.
 */
static bool
hs_perm_next_row(HsScanState *ss, Datum *values, bool *nulls)
{
	HsPermState *st = (HsPermState *) ss->kind_state;
	HsPermittedEntry *e;
	HsPermTarget *t;
	int64		user;

	if (!hs_perm_answer_next(&st->ans, &e, &t, &user))
		return false;
	hs_perm_fill(ss->columns, st->fields, ss->retrieved_attrs, e, t, user,
				 values, nulls);
	return true;
}

/* ------------------------------------------------------------------
 * EXPLAIN
 * ------------------------------------------------------------------
 */

/*
 * hs_perm_describe_values
 *		"a, b, $1" for EXPLAIN.
 */
static void
hs_perm_describe_values(StringInfo buf, List *values)
{
	ListCell   *lc;
	bool		first = true;

	foreach(lc, values)
	{
		Node	   *v = (Node *) lfirst(lc);

		if (IsA(v, String))
			appendStringInfo(buf, "%s%s", first ? "" : ", ", strVal(v));
		else
			appendStringInfo(buf, "%s$%d", first ? "" : ", ", intVal(v) + 1);
		first = false;
	}
	if (first)
		appendStringInfoString(buf, "none");
}

/*
 * hs_perm_single
 *		True when constants name one record of one type (and no resource):
 *		then EXPLAIN shows the very request.
 */
static bool
hs_perm_single(List *constraints, int *type, const char **id)
{
	bool		types[HS_PERM_NTYPES];
	ListCell   *lc;
	int			t;

	*id = NULL;
	*type = -1;
	if (!hs_perm_allowed_types(constraints, NULL, false, types) || hs_perm_ntypes(types) != 1)
		return false;
	for (t = 0; t < HS_PERM_NTYPES; t++)
	{
		if (types[t])
			*type = t;
	}
	foreach(lc, constraints)
	{
		List	   *c = (List *) lfirst(lc);
		List	   *values = (List *) lsecond(c);
		int			field = intVal(linitial(c));

		if (field == HS_PF_RESOURCE)
			return false;
		if (field != HS_PF_OBJECT_ID)
			continue;
		if (list_length(values) != 1 || !IsA(linitial(values), String) ||
			strspn(strVal(linitial(values)), "0123456789") != strlen(strVal(linitial(values))) ||
			(*id != NULL && strcmp(*id, strVal(linitial(values))) != 0))
			return false;
		*id = strVal(linitial(values));
	}
	return *id != NULL && **id >= '1' && **id <= '9';
}

/*
 * hs_perm_explain_lookup
 *		EXPLAIN: the look-up requests and the records they name.
 */
static void
hs_perm_explain_lookup(HsOptions *opts, List *constraints, bool listed,
					   const char *label, ExplainState *es)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		types[HS_PERM_NTYPES];
	int			batch = Max(opts->permitted_users_batch, 1);
	char	   *account = opts->account_id > 0 ?
		psprintf(INT64_FORMAT, opts->account_id) : "{accountId}";
	int			type;
	const char *id;

	initStringInfo(&buf);
	if (hs_perm_single(constraints, &type, &id))
		appendStringInfo(&buf, "GET %s?resource=hcrn:%s:crm-object:%s:%s",
						 HS_PERM_PATH, account, hs_perm_types[type].type_id, id);
	else
		appendStringInfo(&buf, "GET %s?resource=hcrn:%s:crm-object:{objectTypeId}:{recordId}&resource=... (%d records a request)",
						 HS_PERM_PATH, account, batch);
	ExplainPropertyText(label, buf.data, es);

	resetStringInfo(&buf);
	if (!hs_perm_allowed_types(constraints, NULL, false, types))
		appendStringInfoString(&buf, "types named at execution");
	else
	{
		int			t;
		bool		first = true;

		for (t = 0; t < HS_PERM_NTYPES; t++)
		{
			if (!types[t])
				continue;
			appendStringInfo(&buf, "%s%s (%s)", first ? "" : ", ",
							 hs_perm_types[t].name, hs_perm_types[t].type_id);
			first = false;
		}
		if (first)
			appendStringInfoString(&buf, "no type");
	}
	if (listed)
		appendStringInfoString(&buf, ": every record");
	foreach(lc, constraints)
	{
		List	   *c = (List *) lfirst(lc);
		int			field = intVal(linitial(c));

		if (field != HS_PF_OBJECT_ID && field != HS_PF_RESOURCE)
			continue;
		appendStringInfo(&buf, "; %s in (", field == HS_PF_OBJECT_ID ? "ids" : "resources");
		hs_perm_describe_values(&buf, (List *) lsecond(c));
		appendStringInfoChar(&buf, ')');
	}
	ExplainPropertyText("HubSpot Records", buf.data, es);
}

/*
 * hs_perm_explain
 *		EXPLAIN VERBOSE: the requests the scan sends.
 */
static void
hs_perm_explain(HsScanState *ss, List *fdw_private, ExplainState *es)
{
	List	   *constraints = (List *) linitial(ss->extra);

	if (ss->method == HS_SCAN_LIST)
	{
		char	   *path = hs_build_list_path("{objectType}",
											  list_make1(makeString("hs_object_id")),
											  HS_LIST_PAGE_MAX, NULL);

		ExplainPropertyText("HubSpot List", psprintf("GET %s", path), es);
	}
	hs_perm_explain_lookup(ss->opts, constraints, ss->method == HS_SCAN_LIST,
						   "HubSpot Request", es);
}

const HsKindRoutine hs_permitted_routine = {
	.plan = hs_perm_plan,
	.properties = hs_perm_properties,
	.next_page = hs_perm_next_page,
	.next_row = hs_perm_next_row,
	.explain = hs_perm_explain
};

/* ------------------------------------------------------------------
 * Join pushdown: a CRM table JOIN permitted_users ON object_id = crm.id
 * ------------------------------------------------------------------
 */

/* What planning found out about a join (the join relation's fdw_private) */
typedef struct HsPermJoinInfo
{
	bool		pushable;
	RelOptInfo *crmrel;
	RelOptInfo *permrel;
	AttrNumber	crm_id_attno;	/* the CRM id column of the join clause */
	List	   *perm_constraints;	/* type constraints of permitted_users */
	bool		types[HS_PERM_NTYPES];
	List	   *quals;			/* checked on joined rows */
	double		requests;
} HsPermJoinInfo;

/* fdw_private of a join scan, by slot */
enum FdwJoinPrivateIndex
{
	FdwJoinPrivateCrm,			/* the CRM scan's fdw_private */
	FdwJoinPrivatePerm,			/* permitted_users' fdw_private */
	FdwJoinPrivateRtis,			/* IntList: CRM rti, permitted rti, min rti */
	FdwJoinPrivateSides,		/* IntList per scan column: 0 CRM, 1 permitted */
	FdwJoinPrivateAttnos,		/* IntList per scan column: its attnum */
	FdwJoinPrivateNumParams,	/* Integer: CRM param_exprs leading fdw_exprs */
	FdwJoinPrivateIdAttno,		/* Integer: the CRM id column */
	FdwJoinPrivateRelations,	/* String: for EXPLAIN */
	FdwJoinPrivateNum
};

/* A CRM row waiting for its permissions */
typedef struct HsPermJoinRow
{
	Datum	   *values;
	bool	   *nulls;
	struct HsPermJoinRow *moved;	/* its copy after compaction */
} HsPermJoinRow;

/* A join scan's state */
typedef struct HsPermJoinState
{
	HsScanState *crm;
	HsScanState *perm;
	List	   *crm_priv;
	List	   *perm_priv;
	ExprState  *crm_quals;		/* the CRM side's local quals */
	List	   *sides;
	List	   *attnos;
	AttrNumber	id_attno;
	int			crm_natts;
	Datum	   *crm_values;		/* a fetched CRM row, before its quals */
	bool	   *crm_nulls;
	int		   *perm_fields;
	bool		types[HS_PERM_NTYPES];
	int			ntypes;
	bool		reads_all;
	bool		estimated;
	bool		crm_done;
	bool		answering;
	HsPermLookup lk;
	HsPermTarget *pending;		/* in rows_cxt */
	int			npending;
	int			cap;
	MemoryContext rows_cxt;		/* pending rows and targets */
	HsPermAnswer ans;			/* in perm->page_cxt */
} HsPermJoinState;

/*
 * hs_perm_join_crm_id_attno
 *		If a join clause is "object_id = crm.id" (either way round, through
 *		casts on the CRM side), the CRM id column's attnum; else 0.
 */
static AttrNumber
hs_perm_join_crm_id_attno(Node *clause, RelOptInfo *crmrel, RelOptInfo *permrel,
						  HsColumns *crmcols, HsColumns *permcols, int *permfields)
{
	OpExpr	   *op;
	int			side;

	if (!IsA(clause, OpExpr))
		return 0;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2 ||
		!hs_is_equality(op->opno, op->inputcollid))
		return 0;
	for (side = 0; side < 2; side++)
	{
		Node	   *p = (Node *) list_nth(op->args, side);
		Node	   *c = (Node *) list_nth(op->args, 1 - side);
		Var		   *pv;
		Var		   *cv;

		while (p && IsA(p, RelabelType))
			p = (Node *) ((RelabelType *) p)->arg;
		for (;;)
		{
			if (c && IsA(c, RelabelType))
				c = (Node *) ((RelabelType *) c)->arg;
			else if (c && IsA(c, CoerceViaIO))
				c = (Node *) ((CoerceViaIO *) c)->arg;
			else if (c && IsA(c, FuncExpr) &&
					 ((FuncExpr *) c)->funcformat != COERCE_EXPLICIT_CALL &&
					 list_length(((FuncExpr *) c)->args) == 1)
				c = (Node *) linitial(((FuncExpr *) c)->args);
			else
				break;
		}
		if (p == NULL || c == NULL || !IsA(p, Var) || !IsA(c, Var))
			continue;
		pv = (Var *) p;
		cv = (Var *) c;
		if (pv->varno != permrel->relid || cv->varno != crmrel->relid ||
			pv->varlevelsup != 0 || cv->varlevelsup != 0 ||
			pv->varattno <= 0 || pv->varattno > permcols->natts ||
			cv->varattno <= 0 || cv->varattno > crmcols->natts)
			continue;
		if (permfields[pv->varattno - 1] != HS_PF_OBJECT_ID ||
			crmcols->cols[cv->varattno - 1].dropped ||
			crmcols->cols[cv->varattno - 1].source != HS_COL_ID)
			continue;
		return cv->varattno;
	}
	return 0;
}

/*
 * hs_permitted_join_paths
 *		GetForeignJoinPaths: a path for an inner join of a CRM table with
 *		permitted_users on object_id = crm.id, when it pays.
 */
void
hs_permitted_join_paths(PlannerInfo *root, RelOptInfo *joinrel,
						RelOptInfo *outerrel, RelOptInfo *innerrel,
						JoinType jointype, JoinPathExtraData *extra)
{
	HsPermJoinInfo *ji;
	HsRelInfo  *outer_info;
	HsRelInfo  *inner_info;
	HsRelInfo  *crm_info;
	HsRelInfo  *perm_info;
	RangeTblEntry *rte;
	Relation	rel;
	HsColumns  *crmcols;
	HsColumns  *permcols;
	int		   *permfields;
	ListCell   *lc;
	HsPushdown	cost;
	Cost		startup;
	Cost		total;
	List	   *perm_constraints = NIL;
	HsPushdown	scratch;
	double		records;

	/* both join orders give the same join: consider it once */
	if (joinrel->fdw_private)
		return;
	ji = palloc0(sizeof(HsPermJoinInfo));
	joinrel->fdw_private = ji;

	/* an inner join of two base relations of a plain SELECT */
	if (jointype != JOIN_INNER ||
		root->parse->commandType != CMD_SELECT || root->rowMarks != NIL ||
		outerrel->reloptkind != RELOPT_BASEREL ||
		innerrel->reloptkind != RELOPT_BASEREL)
		return;
	outer_info = (HsRelInfo *) outerrel->fdw_private;
	inner_info = (HsRelInfo *) innerrel->fdw_private;
	if (outer_info == NULL || inner_info == NULL)
		return;
	if (outer_info->opts->kind == HS_TABLE_CRM &&
		inner_info->opts->kind == HS_TABLE_PERMITTED_USERS)
	{
		ji->crmrel = outerrel;
		ji->permrel = innerrel;
	}
	else if (inner_info->opts->kind == HS_TABLE_CRM &&
			 outer_info->opts->kind == HS_TABLE_PERMITTED_USERS)
	{
		ji->crmrel = innerrel;
		ji->permrel = outerrel;
	}
	else
		return;
	crm_info = (HsRelInfo *) ji->crmrel->fdw_private;
	perm_info = (HsRelInfo *) ji->permrel->fdw_private;

	/* whole-row and system columns are not built by this scan */
	foreach(lc, pull_var_clause((Node *) joinrel->reltarget->exprs,
								PVC_RECURSE_PLACEHOLDERS))
	{
		Var		   *v = (Var *) lfirst(lc);

		if (!IsA(v, Var) || v->varattno <= 0)
			return;
	}

	rte = planner_rt_fetch(ji->crmrel->relid, root);
	rel = table_open(rte->relid, NoLock);
	crmcols = hs_columns_for_relation(rel, HS_TABLE_CRM);
	table_close(rel, NoLock);
	rte = planner_rt_fetch(ji->permrel->relid, root);
	rel = table_open(rte->relid, NoLock);
	permcols = hs_columns_for_relation(rel, HS_TABLE_PERMITTED_USERS);
	table_close(rel, NoLock);
	permfields = hs_perm_fields(permcols, NULL);

	/* the join clause; every clause is checked again on joined rows */
	foreach(lc, extra->restrictlist)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ji->crm_id_attno == 0 && !ri->pseudoconstant)
			ji->crm_id_attno = hs_perm_join_crm_id_attno((Node *) ri->clause,
														  ji->crmrel, ji->permrel,
														  crmcols, permcols,
														  permfields);
		ji->quals = lappend(ji->quals, ri->clause);
	}
	if (ji->crm_id_attno == 0)
		return;

	/*
	 * permitted_users' own quals are checked on joined rows too; its type
	 * constraints, constants only, choose the records looked up.
	 */
	memset(&scratch, 0, sizeof(scratch));
	foreach(lc, ji->permrel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		List	   *c = ri->pseudoconstant ? NULL :
			hs_perm_classify(root, ji->permrel, permcols, permfields, ri->clause,
							 &scratch);

		if (c != NULL && (intVal(linitial(c)) == HS_PF_OBJECT_TYPE ||
						  intVal(linitial(c)) == HS_PF_OBJECT_TYPE_ID))
			perm_constraints = lappend(perm_constraints, c);
		ji->quals = lappend(ji->quals, ri->clause);
	}
	if (!hs_perm_allowed_types(perm_constraints, NULL, false, ji->types))
		return;
	ji->perm_constraints = perm_constraints;

	/*
	 * Cost: the CRM side's requests and a look-up per batch of its records,
	 * and the rows HubSpot sends (as a parameterized scan would count them,
	 * so that the two compare fairly).
	 */
	memset(&cost, 0, sizeof(cost));
	records = ji->crmrel->rows * Max(hs_perm_ntypes(ji->types), 1);
	cost.requests = crm_info->pd.requests +
		Max(ceil(records / Max(perm_info->opts->permitted_users_batch, 1)), 1);
	cost.rows = crm_info->pd.rows + records * HS_PERM_EST_ROWS_PER_RECORD;
	ji->requests = cost.requests;
	hs_path_cost(&cost, &startup, &total);
	ji->pushable = true;

	add_path(joinrel, (Path *)
			 create_foreign_join_path(root, joinrel, NULL, joinrel->rows,
									  startup, total, NIL, NULL, NULL, NIL));
}

/*
 * hs_perm_join_add_vars
 *		Add the columns an expression uses to a scan's target list.
 */
static List *
hs_perm_join_add_vars(List *tlist, Node *expr)
{
	return add_to_flat_tlist(tlist, pull_var_clause(expr, PVC_RECURSE_PLACEHOLDERS));
}

/*
 * hs_perm_join_relname
 *		"(name alias)" of a joined relation, for EXPLAIN.
 */
static char *
hs_perm_join_relname(Relation rel, RangeTblEntry *rte)
{
	const char *name = RelationGetRelationName(rel);
	const char *alias = rte->eref->aliasname;

	if (alias == NULL || strcmp(alias, name) == 0)
		return psprintf("(%s)", name);
	return psprintf("(%s %s)", name, alias);
}

/*
 * hs_permitted_join_plan
 *		The ForeignScan of a join: the CRM scan's plan, the look-ups' plan,
 *		and the scan's columns (fdw_scan_tlist), each mapped to a side.  The
 *		CRM side's local quals go in fdw_exprs, after its parameters, so
 *		that CRM rows are checked before their permissions are asked for;
 *		every other qual is checked on joined rows.
 */
ForeignScan *
hs_permitted_join_plan(PlannerInfo *root, RelOptInfo *joinrel,
					   ForeignPath *best_path, List *tlist, List *scan_clauses,
					   Plan *outer_plan)
{
	HsPermJoinInfo *ji = (HsPermJoinInfo *) joinrel->fdw_private;
	HsRelInfo  *crm_info = (HsRelInfo *) ji->crmrel->fdw_private;
	RangeTblEntry *crm_rte = planner_rt_fetch(ji->crmrel->relid, root);
	RangeTblEntry *perm_rte = planner_rt_fetch(ji->permrel->relid, root);
	HsPushdown	crm_pd = crm_info->pd;
	HsPushdown	perm_pd;
	List	   *crm_local = extract_actual_clauses(crm_pd.local_conds, false);
	List	   *scan_tlist = NIL;
	List	   *sides = NIL;
	List	   *attnos = NIL;
	Bitmapset  *crm_attrs = bms_copy(crm_info->attrs_used);
	Bitmapset  *perm_attrs = NULL;
	List	   *crm_retrieved;
	List	   *perm_retrieved;
	Relation	rel;
	ListCell   *lc;
	int			min_rti;
	char	   *relations;
	List	   *fdw_private;

	Assert(ji && ji->pushable);

	/* the scan's columns: the join's output, and what the quals use */
	scan_tlist = hs_perm_join_add_vars(NIL, (Node *) joinrel->reltarget->exprs);
	scan_tlist = hs_perm_join_add_vars(scan_tlist, (Node *) ji->quals);
	scan_tlist = hs_perm_join_add_vars(scan_tlist, (Node *) crm_local);
	foreach(lc, scan_tlist)
	{
		Var		   *v = (Var *) ((TargetEntry *) lfirst(lc))->expr;

		Assert(IsA(v, Var));
		sides = lappend_int(sides, v->varno == ji->crmrel->relid ? 0 : 1);
		attnos = lappend_int(attnos, v->varattno);
		if (v->varno == ji->crmrel->relid)
			crm_attrs = bms_add_member(crm_attrs, v->varattno - FirstLowInvalidHeapAttributeNumber);
		else
			perm_attrs = bms_add_member(perm_attrs, v->varattno - FirstLowInvalidHeapAttributeNumber);
	}
	crm_attrs = bms_add_member(crm_attrs, ji->crm_id_attno - FirstLowInvalidHeapAttributeNumber);
	pull_varattnos((Node *) crm_local, ji->crmrel->relid, &crm_attrs);

	/* the CRM side's own scan, never cut short by a LIMIT */
	crm_pd.limit = -1;
	crm_pd.ahead = root->tuple_fraction <= 0.0;
	rel = table_open(crm_rte->relid, NoLock);
	crm_retrieved = hs_retrieved_attrs(rel, crm_attrs);
	relations = hs_perm_join_relname(rel, crm_rte);
	table_close(rel, NoLock);

	/* the look-ups: the types of permitted_users' constants */
	memset(&perm_pd, 0, sizeof(perm_pd));
	perm_pd.method = HS_SCAN_BATCH;
	perm_pd.limit = -1;
	perm_pd.ahead = root->tuple_fraction <= 0.0;
	perm_pd.extra = list_make2(ji->perm_constraints,
							   makeInteger(hs_perm_reads_all(root) ? HS_PERM_READS_ALL : 0));
	rel = table_open(perm_rte->relid, NoLock);
	perm_retrieved = hs_retrieved_attrs(rel, perm_attrs);
	relations = psprintf("%s INNER JOIN %s", relations,
						 hs_perm_join_relname(rel, perm_rte));
	table_close(rel, NoLock);

	min_rti = Min(ji->crmrel->relid, ji->permrel->relid);
	fdw_private = list_make5(hs_scan_private(&crm_pd, crm_retrieved,
											 crm_info->routine->properties(crm_rte->relid, crm_attrs,
																		   crm_info->opts)),
							 hs_scan_private(&perm_pd, perm_retrieved, NIL),
							 list_make3_int(ji->crmrel->relid, ji->permrel->relid, min_rti),
							 sides, attnos);
	fdw_private = lappend(fdw_private, makeInteger(list_length(crm_pd.param_exprs)));
	fdw_private = lappend(fdw_private, makeInteger(ji->crm_id_attno));
	fdw_private = lappend(fdw_private, makeString(relations));
	Assert(list_length(fdw_private) == FdwJoinPrivateNum);

	return make_foreignscan(tlist, ji->quals, 0,
							list_concat(list_copy(crm_pd.param_exprs), crm_local),
							fdw_private, scan_tlist, NIL, outer_plan);
}

/*
 * hs_perm_join_rti
 *		A relation's range table index at execution: setrefs.c moved the
 *		join's relations by an offset that fdw_private does not follow.
 */
static Index
hs_perm_join_rti(ForeignScan *fsplan, int planned)
{
	List	   *rtis = (List *) list_nth(fsplan->fdw_private, FdwJoinPrivateRtis);
	int			offset = bms_next_member(fsplan->fs_relids, -1) - lthird_int(rtis);

	return (Index) (planned + offset);
}

/*
 * hs_permitted_join_begin
 *		Set up a join scan: the CRM scan, the look-ups, the CRM quals.
 */
void
hs_permitted_join_begin(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	List	   *priv = fsplan->fdw_private;
	List	   *rtis = (List *) list_nth(priv, FdwJoinPrivateRtis);
	int			nparams = intVal(list_nth(priv, FdwJoinPrivateNumParams));
	Index		crm_rti = hs_perm_join_rti(fsplan, linitial_int(rtis));
	Index		perm_rti = hs_perm_join_rti(fsplan, lsecond_int(rtis));
	Relation	crm_rel = ExecGetRangeTableRelation(estate, crm_rti);
	Relation	perm_rel = ExecGetRangeTableRelation(estate, perm_rti);
	HsPermJoinState *js = palloc0(sizeof(HsPermJoinState));
	List	   *perm_extra;
	int			t;

	node->fdw_state = js;
	js->crm_priv = (List *) list_nth(priv, FdwJoinPrivateCrm);
	js->perm_priv = (List *) list_nth(priv, FdwJoinPrivatePerm);
	js->sides = (List *) list_nth(priv, FdwJoinPrivateSides);
	js->attnos = (List *) list_nth(priv, FdwJoinPrivateAttnos);
	js->id_attno = intVal(list_nth(priv, FdwJoinPrivateIdAttno));
	js->crm = hs_scan_create(crm_rel, hs_rte_userid(exec_rt_fetch(crm_rti, estate)),
							 js->crm_priv, list_copy_head(fsplan->fdw_exprs, nparams),
							 &node->ss.ps, eflags);
	js->perm = hs_scan_create(perm_rel, hs_rte_userid(exec_rt_fetch(perm_rti, estate)),
							  js->perm_priv, NIL, &node->ss.ps, eflags);
	js->crm_quals = ExecInitQual(list_copy_tail(fsplan->fdw_exprs, nparams),
								 &node->ss.ps);
	js->crm_natts = RelationGetDescr(crm_rel)->natts;
	js->crm_values = palloc0(sizeof(Datum) * Max(js->crm_natts, 1));
	js->crm_nulls = palloc0(sizeof(bool) * Max(js->crm_natts, 1));
	js->perm_fields = hs_perm_fields(js->perm->columns, NULL);
	perm_extra = js->perm->extra;
	js->reads_all = (intVal(lsecond(perm_extra)) & HS_PERM_READS_ALL) != 0;
	(void) hs_perm_allowed_types((List *) linitial(perm_extra), NULL, false, js->types);
	js->ntypes = 0;
	for (t = 0; t < HS_PERM_NTYPES; t++)
		js->ntypes += js->types[t] ? 1 : 0;
	js->lk.batch = Max(js->perm->opts->permitted_users_batch, 1);
	js->rows_cxt = AllocSetContextCreate(js->perm->scan_cxt,
										 "hubspot_fdw permitted join rows",
										 ALLOCSET_DEFAULT_SIZES);
}

/*
 * hs_perm_join_store
 *		Put one side's values into the scan slot (the other side's columns
 *		are NULL when values is NULL).
 */
static void
hs_perm_join_store(HsPermJoinState *js, TupleTableSlot *slot, int side,
				   Datum *values, bool *nulls)
{
	ListCell   *lc1;
	ListCell   *lc2;
	int			i = 0;

	forboth(lc1, js->sides, lc2, js->attnos)
	{
		if (lfirst_int(lc1) == side)
		{
			int			attno = lfirst_int(lc2);

			slot->tts_values[i] = values ? values[attno - 1] : (Datum) 0;
			slot->tts_isnull[i] = values ? nulls[attno - 1] : true;
		}
		i++;
	}
}

/*
 * hs_perm_join_copy_row
 *		A CRM row's values copied into the current memory context.
 */
static HsPermJoinRow *
hs_perm_join_copy_row(HsPermJoinState *js, Datum *values, bool *nulls)
{
	TupleDesc	desc = RelationGetDescr(js->crm->rel);
	HsPermJoinRow *row = palloc(sizeof(HsPermJoinRow));
	ListCell   *lc;

	row->values = palloc0(sizeof(Datum) * Max(js->crm_natts, 1));
	row->nulls = palloc(sizeof(bool) * Max(js->crm_natts, 1));
	row->moved = NULL;
	memset(row->nulls, true, sizeof(bool) * Max(js->crm_natts, 1));
	foreach(lc, js->crm->retrieved_attrs)
	{
		int			a = lfirst_int(lc) - 1;
		Form_pg_attribute att = TupleDescAttr(desc, a);

		row->nulls[a] = nulls[a];
		if (!nulls[a])
			row->values[a] = datumCopy(values[a], att->attbyval, att->attlen);
	}
	return row;
}

/*
 * hs_perm_join_compact
 *		After a look-up, keep the pending targets (the rest of one CRM row's
 *		types at most) in fresh memory and free the rest: memory stays that
 *		of one batch.
 */
static void
hs_perm_join_compact(HsPermJoinState *js)
{
	MemoryContext fresh = AllocSetContextCreate(js->perm->scan_cxt,
												"hubspot_fdw permitted join rows",
												ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(fresh);
	HsPermTarget *pending = NULL;
	int			i;

	if (js->npending > 0)
	{
		pending = palloc(sizeof(HsPermTarget) * js->cap);
		for (i = 0; i < js->npending; i++)
		{
			HsPermJoinRow *row = (HsPermJoinRow *) js->pending[i].row;

			if (row->moved == NULL)
				row->moved = hs_perm_join_copy_row(js, row->values, row->nulls);
			pending[i] = js->pending[i];
			pending[i].row = row->moved;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(js->rows_cxt);
	js->rows_cxt = fresh;
	js->pending = pending;
	if (pending == NULL)
		js->cap = 0;
}

/*
 * hs_perm_join_add_row
 *		A CRM row that passed its quals: keep it, with a target per type.
 */
static void
hs_perm_join_add_row(HsPermJoinState *js, int64 id)
{
	MemoryContext old = MemoryContextSwitchTo(js->rows_cxt);
	HsPermJoinRow *row = hs_perm_join_copy_row(js, js->crm_values, js->crm_nulls);
	int			t;

	if (js->npending + HS_PERM_NTYPES > js->cap)
	{
		int			cap = Max(js->cap * 2, js->lk.batch + HS_PERM_NTYPES);

		js->pending = js->pending ?
			repalloc(js->pending, sizeof(HsPermTarget) * cap) :
			palloc(sizeof(HsPermTarget) * cap);
		js->cap = cap;
	}
	for (t = 0; t < HS_PERM_NTYPES; t++)
	{
		if (!js->types[t])
			continue;
		js->pending[js->npending].type = t;
		js->pending[js->npending].id = id;
		js->pending[js->npending].account = 0;
		js->pending[js->npending].row = row;
		js->npending++;
	}
	MemoryContextSwitchTo(old);
}

/*
 * hs_perm_join_start
 *		The first step of a join scan: check the types before any request.
 */
static void
hs_perm_join_start(HsPermJoinState *js)
{
	bool		types[HS_PERM_NTYPES];
	int			t;

	hs_scan_reset(js->crm);
	hs_scan_reset(js->perm);
	(void) hs_perm_allowed_types((List *) linitial(js->perm->extra), NULL, true, types);
	for (t = 0; t < HS_PERM_NTYPES; t++)
		Assert(types[t] == js->types[t]);
	js->perm->started = true;
}

/*
 * hs_perm_join_estimate
 *		Once the CRM side's size is known (a search's total), refuse up
 *		front a join whose look-ups would pass max_requests.
 */
static void
hs_perm_join_estimate(HsPermJoinState *js)
{
	int64		total = js->crm->page.total;

	js->estimated = true;
	if (!js->reads_all || total < 0)
		return;
	hs_check_request_estimate(js->perm,
							  (total * js->ntypes + js->lk.batch - 1) / js->lk.batch +
							  (js->perm->conn->account_id > 0 ? 0 : 1));
}

/*
 * hs_permitted_join_next
 *		The next joined row: CRM rows are read and checked until a batch of
 *		records is pending, their permissions are asked in one request, and
 *		each (record, action, user) of the answer is joined to its CRM row.
 */
TupleTableSlot *
hs_permitted_join_next(ForeignScanState *node)
{
	HsPermJoinState *js = (HsPermJoinState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext tuple_cxt = econtext->ecxt_per_tuple_memory;

	ExecClearTuple(slot);
	if (!js->perm->started)
	{
		hs_perm_join_start(js);
		js->crm_done = js->ntypes == 0;
	}

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();

		/* rows of the current answer */
		if (js->answering)
		{
			HsPermittedEntry *e;
			HsPermTarget *t;
			int64		user;

			if (hs_perm_answer_next(&js->ans, &e, &t, &user))
			{
				HsPermJoinRow *row = (HsPermJoinRow *) t->row;
				Datum	   *pvalues = palloc(sizeof(Datum) * Max(js->perm->columns->natts, 1));
				bool	   *pnulls = palloc(sizeof(bool) * Max(js->perm->columns->natts, 1));

				memset(pnulls, true, sizeof(bool) * Max(js->perm->columns->natts, 1));
				hs_perm_fill(js->perm->columns, js->perm_fields,
							 js->perm->retrieved_attrs, e, t, user, pvalues, pnulls);
				hs_perm_join_store(js, slot, 0, row->values, row->nulls);
				hs_perm_join_store(js, slot, 1, pvalues, pnulls);
				ExecStoreVirtualTuple(slot);
				js->perm->rows_returned++;
				return slot;
			}
			js->answering = false;
			MemoryContextReset(js->perm->page_cxt);
			hs_perm_join_compact(js);
		}

		/*
		 * A batch is pending (as many batches as may go at once, once
		 * HubSpot has taken one of that size), or the last records are: ask
		 * for them.
		 */
		if (js->npending > 0 &&
			(js->npending >= js->lk.batch *
			 (js->perm->max_ahead > 0 && js->lk.batch_taken ? js->perm->max_ahead : 1) ||
			 js->crm_done))
		{
			int			k;

			if (js->lk.account == NULL)
				js->lk.account = MemoryContextStrdup(js->perm->scan_cxt,
													 hs_perm_account(js->perm));
			hs_perm_send_ahead(js->perm, &js->lk, js->pending, js->npending,
							   js->crm_done);
			k = hs_perm_fetch(js->perm, &js->lk, js->pending, js->npending,
							  &js->ans, js->perm->page_cxt);
			hs_perm_consume(js->pending, &js->npending, k);
			js->answering = true;
			continue;
		}
		if (js->crm_done)
			return slot;

		/* the next CRM row, checked by its local quals */
		MemoryContextReset(tuple_cxt);
		{
			MemoryContext old = MemoryContextSwitchTo(tuple_cxt);
			bool		got = hs_scan_next(js->crm, js->crm_values, js->crm_nulls,
										   js->crm_natts);
			bool		pass = false;

			if (got && !js->estimated)
				hs_perm_join_estimate(js);
			if (got)
			{
				ExecClearTuple(slot);
				hs_perm_join_store(js, slot, 0, js->crm_values, js->crm_nulls);
				hs_perm_join_store(js, slot, 1, NULL, NULL);
				ExecStoreVirtualTuple(slot);
				econtext->ecxt_scantuple = slot;
				pass = ExecQual(js->crm_quals, econtext);
				ExecClearTuple(slot);
			}
			MemoryContextSwitchTo(old);
			if (!got)
				js->crm_done = true;
			else if (pass && !js->crm_nulls[js->id_attno - 1])
			{
				HsColumn   *idcol = &js->crm->columns->cols[js->id_attno - 1];

				hs_perm_join_add_row(js, hs_perm_parse_id(hs_datum_to_remote(js->crm_values[js->id_attno - 1],
																			 idcol->typid)));
			}
		}
	}
}

/*
 * hs_permitted_join_rescan
 *		Start a join scan over.
 */
void
hs_permitted_join_rescan(ForeignScanState *node)
{
	HsPermJoinState *js = (HsPermJoinState *) node->fdw_state;

	hs_scan_reset(js->crm);
	hs_scan_reset(js->perm);
	js->npending = 0;
	js->answering = false;
	js->crm_done = false;
	js->estimated = false;
	hs_perm_join_compact(js);
}

/*
 * hs_permitted_join_end
 *		End a join scan: both sides' counters go to the backend's.
 */
void
hs_permitted_join_end(ForeignScanState *node)
{
	HsPermJoinState *js = (HsPermJoinState *) node->fdw_state;

	if (js == NULL)
		return;
	hs_scan_end(js->crm);
	hs_scan_end(js->perm);
}

/*
 * hs_permitted_join_explain
 *		EXPLAIN: the relations joined, the CRM side's request and the
 *		look-ups; with ANALYZE what both cost together.
 */
void
hs_permitted_join_explain(ForeignScanState *node, ExplainState *es)
{
	HsPermJoinState *js = (HsPermJoinState *) node->fdw_state;
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;

	ExplainPropertyText("Relations",
						strVal(list_nth(fsplan->fdw_private, FdwJoinPrivateRelations)),
						es);
	if (es->verbose)
	{
		int			nparams = intVal(list_nth(fsplan->fdw_private,
											  FdwJoinPrivateNumParams));
		List	   *crm_local = list_copy_tail(fsplan->fdw_exprs, nparams);

		hs_crm_routine.explain(js->crm, js->crm_priv, es);
		/* the CRM side's quals checked before its records are looked up */
		if (crm_local != NIL)
			ExplainPropertyText("HubSpot Records Filter",
								deparse_expression((Node *) make_ands_explicit(crm_local),
												   set_deparse_context_plan(es->deparse_cxt,
																			 node->ss.ps.plan,
																			 NIL),
												   true, false),
								es);
		hs_perm_explain_lookup(js->perm->opts, (List *) linitial(js->perm->extra),
							   false, "HubSpot Look-up", es);
	}
	if (es->analyze)
	{
		HsCounters	c = js->crm->counters;

		hs_counters_add(&c, &js->perm->counters);
		hs_explain_counters(&c, es);
	}
}
