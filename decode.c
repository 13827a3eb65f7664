/*-------------------------------------------------------------------------
 *
 * decode.c
 *		  HubSpot's JSON answers, decoded with json-c: pages of records and
 *		  their cursor, single records, error bodies, and the walk from one
 *		  record to a row's values.  The parsed tree of a page belongs to a
 *		  memory context and is freed when that context is reset or deleted,
 *		  errors included.
 *
 *		  json-c is used here and in deparse.c only: its "json_object" type
 *		  clashes with PostgreSQL's json_object() in utils/builtins.h, which
 *		  this file must not include.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "hubspot_fdw.h"

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

/* A parsed tree tied to a memory context */
typedef struct HsJsonHolder
{
	MemoryContextCallback cb;
	json_object *root;
} HsJsonHolder;

/*
 * hs_json_release
 *		Memory context callback: free a parsed tree.
 */
static void
hs_json_release(void *arg)
{
	HsJsonHolder *h = (HsJsonHolder *) arg;

	if (h->root)
		json_object_put(h->root);
	h->root = NULL;
}

/*
 * hs_body_excerpt
 *		The start of a body, printable, for an error detail.
 */
static char *
hs_body_excerpt(const char *body, size_t len)
{
	StringInfoData buf;
	size_t		i;
	size_t		n = Min(len, 120);

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) body[i];

		appendStringInfoChar(&buf, (c < 0x20 || c >= 0x7f) ? ' ' : (char) c);
	}
	if (len > n)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

/*
 * hs_json_parse
 *		Parse an answer; the tree lives until cxt is reset.  A body that
 *		is not JSON is an error.
 */
json_object *
hs_json_parse(const char *body, size_t len, const char *what, MemoryContext cxt)
{
	json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;
	HsJsonHolder *holder;

	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (tok == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	root = json_tokener_parse_ex(tok, body, (int) len);
	jerr = json_tokener_get_error(tok);
	if (root != NULL && jerr == json_tokener_success &&
		json_tokener_get_parse_end(tok) < len)
	{
		/* trailing bytes after the value: only white space is allowed */
		size_t		i;

		for (i = json_tokener_get_parse_end(tok); i < len; i++)
		{
			if (!isspace((unsigned char) body[i]))
			{
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
		}
	}
	json_tokener_free(tok);
	if (root == NULL || jerr != json_tokener_success)
	{
		if (root)
			json_object_put(root);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("HubSpot's answer to %s is not valid JSON", what),
				 len == 0 ? errdetail("The answer was empty.")
				 : errdetail("It begins: %s", hs_body_excerpt(body, len)),
				 errhint("A proxy or an outage page may stand between the server and HubSpot; check the server option \"api_url\".")));
	}

	holder = MemoryContextAlloc(cxt, sizeof(HsJsonHolder));
	holder->root = root;
	holder->cb.func = hs_json_release;
	holder->cb.arg = holder;
	MemoryContextRegisterResetCallback(cxt, &holder->cb);
	return root;
}

/*
 * hs_page_parse
 *		Decode a page: its records (under results_key, or the body itself
 *		when results_key is NULL), the next cursor and the total.
 */
