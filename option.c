/*-------------------------------------------------------------------------
 *
 * option.c
 *		  Options of hubspot_fdw: which ones each catalog object takes, the
 *		  validator that checks them, and their resolution for one foreign
 *		  table (table over server over defaults).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>

#include "hubspot_fdw.h"

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(hubspot_fdw_validator);

/* Kinds of value an option takes, for the validator */
typedef enum HsOptionType
{
	HS_OPT_STRING,
	HS_OPT_URL,
	HS_OPT_BOOL,
	HS_OPT_POSITIVE_NUMBER,		/* seconds, may be fractional */
	HS_OPT_POSITIVE_INT,
	HS_OPT_NONNEGATIVE_INT,
	HS_OPT_OBJECT,
	HS_OPT_SECRET
} HsOptionType;

/* One valid option: its name, the catalog it belongs to, its type */
typedef struct HsOptionDef
{
	const char *name;
	Oid			context;
	HsOptionType type;
	int			maxval;			/* for integers; 0: INT_MAX */
} HsOptionDef;

static const HsOptionDef hs_options[] = {
	{"api_url", ForeignServerRelationId, HS_OPT_URL, 0},
	{"connect_timeout", ForeignServerRelationId, HS_OPT_POSITIVE_NUMBER, 0},
	{"request_timeout", ForeignServerRelationId, HS_OPT_POSITIVE_NUMBER, 0},
	{"max_retries", ForeignServerRelationId, HS_OPT_NONNEGATIVE_INT, 100},
	{"requests_per_10s", ForeignServerRelationId, HS_OPT_POSITIVE_INT, 100000},
	{"search_per_second", ForeignServerRelationId, HS_OPT_POSITIVE_INT, 1000},
	{"account_id", ForeignServerRelationId, HS_OPT_POSITIVE_INT, 0},
	{"ca_file", ForeignServerRelationId, HS_OPT_STRING, 0},
	{"permitted_users_batch", ForeignServerRelationId, HS_OPT_POSITIVE_INT, 1000},
	{"permitted_users_batch", ForeignTableRelationId, HS_OPT_POSITIVE_INT, 1000},
	{"max_requests", ForeignServerRelationId, HS_OPT_NONNEGATIVE_INT, 0},
	{"max_requests", ForeignTableRelationId, HS_OPT_NONNEGATIVE_INT, 0},
	{"use_remote_estimate", ForeignServerRelationId, HS_OPT_BOOL, 0},
	{"use_remote_estimate", ForeignTableRelationId, HS_OPT_BOOL, 0},
	{"updatable", ForeignServerRelationId, HS_OPT_BOOL, 0},
	{"updatable", ForeignTableRelationId, HS_OPT_BOOL, 0},
	{"concurrent_requests", ForeignServerRelationId, HS_OPT_POSITIVE_INT, HS_MAX_SLOTS - 2},
	{"concurrent_requests", ForeignTableRelationId, HS_OPT_POSITIVE_INT, HS_MAX_SLOTS - 2},
	{"access_token", UserMappingRelationId, HS_OPT_SECRET, 0},
	{"object", ForeignTableRelationId, HS_OPT_OBJECT, 0},
	{"allow_role_loss", ForeignTableRelationId, HS_OPT_BOOL, 0},
	{"send_welcome_email", ForeignTableRelationId, HS_OPT_BOOL, 0},
	{"property", AttributeRelationId, HS_OPT_STRING, 0},
	{NULL, InvalidOid, HS_OPT_STRING, 0}
};

/* The fixed (non-CRM) tables by their "object" name */
static const struct
{
	const char *name;
	HsTableKind kind;
}			hs_fixed_objects[] = {
	{"settings_users", HS_TABLE_SETTINGS_USERS},
	{"roles", HS_TABLE_ROLES},
	{"teams", HS_TABLE_TEAMS},
	{"owners", HS_TABLE_OWNERS},
	{"permitted_users", HS_TABLE_PERMITTED_USERS},
	{NULL, HS_TABLE_CRM}
};

/* CRM object names and their type ids */
static const char *const hs_crm_objects[][2] = {
	{"users", "0-115"},
	{"contacts", "0-1"},
	{"companies", "0-2"},
	{"deals", "0-3"},
	{"tickets", "0-5"},
	{NULL, NULL}
};

