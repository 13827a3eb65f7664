/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  INSERT, UPDATE and DELETE on HubSpot.
 *
 *		  CRM users (object users, 0-115): UPDATE only (HubSpot creates and
 *		  removes users through the settings API).  With RETURNING each row
 *		  is a PATCH whose answer is returned; without, rows are gathered
 *		  and sent by batch/update, 100 a request (a lone row as a PATCH).
 *		  Columns that are not properties, and properties the properties API
 *		  calls read-only, are refused before anything is sent.
 *
 *		  Settings users: INSERT is a create (POST, sendWelcomeEmail from the
 *		  table option send_welcome_email), UPDATE a PUT, DELETE a DELETE.
 *		  HubSpot's PUT keeps only the one roleId it is sent and drops a
 *		  user's other roles without notice, so before any PUT the roles a
 *		  user would lose are worked out (old role_ids minus the roleId
 *		  sent); unless allow_role_loss is set the statement is refused, and
 *		  without RETURNING every row is checked before the first PUT goes
 *		  out.  After each PUT the answer's roles are compared with the ones
 *		  expected.
 *
 *		  HubSpot has no transactions: when a statement fails part-way the
 *		  error's context says which rows HubSpot had already applied.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* The junk columns this file asks the planner for */
#define HS_JUNK_ID "hs_id"
#define HS_JUNK_WHOLEROW "wholerow"

/* Ids listed in the "already applied" context, at most */
#define HS_APPLIED_LIST_MAX 20

/* A row waiting to be sent (without RETURNING) */
typedef struct HsPendingRow
{
	char	   *id;
	List	   *fields;			/* of HsField */
	/* settings users only */
	bool		roles_known;	/* old_roles and new_role are filled */
	List	   *old_roles;		/* of char *: role ids before */
	char	   *new_role;		/* roleId to send, NULL for none */
	bool		role_given;		/* the UPDATE sets role_id */
} HsPendingRow;

/* The state of one foreign table being modified */
typedef struct HsModifyState
{
	Relation	rel;
	HsOptions  *opts;
	HsConnection *conn;
	HsColumns  *columns;
	CmdType		operation;
	List	   *target_attrs;
	List	   *all_attrs;		/* every live column */
	bool		has_returning;
	AttrNumber	id_junk;		/* in the subplan's output */
	AttrNumber	wholerow_junk;
	int			role_id_attno;	/* settings users: 0 when absent */
	int			role_ids_attno;
	const char *object_type;	/* CRM: URL segment */

	MemoryContext temp_cxt;		/* reset for every row and request */
	MemoryContext pending_cxt;	/* pending rows, reset when sent */
	MemoryContext state_cxt;	/* lives as long as the statement */
	List	   *pending;
	List	   *role_ids;		/* settings: the account's roles, once asked */
	List	   *role_names;
	bool		roles_asked;

	/* what HubSpot has applied so far */
	int64		applied;
	StringInfoData applied_ids;

	HsCounters	counters;
	ErrorContextCallback errcb;
} HsModifyState;

/*
 * hs_is_updatable
 *		IsForeignRelUpdatable: which commands a table takes, from its kind
 *		and the option "updatable" (the table's, else the server's).
 */
int
hs_is_updatable(Relation rel)
{
	HsOptions  *o = hs_table_options(RelationGetRelid(rel));

	if (!o->updatable)
		return 0;
	if (o->kind == HS_TABLE_CRM && hs_object_is_users(o->object_type))
		return (1 << CMD_UPDATE);
	if (o->kind == HS_TABLE_SETTINGS_USERS)
		return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
	return 0;
}

/*
 * hs_all_attrs
 *		Every live column of a table (what a whole-row reference reads).
 */
static List *
hs_all_attrs(Relation rel)
{
	return hs_retrieved_attrs(rel, bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber));
}

/*
 * hs_id_attno
 *		The column that holds a record's id, or 0.
 */
static int
hs_id_attno(HsColumns *columns)
{
	int			i;

	for (i = 0; i < columns->natts; i++)
	{
		HsColumn   *col = &columns->cols[i];

		if (col->dropped)
			continue;
		if (col->source == HS_COL_ID ||
			(col->source == HS_COL_FIELD && strcmp(col->remote_name, "id") == 0))
			return col->attnum;
	}
	return 0;
}

/*
 * hs_field_attno
 *		The column of a settings table filled from a field, or 0.
 */
static int
hs_field_attno(HsColumns *columns, const char *field)
{
	int			i;

	for (i = 0; i < columns->natts; i++)
	{
		HsColumn   *col = &columns->cols[i];

		if (!col->dropped && col->source == HS_COL_FIELD &&
			strcmp(col->remote_name, field) == 0)
			return col->attnum;
	}
	return 0;
}

/*
 * hs_add_update_targets
 *		AddForeignUpdateTargets: the record id as a junk column ("hs_id"),
 *		and for DELETE ... RETURNING the whole row, which HubSpot's answer
 *		to a delete does not carry.
 */
