/* t_listing_absolute.c - an absolute image lists itself: read back from its
** flash layout with lfsc_image_read_absolute(), its listing equals the
** listing of the relocatable image it was laid out from, for every golden
** with an absolute twin (lfsd lists stored absolute builds this way, with no
** second lfsc run); a layout with a broken Proto pointer is refused. */
#include "test.h"

static const char *const apps[] = {
	"edge_cases", "http_server", "json_config", "limits", "literals", "oled_display",
	"opcode_tour", "sensor_mesh", "shared_strings", "state_machine", "telnet_console",
	NULL
};

/* The listing of image data[0..len), absolute or not, into out. */
static int list(const uint8_t *data, size_t len, int absolute, struct lfsc_buffer *out,
                struct lfsc_error *e)
{
	struct lfsc_image *img = NULL;
	int ret;

	memset(e, 0, sizeof *e);
	ret = absolute ? lfsc_image_read_absolute(data, len, &img, e)
	               : lfsc_image_read(data, len, &img, e);
	if (!ret)
		ret = lfsc_image_list(img, 1, out);
	lfsc_image_free(img);
	return ret;
}

static void goldens(void **state)
{
	struct lfsc_buffer want, got;
	struct lfsc_error e;
	char rel[128], abs[128];
	size_t rlen, alen;
	uint8_t *r, *a;
	int i;

	for (i = 0; apps[i]; i++) {
		snprintf(rel, sizeof rel, "lua53/golden/%s.img", apps[i]);
		snprintf(abs, sizeof abs, "lua53/golden/%s.abs.img", apps[i]);
		r = test_slurp(test_conf(rel), &rlen);
		a = test_slurp(test_conf(abs), &alen);
		lfsc_buffer_init(&want);
		lfsc_buffer_init(&got);
		assert_int_equal(list(r, rlen, 0, &want, &e), 0);
		assert_int_equal(list(a, alen, 1, &got, &e), 0);
		if (got.len != want.len || memcmp(got.data, want.data, want.len))
			fail_msg("%s: the absolute image lists otherwise than the relocatable one", apps[i]);
		lfsc_buffer_release(&want);
		lfsc_buffer_release(&got);
		free(r);
		free(a);
	}
}

static void broken_proto(void **state)
{
	static const struct src src[] = { { "a.lua", "local t = {} return function() return t end" } };
	struct lfsc_buffer flash, out;
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
	assert_int_equal(list(flash.data, flash.len, 1, &out, &e), LFSC_ERR_FORMAT);
	assert_true(e.text[0] != '\0');
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
