/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.h
 *		  Shared declarations of hubspot_fdw, grouped by the file that
 *		  defines them.
 *
 * The json-c headers are never included here: json-c's "json_object" type
 * clashes with PostgreSQL's json_object() in utils/builtins.h.  Files that
 * use json-c (decode.c, deparse.c) see "struct json_object" themselves and
 * keep away from builtins.h; everybody else passes plain C strings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_FDW_H
#define HUBSPOT_FDW_H

#include "postgres.h"

#include <curl/curl.h>

#include "access/attnum.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "commands/explain.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"
#include "utils/relcache.h"

struct json_object;				/* json-c, opaque outside decode.c, deparse.c */
struct HsColumns;

#define HS_FDW_VERSION "1.1"
#define HS_DEFAULT_API_URL "https://api.hubapi.com"

/* Page and batch sizes HubSpot allows */
#define HS_LIST_PAGE_MAX 100
#define HS_SEARCH_PAGE_MAX 200
#define HS_SEARCH_RESULT_CAP 10000
#define HS_BATCH_READ_MAX 100
#define HS_BATCH_UPDATE_MAX 100
#define HS_SEARCH_BODY_MAX 3000

/* ------------------------------------------------------------------
 * option.c: options of the wrapper, server, user mapping, table, column
 * ------------------------------------------------------------------
 */

/* What a foreign table's "object" option names */
typedef enum HsTableKind
{
	HS_TABLE_CRM,				/* users, contacts, ..., a type id */
	HS_TABLE_SETTINGS_USERS,
	HS_TABLE_ROLES,
	HS_TABLE_TEAMS,
	HS_TABLE_OWNERS,
	HS_TABLE_PERMITTED_USERS
} HsTableKind;

/* Every option that applies to one foreign table, resolved */
typedef struct HsOptions
{
	/* server (some also on the table) */
	char	   *api_url;		/* without a trailing slash */
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;
	int			requests_per_10s;
	int			search_per_second;
	int64		account_id;		/* 0: ask /account-info/v3/details */
	int			permitted_users_batch;
	int64		max_requests;	/* per scan; 0: no limit */
	bool		use_remote_estimate;
	bool		updatable;
	int			concurrent_requests;	/* in flight per scan, 1: no prefetch */
	char	   *ca_file;		/* NULL: the system's bundle */

	/* user mapping */
	char	   *access_token;
	Oid			serverid;
	Oid			userid;

	/* table */
	char	   *object;			/* as written */
	HsTableKind kind;
	char	   *object_type;	/* URL segment for CRM kinds: "users" */
	bool		allow_role_loss;
	bool		send_welcome_email;
} HsOptions;

extern HsOptions *hs_get_options(Oid foreigntableid, Oid userid);
extern HsOptions *hs_server_options(Oid serverid, Oid userid);
extern HsOptions *hs_table_options(Oid foreigntableid);
extern bool hs_object_is_users(const char *object_type);
extern char *hs_column_remote_name(Oid relid, AttrNumber attnum);
extern bool hs_parse_object(const char *object, HsTableKind *kind,
							char **object_type);

/* ------------------------------------------------------------------
 * connection.c: one libcurl multi handle per user mapping, kept across
 * queries; counters per server; clean-up at transaction end
 * ------------------------------------------------------------------
 */

/* What a scan, a modify or a backend has spent */
typedef struct HsCounters
{
	int64		requests;		/* HTTP requests sent, retries included */
	int64		pages;			/* answers that carried rows */
	int64		rows;			/* records received */
	int64		retries;
	int64		throttled;		/* 429 answers */
	int64		repeats;		/* records HubSpot sent twice, dropped */
	int64		bytes;			/* response bytes, decoded */
	int64		ahead;			/* requests sent ahead of their turn */
	double		waited_ms;		/* time spent waiting before retries */
} HsCounters;

#define HS_MAX_SLOTS 8

/* A request's place in its limiter's ring (limit.c) */
typedef struct HsTicket
{
	uint64		seq;
	uint64		search_seq;
	bool		search;
} HsTicket;

