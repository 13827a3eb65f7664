/*-------------------------------------------------------------------------
 *
 * http.c
 *		  HTTP requests of hubspot_fdw, through libcurl's multi interface so
 *		  that a query can have several transfers in flight and can always be
 *		  cancelled: the wait loop polls at most 100 ms at a time and runs
 *		  CHECK_FOR_INTERRUPTS() between polls.  Requests are paced before
 *		  HubSpot has to refuse them, retried when HubSpot asks or a read
 *		  fails in passing, and failures become PostgreSQL errors that carry
 *		  HubSpot's message, category and correlation id, never the token.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "hubspot_fdw.h"

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/wait_event.h"

/* The largest answer we accept, decoded */
#define HS_MAX_BODY (256 * 1024 * 1024)

/* How long one poll of the multi handle may block, in milliseconds */
#define HS_POLL_MS 100

static void hs_report_failure(HsConnection *conn, const HsRequest *req,
							  HsSlot *slot, int attempt) pg_attribute_noreturn();

/*
 * hs_method_name
 *		The HTTP method's name.
 */
const char *
hs_method_name(HsMethod method)
{
	switch (method)
	{
		case HS_GET:
			return "GET";
		case HS_POST:
			return "POST";
		case HS_PATCH:
			return "PATCH";
		case HS_PUT:
			return "PUT";
		case HS_DELETE:
			return "DELETE";
	}
	return "GET";
}

/*
 * hs_now_ms
 *		Monotonic clock in milliseconds.
 */
static int64
hs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * hs_sleep_ms
 *		Wait, interruptibly, and count the wait.
 */
void
hs_sleep_ms(double ms, HsCounters *counters)
{
	int64		until = hs_now_ms() + (int64) ms;

	if (counters)
		counters->waited_ms += ms;
	for (;;)
	{
		int64		left = until - hs_now_ms();

		CHECK_FOR_INTERRUPTS();
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(left, 1000), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * hs_url_encode
 *		Percent-encode a string for a query parameter.
 */
char *
hs_url_encode(const char *s)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			*p == '.' || *p == '~')
			appendStringInfoChar(&buf, (char) *p);
		else
			appendStringInfo(&buf, "%%%02X", *p);
	}
	return buf.data;
}

/*
 * hs_write_cb
 *		libcurl write callback: append to the slot's buffer.
 */
static size_t
hs_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	HsSlot	   *slot = (HsSlot *) userdata;
	size_t		n = size * nmemb;

	if (slot->len + n + 1 > slot->cap)
	{
		size_t		newcap = slot->cap ? slot->cap : 65536;
		char	   *p;

		while (slot->len + n + 1 > newcap)
			newcap *= 2;
		if (newcap > HS_MAX_BODY)
			return 0;			/* ends the transfer with CURLE_WRITE_ERROR */
		p = realloc(slot->body, newcap);
		if (p == NULL)
			return 0;
		slot->body = p;
		slot->cap = newcap;
	}
	memcpy(slot->body + slot->len, ptr, n);
	slot->len += n;
	slot->body[slot->len] = '\0';
	return n;
}

/*
 * hs_header_value
 *		If a header line is "name: value", copy the value out.
 */
static bool
hs_header_value(const char *line, size_t len, const char *name,
				char *out, size_t outsize)
{
	size_t		nlen = strlen(name);
	size_t		i;
	size_t		o = 0;

	if (len <= nlen || pg_strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return false;
	i = nlen + 1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < len && line[i] != '\r' && line[i] != '\n' && o + 1 < outsize)
		out[o++] = line[i++];
	out[o] = '\0';
	return true;
}

/*
 * hs_header_cb
 *		libcurl header callback: keep the headers HubSpot's limits use.
 */