void
hs_add_update_targets(PlannerInfo *root, Index rtindex,
					  RangeTblEntry *target_rte, Relation target_relation)
{
	HsColumns  *columns;
	HsColumn   *col;
	int			attno;

	columns = hs_columns_for_relation(target_relation,
									  hs_table_options(RelationGetRelid(target_relation))->kind);
	attno = hs_id_attno(columns);
	if (attno == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no id column",
						RelationGetRelationName(target_relation)),
				 errdetail("UPDATE and DELETE name each record to HubSpot by its id."),
				 errhint("Add a column \"id\" to the foreign table.")));
	col = &columns->cols[attno - 1];
	add_row_identity_var(root,
						 makeVar(rtindex, attno, col->typid, col->typmod,
								 get_typcollation(col->typid), 0),
						 rtindex, HS_JUNK_ID);

	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		add_row_identity_var(root,
							 makeWholeRowVar(target_rte, rtindex, 0, false),
							 rtindex, HS_JUNK_WHOLEROW);
}

/*
 * hs_column_refusal
 *		Why a column cannot be written by this command, or NULL.  CRM
 *		tables write properties only; settings users write what HubSpot's
 *		create (INSERT) or PUT (UPDATE) takes.
 */
static const char *
hs_column_refusal(HsColumn *col, HsTableKind kind, CmdType op)
{
	static const char *const put_fields[] = {
		"firstName", "lastName", "roleId", "primaryTeamId",
		"secondaryTeamIds", "seatNames", NULL
	};
	int			i;

	if (kind == HS_TABLE_CRM)
	{
		switch (col->source)
		{
			case HS_COL_PROPERTY:
				return NULL;
			case HS_COL_ID:
				return "It holds the record's id, which HubSpot assigns.";
			case HS_COL_CREATED_AT:
			case HS_COL_UPDATED_AT:
				return "HubSpot sets the record's creation and modification times itself.";
			case HS_COL_ARCHIVED:
			case HS_COL_ARCHIVED_AT:
				return "Users are archived through the settings users API (DELETE on a settings_users table).";
			default:
				return "It is not a single property: write the property's own column.";
		}
	}

	if (op == CMD_INSERT && strcmp(col->remote_name, "email") == 0)
		return NULL;
	for (i = 0; put_fields[i]; i++)
		if (strcmp(col->remote_name, put_fields[i]) == 0)
			return NULL;
	if (strcmp(col->remote_name, "id") == 0)
		return "It holds the user's id, which HubSpot assigns.";
	if (strcmp(col->remote_name, "email") == 0)
		return "HubSpot's update of a user (PUT) takes no email.";
	if (strcmp(col->remote_name, "roleIds") == 0)
		return "HubSpot's API assigns one role, roleId; set role_id (a user's other roles are kept only in HubSpot's UI).";
	if (strcmp(col->remote_name, "superAdmin") == 0)
		return "HubSpot's API does not set super admin rights.";
	return "HubSpot's users API has no such field to write.";
}

/*
 * hs_plan_modify
 *		PlanForeignModify: the columns written (every column for INSERT,
 *		the updated ones for UPDATE), refused here when HubSpot cannot
 *		write them, and whether there is a RETURNING list.
 */
List *
hs_plan_modify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
			   int subplan_index)
{
	CmdType		op = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	HsTableKind kind = hs_table_options(rte->relid)->kind;
	HsColumns  *columns = hs_columns_for_relation(rel, kind);
	List	   *target_attrs = NIL;
	bool		has_returning;

	if (!(hs_is_updatable(rel) & (1 << op)))
	{
		/* the executor refuses the command itself, in its own words */
	}
	else if (op == CMD_INSERT)
		target_attrs = hs_all_attrs(rel);
	else if (op == CMD_UPDATE)
	{
		RelOptInfo *baserel = find_base_rel(root, resultRelation);
		Bitmapset  *cols = get_rel_all_updated_cols(root, baserel);
		int			col = -1;

		while ((col = bms_next_member(cols, col)) >= 0)
		{
			AttrNumber	attno = col + FirstLowInvalidHeapAttributeNumber;
			const char *why;

			if (attno <= InvalidAttrNumber)
				continue;
			why = hs_column_refusal(&columns->cols[attno - 1], kind, op);
			if (why)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("column \"%s\" of foreign table \"%s\" cannot be updated",
								columns->cols[attno - 1].attname,
								RelationGetRelationName(rel)),
						 errdetail_internal("%s", why)));
			target_attrs = lappend_int(target_attrs, attno);
		}
	}

	has_returning = plan->returningLists != NIL &&
		list_nth(plan->returningLists, subplan_index) != NIL;
	table_close(rel, NoLock);
	return list_make2(target_attrs, makeBoolean(has_returning));
}

/*
 * hs_applied_context
 *		Error context of a write: what HubSpot has already applied.
 */
static void
hs_applied_context(void *arg)
{
	HsModifyState *ms = (HsModifyState *) arg;

	switch (ms->operation)
	{
		case CMD_INSERT:
			if (ms->applied == 0)
				errcontext("no row of this statement had been created in HubSpot yet");
			else if (ms->applied == 1)
				errcontext("HubSpot has no transactions: 1 row of this statement was already created there (id %s)",
						   ms->applied_ids.data);
			else
				errcontext("HubSpot has no transactions: " INT64_FORMAT " rows of this statement were already created there (ids %s)",
						   ms->applied, ms->applied_ids.data);
			break;
		case CMD_DELETE:
			if (ms->applied == 0)
				errcontext("no row of this statement had been deleted in HubSpot yet");
			else if (ms->applied == 1)
				errcontext("HubSpot has no transactions: 1 row of this statement was already deleted there (id %s)",
						   ms->applied_ids.data);
			else
				errcontext("HubSpot has no transactions: " INT64_FORMAT " rows of this statement were already deleted there (ids %s)",
						   ms->applied, ms->applied_ids.data);
			break;
		default:
			if (ms->applied == 0)
				errcontext("no row of this statement had been updated in HubSpot yet");
			else if (ms->applied == 1)
				errcontext("HubSpot has no transactions: 1 row of this statement was already updated there (id %s)",
						   ms->applied_ids.data);
			else
				errcontext("HubSpot has no transactions: " INT64_FORMAT " rows of this statement were already updated there (ids %s)",
						   ms->applied, ms->applied_ids.data);
			break;
	}
}