/* One easy handle and its response buffer */
typedef struct HsSlot
{
	HsTicket	ticket;			/* of the transfer in flight */
	CURL	   *easy;
	bool		busy;			/* attached to the multi handle */
	bool		done;			/* transfer finished */
	CURLcode	result;
	struct curl_slist *headers;
	char	   *body;			/* malloc'd, grows; NUL-terminated */
	size_t		len;
	size_t		cap;
	long		status;
	char		correlation_id[80];
	char		retry_after[32];
	int			rl_max;			/* X-HubSpot-RateLimit-*, -1 when absent */
	int			rl_remaining;
	int			rl_interval_ms;
	char		errbuf[CURL_ERROR_SIZE];
	char	   *req_body;		/* malloc'd copy of what is being sent */
	char	   *req_url;		/* malloc'd */
} HsSlot;

/* A connection: the handles and limiter of one user mapping */
typedef struct HsConnection
{
	Oid			umid;			/* hash key: user mapping oid */
	Oid			serverid;
	bool		invalidated;	/* options changed: rebuild on next use */
	CURLM	   *multi;
	HsSlot		slots[HS_MAX_SLOTS];
	char	   *api_url;		/* malloc'd */
	char	   *auth_header;	/* malloc'd "Authorization: Bearer ..." */
	char	   *ca_file;		/* malloc'd or NULL */
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;
	int			requests_per_10s;
	int			search_per_second;
	int64		account_id;		/* learned once, 0 until then */

	struct HsLimiter *limiter;	/* the app's pacing (limit.c) */
} HsConnection;

typedef struct HsLimiter HsLimiter;

extern HsConnection *hs_get_connection(ForeignServer *server,
									   UserMapping *user, HsOptions *opts);
extern HsConnection *hs_options_connection(HsOptions *opts);
extern HsCounters *hs_server_counters(Oid serverid);
extern void hs_counters_add(HsCounters *into, const HsCounters *from);

/* ------------------------------------------------------------------
 * limit.c: pacing per app, in shared memory when preloaded
 * ------------------------------------------------------------------
 */
extern void hs_limit_init(void);
extern bool hs_limit_shared_mode(void);
extern HsLimiter *hs_limiter_for(const char *api_url, const char *token);
extern void hs_limiter_acquire(HsLimiter *lim, int option_max,
							   int search_per_second, bool search,
							   HsCounters *counters, HsTicket *ticket);
extern void hs_limiter_release(HsLimiter *lim, HsTicket *ticket);
extern void hs_limiter_learn(HsLimiter *lim, int max, int interval_ms);
extern int	hs_limiter_interval_ms(HsLimiter *lim);
extern void hs_limiter_pause(HsLimiter *lim, bool search_only, double ms);

/* ------------------------------------------------------------------
 * http.c: HTTP requests through libcurl, cancellable, paced, retried
 * ------------------------------------------------------------------
 */

typedef enum HsMethod
{
	HS_GET,
	HS_POST,
	HS_PATCH,
	HS_PUT,
	HS_DELETE
} HsMethod;

/* A request: path and query relative to api_url, and a JSON body */
typedef struct HsRequest
{
	HsMethod	method;
	char	   *path;			/* "/crm/v3/objects/users?limit=100" */
	char	   *body;			/* NULL for none */
	bool		search;			/* paced by the search limit too */
	bool		retry_safe;		/* may be sent twice without harm */
	const char *what;			/* for messages: "list users" */
} HsRequest;

/* The answer, pointing into the slot's buffer until its next use */
typedef struct HsResponse
{
	long		status;
	const char *body;
	size_t		len;
	const char *correlation_id;
} HsResponse;

/* statuses a caller handles itself instead of an error */
#define HS_ACCEPT_404	0x01
#define HS_ACCEPT_207	0x02
#define HS_ACCEPT_400	0x04