static size_t
hs_header_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	HsSlot	   *slot = (HsSlot *) userdata;
	size_t		len = size * nitems;
	char		val[64];

	if (len > 5 && strncmp(buffer, "HTTP/", 5) == 0)
	{
		/* a new response (after a redirect or 100): forget the last */
		slot->correlation_id[0] = '\0';
		slot->retry_after[0] = '\0';
		slot->rl_max = slot->rl_remaining = slot->rl_interval_ms = -1;
	}
	else if (hs_header_value(buffer, len, "X-HubSpot-Correlation-Id",
							 slot->correlation_id, sizeof(slot->correlation_id)))
		;
	else if (hs_header_value(buffer, len, "Retry-After",
							 slot->retry_after, sizeof(slot->retry_after)))
		;
	else if (hs_header_value(buffer, len, "X-HubSpot-RateLimit-Max", val, sizeof(val)))
		slot->rl_max = atoi(val);
	else if (hs_header_value(buffer, len, "X-HubSpot-RateLimit-Remaining", val, sizeof(val)))
		slot->rl_remaining = atoi(val);
	else if (hs_header_value(buffer, len, "X-HubSpot-RateLimit-Interval-Milliseconds", val, sizeof(val)))
		slot->rl_interval_ms = atoi(val);
	return len;
}

/*
 * hs_pace
 *		Wait until the app's limiter lets one more request go (limit.c),
 *		and take a place for the slot's transfer.
 */
static void
hs_pace(HsConnection *conn, const HsRequest *req, HsSlot *slot,
		HsCounters *counters)
{
	hs_limiter_acquire(conn->limiter, conn->requests_per_10s,
					   conn->search_per_second, req->search, counters,
					   &slot->ticket);
}

/*
 * hs_slot_detach
 *		Take a slot's transfer off the multi handle.
 */
static void
hs_slot_detach(HsConnection *conn, HsSlot *slot)
{
	if (slot->busy)
	{
		curl_multi_remove_handle(conn->multi, slot->easy);
		slot->busy = false;
	}
}

/*
 * hs_http_abandon
 *		Drop one request in flight (a page sent ahead that is not wanted).
 */
void
hs_http_abandon(HsConnection *conn, int slot)
{
	hs_slot_detach(conn, &conn->slots[slot]);
}

/*
 * hs_http_free_slots
 *		How many more requests the connection can have in flight.
 */
int
hs_http_free_slots(HsConnection *conn)
{
	int			i,
				n = 0;

	for (i = 0; i < HS_MAX_SLOTS; i++)
		if (!conn->slots[i].busy)
			n++;
	return n;
}

/*
 * hs_http_abandon_all
 *		Detach every transfer in flight (after an error or cancel).
 */
void
hs_http_abandon_all(HsConnection *conn)
{
	int			i;

	for (i = 0; i < HS_MAX_SLOTS; i++)
		hs_slot_detach(conn, &conn->slots[i]);
}

/*
 * hs_slot_send
 *		Configure a slot's easy handle for a request and attach it.
 */
static void
hs_slot_send(HsConnection *conn, int idx, const HsRequest *req)
{
	HsSlot	   *slot = &conn->slots[idx];
	CURL	   *e;
	size_t		ulen;

	if (slot->easy == NULL)
	{
		slot->easy = curl_easy_init();
		if (slot->easy == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl handle")));
	}
	e = slot->easy;
	curl_easy_reset(e);

	/* the URL and body outlive this call: keep malloc'd copies */
	free(slot->req_url);
	ulen = strlen(conn->api_url) + strlen(req->path) + 1;
	slot->req_url = malloc(ulen);
	free(slot->req_body);
	slot->req_body = req->body ? strdup(req->body) : NULL;
	if (slot->req_url == NULL || (req->body && slot->req_body == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	snprintf(slot->req_url, ulen, "%s%s", conn->api_url, req->path);

	if (slot->headers == NULL)
	{
		struct curl_slist *h = NULL;

		h = curl_slist_append(h, conn->auth_header);
		h = curl_slist_append(h, "Accept: application/json");
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "Expect:");
		if (h == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		slot->headers = h;
	}

	slot->len = 0;
	if (slot->body)
		slot->body[0] = '\0';
	slot->status = 0;
	slot->done = false;
	slot->result = CURLE_OK;
	slot->errbuf[0] = '\0';
	slot->correlation_id[0] = '\0';
	slot->retry_after[0] = '\0';
	slot->rl_max = slot->rl_remaining = slot->rl_interval_ms = -1;

	curl_easy_setopt(e, CURLOPT_URL, slot->req_url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, slot->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "hubspot_fdw/" HS_FDW_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, hs_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, slot);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, hs_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, slot);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *) slot);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long) conn->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long) conn->request_timeout_ms);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	if (conn->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, conn->ca_file);

	switch (req->method)
	{
		case HS_GET:
			curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
			break;
		case HS_POST:
			curl_easy_setopt(e, CURLOPT_POST, 1L);
			break;
		case HS_PATCH:
		case HS_PUT:
		case HS_DELETE:
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, hs_method_name(req->method));
			break;
	}
	if (slot->req_body)
	{
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, slot->req_body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long) strlen(slot->req_body));
	}
	else if (req->method == HS_POST)
	{
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	}

	if (curl_multi_add_handle(conn->multi, e) != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not start a request to HubSpot")));
	slot->busy = true;
}