/*
 * hs_note_applied
 *		Count a row HubSpot has applied, keeping the first ids for the
 *		error context.
 */
static void
hs_note_applied(HsModifyState *ms, const char *id)
{
	ms->applied++;
	if (ms->applied <= HS_APPLIED_LIST_MAX)
		appendStringInfo(&ms->applied_ids, "%s%s",
						 ms->applied > 1 ? ", " : "", id);
	else if (ms->applied == HS_APPLIED_LIST_MAX + 1)
		appendStringInfoString(&ms->applied_ids, ", ...");
}

/*
 * hs_modify_push
 *		Install the error context around a callback's work.
 */
static void
hs_modify_push(HsModifyState *ms)
{
	ms->errcb.callback = hs_applied_context;
	ms->errcb.arg = ms;
	ms->errcb.previous = error_context_stack;
	error_context_stack = &ms->errcb;
}

/*
 * hs_modify_pop
 *		Remove it.
 */
static void
hs_modify_pop(HsModifyState *ms)
{
	error_context_stack = ms->errcb.previous;
}

/*
 * hs_modify_send
 *		Send one request of a write and count it.
 */
static void
hs_modify_send(HsModifyState *ms, HsMethod method, char *path, char *body,
			   bool retry_safe, const char *what, HsResponse *resp, int accept)
{
	HsRequest	req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.body = body;
	req.retry_safe = retry_safe;
	req.what = what;
	hs_http_execute(ms->conn, &req, resp, &ms->counters, accept);
}

/*
 * hs_check_crm_properties
 *		Refuse, before anything is written, properties that the properties
 *		API calls read-only or does not know (one GET of the definitions).
 */
static void
hs_check_crm_properties(HsModifyState *ms)
{
	HsResponse	resp;
	List	   *defs;
	ListCell   *lc;

	if (ms->target_attrs == NIL)
		return;
	hs_modify_send(ms, HS_GET, psprintf("/crm/v3/properties/%s", ms->object_type),
				   NULL, true, psprintf("the properties of %s", ms->object_type),
				   &resp, 0);
	defs = hs_parse_properties(resp.body, resp.len, "the properties",
							   ms->temp_cxt, NIL);
	foreach(lc, ms->target_attrs)
	{
		HsColumn   *col = &ms->columns->cols[lfirst_int(lc) - 1];
		HsPropertyDef *found = NULL;
		ListCell   *ld;

		foreach(ld, defs)
		{
			HsPropertyDef *d = (HsPropertyDef *) lfirst(ld);

			if (strcmp(d->name, col->remote_name) == 0)
				found = d;
		}
		if (found == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("HubSpot has no property \"%s\" of %s to write",
							col->remote_name, ms->object_type),
					 errdetail("Column \"%s\" of foreign table \"%s\" names it; nothing was sent.",
							   col->attname, RelationGetRelationName(ms->rel)),
					 errhint("Check the column's option \"property\" against GET /crm/v3/properties/%s.",
							 ms->object_type)));
		if (found->read_only)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("property \"%s\" of %s is read-only in HubSpot",
							col->remote_name, ms->object_type),
					 errdetail("Column \"%s\" of foreign table \"%s\" cannot be updated; nothing was sent.",
							   col->attname, RelationGetRelationName(ms->rel)),
					 errhint("HubSpot sets this property itself; update only properties its properties API does not mark read-only or calculated.")));
	}
	MemoryContextReset(ms->temp_cxt);
}

/*
 * hs_modify_state_create
 *		The state of a write to one foreign table: options, columns,
 *		memory, the connection; set as the ResultRelInfo's FDW state.
 */
static HsModifyState *
hs_modify_state_create(EState *estate, ResultRelInfo *rinfo, CmdType operation,
					   List *target_attrs, bool has_returning)
{
	Relation	rel = rinfo->ri_RelationDesc;
	Oid			userid = rinfo->ri_RangeTableIndex > 0 ?
		hs_rte_userid(exec_rt_fetch(rinfo->ri_RangeTableIndex, estate)) : GetUserId();
	HsModifyState *ms = palloc0(sizeof(HsModifyState));

	ms->state_cxt = CurrentMemoryContext;
	ms->rel = rel;
	ms->opts = hs_get_options(RelationGetRelid(rel), userid);
	ms->operation = operation;
	ms->target_attrs = target_attrs;
	ms->has_returning = has_returning;
	ms->columns = hs_columns_for_relation(rel, ms->opts->kind);
	ms->object_type = ms->opts->object_type;
	initStringInfo(&ms->applied_ids);
	ms->all_attrs = hs_all_attrs(rel);
	if (ms->opts->kind == HS_TABLE_SETTINGS_USERS)
	{
		ms->role_id_attno = hs_field_attno(ms->columns, "roleId");
		ms->role_ids_attno = hs_field_attno(ms->columns, "roleIds");
	}
	ms->temp_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw modify row",
										 ALLOCSET_DEFAULT_SIZES);
	ms->pending_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"hubspot_fdw modify pending",
											ALLOCSET_DEFAULT_SIZES);
	ms->conn = hs_options_connection(ms->opts);
	rinfo->ri_FdwState = ms;
	return ms;
}

