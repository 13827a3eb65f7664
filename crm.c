/*-------------------------------------------------------------------------
 *
 * crm.c
 *		  The CRM object tables (users, contacts, companies, deals, tickets,
 *		  custom types): which properties to ask for, and the pages of each
 *		  scan method: the list cursor, a record by id, batch reads of 100
 *		  ids, and search, which goes on past HubSpot's 10,000-result cap by
 *		  starting over above the last id seen.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "utils/memutils.h"
#include "commands/explain.h"
#include "nodes/bitmapset.h"
#include "nodes/value.h"
#include "utils/hsearch.h"
#include "utils/rel.h"

/*
 * hs_crm_properties
 *		The properties a scan asks for: those of the referenced columns (all
 *		property columns when the "properties" jsonb column is referenced),
 *		or hs_object_id alone when no property is needed, so that HubSpot
 *		does not send its defaults.
 */
static List *
hs_crm_properties(Oid relid, Bitmapset *attrs_used, HsOptions *opts)
{
	Relation	rel = table_open(relid, NoLock);
	HsColumns  *columns = hs_columns_for_relation(rel, HS_TABLE_CRM);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);
	bool		all = whole_row;
	List	   *props = NIL;
	int			i;

	for (i = 0; i < columns->natts; i++)
	{
		HsColumn   *col = &columns->cols[i];

		if (!col->dropped && col->source == HS_COL_PROPERTIES_JSON &&
			bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber, attrs_used))
			all = true;
	}
	for (i = 0; i < columns->natts; i++)
	{
		HsColumn   *col = &columns->cols[i];
		ListCell   *lc;
		bool		dup = false;

		if (col->dropped || col->source != HS_COL_PROPERTY)
			continue;
		if (!all && !bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber,
								   attrs_used))
			continue;
		foreach(lc, props)
		{
			if (strcmp(strVal(lfirst(lc)), col->remote_name) == 0)
				dup = true;
		}
		if (!dup)
			props = lappend(props, makeString(col->remote_name));
	}
	table_close(rel, NoLock);
	if (props == NIL)
		props = list_make1(makeString("hs_object_id"));
	return props;
}

/*
 * hs_crm_page_size
 *		Rows to ask for in the next page: the endpoint's maximum, or what
 *		is left of the limit.
 */
static int
hs_crm_page_size(HsScanState *ss, int max)
{
	if (ss->limit >= 0)
	{
		int64		left = ss->limit - ss->counters.rows;

		return (int) Max(Min(left, max), 1);
	}
	return max;
}

/*
 * hs_check_cursor
 *		A cursor that does not move is an error, never the end.
 */
void
hs_check_cursor(const char *next, const char *sent, const HsRequest *req)
{
	if (next && sent && strcmp(next, sent) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("HubSpot's paging cursor did not move"),
				 errdetail("The answer to %s %s gave back the cursor \"%s\" it was sent.",
						   hs_method_name(req->method), req->what, sent),
				 errhint("This is a fault at HubSpot; retry the query later.")));
}

/*
 * hs_crm_take_cursor
 *		Keep a page's next cursor.
 */
static void
hs_crm_take_cursor(HsScanState *ss, HsRequest *req)
{
	hs_check_cursor(ss->page.next_after, ss->after, req);
	ss->after = ss->page.next_after ?
		MemoryContextStrdup(ss->scan_cxt, ss->page.next_after) : NULL;
	if (ss->after == NULL)
		ss->done = true;
}

/*
 * hs_crm_list_page
 *		Fetch one page of a CRM object's list (limit records from the cursor
 *		*after, NULL for the first) into page, in the current memory
 *		context; *after becomes the next cursor, allocated in after_cxt, or
 *		NULL after the last page.
 */