/*
 * hs_http_start
 *		Pace, then start a request on a free slot; returns the slot.
 */
int
hs_http_start(HsConnection *conn, const HsRequest *req, HsCounters *counters)
{
	int			i;

	for (i = 0; i < HS_MAX_SLOTS; i++)
	{
		if (!conn->slots[i].busy)
			break;
	}
	if (i == HS_MAX_SLOTS)
		elog(ERROR, "hubspot_fdw: no free transfer slot");
	hs_pace(conn, req, &conn->slots[i], counters);
	hs_slot_send(conn, i, req);
	counters->requests++;
	return i;
}

/*
 * hs_slot_wait
 *		Drive the multi handle until a slot's transfer ends, polling at most
 *		HS_POLL_MS at a time so that cancel and statement_timeout act fast.
 */
static void
hs_slot_wait(HsConnection *conn, HsSlot *slot)
{
	while (!slot->done)
	{
		int			running;
		int			msgs;
		CURLMsg    *msg;

		if (curl_multi_perform(conn->multi, &running) != CURLM_OK)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("libcurl failed while talking to HubSpot")));
		while ((msg = curl_multi_info_read(conn->multi, &msgs)) != NULL)
		{
			if (msg->msg == CURLMSG_DONE)
			{
				HsSlot	   *s = NULL;

				curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &s);
				if (s)
				{
					s->result = msg->data.result;
					curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
					s->done = true;
				}
			}
		}
		if (slot->done)
			break;
		CHECK_FOR_INTERRUPTS();
		(void) curl_multi_poll(conn->multi, NULL, 0, HS_POLL_MS, NULL);
		CHECK_FOR_INTERRUPTS();
	}
	hs_slot_detach(conn, slot);
}

/*
 * hs_learn_limits
 *		Follow the rate-limit headers HubSpot sent with an answer.
 */
static void
hs_learn_limits(HsConnection *conn, HsSlot *slot)
{
	hs_limiter_learn(conn->limiter, slot->rl_max, slot->rl_interval_ms);

	/*
	 * Other clients of the same app share the window: when HubSpot says
	 * none is left, hold the app's requests for one request's share of
	 * the window.
	 */
	if (slot->rl_remaining == 0 && slot->status < 400)
	{
		int			interval = hs_limiter_interval_ms(conn->limiter);
		int			max = slot->rl_max > 0 ? slot->rl_max : conn->requests_per_10s;

		hs_limiter_pause(conn->limiter, false, (double) interval / Max(max, 1));
	}
}

/*
 * hs_transport_retryable
 *		True for a transport failure that may pass: not one of
 *		configuration (TLS verification, a bad CA file, a bad URL) nor an
 *		answer too large.
 */
static bool
hs_transport_retryable(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_WRITE_ERROR:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_OUT_OF_MEMORY:
			return false;
		default:
			return true;
	}
}