/*
 * hs_begin_modify
 *		BeginForeignModify: the connection, the junk columns, and for CRM
 *		updates the check of the properties written.
 */
void
hs_begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
				List *fdw_private, int subplan_index, int eflags)
{
	HsModifyState *ms;
	Plan	   *subplan;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ms = hs_modify_state_create(mtstate->ps.state, rinfo, mtstate->operation,
								(List *) list_nth(fdw_private, FdwModifyPrivateTargetAttrs),
								boolVal(list_nth(fdw_private, FdwModifyPrivateHasReturning)));
	subplan = outerPlanState(mtstate)->plan;
	if (ms->operation != CMD_INSERT)
	{
		ms->id_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, HS_JUNK_ID);
		if (!AttributeNumberIsValid(ms->id_junk))
			elog(ERROR, "could not find junk column \"%s\"", HS_JUNK_ID);
	}
	if (ms->operation == CMD_DELETE && ms->has_returning)
		ms->wholerow_junk = ExecFindJunkAttributeInTlist(subplan->targetlist,
														 HS_JUNK_WHOLEROW);

	if (ms->opts->kind == HS_TABLE_CRM && ms->operation == CMD_UPDATE)
	{
		hs_modify_push(ms);
		hs_check_crm_properties(ms);
		hs_modify_pop(ms);
	}
}

/*
 * hs_begin_insert
 *		BeginForeignInsert: COPY into a settings_users table (and rows
 *		routed to it as a partition): every column, no RETURNING.
 */
void
hs_begin_insert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	(void) hs_modify_state_create(mtstate->ps.state, rinfo, CMD_INSERT,
								  hs_all_attrs(rinfo->ri_RelationDesc),
								  rinfo->ri_returningList != NIL);
}

/*
 * hs_value_remote
 *		A column's value as HubSpot text: NULL for SQL NULL.
 */
static char *
hs_value_remote(HsColumn *col, Datum value, bool isnull)
{
	if (isnull)
		return NULL;
	return hs_datum_to_remote(value, col->typid);
}

/*
 * hs_array_remote
 *		An array column's elements as HubSpot texts (NULL elements left out).
 */
static List *
hs_array_remote(HsColumn *col, Datum value, bool isnull)
{
	Datum	   *elems;
	bool	   *enulls;
	int			n,
				i;
	List	   *out = NIL;

	if (isnull)
		return NIL;
	n = hs_array_elements(value, col->elemtypid, &elems, &enulls);
	for (i = 0; i < n; i++)
		if (!enulls[i])
			out = lappend(out, hs_datum_to_remote(elems[i], col->elemtypid));
	return out;
}

/*
 * hs_row_fields
 *		The fields to write for one row, from the columns written.  CRM
 *		properties: every written column, NULL as "" (which clears a
 *		property), an array joined with ';' (HubSpot's multi-value).
 *		Settings users: for INSERT every column with a value (columns
 *		HubSpot does not take must be NULL), for UPDATE the columns set,
 *		NULL as JSON null, arrays as JSON arrays; roleId is left to the
 *		caller.
 */
static List *
hs_row_fields(HsModifyState *ms, TupleTableSlot *slot)
{
	bool		crm = ms->opts->kind == HS_TABLE_CRM;
	List	   *fields = NIL;
	ListCell   *lc;

	foreach(lc, ms->target_attrs)
	{
		int			attno = lfirst_int(lc);
		HsColumn   *col = &ms->columns->cols[attno - 1];
		HsField    *f;
		bool		isnull;
		Datum		v = slot_getattr(slot, attno, &isnull);

		if (!crm && strcmp(col->remote_name, "roleId") == 0)
			continue;
		if (!crm && ms->operation == CMD_INSERT)
		{
			const char *why = hs_column_refusal(col, HS_TABLE_SETTINGS_USERS, CMD_INSERT);

			if (isnull)
				continue;
			if (why)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("column \"%s\" of foreign table \"%s\" cannot be set on insert",
								col->attname, RelationGetRelationName(ms->rel)),
						 errdetail_internal("%s", why),
						 errhint("Leave the column out of the INSERT (or NULL).")));
		}
		f = palloc0(sizeof(HsField));
		f->name = col->remote_name;
		if (OidIsValid(col->elemtypid) && !crm)
		{
			f->is_array = true;
			f->values = hs_array_remote(col, v, isnull);
		}
		else if (OidIsValid(col->elemtypid))
		{
			StringInfoData buf;
			ListCell   *le;

			initStringInfo(&buf);
			foreach(le, hs_array_remote(col, v, isnull))
				appendStringInfo(&buf, "%s%s", buf.len ? ";" : "", (char *) lfirst(le));
			f->value = buf.data;
		}
		else
		{
			f->value = hs_value_remote(col, v, isnull);
			if (f->value == NULL && crm)
				f->value = "";
		}
		fields = lappend(fields, f);
	}
	return fields;
}

/*
 * hs_text_field
 *		A string field for a body.
 */
static HsField *
hs_text_field(const char *name, char *value, bool is_bool)
{
	HsField    *f = palloc0(sizeof(HsField));

	f->name = name;
	f->value = value;
	f->is_bool = is_bool;
	return f;
}

/*
 * hs_answer_to_slot
 *		Store a write's answer in the slot: the columns the answer carries
 *		replace the row's own values (base: the row as written, or NULL).
 */
