/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		  Which parts of a query HubSpot can do for a CRM table, and how:
 *		  "id = c" becomes a GET by id, "id IN (...)" batch reads, and quals
 *		  on property columns become search filters (AND within a group, OR
 *		  across groups, within HubSpot's limits).  A LIMIT becomes the page
 *		  size when HubSpot applies every qual exactly.
 *
 *		  Pushdown never changes a result.  What HubSpot filters is always a
 *		  superset of what SQL asks, and every qual whose HubSpot meaning is
 *		  not exactly the SQL one stays in the local quals, which Postgres
 *		  checks again:
 *		  - strings compare case-insensitively at HubSpot (enumerations
 *		    case-sensitively), so string quals are pushed only as EQ and IN
 *		    (both supersets) and always rechecked; <>, NOT IN, ranges and
 *		    LIKE on strings stay local (a case-insensitive <> is a subset);
 *		  - IN sends each string value as written and in lower case:
 *		    HubSpot wants lower case for string properties and matches
 *		    enumerations case-sensitively, so both forms make a superset;
 *		  - dates and timestamps go as epoch milliseconds, floored, and are
 *		    rechecked unless the constant has no sub-millisecond part;
 *		  - <> and NOT IN are rechecked (HubSpot may or may not count
 *		    records without the property);
 *		  - values computed at execution (parameters, the outer side of a
 *		    join) are always rechecked, so that the executor may drop their
 *		    filters to fit HubSpot's 3,000-character body limit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "hubspot_fdw.h"

#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_operator.h"
#include "access/stratnum.h"
#include "commands/defrem.h"
#include "optimizer/tlist.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* HubSpot's search limits (one filter a group is kept for paging past 10,000) */
#define HS_MAX_GROUPS 5
#define HS_MAX_FILTERS_PER_GROUP 5
#define HS_MAX_FILTERS 18
#define HS_MAX_BODY_CHARS 3000
#define HS_BODY_MARGIN 400

/* Default size of a CRM object when nothing better is known */
#define HS_DEFAULT_OBJECT_ROWS 10000.0

/* A candidate filter: values are Const-derived Strings or Exprs */
typedef struct HsCandFilter
{
	char	   *property;
	const char *op;
	List	   *values;			/* String (constant text) or Expr */
	int			flags;
	bool		exact;
} HsCandFilter;

/* A classified clause */
typedef struct HsCand
{
	RestrictInfo *ri;
	enum
	{
		HS_CAND_ID,				/* id = v or id IN (...) */
		HS_CAND_FILTER,			/* one filter */
		HS_CAND_OR				/* OR of AND-arms of filters */
	}			kind;
	List	   *ids;			/* HS_CAND_ID: Strings or Exprs */
	HsCandFilter *filter;		/* HS_CAND_FILTER */
	List	   *arms;			/* HS_CAND_OR: List of List of HsCandFilter */
	bool		exact;
} HsCand;

/* Planning context */
typedef struct HsPlanCxt
{
	PlannerInfo *root;
	RelOptInfo *baserel;
	HsColumns  *columns;
} HsPlanCxt;

/*
 * hs_strip
 *		Look through implicit casts that do not change a value.
 */
static Node *
hs_strip(Node *n)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

/*
 * hs_column_attno
 *		The attribute number of a node that is a plain column of this
 *		relation (through implicit casts), 0 if it is not one.  Every table
 *		kind's planning uses it.
 */
int
hs_column_attno(RelOptInfo *baserel, HsColumns *columns, Node *n)
{
	Var		   *var;

	n = hs_strip(n);
	if (n == NULL || !IsA(n, Var))
		return 0;
	var = (Var *) n;
	if (var->varno != baserel->relid || var->varlevelsup != 0 ||
		var->varattno <= 0 || var->varattno > columns->natts ||
		columns->cols[var->varattno - 1].dropped)
		return 0;
	return var->varattno;
}

/*
 * hs_is_equality
 *		True for an operator that is equality in a btree family, with a
 *		collation that compares exactly.
 */
bool
hs_is_equality(Oid opno, Oid inputcollid)
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
 * hs_my_column
 *		The column a node is, if it is a plain column of this relation.
 */
static HsColumn *
hs_my_column(HsPlanCxt *cx, Node *n)
{
	int			attno = hs_column_attno(cx->baserel, cx->columns, n);

	return attno > 0 ? &cx->columns->cols[attno - 1] : NULL;
}

/*
 * hs_is_value
 *		True for an expression HubSpot can be sent: no column of this
 *		relation, nothing volatile, no subplan.
 */
static bool
hs_is_value(HsPlanCxt *cx, Node *n)
{
	if (n == NULL)
		return false;
	if (bms_is_member(cx->baserel->relid, pull_varnos(cx->root, n)))
		return false;
	if (contain_volatile_functions(n) || contain_subplans(n))
		return false;
	return true;
}

/* Kinds of column for pushdown */
typedef enum HsValKind
{
	HS_VK_NONE,
	HS_VK_INT,					/* integer types and numeric: exact */
	HS_VK_FLOAT,
	HS_VK_BOOL,
	HS_VK_DATE,
	HS_VK_TIMESTAMP,
	HS_VK_TEXT
} HsValKind;

/*
 * hs_val_kind
 *		How a type's values compare at HubSpot.
 */
static HsValKind
hs_val_kind(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
			return HS_VK_INT;
		case FLOAT4OID:
		case FLOAT8OID:
			return HS_VK_FLOAT;
		case BOOLOID:
			return HS_VK_BOOL;
		case DATEOID:
			return HS_VK_DATE;
		case TIMESTAMPTZOID:
			return HS_VK_TIMESTAMP;
		case TEXTOID:
		case VARCHAROID:
			return HS_VK_TEXT;
		default:
			return HS_VK_NONE;
	}
}