void
hs_crm_list_page(HsScanState *ss, const char *type, List *properties,
				 int limit, char **after, MemoryContext after_cxt, HsPage *page)
{
	HsRequest	req;
	HsResponse	resp;

	memset(&req, 0, sizeof(req));
	req.retry_safe = true;
	req.method = HS_GET;
	req.path = hs_build_list_path(type, properties, limit, *after);
	req.what = psprintf("the list of %s", type);
	hs_send(ss, &req, &resp, 0);
	hs_page_parse(page, resp.body, resp.len, "results", req.what,
				  CurrentMemoryContext);
	hs_check_cursor(page->next_after, *after, &req);
	*after = page->next_after ? MemoryContextStrdup(after_cxt, page->next_after) : NULL;

	/* prefetch: the next page travels while Postgres works on this one */
	if (*after && ss->max_ahead > 0)
	{
		req.path = hs_build_list_path(type, properties, limit, *after);
		(void) hs_prefetch(ss, &req, 0);
	}
}

/*
 * hs_crm_count
 *		How many records of a CRM object there are: the total of a search
 *		for one record.  Archived records are counted by neither this nor
 *		the list.
 */
int64
hs_crm_count(HsScanState *ss, const char *type)
{
	HsRequest	req;
	HsResponse	resp;
	HsPage		page;
	int64		total;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw count",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	memset(&req, 0, sizeof(req));
	req.retry_safe = true;
	req.search = true;
	req.method = HS_POST;
	req.path = psprintf("/crm/v3/objects/%s/search", type);
	req.body = hs_build_search_body(NIL, NIL, list_make1(makeString("hs_object_id")),
									1, NULL, NULL, false, NIL);
	req.what = psprintf("a count of %s", type);
	hs_send(ss, &req, &resp, 0);
	hs_page_parse(&page, resp.body, resp.len, "results", req.what, cxt);
	total = page.total >= 0 ? page.total : page.nresults;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return total;
}

/*
 * What a CRM scan remembers of the ids it has received, to drop a record
 * HubSpot sends twice: a search pages by offset, so a record added or
 * moved ahead of the offset while the scan pages repeats the end of the
 * page before.  Scans whose order can change (a pushed sort) and batch
 * reads keep every id (HubSpot caps a sorted search at 10,000 results, a
 * batch scan's ids are in memory anyway); the others keep the ids of the
 * current and the previous page only, so that memory stays constant.
 */
typedef struct HsCrmSeen
{
	HTAB	   *all;			/* every id of the scan, or NULL */
	HTAB	   *cur;			/* ids of this page */
	HTAB	   *prev;			/* ids of the page before */
	int64		max_id;			/* highest id so far (id-ordered searches) */
} HsCrmSeen;

/*
 * hs_crm_id_set
 *		A new, empty set of record ids in the scan's kind memory.
 */