/*
 * hs_retry_after_ms
 *		The wait a Retry-After header asks for (seconds or an HTTP date),
 *		or -1 when there is none or it cannot be read.
 */
static double
hs_retry_after_ms(HsSlot *slot)
{
	char	   *end;
	double		secs;

	if (slot->retry_after[0] == '\0')
		return -1;
	secs = strtod(slot->retry_after, &end);
	if (end != slot->retry_after && (*end == '\0' || *end == ' '))
		return secs >= 0 ? secs * 1000.0 : -1;
	else
	{
		time_t		when = curl_getdate(slot->retry_after, NULL);

		if (when == (time_t) -1)
			return -1;
		return Max((double) (when - time(NULL)) * 1000.0, 0.0);
	}
}

/*
 * hs_secondly_limit
 *		True when a 429 is the per-second (search) limit: its policyName
 *		says so, or, without one, the request was a search.
 */
static bool
hs_secondly_limit(const HsRequest *req, HsSlot *slot)
{
	HsApiError err;

	hs_parse_api_error(slot->body, slot->len, &err);
	if (err.policy_name == NULL)
		return req->search;
	return strcmp(err.policy_name, "SECONDLY") == 0 ||
		(strstr(err.policy_name, "SECONDLY") && !strstr(err.policy_name, "TEN"));
}

/* The longest Retry-After obeyed; past it the request fails at once */
#define HS_MAX_RETRY_AFTER_MS (15 * 60 * 1000.0)

/*
 * hs_retry_wait_ms
 *		How long to wait before repeating a request, or -1 not to repeat.
 *		HubSpot's refusals (429 rate limits but the daily one, 423 locked,
 *		477 migrating) did nothing and are repeated for any request;
 *		5xx answers and transport failures only for requests that may be
 *		sent twice.
 */
static double
hs_retry_wait_ms(HsConnection *conn, const HsRequest *req, HsSlot *slot,
				 int attempt)
{
	double		backoff;
	double		asked;
	bool		refused;

	if (attempt >= conn->max_retries)
		return -1;

	/* exponential, with jitter so that backends do not retry in step */
	backoff = 200.0 * (1 << Min(attempt, 6)) +
		pg_prng_double(&pg_global_prng_state) * 100.0;

	if (slot->result != CURLE_OK)
		return (req->retry_safe && hs_transport_retryable(slot->result)) ? backoff : -1;

	if (slot->status == 429)
	{
		HsApiError err;

		hs_parse_api_error(slot->body, slot->len, &err);
		if (err.policy_name && strcmp(err.policy_name, "DAILY") == 0)
			return -1;
	}
	refused = slot->status == 429 || slot->status == 423 || slot->status == 477;
	if (!refused && !(req->retry_safe && slot->status >= 500))
		return -1;

	asked = hs_retry_after_ms(slot);
	if (asked > HS_MAX_RETRY_AFTER_MS)
		return -1;
	if (asked >= 0)
		return asked;

	if (slot->status == 429)
	{
		/* the secondly (search) limit: a second a try, as HubSpot's client */
		if (hs_secondly_limit(req, slot))
			return 1000.0 * (attempt + 1);
		/* the rolling window: all of it */
		return (double) hs_limiter_interval_ms(conn->limiter);
	}
	if (slot->status == 423)
		return 2000.0;			/* locked: HubSpot asks for 2 s */
	return backoff;
}

/*
 * hs_http_finish
 *		Wait for a started request, repeat it while HubSpot or the network
 *		asks for that, and hand back the answer; any other failure, and a
 *		status the caller does not accept, is an error.
 */