/*
 * hs_values_compatible
 *		True when a value of type vtyp compares with the column as HubSpot
 *		will compare it (numbers with numbers; dates only with the same
 *		type, since Postgres casts dates to timestamps in the session's
 *		time zone).
 */
static bool
hs_values_compatible(HsValKind ck, Oid vtyp)
{
	HsValKind	vk = hs_val_kind(vtyp);

	if (ck == HS_VK_INT || ck == HS_VK_FLOAT)
		return vk == HS_VK_INT || vk == HS_VK_FLOAT;
	return ck == vk;
}

/*
 * hs_const_text
 *		A constant as HubSpot's text, and whether it is exact (no lost
 *		sub-millisecond part); NULL for a NULL or infinite value.
 */
static char *
hs_const_text(Const *c, bool *exact)
{
	char	   *t;

	*exact = true;
	if (c->constisnull)
		return NULL;
	t = hs_datum_to_remote(c->constvalue, c->consttype);
	if (t && c->consttype == TIMESTAMPTZOID)
	{
		TimestampTz ts = DatumGetTimestampTz(c->constvalue);

		if (ts % 1000 != 0)
			*exact = false;
	}
	return t;
}

/*
 * hs_make_value
 *		The value of a filter: a String for a constant, or the expression.
 *		Sets *exact false when the value is computed at execution.
 */
static Node *
hs_make_value(Node *n, bool *exact, bool *isnull)
{
	Node	   *s = hs_strip(n);

	*isnull = false;
	if (IsA(s, Const))
	{
		bool		ex;
		char	   *t = hs_const_text((Const *) s, &ex);

		if (t == NULL)
		{
			*isnull = true;
			return NULL;
		}
		if (!ex)
			*exact = false;
		return (Node *) makeString(t);
	}
	*exact = false;
	return n;
}

/* Operators by name, with the operator for the commuted form */
static const struct
{
	const char *sql;
	const char *hs;
	const char *commuted;
}			hs_ops[] = {
	{"=", "EQ", "EQ"},
	{"<>", "NEQ", "NEQ"},
	{"<", "LT", "GT"},
	{"<=", "LTE", "GTE"},
	{">", "GT", "LT"},
	{">=", "GTE", "LTE"},
	{NULL, NULL, NULL}
};

/*
 * hs_new_filter
 *		A candidate filter on a column.
 */
static HsCandFilter *
hs_new_filter(HsColumn *col, const char *op, List *values, bool exact)
{
	HsCandFilter *f = palloc0(sizeof(HsCandFilter));

	f->property = col->source == HS_COL_ID ? "hs_object_id" :
		col->search_property ? (char *) col->search_property : col->remote_name;
	f->op = op;
	f->values = values;
	f->exact = exact;
	return f;
}

/*
 * hs_column_pushable
 *		The kind of a column's values if HubSpot can filter on it.
 */
static HsValKind
hs_column_pushable(HsColumn *col)
{
	if (col == NULL)
		return HS_VK_NONE;
	if (col->source == HS_COL_ID)
		return HS_VK_INT;
	if (col->search_property)
		return hs_val_kind(col->typid);
	if (col->source != HS_COL_PROPERTY || OidIsValid(col->elemtypid))
		return HS_VK_NONE;
	return hs_val_kind(col->typid);
}