/*
 * hs_is_type_id
 *		True for a CRM object type id such as "0-115" or "2-1234567".
 */
static bool
hs_is_type_id(const char *s)
{
	const char *p = s;

	if (!isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
		p++;
	if (*p++ != '-' || !isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
		p++;
	return *p == '\0' && strlen(s) < 40;
}

/*
 * hs_parse_object
 *		Say what a table's "object" option names; false if nothing.
 *
 * For CRM kinds, *object_type receives the URL segment: the name for the
 * standard objects (type ids of standard objects become their names, so
 * that "0-115" and "users" ask the same thing), the id for custom ones.
 */
bool
hs_parse_object(const char *object, HsTableKind *kind, char **object_type)
{
	int			i;

	for (i = 0; hs_fixed_objects[i].name; i++)
	{
		if (strcmp(object, hs_fixed_objects[i].name) == 0)
		{
			*kind = hs_fixed_objects[i].kind;
			if (object_type)
				*object_type = NULL;
			return true;
		}
	}
	for (i = 0; hs_crm_objects[i][0]; i++)
	{
		if (strcmp(object, hs_crm_objects[i][0]) == 0 ||
			strcmp(object, hs_crm_objects[i][1]) == 0)
		{
			*kind = HS_TABLE_CRM;
			if (object_type)
				*object_type = pstrdup(hs_crm_objects[i][0]);
			return true;
		}
	}
	if (hs_is_type_id(object))
	{
		*kind = HS_TABLE_CRM;
		if (object_type)
			*object_type = pstrdup(object);
		return true;
	}
	return false;
}

/*
 * hs_is_loopback_host
 *		True when a URL's host is a loopback address or localhost.
 */
static bool
hs_is_loopback_host(const char *hostpart)
{
	return strncmp(hostpart, "localhost", 9) == 0 ||
		strncmp(hostpart, "127.", 4) == 0 ||
		strncmp(hostpart, "[::1]", 5) == 0;
}

/*
 * hs_check_url
 *		Check api_url: https, or http to a loopback address only.
 */
static void
hs_check_url(const char *name, const char *url)
{
	const char *host;
	const char *p;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
	{
		host = url + 7;
		if (!hs_is_loopback_host(host))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" must use https", name),
					 errdetail("Plain http is allowed only to a loopback address."),
					 errhint("Use a URL such as \"%s\".", HS_DEFAULT_API_URL)));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", name, url),
				 errhint("Use an https URL such as \"%s\".", HS_DEFAULT_API_URL)));

	if (*host == '\0' || *host == '/' || *host == ':')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", name, url),
				 errdetail("The URL has no host."),
				 errhint("Use a URL such as \"%s\".", HS_DEFAULT_API_URL)));
	for (p = url; *p; p++)
	{
		if (isspace((unsigned char) *p) || *p == '?' || *p == '#')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"%s\": \"%s\"", name, url),
					 errdetail("The URL may not contain white space, a query or a fragment."),
					 errhint("Use a URL such as \"%s\".", HS_DEFAULT_API_URL)));
	}
}

/*
 * hs_parse_int
 *		Parse a whole number option value; false if it is not one.
 */
static bool
hs_parse_int(const char *s, int64 *out)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = (int64) v;
	return true;
}

/*
 * hs_check_option_value
 *		Check one option's value against its type.
 */
