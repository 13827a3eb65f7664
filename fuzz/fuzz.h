/*
 * fuzz.h
 *		What the fuzz targets share with pg_stubs.c.
 */
#ifndef HS_FUZZ_H
#define HS_FUZZ_H

#include <setjmp.h>

extern jmp_buf hs_fuzz_jmp;		/* an ERROR longjmps here */
extern void hs_fuzz_reset(void);	/* free what the last input allocated */

#endif
