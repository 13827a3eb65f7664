/*
 * fuzz_hcrn.c
 *		libFuzzer target: HCRN and record id parsing (hcrn.c) on arbitrary
 *		text.  A parse either fails cleanly or gives a positive id and an
 *		account whose HCRN, written again, reads back the same.
 */
#include "postgres.h"

#include <stdint.h>
#include <stdio.h>

#include "hubspot_fdw.h"
#include "fuzz.h"

/* libc's, not libpgport's (not linked here) */
#undef vsnprintf
#undef snprintf

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = pnstrdup((const char *) data, size);
	int64		account;
	int64		id;
	int			type;
	char	   *type_id;

	if (hs_perm_parse_hcrn(s, &account, &type, &id, &type_id))
	{
		char		again[128];
		int64		account2;
		int64		id2;
		int			type2;

		if (id <= 0 || account <= 0)
			abort();
		if (type >= 0)
		{
			snprintf(again, sizeof(again), "hcrn:" INT64_FORMAT ":crm-object:%s:" INT64_FORMAT,
					 account, hs_perm_types[type].type_id, id);
			if (!hs_perm_parse_hcrn(again, &account2, &type2, &id2, NULL) ||
				account2 != account || type2 != type || id2 != id)
				abort();
		}
	}
	if (setjmp(hs_fuzz_jmp) == 0)
		(void) hs_perm_parse_id(s);
	hs_fuzz_reset();
	return 0;
}
