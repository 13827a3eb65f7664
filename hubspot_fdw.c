/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.c
 *		  Foreign-data wrapper for HubSpot: the FDW callbacks, and the scan
 *		  engine that every table kind plugs into.  A scan asks its table
 *		  kind for one page at a time, decodes it in a memory context reset
 *		  per page, and hands rows to the executor as the page yields them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "common/hashfn.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(hubspot_fdw_handler);
PG_FUNCTION_INFO_V1(hubspot_fdw_version);

/* Planner cost of one HTTP request: HubSpot's quota, not CPU, is scarce */
#define HS_REQUEST_COST 1000.0
#define HS_ROW_COST 0.05

/* hubspot_fdw.max_requests: requests a scan may send, 0 for no limit */
int			hs_guc_max_requests = 0;

static void hubspotGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid);
static void hubspotGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								   Oid foreigntableid);
static ForeignScan *hubspotGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
										  Oid foreigntableid, ForeignPath *best_path,
										  List *tlist, List *scan_clauses,
										  Plan *outer_plan);
static void hubspotBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *hubspotIterateForeignScan(ForeignScanState *node);
static void hubspotReScanForeignScan(ForeignScanState *node);
static void hubspotEndForeignScan(ForeignScanState *node);
static void hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es);

/*
 * _PG_init
 *		Library load: libcurl's global state.
 */
void
_PG_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not initialize libcurl")));
	hs_limit_init();

	DefineCustomIntVariable("hubspot_fdw.max_requests",
							"Most HTTP requests one scan of a HubSpot table may send.",
							"0 means no limit.  The server and table option \"max_requests\" override it.",
							&hs_guc_max_requests,
							0, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("hubspot_fdw");
}

/*
 * hubspot_fdw_handler
 *		The FdwRoutine of the wrapper.
 */
Datum
hubspot_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = hubspotGetForeignRelSize;
	routine->GetForeignPaths = hubspotGetForeignPaths;
	routine->GetForeignPlan = hubspotGetForeignPlan;
	routine->BeginForeignScan = hubspotBeginForeignScan;
	routine->IterateForeignScan = hubspotIterateForeignScan;
	routine->ReScanForeignScan = hubspotReScanForeignScan;
	routine->EndForeignScan = hubspotEndForeignScan;
	routine->ExplainForeignScan = hubspotExplainForeignScan;

	/* joins of a CRM table with permitted_users (permitted.c) */
	routine->GetForeignJoinPaths = hs_permitted_join_paths;

	/* writes (modify.c) */
	routine->IsForeignRelUpdatable = hs_is_updatable;
	routine->AddForeignUpdateTargets = hs_add_update_targets;
	routine->PlanForeignModify = hs_plan_modify;
	routine->BeginForeignModify = hs_begin_modify;
	routine->ExecForeignInsert = hs_exec_insert;
	routine->ExecForeignUpdate = hs_exec_update;
	routine->ExecForeignDelete = hs_exec_delete;
	routine->EndForeignModify = hs_end_modify;
	routine->BeginForeignInsert = hs_begin_insert;
	routine->EndForeignInsert = hs_end_modify;
	routine->ExplainForeignModify = hs_explain_modify;
	routine->ImportForeignSchema = hs_import_foreign_schema;

	PG_RETURN_POINTER(routine);
}

/*
 * hubspot_fdw_version
 *		The extension's version.
 */
Datum
hubspot_fdw_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(HS_FDW_VERSION));
}

/*
 * hs_kind_routine
 *		The routine of a table kind.
 */
static const HsKindRoutine *
hs_kind_routine(HsTableKind kind)
{
	switch (kind)
	{
		case HS_TABLE_CRM:
			return &hs_crm_routine;
		case HS_TABLE_PERMITTED_USERS:
			return &hs_permitted_routine;
		case HS_TABLE_SETTINGS_USERS:
		case HS_TABLE_ROLES:
		case HS_TABLE_TEAMS:
		case HS_TABLE_OWNERS:
			return &hs_settings_routine;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("this kind of HubSpot table cannot be read yet")));
	}
	return NULL;
}

/*
 * hs_rte_userid
 *		The user whose mapping a scan of this relation uses.
 */
Oid
hs_rte_userid(RangeTblEntry *rte)
{
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
}

/*
 * hubspotGetForeignRelSize
 *		Resolve options, decide what HubSpot can filter, estimate rows.
 */
