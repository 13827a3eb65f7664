/*-------------------------------------------------------------------------
 *
 * hcrn.c
 *		  HubSpot's record names (HCRN, hcrn:{accountId}:crm-object:
 *		  {objectTypeId}:{recordId}) and the object types that have
 *		  record permissions.  Kept apart from permitted.c, with nothing of
 *		  the planner or executor, so that the fuzz target (fuzz/) can link
 *		  it outside the backend.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>

#include "hubspot_fdw.h"

/* The object types HubSpot reports permissions for */
const HsPermType hs_perm_types[HS_PERM_NTYPES] = {
	{"contacts", "0-1"},
	{"companies", "0-2"},
	{"deals", "0-3"},
	{"tickets", "0-5"}
};

/*
 * hs_perm_type_index
 *		The type a name (by_id false) or type id names, or -1.
 */
int
hs_perm_type_index(const char *s, bool by_id)
{
	int			i;

	for (i = 0; i < HS_PERM_NTYPES; i++)
	{
		if (strcmp(s, by_id ? hs_perm_types[i].type_id : hs_perm_types[i].name) == 0)
			return i;
	}
	return -1;
}

/*
 * hs_perm_parse_id
 *		A record id as a number: a positive whole number, or an error.
 */
int64
hs_perm_parse_id(const char *s)
{
	const char *p;
	char	   *end;
	long long	v;

	for (p = s; *p; p++)
	{
		if (*p < '0' || *p > '9')
			break;
	}
	errno = 0;
	v = (*s >= '1' && *s <= '9' && *p == '\0') ? strtoll(s, &end, 10) : 0;
	if (v <= 0 || errno != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid HubSpot record id \"%s\"", s),
				 errdetail("An HCRN names a record by its id, a positive whole number.")));
	return (int64) v;
}

/*
 * hs_perm_parse_hcrn
 *		Split "hcrn:{account}:crm-object:{typeId}:{id}".  False if it does
 *		not have that form; *type is -1 for a type id HubSpot reports no
 *		permissions for.
 */
bool
hs_perm_parse_hcrn(const char *s, int64 *account, int *type, int64 *id,
				   char **type_id)
{
	const char *p = s;
	char	   *end;
	const char *t;
	char	   *tid;

	if (strncmp(p, "hcrn:", 5) != 0)
		return false;
	p += 5;
	if (*p < '1' || *p > '9')
		return false;
	errno = 0;
	*account = strtoll(p, &end, 10);
	if (errno != 0 || strncmp(end, ":crm-object:", 12) != 0)
		return false;
	t = end + 12;
	p = strchr(t, ':');
	if (p == NULL || p == t)
		return false;
	tid = pnstrdup(t, p - t);
	p++;
	if (*p < '1' || *p > '9')
		return false;
	errno = 0;
	*id = strtoll(p, &end, 10);
	if (errno != 0 || *end != '\0' || *id <= 0)
		return false;
	*type = hs_perm_type_index(tid, true);
	if (type_id)
		*type_id = tid;
	return true;
}
