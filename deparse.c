/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		  The requests hubspot_fdw sends, built from the plan: list and
 *		  record paths with their query strings, batch-read bodies, and
 *		  search bodies (filter groups, one sort, properties, limit, cursor),
 *		  written with json-c so that every value is quoted right.
 *
 *		  Plan shapes read here (kept in fdw_private as plain node lists):
 *		  properties: List of String.
 *		  groups: List (OR) of List (AND) of filters; a filter is
 *		  list(String property, String operator, List values, Integer flags)
 *		  where a value is a String (constant text) or an Integer (the index
 *		  of an fdw_exprs entry evaluated at execution) and flags has
 *		  HS_FILTER_LOWER set when string values go in lower case.
 *		  sorts: List of list(String property, String direction).
 *
 *		  json-c lives here and in decode.c only (see hubspot_fdw.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "hubspot_fdw.h"

#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"

/*
 * hs_json_quote
 *		A C string as a JSON string literal.
 */
char *
hs_json_quote(const char *s)
{
	json_object *o = json_object_new_string(s);
	char	   *r = pstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
														   JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return r;
}

/*
 * hs_append_properties_param
 *		"&properties=a,b" for a list or record path.
 */
static void
hs_append_properties_param(StringInfo buf, List *properties)
{
	ListCell   *lc;
	bool		first = true;

	if (properties == NIL)
		return;
	appendStringInfoString(buf, "&properties=");
	foreach(lc, properties)
	{
		appendStringInfo(buf, "%s%s", first ? "" : ",", hs_url_encode(strVal(lfirst(lc))));
		first = false;
	}
}

/*
 * hs_build_list_path
 *		GET path of one page of a CRM object's list.
 */
char *
hs_build_list_path(const char *object_type, List *properties, int limit,
				   const char *after)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "/crm/v3/objects/%s?limit=%d", object_type, limit);
	hs_append_properties_param(&buf, properties);
	if (after)
		appendStringInfo(&buf, "&after=%s", hs_url_encode(after));
	return buf.data;
}

/*
 * hs_build_get_path
 *		GET path of one CRM record by id.
 */
char *
hs_build_get_path(const char *object_type, const char *id, List *properties)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "/crm/v3/objects/%s/%s?archived=false", object_type,
					 hs_url_encode(id));
	hs_append_properties_param(&buf, properties);
	return buf.data;
}

/*
 * hs_new_string_array
 *		A JSON array of the strings of a List.
 */
static json_object *
hs_new_string_array(List *strings)
{
	json_object *arr = json_object_new_array();
	ListCell   *lc;

	foreach(lc, strings)
		json_object_array_add(arr, json_object_new_string(strVal(lfirst(lc))));
	return arr;
}

/*
 * hs_json_finish
 *		Serialize a tree into a palloc'd string and free the tree.
 */
static char *
hs_json_finish(json_object *root)
{
	char	   *r = pstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
															JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(root);
	return r;
}

/*
 * hs_build_batch_read_body
 *		POST body of batch/read for a list of ids (C strings).
 */
char *
hs_build_batch_read_body(List *ids, List *properties)
{
	json_object *root = json_object_new_object();
	json_object *inputs = json_object_new_array();
	ListCell   *lc;

	foreach(lc, ids)
	{
		json_object *in = json_object_new_object();

		json_object_object_add(in, "id", json_object_new_string((char *) lfirst(lc)));
		json_object_array_add(inputs, in);
	}
	json_object_object_add(root, "inputs", inputs);
	json_object_object_add(root, "properties", hs_new_string_array(properties));
	return hs_json_finish(root);
}

/*
 * hs_lower_char
 *		Lower case of one code point as HubSpot (Java) folds it; false for
 *		a letter outside the scripts known here, whose folding is unsure.
 */
