/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA hubspot [LIMIT TO | EXCEPT] FROM SERVER s
 *		  INTO local: a foreign table for every table the wrapper knows.
 *
 *		  - users, contacts, companies, deals, tickets: columns from
 *		    HubSpot's properties API (GET /crm/v3/properties/{type}, and
 *		    ?archived=true with include_archived_properties), typed number
 *		    -> numeric, bool -> boolean, datetime -> timestamptz, date ->
 *		    date, multi-value enumeration (fieldType checkbox) -> text[],
 *		    anything else -> text; plus id, created_at, updated_at, archived
 *		    and properties.  Hidden properties only with include_hidden.
 *		  - the account's custom objects, from GET /crm/v3/schemas (one
 *		    request for all of them, properties included).
 *		  - settings_users, roles, teams, owners, permitted_users: fixed
 *		    columns.
 *		  Property names become valid, unique, lower-case column names; the
 *		  column option "property" keeps HubSpot's name where they differ.
 *		  Tables left out by LIMIT TO / EXCEPT cost no request.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "hubspot_fdw.h"

#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* The standard CRM objects, in the order they are created */
static const char *const hs_import_crm[] = {
	"users", "contacts", "companies", "deals", "tickets"
};

/* The tables whose columns are fixed */
static const char *const hs_import_fixed[][2] = {
	{"settings_users", "id bigint, email text, first_name text, last_name text, "
	 "role_id bigint, role_ids bigint[], primary_team_id bigint, "
	 "secondary_team_ids bigint[], super_admin boolean, seat_names text[]"},
	{"roles", "id bigint, name text, requires_billing_write boolean"},
	{"teams", "id bigint, name text, user_ids bigint[], secondary_user_ids bigint[]"},
	{"owners", "id bigint, type text, email text, first_name text, last_name text, "
	 "user_id bigint, user_id_including_inactive bigint, teams jsonb, "
	 "archived boolean, created_at timestamptz, updated_at timestamptz"},
	{"permitted_users", "object_type text, object_type_id text, object_id bigint, "
	 "resource text, action text, user_id bigint"}
};

/* What an import needs on its way */
typedef struct HsImport
{
	ImportForeignSchemaStmt *stmt;
	ForeignServer *server;
	HsOptions  *opts;
	HsConnection *conn;
	bool		include_hidden;
	bool		include_archived;
	HsCounters	counters;
} HsImport;

/*
 * hs_import_wanted
 *		True when LIMIT TO / EXCEPT lets a table through.
 */
static bool
hs_import_wanted(ImportForeignSchemaStmt *stmt, const char *name)
{
	ListCell   *lc;
	bool		listed = false;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	foreach(lc, stmt->table_list)
	{
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			listed = true;
	}
	return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? listed : !listed;
}

/*
 * hs_import_may_want_custom
 *		False when LIMIT TO names only the tables this file knows by name,
 *		so that the schemas request can be left out.
 */
static bool
hs_import_may_want_custom(ImportForeignSchemaStmt *stmt)
{
	ListCell   *lc;

	if (stmt->list_type != FDW_IMPORT_SCHEMA_LIMIT_TO)
		return true;
	foreach(lc, stmt->table_list)
	{
		const char *name = ((RangeVar *) lfirst(lc))->relname;
		bool		known = false;
		int			i;

		for (i = 0; i < lengthof(hs_import_crm); i++)
			known = known || strcmp(name, hs_import_crm[i]) == 0;
		for (i = 0; i < lengthof(hs_import_fixed); i++)
			known = known || strcmp(name, hs_import_fixed[i][0]) == 0;
		if (!known)
			return true;
	}
	return false;
}

/*
 * hs_import_get
 *		One GET of the import, its answer in the current memory context.
 */
static void
hs_import_get(HsImport *im, char *path, char *what, HsResponse *resp)
{
	HsRequest	req;

	memset(&req, 0, sizeof(req));
	req.method = HS_GET;
	req.retry_safe = true;
	req.path = path;
	req.what = what;
	hs_http_execute(im->conn, &req, resp, &im->counters, 0);
}

/*
 * hs_import_column_name
 *		A valid, lower-case column name for a property, unique among used
 *		(which it joins).
 */
static char *
hs_import_column_name(const char *property, List **used)
{
	StringInfoData buf;
	char	   *base;
	char	   *name;
	const char *p;
	int			n = 1;
	ListCell   *lc;
	bool		taken;

	initStringInfo(&buf);
	if (!isalpha((unsigned char) property[0]) && property[0] != '_')
		appendStringInfoChar(&buf, '_');
	for (p = property; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		appendStringInfoChar(&buf, (isalnum(c) && c < 128) ? tolower(c) : '_');
	}
	if (buf.len >= NAMEDATALEN - 4)
		buf.data[NAMEDATALEN - 5] = '\0';
	base = buf.data;
	name = base;
	do
	{
		taken = false;
		foreach(lc, *used)
		{
			if (strcmp((char *) lfirst(lc), name) == 0)
				taken = true;
		}
		if (taken)
			name = psprintf("%s_%d", base, ++n);
	} while (taken);
	*used = lappend(*used, name);
	return name;
}

/*
 * hs_import_type
 *		The column type of a HubSpot property type.
 */