/*
 * hs_classify_opexpr
 *		"col op value" (either way round) as a filter, or NULL.
 */
static HsCand *
hs_classify_opexpr(HsPlanCxt *cx, OpExpr *op)
{
	Node	   *l;
	Node	   *r;
	HsColumn   *col;
	Node	   *val;
	bool		commuted = false;
	char	   *opname;
	const char *hsop = NULL;
	HsValKind	ck;
	bool		exact = true;
	bool		isnull;
	Node	   *v;
	HsCand	   *cand;
	int			i;

	if (list_length(op->args) != 2 || op->opno >= FirstNormalObjectId)
		return NULL;
	l = linitial(op->args);
	r = lsecond(op->args);
	if ((col = hs_my_column(cx, l)) != NULL && hs_is_value(cx, r))
		val = r;
	else if ((col = hs_my_column(cx, r)) != NULL && hs_is_value(cx, l))
	{
		val = l;
		commuted = true;
	}
	else
		return NULL;

	ck = hs_column_pushable(col);
	if (ck == HS_VK_NONE || !hs_values_compatible(ck, exprType(val)))
		return NULL;

	opname = get_opname(op->opno);
	for (i = 0; hs_ops[i].sql; i++)
	{
		if (strcmp(opname, hs_ops[i].sql) == 0)
			hsop = commuted ? hs_ops[i].commuted : hs_ops[i].hs;
	}
	if (hsop == NULL)
		return NULL;

	/* strings: only EQ, a case-insensitive superset */
	if (ck == HS_VK_TEXT)
	{
		if (strcmp(hsop, "EQ") != 0)
			return NULL;
		exact = false;
	}
	/* booleans: HubSpot documents no order for them, so no ranges */
	if (ck == HS_VK_BOOL && strcmp(hsop, "EQ") != 0 && strcmp(hsop, "NEQ") != 0)
		return NULL;
	if (ck == HS_VK_FLOAT || strcmp(hsop, "NEQ") == 0 || col->search_property)
		exact = false;

	v = hs_make_value(val, &exact, &isnull);
	if (isnull)
		return NULL;

	cand = palloc0(sizeof(HsCand));
	if (col->source == HS_COL_ID && strcmp(hsop, "EQ") == 0)
	{
		cand->kind = HS_CAND_ID;
		cand->ids = list_make1(v);
		cand->exact = exact;
		/* an id look-up is exact whatever the value's origin */
		cand->exact = true;
		cand->filter = hs_new_filter(col, hsop, list_make1(v), exact);
		return cand;
	}
	cand->kind = HS_CAND_FILTER;
	cand->filter = hs_new_filter(col, hsop, list_make1(v), exact);
	if (ck == HS_VK_TEXT)
		cand->filter->flags |= HS_FILTER_TEXT;
	cand->exact = exact;
	return cand;
}

/*
 * hs_classify_array
 *		"col = ANY(array)" as IN, "col <> ALL(array)" as NOT_IN.
 */
static HsCand *
hs_classify_array(HsPlanCxt *cx, ScalarArrayOpExpr *sa)
{
	Node	   *l;
	Node	   *r;
	HsColumn   *col;
	char	   *opname;
	HsValKind	ck;
	Node	   *arr;
	List	   *values = NIL;
	bool		exact = true;
	const char *hsop;
	HsCand	   *cand;
	Oid			elemtype;

	if (list_length(sa->args) != 2 || sa->opno >= FirstNormalObjectId)
		return NULL;
	l = linitial(sa->args);
	r = lsecond(sa->args);
	col = hs_my_column(cx, l);
	if (col == NULL || !hs_is_value(cx, r))
		return NULL;
	ck = hs_column_pushable(col);
	if (ck == HS_VK_NONE)
		return NULL;
	elemtype = get_element_type(exprType(r));
	if (!OidIsValid(elemtype) || !hs_values_compatible(ck, elemtype))
		return NULL;

	opname = get_opname(sa->opno);
	if (sa->useOr && strcmp(opname, "=") == 0)
		hsop = "IN";
	else if (!sa->useOr && strcmp(opname, "<>") == 0)
		hsop = "NOT_IN";
	else
		return NULL;
	if (ck == HS_VK_TEXT && strcmp(hsop, "IN") != 0)
		return NULL;
	if (ck == HS_VK_TEXT || ck == HS_VK_FLOAT || strcmp(hsop, "NOT_IN") == 0 ||
		col->search_property)
		exact = false;

	arr = hs_strip(r);
	if (IsA(arr, Const))
	{
		Const	   *c = (Const *) arr;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		if (c->constisnull)
			return NULL;
		n = hs_array_elements(c->constvalue, elemtype, &elems, &nulls);
		for (i = 0; i < n; i++)
		{
			char	   *t;

			if (nulls[i])
			{
				/* a NULL makes NOT IN never true; IN just skips it */
				if (strcmp(hsop, "NOT_IN") == 0)
					return NULL;
				continue;
			}
			t = hs_datum_to_remote(elems[i], elemtype);
			if (t == NULL)
				return NULL;
			if (elemtype == TIMESTAMPTZOID && DatumGetTimestampTz(elems[i]) % 1000 != 0)
				exact = false;
			values = lappend(values, makeString(t));
		}
		if (values == NIL)
			return NULL;
	}
	else
	{
		values = list_make1(r);
		exact = false;
	}

	cand = palloc0(sizeof(HsCand));
	if (col->source == HS_COL_ID && strcmp(hsop, "IN") == 0)
	{
		cand->kind = HS_CAND_ID;
		cand->ids = values;
		cand->exact = true;
		cand->filter = hs_new_filter(col, hsop, values, exact);
		return cand;
	}
	cand->kind = HS_CAND_FILTER;
	cand->filter = hs_new_filter(col, hsop, values, exact);
	if (ck == HS_VK_TEXT)
		cand->filter->flags |= HS_FILTER_LOWER;
	cand->exact = exact;
	return cand;
}