void
hs_http_finish(HsConnection *conn, int idx, const HsRequest *req,
			   HsResponse *resp, HsCounters *counters, int accept)
{
	HsSlot	   *slot = &conn->slots[idx];
	int			attempt = 0;

	for (;;)
	{
		double		wait;

		hs_slot_wait(conn, slot);
		hs_limiter_release(conn->limiter, &slot->ticket);
		counters->bytes += slot->len;
		if (slot->result == CURLE_OK)
			hs_learn_limits(conn, slot);
		if (slot->status == 429)
			counters->throttled++;

		if (slot->result == CURLE_OK &&
			((slot->status >= 200 && slot->status < 300 && slot->status != 207) ||
			 (slot->status == 207 && (accept & HS_ACCEPT_207)) ||
			 (slot->status == 404 && (accept & HS_ACCEPT_404)) ||
			 (slot->status == 400 && (accept & HS_ACCEPT_400))))
			break;
		if (slot->result == CURLE_OK && slot->status == 207)
			break;				/* partial batch answers are the caller's */

		wait = hs_retry_wait_ms(conn, req, slot, attempt);
		if (wait < 0)
			hs_report_failure(conn, req, slot, attempt);
		attempt++;
		counters->retries++;
		if (slot->result == CURLE_OK && slot->status == 429)
		{
			/* a rate limit holds every request of the app, not this one */
			hs_limiter_pause(conn->limiter,
							 req->search && hs_secondly_limit(req, slot), wait);
		}
		else
			hs_sleep_ms(wait, counters);
		hs_pace(conn, req, slot, counters);
		hs_slot_send(conn, idx, req);
		counters->requests++;
	}

	resp->status = slot->status;
	resp->body = slot->body ? slot->body : "";
	resp->len = slot->len;
	resp->correlation_id = slot->correlation_id;
}

/*
 * hs_http_execute
 *		Send one request and wait for its answer.
 */
void
hs_http_execute(HsConnection *conn, const HsRequest *req, HsResponse *resp,
				HsCounters *counters, int accept)
{
	int			idx = hs_http_start(conn, req, counters);

	hs_http_finish(conn, idx, req, resp, counters, accept);
}

/*
 * hs_request_label
 *		"GET /crm/v3/objects/users" for messages: the path without query.
 */
static char *
hs_request_label(const HsRequest *req)
{
	const char *q = strchr(req->path, '?');
	int			len = q ? (int) (q - req->path) : (int) strlen(req->path);

	return psprintf("%s %.*s", hs_method_name(req->method), len, req->path);
}

/*
 * hs_error_detail
 *		HubSpot's own words as sentences for errdetail.
 */
static char *
hs_error_detail(HsSlot *slot, HsApiError *err)
{
	StringInfoData buf;
	const char *corr = err->correlation_id ? err->correlation_id :
		(slot->correlation_id[0] ? slot->correlation_id : NULL);

	initStringInfo(&buf);
	appendStringInfo(&buf, "HubSpot answered HTTP %ld", slot->status);
	if (err->message)
		appendStringInfo(&buf, ": %s", err->message);
	if (buf.len > 0 && buf.data[buf.len - 1] != '.')
		appendStringInfoChar(&buf, '.');
	if (err->first_error && (err->message == NULL ||
							 strcmp(err->first_error, err->message) != 0))
		appendStringInfo(&buf, " %s%s", err->first_error,
						 err->first_error[strlen(err->first_error) - 1] == '.' ? "" : ".");
	if (err->category)
		appendStringInfo(&buf, " Category: %s%s%s.", err->category,
						 err->sub_category ? ", " : "",
						 err->sub_category ? err->sub_category : "");
	if (corr)
		appendStringInfo(&buf, " Correlation id: %s.", corr);
	return buf.data;
}

/*
 * hs_report_failure
 *		Raise the error for a request that failed for good.
 */
