/*
** nodemcu_rtc.c - RTC user memory and the reset cause; see nodemcu_rtc.h.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodemcu_rtc.h"
#include "platform.h"

static int save(struct nodemcu_rtc *r)
{
	uint32_t buf[RTC_WORDS + 1];

	memcpy(buf, r->mem, sizeof r->mem);
	buf[RTC_WORDS] = (uint32_t)r->reason;
	return platform_write_atomic(r->path, buf, sizeof buf, NULL);
}

int nodemcu_rtc_start(struct nodemcu_rtc *r, const char *data_dir, int power_on,
		      struct dev_error *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int i;

	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s/rtc.bin", data_dir);
	if (!power_on && !platform_read_file(r->path, &data, &len, NULL) &&
	    len >= sizeof r->mem) {
		memcpy(r->mem, data, sizeof r->mem);
		r->reason = RTC_EXT_RESET;
	} else {
		for (i = 0; i < RTC_WORDS; i++)
			r->mem[i] = platform_random();
		r->reason = power_on ? RTC_POWER_ON : RTC_EXT_RESET;
	}
	free(data);
	if (save(r))
		return dev_error_set(err, DEV_ERR_IO, "cannot write '%s'", r->path);
	return DEV_OK;
}

void nodemcu_rtc_reset(struct nodemcu_rtc *r, enum rtc_reset why)
{
	r->reason = why;
	save(r);
}

int nodemcu_rtc_write(struct nodemcu_rtc *r, int i, const uint32_t *v, int n)
{
	memcpy(r->mem + i, v, (size_t)n * sizeof *v);
	return save(r);
}

void nodemcu_rtc_reason(enum rtc_reset why, int *raw, int *ext)
{
	*ext = (int)why;
	*raw = why == RTC_POWER_ON ? 1 : why == RTC_HW_WDT ? 4 : 2;
}