/*
 * hs_classify_nulltest
 *		"col IS [NOT] NULL" as [NOT_]HAS_PROPERTY.  Text columns keep ""
 *		as a value where HubSpot has none, so IS NOT NULL on text stays
 *		local (it would be a subset) and IS NULL is rechecked.
 */
static HsCand *
hs_classify_nulltest(HsPlanCxt *cx, NullTest *nt)
{
	HsColumn   *col = hs_my_column(cx, (Node *) nt->arg);
	HsValKind	ck = hs_column_pushable(col);
	HsCand	   *cand;
	bool		isnull = nt->nulltesttype == IS_NULL;

	if (ck == HS_VK_NONE || nt->argisrow || col->source == HS_COL_ID)
		return NULL;
	if (ck == HS_VK_TEXT && !isnull)
		return NULL;
	cand = palloc0(sizeof(HsCand));
	cand->kind = HS_CAND_FILTER;
	cand->filter = hs_new_filter(col, isnull ? "NOT_HAS_PROPERTY" : "HAS_PROPERTY",
								 NIL, false);
	cand->exact = false;
	return cand;
}

/*
 * hs_classify_boolvar
 *		A bare boolean column ("WHERE col" / "WHERE NOT col").
 */
static HsCand *
hs_classify_boolcol(HsPlanCxt *cx, Node *n, bool value)
{
	HsColumn   *col = hs_my_column(cx, n);
	HsCand	   *cand;

	if (hs_column_pushable(col) != HS_VK_BOOL)
		return NULL;
	cand = palloc0(sizeof(HsCand));
	cand->kind = HS_CAND_FILTER;
	cand->filter = hs_new_filter(col, "EQ",
								 list_make1(makeString(value ? "true" : "false")),
								 true);
	cand->exact = true;
	return cand;
}

static HsCand *hs_classify(HsPlanCxt *cx, Node *clause);

/*
 * hs_mergeable
 *		True when a one-filter arm is an equality or IN on constants, which
 *		joins other such arms on the same property in one IN filter.
 */
static bool
hs_mergeable(List *arm)
{
	HsCandFilter *f;
	ListCell   *lc;

	if (list_length(arm) != 1)
		return false;
	f = (HsCandFilter *) linitial(arm);
	if (strcmp(f->op, "EQ") != 0 && strcmp(f->op, "IN") != 0)
		return false;
	foreach(lc, f->values)
	{
		if (!IsA(lfirst(lc), String))
			return false;
	}
	return true;
}

/*
 * hs_merge_arms
 *		"a = 1 OR a = 2 OR a IN (3, 4)" as one arm "a IN (1, 2, 3, 4)", so
 *		that an OR of many equalities fits HubSpot's five filter groups.
 *		The IN of strings goes in lower case and as written, a superset of
 *		the equalities it replaces (Postgres rechecks those anyway).
 */