void
hs_page_parse(HsPage *page, const char *body, size_t len,
			  const char *results_key, const char *what, MemoryContext cxt)
{
	json_object *root = hs_json_parse(body, len, what, cxt);
	json_object *paging;
	json_object *next;
	json_object *after;
	json_object *total;

	memset(page, 0, sizeof(HsPage));
	page->root = root;
	page->total = -1;

	if (!json_object_is_type(root, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("HubSpot's answer to %s is not a JSON object", what),
				 errdetail("It begins: %s", hs_body_excerpt(body, len))));

	if (results_key == NULL)
	{
		if (!json_object_object_get_ex(root, "id", NULL))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("HubSpot's answer to %s has no \"id\"", what),
					 errdetail("It begins: %s", hs_body_excerpt(body, len))));
		page->results = NULL;
		page->nresults = 1;
		return;
	}

	if (!json_object_object_get_ex(root, results_key, &page->results) ||
		!json_object_is_type(page->results, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("HubSpot's answer to %s has no \"%s\" array", what, results_key),
				 errdetail("It begins: %s", hs_body_excerpt(body, len))));
	page->nresults = (int) json_object_array_length(page->results);

	if (json_object_object_get_ex(root, "paging", &paging) &&
		json_object_is_type(paging, json_type_object) &&
		json_object_object_get_ex(paging, "next", &next) &&
		json_object_is_type(next, json_type_object) &&
		json_object_object_get_ex(next, "after", &after) &&
		!json_object_is_type(after, json_type_null))
	{
		const char *s = json_object_get_string(after);

		if (s == NULL || *s == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("HubSpot's answer to %s has an empty paging cursor", what)));
		page->next_after = MemoryContextStrdup(cxt, s);
	}
	if (json_object_object_get_ex(root, "total", &total) &&
		(json_object_is_type(total, json_type_int) ||
		 json_object_is_type(total, json_type_double)))
		page->total = json_object_get_int64(total);
}

/*
 * hs_page_record
 *		The i-th record of a page.
 */
json_object *
hs_page_record(HsPage *page, int i)
{
	json_object *rec;

	if (page->results == NULL)
		return page->root;
	rec = json_object_array_get_idx(page->results, i);
	if (rec == NULL || !json_object_is_type(rec, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("HubSpot sent a record that is not a JSON object")));
	return rec;
}

/*
 * hs_page_drop_record
 *		Take the i-th record out of a page (one HubSpot sent twice).
 */
void
hs_page_drop_record(HsPage *page, int i)
{
	if (page->results == NULL || i < 0 || i >= page->nresults)
		return;
	json_object_array_del_idx(page->results, (size_t) i, 1);
	page->nresults--;
}

/*
 * hs_get_str
 *		A member as a palloc'd string, NULL if absent or null.
 */
static char *
hs_get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) ||
		json_object_is_type(v, json_type_null))
		return NULL;
	return pstrdup(json_object_get_string(v));
}

/*
 * hs_json_get_str
 *		A field of an object as a palloc'd string (numbers in their JSON
 *		text), or NULL when absent or null.
 */
char *
hs_json_get_str(json_object *obj, const char *key)
{
	return hs_get_str(obj, key);
}

/*
 * hs_get_bool
 *		A boolean field of an object; false when absent or not a boolean.
 */
static bool
hs_get_bool(json_object *obj, const char *key)
{
	json_object *v;

	return obj != NULL && json_object_is_type(obj, json_type_object) &&
		json_object_object_get_ex(obj, key, &v) &&
		json_object_is_type(v, json_type_boolean) &&
		json_object_get_boolean(v);
}

/*
 * hs_json_get_int64
 *		A member as a number, or dflt.
 */
int64
hs_json_get_int64(json_object *obj, const char *key, int64 dflt)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) ||
		json_object_is_type(v, json_type_null))
		return dflt;
	if (json_object_is_type(v, json_type_string))
	{
		const char *s = json_object_get_string(v);
		char	   *end;
		long long	r;

		errno = 0;
		r = strtoll(s, &end, 10);
		if (errno != 0 || end == s || *end != '\0')
			return dflt;
		return (int64) r;
	}
	return json_object_get_int64(v);
}

/*
 * hs_parse_api_error
 *		Read HubSpot's error body, tolerating any shape or none.
 */
