/*
** runtime.c - the C agent's firmware: one emulated NodeMCU boot per agent
** boot (nodemcu_vm.c), of the port of the agent's target; see runtime.h.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodemcu_boot.h"
#include "platform.h"
#include "runtime.h"

int runtime_open(struct runtime *rt, const struct agent_config *c, struct flash *fl,
		 struct dev_error *err)
{
	char path[1100];
	int ret;

	memset(rt, 0, sizeof *rt);
	rt->cfg = c;
	rt->fl = fl;
	snprintf(path, sizeof path, "%s/spiffs", c->data);
	if ((ret = spiffs_init(&rt->fs, path, c->nodemcu.spiffs_size, err)) ||
	    (ret = nodemcu_rtc_start(&rt->rtc, c->data, !c->nodemcu.reset, err)) ||
	    (ret = nodemcu_rcr_load(&rt->rcr, c->data, err)))
		return ret;
	return DEV_OK;
}

/* Ends the running boot; why: the reset that ends it, unless it ended itself. */
static void end_boot(struct runtime *rt, enum nodemcu_end how, enum rtc_reset why)
{
	if (!rt->up)
		return;
	if (!rt->vm.end) {
		rt->vm.end = how;
		rt->vm.reset_why = why;
	}
	nodemcu_vm_stop(&rt->vm);
	lfsc_flash_free(rt->vm.lfs.fl);
	rt->vm.lfs.fl = NULL;
	free(rt->part);
	rt->part = NULL;
	rt->up = 0;
	fflush(stdout);
}

void runtime_stop(struct runtime *rt)
{
	end_boot(rt, NODEMCU_STOP, RTC_POWER_ON);
}

void runtime_close(struct runtime *rt)
{
	end_boot(rt, NODEMCU_STOP, RTC_POWER_ON);
	spiffs_reset(&rt->fs);
}

static int adopt(struct runtime *rt, struct dev_error *err)
{
	struct lfsc_error lerr;
	uint32_t size = flash_size(rt->fl);
	int rc;

	memset(&lerr, 0, sizeof lerr);
	rc = lfsc_flash_open(rt->part, size, flash_base(rt->fl), rt->cfg->target,
			     &rt->vm.lfs.fl, &lerr);
	if (rc)
		return dev_error_set(err, rc == LFSC_ERR_MEM ? DEV_ERR_MEM : DEV_ERR_VERIFY,
				     "cannot adopt the LFS: %s", lerr.text);
	return DEV_OK;
}

int runtime_boot(struct runtime *rt, int has_lfs, struct runtime_result *res,
		 struct dev_error *err)
{
	const struct nodemcu_port *port = rt->cfg->target == LFSC_TARGET_LUA51 ?
					  &nodemcu_port_51 : &nodemcu_port_53;
	int ret = DEV_ERR_MEM;

	memset(res, 0, sizeof *res);
	end_boot(rt, NODEMCU_RESTART, RTC_SOFT_RESTART);
	nodemcu_vm_init(&rt->vm, &rt->cfg->nodemcu, rt->cfg->data, port, &rt->fs, &rt->rtc,
			&rt->rcr, rt->fl);
	rt->vm.init = "!_init";
	rt->vm.quiet = 1;
	rt->vm.watchdog_ms = rt->cfg->watchdog_ms;
	rt->vm.reload = rt->reload;
	rt->vm.reload_ctx = rt->reload_ctx;
	rt->up = 1;
	if (!(rt->part = malloc(flash_size(rt->fl)))) {
		dev_error_set(err, ret, "out of memory");
		goto out;
	}
	if ((ret = flash_read(rt->fl, 0, rt->part, flash_size(rt->fl), err)) ||
	    (has_lfs && (ret = adopt(rt, err))))
		goto out;
	res->has_lfs = has_lfs;
	if (nodemcu_vm_start(&rt->vm)) {
		res->failed = 1;
		snprintf(res->message, sizeof res->message, "the firmware did not start");
		goto out;
	}
	res->ran_init = rt->vm.init_status != NODEMCU_INIT_MISSING;
	res->failed = rt->vm.init_status == NODEMCU_INIT_FAILED;
	snprintf(res->message, sizeof res->message, "%s", rt->vm.init_msg);
	res->restart = rt->vm.end == NODEMCU_RESTART;
	res->off = rt->vm.end == NODEMCU_STOP;
out:
	if (ret)
		end_boot(rt, NODEMCU_STOP, RTC_POWER_ON);
	fflush(stdout);
	return ret;
}

void runtime_run(struct runtime *rt, int64_t deadline_ms, int *restart, int *off)
{
	int64_t left;

	*restart = *off = 0;
	if (rt->up && !rt->vm.end && !nodemcu_vm_run(&rt->vm, deadline_ms) && !rt->vm.end)
		return;   /* the deadline came */
	if (rt->up && rt->vm.end) {
		*restart = rt->vm.end == NODEMCU_RESTART;
		*off = rt->vm.end == NODEMCU_STOP;
		return;
	}
	left = deadline_ms - platform_ms();   /* no boot, or nothing left to run */
	if (left > 0)
		platform_sleep_ms((long)left);
}
