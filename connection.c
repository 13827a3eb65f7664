/*-------------------------------------------------------------------------
 *
 * connection.c
 *		  Connections of hubspot_fdw: one libcurl multi handle per user
 *		  mapping, kept for the life of the backend so that keep-alive
 *		  sockets, TLS sessions and pacing state outlive a query; rebuilt
 *		  when the server or user mapping changes; transfers left behind by
 *		  an error are detached at transaction end.  Also the backend's
 *		  request counters per server.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "funcapi.h"

#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

/* Connections by user mapping oid */
static HTAB *hs_connections = NULL;

/* Counters by server oid, for hubspot_fdw_counters() */
typedef struct HsServerCounters
{
	Oid			serverid;
	HsCounters	counters;
} HsServerCounters;

static HTAB *hs_counters_by_server = NULL;

PG_FUNCTION_INFO_V1(hubspot_fdw_counters);
PG_FUNCTION_INFO_V1(hubspot_fdw_reset_counters);

static void hs_xact_callback(XactEvent event, void *arg);
static void hs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid, void *arg);
static void hs_inval_callback(Datum arg, int cacheid, uint32 hashvalue);

/*
 * hs_strdup_malloc
 *		strdup that reports out-of-memory as PostgreSQL does.
 */
static char *
hs_strdup_malloc(const char *s)
{
	char	   *r;

	if (s == NULL)
		return NULL;
	r = strdup(s);
	if (r == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return r;
}

/*
 * hs_free_secret
 *		Wipe and free a malloc'd string that may hold the token.
 */
static void
hs_free_secret(char *s)
{
	if (s)
	{
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * hs_connection_release
 *		Free the handles and buffers of a connection.
 */
static void
hs_connection_release(HsConnection *conn)
{
	int			i;

	hs_http_abandon_all(conn);
	for (i = 0; i < HS_MAX_SLOTS; i++)
	{
		HsSlot	   *slot = &conn->slots[i];

		if (slot->easy)
			curl_easy_cleanup(slot->easy);
		if (slot->headers)
			curl_slist_free_all(slot->headers);
		free(slot->body);
		free(slot->req_body);
		free(slot->req_url);
		memset(slot, 0, sizeof(HsSlot));
	}
	if (conn->multi)
		curl_multi_cleanup(conn->multi);
	conn->multi = NULL;
	free(conn->api_url);
	hs_free_secret(conn->auth_header);
	free(conn->ca_file);
	conn->api_url = conn->auth_header = conn->ca_file = NULL;
}

/*
 * hs_connection_open
 *		Set up a connection's handles from the resolved options.
 */
static void
hs_connection_open(HsConnection *conn, ForeignServer *server, HsOptions *opts)
{
	StringInfoData auth;

	memset(((char *) conn) + sizeof(Oid), 0, sizeof(HsConnection) - sizeof(Oid));
	conn->serverid = server->serverid;
	conn->multi = curl_multi_init();
	if (conn->multi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl handle")));
	curl_multi_setopt(conn->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) HS_MAX_SLOTS);

	conn->api_url = hs_strdup_malloc(opts->api_url);
	initStringInfo(&auth);
	appendStringInfo(&auth, "Authorization: Bearer %s", opts->access_token);
	conn->auth_header = hs_strdup_malloc(auth.data);
	explicit_bzero(auth.data, auth.len);
	pfree(auth.data);
	conn->ca_file = hs_strdup_malloc(opts->ca_file);
	conn->connect_timeout_ms = opts->connect_timeout_ms;
	conn->request_timeout_ms = opts->request_timeout_ms;
	conn->max_retries = opts->max_retries;
	conn->requests_per_10s = opts->requests_per_10s;
	conn->search_per_second = opts->search_per_second;
	conn->account_id = opts->account_id;
	conn->limiter = hs_limiter_for(opts->api_url, opts->access_token);
	conn->invalidated = false;
}

/*
 * hs_oid_hash
 *		A backend-local hash table keyed by an Oid, entries of entrysize bytes.
 */
static HTAB *
hs_oid_hash(const char *name, Size entrysize)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = entrysize;
	return hash_create(name, 8, &ctl, HASH_ELEM | HASH_BLOBS);
}

/*
 * hs_options_connection
 *		The connection for resolved options: their server and user's
 *		mapping.
 */
HsConnection *
hs_options_connection(HsOptions *opts)
{
	return hs_get_connection(GetForeignServer(opts->serverid),
							 GetUserMapping(opts->userid, opts->serverid), opts);
}

/*
 * hs_get_connection
 *		The connection of a user mapping, opened on first use.
 */
HsConnection *
hs_get_connection(ForeignServer *server, UserMapping *user, HsOptions *opts)
{
	HsConnection *conn;
	bool		found;

	if (hs_connections == NULL)
	{
		hs_connections = hs_oid_hash("hubspot_fdw connections",
									 sizeof(HsConnection));
		RegisterXactCallback(hs_xact_callback, NULL);
		RegisterSubXactCallback(hs_subxact_callback, NULL);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, hs_inval_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, hs_inval_callback, (Datum) 0);
	}

	if (opts->access_token == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has no access token",
						server->servername),
				 errhint("Set it with ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_token '...').",
						 quote_identifier(server->servername))));

	conn = hash_search(hs_connections, &user->umid, HASH_ENTER, &found);
	if (found && (conn->invalidated || conn->multi == NULL))
	{
		hs_connection_release(conn);
		found = false;
	}
	if (!found)
	{
		conn->multi = NULL;
		PG_TRY();
		{
			hs_connection_open(conn, server, opts);
		}
		PG_CATCH();
		{
			hs_connection_release(conn);
			hash_search(hs_connections, &user->umid, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return conn;
}

/*
 * hs_xact_callback
 *		At transaction end, detach transfers an error left in flight.
 */
static void
hs_xact_callback(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS scan;
	HsConnection *conn;

	if (hs_connections == NULL)
		return;
	if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_COMMIT && event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_PREPARE)
		return;
	hash_seq_init(&scan, hs_connections);
	while ((conn = (HsConnection *) hash_seq_search(&scan)) != NULL)
	{
		if (conn->multi)
			hs_http_abandon_all(conn);
	}
}

/*
 * hs_subxact_callback
 *		At subtransaction abort, do the same.
 */
static void
hs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		hs_xact_callback(XACT_EVENT_ABORT, arg);
}