void
hs_parse_api_error(const char *body, size_t len, HsApiError *err)
{
	json_tokener *tok;
	json_object *root = NULL;
	json_object *v;

	memset(err, 0, sizeof(HsApiError));
	if (body == NULL || len == 0)
		return;
	tok = json_tokener_new();
	if (tok == NULL)
		return;
	root = json_tokener_parse_ex(tok, body, (int) len);
	json_tokener_free(tok);
	if (root == NULL)
		return;
	if (!json_object_is_type(root, json_type_object))
	{
		json_object_put(root);
		return;
	}

	err->message = hs_get_str(root, "message");
	err->category = hs_get_str(root, "category");
	if (err->category == NULL)
		err->category = hs_get_str(root, "errorType");
	err->sub_category = hs_get_str(root, "subCategory");
	err->correlation_id = hs_get_str(root, "correlationId");
	err->policy_name = hs_get_str(root, "policyName");

	if (json_object_object_get_ex(root, "errors", &v) &&
		json_object_is_type(v, json_type_array) &&
		json_object_array_length(v) > 0)
		err->first_error = hs_get_str(json_object_array_get_idx(v, 0), "message");

	if (json_object_object_get_ex(root, "context", &v) &&
		json_object_is_type(v, json_type_object))
	{
		json_object *scopes;

		if (json_object_object_get_ex(v, "missingScopes", &scopes) &&
			json_object_is_type(scopes, json_type_array))
		{
			StringInfoData buf;
			size_t		i;

			initStringInfo(&buf);
			for (i = 0; i < json_object_array_length(scopes); i++)
			{
				const char *s = json_object_get_string(json_object_array_get_idx(scopes, i));

				if (s)
					appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", s);
			}
			if (buf.len > 0)
				err->missing_scopes = buf.data;
		}
	}
	json_object_put(root);
}

/*
 * hs_value_text
 *		A JSON scalar as HubSpot means it: strings as they are, numbers and
 *		booleans in their JSON spelling, containers as JSON text; NULL for
 *		null.
 */