static void
hs_check_option_value(const HsOptionDef *def, DefElem *d)
{
	char	   *val = defGetString(d);

	switch (def->type)
	{
		case HS_OPT_URL:
			hs_check_url(def->name, val);
			break;
		case HS_OPT_BOOL:
			(void) defGetBoolean(d);
			break;
		case HS_OPT_POSITIVE_NUMBER:
			{
				char	   *end;
				double		v;

				errno = 0;
				v = strtod(val, &end);
				if (errno != 0 || end == val || *end != '\0' || !(v > 0) ||
					v > 86400.0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"",
									def->name, val),
							 errhint("Give a positive number of seconds, at most 86400.")));
				break;
			}
		case HS_OPT_POSITIVE_INT:
		case HS_OPT_NONNEGATIVE_INT:
			{
				int64		v;
				int64		min = def->type == HS_OPT_POSITIVE_INT ? 1 : 0;
				int64		max = def->maxval > 0 ? def->maxval : PG_INT64_MAX;

				if (!hs_parse_int(val, &v) || v < min || v > max)
				{
					if (def->maxval > 0)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("invalid value for option \"%s\": \"%s\"",
										def->name, val),
								 errhint("Give a whole number from " INT64_FORMAT " to " INT64_FORMAT ".",
										 min, max)));
					else
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("invalid value for option \"%s\": \"%s\"",
										def->name, val),
								 errhint("Give a whole number of at least " INT64_FORMAT ".",
										 min)));
				}
				break;
			}
		case HS_OPT_OBJECT:
			{
				HsTableKind kind;

				if (!hs_parse_object(val, &kind, NULL))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"object\": \"%s\"", val),
							 errhint("Name a CRM object (users, contacts, companies, deals, tickets), an object type id such as \"2-1234567\", or one of settings_users, roles, teams, owners, permitted_users.")));
				break;
			}
		case HS_OPT_SECRET:
			if (*val == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"%s\" must not be empty", def->name)));
			break;
		case HS_OPT_STRING:
			if (*val == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"%s\" must not be empty", def->name)));
			break;
	}
}

/*
 * hubspot_fdw_validator
 *		Check the options given to CREATE or ALTER of a server, user
 *		mapping, foreign table or foreign table column.
 */
Datum
hubspot_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;
	bool		has_object = false;

	foreach(lc, options)
	{
		DefElem    *d = (DefElem *) lfirst(lc);
		const HsOptionDef *def = NULL;
		int			i;

		for (i = 0; hs_options[i].name; i++)
		{
			if (hs_options[i].context == catalog &&
				strcmp(hs_options[i].name, d->defname) == 0)
			{
				def = &hs_options[i];
				break;
			}
		}
		if (def == NULL)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			for (i = 0; hs_options[i].name; i++)
			{
				if (hs_options[i].context == catalog)
					appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
									 hs_options[i].name);
			}
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", d->defname),
					 buf.len > 0
					 ? errhint("Valid options in this context are: %s.", buf.data)
					 : errhint("There are no valid options in this context.")));
		}
		hs_check_option_value(def, d);
		if (strcmp(d->defname, "object") == 0)
			has_object = true;
	}

	/*
	 * A foreign table must say what it reads.  ALTER ... OPTIONS passes
	 * the resulting list, so this holds for ALTER too.
	 */
	if (catalog == ForeignTableRelationId && !has_object)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table needs option \"object\""),
				 errhint("Add OPTIONS (object 'users'), or another HubSpot object.")));

	PG_RETURN_VOID();
}

/*
 * hs_apply_option
 *		Set one option into the resolved set.
 */
static void
hs_apply_option(HsOptions *o, DefElem *d)
{
	const char *n = d->defname;

	if (strcmp(n, "api_url") == 0)
	{
		char	   *url = pstrdup(defGetString(d));
		size_t		len = strlen(url);

		while (len > 0 && url[len - 1] == '/')
			url[--len] = '\0';
		o->api_url = url;
	}
	else if (strcmp(n, "connect_timeout") == 0)
		o->connect_timeout_ms = (int) (strtod(defGetString(d), NULL) * 1000.0);
	else if (strcmp(n, "request_timeout") == 0)
		o->request_timeout_ms = (int) (strtod(defGetString(d), NULL) * 1000.0);
	else if (strcmp(n, "max_retries") == 0)
		o->max_retries = atoi(defGetString(d));
	else if (strcmp(n, "requests_per_10s") == 0)
		o->requests_per_10s = atoi(defGetString(d));
	else if (strcmp(n, "search_per_second") == 0)
		o->search_per_second = atoi(defGetString(d));
	else if (strcmp(n, "account_id") == 0)
		o->account_id = strtoll(defGetString(d), NULL, 10);
	else if (strcmp(n, "ca_file") == 0)
		o->ca_file = defGetString(d);
	else if (strcmp(n, "permitted_users_batch") == 0)
		o->permitted_users_batch = atoi(defGetString(d));
	else if (strcmp(n, "max_requests") == 0)
		o->max_requests = strtoll(defGetString(d), NULL, 10);
	else if (strcmp(n, "use_remote_estimate") == 0)
		o->use_remote_estimate = defGetBoolean(d);
	else if (strcmp(n, "updatable") == 0)
		o->updatable = defGetBoolean(d);
	else if (strcmp(n, "concurrent_requests") == 0)
		o->concurrent_requests = atoi(defGetString(d));
	else if (strcmp(n, "access_token") == 0)
		o->access_token = defGetString(d);
	else if (strcmp(n, "object") == 0)
		o->object = defGetString(d);
	else if (strcmp(n, "allow_role_loss") == 0)
		o->allow_role_loss = defGetBoolean(d);
	else if (strcmp(n, "send_welcome_email") == 0)
		o->send_welcome_email = defGetBoolean(d);
}

