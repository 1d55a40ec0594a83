/*
** state.c - persistent agent state as one JSON object, written atomically.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "platform.h"
#include "state.h"

static const char *const phase_names[] = { "idle", "applying", "trial", "rollback" };

const char *state_phase_name(enum state_phase p)
{
	return (unsigned)p < 4 ? phase_names[p] : "?";
}

void state_init(struct agent_state *st)
{
	memset(st, 0, sizeof *st);
	st->phase = STATE_IDLE;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void get_str(json_t *o, const char *key, char *dst, size_t size)
{
	copy(dst, size, json_string_value(json_object_get(o, key)));
}

int state_load(const char *path, struct agent_state *st, struct dev_error *err)
{
	int ret = DEV_ERR_STATE;
	json_t *root = NULL, *box, *r;
	json_error_t jerr;
	const char *phase;
	size_t i;
	int p;

	state_init(st);
	if (!platform_exists(path))
		return DEV_OK;
	root = json_load_file(path, 0, &jerr);
	if (!json_is_object(root)) {
		ret = dev_error_set(err, DEV_ERR_STATE, "state '%s' unreadable: line %d: %s",
				    path, jerr.line, jerr.text);
		goto out;
	}
	phase = json_string_value(json_object_get(root, "phase"));
	for (p = 0; p < 4; p++)
		if (phase && !strcmp(phase, phase_names[p]))
			st->phase = (enum state_phase)p;
	get_str(root, "current", st->current, sizeof st->current);
	get_str(root, "previous", st->previous, sizeof st->previous);
	get_str(root, "target", st->target, sizeof st->target);
	get_str(root, "bad", st->bad, sizeof st->bad);
	get_str(root, "flash_sha", st->flash_sha, sizeof st->flash_sha);
	st->flash_used = (uint32_t)json_integer_value(json_object_get(root, "flash_used"));
	st->attempts = (int)json_integer_value(json_object_get(root, "attempts"));
	st->trial_since = json_integer_value(json_object_get(root, "trial_since"));
	st->floor = json_integer_value(json_object_get(root, "floor"));
	st->target_release = json_integer_value(json_object_get(root, "target_release"));
	st->target_rollback = json_is_true(json_object_get(root, "target_rollback"));
	box = json_object_get(root, "outbox");
	json_array_foreach(box, i, r) {
		if (st->noutbox >= STATE_MAX_OUTBOX)
			break;
		get_str(r, "state", st->outbox[st->noutbox].state,
			sizeof st->outbox[0].state);
		get_str(r, "sha256", st->outbox[st->noutbox].sha, sizeof st->outbox[0].sha);
		get_str(r, "detail", st->outbox[st->noutbox].detail,
			sizeof st->outbox[0].detail);
		get_str(r, "running", st->outbox[st->noutbox].running,
			sizeof st->outbox[0].running);
		st->noutbox++;
	}
	ret = DEV_OK;
out:
	json_decref(root);
	return ret;
}

int state_save(const char *path, const struct agent_state *st, struct dev_error *err)
{
	int ret = DEV_ERR_MEM;
	json_t *root = NULL, *box;
	char *text = NULL;
	int i;

	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:I, s:I, s:I, s:b, s:[]}",
			 "phase", state_phase_name(st->phase), "current", st->current,
			 "previous", st->previous, "target", st->target, "bad", st->bad,
			 "flash_sha", st->flash_sha, "flash_used", (json_int_t)st->flash_used,
			 "attempts", st->attempts, "trial_since", (json_int_t)st->trial_since,
			 "floor", (json_int_t)st->floor, "target_release",
			 (json_int_t)st->target_release, "target_rollback", st->target_rollback,
			 "outbox");
	box = json_object_get(root, "outbox");
	for (i = 0; box && i < st->noutbox; i++)
		if (json_array_append_new(box, json_pack("{s:s, s:s, s:s, s:s}",
				"state", st->outbox[i].state, "sha256", st->outbox[i].sha,
				"detail", st->outbox[i].detail, "running", st->outbox[i].running)))
			box = NULL;
	text = box ? json_dumps(root, JSON_INDENT(1)) : NULL;
	if (!text) {
		ret = dev_error_set(err, DEV_ERR_MEM, "out of memory saving state");
		goto out;
	}
	ret = platform_write_atomic(path, text, strlen(text), err);
out:
	free(text);
	json_decref(root);
	return ret;
}

void state_report(struct agent_state *st, const char *state, const char *sha,
		  const char *detail, const char *running)
{
	struct state_report *r;

	if (st->noutbox == STATE_MAX_OUTBOX)
		state_outbox_drop(st, 1);
	r = &st->outbox[st->noutbox++];
	copy(r->state, sizeof r->state, state);
	copy(r->sha, sizeof r->sha, sha);
	copy(r->detail, sizeof r->detail, detail);
	copy(r->running, sizeof r->running, running);
}

void state_outbox_drop(struct agent_state *st, int n)
{
	if (n > st->noutbox)
		n = st->noutbox;
	memmove(st->outbox, st->outbox + n, (size_t)(st->noutbox - n) * sizeof st->outbox[0]);
	st->noutbox -= n;
}