extern const char *hs_method_name(HsMethod method);
extern int	hs_http_start(HsConnection *conn, const HsRequest *req,
						  HsCounters *counters);
extern void hs_http_finish(HsConnection *conn, int slot, const HsRequest *req,
						   HsResponse *resp, HsCounters *counters, int accept);
extern void hs_http_execute(HsConnection *conn, const HsRequest *req,
							HsResponse *resp, HsCounters *counters, int accept);
extern void hs_http_abandon_all(HsConnection *conn);
extern void hs_http_abandon(HsConnection *conn, int slot);
extern int	hs_http_free_slots(HsConnection *conn);
extern void hs_sleep_ms(double ms, HsCounters *counters);
extern char *hs_url_encode(const char *s);

/* ------------------------------------------------------------------
 * decode.c: HubSpot's JSON answers into rows (json-c)
 * ------------------------------------------------------------------
 */

/* A decoded page: results to walk and the cursor for the next one */
typedef struct HsPage
{
	struct json_object *root;	/* freed with the page's memory context */
	struct json_object *results;	/* the array of records, or NULL */
	int			nresults;
	char	   *next_after;		/* NULL on the last page */
	int64		total;			/* search's "total", -1 if absent */
} HsPage;

/* HubSpot's error body, every field optional */
typedef struct HsApiError
{
	char	   *message;
	char	   *category;
	char	   *sub_category;
	char	   *correlation_id;
	char	   *policy_name;
	char	   *missing_scopes; /* comma separated */
	char	   *first_error;	/* errors[0].message */
} HsApiError;

extern void hs_page_parse(HsPage *page, const char *body, size_t len,
						  const char *results_key, const char *what,
						  MemoryContext cxt);
extern struct json_object *hs_page_record(HsPage *page, int i);
extern void hs_page_drop_record(HsPage *page, int i);
extern void hs_parse_api_error(const char *body, size_t len, HsApiError *err);
extern struct json_object *hs_json_parse(const char *body, size_t len,
										 const char *what, MemoryContext cxt);
extern int64 hs_json_get_int64(struct json_object *obj, const char *key,
							   int64 dflt);
extern void hs_record_to_row(struct HsColumns *columns, List *retrieved_attrs,
							 struct json_object *rec, Datum *values, bool *nulls);
extern void hs_record_overlay(struct HsColumns *columns, List *attrs,
							  struct json_object *rec, Datum *values, bool *nulls);
extern char *hs_record_id(struct json_object *rec);
extern char *hs_json_get_str(struct json_object *obj, const char *key);
extern List *hs_json_string_list(struct json_object *rec, const char *key);
extern void hs_parse_id_names(const char *body, size_t len, const char *what,
							  MemoryContext cxt, List **ids, List **names);
extern void hs_parse_batch_errors(const char *body, size_t len, char **message,
								  List **ids);

/* One action's users for one record, from a permitted-users answer */
typedef struct HsPermittedEntry
{
	char	   *resource;		/* the HCRN as HubSpot names it */
	char	   *action;			/* as HubSpot names it: "crm-object:VIEW" */
	int			nusers;
	int64	   *users;			/* settings user ids */
} HsPermittedEntry;

/* A property definition, and a custom object type (IMPORT FOREIGN SCHEMA) */
typedef struct HsPropertyDef
{
	char	   *name;
	char	   *type;			/* string, number, bool, datetime, date, enumeration */
	char	   *field_type;		/* checkbox: a multi-value enumeration */
	bool		hidden;
	bool		read_only;		/* readOnlyValue or calculated: not writable */
} HsPropertyDef;

typedef struct HsObjectSchema
{
	char	   *name;
	char	   *object_type_id;
	List	   *properties;		/* of HsPropertyDef */
} HsObjectSchema;

extern List *hs_parse_properties(const char *body, size_t len, const char *what,
								 MemoryContext cxt, List *defs);
extern List *hs_parse_schemas(const char *body, size_t len, const char *what,
							  MemoryContext cxt);