static void
hubspotGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
						 Oid foreigntableid)
{
	HsRelInfo  *fpinfo = palloc0(sizeof(HsRelInfo));
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	ListCell   *lc;

	baserel->fdw_private = fpinfo;
	fpinfo->opts = hs_get_options(foreigntableid, hs_rte_userid(rte));
	fpinfo->routine = hs_kind_routine(fpinfo->opts->kind);

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &fpinfo->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &fpinfo->attrs_used);
	}

	fpinfo->routine->plan(root, baserel, fpinfo->opts, baserel->baserestrictinfo,
						  fpinfo->attrs_used, &fpinfo->pd);
	baserel->rows = clamp_row_est(fpinfo->pd.rows *
								  clauselist_selectivity(root,
														 extract_actual_clauses(fpinfo->pd.local_conds, false),
														 baserel->relid, JOIN_INNER, NULL));
	if (fpinfo->pd.method == HS_SCAN_EMPTY)
		baserel->rows = 1;
	baserel->tuples = Max(baserel->tuples, fpinfo->pd.rows);
}

/*
 * hs_path_cost
 *		Cost of a plan: its requests first, then its rows.
 */
void
hs_path_cost(HsPushdown *pd, Cost *startup, Cost *total)
{
	*startup = HS_REQUEST_COST;
	*total = HS_REQUEST_COST * Max(pd->requests, 1.0) + HS_ROW_COST * pd->rows;
}

/*
 * hs_ec_member_matches
 *		Callback for generate_implied_equalities_for_column: is this member
 *		the column we are looking at?
 */
static bool
hs_ec_member_matches(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					 EquivalenceMember *em, void *arg)
{
	Expr	   *e = em->em_expr;

	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e && IsA(e, Var) && ((Var *) e)->varno == rel->relid &&
		((Var *) e)->varlevelsup == 0 &&
		((Var *) e)->varattno == *(AttrNumber *) arg;
}

/*
 * hs_add_param_path
 *		Add a path parameterized by one join clause, if the table kind can
 *		send the clause's outer value to HubSpot.
 */
static void
hs_add_param_path(PlannerInfo *root, RelOptInfo *baserel, HsRelInfo *fpinfo,
				  RestrictInfo *ri)
{
	Relids		required;
	ParamPathInfo *ppi;
	HsPushdown	pd;
	List	   *clauses;
	Cost		startup;
	Cost		total;

	if (!join_clause_is_movable_to(ri, baserel))
		return;
	required = bms_difference(ri->clause_relids, baserel->relids);
	if (bms_is_empty(required))
		return;
	clauses = lappend(list_copy(baserel->baserestrictinfo), ri);
	memset(&pd, 0, sizeof(pd));
	fpinfo->routine->plan(root, baserel, fpinfo->opts, clauses,
						  fpinfo->attrs_used, &pd);
	if (!list_member_ptr(pd.remote_conds, ri) || pd.method == HS_SCAN_LIST)
		return;
	ppi = get_baserel_parampathinfo(root, baserel, required);
	hs_path_cost(&pd, &startup, &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, ppi->ppi_rows,
									 startup, total, NIL, required, NULL, NIL));
}

/*
 * hubspotGetForeignPaths
 *		The scan path, and parameterized paths where a join's outer values
 *		turn the scan into look-ups: from join clauses, and from the
 *		equivalence classes that hold "col = outer.col" equalities.
 */
static void
hubspotGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					   Oid foreigntableid)
{
	HsRelInfo  *fpinfo = (HsRelInfo *) baserel->fdw_private;
	Cost		startup;
	Cost		total;
	List	   *pathkeys = NIL;
	ListCell   *lc;

	/*
	 * A sort HubSpot does (one key, NULLs placed as Postgres places them)
	 * gives the path the query's order, so no Sort goes above it.
	 */
	if (fpinfo->pd.sorts != NIL && list_length(root->sort_pathkeys) == 1)
		pathkeys = root->sort_pathkeys;

	hs_path_cost(&fpinfo->pd, &startup, &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, pathkeys, NULL, NULL, NIL));

	/*
	 * A join clause "col = outer.value" on a column HubSpot can look up
	 * gives a parameterized path: the nested loop's outer rows become ids
	 * or search values.  The clauses come from joininfo and, for joins by
	 * equality, from the equivalence classes.
	 */
	foreach(lc, baserel->joininfo)
		hs_add_param_path(root, baserel, fpinfo, lfirst_node(RestrictInfo, lc));
	if (baserel->has_eclass_joins)
	{
		Relation	rel = table_open(foreigntableid, NoLock);
		int			natts = RelationGetDescr(rel)->natts;
		AttrNumber	attno;

		table_close(rel, NoLock);
		for (attno = 1; attno <= natts; attno++)
		{
			List	   *clauses;

			clauses = generate_implied_equalities_for_column(root, baserel,
															 hs_ec_member_matches,
															 (void *) &attno,
															 baserel->lateral_referencers);
			foreach(lc, clauses)
				hs_add_param_path(root, baserel, fpinfo, lfirst_node(RestrictInfo, lc));
		}
	}
}