static const char *
hs_import_type(const HsPropertyDef *d)
{
	const char *t = d->type ? d->type : "string";

	if (strcmp(t, "number") == 0)
		return "numeric";
	if (strcmp(t, "bool") == 0)
		return "boolean";
	if (strcmp(t, "datetime") == 0)
		return "timestamptz";
	if (strcmp(t, "date") == 0)
		return "date";
	if (strcmp(t, "enumeration") == 0 && d->field_type &&
		strcmp(d->field_type, "checkbox") == 0)
		return "text[]";
	return "text";
}

/*
 * hs_import_crm_table
 *		CREATE FOREIGN TABLE for a CRM object type from its properties.
 */
static char *
hs_import_crm_table(HsImport *im, const char *table, const char *object,
					List *props)
{
	StringInfoData buf;
	List	   *used = list_make5(pstrdup("id"), pstrdup("created_at"),
								  pstrdup("updated_at"), pstrdup("archived"),
								  pstrdup("properties"));
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n  id bigint",
					 quote_identifier(table));
	foreach(lc, props)
	{
		HsPropertyDef *d = (HsPropertyDef *) lfirst(lc);
		char	   *col;

		if ((d->hidden && !im->include_hidden) ||
			strcmp(d->name, "hs_object_id") == 0)
			continue;
		col = hs_import_column_name(d->name, &used);
		appendStringInfo(&buf, ",\n  %s %s", quote_identifier(col), hs_import_type(d));
		if (strcmp(col, d->name) != 0)
			appendStringInfo(&buf, " OPTIONS (property %s)", quote_literal_cstr(d->name));
	}
	appendStringInfo(&buf, ",\n  created_at timestamptz, updated_at timestamptz,"
					 " archived boolean, properties jsonb\n) SERVER %s OPTIONS (object %s)",
					 quote_identifier(im->server->servername), quote_literal_cstr(object));
	return buf.data;
}

/*
 * hs_import_options
 *		The import's own options: include_hidden, include_archived_properties.
 */
static void
hs_import_options(HsImport *im)
{
	ListCell   *lc;

	foreach(lc, im->stmt->options)
	{
		DefElem    *d = (DefElem *) lfirst(lc);

		if (strcmp(d->defname, "include_hidden") == 0)
			im->include_hidden = defGetBoolean(d);
		else if (strcmp(d->defname, "include_archived_properties") == 0)
			im->include_archived = defGetBoolean(d);
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", d->defname),
					 errhint("Valid options of IMPORT FOREIGN SCHEMA are include_hidden and include_archived_properties.")));
	}
}

/*
 * hs_import_foreign_schema
 *		ImportForeignSchema: the CREATE FOREIGN TABLE commands.
 */
List *
hs_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	HsImport	im;
	List	   *commands = NIL;
	HsResponse	resp;
	int			i;

	if (strcmp(stmt->remote_schema, "hubspot") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" is not available on HubSpot", stmt->remote_schema),
				 errhint("Import from schema \"hubspot\".")));
	memset(&im, 0, sizeof(im));
	im.stmt = stmt;
	im.server = GetForeignServer(serverOid);
	im.opts = hs_server_options(serverOid, GetUserId());
	hs_import_options(&im);
	im.conn = hs_get_connection(im.server, GetUserMapping(GetUserId(), serverOid),
								im.opts);

	for (i = 0; i < lengthof(hs_import_crm); i++)
	{
		const char *type = hs_import_crm[i];
		List	   *props;

		if (!hs_import_wanted(stmt, type))
			continue;
		hs_import_get(&im, psprintf("/crm/v3/properties/%s", type),
					  psprintf("the properties of %s", type), &resp);
		props = hs_parse_properties(resp.body, resp.len, "the properties",
									CurrentMemoryContext, NIL);
		if (im.include_archived)
		{
			hs_import_get(&im, psprintf("/crm/v3/properties/%s?archived=true", type),
						  psprintf("the archived properties of %s", type), &resp);
			props = hs_parse_properties(resp.body, resp.len, "the properties",
										CurrentMemoryContext, props);
		}
		commands = lappend(commands, hs_import_crm_table(&im, type, type, props));
	}

	/* custom objects: one request for all, unless LIMIT TO names none */
	if (hs_import_may_want_custom(stmt))
	{
		List	   *schemas;
		ListCell   *lc;
		List	   *used = NIL;

		hs_import_get(&im, "/crm/v3/schemas", "the custom object schemas", &resp);
		schemas = hs_parse_schemas(resp.body, resp.len, "the custom object schemas",
								   CurrentMemoryContext);
		foreach(lc, schemas)
		{
			HsObjectSchema *sc = (HsObjectSchema *) lfirst(lc);
			char	   *table = hs_import_column_name(sc->name, &used);

			if (hs_import_wanted(stmt, table))
				commands = lappend(commands,
								   hs_import_crm_table(&im, table, sc->object_type_id,
													   sc->properties));
		}
	}

	for (i = 0; i < lengthof(hs_import_fixed); i++)
	{
		if (hs_import_wanted(stmt, hs_import_fixed[i][0]))
			commands = lappend(commands,
							   psprintf("CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (object %s)",
										quote_identifier(hs_import_fixed[i][0]),
										hs_import_fixed[i][1],
										quote_identifier(im.server->servername),
										quote_literal_cstr(hs_import_fixed[i][0])));
	}
	hs_counters_add(hs_server_counters(serverOid), &im.counters);
	return commands;
}
