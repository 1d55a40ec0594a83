/*
** nodemcu_rcr.c - the Reboot Config Record as a two-line file:
**   lfs <image name>\n  startup <command>\n
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodemcu_rcr.h"
#include "platform.h"

static void field(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);
	const char *p = text, *e;

	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, k) || p[k] != ' ')
			continue;
		e = strchr(p, '\n');
		snprintf(out, size, "%.*s", (int)((e ? e : p + strlen(p)) - p - k - 1), p + k + 1);
		return;
	}
}

int nodemcu_rcr_load(struct nodemcu_rcr *r, const char *data_dir, struct dev_error *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char *text;
	int ret;

	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s/rcr", data_dir);
	if (!platform_exists(r->path))
		return DEV_OK;
	if ((ret = platform_read_file(r->path, &data, &len, err)))
		return ret;
	text = realloc(data, len + 1);
	if (!text) {
		free(data);
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	}
	text[len] = '\0';
	field(text, "lfs", r->lfs, sizeof r->lfs);
	field(text, "startup", r->startup, sizeof r->startup);
	free(text);
	return DEV_OK;
}

int nodemcu_rcr_save(const struct nodemcu_rcr *r, struct dev_error *err)
{
	char text[400];
	int n = snprintf(text, sizeof text, "lfs %s\nstartup %s\n", r->lfs, r->startup);

	return platform_write_atomic(r->path, text, (size_t)n, err);
}