/*
 * hs_retrieved_attrs
 *		The columns a scan must fill.
 */
List *
hs_retrieved_attrs(Relation rel, Bitmapset *attrs_used)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);
	List	   *attrs = NIL;
	int			i;

	for (i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		if (whole_row ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs_used))
			attrs = lappend_int(attrs, i);
	}
	return attrs;
}

/*
 * hs_scan_private
 *		The fdw_private list of a scan of one relation (see
 *		enum FdwScanPrivateIndex).
 */
List *
hs_scan_private(HsPushdown *pd, List *retrieved, List *properties)
{
	List	   *fdw_private;

	fdw_private = list_make5(makeInteger(pd->method), retrieved, properties,
							 pd->ids, pd->groups);
	fdw_private = lappend(fdw_private, pd->sorts);
	fdw_private = lappend(fdw_private, makeInteger((int) Min(pd->limit, PG_INT32_MAX)));
	fdw_private = lappend(fdw_private, pd->extra);
	fdw_private = lappend(fdw_private, makeBoolean(pd->ahead));
	Assert(list_length(fdw_private) == FdwScanPrivateNum);
	return fdw_private;
}

/*
 * hubspotGetForeignPlan
 *		The ForeignScan: the decided request in fdw_private, the values to
 *		compute at execution in fdw_exprs, the rest of the quals local.
 */
static ForeignScan *
hubspotGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid, ForeignPath *best_path,
					  List *tlist, List *scan_clauses, Plan *outer_plan)
{
	HsRelInfo  *fpinfo = (HsRelInfo *) baserel->fdw_private;
	HsPushdown	pd;
	List	   *local_exprs;
	Relation	rel;
	List	   *retrieved;
	List	   *properties;
	Bitmapset  *attrs_used;
	ListCell   *lc;

	/* a join pushed down (permitted.c) */
	if (IS_JOIN_REL(baserel))
		return hs_permitted_join_plan(root, baserel, best_path, tlist,
									  scan_clauses, outer_plan);

	attrs_used = bms_copy(fpinfo->attrs_used);
	if (best_path->path.param_info)
	{
		foreach(lc, scan_clauses)
			pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
						   baserel->relid, &attrs_used);
		memset(&pd, 0, sizeof(pd));
		fpinfo->routine->plan(root, baserel, fpinfo->opts, scan_clauses,
							  attrs_used, &pd);
	}
	else
		pd = fpinfo->pd;

	local_exprs = extract_actual_clauses(pd.local_conds, false);
	foreach(lc, pd.local_conds)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &attrs_used);

	rel = table_open(foreigntableid, NoLock);
	retrieved = hs_retrieved_attrs(rel, attrs_used);
	table_close(rel, NoLock);
	properties = fpinfo->routine->properties(foreigntableid, attrs_used, fpinfo->opts);

	/*
	 * Requests may go ahead of Postgres (the next page while it works on
	 * this one, several batches at once) only when it will want every
	 * row: under a LIMIT above the scan, an EXISTS or a cursor, a page
	 * sent ahead might be wasted.
	 */
	pd.ahead = (root->tuple_fraction <= 0.0 && pd.limit < 0);

	return make_foreignscan(tlist, local_exprs, baserel->relid, pd.param_exprs,
							hs_scan_private(&pd, retrieved, properties),
							NIL, NIL, outer_plan);
}

/*
 * hs_scan_create
 *		The state of a scan of one relation, from its plan's fdw_private
 *		and fdw_exprs (evaluated in ps's expression context); nothing is
 *		sent before the first row is asked for, and with EXPLAIN alone no
 *		connection is opened.
 */