extern int	hs_parse_permitted_users(const char *body, size_t len, bool paged,
									 const char *what, MemoryContext cxt,
									 HsPermittedEntry **entries,
									 char **next_after);

/* ------------------------------------------------------------------
 * convert.c: HubSpot values (always text) into column types
 * ------------------------------------------------------------------
 */

/* How one column of the foreign table is filled */
typedef enum HsColumnSource
{
	HS_COL_PROPERTY,			/* properties[remote_name] */
	HS_COL_ID,					/* record id */
	HS_COL_CREATED_AT,
	HS_COL_UPDATED_AT,
	HS_COL_ARCHIVED,
	HS_COL_ARCHIVED_AT,
	HS_COL_PROPERTIES_JSON,		/* the whole properties map as jsonb */
	HS_COL_FIELD				/* fixed tables: a top-level JSON field */
} HsColumnSource;

typedef struct HsColumn
{
	AttrNumber	attnum;
	char	   *attname;
	char	   *remote_name;	/* property or JSON field */
	HsColumnSource source;
	Oid			typid;
	int32		typmod;
	Oid			elemtypid;		/* InvalidOid unless an array */
	FmgrInfo	input;			/* of typid, or of elemtypid for arrays */
	Oid			ioparam;
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	bool		dropped;
	const char *search_property;	/* created_at, updated_at of users: the
									 * property a search filters them on */
} HsColumn;

/* Columns of one foreign table */
typedef struct HsColumns
{
	int			natts;
	HsColumn   *cols;			/* indexed by attnum - 1 */
	char	   *relname;
} HsColumns;

extern HsColumns *hs_columns_for_relation(Relation rel, HsTableKind kind);
extern HsColumnSource hs_crm_column_source(const char *attname, Oid typid);
extern bool hs_type_supported(Oid typid);
extern Datum hs_convert_value(HsColumn *col, const char *value, bool *isnull);
extern Datum hs_convert_array(HsColumn *col, List *elems, bool *isnull);
extern char *hs_datum_to_remote(Datum value, Oid typid);
extern bool hs_is_record_id(const char *s);
extern int	hs_array_elements(Datum array, Oid elemtype, Datum **elems, bool **nulls);

/* Error context: which table, column and record is being converted */
typedef struct HsConvertContext
{
	const char *relname;
	const char *attname;
	const char *record_id;
	const char *value;
} HsConvertContext;

extern void hs_convert_error_callback(void *arg);

/* ------------------------------------------------------------------
 * deparse.c: requests built from the plan (json-c)
 * ------------------------------------------------------------------
 */

/* How a scan asks HubSpot for its rows */
typedef enum HsScanMethod
{
	HS_SCAN_LIST,				/* GET the list, cursor by cursor */
	HS_SCAN_GET,				/* GET one record by id */
	HS_SCAN_BATCH,				/* POST batch/read, 100 ids a request */
	HS_SCAN_SEARCH,				/* POST search */
	HS_SCAN_EMPTY				/* the quals contradict: no request */
} HsScanMethod;

/* flags of a search filter in the plan (see deparse.c for the shapes) */
#define HS_FILTER_LOWER 0x01
#define HS_FILTER_TEXT 0x02

extern char *hs_build_list_path(const char *object_type, List *properties,
								int limit, const char *after);
extern char *hs_build_get_path(const char *object_type, const char *id,
							   List *properties);
extern char *hs_build_batch_read_body(List *ids, List *properties);
extern char *hs_build_search_body(List *groups, List *sorts, List *properties,
								  int limit, const char *after,
								  List **params, bool drop_params,
								  List *extra);
extern List *hs_make_filter(const char *property, const char *op,
							const char *value);

/* One field of a body to write: a string, a boolean, null, or strings */
typedef struct HsField
{
	const char *name;
	char	   *value;			/* NULL: JSON null (unless is_array) */
	List	   *values;			/* is_array: the elements, char * */
	bool		is_array;
	bool		is_bool;		/* value "true"/"false" as a JSON boolean */
} HsField;