static HTAB *
hs_crm_id_set(HsScanState *ss, long size)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(int64);
	ctl.hcxt = ss->kind_cxt;
	return hash_create("hubspot_fdw ids", size, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * hs_crm_drop_repeats
 *		Take out of the page the records the scan has had already.  In a
 *		search in id order, a record below the highest id seen that is not
 *		a repeat of the last two pages means the results moved by more
 *		than a page: an error, never a silent gap or repeat.
 */
static void
hs_crm_drop_repeats(HsScanState *ss, const char *what)
{
	HsCrmSeen  *seen = (HsCrmSeen *) ss->kind_state;
	bool		keep_all = ss->method == HS_SCAN_BATCH ||
		(ss->method == HS_SCAN_SEARCH && ss->sorts != NIL);
	bool		id_ordered = ss->method == HS_SCAN_SEARCH && !keep_all;
	int			i;

	if (ss->method == HS_SCAN_GET || ss->page.nresults == 0)
		return;
	if (seen == NULL)
	{
		seen = MemoryContextAllocZero(ss->kind_cxt, sizeof(HsCrmSeen));
		seen->max_id = -1;
		if (keep_all)
			seen->all = hs_crm_id_set(ss, 1024);
		ss->kind_state = seen;
	}
	if (!keep_all)
	{
		if (seen->prev)
			hash_destroy(seen->prev);
		seen->prev = seen->cur;
		seen->cur = hs_crm_id_set(ss, ss->page.nresults);
	}

	for (i = 0; i < ss->page.nresults;)
	{
		char	   *idtext = hs_record_id(hs_page_record(&ss->page, i));
		char	   *end;
		int64		id;
		bool		found = false;

		if (idtext == NULL)
		{
			i++;
			continue;
		}
		errno = 0;
		id = strtoll(idtext, &end, 10);
		if (errno != 0 || *end != '\0' || end == idtext)
		{
			i++;				/* not a number: nothing to compare */
			continue;
		}
		if (keep_all)
			(void) hash_search(seen->all, &id, HASH_ENTER, &found);
		else
		{
			bool		in_prev = false;

			/* a repeat of the page before stays known for the next page */
			if (seen->prev)
				(void) hash_search(seen->prev, &id, HASH_FIND, &in_prev);
			(void) hash_search(seen->cur, &id, HASH_ENTER, &found);
			found = found || in_prev;
		}
		if (found)
		{
			hs_page_drop_record(&ss->page, i);
			ss->counters.repeats++;
			continue;
		}
		if (id_ordered && id < seen->max_id)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("HubSpot's results moved while the scan paged through them"),
					 errdetail("The answer to %s sent record %s after record " INT64_FORMAT ", out of id order.",
							   what, idtext, seen->max_id),
					 errhint("Records changed in HubSpot during the query; retry it.")));
		seen->max_id = Max(seen->max_id, id);
		i++;
	}
}

/*
 * hs_crm_count_page
 *		Drop the records sent twice (what: the request, for errors), count
 *		a page's rows, and remember its last id.
 */
static void
hs_crm_count_page(HsScanState *ss, const char *what)
{
	hs_crm_drop_repeats(ss, what);
	ss->counters.pages++;
	ss->counters.rows += ss->page.nresults;
	if (ss->page.nresults > 0)
	{
		char	   *id = hs_record_id(hs_page_record(&ss->page, ss->page.nresults - 1));

		ss->last_id = id ? MemoryContextStrdup(ss->scan_cxt, id) : NULL;
	}
}

/*
 * hs_crm_id_order
 *		Id order: what lets a search go on past 10,000 results.
 */
static List *
hs_crm_id_order(void)
{
	return list_make1(list_make2(makeString("hs_object_id"), makeString("ASCENDING")));
}

/*
 * hs_crm_has_phases
 *		True when a pushed sort is on a property that may have no value.
 */
static bool
hs_crm_has_phases(HsScanState *ss)
{
	return ss->sorts != NIL &&
		strcmp(strVal(linitial((List *) linitial(ss->sorts))), "hs_object_id") != 0;
}

/*
 * hs_crm_phase
 *		The sort of the current search, and its extra filter.  A pushed
 *		sort runs in two phases, because Postgres puts NULLs last in
 *		ascending order (first in descending) and HubSpot's place for
 *		records without a value is not documented: the records with a
 *		value (HAS_PROPERTY, in the sort's order) and those without
 *		(NOT_HAS_PROPERTY, in id order), in the order the NULLs belong.
 *		Without a pushed sort, id order.
 */
static List *
hs_crm_phase(HsScanState *ss, List **extra)
{
	List	   *sort;
	bool		nulls_first;
	bool		nulls_now;

	if (ss->sorts == NIL)
		return hs_crm_id_order();
	if (!hs_crm_has_phases(ss))
		return ss->sorts;
	sort = (List *) linitial(ss->sorts);
	nulls_first = intVal(lthird(sort)) != 0;
	nulls_now = (ss->phase == 0) == nulls_first;
	*extra = lappend(*extra, hs_make_filter(strVal(linitial(sort)),
											nulls_now ? "NOT_HAS_PROPERTY" : "HAS_PROPERTY",
											NULL));
	return nulls_now ? hs_crm_id_order() :
		list_make1(list_make2(linitial(sort), lsecond(sort)));
}