HsScanState *
hs_scan_create(Relation rel, Oid userid, List *priv, List *fdw_exprs,
			   PlanState *ps, int eflags)
{
	EState	   *estate = ps->state;
	HsScanState *ss = palloc0(sizeof(HsScanState));

	ss->rel = rel;
	ss->opts = hs_get_options(RelationGetRelid(rel), userid);
	ss->method = (HsScanMethod) intVal(list_nth(priv, FdwScanPrivateMethod));
	ss->retrieved_attrs = (List *) list_nth(priv, FdwScanPrivateRetrievedAttrs);
	ss->properties = (List *) list_nth(priv, FdwScanPrivateProperties);
	ss->ids = (List *) list_nth(priv, FdwScanPrivateIds);
	ss->groups = (List *) list_nth(priv, FdwScanPrivateGroups);
	ss->sorts = (List *) list_nth(priv, FdwScanPrivateSorts);
	ss->limit = intVal(list_nth(priv, FdwScanPrivateLimit));
	ss->extra = (List *) list_nth(priv, FdwScanPrivateExtra);
	if (boolVal(list_nth(priv, FdwScanPrivateAhead)) && ss->opts->concurrent_requests > 1)
		ss->max_ahead = ss->opts->concurrent_requests;
	ss->columns = hs_columns_for_relation(rel, ss->opts->kind);
	ss->econtext = ps->ps_ExprContext;
	ss->param_states = ExecInitExprList(fdw_exprs, ps);
	ss->params = palloc0(sizeof(List *) * Max(list_length(fdw_exprs), 1));
	ss->scan_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw scan",
										 ALLOCSET_DEFAULT_SIZES);
	ss->page_cxt = AllocSetContextCreate(ss->scan_cxt,
										 "hubspot_fdw page",
										 ALLOCSET_DEFAULT_SIZES);
	ss->kind_cxt = AllocSetContextCreate(ss->scan_cxt,
										 "hubspot_fdw kind state",
										 ALLOCSET_DEFAULT_SIZES);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return ss;

	ss->conn = hs_options_connection(ss->opts);
	return ss;
}

/*
 * hubspotBeginForeignScan
 *		Set up a scan; nothing is sent before the first row is asked for.
 */
static void
hubspotBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	RangeTblEntry *rte;

	/* a join pushed down (permitted.c) */
	if (fsplan->scan.scanrelid == 0)
	{
		hs_permitted_join_begin(node, eflags);
		return;
	}
	rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);
	node->fdw_state = hs_scan_create(node->ss.ss_currentRelation,
									 hs_rte_userid(rte), fsplan->fdw_private,
									 fsplan->fdw_exprs, &node->ss.ps, eflags);
}

/*
 * hs_eval_params
 *		Evaluate fdw_exprs into lists of HubSpot texts: a scalar gives one,
 *		an array its non-null elements, a NULL none.
 */
static void
hs_eval_params(HsScanState *ss)
{
	ListCell   *lc;
	int			i = 0;
	MemoryContext old = MemoryContextSwitchTo(ss->scan_cxt);

	foreach(lc, ss->param_states)
	{
		ExprState  *es = (ExprState *) lfirst(lc);
		Oid			typid = exprType((Node *) es->expr);
		bool		isnull;
		Datum		v = ExecEvalExpr(es, ss->econtext, &isnull);
		List	   *texts = NIL;

		if (!isnull)
		{
			Oid			elem = get_element_type(typid);

			if (OidIsValid(elem))
			{
				Datum	   *elems;
				bool	   *nulls;
				int			n = hs_array_elements(v, elem, &elems, &nulls);
				int			j;

				for (j = 0; j < n; j++)
				{
					if (!nulls[j])
					{
						char	   *t = hs_datum_to_remote(elems[j], elem);

						if (t)
							texts = lappend(texts, t);
					}
				}
			}
			else
			{
				char	   *t = hs_datum_to_remote(v, typid);

				if (t)
					texts = lappend(texts, t);
			}
		}
		ss->params[i++] = texts;
	}
	MemoryContextSwitchTo(old);
}

/*
 * hs_same_request
 *		Whether two requests ask the same thing.
 */
static bool
hs_same_request(const HsRequest *a, const HsRequest *b)
{
	return a->method == b->method && strcmp(a->path, b->path) == 0 &&
		((a->body == NULL && b->body == NULL) ||
		 (a->body && b->body && strcmp(a->body, b->body) == 0));
}

/*
 * hs_drop_flights
 *		Abandon the requests a scan sent ahead (a rescan, the end, another
 *		way taken).
 */
void
hs_drop_flights(HsScanState *ss)
{
	ListCell   *lc;

	foreach(lc, ss->flights)
	{
		HsFlight   *f = (HsFlight *) lfirst(lc);

		if (ss->conn)
			hs_http_abandon(ss->conn, f->slot);
		MemoryContextDelete(f->cxt);
	}
	list_free_deep(ss->flights);
	ss->flights = NIL;
}

/*
 * hs_scan_ids
 *		The ids a GET or BATCH scan looks up (constants and evaluated
 *		parameters), whole numbers only, each once; in the memory of this
 *		pass.
 */
