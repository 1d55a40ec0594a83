/*
** t_flash.c - flash emulation rules (device/flash.c) and the failsafe loader
** (device/install.c): erase/program rules, faults, the power cut at every
** operation of a load (one forked child per step), and the boot-time flag.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../device/flash.h"
#include "../../device/install.h"
#include "tap.h"

static char dir[256];

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

static void test_rules(void)
{
	struct flash *fl = open_flash("rules.bin", 4 * FLASH_SECTOR, 0);
	struct dev_error e;
	uint8_t buf[FLASH_SECTOR], w[8] = { 0x0F, 0xF0, 0x00, 0xFF, 1, 2, 3, 4 };
	int erased, i, all = 1;

	ok(fl != NULL, "a new flash file is created");
	flash_read(fl, 0, buf, FLASH_SECTOR, NULL);
	for (i = 0; i < FLASH_SECTOR; i++)
		all &= buf[i] == 0xFF;
	ok(all, "a new chip reads all 0xFF");
	ok(flash_program(fl, 8, w, 8, NULL) == 0, "programming an erased area works");
	flash_read(fl, 8, buf, 8, NULL);
	ok(!memcmp(buf, w, 8), "programmed bytes read back");
	dev_error_clear(&e);
	w[0] = 0xFF;
	ok(flash_program(fl, 8, w, 8, &e) == DEV_ERR_FLASH, "a program that sets a bit is a fault");
	ok(strstr(e.text, "would set bits") != NULL, "the fault says so: %s", e.text);
	flash_read(fl, 8, buf, 8, NULL);
	ok(buf[0] == 0x0F, "a refused program writes nothing");
	w[0] = 0x0C; w[1] = 0x00;   /* clears more bits only */
	ok(flash_program(fl, 8, w, 8, NULL) == 0, "a program that only clears bits works");
	flash_read(fl, 8, buf, 2, NULL);
	ok(buf[0] == 0x0C && buf[1] == 0x00, "bits were cleared");
	ok(flash_program(fl, 2, w, 4, NULL) == DEV_ERR_FLASH, "unaligned program refused");
	ok(flash_program(fl, 4 * FLASH_SECTOR - 4, w, 8, NULL) == DEV_ERR_FLASH,
	   "program past the partition end refused");
	ok(flash_erase(fl, 4, NULL) == DEV_ERR_FLASH, "erase past the partition end refused");
	flash_sector_erased(fl, 0, &erased, NULL);
	ok(!erased, "sector 0 is not erased after programs");
	ok(flash_erase(fl, 0, NULL) == 0, "erase sector 0");
	flash_sector_erased(fl, 0, &erased, NULL);
	ok(erased, "erase sets the whole sector to 0xFF");
	ok(flash_ops(fl) == 4, "operations counted: 3 programs (one refused) + 1 erase (got %ld)", flash_ops(fl));
	flash_free(fl);
	fl = open_flash("rules.bin", 8 * FLASH_SECTOR, 0);
	ok(fl == NULL, "reopening with another partition size is refused");
	fl = open_flash("bad.bin", 5000, 0);
	ok(fl == NULL, "a partition size that is not a sector multiple is refused");
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

static void test_load(void)
{
	enum { PART = 16 * FLASH_SECTOR, LEN = 3 * FLASH_SECTOR + 1000 };
	static uint8_t a[LEN], b[LEN - 2000];
	struct flash *fl = open_flash("load.bin", PART, 0);
	enum install_flag kind;
	uint32_t word;
	struct dev_error e;
	long ops_a, ops_b, n;
	int all_safe = 1, all_recover = 1, all_exit = 1, saw_torn = 0;

	make_layout(a, LEN, 1);
	make_layout(b, sizeof b, 2);
	install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
	ok(kind == INSTALL_EMPTY, "a new partition is empty");
	ok(install_load(fl, LFSC_TARGET_LUA53, a, LEN, NULL) == 0, "load image A");
	install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
	ok(kind == INSTALL_VALID && word == 0xFAFAA250u, "flag valid after a load (0x%08x)", word);
	ok(content_is(fl, a, LEN), "partition holds exactly image A");
	ops_a = flash_ops(fl);
	ok(ops_a == 1 + 4 + 1 + 1, "fresh chip: no erase; flag, 4 record programs, header, "
	   "flag = %ld ops", ops_a);
	ok(install_load(fl, LFSC_TARGET_LUA53, b, sizeof b, NULL) == 0, "load image B over A");
	ops_b = flash_ops(fl) - ops_a;
	ok(content_is(fl, b, sizeof b), "partition holds exactly image B");
	ok(ops_b == 4 + 1 + 3 + 1 + 1, "reload: 4 erases (used sectors only), flag, 3 programs, "
	   "header, flag = %ld ops", ops_b);
	flash_free(fl);

	/* power cut at every operation of a reload of A over B */
	for (n = 1; n <= ops_b; n++) {
		pid_t pid = fork();
		int status = 0;
		if (pid == 0) {
			struct flash *c = open_flash("load.bin", PART, n);
			if (!freopen("/dev/null", "w", stderr))   /* the cut's own message */
				_exit(1);
			install_load(c, LFSC_TARGET_LUA53, a, LEN, NULL);
			flash_free(c);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		if (!(WIFEXITED(status) && WEXITSTATUS(status) == FLASH_POWER_CUT_EXIT))
			all_exit = 0;
		fl = open_flash("load.bin", PART, 0);
		install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
		if (kind == INSTALL_TORN || kind == INSTALL_CORRUPT)
			saw_torn = 1;
		/* the invariant: a VALID flag only over a complete image */
		if (kind == INSTALL_VALID && !content_is(fl, a, LEN))
			all_safe = 0;
		dev_error_clear(&e);
		if (install_load(fl, LFSC_TARGET_LUA53, a, LEN, &e) || !content_is(fl, a, LEN))
			all_recover = 0;
		install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
		all_recover &= kind == INSTALL_VALID;
		/* back to B for the next step */
		install_load(fl, LFSC_TARGET_LUA53, b, sizeof b, NULL);
		flash_free(fl);
	}
	ok(all_exit, "every cut ends the process with the power-cut status");
	ok(all_safe, "no cut (1..%ld) leaves a valid flag over a partly written image", ops_b);
	ok(saw_torn, "some cuts leave a torn flag that the boot check detects");
	ok(all_recover, "after every cut a new load completes with exactly the new image");

	fl = open_flash("load.bin", PART, 0);
	ok(install_clear(fl, NULL) == 0, "clear the partition");
	install_flag(fl, LFSC_TARGET_LUA53, &word, &kind, NULL);
	ok(kind == INSTALL_EMPTY, "cleared partition is empty");
	make_layout(a, LEN, 3);
	a[0] = 0;
	dev_error_clear(&e);
	ok(install_load(fl, LFSC_TARGET_LUA53, a, LEN, &e) == DEV_ERR_VERIFY, "a layout without the signature is refused");
	ok(install_load(fl, LFSC_TARGET_LUA53, a, 17 * FLASH_SECTOR, NULL) == DEV_ERR_VERIFY,
	   "a layout larger than the partition is refused");
	flash_free(fl);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[300];

	snprintf(dir, sizeof dir, "%s/t_flash.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	test_rules();
	test_load();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# cleanup failed\n");
	return done_testing();
}