static List *
hs_merge_arms(List *arms)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, arms)
	{
		List	   *arm = (List *) lfirst(lc);
		HsCandFilter *f = (HsCandFilter *) linitial(arm);
		ListCell   *lc2;
		bool		merged = false;

		if (hs_mergeable(arm))
		{
			foreach(lc2, out)
			{
				List	   *prev = (List *) lfirst(lc2);
				HsCandFilter *pf = (HsCandFilter *) linitial(prev);
				HsCandFilter *m;

				if (!hs_mergeable(prev) || strcmp(pf->property, f->property) != 0)
					continue;
				m = palloc0(sizeof(HsCandFilter));
				m->property = pf->property;
				m->op = "IN";
				m->values = list_concat(list_copy(pf->values), f->values);
				m->flags = pf->flags | f->flags;
				if (m->flags & (HS_FILTER_TEXT | HS_FILTER_LOWER))
					m->flags |= HS_FILTER_LOWER;
				m->exact = pf->exact && f->exact;
				lfirst(lc2) = list_make1(m);
				merged = true;
				break;
			}
		}
		if (!merged)
			out = lappend(out, arm);
	}
	return out;
}

/*
 * hs_cand_as_arm
 *		The filters of a clause as one AND-arm, or NIL if it cannot be one.
 */
static List *
hs_cand_as_arm(HsPlanCxt *cx, Node *clause, bool *exact)
{
	List	   *filters = NIL;

	if (is_andclause(clause))
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) clause)->args)
		{
			HsCand	   *c = hs_classify(cx, (Node *) lfirst(lc));

			if (c == NULL || c->kind == HS_CAND_OR)
				return NIL;
			filters = lappend(filters, c->filter);
			if (!c->filter->exact)
				*exact = false;
		}
		return filters;
	}
	else
	{
		HsCand	   *c = hs_classify(cx, clause);

		if (c == NULL || c->kind == HS_CAND_OR)
			return NIL;
		if (!c->filter->exact)
			*exact = false;
		return list_make1(c->filter);
	}
}

/*
 * hs_classify
 *		Classify one clause; NULL when HubSpot cannot apply it.
 */
static HsCand *
hs_classify(HsPlanCxt *cx, Node *clause)
{
	if (IsA(clause, OpExpr))
		return hs_classify_opexpr(cx, (OpExpr *) clause);
	if (IsA(clause, ScalarArrayOpExpr))
		return hs_classify_array(cx, (ScalarArrayOpExpr *) clause);
	if (IsA(clause, NullTest))
		return hs_classify_nulltest(cx, (NullTest *) clause);
	if (IsA(clause, Var))
		return hs_classify_boolcol(cx, clause, true);
	if (is_notclause(clause))
		return hs_classify_boolcol(cx, (Node *) get_notclausearg((Expr *) clause), false);
	if (IsA(clause, BooleanTest))
	{
		BooleanTest *bt = (BooleanTest *) clause;

		if (bt->booltesttype == IS_TRUE)
			return hs_classify_boolcol(cx, (Node *) bt->arg, true);
		if (bt->booltesttype == IS_FALSE)
			return hs_classify_boolcol(cx, (Node *) bt->arg, false);
		return NULL;
	}
	if (is_orclause(clause))
	{
		HsCand	   *cand = palloc0(sizeof(HsCand));
		ListCell   *lc;

		cand->kind = HS_CAND_OR;
		cand->exact = true;
		foreach(lc, ((BoolExpr *) clause)->args)
		{
			List	   *arm = hs_cand_as_arm(cx, (Node *) lfirst(lc), &cand->exact);

			if (arm == NIL)
				return NULL;
			cand->arms = lappend(cand->arms, arm);
		}
		cand->arms = hs_merge_arms(cand->arms);
		return cand;
	}
	return NULL;
}

/*
 * hs_groups_fit
 *		True when filter groups fit HubSpot's limits, with one filter a
 *		group to spare for paging past 10,000.
 */
static bool
hs_groups_fit(List *groups)
{
	ListCell   *lc;
	int			total = 0;

	if (list_length(groups) > HS_MAX_GROUPS)
		return false;
	foreach(lc, groups)
	{
		int			n = list_length((List *) lfirst(lc));

		if (n > HS_MAX_FILTERS_PER_GROUP)
			return false;
		total += n + 1;
	}
	return total <= HS_MAX_FILTERS;
}

/*
 * hs_groups_and
 *		groups AND (arm1 OR arm2 ...): every group times every arm.
 */
