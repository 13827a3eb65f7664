/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  HubSpot sends every property value as a string.  This file turns
 *		  those strings into the column's type, and SQL constants into the
 *		  strings HubSpot compares (epoch milliseconds for dates), and says
 *		  which table, column, record and value a failed conversion was.
 *		  A value that does not convert is an error, never a NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* Days from the Unix epoch to PostgreSQL's */
#define HS_EPOCH_DIFF_DAYS (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE)

/*
 * hs_crm_column_source
 *		Where a CRM table's column comes from, by its name.
 */
HsColumnSource
hs_crm_column_source(const char *attname, Oid typid)
{
	if (strcmp(attname, "id") == 0)
		return HS_COL_ID;
	if (strcmp(attname, "created_at") == 0)
		return HS_COL_CREATED_AT;
	if (strcmp(attname, "updated_at") == 0)
		return HS_COL_UPDATED_AT;
	if (strcmp(attname, "archived") == 0)
		return HS_COL_ARCHIVED;
	if (strcmp(attname, "archived_at") == 0)
		return HS_COL_ARCHIVED_AT;
	if (strcmp(attname, "properties") == 0 && (typid == JSONBOID || typid == JSONOID))
		return HS_COL_PROPERTIES_JSON;
	return HS_COL_PROPERTY;
}

/*
 * hs_camel_case
 *		"first_name" -> "firstName": the JSON field of a fixed table's column.
 */
static char *
hs_camel_case(const char *s)
{
	StringInfoData buf;
	bool		up = false;

	initStringInfo(&buf);
	for (; *s; s++)
	{
		if (*s == '_')
		{
			up = buf.len > 0;
			continue;
		}
		appendStringInfoChar(&buf, up ? pg_toupper((unsigned char) *s) : *s);
		up = false;
	}
	return buf.data;
}

/*
 * hs_has_property_option
 *		True when a column names its HubSpot property explicitly.
 */
static bool
hs_has_property_option(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		if (strcmp(((DefElem *) lfirst(lc))->defname, "property") == 0)
			return true;
	}
	return false;
}

/*
 * hs_columns_for_relation
 *		Describe how each column of a foreign table is filled.
 */
HsColumns *
hs_columns_for_relation(Relation rel, HsTableKind kind)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	HsColumns  *columns = palloc0(sizeof(HsColumns));
	int			i;

	columns->natts = tupdesc->natts;
	columns->cols = palloc0(sizeof(HsColumn) * Max(tupdesc->natts, 1));
	columns->relname = pstrdup(RelationGetRelationName(rel));

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		HsColumn   *col = &columns->cols[i];
		Oid			infunc;
		bool		explicit_name;

		col->attnum = i + 1;
		col->dropped = att->attisdropped;
		if (att->attisdropped)
			continue;
		col->attname = pstrdup(NameStr(att->attname));
		col->typid = att->atttypid;
		col->typmod = att->atttypmod;
		explicit_name = hs_has_property_option(RelationGetRelid(rel), i + 1);
		col->remote_name = hs_column_remote_name(RelationGetRelid(rel), i + 1);

		if (kind == HS_TABLE_CRM)
			col->source = explicit_name ? HS_COL_PROPERTY :
				hs_crm_column_source(col->attname, col->typid);
		else
		{
			col->source = HS_COL_FIELD;
			if (!explicit_name)
				col->remote_name = hs_camel_case(col->attname);
		}

		col->elemtypid = get_element_type(col->typid);
		if (OidIsValid(col->elemtypid) && col->source != HS_COL_PROPERTIES_JSON)
		{
			getTypeInputInfo(col->elemtypid, &infunc, &col->ioparam);
			get_typlenbyvalalign(col->elemtypid, &col->elemlen,
								 &col->elembyval, &col->elemalign);
		}
		else
		{
			col->elemtypid = InvalidOid;
			getTypeInputInfo(col->typid, &infunc, &col->ioparam);
		}
		fmgr_info(infunc, &col->input);
	}
	return columns;
}

/*
 * hs_is_epoch_ms
 *		True for a string of digits: HubSpot's epoch-millisecond dates.
 */
static bool
hs_is_epoch_ms(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p == '\0')
		return false;
	for (; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return false;
	}
	return (p - s) <= 16;
}

/*
 * hs_is_texty
 *		True for the types where "" is a value rather than "no value".
 */
static bool
hs_is_texty(Oid typid)
{
	return typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID ||
		typid == NAMEOID;
}

/*
 * hs_convert_scalar
 *		One string into one value of a type, through its input function,
 *		with HubSpot's epoch milliseconds understood for date types.
 */