static TupleTableSlot *
hs_answer_to_slot(HsModifyState *ms, TupleTableSlot *slot,
				  TupleTableSlot *base, struct json_object *rec)
{
	int			natts = ms->columns->natts;
	Datum	   *values = palloc0(sizeof(Datum) * Max(natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(natts, 1));
	HeapTuple	tup;
	int			i;

	if (base)
	{
		slot_getallattrs(base);
		for (i = 0; i < natts; i++)
		{
			values[i] = base->tts_values[i];
			nulls[i] = base->tts_isnull[i];
		}
	}
	else
		memset(nulls, true, sizeof(bool) * Max(natts, 1));
	hs_record_overlay(ms->columns, ms->all_attrs, rec, values, nulls);

	/* formed before the slot is cleared: values may point into it */
	tup = heap_form_tuple(RelationGetDescr(ms->rel), values, nulls);
	ExecForceStoreHeapTuple(tup, slot, true);
	return slot;
}

/*
 * hs_junk_id
 *		The id of the row being changed, from the junk column.
 */
static char *
hs_junk_id(HsModifyState *ms, TupleTableSlot *planSlot)
{
	bool		isnull;
	Datum		v = ExecGetJunkAttribute(planSlot, ms->id_junk, &isnull);
	int			attno = hs_id_attno(ms->columns);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("row of foreign table \"%s\" has no id",
						RelationGetRelationName(ms->rel))));
	return hs_datum_to_remote(v, ms->columns->cols[attno - 1].typid);
}

/* ------------------------------------------------------------------
 * CRM users: PATCH and batch/update
 * ------------------------------------------------------------------
 */

/*
 * hs_crm_patch
 *		PATCH one CRM record; returns HubSpot's answer (in the current
 *		memory context).
 */
static struct json_object *
hs_crm_patch(HsModifyState *ms, HsPendingRow *p)
{
	HsResponse	resp;

	hs_modify_send(ms, HS_PATCH,
				   psprintf("/crm/v3/objects/%s/%s", ms->object_type,
							hs_url_encode(p->id)),
				   hs_build_fields_body(p->fields, "properties"), true,
				   psprintf("update %s %s", ms->object_type, p->id), &resp, 0);
	hs_note_applied(ms, p->id);
	return hs_json_parse(resp.body, resp.len, "the update's answer", CurrentMemoryContext);
}

/*
 * hs_crm_flush
 *		Send the pending rows: one PATCH for a lone row, else batch/update
 *		(at most 100 rows, the caller sees to that).  Ids HubSpot reports
 *		it could not find are an error.
 */
static void
hs_crm_flush(HsModifyState *ms)
{
	int			n = list_length(ms->pending);
	HsResponse	resp;
	MemoryContext old;

	if (n == 0)
		return;
	old = MemoryContextSwitchTo(ms->temp_cxt);
	if (n == 1)
		(void) hs_crm_patch(ms, (HsPendingRow *) linitial(ms->pending));
	else
	{
		List	   *ids = NIL;
		List	   *field_lists = NIL;
		List	   *missing;
		char	   *message;
		HsPage		page;
		int			i;
		ListCell   *lc;

		foreach(lc, ms->pending)
		{
			HsPendingRow *p = lfirst(lc);

			ids = lappend(ids, p->id);
			field_lists = lappend(field_lists, p->fields);
		}
		hs_modify_send(ms, HS_POST,
					   psprintf("/crm/v3/objects/%s/batch/update", ms->object_type),
					   hs_build_batch_update_body(ids, field_lists), true,
					   psprintf("batch update of %d %s", n, ms->object_type),
					   &resp, HS_ACCEPT_207);
		hs_page_parse(&page, resp.body, resp.len, "results", "the batch update answer",
					  ms->temp_cxt);
		for (i = 0; i < page.nresults; i++)
		{
			char	   *id = hs_record_id(hs_page_record(&page, i));

			if (id)
				hs_note_applied(ms, id);
		}
		if (resp.status == 207)
		{
			StringInfoData list;

			hs_parse_batch_errors(resp.body, resp.len, &message, &missing);
			initStringInfo(&list);
			foreach(lc, missing)
				appendStringInfo(&list, "%s%s", list.len ? ", " : "", (char *) lfirst(lc));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("HubSpot updated %d of the %d %s of a batch",
							page.nresults, n, ms->object_type),
					 errdetail("HubSpot: %s Ids not updated: %s.",
							   message ? message : "(no message)",
							   list.len ? list.data : "(none named)"),
					 errhint("The records may have been deleted since they were read; run the statement again.")));
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(ms->temp_cxt);
	MemoryContextReset(ms->pending_cxt);
	ms->pending = NIL;
}


/* ------------------------------------------------------------------
 * Settings users: create, PUT that never loses a role, delete
 * ------------------------------------------------------------------
 */

/*
 * hs_role_label
 *		A role as "id (name)"; the account's roles are asked once per
 *		statement, and only when a role is to be named.
 */
static char *
hs_role_label(HsModifyState *ms, const char *role)
{
	ListCell   *li,
			   *ln;

	if (!ms->roles_asked)
	{
		HsResponse	resp;
		MemoryContext old = MemoryContextSwitchTo(ms->state_cxt);

		ms->roles_asked = true;
		hs_modify_send(ms, HS_GET, pstrdup("/settings/v3/users/roles"), NULL, true,
					   "list roles", &resp, 0);
		hs_parse_id_names(resp.body, resp.len, "the roles", ms->state_cxt,
						  &ms->role_ids, &ms->role_names);
		MemoryContextSwitchTo(old);
	}
	forboth(li, ms->role_ids, ln, ms->role_names)
	{
		if (strcmp((char *) lfirst(li), role) == 0)
			return psprintf("%s (%s)", role, (char *) lfirst(ln));
	}
	return pstrdup(role);
}