/*
 * hs_get_options
 *		Resolve every option of a foreign table for one user: defaults,
 *		then the server's, then the user mapping's, then the table's.
 */
HsOptions *
hs_get_options(Oid foreigntableid, Oid userid)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	HsOptions  *o = hs_server_options(table->serverid, userid);
	ListCell   *lc;

	foreach(lc, table->options)
		hs_apply_option(o, (DefElem *) lfirst(lc));

	if (o->object == NULL ||
		!hs_parse_object(o->object, &o->kind, &o->object_type))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no valid option \"object\"",
						get_rel_name(foreigntableid))));
	return o;
}

/*
 * hs_base_options
 *		The defaults, then a server's options.
 */
static HsOptions *
hs_base_options(Oid serverid)
{
	HsOptions  *o = palloc0(sizeof(HsOptions));
	ForeignServer *server = GetForeignServer(serverid);
	ListCell   *lc;

	o->api_url = HS_DEFAULT_API_URL;
	o->connect_timeout_ms = 10000;
	o->request_timeout_ms = 60000;
	o->max_retries = 5;
	o->requests_per_10s = 100;
	o->search_per_second = 5;
	o->permitted_users_batch = 20;
	o->max_requests = hs_guc_max_requests;	/* the options override it */
	o->updatable = true;
	o->concurrent_requests = 5;

	foreach(lc, server->options)
		hs_apply_option(o, (DefElem *) lfirst(lc));
	o->serverid = serverid;
	return o;
}

/*
 * hs_table_options
 *		The options of a foreign table that need no user: the defaults,
 *		then the server's, then the table's (no user mapping is read, so no
 *		token).  For the planner's questions about writes; a table without
 *		a valid "object" is left a CRM table with no object type.
 */
HsOptions *
hs_table_options(Oid foreigntableid)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	HsOptions  *o = hs_base_options(table->serverid);
	ListCell   *lc;

	foreach(lc, table->options)
		hs_apply_option(o, (DefElem *) lfirst(lc));
	if (o->object == NULL ||
		!hs_parse_object(o->object, &o->kind, &o->object_type))
	{
		o->kind = HS_TABLE_CRM;
		o->object_type = NULL;
	}
	return o;
}

/*
 * hs_object_is_users
 *		Whether a CRM table's object type is HubSpot's users (0-115).
 */
bool
hs_object_is_users(const char *object_type)
{
	return object_type != NULL &&
		(strcmp(object_type, "users") == 0 || strcmp(object_type, "0-115") == 0);
}

/*
 * hs_server_options
 *		The options of a server and user mapping, without a table (the
 *		defaults, then the server's, then the user mapping's).
 */
HsOptions *
hs_server_options(Oid serverid, Oid userid)
{
	HsOptions  *o = hs_base_options(serverid);
	UserMapping *user;
	ListCell   *lc;

	o->userid = userid;
	user = GetUserMapping(userid, serverid);
	foreach(lc, user->options)
		hs_apply_option(o, (DefElem *) lfirst(lc));
	return o;
}


/*
 * hs_column_remote_name
 *		The HubSpot name of a column: its "property" option or its name.
 */
char *
hs_column_remote_name(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = (DefElem *) lfirst(lc);

		if (strcmp(d->defname, "property") == 0)
			return pstrdup(defGetString(d));
	}
	return get_attname(relid, attnum, false);
}