extern char *hs_build_fields_body(List *fields, const char *wrap);
extern char *hs_build_batch_update_body(List *ids, List *field_lists);
extern char *hs_json_quote(const char *s);

/* ------------------------------------------------------------------
 * hubspot_fdw.c: the FDW callbacks, and the scan engine every table kind
 * plugs into
 * ------------------------------------------------------------------
 */

/*
 * What planning decided for a scan.  Lists hold plain nodes so that they
 * can travel in fdw_private; values to compute at execution are indexes
 * into param_exprs (the plan's fdw_exprs).
 */
typedef struct HsPushdown
{
	HsScanMethod method;
	List	   *ids;			/* GET/BATCH: String or Integer(param) */
	List	   *groups;			/* SEARCH: filter groups */
	List	   *sorts;			/* SEARCH: at most one */
	int64		limit;			/* rows wanted at most, -1: all */
	List	   *param_exprs;	/* Exprs evaluated at execution */
	List	   *remote_conds;	/* RestrictInfos HubSpot applies exactly */
	List	   *local_conds;	/* RestrictInfos Postgres checks */
	List	   *extra;			/* kind-specific plan data (nodes) */
	double		rows;			/* estimated rows returned */
	double		requests;		/* estimated requests */
	bool		ahead;			/* all rows wanted: requests may go ahead */
} HsPushdown;

/* fdw_private of a ForeignScan, by slot */
enum FdwScanPrivateIndex
{
	FdwScanPrivateMethod,		/* Integer: HsScanMethod */
	FdwScanPrivateRetrievedAttrs,	/* IntList: attnums the scan fills */
	FdwScanPrivateProperties,	/* List of String: properties to ask */
	FdwScanPrivateIds,			/* ids (see HsPushdown) */
	FdwScanPrivateGroups,		/* search filter groups */
	FdwScanPrivateSorts,		/* search sorts */
	FdwScanPrivateLimit,		/* Integer: limit, -1 for none */
	FdwScanPrivateExtra,		/* kind-specific */
	FdwScanPrivateAhead,		/* Boolean: requests may be sent ahead */
	FdwScanPrivateNum
};

/* A running scan, shared by the engine and the table kinds */
typedef struct HsScanState
{
	Relation	rel;
	HsOptions  *opts;
	HsConnection *conn;
	HsColumns  *columns;
	HsScanMethod method;
	List	   *retrieved_attrs;
	List	   *properties;
	List	   *ids;
	List	   *groups;
	List	   *sorts;
	int64		limit;
	List	   *extra;
	List	   *param_states;	/* ExprStates of fdw_exprs */
	List	  **params;			/* evaluated: one List of texts each */
	List	  **param_labels;	/* EXPLAIN: each parameter as written */
	ExprContext *econtext;

	MemoryContext scan_cxt;		/* lives as long as the scan */
	MemoryContext page_cxt;		/* reset for every page */
	HsPage		page;
	int			next_record;	/* in page */
	bool		have_page;
	bool		done;			/* no more requests to send */
	bool		started;

	/* cursor paging */
	char	   *after;			/* cursor to send next, in scan_cxt */
	int64		consumed;		/* search: results paged in this segment */
	char	   *last_id;		/* last record id seen, in scan_cxt */
	char	   *id_above;		/* search: ids above this one only */
	int			phase;			/* search with a sort: 0, then 1 (see crm.c) */
	int			id_pos;			/* BATCH: next id to ask */
	List	   *id_texts;		/* GET/BATCH: evaluated ids, in scan_cxt */
	int64		rows_returned;

	void	   *kind_state;		/* for the table kind, in kind_cxt */
	MemoryContext kind_cxt;		/* reset at every (re)start of the scan */
	HsCounters	counters;

	/* requests sent ahead of their turn (prefetch, concurrency) */
	int			max_ahead;		/* in flight at most; 0: nothing ahead */
	List	   *flights;		/* of HsFlight, oldest first */

	/* rescans: rows fetched for parameter values seen before (see
	 * hubspot_fdw.c, "The rescan cache") */
	struct HsRescanCache *cache;
} HsScanState;