/*
 * hs_role_list
 *		Roles as "1 (Admin), 2 (Sales)".
 */
static char *
hs_role_list(HsModifyState *ms, List *roles)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, roles)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
						 hs_role_label(ms, (char *) lfirst(lc)));
	return buf.len ? buf.data : pstrdup("none");
}

/*
 * hs_settings_roles
 *		What a PUT does to a user's roles: the roles before (the row's
 *		role_ids, or HubSpot's when the table has no such column) and the
 *		roleId to send (the new role_id, else the current one).
 */
static void
hs_settings_roles(HsModifyState *ms, TupleTableSlot *slot, HsPendingRow *p)
{
	bool		isnull;
	bool		need_get = (ms->role_ids_attno == 0 || ms->role_id_attno == 0);
	char	   *cur_role = NULL;
	ListCell   *lc;

	p->old_roles = NIL;
	p->new_role = NULL;
	p->role_given = false;
	foreach(lc, ms->target_attrs)
		if (lfirst_int(lc) == ms->role_id_attno)
			p->role_given = true;

	if (need_get)
	{
		HsResponse	resp;
		struct json_object *rec;

		hs_modify_send(ms, HS_GET,
					   psprintf("/settings/v3/users/%s", hs_url_encode(p->id)),
					   NULL, true, psprintf("get user %s", p->id), &resp, 0);
		rec = hs_json_parse(resp.body, resp.len, "the user", CurrentMemoryContext);
		p->old_roles = hs_json_string_list(rec, "roleIds");
		cur_role = hs_json_get_str(rec, "roleId");
	}
	if (ms->role_ids_attno)
	{
		Datum		v = slot_getattr(slot, ms->role_ids_attno, &isnull);

		p->old_roles = hs_array_remote(&ms->columns->cols[ms->role_ids_attno - 1],
									   v, isnull);
	}
	if (ms->role_id_attno)
	{
		Datum		v = slot_getattr(slot, ms->role_id_attno, &isnull);

		p->new_role = hs_value_remote(&ms->columns->cols[ms->role_id_attno - 1],
									  v, isnull);
	}
	else
		p->new_role = cur_role;
	p->roles_known = true;
}

/*
 * hs_lost_roles
 *		The roles a user holds that a PUT sending new_role drops without
 *		being asked to: setting role_id of a user with one role replaces
 *		that role, which is what the UPDATE says.
 */
static List *
hs_lost_roles(HsPendingRow *p)
{
	List	   *lost = NIL;
	ListCell   *lc;

	if (p->role_given && list_length(p->old_roles) <= 1)
		return NIL;

	foreach(lc, p->old_roles)
	{
		char	   *r = (char *) lfirst(lc);

		if (p->new_role == NULL || strcmp(r, p->new_role) != 0)
			lost = lappend(lost, r);
	}
	return lost;
}

/*
 * hs_check_role_loss
 *		Refuse a PUT that would drop roles (unless allow_role_loss), before
 *		anything of it is sent; others names how many more users would
 *		lose roles in the same statement.
 */
static void
hs_check_role_loss(HsModifyState *ms, HsPendingRow *p, int others)
{
	List	   *lost = hs_lost_roles(p);
	char	   *lost_text;
	char	   *kept;

	if (lost == NIL || ms->opts->allow_role_loss)
		return;
	/* name the roles before the error starts (this may ask HubSpot) */
	lost_text = hs_role_list(ms, lost);
	kept = p->new_role ? hs_role_label(ms, p->new_role) : pstrdup("none");
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg_plural("update of settings user %s would remove its role %s",
						   "update of settings user %s would remove its roles %s",
						   list_length(lost), p->id, lost_text),
			 others == 0 ?
			 errdetail("HubSpot's update of a user (PUT) keeps only the one roleId it is sent (%s) and silently drops the user's other roles. No update was sent.",
					   kept) :
			 errdetail_plural("HubSpot's update of a user (PUT) keeps only the one roleId it is sent (%s) and silently drops the user's other roles. No update was sent; %d other user of this statement would lose roles too.",
							  "HubSpot's update of a user (PUT) keeps only the one roleId it is sent (%s) and silently drops the user's other roles. No update was sent; %d other users of this statement would lose roles too.",
							  others, kept, others),
			 errhint("Leave users with several roles out of the UPDATE and change them in HubSpot's UI, or set the foreign table's option allow_role_loss to true to drop those roles knowingly.")));
}

/*
 * hs_settings_put
 *		PUT one settings user (roleId always sent when it has one), report
 *		each role dropped under allow_role_loss, and compare the answer's
 *		roles with the ones expected.  Returns the answer.
 */
