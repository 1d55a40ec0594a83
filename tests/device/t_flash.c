/*
** t_flash.c - flash emulation rules (device/flash.c) and the failsafe loader
** (device/install.c): erase/program rules, faults, the power cut at every
** operation of a load (one forked child per step), and the boot-time flag.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../device/flash.h"
#include "../../device/install.h"

enum { PART = 16 * FLASH_SECTOR, LEN = 3 * FLASH_SECTOR + 1000 };

static char dir[256];
static uint8_t a[LEN], b[LEN - 2000];   /* two fake layouts */

static struct flash *open_flash(const char *name, uint32_t size, long cut)
{
	char path[400];
	struct flash *fl = NULL;
	struct dev_error e;

	dev_error_clear(&e);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (flash_open(path, size, 0x40296000, cut, &fl, &e))
		printf("# flash_open: %s\n", e.text);
	return fl;
}

static void rules(void **state)
{
	struct flash *fl = open_flash("rules.bin", 4 * FLASH_SECTOR, 0);
	struct dev_error e;
	uint8_t buf[FLASH_SECTOR], w[8] = { 0x0F, 0xF0, 0x00, 0xFF, 1, 2, 3, 4 };
	int erased, i;

	assert_non_null(fl);                            /* a new flash file is created */
	flash_read(fl, 0, buf, FLASH_SECTOR, NULL);
	for (i = 0; i < FLASH_SECTOR; i++)              /* a new chip reads all 0xFF */
		assert_int_equal(buf[i], 0xFF);
	assert_int_equal(flash_program(fl, 8, w, 8, NULL), 0);    /* erased area */
	flash_read(fl, 8, buf, 8, NULL);
	assert_memory_equal(buf, w, 8);
	dev_error_clear(&e);
	w[0] = 0xFF;                                    /* a program that sets a bit */
	assert_int_equal(flash_program(fl, 8, w, 8, &e), DEV_ERR_FLASH);
	assert_non_null(strstr(e.text, "would set bits"));
	flash_read(fl, 8, buf, 8, NULL);
	assert_int_equal(buf[0], 0x0F);                 /* a refused program writes nothing */
	w[0] = 0x0C; w[1] = 0x00;                       /* clears more bits only */
	assert_int_equal(flash_program(fl, 8, w, 8, NULL), 0);
	flash_read(fl, 8, buf, 2, NULL);
	assert_int_equal(buf[0], 0x0C);
	assert_int_equal(buf[1], 0x00);
	assert_int_equal(flash_program(fl, 2, w, 4, NULL), DEV_ERR_FLASH);      /* unaligned */
	assert_int_equal(flash_program(fl, 4 * FLASH_SECTOR - 4, w, 8, NULL),   /* past the end */
			 DEV_ERR_FLASH);
	assert_int_equal(flash_erase(fl, 4, NULL), DEV_ERR_FLASH);              /* past the end */
	flash_sector_erased(fl, 0, &erased, NULL);
	assert_false(erased);                           /* programmed */
	assert_int_equal(flash_erase(fl, 0, NULL), 0);
	flash_sector_erased(fl, 0, &erased, NULL);
	assert_true(erased);                            /* the whole sector is 0xFF */
	/* 3 programs (one refused) + 1 erase */
	assert_int_equal(flash_ops(fl), 4);
	flash_free(fl);
	/* another partition size for the same file, or not a sector multiple */
	assert_null(open_flash("rules.bin", 8 * FLASH_SECTOR, 0));
	assert_null(open_flash("bad.bin", 5000, 0));
}

/* a fake layout: header with the final signature, then records */
static void make_layout(uint8_t *lay, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		lay[i] = (uint8_t)(seed >> 16);
	}
	lay[0] = 0x50; lay[1] = 0xa2; lay[2] = 0xfa; lay[3] = 0xfa;
}

static int content_is(struct flash *fl, const uint8_t *lay, size_t len)
{
	uint8_t *buf = malloc(len);
	int same;

	flash_read(fl, 0, buf, (uint32_t)len, NULL);
	same = !memcmp(buf, lay, len);
	free(buf);
	return same;
}

/* loads A on a new chip, then B over it; returns the operations of the reload */
static long load_a_then_b(const char *name)
{
	struct flash *fl = open_flash(name, PART, 0);
	enum install_flag kind;
	uint32_t word;
	long ops_a, ops_b;

	assert_non_null(fl);
	install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
	assert_int_equal(kind, INSTALL_EMPTY);          /* a new partition is empty */
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, a, LEN, NULL), 0);
	install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
	assert_int_equal(kind, INSTALL_VALID);
	assert_int_equal(word, 0xFAFAA250u);
	assert_true(content_is(fl, a, LEN));            /* exactly image A */
	ops_a = flash_ops(fl);
	/* fresh chip: no erase; flag, 4 record programs, header, flag */
	assert_int_equal(ops_a, 1 + 4 + 1 + 1);
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, b, sizeof b, NULL), 0);
	ops_b = flash_ops(fl) - ops_a;
	assert_true(content_is(fl, b, sizeof b));       /* exactly image B */
	/* reload: 4 erases (used sectors only), flag, 3 programs, header, flag */
	assert_int_equal(ops_b, 4 + 1 + 3 + 1 + 1);
	flash_free(fl);
	return ops_b;
}

static void load_and_reload(void **state)
{
	load_a_then_b("load.bin");
}