static List *
hs_groups_and(List *groups, List *arms)
{
	List	   *out = NIL;
	ListCell   *lc;
	ListCell   *lc2;

	if (groups == NIL)
		groups = list_make1(NIL);
	foreach(lc, groups)
	{
		foreach(lc2, arms)
			out = lappend(out, list_concat(list_copy((List *) lfirst(lc)),
										   (List *) lfirst(lc2)));
	}
	return out;
}

/*
 * hs_filter_node
 *		A candidate filter in the plan's node form; expressions become
 *		indexes into the plan's param_exprs.
 */
static List *
hs_filter_node(HsCandFilter *f, HsPushdown *pd)
{
	List	   *values = NIL;
	ListCell   *lc;

	foreach(lc, f->values)
	{
		Node	   *v = (Node *) lfirst(lc);

		if (IsA(v, String))
			values = lappend(values, v);
		else
		{
			pd->param_exprs = lappend(pd->param_exprs, v);
			values = lappend(values, makeInteger(list_length(pd->param_exprs) - 1));
		}
	}
	return list_make4(makeString(f->property), makeString(pstrdup(f->op)), values,
					  makeInteger(f->flags));
}

/*
 * hs_node_groups
 *		The filter groups of the pushed clauses, in the plan's node form.
 */
static List *
hs_node_groups(List *pushed, HsPushdown *pd)
{
	List	   *groups = NIL;
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, pushed)
	{
		HsCand	   *c = (HsCand *) lfirst(lc);

		if (c->kind == HS_CAND_OR)
			groups = hs_groups_and(groups, c->arms);
		else
			groups = hs_groups_and(groups, list_make1(list_make1(c->filter)));
	}
	foreach(lc, groups)
	{
		List	   *g = NIL;
		ListCell   *lc2;

		foreach(lc2, (List *) lfirst(lc))
			g = lappend(g, hs_filter_node((HsCandFilter *) lfirst(lc2), pd));
		out = lappend(out, g);
	}
	return out;
}

/*
 * hs_estimate_body
 *		Characters of a search body with these groups, constants only
 *		(parameters count for little: their filters may be dropped).
 */
static int
hs_estimate_body(List *groups, List *properties)
{
	char	   *body = hs_build_search_body(groups, NIL, properties, 200,
											"1000000000", NULL, false,
											list_make1(hs_make_filter("hs_object_id", "GT",
																	  "1000000000000")));

	return (int) strlen(body) + 60;
}

/*
 * hs_sort_of_query
 *		The HubSpot sort for a query's ORDER BY: one key, a plain column of
 *		this relation whose values HubSpot orders as Postgres does (numbers,
 *		booleans, dates; not strings, which HubSpot orders ignoring case),
 *		by the type's default ordering.  NIL when there is none to push.
 */
static List *
hs_sort_of_query(HsPlanCxt *cx)
{
	Query	   *parse = cx->root->parse;
	SortGroupClause *sgc;
	TargetEntry *tle;
	HsColumn   *col;
	HsValKind	ck;
	Oid			opfamily;
	Oid			opcintype;
	int16		strategy;

	if (list_length(parse->sortClause) != 1)
		return NIL;
	sgc = linitial_node(SortGroupClause, parse->sortClause);
	tle = get_sortgroupclause_tle(sgc, parse->targetList);
	col = hs_my_column(cx, (Node *) tle->expr);
	ck = hs_column_pushable(col);
	if (ck == HS_VK_NONE || ck == HS_VK_TEXT || col->search_property)
		return NIL;
	if (!get_ordering_op_properties(sgc->sortop, &opfamily, &opcintype, &strategy) ||
		opcintype != exprType((Node *) tle->expr) ||
		opfamily != get_opclass_family(GetDefaultOpClass(opcintype, BTREE_AM_OID)))
		return NIL;
	return list_make1(list_make3(makeString(col->source == HS_COL_ID ? "hs_object_id" : col->remote_name),
								 makeString(strategy == BTLessStrategyNumber ? "ASCENDING" : "DESCENDING"),
								 makeInteger(sgc->nulls_first ? 1 : 0)));
}

/*
 * hs_limit_of_query
 *		The rows a query needs from this scan when HubSpot applies all of
 *		its quals: LIMIT + OFFSET of a query over this relation alone with
 *		nothing between scan and limit but a sort HubSpot can do (*sorts);
 *		-1 otherwise.
 */
