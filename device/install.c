/*
** install.c - the failsafe reflash loader: puts a verified LFS layout into the
** flash partition so that no power cut can leave a partly written image that
** the boot check would adopt.
**
** Protocol and invariants (compare lfs-format.md §A6.3-A6.4):
**
**  0. Preconditions, kept by agent.c: the staged image in SPIFFS has passed
**     every check of verify.c, and the agent state (state.c, written
**     atomically) already says "applying" (or "rollback") with the target's
**     SHA-256 and the SHA-256 of the layout written below. So after a power
**     cut at any step the next power-on knows that a load is pending and
**     which image, like NodeMCU's FLASHLFS reboot record (§A6.1).
**  1. ERASE every sector that does not already read all 0xFF, sector 0
**     first. Sector 0 holds the signature word, so from the first erase on the
**     old image is no longer adoptable: word 0 reads 0xFFFFFFFF (EMPTY), or
**     garbage after a torn erase (CORRUPT), never the old valid signature
**     over a mixed partition.
**  2. FLAG PART 1: program word 0 to INSTALL_SIG_LOADING (0xFFFFA250). From
**     here on the boot check sees TORN until step 5 completes. This is the
**     role the 5.1 port's FLASH_SIG_IN_PROGRESS bit played (§B4); the 5.3
**     port relies on the still-erased word instead (§A6.3), which cannot
**     tell "never started" from "interrupted" - the two-part flag can.
**  3. RECORDS: bytes 48..len-1 of the layout through a 4 KB buffer, one
**     program per sector-aligned 4 KB piece (§A6.3). Word 0 is untouched.
**  4. HEADER: bytes 4..47 (flash_size, seed, timestamp, string table and
**     module index offsets). Then everything written is read back and
**     compared with the layout; a mismatch fails the load before step 5.
**  5. FLAG PART 2: program word 0 to INSTALL_SIG_DONE (0xFAFAA250, NodeMCU's
**     signature). The transition only clears bits in the upper half, so a
**     torn program leaves 0xFFFFA250 (TORN) or a value that is neither
**     (CORRUPT); only a completed step 5 yields VALID. The header - and with
**     it the signature - is still the last thing written, as in §A6.3.
**  6. The agent then records "trial" atomically and restarts. A power cut
**     between 5 and 6 leaves "applying" with a VALID flag whose partition
**     digest equals the recorded layout digest: the boot check sees the load
**     as complete; with any other flag the load simply runs again from 1.
**
**  At boot (agent.c via install_flag()/install_digest()): VALID is adopted
**  only if the digest of [0, flash_size) equals the recorded one; TORN or
**  CORRUPT means the LFS is cleared (install_clear()), the event is reported,
**  and the staged image is reloaded; EMPTY is "no LFS" (reload if pending).
**
** The 5.1 port (target nodemcu-lua51) has its own protocol, the second pass
** of its loader (lfs-format.md §B4), whose in-progress bit plays the role of
** flag part 1; step 0 and the boot check are the same:
**  51.1 ERASE sectors 0 .. (len - 1) / 4096, each of them (the firmware does
**       not skip blank ones, nor touch sectors past the new image).
**  51.2 BLOCKS: the layout in 2 KB blocks (WRITE_BLOCKSIZE), in order, one
**       program each; the first block carries word 0 = INSTALL51_SIG_LOADING
**       (the signature with bit 0x08 set). From the first erase to 51.3 the
**       boot check sees EMPTY (sector 0 erased) or TORN (the bit), never the
**       final signature: the firmware itself rejects that word ("Flash sig not
**       correct"). Everything written is read back (not in the firmware; no
**       flash operation).
**  51.3 SIGNATURE: program word 0 to INSTALL51_SIG_DONE. It only clears bit
**       0x08; a torn program of it either completes that bit or leaves TORN.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/sha256.h>
#include "install.h"
#include "lfsc_image.h"

const char *install_flag_name(enum install_flag kind)
{
	static const char *const names[] = { "empty", "torn", "valid", "corrupt" };
	return (unsigned)kind < 4 ? names[kind] : "?";
}

int install_flag(struct flash *fl, enum lfsc_target t, uint32_t *word,
		 enum install_flag *kind, struct dev_error *err)
{
	int lua51 = t == LFSC_TARGET_LUA51;
	uint8_t b[4];
	int ret;

	if ((ret = flash_read(fl, 0, b, 4, err)))
		return ret;
	*word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		(uint32_t)b[3] << 24;
	if (*word == 0xFFFFFFFFu || *word == 0)
		*kind = INSTALL_EMPTY;
	else if (*word == (lua51 ? INSTALL51_SIG_LOADING : INSTALL_SIG_LOADING))
		*kind = INSTALL_TORN;
	else if (*word == (lua51 ? INSTALL51_SIG_DONE : INSTALL_SIG_DONE))
		*kind = INSTALL_VALID;
	else
		*kind = INSTALL_CORRUPT;
	return DEV_OK;
}

int install_clear(struct flash *fl, struct dev_error *err)
{
	uint32_t s, n = flash_size(fl) / FLASH_SECTOR;
	int erased, ret;

	for (s = 0; s < n; s++) {
		if ((ret = flash_sector_erased(fl, s, &erased, err)))
			return ret;
		if (!erased && (ret = flash_erase(fl, s, err)))
			return ret;
	}
	return DEV_OK;
}

static int program_word(struct flash *fl, uint32_t off, uint32_t v, struct dev_error *err)
{
	uint8_t b[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24 };
	return flash_program(fl, off, b, 4, err);
}

static int read_back(struct flash *fl, const uint8_t *layout, size_t len,
		     struct dev_error *err)
{
	uint8_t buf[FLASH_SECTOR];
	size_t off, n;
	int ret;

	for (off = 4; off < len; off += n) {
		n = len - off < sizeof buf ? len - off : sizeof buf;
		if ((ret = flash_read(fl, (uint32_t)off, buf, (uint32_t)n, err)))
			return ret;
		if (memcmp(buf, layout + off, n))
			return dev_error_set(err, DEV_ERR_FLASH,
					     "flash read-back mismatch near 0x%zx", off);
	}
	return DEV_OK;
}

/* 51.1-51.3 */
static int load51(struct flash *fl, const uint8_t *layout, size_t len, struct dev_error *err)
{
	uint8_t first[2048];
	size_t off, n;
	uint32_t s;
	int ret;

	for (s = 0; s <= (len - 1) / FLASH_SECTOR; s++)              /* 51.1 */
		if ((ret = flash_erase(fl, s, err)))
			return ret;
	for (off = 0; off < len; off += n) {                         /* 51.2 */
		const uint8_t *block = layout + off;
		n = len - off < sizeof first ? len - off : sizeof first;
		if (off == 0) {
			memcpy(first, layout, n);
			first[0] = INSTALL51_SIG_LOADING & 0xFF;
			block = first;
		}
		if ((ret = flash_program(fl, (uint32_t)off, block, (uint32_t)n, err)))
			return ret;
	}
	if ((ret = read_back(fl, layout, len, err)))
		return ret;
	return program_word(fl, 0, INSTALL51_SIG_DONE, err);        /* 51.3 */
}

