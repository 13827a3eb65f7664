/*-------------------------------------------------------------------------
 *
 * pg_stubs.c
 *		  Just enough of the backend for the fuzz targets to run decode.c
 *		  and hcrn.c outside PostgreSQL: palloc and friends from an arena
 *		  freed after every input (running the reset callbacks, as a memory
 *		  context reset does), StringInfo, lappend, and ereport: an ERROR
 *		  formats its message (so that bad format strings show) and
 *		  longjmps back to the target, as PG_TRY would catch it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hubspot_fdw.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"

#include "fuzz.h"

/* libc's, not libpgport's (not linked here) */
#undef vsnprintf
#undef snprintf

jmp_buf		hs_fuzz_jmp;
static char hs_fuzz_msg[4096];

/* the arena: every block since the last reset, and the reset callbacks */
typedef struct Block
{
	struct Block *next;
	size_t		size;
	max_align_t data[];
} Block;
static Block *blocks = NULL;
static MemoryContextCallback *callbacks = NULL;

static MemoryContextData dummy_context;
MemoryContext CurrentMemoryContext = &dummy_context;
ErrorContextCallback *error_context_stack = NULL;

static void *
arena_alloc(size_t size)
{
	Block	   *b = malloc(sizeof(Block) + size);

	if (b == NULL)
		abort();
	b->next = blocks;
	b->size = size;
	blocks = b;
	return b->data;
}

void
hs_fuzz_reset(void)
{
	while (callbacks)
	{
		MemoryContextCallback *cb = callbacks;

		callbacks = cb->next;
		cb->func(cb->arg);
	}
	while (blocks)
	{
		Block	   *b = blocks;

		blocks = b->next;
		free(b);
	}
}

void *
palloc(Size size)
{
	return arena_alloc(size);
}

void *
palloc0(Size size)
{
	void	   *p = arena_alloc(size);

	memset(p, 0, size);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	Block	   *old = (Block *) ((char *) pointer - offsetof(Block, data));
	void	   *p = arena_alloc(size);

	memcpy(p, pointer, Min(old->size, size));
	return p;
}

void
pfree(void *pointer)
{
	(void) pointer;				/* freed with the arena */
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return arena_alloc(size);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return palloc0(size);
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = arena_alloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	return pstrdup(string);
}

void
MemoryContextRegisterResetCallback(MemoryContext context,
								   MemoryContextCallback *cb)
{
	cb->next = callbacks;
	callbacks = cb;
}

/* StringInfo */
void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	str->len = 0;
	str->data[0] = '\0';
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen = str->maxlen;

	if (needed < 0 || ((Size) needed) >= (MaxAllocSize - (Size) str->len))
		abort();
	needed += str->len + 1;
	while (needed > newlen)
		newlen *= 2;
	if (newlen > str->maxlen)
	{
		str->data = repalloc(str->data, newlen);
		str->maxlen = newlen;
	}
}

void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	appendBinaryStringInfo(str, &ch, 1);
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	for (;;)
	{
		va_list		args;
		int			avail = str->maxlen - str->len;
		int			n;

		va_start(args, fmt);
		n = vsnprintf(str->data + str->len, avail, fmt, args);
		va_end(args);
		if (n >= 0 && n < avail)
		{
			str->len += n;
			return;
		}
		enlargeStringInfo(str, n < 0 ? str->maxlen : n);
	}
}

/* List: lappend on integer, pointer and oid lists alike */
List *
lappend(List *list, void *datum)
{
	if (list == NIL)
	{
		list = palloc(offsetof(List, initial_elements) + 16 * sizeof(ListCell));
		list->type = T_List;
		list->length = 0;
		list->max_length = 16;
		list->elements = list->initial_elements;
	}
	else if (list->length == list->max_length)
	{
		ListCell   *e = palloc(sizeof(ListCell) * list->max_length * 2);

		memcpy(e, list->elements, sizeof(ListCell) * list->length);
		list->elements = e;
		list->max_length *= 2;
	}
	list->elements[list->length++].ptr_value = datum;
	return list;
}

/* ereport: ERROR and above go back to the target */
static int	hs_fuzz_elevel;

bool
errstart(int elevel, const char *domain)
{
	hs_fuzz_elevel = elevel;
	return elevel >= ERROR;		/* lower levels are not even formatted */
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (hs_fuzz_elevel >= ERROR)
		longjmp(hs_fuzz_jmp, 1);
}

#define FORMAT_INTO(fmt) \
	do { \
		va_list		args; \
		va_start(args, fmt); \
		vsnprintf(hs_fuzz_msg, sizeof(hs_fuzz_msg), fmt, args); \
		va_end(args); \
	} while (0)

int
errcode(int sqlerrcode)
{
	return 0;
}

int
errmsg(const char *fmt,...)
{
	FORMAT_INTO(fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FORMAT_INTO(fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	FORMAT_INTO(fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	FORMAT_INTO(fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	FORMAT_INTO(fmt);
	return 0;
}

/* convert.c is not part of the targets: reaching it is a bug here */
Datum
hs_convert_value(HsColumn *col, const char *text, bool *isnull)
{
	abort();
}

Datum
hs_convert_array(HsColumn *col, List *elems, bool *isnull)
{
	abort();
}

void
hs_convert_error_callback(void *arg)
{
	abort();
}