static const char *
hs_value_text(json_object *v)
{
	if (v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/*
 * hs_split_multi
 *		A ';'-joined multi-value as a list of strings.
 */
static List *
hs_split_multi(const char *s)
{
	List	   *elems = NIL;
	const char *start = s;
	const char *p;

	if (*s == '\0')
		return NIL;
	for (p = s;; p++)
	{
		if (*p == ';' || *p == '\0')
		{
			elems = lappend(elems, pnstrdup(start, p - start));
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return elems;
}

/*
 * hs_json_array_texts
 *		A JSON array's elements as strings (NULL for null elements).
 */
static List *
hs_json_array_texts(json_object *arr)
{
	List	   *elems = NIL;
	size_t		i;

	for (i = 0; i < json_object_array_length(arr); i++)
	{
		const char *t = hs_value_text(json_object_array_get_idx(arr, i));

		elems = lappend(elems, t ? pstrdup(t) : NULL);
	}
	return elems;
}

/*
 * hs_record_fill
 *		Fill the values of the columns in attrs from one record.  Record
 *		fields (id, createdAt, ...) and properties for CRM tables; for the
 *		other tables, each column's top-level JSON field.  With
 *		only_present, a column whose field or property the record leaves
 *		out keeps the value it had.
 */
static void
hs_record_fill(HsColumns *columns, List *retrieved_attrs, json_object *rec,
			   Datum *values, bool *nulls, bool only_present)
{
	json_object *props = NULL;
	ErrorContextCallback errcb;
	HsConvertContext ctx;
	ListCell   *lc;
	json_object *idv = NULL;

	(void) json_object_object_get_ex(rec, "properties", &props);
	if (props && !json_object_is_type(props, json_type_object))
		props = NULL;
	(void) json_object_object_get_ex(rec, "id", &idv);

	ctx.relname = columns->relname;
	ctx.attname = NULL;
	ctx.record_id = hs_value_text(idv);
	ctx.value = NULL;
	errcb.callback = hs_convert_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	foreach(lc, retrieved_attrs)
	{
		int			attnum = lfirst_int(lc);
		HsColumn   *col = &columns->cols[attnum - 1];
		json_object *v = NULL;
		const char *text = NULL;

		ctx.attname = col->attname;
		switch (col->source)
		{
			case HS_COL_ID:
				v = idv;
				break;
			case HS_COL_CREATED_AT:
				(void) json_object_object_get_ex(rec, "createdAt", &v);
				break;
			case HS_COL_UPDATED_AT:
				(void) json_object_object_get_ex(rec, "updatedAt", &v);
				break;
			case HS_COL_ARCHIVED:
				(void) json_object_object_get_ex(rec, "archived", &v);
				break;
			case HS_COL_ARCHIVED_AT:
				(void) json_object_object_get_ex(rec, "archivedAt", &v);
				break;
			case HS_COL_PROPERTIES_JSON:
				v = props;
				break;
			case HS_COL_PROPERTY:
				if (props)
					(void) json_object_object_get_ex(props, col->remote_name, &v);
				break;
			case HS_COL_FIELD:
				(void) json_object_object_get_ex(rec, col->remote_name, &v);
				break;
		}

		if (only_present && v == NULL)
			continue;
		if (col->source == HS_COL_ARCHIVED && v == NULL)
		{
			/* HubSpot leaves "archived" out of some answers: active */
			text = "false";
		}
		else
			text = hs_value_text(v);
		ctx.value = text;

		if (text == NULL)
		{
			values[attnum - 1] = (Datum) 0;
			nulls[attnum - 1] = true;
		}
		else if (OidIsValid(col->elemtypid))
		{
			List	   *elems;

			if (v && json_object_is_type(v, json_type_array))
				elems = hs_json_array_texts(v);
			else
				elems = hs_split_multi(text);
			values[attnum - 1] = hs_convert_array(col, elems, &nulls[attnum - 1]);
		}
		else
			values[attnum - 1] = hs_convert_value(col, text, &nulls[attnum - 1]);
	}
	error_context_stack = errcb.previous;
}

/*
 * hs_record_to_row
 *		Fill the values of the retrieved columns from one record; what the
 *		record leaves out is NULL.
 */
void
hs_record_to_row(HsColumns *columns, List *retrieved_attrs, json_object *rec,
				 Datum *values, bool *nulls)
{
	hs_record_fill(columns, retrieved_attrs, rec, values, nulls, false);
}

/*
 * hs_record_overlay
 *		Overwrite the values of the columns in attrs that one record
 *		carries (an answer to a write), leaving the others as they are.
 */
void
hs_record_overlay(HsColumns *columns, List *attrs, json_object *rec,
				  Datum *values, bool *nulls)
{
	hs_record_fill(columns, attrs, rec, values, nulls, true);
}

/*
 * hs_json_string_list
 *		A record's array of strings (or numbers) at key, as C strings; NIL
 *		when absent or null.
 */
List *
hs_json_string_list(json_object *rec, const char *key)
{
	json_object *v;
	List	   *out = NIL;
	List	   *elems;
	ListCell   *lc;

	if (rec == NULL || !json_object_object_get_ex(rec, key, &v) ||
		!json_object_is_type(v, json_type_array))
		return NIL;
	elems = hs_json_array_texts(v);
	foreach(lc, elems)
	{
		if (lfirst(lc) != NULL)
			out = lappend(out, lfirst(lc));
	}
	return out;
}

/*
 * hs_parse_batch_errors
 *		The errors of a batch answer (207): the first message, and every id
 *		named in the errors' context ("ids"), as C strings.
 */
void
hs_parse_batch_errors(const char *body, size_t len, char **message, List **ids)
{
	json_object *root;
	json_object *errors;
	size_t		i;

	*message = NULL;
	*ids = NIL;
	root = hs_json_parse(body, len, "the batch answer", CurrentMemoryContext);
	if (!json_object_object_get_ex(root, "errors", &errors) ||
		!json_object_is_type(errors, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(errors); i++)
	{
		json_object *e = json_object_array_get_idx(errors, i);
		json_object *ctx;

		if (*message == NULL)
			*message = hs_get_str(e, "message");
		if (json_object_object_get_ex(e, "context", &ctx))
			*ids = list_concat(*ids, hs_json_string_list(ctx, "ids"));
	}
}

/*
 * hs_record_id
 *		A record's "id" as a string, or NULL.
 */
char *
hs_record_id(json_object *rec)
{
	return hs_get_str(rec, "id");
}

/*
 * hs_permitted_users_of
 *		The user ids of one action object ({"action", "permittedUsers"})
 *		into an entry; ids are numbers, or strings of digits.
 */
static void
hs_permitted_users_of(json_object *actobj, const char *key, const char *resource,
					  const char *what, HsPermittedEntry *e)
{
	json_object *users = NULL;
	json_object *act = NULL;
	size_t		i;
	size_t		n;

	e->resource = pstrdup(resource);
	if (json_object_object_get_ex(actobj, "action", &act) &&
		json_object_is_type(act, json_type_string))
		e->action = pstrdup(json_object_get_string(act));
	else
		e->action = pstrdup(key);
	e->nusers = 0;
	e->users = NULL;
	if (!json_object_object_get_ex(actobj, "permittedUsers", &users) ||
		json_object_is_type(users, json_type_null))
		return;
	if (!json_object_is_type(users, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("HubSpot's answer to %s has a \"permittedUsers\" that is not an array", what),
				 errdetail("It is the users of %s for %s.", e->action, resource)));
	n = json_object_array_length(users);
	e->users = palloc(sizeof(int64) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		json_object *u = json_object_array_get_idx(users, i);
		const char *s;
		char	   *end;
		long long	v;

		if (json_object_is_type(u, json_type_int))
		{
			e->users[e->nusers++] = json_object_get_int64(u);
			continue;
		}
		s = json_object_is_type(u, json_type_string) ? json_object_get_string(u) : NULL;
		errno = 0;
		v = s ? strtoll(s, &end, 10) : 0;
		if (s == NULL || errno != 0 || end == s || *end != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("HubSpot's answer to %s has a user id that is not a number", what),
					 errdetail("It is \"%s\", among the users of %s for %s.",
							   hs_value_text(u) ? hs_value_text(u) : "null",
							   e->action, resource)));
		e->users[e->nusers++] = (int64) v;
	}
}

/*
 * hs_permitted_actions_of
 *		Every action of one resource's action map ({"crm-object:VIEW":
 *		{...}, ...}) appended to the entries; members that are not objects
 *		are fields no spec names, and are ignored.
 */
static void
hs_permitted_actions_of(json_object *actions, const char *resource,
						const char *what, HsPermittedEntry **entries,
						int *n, int *cap)
{
	json_object_iter it;

	if (actions == NULL || !json_object_is_type(actions, json_type_object))
		return;
	json_object_object_foreachC(actions, it)
	{
		if (!json_object_is_type(it.val, json_type_object))
			continue;
		if (*n >= *cap)
		{
			*cap = *cap * 2;
			*entries = repalloc(*entries, sizeof(HsPermittedEntry) * *cap);
		}
		hs_permitted_users_of(it.val, it.key, resource, what, &(*entries)[(*n)++]);
	}
}

/*
 * hs_parse_permitted_users
 *		Decode an answer of the permitted-users endpoints into entries of
 *		one resource and one action each, in HubSpot's order.  Unpaged:
 *		{"resources": {hcrn: {action: {"action", "permittedUsers"}}}};
 *		paged: {"results": [{"resource", "actionPermittedUsers": {...}}],
 *		"paging"}, whose next cursor goes to *next_after (NULL on the last
 *		page).  Everything is allocated in cxt.  Returns the entry count.
 */
int
hs_parse_permitted_users(const char *body, size_t len, bool paged,
						 const char *what, MemoryContext cxt,
						 HsPermittedEntry **entries, char **next_after)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	int			n = 0;
	int			cap = 16;

	*entries = palloc(sizeof(HsPermittedEntry) * cap);
	if (next_after)
		*next_after = NULL;

	if (!paged)
	{
		json_object *root = hs_json_parse(body, len, what, cxt);
		json_object *resources = NULL;
		json_object_iter it;

		if (!json_object_is_type(root, json_type_object) ||
			!json_object_object_get_ex(root, "resources", &resources) ||
			!json_object_is_type(resources, json_type_object))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("HubSpot's answer to %s has no \"resources\" object", what),
					 errdetail("It begins: %s", hs_body_excerpt(body, len))));
		json_object_object_foreachC(resources, it)
			hs_permitted_actions_of(it.val, it.key, what, entries, &n, &cap);
	}
	else
	{
		HsPage		page;
		int			i;

		hs_page_parse(&page, body, len, "results", what, cxt);
		for (i = 0; i < page.nresults; i++)
		{
			json_object *rec = hs_page_record(&page, i);
			char	   *resource = hs_get_str(rec, "resource");
			json_object *actions = NULL;

			if (resource == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("HubSpot's answer to %s has a result without \"resource\"", what)));
			(void) json_object_object_get_ex(rec, "actionPermittedUsers", &actions);
			hs_permitted_actions_of(actions, resource, what, entries, &n, &cap);
		}
		if (next_after)
			*next_after = page.next_after;
	}
	MemoryContextSwitchTo(old);
	return n;
}

