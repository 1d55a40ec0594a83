/*
** tap.h - a tiny TAP emitter for the device's C unit tests: ok(cond, name)
** prints "ok N - name" or "not ok N - name" with file:line, done() the plan.
*/
#ifndef TESTS_DEVICE_TAP_H
#define TESTS_DEVICE_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do { \
	int ok_c_ = !!(cond); \
	printf("%sok %d - ", ok_c_ ? "" : "not ", ++tap_n); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!ok_c_) { \
		tap_failed++; \
		printf("#   failed at %s:%d\n", __FILE__, __LINE__); \
	} \
	fflush(stdout); \
} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