static Datum
hs_convert_scalar(HsColumn *col, Oid typid, int32 typmod, const char *value,
				  bool *isnull)
{
	*isnull = false;

	/* HubSpot sends "" for a cleared value: no value, except for text */
	if (*value == '\0' && !hs_is_texty(typid))
	{
		*isnull = true;
		return (Datum) 0;
	}

	if ((typid == TIMESTAMPTZOID || typid == TIMESTAMPOID || typid == DATEOID) &&
		hs_is_epoch_ms(value))
	{
		int64		ms = strtoll(value, NULL, 10);

		if (typid == DATEOID)
		{
			int64		days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);

			return DateADTGetDatum((DateADT) (days - HS_EPOCH_DIFF_DAYS));
		}
		return TimestampTzGetDatum((TimestampTz) ms * 1000 -
								   (TimestampTz) HS_EPOCH_DIFF_DAYS * USECS_PER_DAY);
	}

	return InputFunctionCall(&col->input, (char *) value, col->ioparam, typmod);
}

/*
 * hs_convert_value
 *		A HubSpot string into the column's type.
 */
Datum
hs_convert_value(HsColumn *col, const char *value, bool *isnull)
{
	return hs_convert_scalar(col, col->typid, col->typmod, value, isnull);
}

/*
 * hs_convert_array
 *		A list of strings (NULL elements allowed) into the column's array
 *		type.
 */
Datum
hs_convert_array(HsColumn *col, List *elems, bool *isnull)
{
	int			n = list_length(elems);
	Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1];
	int			lbs[1];
	int			i = 0;
	ListCell   *lc;

	*isnull = false;
	foreach(lc, elems)
	{
		const char *e = (const char *) lfirst(lc);

		if (e == NULL)
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
		}
		else
			values[i] = hs_convert_scalar(col, col->elemtypid, -1, e, &nulls[i]);
		i++;
	}
	dims[0] = n;
	lbs[0] = 1;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(col->elemtypid));
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs,
											  col->elemtypid, col->elemlen,
											  col->elembyval, col->elemalign));
}

/*
 * hs_type_supported
 *		True for the column types whose values can be pushed to HubSpot.
 */
bool
hs_type_supported(Oid typid)
{
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case BOOLOID:
		case DATEOID:
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
			return true;
		default:
			return false;
	}
}

/*
 * hs_array_elements
 *		The elements of a one-dimensional array value and their null flags;
 *		returns how many there are.
 */
int
hs_array_elements(Datum array, Oid elemtype, Datum **elems, bool **nulls)
{
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	int			n;

	get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
	deconstruct_array(DatumGetArrayTypeP(array), elemtype, elmlen, elmbyval,
					  elmalign, elems, nulls, &n);
	return n;
}

/*
 * hs_is_record_id
 *		True for a record id HubSpot can have: a whole number, no sign.
 */
bool
hs_is_record_id(const char *s)
{
	char	   *end;

	if (*s == '\0' || *s == '-')
		return false;
	(void) strtoll(s, &end, 10);
	return *end == '\0';
}

/*
 * hs_datum_to_remote
 *		A SQL value as HubSpot compares it: dates and timestamps as epoch
 *		milliseconds, booleans as true/false, the rest in its text form.
 */
char *
hs_datum_to_remote(Datum value, Oid typid)
{
	switch (typid)
	{
		case BOOLOID:
			return pstrdup(DatumGetBool(value) ? "true" : "false");
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);

				if (DATE_NOT_FINITE(d))
					return NULL;
				return psprintf(INT64_FORMAT,
								((int64) d + HS_EPOCH_DIFF_DAYS) * 86400000);
			}
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
			{
				Timestamp	ts = DatumGetTimestamp(value);
				int64		us;

				if (TIMESTAMP_NOT_FINITE(ts))
					return NULL;
				us = ts + (int64) HS_EPOCH_DIFF_DAYS * USECS_PER_DAY;
				/* floor to the millisecond */
				return psprintf(INT64_FORMAT, us >= 0 ? us / 1000 : -((-us + 999) / 1000));
			}
		default:
			{
				Oid			outfunc;
				bool		isvarlena;

				getTypeOutputInfo(typid, &outfunc, &isvarlena);
				return OidOutputFunctionCall(outfunc, value);
			}
	}
}

/*
 * hs_convert_error_callback
 *		Error context: the table, column, record and value being converted.
 */
void
hs_convert_error_callback(void *arg)
{
	HsConvertContext *ctx = (HsConvertContext *) arg;

	if (ctx->attname == NULL)
		return;
	if (ctx->value && strlen(ctx->value) > 200)
		errcontext("column \"%s\" of foreign table \"%s\", HubSpot record %s, value \"%.200s...\"",
				   ctx->attname, ctx->relname,
				   ctx->record_id ? ctx->record_id : "(no id)", ctx->value);
	else
		errcontext("column \"%s\" of foreign table \"%s\", HubSpot record %s, value \"%s\"",
				   ctx->attname, ctx->relname,
				   ctx->record_id ? ctx->record_id : "(no id)",
				   ctx->value ? ctx->value : "");
}