/*
 * hs_property_defs
 *		Property definitions ({"name", "type", "fieldType", "hidden"}) of a
 *		JSON array, appended to defs.
 */
static List *
hs_property_defs(json_object *arr, List *defs)
{
	int			n = json_object_is_type(arr, json_type_array) ?
		(int) json_object_array_length(arr) : 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		json_object *p = json_object_array_get_idx(arr, i);
		json_object *hidden;
		json_object *meta;
		HsPropertyDef *d;

		if (!json_object_is_type(p, json_type_object))
			continue;
		d = palloc0(sizeof(HsPropertyDef));
		d->name = hs_get_str(p, "name");
		d->type = hs_get_str(p, "type");
		d->field_type = hs_get_str(p, "fieldType");
		d->hidden = json_object_object_get_ex(p, "hidden", &hidden) &&
			json_object_get_boolean(hidden);
		d->read_only = hs_get_bool(p, "calculated");
		if (json_object_object_get_ex(p, "modificationMetadata", &meta) &&
			hs_get_bool(meta, "readOnlyValue"))
			d->read_only = true;
		if (d->name != NULL && d->name[0] != '\0')
			defs = lappend(defs, d);
	}
	return defs;
}

/*
 * hs_parse_properties
 *		The property definitions of an answer of the properties API
 *		({"results": [...]}), appended to defs, in the current context.
 */