/*
 * hs_inval_callback
 *		A server or user mapping changed: rebuild connections on next use.
 */
static void
hs_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	HsConnection *conn;

	if (hs_connections == NULL)
		return;
	hash_seq_init(&scan, hs_connections);
	while ((conn = (HsConnection *) hash_seq_search(&scan)) != NULL)
		conn->invalidated = true;
}

/*
 * hs_server_counters
 *		The backend's running counters for one server.
 */
HsCounters *
hs_server_counters(Oid serverid)
{
	HsServerCounters *entry;
	bool		found;

	if (hs_counters_by_server == NULL)
		hs_counters_by_server = hs_oid_hash("hubspot_fdw counters",
											sizeof(HsServerCounters));
	entry = hash_search(hs_counters_by_server, &serverid, HASH_ENTER, &found);
	if (!found)
		memset(&entry->counters, 0, sizeof(HsCounters));
	return &entry->counters;
}

/*
 * hs_counters_add
 *		Add one set of counters to another.
 */
void
hs_counters_add(HsCounters *into, const HsCounters *from)
{
	into->requests += from->requests;
	into->pages += from->pages;
	into->rows += from->rows;
	into->retries += from->retries;
	into->throttled += from->throttled;
	into->repeats += from->repeats;
	into->bytes += from->bytes;
	into->waited_ms += from->waited_ms;
	into->ahead += from->ahead;
}

/*
 * hubspot_fdw_counters
 *		SQL: this backend's counters, one row per server it has used
 *		(the view hubspot_fdw_stats).
 */
Datum
hubspot_fdw_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS seq;
	HsServerCounters *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (hs_counters_by_server == NULL)
		return (Datum) 0;
	hash_seq_init(&seq, hs_counters_by_server);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		HsCounters *c = &entry->counters;
		Datum		values[9];
		bool		nulls[9] = {false};

		values[0] = ObjectIdGetDatum(entry->serverid);
		values[1] = Int64GetDatum(c->requests);
		values[2] = Int64GetDatum(c->pages);
		values[3] = Int64GetDatum(c->rows);
		values[4] = Int64GetDatum(c->retries);
		values[5] = Int64GetDatum(c->throttled);
		values[6] = Int64GetDatum(c->repeats);
		values[7] = Int64GetDatum(c->bytes);
		values[8] = Float8GetDatum(c->waited_ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * hubspot_fdw_reset_counters
 *		SQL: forget this backend's counters, for every server (NULL) or for
 *		one.
 */
Datum
hubspot_fdw_reset_counters(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	HsServerCounters *entry;

	if (hs_counters_by_server == NULL)
		PG_RETURN_VOID();
	hash_seq_init(&seq, hs_counters_by_server);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (PG_ARGISNULL(0) || entry->serverid == PG_GETARG_OID(0))
			memset(&entry->counters, 0, sizeof(HsCounters));
	}
	PG_RETURN_VOID();
}
