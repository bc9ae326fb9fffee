/*
 * NAME
 *	aux_spawn_bench 1
 * SUMMARY
 *	how long a new sandboxed child takes, spawner to READY
 * SYNOPSIS
 *	MAIL_CONFIG=DIR aux_spawn_bench [COUNT]
 * DESCRIPTION
 *	Starts the spawner (policy/spawner.c) as smtpjail's parent does,
 *	then asks COUNT times (default 200) for a child of a new nexthop
 *	(parent/child_pool.c: SPAWN, the child's fork and lock-down, READY,
 *	CONFIG sent) and prints the median and the 10th and 90th
 *	percentiles of that time. Each child is stopped before the next is
 *	asked for, outside the measured time. A measurement, not a test:
 *	it asserts nothing (BENCHMARKS.md has the figures). Needs root.
 * SEE ALSO
 *	parent/child_pool.c, policy/spawner.c, BENCHMARKS.md
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child_pool.h"
#include "msg.h"

#define BENCH_MAX	10000

static void
bench_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl >= MSG_LVL_ERROR)
		fprintf(stderr, "aux_spawn_bench: %s\n", text);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	static double t[BENCH_MAX];
	static struct sj_config cfg;
	static struct child_pool pool;
	char   *cargv[] = { "smtpjail", "-t", "unix", NULL };
	char	why[1024], nexthop[32];
	struct child_ctl *cc;
	struct timespec a, b;
	int	i, n = argc > 1 ? atoi(argv[1]) : 200;

	if (n < 1 || n > BENCH_MAX) {
		fprintf(stderr, "usage: aux_spawn_bench [1..%d]\n", BENCH_MAX);
		return (2);
	}
	if (sj_config_load(&cfg, 3, cargv, why, sizeof(why)) < 0) {
		fprintf(stderr, "aux_spawn_bench: %s\n", why);
		return (1);
	}
	msg_set_sink(bench_sink, NULL);
	if (child_pool_init(&pool, &cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "aux_spawn_bench: %s\n", why);
		return (1);
	}
	for (i = 0; i < n; i++) {
		snprintf(nexthop, sizeof(nexthop), "n%d.bench", i);
		clock_gettime(CLOCK_MONOTONIC, &a);
		cc = child_pool_get(&pool, nexthop, why, sizeof(why));
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (cc == NULL) {
			fprintf(stderr, "aux_spawn_bench: %s\n", why);
			return (1);
		}
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		child_pool_put(&pool, cc, 1);
	}
	qsort(t, (size_t)n, sizeof(t[0]), bench_cmp);
	printf("spawn -> READY (CONFIG sent), %d children: median %.3f ms, "
	    "p10 %.3f ms, p90 %.3f ms\n", n, t[n / 2], t[n / 10],
	    t[n * 9 / 10]);
	child_pool_close_all(&pool);
	return (0);
}