static void
hs_report_failure(HsConnection *conn, const HsRequest *req, HsSlot *slot,
				  int attempt)
{
	char	   *label = hs_request_label(req);
	HsApiError err;
	char	   *detail;
	const char *what = req->what ? req->what : label;

	if (slot->result != CURLE_OK)
	{
		if (slot->result == CURLE_OPERATION_TIMEDOUT)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("HubSpot did not answer %s within %d ms", label,
							conn->request_timeout_ms),
					 errhint("Raise the server option \"request_timeout\", or retry later.")));
		if (slot->result == CURLE_WRITE_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("HubSpot's answer to %s is too large", label),
					 errdetail("Answers are limited to %d MB.", HS_MAX_BODY / (1024 * 1024))));
		if (slot->result == CURLE_PEER_FAILED_VERIFICATION ||
			slot->result == CURLE_SSL_CACERT_BADFILE ||
			slot->result == CURLE_SSL_ISSUER_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
					 errmsg("could not verify the TLS certificate of %s for %s",
							conn->api_url, label),
					 errdetail("%s.", slot->errbuf[0] ? slot->errbuf : curl_easy_strerror(slot->result)),
					 errhint("Certificates are always verified; if a proxy or a private CA stands in between, name its CA certificate with the server option \"ca_file\".")));
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not reach HubSpot for %s", label),
				 errdetail("%s.", slot->errbuf[0] ? slot->errbuf : curl_easy_strerror(slot->result)),
				 req->retry_safe
				 ? errhint_plural("The request was tried %d time; check the network and the server option \"api_url\".",
								  "The request was tried %d times; check the network and the server option \"api_url\".",
								  attempt + 1, attempt + 1)
				 : errhint("The request changes data and was not repeated; check in HubSpot whether it was applied.")));
	}

	hs_parse_api_error(slot->body, slot->len, &err);
	detail = hs_error_detail(slot, &err);

	if (hs_retry_after_ms(slot) > HS_MAX_RETRY_AFTER_MS &&
		(slot->status == 429 || slot->status == 423 || slot->status == 477 ||
		 slot->status >= 500))
		ereport(ERROR,
				(errcode(slot->status == 429 ? ERRCODE_CONFIGURATION_LIMIT_EXCEEDED :
						 ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("HubSpot asked to wait %.0f s before repeating %s",
						hs_retry_after_ms(slot) / 1000.0, label),
				 errdetail_internal("%s", detail),
				 errhint("Waits longer than %.0f minutes are not made; retry the query later.",
						 HS_MAX_RETRY_AFTER_MS / 60000.0)));

	switch (slot->status)
	{
		case 401:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("HubSpot rejected the access token"),
					 errdetail_internal("%s", detail),
					 errhint("Set a valid private app token in the user mapping's option \"access_token\".")));
			break;
		case 403:
			if (err.missing_scopes)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("HubSpot denied access to %s", what),
						 errdetail_internal("%s", detail),
						 errhint("Grant the private app the missing scopes: %s.", err.missing_scopes)));
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("HubSpot denied access to %s", what),
					 errdetail_internal("%s", detail),
					 errhint("Check the scopes of the private app behind the access token.")));
			break;
		case 404:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("HubSpot has nothing at %s", label),
					 errdetail_internal("%s", detail),
					 errhint("Check the foreign table's option \"object\" and the server option \"api_url\".")));
			break;
		case 429:
			if (err.policy_name && strcmp(err.policy_name, "DAILY") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						 errmsg("HubSpot's daily request limit is used up"),
						 errdetail_internal("%s", detail),
						 errhint("HubSpot resets the daily quota at midnight in the account's time zone; retry after that.")));
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("HubSpot's rate limit outlasted %d retries of %s",
							attempt, label),
					 errdetail_internal("%s", detail),
					 errhint("Retry later, lower the server option \"requests_per_10s\", or raise \"max_retries\".")));
			break;
		case 400:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("HubSpot refused %s", label),
					 errdetail_internal("%s", detail)));
			break;
		case 409:
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("HubSpot refused %s: it conflicts with an existing record", label),
					 errdetail_internal("%s", detail)));
			break;
		default:
			ereport(ERROR,
					(errcode(slot->status >= 500 ? ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION : ERRCODE_FDW_ERROR),
					 errmsg("HubSpot failed %s with HTTP %ld", label, slot->status),
					 errdetail_internal("%s", detail),
					 slot->status >= 500 && req->retry_safe
					 ? errhint("The request was tried %d times; retry later.", attempt + 1)
					 : 0));
	}
	pg_unreachable();
}