/*
 * hs_crm_batch_request
 *		The batch read of the (up to) 100 ids from position pos; returns
 *		the position after them.
 */
static int
hs_crm_batch_request(HsScanState *ss, int pos, HsRequest *req)
{
	const char *type = ss->opts->object_type;
	int			n = list_length(ss->id_texts);
	List	   *chunk = NIL;

	while (pos < n && list_length(chunk) < HS_BATCH_READ_MAX)
		chunk = lappend(chunk, list_nth(ss->id_texts, pos++));
	memset(req, 0, sizeof(*req));
	req->retry_safe = true;
	req->method = HS_POST;
	req->path = psprintf("/crm/v3/objects/%s/batch/read?archived=false", type);
	req->body = hs_build_batch_read_body(chunk, ss->properties);
	req->what = psprintf("a batch read of %s", type);
	return pos;
}

/*
 * hs_crm_search_request
 *		The search of the next page from the scan's state: its phase's sort
 *		and filters, the ids above the last one seen, the cursor (filters
 *		with parameters left out when the body would pass HubSpot's limit;
 *		Postgres checks them again).
 */
static void
hs_crm_search_request(HsScanState *ss, int size, HsRequest *req)
{
	const char *type = ss->opts->object_type;
	List	   *extra = NIL;
	List	   *sorts = hs_crm_phase(ss, &extra);

	if (ss->id_above)
		extra = lappend(extra, hs_make_filter("hs_object_id", "GT", ss->id_above));
	memset(req, 0, sizeof(*req));
	req->retry_safe = true;
	req->method = HS_POST;
	req->search = true;
	req->path = psprintf("/crm/v3/objects/%s/search", type);
	req->body = hs_build_search_body(ss->groups, sorts, ss->properties,
									 size, ss->after, ss->params,
									 false, extra);
	if (strlen(req->body) > HS_SEARCH_BODY_MAX)
		req->body = hs_build_search_body(ss->groups, sorts, ss->properties,
										 size, ss->after, ss->params,
										 true, extra);
	req->what = psprintf("a search of %s", type);
}

/*
 * hs_crm_next_page
 *		Fetch the next page of a CRM scan.
 */