/* power cut at every operation of a reload of A over B */
static void power_cut_at_every_step(void **state)
{
	long ops_b = load_a_then_b("cut.bin"), n;
	int saw_torn = 0;

	for (n = 1; n <= ops_b; n++) {
		pid_t pid = fork();
		int status = 0;
		struct flash *fl;
		enum install_flag kind;
		uint32_t word;
		struct dev_error e;
		if (pid == 0) {
			struct flash *c = open_flash("cut.bin", PART, n);
			if (!freopen("/dev/null", "w", stderr))   /* the cut's own message */
				_exit(1);
			install_load(c, LFSC_TARGET_LUA53, a, LEN, NULL);
			flash_free(c);
			_exit(0);
		}
		assert_true(pid > 0);
		waitpid(pid, &status, 0);
		/* every cut ends the process with the power-cut status */
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), FLASH_POWER_CUT_EXIT);
		fl = open_flash("cut.bin", PART, 0);
		assert_non_null(fl);
		install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
		if (kind == INSTALL_TORN || kind == INSTALL_CORRUPT)
			saw_torn = 1;
		/* the invariant: a VALID flag only over a complete image */
		if (kind == INSTALL_VALID)
			assert_true(content_is(fl, a, LEN));
		/* after every cut a new load completes with exactly the new image */
		dev_error_clear(&e);
		assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, a, LEN, &e), 0);
		assert_true(content_is(fl, a, LEN));
		install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
		assert_int_equal(kind, INSTALL_VALID);
		/* back to B for the next step */
		assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, b, sizeof b, NULL), 0);
		flash_free(fl);
	}
	assert_true(saw_torn);      /* some cuts leave a torn flag the boot check detects */
}

/* the 5.1 port's loader (install.c 51.1-51.3, lfs-format.md §B4): every
** sector the image spans erased, 2 KB blocks in order with the in-progress
** bit in the first, then the signature; a cut at any step leaves a flag the
** boot check does not adopt, or the complete image */
static void load51_and_cuts(void **state)
{
	static uint8_t c[LEN];
	struct flash *fl = open_flash("l51.bin", PART, 0);
	enum install_flag kind;
	uint32_t word;
	long ops, n;
	int saw_torn = 0;

	memcpy(c, a, LEN);
	c[0] = 0x54; c[1] = 0xa1;                       /* 0xfafaa154 */
	assert_non_null(fl);
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, c, LEN, NULL), DEV_ERR_VERIFY);
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA51, c, LEN, NULL), 0);
	install_flag(fl, LFSC_TARGET_LUA51, &word, &kind, NULL);
	assert_int_equal(kind, INSTALL_VALID);
	assert_int_equal(word, 0xFAFAA154u);
	assert_true(content_is(fl, c, LEN));
	ops = flash_ops(fl);
	assert_int_equal(ops, 4 + 7 + 1);              /* 4 erases, 7 blocks, the signature */
	flash_free(fl);
	for (n = 1; n <= ops; n++) {
		pid_t pid = fork();
		int status = 0;
		if (pid == 0) {
			struct flash *x = open_flash("l51.bin", PART, n);
			if (!freopen("/dev/null", "w", stderr))
				_exit(1);
			install_load(x, LFSC_TARGET_LUA51, c, LEN, NULL);
			_exit(0);
		}
		assert_true(pid > 0);
		waitpid(pid, &status, 0);
		assert_int_equal(WEXITSTATUS(status), FLASH_POWER_CUT_EXIT);
		fl = open_flash("l51.bin", PART, 0);
		install_flag(fl, LFSC_TARGET_LUA51, &word, &kind, NULL);
		saw_torn |= kind == INSTALL_TORN && word == 0xFAFAA15Cu;
		if (kind == INSTALL_VALID)
			assert_true(content_is(fl, c, LEN));
		assert_int_equal(install_load(fl, LFSC_TARGET_LUA51, c, LEN, NULL), 0);
		assert_true(content_is(fl, c, LEN));
		flash_free(fl);
	}
	assert_true(saw_torn);      /* the in-progress bit is what the cuts leave */
}

static void clear_and_refuse(void **state)
{
	struct flash *fl = open_flash("clear.bin", PART, 0);
	static uint8_t c[LEN];
	enum install_flag kind;
	uint32_t word;
	struct dev_error e;

	assert_non_null(fl);
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, a, LEN, NULL), 0);
	assert_int_equal(install_clear(fl, NULL), 0);
	install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
	assert_int_equal(kind, INSTALL_EMPTY);          /* a cleared partition is empty */
	make_layout(c, LEN, 3);
	c[0] = 0;                                       /* no signature */
	dev_error_clear(&e);
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, c, LEN, &e), DEV_ERR_VERIFY);
	/* larger than the partition (PART is 16 sectors) */
	assert_int_equal(install_load(fl, LFSC_TARGET_LUA53, c, 17 * FLASH_SECTOR, NULL), DEV_ERR_VERIFY);
	flash_free(fl);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/t_flash.XXXXXX", tmp ? tmp : "/tmp");
	make_layout(a, LEN, 1);
	make_layout(b, sizeof b, 2);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules),
		cmocka_unit_test(load_and_reload),
		cmocka_unit_test(power_cut_at_every_step),
		cmocka_unit_test(clear_and_refuse),
		cmocka_unit_test(load51_and_cuts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