static bool
hs_lower_char(pg_wchar c, pg_wchar *out)
{
	*out = c;
	if (c < 0x80)
		*out = (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
	else if (c < 0xC0)
		;						/* Latin-1 signs: no case */
	else if (c <= 0xDE)
		*out = (c == 0xD7) ? c : c + 0x20;	/* À-Þ, not × */
	else if (c <= 0xFF)
		;						/* ß-ÿ: lower already */
	else if (c <= 0x17F)
	{
		/* Latin Extended-A: pairs, odd-based in two runs */
		if (c == 0x130 || c == 0x149 || c == 0x178)
			return false;		/* İ, ŉ, Ÿ: special */
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			*out = (c % 2 == 1) ? c + 1 : c;
		else if (c != 0x138 && c != 0x17F)
			*out = (c % 2 == 0) ? c + 1 : c;
	}
	else if (c >= 0x391 && c <= 0x3A9)
		*out = (c == 0x3A2) ? c : c + 0x20;	/* Greek capitals */
	else if (c >= 0x3AA && c <= 0x3FF)
		return c >= 0x3AC && c <= 0x3CE;	/* Greek small: fine */
	else if (c >= 0x400 && c <= 0x40F)
		*out = c + 0x50;		/* Cyrillic Ѐ-Џ */
	else if (c >= 0x410 && c <= 0x42F)
		*out = c + 0x20;		/* Cyrillic А-Я */
	else if (c >= 0x430 && c <= 0x45F)
		;						/* Cyrillic small */
	else if (c >= 0x2000 && c <= 0x2BFF)
		;						/* punctuation, symbols, arrows: no case */
	else if (c >= 0x2E80 && c <= 0x9FFF)
		;						/* CJK: no case */
	else if (c >= 0xAC00 && c <= 0xD7AF)
		;						/* Hangul */
	else if (c >= 0x1F000 && c <= 0x1FAFF)
		;						/* emoji */
	else if (c >= 0x600 && c <= 0x6FF)
		;						/* Arabic */
	else if (c >= 0x590 && c <= 0x5FF)
		;						/* Hebrew */
	else if (c >= 0xE00 && c <= 0xE7F)
		;						/* Thai */
	else
		return false;
	return true;
}

/*
 * hs_lower
 *		A value in lower case, as HubSpot's IN wants string values; NULL
 *		when it has a letter whose folding is not known here.
 */
static char *
hs_lower(const char *s)
{
	int			len = strlen(s);
	pg_wchar   *w = palloc(sizeof(pg_wchar) * (len + 1));
	int			n = pg_encoding_mb2wchar_with_len(PG_UTF8, s, w, len);
	unsigned char *r = palloc(len * 4 + 1);
	unsigned char *p = r;
	int			i;

	for (i = 0; i < n; i++)
	{
		pg_wchar	c;

		if (!hs_lower_char(w[i], &c))
			return NULL;
		p = unicode_to_utf8(c, p);
		p += pg_utf_mblen(p);
	}
	*p = '\0';
	return (char *) r;
}

/*
 * hs_add_value
 *		Append a filter value; for IN on strings both as written (for
 *		case-sensitive enumerations) and in lower case (for strings).
 *		False when the lower case is unsure: the filter must go.
 */
static bool
hs_add_value(List **out, char *t, bool lower)
{
	char	   *l;

	if (!lower)
	{
		*out = lappend(*out, t);
		return true;
	}
	l = hs_lower(t);
	if (l == NULL)
		return false;
	*out = lappend(*out, l);
	if (strcmp(l, t) != 0)
		*out = lappend(*out, t);
	return true;
}

/*
 * hs_filter_values
 *		The texts a filter's values stand for: constants as they are,
 *		parameters from their evaluated lists, or their labels when
 *		planning (params NULL: "$n").  NIL with *drop set when a value
 *		cannot be sent faithfully: the filter is left out, a superset.
 */
static List *
hs_filter_values(List *values, List **params, bool lower, bool *drop)
{
	List	   *out = NIL;
	ListCell   *lc;

	*drop = false;
	foreach(lc, values)
	{
		Node	   *v = (Node *) lfirst(lc);

		if (IsA(v, String))
		{
			if (!hs_add_value(&out, strVal(v), lower))
				*drop = true;
		}
		else
		{
			int			idx = intVal(v);

			if (params == NULL)
				out = lappend(out, psprintf("$%d", idx + 1));
			else
			{
				ListCell   *lc2;

				foreach(lc2, params[idx])
				{
					char	   *t = (char *) lfirst(lc2);

					if (t && !hs_add_value(&out, t, lower))
						*drop = true;
				}
			}
		}
	}
	return out;
}

/*
 * hs_add_filter
 *		Append one filter object to a JSON filters array.
 */
static void
hs_add_filter(json_object *filters, const char *property, const char *op,
			  List *texts)
{
	json_object *f = json_object_new_object();

	json_object_object_add(f, "propertyName", json_object_new_string(property));
	json_object_object_add(f, "operator", json_object_new_string(op));
	if (strcmp(op, "IN") == 0 || strcmp(op, "NOT_IN") == 0)
	{
		json_object *arr = json_object_new_array();
		ListCell   *lc;

		foreach(lc, texts)
			json_object_array_add(arr, json_object_new_string((char *) lfirst(lc)));
		json_object_object_add(f, "values", arr);
	}
	else if (strcmp(op, "BETWEEN") == 0 && list_length(texts) == 2)
	{
		json_object_object_add(f, "value", json_object_new_string(linitial(texts)));
		json_object_object_add(f, "highValue", json_object_new_string(lsecond(texts)));
	}
	else if (texts != NIL)
		json_object_object_add(f, "value", json_object_new_string(linitial(texts)));
	json_object_array_add(filters, f);
}

/*
 * hs_build_search_body
 *		POST body of a search.  params (one List of texts per fdw_exprs
 *		entry) is NULL when the body is built for EXPLAIN before execution;
 *		with drop_params, filters on such values are left out (Postgres
 *		checks them again).  extra filters, in the plan's filter form with
 *		constant values, are added to every group: how a search goes on past
 *		HubSpot's 10,000-result cap ("hs_object_id GT last id") and how a
 *		sort splits records with and without a value.
 */
/*
 * hs_add_extra_filters
 *		Add the executor's own filters (constants only) to a group.
 */
static void
hs_add_extra_filters(json_object *filters, List *extra)
{
	ListCell   *lc;

	foreach(lc, extra)
	{
		List	   *f = (List *) lfirst(lc);
		bool		drop;

		hs_add_filter(filters, strVal(linitial(f)), strVal(lsecond(f)),
					  hs_filter_values((List *) lthird(f), NULL, false, &drop));
	}
}

/*
 * hs_filter_has_param
 *		True when a filter's values are computed at execution.
 */
static bool
hs_filter_has_param(List *f)
{
	ListCell   *lc;

	foreach(lc, (List *) lthird(f))
	{
		if (!IsA(lfirst(lc), String))
			return true;
	}
	return false;
}

char *
hs_build_search_body(List *groups, List *sorts, List *properties, int limit,
					 const char *after, List **params, bool drop_params,
					 List *extra)
{
	json_object *root = json_object_new_object();
	json_object *jgroups = json_object_new_array();
	ListCell   *lc;
	bool		match_all = false;

	foreach(lc, groups)
	{
		List	   *group = (List *) lfirst(lc);
		json_object *jg = json_object_new_object();
		json_object *filters = json_object_new_array();
		ListCell   *lc2;
		int			n = 0;

		foreach(lc2, group)
		{
			List	   *f = (List *) lfirst(lc2);
			int			flags = intVal(lfourth(f));

			List	   *texts;
			bool		drop;

			/* dropped filters are rechecked by Postgres: a superset */
			if (drop_params && hs_filter_has_param(f))
				continue;
			texts = hs_filter_values((List *) lthird(f), params,
									 (flags & HS_FILTER_LOWER) != 0, &drop);
			if (drop)
				continue;

			/*
			 * A parameter that came to no value (NULL, an empty array, an
			 * infinite date) leaves its filter nothing to send: leave the
			 * filter out, Postgres checks the qual again.
			 */
			if (texts == NIL && hs_filter_has_param(f) &&
				strcmp(strVal(lsecond(f)), "HAS_PROPERTY") != 0 &&
				strcmp(strVal(lsecond(f)), "NOT_HAS_PROPERTY") != 0)
				continue;
			hs_add_filter(filters, strVal(linitial(f)), strVal(lsecond(f)),
						  texts);
			n++;
		}
		if (n == 0)
			match_all = true;
		hs_add_extra_filters(filters, extra);
		json_object_object_add(jg, "filters", filters);
		json_object_array_add(jgroups, jg);
	}
	if (match_all)
	{
		/* a group that lost all its filters matches everything */
		json_object_put(jgroups);
		jgroups = json_object_new_array();
		groups = NIL;
	}
	if (groups == NIL && extra != NIL)
	{
		json_object *jg = json_object_new_object();
		json_object *filters = json_object_new_array();

		hs_add_extra_filters(filters, extra);
		json_object_object_add(jg, "filters", filters);
		json_object_array_add(jgroups, jg);
	}
	json_object_object_add(root, "filterGroups", jgroups);

	if (sorts != NIL)
	{
		json_object *jsorts = json_object_new_array();

		foreach(lc, sorts)
		{
			List	   *s = (List *) lfirst(lc);
			json_object *js = json_object_new_object();

			json_object_object_add(js, "propertyName", json_object_new_string(strVal(linitial(s))));
			json_object_object_add(js, "direction", json_object_new_string(strVal(lsecond(s))));
			json_object_array_add(jsorts, js);
		}
		json_object_object_add(root, "sorts", jsorts);
	}
	json_object_object_add(root, "properties", hs_new_string_array(properties));
	json_object_object_add(root, "limit", json_object_new_int(limit));
	if (after)
		json_object_object_add(root, "after", json_object_new_string(after));
	return hs_json_finish(root);
}

/*
 * hs_make_filter
 *		A filter in the plan's form with a constant value (or none).
 */
List *
hs_make_filter(const char *property, const char *op, const char *value)
{
	return list_make4(makeString(pstrdup(property)), makeString(pstrdup(op)),
					  value ? list_make1(makeString(pstrdup(value))) : NIL,
					  makeInteger(0));
}

/*
 * hs_fields_object
 *		A JSON object of fields to write (a List of HsField).
 */
static json_object *
hs_fields_object(List *fields)
{
	json_object *o = json_object_new_object();
	ListCell   *lc;

	foreach(lc, fields)
	{
		HsField    *f = (HsField *) lfirst(lc);
		json_object *v;

		if (f->is_array)
		{
			ListCell   *le;

			v = json_object_new_array();
			foreach(le, f->values)
				json_object_array_add(v, json_object_new_string((char *) lfirst(le)));
		}
		else if (f->value == NULL)
			v = NULL;
		else if (f->is_bool)
			v = json_object_new_boolean(strcmp(f->value, "true") == 0);
		else
			v = json_object_new_string(f->value);
		json_object_object_add(o, f->name, v);
	}
	return o;
}

/*
 * hs_build_fields_body
 *		The body of a create or an update: the fields as an object, or
 *		wrapped in one named wrap ({"properties": {...}}).
 */
char *
hs_build_fields_body(List *fields, const char *wrap)
{
	json_object *o = hs_fields_object(fields);

	if (wrap)
	{
		json_object *root = json_object_new_object();

		json_object_object_add(root, wrap, o);
		o = root;
	}
	return hs_json_finish(o);
}

/*
 * hs_build_batch_update_body
 *		POST body of batch/update: one input per id, with its properties
 *		(field_lists: a List of Lists of HsField, parallel to ids).
 */
char *
hs_build_batch_update_body(List *ids, List *field_lists)
{
	json_object *root = json_object_new_object();
	json_object *inputs = json_object_new_array();
	ListCell   *li,
			   *lf;

	forboth(li, ids, lf, field_lists)
	{
		json_object *in = json_object_new_object();

		json_object_object_add(in, "id", json_object_new_string((char *) lfirst(li)));
		json_object_object_add(in, "properties", hs_fields_object((List *) lfirst(lf)));
		json_object_array_add(inputs, in);
	}
	json_object_object_add(root, "inputs", inputs);
	return hs_json_finish(root);
}
