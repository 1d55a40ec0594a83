/* t_flash_list.c - lfsc_flash_list(): the listing of an absolute image read
** back from flash equals the listing of the relocatable image it was laid out
** from (lfsc_image_list), for every golden with an absolute twin; and it
** rejects a partition whose Protos are broken. */
#include "test.h"

static const char *const apps[] = {
	"edge_cases", "http_server", "json_config", "limits", "literals", "oled_display",
	"opcode_tour", "sensor_mesh", "shared_strings", "state_machine", "telnet_console",
	NULL
};

/* The listing of golden app's relocatable image and of its absolute one. */
static void same_listing(const char *app)
{
	char rel[128], abs[128];
	size_t rlen, alen;
	uint8_t *r, *a;
	struct lfsc_image *img;
	struct lfsc_flash *fl;
	struct lfsc_buffer want, got;
	struct lfsc_error e;

	snprintf(rel, sizeof rel, "lua53/golden/%s.img", app);
	snprintf(abs, sizeof abs, "lua53/golden/%s.abs.img", app);
	r = test_slurp(test_conf(rel), &rlen);
	a = test_slurp(test_conf(abs), &alen);
	lfsc_buffer_init(&want);
	lfsc_buffer_init(&got);
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_image_read(r, rlen, &img, &e), 0);
	assert_int_equal(lfsc_image_list(img, 1, &want), 0);
	assert_int_equal(lfsc_flash_open(a, alen, 0x40296000, LFSC_TARGET_LUA53, &fl, &e), 0);
	assert_int_equal(lfsc_flash_list(fl, 1, &got, &e), 0);
	if (got.len != want.len || memcmp(got.data, want.data, want.len))
		fail_msg("%s: the flash listing differs from the image listing", app);
	lfsc_flash_free(fl);
	lfsc_image_free(img);
	lfsc_buffer_release(&want);
	lfsc_buffer_release(&got);
	free(r);
	free(a);
}

static void goldens(void **state)
{
	int i;

	for (i = 0; apps[i]; i++)
		same_listing(apps[i]);
}

static void broken_proto(void **state)
{
	static const struct src src[] = { { "a.lua", "local t = {} return function() return t end" } };
	struct lfsc_buffer flash, out;
	struct lfsc_flash *fl;
	struct lfsc_error e;
	uint32_t rot, entries, main;

	lfsc_buffer_init(&flash);
	lfsc_buffer_init(&out);
	assert_int_equal(test_compile(src, 1, LFSC_OUT_ABSOLUTE, NULL, &flash, &e, NULL), 0);
	/* §A5.8: the module index's one entry points at the module main's Proto;
	** make that pointer miss the partition */
	memcpy(&rot, flash.data + 28, 4);
	memcpy(&entries, flash.data + 4 * rot + 12, 4);
	main = 0x40210000 + (uint32_t)flash.len + 64;
	memcpy(flash.data + (entries - 0x40210000) + 4, &main, 4);
	assert_int_equal(lfsc_flash_open(flash.data, flash.len, 0x40210000, LFSC_TARGET_LUA53,
	                                 &fl, &e), 0);
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_flash_list(fl, 1, &out, &e), LFSC_ERR_FORMAT);
	assert_non_null(strstr(e.text, "not a Proto"));
	lfsc_flash_free(fl);
	lfsc_buffer_release(&flash);
	lfsc_buffer_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(goldens),
		cmocka_unit_test(broken_proto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