/* A request in flight ahead of its turn, its strings in its own context */
typedef struct HsFlight
{
	int			slot;
	HsRequest	req;
	int			accept;
	MemoryContext cxt;
} HsFlight;

/* What a table kind provides: planning, paging and rows */
typedef struct HsKindRoutine
{
	/* choose the request from the clauses; fills everything in *pd */
	void		(*plan) (PlannerInfo *root, RelOptInfo *baserel, HsOptions *opts,
						 List *clauses, Bitmapset *attrs_used, HsPushdown *pd);
	/* the properties (or fields) to ask for the columns in attrs_used */
	List	   *(*properties) (Oid relid, Bitmapset *attrs_used, HsOptions *opts);
	/* fetch the next page into ss->page; false when there is none */
	bool		(*next_page) (HsScanState *ss);
	/* fill the next row from the page; false when the page is used up */
	bool		(*next_row) (HsScanState *ss, Datum *values, bool *nulls);
	/* EXPLAIN: the request that will be sent */
	void		(*explain) (HsScanState *ss, List *fdw_private, ExplainState *es);
} HsKindRoutine;

/* Per-relation planning state (a base relation's fdw_private) */
typedef struct HsRelInfo
{
	HsOptions  *opts;
	const HsKindRoutine *routine;
	Bitmapset  *attrs_used;
	HsPushdown	pd;				/* for the unparameterized scan */
} HsRelInfo;

extern int	hs_guc_max_requests;

extern void _PG_init(void);
extern Oid	hs_rte_userid(RangeTblEntry *rte);
extern void hs_path_cost(HsPushdown *pd, Cost *startup, Cost *total);
extern List *hs_retrieved_attrs(Relation rel, Bitmapset *attrs_used);
extern List *hs_scan_private(HsPushdown *pd, List *retrieved, List *properties);
extern HsScanState *hs_scan_create(Relation rel, Oid userid, List *priv,
								   List *fdw_exprs, PlanState *ps, int eflags);
extern bool hs_scan_next(HsScanState *ss, Datum *values, bool *nulls, int natts);
extern void hs_scan_reset(HsScanState *ss);
extern void hs_scan_end(HsScanState *ss);
extern void hs_explain_counters(HsCounters *c, ExplainState *es);
extern void hs_check_request_budget(HsScanState *ss);
extern void hs_check_request_estimate(HsScanState *ss, int64 more);
extern void hs_send(HsScanState *ss, HsRequest *req, HsResponse *resp, int accept);
extern bool hs_send_ahead(HsScanState *ss, HsRequest *req, int accept);
extern bool hs_prefetch(HsScanState *ss, HsRequest *req, int accept);
extern void hs_drop_flights(HsScanState *ss);
extern bool hs_next_record_row(HsScanState *ss, Datum *values, bool *nulls);
extern List *hs_scan_ids(HsScanState *ss);

/* ------------------------------------------------------------------
 * crm.c: CRM objects (users, contacts, ..., custom types): list, id
 * look-ups, batch reads and search
 * ------------------------------------------------------------------
 */
extern const HsKindRoutine hs_crm_routine;
extern void hs_check_cursor(const char *next, const char *sent,
							const HsRequest *req);
extern void hs_crm_list_page(HsScanState *ss, const char *type, List *properties,
							 int limit, char **after, MemoryContext after_cxt,
							 HsPage *page);
extern int64 hs_crm_count(HsScanState *ss, const char *type);
extern double hs_crm_remote_count(HsOptions *opts, List *groups);

/* ------------------------------------------------------------------
 * pushdown.c: which quals, ORDER BY and LIMIT HubSpot can apply
 * ------------------------------------------------------------------
 */
extern void hs_crm_plan(PlannerInfo *root, RelOptInfo *baserel, HsOptions *opts,
						List *clauses, Bitmapset *attrs_used, HsPushdown *pd);
