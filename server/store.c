/* store.c - the data layer's entry points: each forwards to the backend's
** table (store.h), plus the record helpers every backend shares. */
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const char *const state_names[] = { "active", "paused", "revoked" };

const char *release_state_name(enum release_state s)
{
	return state_names[s];
}

int release_state_parse(const char *name, enum release_state *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (name && !strcmp(name, state_names[i])) {
			*s = (enum release_state)i;
			return 0;
		}
	return -1;
}

void build_lists_free(struct build_module *m, int nm, struct build_warning *w, int nw)
{
	int i;

	for (i = 0; i < nm; i++) {
		free(m[i].name);
		free(m[i].file);
	}
	for (i = 0; i < nw; i++) {
		free(w[i].file);
		free(w[i].message);
	}
	free(m);
	free(w);
}

void build_release(struct build *b)
{
	if (!b)
		return;
	build_lists_free(b->modules, b->nmodules, b->warnings, b->nwarnings);
	free(b->files);
	memset(b, 0, sizeof *b);
}

void store_close(struct store *s)
{
	if (s->ops)
		s->ops->close(s->impl);
	s->ops = NULL;
	s->impl = NULL;
}

int store_setting_get(struct store *s, const char *key, char *buf, size_t size)
{
	return s->ops->setting_get(s->impl, key, buf, size);
}

int store_setting_set(struct store *s, const char *key, const char *value)
{
	return s->ops->setting_set(s->impl, key, value);
}

int store_build_insert(struct store *s, struct build *b)
{
	return s->ops->build_insert(s->impl, b);
}

int store_build_find(struct store *s, const char *dedup_key, long long *id)
{
	return s->ops->build_find(s->impl, dedup_key, id);
}

int store_build_get(struct store *s, long long id, struct build *out)
{
	return s->ops->build_get(s->impl, id, out);
}

int store_builds_list(struct store *s, const struct build_query *q, store_build_cb cb,
                      void *cls)
{
	return s->ops->builds_list(s->impl, q, cb, cls);
}

int store_build_image(struct store *s, long long id, char sha[HASH_HEX_LEN + 1],
                      long long *size)
{
	return s->ops->build_image(s->impl, id, sha, size);
}

int store_build_source(struct store *s, long long id, const char *name,
                       char sha[HASH_HEX_LEN + 1])
{
	return s->ops->build_source(s->impl, id, name, sha);
}

int store_build_delete(struct store *s, long long id)
{
	return s->ops->build_delete(s->impl, id);
}

int store_blob_refs(struct store *s, store_blob_cb cb, void *cls)
{
	return s->ops->blob_refs(s->impl, cb, cls);
}

int store_release_create(struct store *s, struct release *r)
{
	return s->ops->release_create(s->impl, r);
}

int store_release_get(struct store *s, long long id, struct release *out)
{
	return s->ops->release_get(s->impl, id, out);
}

int store_releases_list(struct store *s, const char *channel, store_release_cb cb,
                        void *cls)
{
	return s->ops->releases_list(s->impl, channel, cb, cls);
}

int store_release_update(struct store *s, long long id, int percent,
                         const enum release_state *state, struct release *out)
{
	return s->ops->release_update(s->impl, id, percent, state, out);
}

int store_channels_list(struct store *s, store_channel_cb cb, void *cls)
{
	return s->ops->channels_list(s->impl, cb, cls);
}

int store_device_create(struct store *s, const struct device *d,
                        struct device_registration *reg)
{
	return s->ops->device_create(s->impl, d, reg);
}

int store_registration_get(struct store *s, const char *idem_sha,
                           struct device_registration *out)
{
	return s->ops->registration_get(s->impl, idem_sha, out);
}

int store_device_delete(struct store *s, const char *id)
{
	return s->ops->device_delete(s->impl, id);
}

int store_device_rekey(struct store *s, const char *id, const char *key_sha)
{
	return s->ops->device_rekey(s->impl, id, key_sha);
}

int store_device_move(struct store *s, const char *id, const char *channel)
{
	return s->ops->device_move(s->impl, id, channel);
}

int store_device_counts(struct store *s, const char *id, store_count_cb cb, void *cls)
{
	return s->ops->device_counts(s->impl, id, cb, cls);
}

int store_device_get(struct store *s, const char *id, struct device *out)
{
	return s->ops->device_get(s->impl, id, out);
}

int store_devices_list(struct store *s, const struct device_query *q, store_device_cb cb,
                       void *cls)
{
	return s->ops->devices_list(s->impl, q, cb, cls);
}

int store_devices_scan(struct store *s, const char *id, store_device_cb cb, void *cls)
{
	return s->ops->devices_scan(s->impl, id, cb, cls);
}

int store_device_events(struct store *s, const char *id, int limit, store_event_cb cb,
                        void *cls)
{
	return s->ops->device_events(s->impl, id, limit, cb, cls);
}

int store_device_report(struct store *s, const struct device_report *rep)
{
	return s->ops->device_report(s->impl, rep);
}

int store_devices_seen(struct store *s, const struct device_seen *v, size_t n)
{
	return s->ops->devices_seen(s->impl, v, n);
}