static int64
hs_limit_of_query(HsPlanCxt *cx, List **sorts)
{
	PlannerInfo *root = cx->root;
	Query	   *parse = root->parse;
	int64		count;
	int64		offset = 0;
	Node	   *n;

	*sorts = NIL;
	if (parse->limitCount == NULL || parse->commandType != CMD_SELECT ||
		parse->hasAggs || parse->groupClause || parse->groupingSets ||
		parse->hasWindowFuncs || parse->distinctClause || parse->setOperations ||
		parse->hasTargetSRFs || parse->rowMarks ||
		parse->havingQual || parse->limitOption != LIMIT_OPTION_COUNT ||
		bms_membership(root->all_baserels) != BMS_SINGLETON ||
		!bms_equal(root->all_baserels, cx->baserel->relids))
		return -1;
	n = (Node *) parse->limitCount;
	if (!IsA(n, Const) || ((Const *) n)->constisnull ||
		((Const *) n)->consttype != INT8OID)
		return -1;
	count = DatumGetInt64(((Const *) n)->constvalue);
	if (parse->limitOffset)
	{
		n = (Node *) parse->limitOffset;
		if (!IsA(n, Const) || ((Const *) n)->consttype != INT8OID)
			return -1;
		if (!((Const *) n)->constisnull)
			offset = DatumGetInt64(((Const *) n)->constvalue);
	}
	if (count < 0 || offset < 0 || count > PG_INT32_MAX - offset)
		return -1;
	if (parse->sortClause)
	{
		/* a pushed sort must not need paging past HubSpot's cap */
		*sorts = hs_sort_of_query(cx);
		if (*sorts == NIL || count + offset > HS_SEARCH_RESULT_CAP)
		{
			*sorts = NIL;
			return -1;
		}
	}
	return count + offset;
}

/*
 * hs_crm_plan
 *		Decide the request of a CRM scan from its clauses.
 */