List *
hs_scan_ids(HsScanState *ss)
{
	List	   *out = NIL;
	ListCell   *lc;
	MemoryContext old = MemoryContextSwitchTo(ss->kind_cxt);

	foreach(lc, ss->ids)
	{
		Node	   *v = (Node *) lfirst(lc);
		List	   *texts = IsA(v, String) ? list_make1(strVal(v)) :
			ss->params[intVal(v)];
		ListCell   *lt;

		foreach(lt, texts)
		{
			char	   *t = (char *) lfirst(lt);
			ListCell   *lo;
			bool		seen = false;

			/* an id that is not a whole number matches no record */
			if (!hs_is_record_id(t))
				continue;
			foreach(lo, out)
				seen = seen || strcmp((char *) lfirst(lo), t) == 0;
			if (!seen)
				out = lappend(out, pstrdup(t));
		}
	}
	MemoryContextSwitchTo(old);
	return out;
}

/*
 * hs_scan_reset
 *		Forget where a scan was, for a first run or a rescan.
 */
void
hs_scan_reset(HsScanState *ss)
{
	hs_drop_flights(ss);
	MemoryContextReset(ss->page_cxt);
	MemoryContextReset(ss->kind_cxt);
	ss->have_page = false;
	ss->done = false;
	ss->started = false;
	ss->after = NULL;
	ss->consumed = 0;
	ss->last_id = NULL;
	ss->id_above = NULL;
	ss->phase = 0;
	ss->id_pos = 0;
	ss->id_texts = NIL;
	ss->rows_returned = 0;
	ss->kind_state = NULL;
}

/*
 * hs_scan_start
 *		Evaluate the parameters when a scan (re)starts.
 */
static void
hs_scan_start(HsScanState *ss)
{
	if (ss->started)
		return;
	hs_eval_params(ss);
	ss->started = true;
	if (ss->method == HS_SCAN_EMPTY)
		ss->done = true;
}

/*
 * hs_scan_next
 *		Fill the next row of a scan (natts values, all NULL but those the
 *		kind fills): from the current page, or from the next page; false
 *		when there are no more.
 */
bool
hs_scan_next(HsScanState *ss, Datum *values, bool *nulls, int natts)
{
	const HsKindRoutine *routine = hs_kind_routine(ss->opts->kind);

	hs_scan_start(ss);

	for (;;)
	{
		if (ss->have_page)
		{
			memset(nulls, true, sizeof(bool) * natts);
			if (routine->next_row(ss, values, nulls))
			{
				ss->rows_returned++;
				return true;
			}
			ss->have_page = false;
		}
		if (ss->done)
			return false;

		MemoryContextReset(ss->page_cxt);
		{
			MemoryContext old = MemoryContextSwitchTo(ss->page_cxt);
			bool		got = routine->next_page(ss);

			MemoryContextSwitchTo(old);
			if (!got)
			{
				ss->done = true;
				return false;
			}
		}
		ss->have_page = true;
		ss->next_record = 0;
	}
}

/* ------------------------------------------------------------------
 * The rescan cache
 *
 * The inner side of a nested loop is rescanned once per outer row, often
 * with values it has seen before (many permission rows name one user).
 * From its first rescan on, a parameterized scan keeps the rows each set of
 * parameter values brought, and answers a repeat from them without a
 * request.  Rows are kept as HubSpot sent them (before the local quals, which
 * Postgres applies to each row anyway); at most work_mem of them, after
 * which nothing more is kept.  A scan stopped before its end (a semi-join)
 * keeps nothing of that pass.
 * ------------------------------------------------------------------
 */
typedef struct HsCacheEntry
{
	char	   *key;			/* hash key: the parameters' values as sent */
	List	   *tuples;			/* of HeapTuple */
} HsCacheEntry;

typedef struct HsRescanCache
{
	MemoryContext cxt;
	HTAB	   *table;			/* of HsCacheEntry, by key string */
	Size		bytes;
	bool		full;			/* work_mem reached: keep no more */
	bool		decided;		/* this pass: replaying or recording known */
	HsCacheEntry *recording;	/* this pass's rows, not yet in the table */
	List	   *replay;			/* this pass's rows, from the table */
	int			replay_pos;
	int64		hits;
} HsRescanCache;

/*
 * hs_cache_key
 *		The evaluated parameters as one string.
 */
static char *
hs_cache_key(HsScanState *ss)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < list_length(ss->param_states); i++)
	{
		ListCell   *lc;

		appendStringInfoChar(&buf, '\x1e');
		foreach(lc, ss->params[i])
		{
			appendStringInfoString(&buf, (char *) lfirst(lc));
			appendStringInfoChar(&buf, '\x1f');
		}
	}
	return buf.data;
}

/*
 * hs_cache_key_hash
 *		The cache table's key is a pointer to the key string: hash the
 *		string.
 */
static uint32
hs_cache_key_hash(const void *key, Size keysize)
{
	const char *k = *(char *const *) key;

	return hash_bytes((const unsigned char *) k, strlen(k));
}

/*
 * hs_cache_key_match
 *		Compare two keys' strings.
 */
