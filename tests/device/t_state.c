/*
** t_state.c - device/state.c: the agent state survives a save/load round
** trip, a missing file is the empty state, a damaged file is an error, the
** outbox drops its oldest report when full, and saving leaves no temp file.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../device/state.h"

static char dir[256], path[300];

static void missing_file(void **state)
{
	struct agent_state a;

	assert_int_equal(state_load(path, &a, NULL), 0);
	assert_int_equal(a.phase, STATE_IDLE);
	assert_string_equal(a.current, "");
	assert_int_equal(a.noutbox, 0);
}

static void round_trip(void **state)
{
	struct agent_state a, b;
	char tmp[310];

	assert_int_equal(state_load(path, &a, NULL), 0);
	a.phase = STATE_TRIAL;
	snprintf(a.current, sizeof a.current, "%064d", 1);
	snprintf(a.previous, sizeof a.previous, "%064d", 2);
	snprintf(a.target, sizeof a.target, "%064d", 3);
	snprintf(a.flash_sha, sizeof a.flash_sha, "%064d", 4);
	a.flash_used = 12345;
	a.attempts = 2;
	a.trial_since = 1700000000;
	state_report(&a, "rolled-back", a.target, "with \"quotes\"\nand a newline", a.current);
	assert_int_equal(state_save(path, &a, NULL), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);     /* no temp file left behind */
	assert_int_equal(state_load(path, &b, NULL), 0);
	/* every field survives */
	assert_int_equal(b.phase, STATE_TRIAL);
	assert_string_equal(b.current, a.current);
	assert_string_equal(b.previous, a.previous);
	assert_string_equal(b.target, a.target);
	assert_string_equal(b.flash_sha, a.flash_sha);
	assert_int_equal(b.flash_used, 12345);
	assert_int_equal(b.attempts, 2);
	assert_int_equal(b.trial_since, 1700000000);
	/* the outbox too, text intact */
	assert_int_equal(b.noutbox, 1);
	assert_string_equal(b.outbox[0].state, "rolled-back");
	assert_string_equal(b.outbox[0].detail, "with \"quotes\"\nand a newline");
	assert_string_equal(b.outbox[0].running, a.current);
}

static void outbox(void **state)
{
	struct agent_state b;
	char none[310];
	int i;

	snprintf(none, sizeof none, "%s/none.json", dir);
	assert_int_equal(state_load(none, &b, NULL), 0);     /* the empty state */
	state_report(&b, "booted", "", "first", NULL);
	for (i = 0; i < STATE_MAX_OUTBOX + 3; i++) {
		char d[20];
		snprintf(d, sizeof d, "r%d", i);
		state_report(&b, "failed", "", d, NULL);
	}
	/* a full outbox drops the oldest reports */
	assert_int_equal(b.noutbox, STATE_MAX_OUTBOX);
	assert_string_equal(b.outbox[0].detail, "r3");
	/* delivered reports leave from the front */
	state_outbox_drop(&b, 2);
	assert_int_equal(b.noutbox, STATE_MAX_OUTBOX - 2);
	assert_string_equal(b.outbox[0].detail, "r5");
}

static void damaged_file(void **state)
{
	struct agent_state b;
	struct dev_error e;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("{\"phase\": \"trial\", ", f);
	fclose(f);
	dev_error_clear(&e);
	assert_int_equal(state_load(path, &b, &e), DEV_ERR_STATE);
	assert_non_null(strstr(e.text, "unreadable"));
}

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "%s/t_state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/state.json", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_file),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(outbox),
		cmocka_unit_test(damaged_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