List *
hs_parse_properties(const char *body, size_t len, const char *what,
					MemoryContext cxt, List *defs)
{
	HsPage		page;

	hs_page_parse(&page, body, len, "results", what, cxt);
	return hs_property_defs(page.results, defs);
}

/*
 * hs_parse_schemas
 *		The custom object types of an answer of the schemas API: a list of
 *		HsObjectSchema, each with its property definitions.
 */
List *
hs_parse_schemas(const char *body, size_t len, const char *what,
				 MemoryContext cxt)
{
	HsPage		page;
	List	   *out = NIL;
	int			i;

	hs_page_parse(&page, body, len, "results", what, cxt);
	for (i = 0; i < page.nresults; i++)
	{
		json_object *o = hs_page_record(&page, i);
		json_object *props;
		HsObjectSchema *sc;

		if (!json_object_is_type(o, json_type_object))
			continue;
		sc = palloc0(sizeof(HsObjectSchema));
		sc->name = hs_get_str(o, "name");
		sc->object_type_id = hs_get_str(o, "objectTypeId");
		if (json_object_object_get_ex(o, "properties", &props))
			sc->properties = hs_property_defs(props, NIL);
		if (sc->name && sc->object_type_id)
			out = lappend(out, sc);
	}
	return out;
}


/*
 * hs_parse_id_names
 *		The ids and names of a list answer ({"results": [{id, name}]}), as
 *		two parallel lists of C strings (roles, teams).
 */
void
hs_parse_id_names(const char *body, size_t len, const char *what,
				  MemoryContext cxt, List **ids, List **names)
{
	HsPage		page;
	int			i;

	*ids = *names = NIL;
	hs_page_parse(&page, body, len, "results", what, cxt);
	for (i = 0; i < page.nresults; i++)
	{
		json_object *r = hs_page_record(&page, i);
		char	   *id = hs_get_str(r, "id");
		char	   *name = hs_get_str(r, "name");

		if (id == NULL)
			continue;
		*ids = lappend(*ids, id);
		*names = lappend(*names, name ? name : pstrdup(""));
	}
}
