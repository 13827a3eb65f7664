/*
 * fuzz_decode.c
 *		libFuzzer target: every decoder of HubSpot's answers (decode.c) on
 *		arbitrary bytes: a page of records (and each record's id), a single
 *		record, an error body, and both permitted-users answers.  Each may
 *		raise an ERROR (caught); none may crash, read or write out of
 *		bounds, or leak.
 */
#include "postgres.h"

#include <stdint.h>

#include "hubspot_fdw.h"
#include "fuzz.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *) data;
	HsPage		page;
	HsApiError	err;
	HsPermittedEntry *entries;
	char	   *next;
	volatile int i;

	if (setjmp(hs_fuzz_jmp) == 0)
	{
		hs_page_parse(&page, body, size, "results", "fuzz", CurrentMemoryContext);
		for (i = 0; i < page.nresults; i++)
			(void) hs_record_id(hs_page_record(&page, i));
	}
	if (setjmp(hs_fuzz_jmp) == 0)
		hs_page_parse(&page, body, size, NULL, "fuzz", CurrentMemoryContext);
	if (setjmp(hs_fuzz_jmp) == 0)
		hs_parse_api_error(body, size, &err);
	if (setjmp(hs_fuzz_jmp) == 0)
		(void) hs_parse_permitted_users(body, size, false, "fuzz",
										CurrentMemoryContext, &entries, NULL);
	if (setjmp(hs_fuzz_jmp) == 0)
		(void) hs_parse_permitted_users(body, size, true, "fuzz",
										CurrentMemoryContext, &entries, &next);
	hs_fuzz_reset();
	return 0;
}
