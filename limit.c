/*-------------------------------------------------------------------------
 *
 * limit.c
 *		  The rate limiter of hubspot_fdw: it paces requests so that HubSpot
 *		  never has to refuse them.  HubSpot counts requests per app (one
 *		  access token) in a rolling window, ten seconds unless its
 *		  X-HubSpot-RateLimit-* headers say otherwise, and searches per
 *		  second apart from that.  A limiter keeps the times of the recent
 *		  requests of one app in a ring and lets a request go when the one
 *		  "max" requests before it has left the window.
 *
 *		  Limiters are keyed by a hash of the API URL and the token, so that
 *		  every server and user mapping of one app share one.  When the
 *		  library is loaded through shared_preload_libraries the limiters
 *		  live in shared memory and pace all the backends of the cluster
 *		  together (a spinlock per limiter, an LWLock to hand them out);
 *		  otherwise each backend paces its own requests alone.
 *
 *		  A request's entry in the ring is stamped when it is sent and
 *		  stamped again when its answer arrives: HubSpot counts it somewhere
 *		  in between, so the later time is the safe one to age from.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "hubspot_fdw.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/hsearch.h"

/* The ring of send times holds at most this many requests */
#define HS_LIMIT_RING 1024

/* ... and this many searches */
#define HS_LIMIT_SEARCH_RING 16

/* A margin on every window, for clock skew and transit to HubSpot */
#define HS_LIMIT_MARGIN_MS 50

/* Apps the shared limiter can tell apart; more get backend-local limiters */
#define HS_LIMIT_SHARED_APPS 64

/* One app's limiter */
struct HsLimiter
{
	uint64		key;			/* hash of api_url and token; 0: free */
	slock_t		mutex;			/* shared limiters only */
	int			learned_max;	/* X-HubSpot-RateLimit-Max, 0 unknown */
	int			learned_interval_ms;	/* -Interval-Milliseconds, 0 unknown */
	int64		paused_until;	/* no request before (after a 429) */
	int64		search_paused_until;
	uint64		taken;			/* requests let through so far */
	uint64		search_taken;
	int64		sent_at[HS_LIMIT_RING];
	int64		search_at[HS_LIMIT_SEARCH_RING];
};

/* The shared limiters */
typedef struct HsLimitShared
{
	LWLock	   *lock;			/* held to hand out a free limiter */
	HsLimiter	apps[HS_LIMIT_SHARED_APPS];
} HsLimitShared;

static HsLimitShared *hs_limit_shared = NULL;
static bool hs_limit_preloaded = false;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Backend-local limiters, by key */
static HTAB *hs_limit_local = NULL;

/*
 * hs_limit_now_ms
 *		Monotonic clock in milliseconds, the same in every backend.
 */
static int64
hs_limit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * hs_limit_shmem_request
 *		shmem_request_hook: room for the shared limiters and their lock.
 */
static void
hs_limit_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(HsLimitShared)));
	RequestNamedLWLockTranche("hubspot_fdw", 1);
}

/*
 * hs_limit_shmem_startup
 *		shmem_startup_hook: find or create the shared limiters.
 */