static int
hs_cache_key_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

/*
 * hs_cache_rescan
 *		At a rescan: drop an unfinished pass, and set the cache up at the
 *		first rescan of a parameterized scan.
 */
static void
hs_cache_rescan(HsScanState *ss)
{
	HsRescanCache *c = ss->cache;

	if (c == NULL)
	{
		HASHCTL		ctl;

		if (ss->param_states == NIL || ss->conn == NULL)
			return;
		c = MemoryContextAllocZero(ss->scan_cxt, sizeof(HsRescanCache));
		c->cxt = AllocSetContextCreate(ss->scan_cxt, "hubspot_fdw rescan cache",
									   ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(char *);
		ctl.entrysize = sizeof(HsCacheEntry);
		ctl.hash = hs_cache_key_hash;
		ctl.match = hs_cache_key_match;
		ctl.hcxt = c->cxt;
		c->table = hash_create("hubspot_fdw rescan cache", 256, &ctl,
							   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
		ss->cache = c;
	}
	c->decided = false;
	c->recording = NULL;		/* an unfinished pass: forgotten */
	c->replay = NIL;
	c->replay_pos = 0;
}

/*
 * hs_cache_next
 *		At the start of a pass, look its parameters up; while replaying,
 *		the next kept row.  False when the rows come from HubSpot.
 */
static bool
hs_cache_next(HsScanState *ss, TupleTableSlot *slot)
{
	HsRescanCache *c = ss->cache;

	if (!c->decided)
	{
		char	   *key;
		HsCacheEntry *e;

		hs_scan_start(ss);
		c->decided = true;
		key = hs_cache_key(ss);
		e = hash_search(c->table, &key, HASH_FIND, NULL);
		if (e != NULL)
		{
			c->replay = e->tuples;
			c->replay_pos = 0;
			c->hits++;
			ss->done = true;	/* nothing to send */
			pfree(key);
			goto replay;
		}
		if (!c->full)
		{
			c->recording = MemoryContextAllocZero(c->cxt, sizeof(HsCacheEntry));
			c->recording->key = MemoryContextStrdup(c->cxt, key);
			c->bytes += strlen(key) + sizeof(HsCacheEntry);
		}
		pfree(key);
		return false;
	}
	if (c->replay == NIL)
		return false;
replay:
	if (c->replay_pos >= list_length(c->replay))
		return true;			/* an empty slot: the end */
	{
		HeapTuple	tup = (HeapTuple) list_nth(c->replay, c->replay_pos++);

		heap_deform_tuple(tup, slot->tts_tupleDescriptor, slot->tts_values,
						  slot->tts_isnull);
		ExecStoreVirtualTuple(slot);
	}
	return true;
}

/*
 * hs_cache_record
 *		Keep a row of the pass being recorded, within work_mem.
 */
static void
hs_cache_record(HsScanState *ss, TupleTableSlot *slot)
{
	HsRescanCache *c = ss->cache;
	MemoryContext old;
	HeapTuple	tup;

	if (c->recording == NULL)
		return;
	old = MemoryContextSwitchTo(c->cxt);
	tup = heap_form_tuple(slot->tts_tupleDescriptor, slot->tts_values,
						  slot->tts_isnull);
	c->recording->tuples = lappend(c->recording->tuples, tup);
	MemoryContextSwitchTo(old);
	c->bytes += HEAPTUPLESIZE + tup->t_len + sizeof(ListCell);
	if (c->bytes > (Size) work_mem * 1024)
	{
		c->full = true;
		c->recording = NULL;
	}
}

/*
 * hs_cache_complete
 *		A pass ran to its end: keep what it brought.
 */
static void
hs_cache_complete(HsScanState *ss)
{
	HsRescanCache *c = ss->cache;
	HsCacheEntry *e;

	if (c->recording == NULL)
		return;
	e = hash_search(c->table, &c->recording->key, HASH_ENTER, NULL);
	e->tuples = c->recording->tuples;	/* e->key: the recording's, in cxt */
	pfree(c->recording);
	c->recording = NULL;
}

/*
 * hubspotIterateForeignScan
 *		The next row: from the current page, or from the next page.
 */
static TupleTableSlot *
hubspotIterateForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
		return hs_permitted_join_next(node);

	ExecClearTuple(slot);
	if (ss->cache && hs_cache_next(ss, slot))
		return slot;
	if (hs_scan_next(ss, slot->tts_values, slot->tts_isnull,
					 slot->tts_tupleDescriptor->natts))
	{
		ExecStoreVirtualTuple(slot);
		if (ss->cache)
			hs_cache_record(ss, slot);
	}
	else if (ss->cache)
		hs_cache_complete(ss);
	return slot;
}

/*
 * hubspotReScanForeignScan
 *		Start over, with parameters evaluated anew.
 */
static void
hubspotReScanForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
	{
		hs_permitted_join_rescan(node);
		return;
	}
	hs_scan_reset(ss);
	hs_cache_rescan(ss);
}