extern int	hs_column_attno(RelOptInfo *baserel, HsColumns *columns, Node *n);
extern bool hs_is_equality(Oid opno, Oid inputcollid);

/* ------------------------------------------------------------------
 * settings.c: settings users, roles, teams and owners
 * ------------------------------------------------------------------
 */
extern const HsKindRoutine hs_settings_routine;

/* ------------------------------------------------------------------
 * modify.c: INSERT, UPDATE and DELETE (CRM users, settings users)
 * ------------------------------------------------------------------
 */

/* fdw_private of a ModifyTable's foreign relation, by slot */
enum FdwModifyPrivateIndex
{
	FdwModifyPrivateTargetAttrs,	/* IntList: attnums written */
	FdwModifyPrivateHasReturning,	/* Boolean: a RETURNING list */
	FdwModifyPrivateNum
};

extern int	hs_is_updatable(Relation rel);
extern void hs_add_update_targets(PlannerInfo *root, Index rtindex,
								  RangeTblEntry *target_rte,
								  Relation target_relation);
extern List *hs_plan_modify(PlannerInfo *root, ModifyTable *plan,
							Index resultRelation, int subplan_index);
extern void hs_begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							List *fdw_private, int subplan_index, int eflags);
extern void hs_begin_insert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern TupleTableSlot *hs_exec_insert(EState *estate, ResultRelInfo *rinfo,
									  TupleTableSlot *slot, TupleTableSlot *planSlot);
extern TupleTableSlot *hs_exec_update(EState *estate, ResultRelInfo *rinfo,
									  TupleTableSlot *slot, TupleTableSlot *planSlot);
extern TupleTableSlot *hs_exec_delete(EState *estate, ResultRelInfo *rinfo,
									  TupleTableSlot *slot, TupleTableSlot *planSlot);
extern void hs_end_modify(EState *estate, ResultRelInfo *rinfo);
extern void hs_explain_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							  List *fdw_private, int subplan_index,
							  ExplainState *es);

/* ------------------------------------------------------------------
 * import.c: IMPORT FOREIGN SCHEMA hubspot
 * ------------------------------------------------------------------
 */
extern List *hs_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/* ------------------------------------------------------------------
 * hcrn.c: record names (HCRN) and the types with record permissions
 * ------------------------------------------------------------------
 */
#define HS_PERM_NTYPES 4
typedef struct HsPermType
{
	const char *name;			/* object_type, and the CRM URL segment */
	const char *type_id;		/* object_type_id, in the HCRN */
} HsPermType;

extern const HsPermType hs_perm_types[HS_PERM_NTYPES];
extern int	hs_perm_type_index(const char *s, bool by_id);
extern int64 hs_perm_parse_id(const char *s);
extern bool hs_perm_parse_hcrn(const char *s, int64 *account, int *type,
							   int64 *id, char **type_id);

/* ------------------------------------------------------------------
 * permitted.c: permitted_users (who may act on each CRM record), and the
 * join of a CRM table with it
 * ------------------------------------------------------------------
 */
extern const HsKindRoutine hs_permitted_routine;
extern void hs_permitted_join_paths(PlannerInfo *root, RelOptInfo *joinrel,
									RelOptInfo *outerrel, RelOptInfo *innerrel,
									JoinType jointype, JoinPathExtraData *extra);
extern ForeignScan *hs_permitted_join_plan(PlannerInfo *root, RelOptInfo *joinrel,
										   ForeignPath *best_path, List *tlist,
										   List *scan_clauses, Plan *outer_plan);
extern void hs_permitted_join_begin(ForeignScanState *node, int eflags);
extern TupleTableSlot *hs_permitted_join_next(ForeignScanState *node);
extern void hs_permitted_join_rescan(ForeignScanState *node);
extern void hs_permitted_join_end(ForeignScanState *node);
extern void hs_permitted_join_explain(ForeignScanState *node, ExplainState *es);

#endif							/* HUBSPOT_FDW_H */