static void
hs_limit_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hs_limit_shared = ShmemInitStruct("hubspot_fdw limiters",
									  sizeof(HsLimitShared), &found);
	if (!found)
	{
		int			i;

		memset(hs_limit_shared, 0, sizeof(HsLimitShared));
		hs_limit_shared->lock = &(GetNamedLWLockTranche("hubspot_fdw"))->lock;
		for (i = 0; i < HS_LIMIT_SHARED_APPS; i++)
			SpinLockInit(&hs_limit_shared->apps[i].mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * hs_limit_init
 *		At library load: ask for shared memory when preloaded.
 */
void
hs_limit_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	hs_limit_preloaded = true;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = hs_limit_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = hs_limit_shmem_startup;
}

/*
 * hs_limit_shared_mode
 *		True when the limiters pace every backend of the cluster together.
 */
bool
hs_limit_shared_mode(void)
{
	return hs_limit_preloaded && hs_limit_shared != NULL;
}

/*
 * hs_limit_key
 *		The key of an app: a hash of the API URL and the token (the token
 *		itself is never kept here).
 */
static uint64
hs_limit_key(const char *api_url, const char *token)
{
	size_t		ulen = strlen(api_url);
	size_t		tlen = strlen(token);
	uint64		h;

	h = hash_bytes_extended((const unsigned char *) api_url, (int) ulen, 0);
	h = hash_bytes_extended((const unsigned char *) token, (int) tlen, h);
	return h == 0 ? 1 : h;
}

/*
 * hs_limiter_for
 *		The limiter of the app behind an API URL and a token.
 */
HsLimiter *
hs_limiter_for(const char *api_url, const char *token)
{
	uint64		key = hs_limit_key(api_url, token);
	HsLimiter  *lim;
	bool		found;

	if (hs_limit_shared_mode())
	{
		int			i;
		HsLimiter  *free_one = NULL;

		LWLockAcquire(hs_limit_shared->lock, LW_EXCLUSIVE);
		for (i = 0; i < HS_LIMIT_SHARED_APPS; i++)
		{
			lim = &hs_limit_shared->apps[i];
			if (lim->key == key)
			{
				LWLockRelease(hs_limit_shared->lock);
				return lim;
			}
			if (lim->key == 0 && free_one == NULL)
				free_one = lim;
		}
		if (free_one)
		{
			SpinLockAcquire(&free_one->mutex);
			free_one->key = key;
			SpinLockRelease(&free_one->mutex);
			LWLockRelease(hs_limit_shared->lock);
			return free_one;
		}
		LWLockRelease(hs_limit_shared->lock);
		ereport(WARNING,
				(errmsg("hubspot_fdw paces more than %d HubSpot apps: this one is paced per backend",
						HS_LIMIT_SHARED_APPS)));
	}

	if (hs_limit_local == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(HsLimiter);
		hs_limit_local = hash_create("hubspot_fdw limiters", 8, &ctl,
									 HASH_ELEM | HASH_BLOBS);
	}
	lim = hash_search(hs_limit_local, &key, HASH_ENTER, &found);
	if (!found)
	{
		memset(((char *) lim) + sizeof(uint64), 0, sizeof(HsLimiter) - sizeof(uint64));
		SpinLockInit(&lim->mutex);
	}
	return lim;
}

/*
 * hs_limiter_lock, hs_limiter_unlock
 *		Hold a limiter (a spinlock when it is shared: keep it short).
 */
static inline void
hs_limiter_lock(HsLimiter *lim)
{
	if (hs_limit_shared_mode())
		SpinLockAcquire(&lim->mutex);
}

static inline void
hs_limiter_unlock(HsLimiter *lim)
{
	if (hs_limit_shared_mode())
		SpinLockRelease(&lim->mutex);
}

/*
 * hs_limiter_window
 *		The limit in force: requests per interval, and the interval, as
 *		HubSpot's headers stated them, else the server's option.
 */
static void
hs_limiter_window(HsLimiter *lim, int option_max, int *max, int *interval_ms)
{
	*max = lim->learned_max > 0 ? lim->learned_max : Max(option_max, 1);
	*interval_ms = lim->learned_interval_ms > 0 ? lim->learned_interval_ms : 10000;
}

/*
 * hs_limiter_acquire
 *		Wait, interruptibly and counted, until one more request fits the
 *		window (and, for a search, the per-second limit); then take its
 *		place in the ring and describe it in *ticket.
 */
void
hs_limiter_acquire(HsLimiter *lim, int option_max, int search_per_second,
				   bool search, HsCounters *counters, HsTicket *ticket)
{
	for (;;)
	{
		int64		now = hs_limit_now_ms();
		int64		ready = now;
		int			max;
		int			interval;
		int			cap;
		int64		window;

		hs_limiter_lock(lim);
		hs_limiter_window(lim, option_max, &max, &interval);
		cap = Min(max, HS_LIMIT_RING);
		window = (int64) interval * cap / max;

		/* the request "cap" before this one must have left the window */
		if (lim->taken >= (uint64) cap)
			ready = Max(ready, lim->sent_at[(lim->taken - cap) % HS_LIMIT_RING] + window + HS_LIMIT_MARGIN_MS);
		ready = Max(ready, lim->paused_until);
		if (search)
		{
			int			smax = Max(search_per_second, 1);
			int			scap = Min(smax, HS_LIMIT_SEARCH_RING);
			int64		swindow = (int64) 1000 * scap / smax;

			if (lim->search_taken >= (uint64) scap)
				ready = Max(ready, lim->search_at[(lim->search_taken - scap) % HS_LIMIT_SEARCH_RING] + swindow + HS_LIMIT_MARGIN_MS);
			ready = Max(ready, lim->search_paused_until);
		}
		if (ready <= now)
		{
			ticket->seq = lim->taken++;
			lim->sent_at[ticket->seq % HS_LIMIT_RING] = now;
			ticket->search = search;
			if (search)
			{
				ticket->search_seq = lim->search_taken++;
				lim->search_at[ticket->search_seq % HS_LIMIT_SEARCH_RING] = now;
			}
			hs_limiter_unlock(lim);
			return;
		}
		hs_limiter_unlock(lim);
		hs_sleep_ms((double) (ready - now), counters);
	}
}

/*
 * hs_limiter_release
 *		The answer to a request arrived: age its entry from now.
 */
void
hs_limiter_release(HsLimiter *lim, HsTicket *ticket)
{
	int64		now = hs_limit_now_ms();

	hs_limiter_lock(lim);
	if (lim->taken - ticket->seq <= HS_LIMIT_RING)
	{
		int64	   *at = &lim->sent_at[ticket->seq % HS_LIMIT_RING];

		*at = Max(*at, now);
	}
	if (ticket->search && lim->search_taken - ticket->search_seq <= HS_LIMIT_SEARCH_RING)
	{
		int64	   *at = &lim->search_at[ticket->search_seq % HS_LIMIT_SEARCH_RING];

		*at = Max(*at, now);
	}
	hs_limiter_unlock(lim);
}

/*
 * hs_limiter_learn
 *		Follow the limit HubSpot's headers state (0 or less: not sent).
 */
void
hs_limiter_learn(HsLimiter *lim, int max, int interval_ms)
{
	hs_limiter_lock(lim);
	if (max > 0)
		lim->learned_max = max;
	if (interval_ms > 0)
		lim->learned_interval_ms = interval_ms;
	hs_limiter_unlock(lim);
}

/*
 * hs_limiter_interval_ms
 *		The window's length, as HubSpot stated it, else ten seconds.
 */
int
hs_limiter_interval_ms(HsLimiter *lim)
{
	int			max;
	int			interval;

	hs_limiter_lock(lim);
	hs_limiter_window(lim, 1, &max, &interval);
	hs_limiter_unlock(lim);
	return interval;
}

/*
 * hs_limiter_pause
 *		Hold every request of the app (or only its searches) for ms from
 *		now: HubSpot refused one, or said none is left in the window.
 */
void
hs_limiter_pause(HsLimiter *lim, bool search_only, double ms)
{
	int64		until = hs_limit_now_ms() + (int64) ms;

	hs_limiter_lock(lim);
	if (search_only)
		lim->search_paused_until = Max(lim->search_paused_until, until);
	else
		lim->paused_until = Max(lim->paused_until, until);
	hs_limiter_unlock(lim);
}