static bool
hs_crm_next_page(HsScanState *ss)
{
	HsRequest	req;
	HsResponse	resp;
	const char *type = ss->opts->object_type;

	memset(&req, 0, sizeof(req));
	req.retry_safe = true;
	if (ss->limit >= 0 && ss->counters.rows >= ss->limit)
		return false;

	switch (ss->method)
	{
		case HS_SCAN_EMPTY:
			return false;

		case HS_SCAN_LIST:
			hs_crm_list_page(ss, type, ss->properties,
							 hs_crm_page_size(ss, HS_LIST_PAGE_MAX),
							 &ss->after, ss->scan_cxt, &ss->page);
			hs_crm_count_page(ss, psprintf("the list of %s", type));
			if (ss->after == NULL)
				ss->done = true;
			return true;

		case HS_SCAN_GET:
			if (ss->id_pos == 0)
				ss->id_texts = hs_scan_ids(ss);
			if (ss->id_pos >= list_length(ss->id_texts))
				return false;
			req.method = HS_GET;
			req.path = hs_build_get_path(type, list_nth(ss->id_texts, ss->id_pos),
										 ss->properties);
			req.what = psprintf("%s record %s", type,
								(char *) list_nth(ss->id_texts, ss->id_pos));
			ss->id_pos++;
			hs_send(ss, &req, &resp, HS_ACCEPT_404);
			if (resp.status == 404)
			{
				ss->page.nresults = 0;
				ss->page.results = NULL;
				return true;
			}
			hs_page_parse(&ss->page, resp.body, resp.len, NULL, req.what,
						  ss->page_cxt);
			hs_crm_count_page(ss, req.what);
			return true;

		case HS_SCAN_BATCH:
			{
				int			n;

				if (ss->id_pos == 0 && ss->id_texts == NIL)
					ss->id_texts = hs_scan_ids(ss);
				n = list_length(ss->id_texts);
				if (ss->id_pos >= n)
					return false;

				/*
				 * The batches are independent: several in flight at once
				 * (those on their way already are not sent again).
				 */
				if (ss->max_ahead > 0)
				{
					int			pos = ss->id_pos;

					while (pos < n)
					{
						int			next = hs_crm_batch_request(ss, pos, &req);

						if (!hs_send_ahead(ss, &req, HS_ACCEPT_207))
							break;
						pos = next;
					}
				}
				ss->id_pos = hs_crm_batch_request(ss, ss->id_pos, &req);
				hs_send(ss, &req, &resp, HS_ACCEPT_207);
				hs_page_parse(&ss->page, resp.body, resp.len, "results", req.what,
							  ss->page_cxt);
				hs_crm_count_page(ss, req.what);
				return true;
			}

		case HS_SCAN_SEARCH:
			{
				int			size = hs_crm_page_size(ss, HS_SEARCH_PAGE_MAX);
				int			raw;

				/*
				 * HubSpot refuses to page past 10,000 results.  A search in
				 * id order pages by id (below) and never meets the cap; a
				 * pushed sort (only with a LIMIT within the cap) cannot
				 * pass it either, so this is a guard.
				 */
				if (ss->after && ss->consumed + size > HS_SEARCH_RESULT_CAP)
				{
					if (ss->sorts != NIL || ss->last_id == NULL)
						ereport(ERROR,
								(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
								 errmsg("HubSpot search of %s matched more than %d records",
										type, HS_SEARCH_RESULT_CAP),
								 errhint("Remove the ORDER BY, or narrow the query.")));
					ss->id_above = ss->last_id;
					ss->after = NULL;
					ss->consumed = 0;
				}
				hs_crm_search_request(ss, size, &req);
				hs_send(ss, &req, &resp, 0);
				hs_page_parse(&ss->page, resp.body, resp.len, "results", req.what,
							  ss->page_cxt);
				raw = ss->page.nresults;
				hs_crm_count_page(ss, req.what);
				ss->consumed += raw;	/* HubSpot's offset counts repeats */
				hs_crm_take_cursor(ss, &req);

				/*
				 * A search in id order pages by id, not by HubSpot's
				 * offset: the next page asks for the ids above the last
				 * one seen.  Records added or removed ahead of the offset
				 * while the scan pages then neither come twice nor go
				 * missing, and the 10,000 cap never applies.
				 */
				if (ss->sorts == NIL && !ss->done && ss->last_id != NULL)
				{
					ss->id_above = ss->last_id;
					ss->after = NULL;
					ss->consumed = 0;
				}
				if (ss->done && ss->phase == 0 && hs_crm_has_phases(ss))
				{
					/* the other side of the sort's NULLs */
					ss->phase = 1;
					ss->done = false;
					ss->after = NULL;
					ss->consumed = 0;
				}

				/* prefetch: the next page in id order is known now */
				if (!ss->done && ss->max_ahead > 0 && ss->after == NULL)
				{
					hs_crm_search_request(ss, hs_crm_page_size(ss, HS_SEARCH_PAGE_MAX),
										  &req);
					(void) hs_prefetch(ss, &req, 0);
				}
				return true;
			}
	}
	return false;
}

/*
 * hs_crm_explain
 *		EXPLAIN VERBOSE: the request the scan will send first.
 */