/*
 * hs_scan_end
 *		Add a scan's counters to the backend's, free its memory.
 */
void
hs_scan_end(HsScanState *ss)
{
	if (ss == NULL)
		return;
	hs_drop_flights(ss);
	if (ss->conn)
		hs_counters_add(hs_server_counters(ss->conn->serverid), &ss->counters);
	MemoryContextDelete(ss->scan_cxt);
}

/*
 * hubspotEndForeignScan
 *		End a scan.
 */
static void
hubspotEndForeignScan(ForeignScanState *node)
{
	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
	{
		hs_permitted_join_end(node);
		return;
	}
	hs_scan_end((HsScanState *) node->fdw_state);
}

/*
 * hubspotExplainForeignScan
 *		The request the scan sends, and with ANALYZE what it cost.
 */
static void
hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	const HsKindRoutine *routine;

	if (fsplan->scan.scanrelid == 0)
	{
		hs_permitted_join_explain(node, es);
		return;
	}
	routine = hs_kind_routine(ss->opts->kind);
	if (es->verbose)
	{
		List	   *dcxt = set_deparse_context_plan(es->deparse_cxt,
													node->ss.ps.plan, NIL);
		int			n = list_length(fsplan->fdw_exprs);
		int			i = 0;
		ListCell   *lc;

		/* parameters are shown as Postgres writes them */
		ss->param_labels = n > 0 ? palloc0(sizeof(List *) * n) : NULL;
		foreach(lc, fsplan->fdw_exprs)
			ss->param_labels[i++] =
				list_make1(deparse_expression((Node *) lfirst(lc), dcxt,
											  false, false));
		routine->explain(ss, fsplan->fdw_private, es);
	}

	if (es->analyze)
	{
		hs_explain_counters(&ss->counters, es);
		if (ss->cache && ss->cache->hits > 0)
			ExplainPropertyInteger("HubSpot Rescans From Cache", NULL,
								   ss->cache->hits, es);
	}
}

/*
 * hs_explain_counters
 *		EXPLAIN ANALYZE: what a scan spent.
 */
void
hs_explain_counters(HsCounters *c, ExplainState *es)
{
	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "requests=" INT64_FORMAT " pages=" INT64_FORMAT
						 " rows=" INT64_FORMAT " retries=" INT64_FORMAT,
						 c->requests, c->pages, c->rows, c->retries);
		if (c->throttled > 0)
			appendStringInfo(&buf, " throttled=" INT64_FORMAT, c->throttled);
		if (c->repeats > 0)
			appendStringInfo(&buf, " repeats=" INT64_FORMAT, c->repeats);
		if (c->ahead > 0)
			appendStringInfo(&buf, " ahead=" INT64_FORMAT, c->ahead);
		if (es->verbose)
			appendStringInfo(&buf, " bytes=" INT64_FORMAT, c->bytes);
		if (es->timing && c->waited_ms > 0)
			appendStringInfo(&buf, " waited=%.0fms", c->waited_ms);
		ExplainPropertyText("HubSpot Calls", buf.data, es);
	}
	else
	{
		ExplainPropertyInteger("HubSpot Requests", NULL, c->requests, es);
		ExplainPropertyInteger("HubSpot Pages", NULL, c->pages, es);
		ExplainPropertyInteger("HubSpot Rows", NULL, c->rows, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, c->retries, es);
		ExplainPropertyInteger("HubSpot Throttled", NULL, c->throttled, es);
		ExplainPropertyInteger("HubSpot Repeats", NULL, c->repeats, es);
		if (c->ahead > 0)
			ExplainPropertyInteger("HubSpot Requests Ahead", NULL, c->ahead, es);
		ExplainPropertyInteger("HubSpot Bytes", NULL, c->bytes, es);
		ExplainPropertyFloat("HubSpot Waited", "ms", c->waited_ms, 0, es);
	}
}

/*
 * hs_check_request_budget
 *		Stop a scan before it sends more requests than max_requests allows.
 */
void
hs_check_request_budget(HsScanState *ss)
{
	int64		max = ss->opts->max_requests;

	if (max > 0 && ss->counters.requests >= max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("scan of foreign table \"%s\" would send more than " INT64_FORMAT " requests to HubSpot",
						RelationGetRelationName(ss->rel), max),
				 errdetail("The option \"max_requests\" limits the requests of one scan."),
				 errhint("Narrow the query (for example by object_id or object_type), or raise \"max_requests\" on the table or server.")));
}

