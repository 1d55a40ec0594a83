/*
** nodemcu_rtc.h - what the emulated chip keeps in its RTC domain across
** resets: the 128 words of RTC user memory (rtcmem, nodemcu-api.md §7) and
** the reset cause that node.bootreason() reports (§6). Kept in DATA/rtc.bin
** so a start with --reset (the reset button) finds them. At a power-on
** (a plain start, or the start after a power cut) RTC memory holds
** pseudo-random garbage: §13 question 9 left open whether it survives power
** loss, and the harsher answer is that it does not.
** Lua-free.
*/
#ifndef DEVICE_NODEMCU_RTC_H
#define DEVICE_NODEMCU_RTC_H

#include <stdint.h>
#include "error.h"

#define RTC_WORDS 128   /* RTC_USER_MEM_NUM_DWORDS, app/modules/rtcmem.c */

/* node.bootreason() pairs (raw, ext), nodemcu-api.md §6 */
enum rtc_reset {
	RTC_POWER_ON = 0,   /* 1, 0 */
	RTC_HW_WDT,         /* 4, 1 */
	RTC_EXCEPTION,      /* 2, 2 (+ exccause, epc1..3, excvaddr, depc) */
	RTC_SOFT_WDT,       /* 2, 3 */
	RTC_SOFT_RESTART,   /* 2, 4: node.restart(), system_restart() */
	RTC_DEEP_SLEEP,     /* 2, 5 */
	RTC_EXT_RESET       /* 2, 6: the reset pin */
};

struct nodemcu_rtc {
	char path[1100];            /* DATA/rtc.bin */
	uint32_t mem[RTC_WORDS];    /* rtcmem */
	enum rtc_reset reason;      /* cause of the current boot */
};

/* Starts the chip: power_on = 1 fills RTC memory with garbage and sets
** RTC_POWER_ON; 0 (reset pin) keeps it from DATA/rtc.bin and sets
** RTC_EXT_RESET. data_dir is borrowed for the call. */
int nodemcu_rtc_start(struct nodemcu_rtc *r, const char *data_dir, int power_on,
		      struct dev_error *err);
/* Records the cause of the next boot (a reset inside this run). */
void nodemcu_rtc_reset(struct nodemcu_rtc *r, enum rtc_reset why);
/* Writes n words from index i (caller checked the range) and persists them. */
int nodemcu_rtc_write(struct nodemcu_rtc *r, int i, const uint32_t *v, int n);
/* The (raw, ext) pair of a reset cause. */
void nodemcu_rtc_reason(enum rtc_reset why, int *raw, int *ext);

#endif
