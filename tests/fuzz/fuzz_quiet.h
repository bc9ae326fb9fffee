/*
 * NAME
 *	fuzz_quiet.h 3h
 * SUMMARY
 *	the msg(3) sink the fuzz targets install: every line is dropped
 * DESCRIPTION
 *	Hostile inputs make the code under test warn on almost every run;
 *	printing those lines would slow libFuzzer down and bury its own
 *	output. msg_set_sink(fuzz_quiet, NULL) once per target.
 */
#ifndef FUZZ_QUIET_H
#define FUZZ_QUIET_H

#include "msg.h"

static void
fuzz_quiet(enum msg_level lvl, const char *text, void *ctx)
{
	(void)lvl;
	(void)text;
	(void)ctx;
}

#endif