/*
 * hs_check_request_estimate
 *		Refuse a scan up front when what it is about to send (more, on top
 *		of what it has sent) would pass max_requests: the error comes before
 *		HubSpot's quota is spent, not after.
 */
void
hs_check_request_estimate(HsScanState *ss, int64 more)
{
	int64		max = ss->opts->max_requests;

	if (max > 0 && ss->counters.requests + more > max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("scan of foreign table \"%s\" would send more than " INT64_FORMAT " requests to HubSpot",
						RelationGetRelationName(ss->rel), max),
				 errdetail("It would send at least " INT64_FORMAT " requests; the option \"max_requests\" limits the requests of one scan.",
						   ss->counters.requests + more),
				 errhint("Narrow the query (for example by object_id or object_type), or raise \"max_requests\" on the table or server.")));
}

/*
 * hs_send
 *		Send one request of a scan, within its budget, and count it.
 */
void
hs_send(HsScanState *ss, HsRequest *req, HsResponse *resp, int accept)
{
	ListCell   *lc;

	/* sent ahead already? (another may be taken first: a list page sent
	 * ahead while the look-ups of the records it named go out) */
	foreach(lc, ss->flights)
	{
		HsFlight   *f = (HsFlight *) lfirst(lc);

		if (hs_same_request(&f->req, req) && f->accept == accept)
		{
			int			slot = f->slot;

			ss->flights = foreach_delete_current(ss->flights, lc);
			MemoryContextDelete(f->cxt);
			pfree(f);
			hs_http_finish(ss->conn, slot, req, resp, &ss->counters, accept);
			return;
		}
	}
	hs_check_request_budget(ss);
	hs_http_execute(ss->conn, req, resp, &ss->counters, accept);
}

/*
 * hs_send_ahead_common
 *		Send a request the scan will want next, before its turn, when the
 *		plan allows (every row wanted), fewer than concurrent_requests
 *		are in flight already and the connection keeps a slot for others; a
 *		later hs_send of the same request takes its answer.  False when it
 *		was not sent.  prefetch: the scan has a page in hand that comes
 *		first.
 */
static bool
hs_send_ahead_common(HsScanState *ss, HsRequest *req, int accept, bool prefetch)
{
	HsFlight   *f;
	MemoryContext old;
	ListCell   *lc;

	foreach(lc, ss->flights)
	{
		if (hs_same_request(&((HsFlight *) lfirst(lc))->req, req))
			return true;		/* on its way already */
	}
	if (ss->conn == NULL || list_length(ss->flights) >= ss->max_ahead ||
		hs_http_free_slots(ss->conn) < 2)
		return false;
	if (ss->opts->max_requests > 0 &&
		ss->counters.requests >= ss->opts->max_requests)
		return false;			/* hs_send will say so, in its turn */

	f = MemoryContextAllocZero(ss->scan_cxt, sizeof(HsFlight));
	f->cxt = AllocSetContextCreate(ss->scan_cxt, "hubspot_fdw request ahead",
								   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(f->cxt);
	f->req = *req;
	f->req.path = pstrdup(req->path);
	f->req.body = req->body ? pstrdup(req->body) : NULL;
	f->req.what = req->what ? pstrdup(req->what) : NULL;
	f->accept = accept;
	MemoryContextSwitchTo(old);
	/* counted as ahead when something else of the scan comes first */
	if (prefetch || ss->flights != NIL)
		ss->counters.ahead++;
	f->slot = hs_http_start(ss->conn, &f->req, &ss->counters);
	old = MemoryContextSwitchTo(ss->scan_cxt);
	ss->flights = lappend(ss->flights, f);
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * hs_send_ahead
 *		Send one of several independent requests ahead (batches): the
 *		first of them is the one the scan wants now.
 */
bool
hs_send_ahead(HsScanState *ss, HsRequest *req, int accept)
{
	return hs_send_ahead_common(ss, req, accept, false);
}

/*
 * hs_prefetch
 *		Send the next page's request while the scan works on this page.
 */
bool
hs_prefetch(HsScanState *ss, HsRequest *req, int accept)
{
	return hs_send_ahead_common(ss, req, accept, true);
}

/*
 * hs_next_record_row
 *		The next record of a page of records as a row.
 */
bool
hs_next_record_row(HsScanState *ss, Datum *values, bool *nulls)
{
	struct json_object *rec;

	if (ss->next_record >= ss->page.nresults)
		return false;
	rec = hs_page_record(&ss->page, ss->next_record++);
	hs_record_to_row(ss->columns, ss->retrieved_attrs, rec, values, nulls);
	return true;
}