void
hs_crm_plan(PlannerInfo *root, RelOptInfo *baserel, HsOptions *opts,
			List *clauses, Bitmapset *attrs_used, HsPushdown *pd)
{
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsPlanCxt	cx;
	List	   *cands = NIL;
	HsCand	   *best_id = NULL;
	List	   *groups = NIL;
	List	   *pushed = NIL;	/* HsCands in the search */
	ListCell   *lc;
	double		total = baserel->tuples > 0 ? baserel->tuples : HS_DEFAULT_OBJECT_ROWS;
	List	   *properties;

	memset(pd, 0, sizeof(HsPushdown));
	pd->limit = -1;
	cx.root = root;
	cx.baserel = baserel;
	cx.columns = hs_columns_for_relation(rel, HS_TABLE_CRM);
	table_close(rel, NoLock);

	/*
	 * Users' createdAt and updatedAt are their hs_createdate and
	 * hs_lastmodifieddate (the properties every users record carries):
	 * filters on created_at and updated_at go as filters on those, and
	 * Postgres checks them again.
	 */
	if (hs_object_is_users(opts->object_type))
	{
		int			i;

		for (i = 0; i < cx.columns->natts; i++)
		{
			HsColumn   *col = &cx.columns->cols[i];

			if (col->dropped || col->typid != TIMESTAMPTZOID)
				continue;
			if (col->source == HS_COL_CREATED_AT)
				col->search_property = "hs_createdate";
			else if (col->source == HS_COL_UPDATED_AT)
				col->search_property = "hs_lastmodifieddate";
		}
	}

	/* classify every clause */
	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		HsCand	   *c;

		if (ri->pseudoconstant)
		{
			pd->local_conds = lappend(pd->local_conds, ri);
			continue;
		}
		c = hs_classify(&cx, (Node *) ri->clause);
		if (c == NULL)
		{
			pd->local_conds = lappend(pd->local_conds, ri);
			continue;
		}
		c->ri = ri;
		cands = lappend(cands, c);
		if (c->kind == HS_CAND_ID &&
			(best_id == NULL || list_length(c->ids) < list_length(best_id->ids)))
			best_id = c;
	}

	/* an id look-up beats any search: everything else is checked locally */
	if (best_id)
	{
		bool		all_consts = true;

		foreach(lc, best_id->ids)
		{
			if (!IsA(lfirst(lc), String))
				all_consts = false;
		}
		/* one scalar id is a GET; several, or an array, a batch read */
		pd->method = (list_length(best_id->ids) == 1 &&
					  (IsA(linitial(best_id->ids), String) ||
					   !OidIsValid(get_element_type(exprType(linitial(best_id->ids))))))
			? HS_SCAN_GET : HS_SCAN_BATCH;
		foreach(lc, best_id->ids)
		{
			Node	   *v = (Node *) lfirst(lc);

			if (IsA(v, String))
				pd->ids = lappend(pd->ids, v);
			else
			{
				pd->param_exprs = lappend(pd->param_exprs, v);
				pd->ids = lappend(pd->ids, makeInteger(list_length(pd->param_exprs) - 1));
			}
		}
		pd->remote_conds = list_make1(best_id->ri);
		foreach(lc, cands)
		{
			HsCand	   *c = (HsCand *) lfirst(lc);

			if (c != best_id)
				pd->local_conds = lappend(pd->local_conds, c->ri);
		}
		pd->rows = all_consts ? list_length(best_id->ids) : 10;
		pd->requests = pd->method == HS_SCAN_GET ? 1 :
			ceil(pd->rows / (double) HS_BATCH_READ_MAX);
		return;
	}

	/* search: simple filters first, then ORs while they fit */
	properties = hs_crm_routine.properties(rte->relid, attrs_used, opts);
	foreach(lc, cands)
	{
		HsCand	   *c = (HsCand *) lfirst(lc);
		List	   *trial;

		if (c->kind != HS_CAND_FILTER)
			continue;
		trial = hs_groups_and(groups, list_make1(list_make1(c->filter)));
		if (hs_groups_fit(trial))
		{
			groups = trial;
			pushed = lappend(pushed, c);
		}
		else
			pd->local_conds = lappend(pd->local_conds, c->ri);
	}
	foreach(lc, cands)
	{
		HsCand	   *c = (HsCand *) lfirst(lc);
		List	   *trial;

		if (c->kind != HS_CAND_OR)
			continue;
		trial = hs_groups_and(groups, c->arms);
		if (hs_groups_fit(trial))
		{
			groups = trial;
			pushed = lappend(pushed, c);
		}
		else
			pd->local_conds = lappend(pd->local_conds, c->ri);
	}

	/*
	 * In node form; while the body is too long for HubSpot, give the last
	 * pushed clause back to Postgres and try again.
	 */
	while (pushed != NIL)
	{
		pd->param_exprs = NIL;
		pd->groups = hs_node_groups(pushed, pd);
		if (hs_estimate_body(pd->groups, properties) <= HS_MAX_BODY_CHARS - HS_BODY_MARGIN)
			break;
		pd->local_conds = lappend(pd->local_conds, ((HsCand *) llast(pushed))->ri);
		pushed = list_delete_last(pushed);
		pd->groups = NIL;
		pd->param_exprs = NIL;
	}

	foreach(lc, pushed)
	{
		HsCand	   *c = (HsCand *) lfirst(lc);

		if (c->exact)
			pd->remote_conds = lappend(pd->remote_conds, c->ri);
		else
		{
			/* HubSpot narrows, Postgres decides */
			pd->remote_conds = lappend(pd->remote_conds, c->ri);
			pd->local_conds = lappend(pd->local_conds, c->ri);
		}
	}

	if (pd->groups != NIL)
	{
		pd->method = HS_SCAN_SEARCH;
		pd->rows = clamp_row_est(total *
								 clauselist_selectivity(root,
														extract_actual_clauses(pd->remote_conds, false),
														baserel->relid, JOIN_INNER, NULL));
		pd->requests = ceil(pd->rows / HS_SEARCH_PAGE_MAX);
	}
	else
	{
		pd->method = HS_SCAN_LIST;
		pd->rows = total;
		pd->requests = ceil(total / HS_LIST_PAGE_MAX);
	}

	/*
	 * use_remote_estimate: HubSpot counts the matches of the scan's own
	 * quals (not of a parameterized path's, whose values are unknown).
	 */
	if (opts->use_remote_estimate &&
		list_length(clauses) == list_length(baserel->baserestrictinfo))
	{
		double		n = hs_crm_remote_count(opts, pd->groups);

		if (n >= 0)
		{
			pd->rows = clamp_row_est(n);
			pd->requests = ceil(n / (pd->method == HS_SCAN_SEARCH ?
									 HS_SEARCH_PAGE_MAX : HS_LIST_PAGE_MAX));
		}
	}

	/* LIMIT as page size, when HubSpot applies every qual exactly */
	if (pd->local_conds == NIL)
	{
		pd->limit = hs_limit_of_query(&cx, &pd->sorts);
		if (pd->sorts != NIL)
			pd->method = HS_SCAN_SEARCH;
		if (pd->limit >= 0)
		{
			pd->rows = Min(pd->rows, (double) pd->limit);
			pd->requests = Max(1.0, ceil(pd->rows / (pd->method == HS_SCAN_SEARCH ?
													 HS_SEARCH_PAGE_MAX : HS_LIST_PAGE_MAX)));
		}
	}
}