static struct json_object *
hs_settings_put(HsModifyState *ms, HsPendingRow *p)
{
	HsResponse	resp;
	List	   *fields = list_copy(p->fields);
	List	   *lost = hs_lost_roles(p);
	List	   *got;
	struct json_object *rec;
	bool		same;
	ListCell   *lc;

	if (p->new_role)
		fields = lappend(fields, hs_text_field("roleId", p->new_role, false));
	hs_modify_send(ms, HS_PUT,
				   psprintf("/settings/v3/users/%s", hs_url_encode(p->id)),
				   hs_build_fields_body(fields, NULL), true,
				   psprintf("update user %s", p->id), &resp, 0);
	hs_note_applied(ms, p->id);
	rec = hs_json_parse(resp.body, resp.len, "the user's update answer",
						CurrentMemoryContext);

	foreach(lc, lost)
	{
		char	   *label = hs_role_label(ms, (char *) lfirst(lc));

		ereport(WARNING,
				(errmsg("settings user %s lost role %s", p->id, label),
				 errdetail("HubSpot's PUT keeps only the roleId it is sent; allow_role_loss is on.")));
	}

	/* the answer's roles against the ones expected */
	got = hs_json_string_list(rec, "roleIds");
	same = (list_length(got) == (p->new_role ? 1 : 0));
	if (same && p->new_role)
		same = strcmp((char *) linitial(got), p->new_role) == 0;
	if (!same)
	{
		char	   *got_text = hs_role_list(ms, got);
		char	   *want = p->new_role ? hs_role_label(ms, p->new_role) : pstrdup("none");

		ereport(WARNING,
				(errmsg("HubSpot answered roles %s for settings user %s, expected %s",
						got_text, p->id, want),
				 errhint("Check the user's roles in HubSpot's UI.")));
	}
	return rec;
}

/*
 * hs_settings_flush
 *		Send the pending PUTs, after every one of them has passed the
 *		role-loss check.
 */
static void
hs_settings_flush(HsModifyState *ms)
{
	ListCell   *lc;
	int			refused = 0;
	HsPendingRow *first = NULL;

	foreach(lc, ms->pending)
	{
		HsPendingRow *p = lfirst(lc);

		if (hs_lost_roles(p) != NIL)
		{
			if (first == NULL)
				first = p;
			refused++;
		}
	}
	if (first)
		hs_check_role_loss(ms, first, refused - 1);
	foreach(lc, ms->pending)
	{
		MemoryContext old = MemoryContextSwitchTo(ms->temp_cxt);

		(void) hs_settings_put(ms, (HsPendingRow *) lfirst(lc));
		MemoryContextSwitchTo(old);
		MemoryContextReset(ms->temp_cxt);
	}
	MemoryContextReset(ms->pending_cxt);
	ms->pending = NIL;
}

/*
 * hs_update_row
 *		One row of an UPDATE.  With RETURNING it is sent now (CRM: a
 *		PATCH; settings users: checked for lost roles, then PUT) and
 *		HubSpot's answer returned.  Without, it is kept: CRM rows go by
 *		batch/update 100 at a time (batch/update refuses an id twice, so a
 *		repeated id sends what is kept first); settings users when every
 *		row is known and checked (hs_settings_flush).
 */
static TupleTableSlot *
hs_update_row(HsModifyState *ms, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	bool		crm = ms->opts->kind == HS_TABLE_CRM;
	MemoryContext old;
	HsPendingRow *p;

	if (ms->has_returning)
	{
		struct json_object *rec;

		MemoryContextReset(ms->temp_cxt);
		old = MemoryContextSwitchTo(ms->temp_cxt);
		p = palloc0(sizeof(HsPendingRow));
		p->id = hs_junk_id(ms, planSlot);
		p->fields = hs_row_fields(ms, slot);
		if (crm)
			rec = hs_crm_patch(ms, p);
		else
		{
			hs_settings_roles(ms, slot, p);
			hs_check_role_loss(ms, p, 0);
			rec = hs_settings_put(ms, p);
		}
		MemoryContextSwitchTo(old);
		return hs_answer_to_slot(ms, slot, slot, rec);
	}

	if (crm)
	{
		char	   *id;
		ListCell   *lc;

		MemoryContextReset(ms->temp_cxt);
		old = MemoryContextSwitchTo(ms->temp_cxt);
		id = hs_junk_id(ms, planSlot);
		MemoryContextSwitchTo(old);
		foreach(lc, ms->pending)
		{
			if (strcmp(((HsPendingRow *) lfirst(lc))->id, id) == 0)
			{
				hs_crm_flush(ms);
				break;
			}
		}
	}
	old = MemoryContextSwitchTo(ms->pending_cxt);
	p = palloc0(sizeof(HsPendingRow));
	p->id = hs_junk_id(ms, planSlot);
	p->fields = hs_row_fields(ms, slot);
	if (!crm)
		hs_settings_roles(ms, slot, p);
	ms->pending = lappend(ms->pending, p);
	MemoryContextSwitchTo(old);
	if (crm && list_length(ms->pending) >= HS_BATCH_UPDATE_MAX)
		hs_crm_flush(ms);
	return slot;
}

/*
 * hs_exec_insert
 *		ExecForeignInsert: create a settings user; RETURNING gives
 *		HubSpot's answer.
 */