int install_load(struct flash *fl, enum lfsc_target t, const uint8_t *layout, size_t len,
		 struct dev_error *err)
{
	uint32_t sig, done = t == LFSC_TARGET_LUA51 ? INSTALL51_SIG_DONE : INSTALL_SIG_DONE;
	size_t off, n;
	int ret;

	if (len < (t == LFSC_TARGET_LUA51 ? 32 : LFSC_FLASH_HEADER) || len % 4)
		return dev_error_set(err, DEV_ERR_VERIFY, "layout of %zu bytes is not a "
				     "word-aligned LFS partition image", len);
	if (len > flash_size(fl))
		return dev_error_set(err, DEV_ERR_VERIFY, "layout of %zu bytes does not fit "
				     "the %u-byte partition", len, flash_size(fl));
	sig = (uint32_t)layout[0] | (uint32_t)layout[1] << 8 |
	      (uint32_t)layout[2] << 16 | (uint32_t)layout[3] << 24;
	if (sig != done)
		return dev_error_set(err, DEV_ERR_VERIFY, "layout signature 0x%08x is not "
				     "0x%08x", sig, done);
	if (t == LFSC_TARGET_LUA51)
		return load51(fl, layout, len, err);
	/* 1 */
	if ((ret = install_clear(fl, err)))
		return ret;
	/* 2 */
	if ((ret = program_word(fl, 0, INSTALL_SIG_LOADING, err)))
		return ret;
	/* 3: sector-aligned pieces, the first one starting after the header */
	for (off = LFSC_FLASH_HEADER; off < len; off += n) {
		n = FLASH_SECTOR - off % FLASH_SECTOR;
		if (n > len - off)
			n = len - off;
		if ((ret = flash_program(fl, (uint32_t)off, layout + off, (uint32_t)n, err)))
			return ret;
	}
	/* 4 */
	if ((ret = flash_program(fl, 4, layout + 4, LFSC_FLASH_HEADER - 4, err)))
		return ret;
	if ((ret = read_back(fl, layout, len, err)))
		return ret;
	/* 5 */
	return program_word(fl, 0, INSTALL_SIG_DONE, err);
}

int install_digest(struct flash *fl, uint32_t used, char hex[65], struct dev_error *err)
{
	mbedtls_sha256_context ctx;
	uint8_t buf[FLASH_SECTOR], md[32];
	uint32_t off, n;
	int ret = DEV_OK, i;

	if (used > flash_size(fl))
		return dev_error_set(err, DEV_ERR_FLASH, "used size %u exceeds the partition",
				     used);
	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	for (off = 0; off < used && !ret; off += n) {
		n = used - off < sizeof buf ? used - off : (uint32_t)sizeof buf;
		ret = flash_read(fl, off, buf, n, err);
		if (!ret)
			mbedtls_sha256_update_ret(&ctx, buf, n);
	}
	mbedtls_sha256_finish_ret(&ctx, md);
	mbedtls_sha256_free(&ctx);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return ret;
}