static void
hs_crm_explain(HsScanState *ss, List *fdw_private, ExplainState *es)
{
	const char *type = ss->opts->object_type;
	int			limit = ss->limit;
	List	   *extra = NIL;
	List	   *sorts;

	switch (ss->method)
	{
		case HS_SCAN_EMPTY:
			ExplainPropertyText("HubSpot Request", "none (the conditions contradict)", es);
			break;
		case HS_SCAN_LIST:
			ExplainPropertyText("HubSpot Request",
								psprintf("GET %s",
										 hs_build_list_path(type, ss->properties,
															limit >= 0 ? Min(limit, HS_LIST_PAGE_MAX) : HS_LIST_PAGE_MAX,
															NULL)),
								es);
			break;
		case HS_SCAN_GET:
		case HS_SCAN_BATCH:
			{
				StringInfoData ids;
				ListCell   *lc;

				initStringInfo(&ids);
				foreach(lc, ss->ids)
				{
					Node	   *v = (Node *) lfirst(lc);

					if (IsA(v, String))
						appendStringInfo(&ids, "%s%s", ids.len ? ", " : "", strVal(v));
					else
						appendStringInfo(&ids, "%s%s", ids.len ? ", " : "",
										 (char *) linitial(ss->param_labels[intVal(v)]));
				}
				if (ss->method == HS_SCAN_GET)
				{
					/* the id as written, a parameter unencoded */
					char	   *path = hs_build_get_path(type, "ID", ss->properties);
					char	   *at = strstr(path, "/ID?");

					ExplainPropertyText("HubSpot Request",
										psprintf("GET %.*s/%s%s", (int) (at - path), path,
												 ids.data, at + 3),
										es);
				}
				else
				{
					ExplainPropertyText("HubSpot Request",
										psprintf("POST /crm/v3/objects/%s/batch/read?archived=false (100 ids a request)", type),
										es);
					ExplainPropertyText("HubSpot Ids", ids.data, es);
				}
				break;
			}
		case HS_SCAN_SEARCH:
			sorts = hs_crm_phase(ss, &extra);
			ExplainPropertyText("HubSpot Request",
								psprintf("POST /crm/v3/objects/%s/search", type), es);
			ExplainPropertyText("HubSpot Body",
								hs_build_search_body(ss->groups, sorts,
													 ss->properties,
													 limit >= 0 ? Min(limit, HS_SEARCH_PAGE_MAX) : HS_SEARCH_PAGE_MAX,
													 NULL, ss->param_labels, false, extra),
								es);
			if (hs_crm_has_phases(ss))
				ExplainPropertyText("HubSpot Sort Phases",
									"records with a value in sort order, and those without in id order, NULLs where Postgres puts them",
									es);
			break;
	}
}

/*
 * hs_crm_remote_count
 *		use_remote_estimate: how many records a search matches, asked of
 *		HubSpot with limit 1 (filters on values known only at execution
 *		are left out, so this counts a superset).
 */
double
hs_crm_remote_count(HsOptions *opts, List *groups)
{
	HsConnection *conn = hs_options_connection(opts);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw estimate",
											  ALLOCSET_SMALL_SIZES);
	HsRequest	req;
	HsResponse	resp;
	HsPage		page;
	HsCounters	counters;
	double		total;

	memset(&req, 0, sizeof(req));
	memset(&counters, 0, sizeof(counters));
	req.method = HS_POST;
	req.search = true;
	req.retry_safe = true;
	req.path = psprintf("/crm/v3/objects/%s/search", opts->object_type);
	req.body = hs_build_search_body(groups, NIL,
									list_make1(makeString("hs_object_id")),
									1, NULL, NULL, true, NIL);
	req.what = psprintf("an estimate of %s", opts->object_type);
	hs_http_execute(conn, &req, &resp, &counters, 0);
	hs_page_parse(&page, resp.body, resp.len, "results", req.what, cxt);
	total = page.total >= 0 ? (double) page.total : -1;
	MemoryContextDelete(cxt);
	hs_counters_add(hs_server_counters(opts->serverid), &counters);
	return total;
}

const HsKindRoutine hs_crm_routine = {
	.plan = hs_crm_plan,
	.properties = hs_crm_properties,
	.next_page = hs_crm_next_page,
	.next_row = hs_next_record_row,
	.explain = hs_crm_explain
};
