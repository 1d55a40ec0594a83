/*
** t_state.c - device/state.c: the agent state survives a save/load round
** trip, a missing file is the empty state, a damaged file is an error, the
** outbox drops its oldest report when full, and saving leaves no temp file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../device/state.h"
#include "tap.h"

int main(void)
{
	char dir[256], path[300], cmd[400];
	struct agent_state a, b;
	struct dev_error e;
	FILE *f;
	int i;

	snprintf(dir, sizeof dir, "%s/t_state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/state.json", dir);
	ok(state_load(path, &a, NULL) == 0 && a.phase == STATE_IDLE && !a.current[0] &&
	   a.noutbox == 0, "a missing state file is the empty state");
	a.phase = STATE_TRIAL;
	snprintf(a.current, sizeof a.current, "%064d", 1);
	snprintf(a.previous, sizeof a.previous, "%064d", 2);
	snprintf(a.target, sizeof a.target, "%064d", 3);
	snprintf(a.flash_sha, sizeof a.flash_sha, "%064d", 4);
	a.flash_used = 12345;
	a.attempts = 2;
	a.trial_since = 1700000000;
	state_report(&a, "booted", a.target, "with \"quotes\"\nand a newline", NULL);
	ok(state_save(path, &a, NULL) == 0, "state saved");
	snprintf(cmd, sizeof cmd, "%s.tmp", path);
	ok(access(cmd, F_OK) != 0, "no temp file left behind");
	ok(state_load(path, &b, NULL) == 0, "state loaded");
	ok(b.phase == STATE_TRIAL && !strcmp(b.current, a.current) &&
	   !strcmp(b.previous, a.previous) && !strcmp(b.target, a.target) &&
	   !strcmp(b.flash_sha, a.flash_sha) && b.flash_used == 12345 && b.attempts == 2 &&
	   b.trial_since == 1700000000, "every field survives the round trip");
	ok(b.noutbox == 1 && !strcmp(b.outbox[0].state, "booted") &&
	   !strcmp(b.outbox[0].detail, "with \"quotes\"\nand a newline"),
	   "the outbox survives, text intact");
	for (i = 0; i < STATE_MAX_OUTBOX + 3; i++) {
		char d[20];
		snprintf(d, sizeof d, "r%d", i);
		state_report(&b, "failed", "", d, NULL);
	}
	ok(b.noutbox == STATE_MAX_OUTBOX && !strcmp(b.outbox[0].detail, "r3"),
	   "a full outbox drops the oldest reports");
	state_outbox_drop(&b, 2);
	ok(b.noutbox == STATE_MAX_OUTBOX - 2 && !strcmp(b.outbox[0].detail, "r5"),
	   "delivered reports leave from the front");
	f = fopen(path, "w");
	fputs("{\"phase\": \"trial\", ", f);
	fclose(f);
	dev_error_clear(&e);
	ok(state_load(path, &b, &e) == DEV_ERR_STATE && strstr(e.text, "unreadable"),
	   "a damaged state file is an error: %.60s", e.text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# cleanup failed\n");
	return done_testing();
}