TupleTableSlot *
hs_exec_insert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
			   TupleTableSlot *planSlot)
{
	HsModifyState *ms = (HsModifyState *) rinfo->ri_FdwState;
	MemoryContext old;
	List	   *fields;
	HsResponse	resp;
	struct json_object *rec;
	char	   *id;

	hs_modify_push(ms);
	MemoryContextReset(ms->temp_cxt);
	old = MemoryContextSwitchTo(ms->temp_cxt);
	fields = hs_row_fields(ms, slot);
	if (ms->role_id_attno)
	{
		bool		isnull;
		Datum		v = slot_getattr(slot, ms->role_id_attno, &isnull);

		if (!isnull)
			fields = lappend(fields,
							 hs_text_field("roleId",
										   hs_value_remote(&ms->columns->cols[ms->role_id_attno - 1],
														   v, false), false));
	}
	fields = lappend(fields,
					 hs_text_field("sendWelcomeEmail",
								   ms->opts->send_welcome_email ? "true" : "false", true));
	hs_modify_send(ms, HS_POST, pstrdup("/settings/v3/users/"),
				   hs_build_fields_body(fields, NULL), false, "create user",
				   &resp, 0);
	rec = hs_json_parse(resp.body, resp.len, "the user's create answer", ms->temp_cxt);
	id = hs_record_id(rec);
	hs_note_applied(ms, id ? id : "?");
	MemoryContextSwitchTo(old);
	if (ms->has_returning)
		slot = hs_answer_to_slot(ms, slot, slot, rec);
	hs_modify_pop(ms);
	return slot;
}

/*
 * hs_exec_update
 *		ExecForeignUpdate: one row (hs_update_row).
 */
TupleTableSlot *
hs_exec_update(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
			   TupleTableSlot *planSlot)
{
	HsModifyState *ms = (HsModifyState *) rinfo->ri_FdwState;

	hs_modify_push(ms);
	slot = hs_update_row(ms, slot, planSlot);
	hs_modify_pop(ms);
	return slot;
}

/*
 * hs_exec_delete
 *		ExecForeignDelete: delete a settings user; RETURNING gives the row
 *		as it was read (HubSpot answers a delete with no body).
 */
TupleTableSlot *
hs_exec_delete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
			   TupleTableSlot *planSlot)
{
	HsModifyState *ms = (HsModifyState *) rinfo->ri_FdwState;
	MemoryContext old;
	HsResponse	resp;
	char	   *id;

	hs_modify_push(ms);
	MemoryContextReset(ms->temp_cxt);
	old = MemoryContextSwitchTo(ms->temp_cxt);
	id = hs_junk_id(ms, planSlot);
	hs_modify_send(ms, HS_DELETE,
				   psprintf("/settings/v3/users/%s", hs_url_encode(id)), NULL, false,
				   psprintf("delete user %s", id), &resp, 0);
	hs_note_applied(ms, id);
	MemoryContextSwitchTo(old);

	if (ms->has_returning && AttributeNumberIsValid(ms->wholerow_junk))
	{
		bool		isnull;
		Datum		whole = ExecGetJunkAttribute(planSlot, ms->wholerow_junk, &isnull);

		if (!isnull)
		{
			HeapTupleHeader td = DatumGetHeapTupleHeader(whole);
			HeapTupleData tup;

			tup.t_len = HeapTupleHeaderGetDatumLength(td);
			ItemPointerSetInvalid(&tup.t_self);
			tup.t_tableOid = RelationGetRelid(ms->rel);
			tup.t_data = td;
			ExecForceStoreHeapTuple(heap_copytuple(&tup), slot, true);
		}
	}
	hs_modify_pop(ms);
	return slot;
}

/*
 * hs_end_modify
 *		EndForeignModify: send what is pending, add the counters to the
 *		backend's.
 */
void
hs_end_modify(EState *estate, ResultRelInfo *rinfo)
{
	HsModifyState *ms = (HsModifyState *) rinfo->ri_FdwState;

	if (ms == NULL)
		return;
	hs_modify_push(ms);
	if (ms->opts->kind == HS_TABLE_CRM)
		hs_crm_flush(ms);
	else if (ms->pending != NIL)
		hs_settings_flush(ms);
	hs_modify_pop(ms);
	hs_counters_add(hs_server_counters(ms->conn->serverid), &ms->counters);
	rinfo->ri_FdwState = NULL;
}

/*
 * hs_explain_modify
 *		ExplainForeignModify: the requests a write sends, and with ANALYZE
 *		what it has sent so far (a batch still pending goes out when the
 *		statement ends, after EXPLAIN has printed).
 */
void
hs_explain_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
				  List *fdw_private, int subplan_index, ExplainState *es)
{
	HsOptions  *o = hs_table_options(RelationGetRelid(rinfo->ri_RelationDesc));
	bool		has_returning = boolVal(list_nth(fdw_private, FdwModifyPrivateHasReturning));
	HsTableKind kind = o->kind;
	char	   *object_type = o->object_type;
	bool		allow_role_loss = o->allow_role_loss;
	char	   *what;

	if (kind == HS_TABLE_CRM)
		what = has_returning ?
			psprintf("PATCH /crm/v3/objects/%s/{id} per row", object_type) :
			psprintf("POST /crm/v3/objects/%s/batch/update per %d rows (PATCH /crm/v3/objects/%s/{id} for a lone row)",
					 object_type, HS_BATCH_UPDATE_MAX, object_type);
	else if (mtstate->operation == CMD_INSERT)
		what = pstrdup("POST /settings/v3/users/ per row");
	else if (mtstate->operation == CMD_DELETE)
		what = pstrdup("DELETE /settings/v3/users/{id} per row");
	else
		what = psprintf("PUT /settings/v3/users/{id} per row, %s",
						allow_role_loss ? "roles lost reported (allow_role_loss)" :
						has_returning ? "refused for a user who would lose a role" :
						"after every row is checked for roles it would lose");
	ExplainPropertyText("HubSpot Write", what, es);
	if (es->analyze && rinfo->ri_FdwState)
		hs_explain_counters(&((HsModifyState *) rinfo->ri_FdwState)->counters, es);
}
