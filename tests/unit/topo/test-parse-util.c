/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parse-util.h"

static uint64_t dur(const char *s, bool unit_required)
{
	uint64_t v = 12345;

	assert_int_equal(parse_duration_ns(s, unit_required, &v), 0);
	return v;
}

static void test_duration(void **state)
{
	uint64_t v = 777;

	assert_int_equal(dur("40", false), 40000000000ULL);
	assert_int_equal(dur("40s", false), 40000000000ULL);
	assert_int_equal(dur("500ms", true), 500000000ULL);
	assert_int_equal(dur("250us", true), 250000ULL);
	assert_int_equal(dur("10ns", true), 10ULL);
	assert_int_equal(dur("1.5s", true), 1500000000ULL);
	assert_int_equal(dur("0.25ms", true), 250000ULL);
	assert_int_equal(dur("2m", true), 120000000000ULL);
	assert_int_equal(dur("0", false), 0);

	assert_int_equal(parse_duration_ns("40", true, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("ms", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("-1s", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("+1s", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns(" 1s", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("1s ", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("1.s", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns(".5s", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("1,5s", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("10sec", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("10MS", false, &v), -EINVAL);
	assert_int_equal(parse_duration_ns("99999999999999999999s", false, &v), -ERANGE);
	assert_int_equal(parse_duration_ns("18446744073709551616ns", false, &v), -ERANGE);
	assert_int_equal(parse_duration_ns("1000000000000m", false, &v), -ERANGE);
	/* nothing written on failure */
	assert_int_equal(v, 777);
}

static uint64_t rate(const char *s)
{
	uint64_t v = 0;

	assert_int_equal(parse_rate_bps(s, &v), 0);
	return v;
}

static void test_rate(void **state)
{
	uint64_t v = 5;

	assert_int_equal(rate("1bit"), 1);
	assert_int_equal(rate("10kbit"), 10000);
	assert_int_equal(rate("10Mbit"), 10000000);
	assert_int_equal(rate("1.5mbit"), 1500000);
	assert_int_equal(rate("2gbit"), 2000000000ULL);
	assert_int_equal(rate("1tbit"), 1000000000000ULL);
	assert_int_equal(rate("1kibit"), 1024);
	assert_int_equal(rate("1mibit"), 1048576);
	assert_int_equal(rate("1gibit"), 1073741824ULL);
	assert_int_equal(rate("1tibit"), 1099511627776ULL);
	assert_int_equal(rate("1bps"), 8);
	assert_int_equal(rate("1kbps"), 8000);
	assert_int_equal(rate("1MBPS"), 8000000);
	assert_int_equal(rate("1gbps"), 8000000000ULL);
	assert_int_equal(rate("1tbps"), 8000000000000ULL);
	assert_int_equal(rate("1kibps"), 8192);
	assert_int_equal(rate("1mibps"), 8388608);
	assert_int_equal(rate("1gibps"), 8589934592ULL);
	assert_int_equal(rate("1tibps"), 8796093022208ULL);

	assert_int_equal(parse_rate_bps("100", &v), -EINVAL);
	assert_int_equal(parse_rate_bps("", &v), -EINVAL);
	assert_int_equal(parse_rate_bps("mbit", &v), -EINVAL);
	assert_int_equal(parse_rate_bps("10 mbit", &v), -EINVAL);
	assert_int_equal(parse_rate_bps("10mbits", &v), -EINVAL);
	assert_int_equal(parse_rate_bps("-1mbit", &v), -EINVAL);
	assert_int_equal(parse_rate_bps("0mbit", &v), -ERANGE);
	assert_int_equal(parse_rate_bps("0.1bit", &v), -ERANGE);
	assert_int_equal(parse_rate_bps("99999999999tbps", &v), -ERANGE);
	assert_int_equal(v, 5);
}

static void test_percent(void **state)
{
	uint32_t v = 9;

	assert_int_equal(parse_percent("100%", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(parse_percent("0%", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_percent("50%", &v), 0);
	assert_int_equal(v, 2147483648u); /* 4294967295 / 2 = 2147483647.5, rounded up */
	assert_int_equal(parse_percent("0.5%", &v), 0);
	assert_int_equal(v, 21474836u); /* 21474836.475 */
	assert_int_equal(parse_percent("20%", &v), 0);
	assert_int_equal(v, 858993459u);
	assert_int_equal(parse_percent("100.0%", &v), 0);
	assert_int_equal(v, UINT32_MAX);

	v = 9;
	assert_int_equal(parse_percent("5", &v), -EINVAL);
	assert_int_equal(parse_percent("%", &v), -EINVAL);
	assert_int_equal(parse_percent("5%%", &v), -EINVAL);
	assert_int_equal(parse_percent("5 %", &v), -EINVAL);
	assert_int_equal(parse_percent("-5%", &v), -EINVAL);
	assert_int_equal(parse_percent("100.01%", &v), -ERANGE);
	assert_int_equal(parse_percent("101%", &v), -ERANGE);
	assert_int_equal(parse_percent("99999999999999999999999%", &v), -ERANGE);
	assert_int_equal(v, 9);
}

static void test_uint32(void **state)
{
	uint32_t v = 3;

	assert_int_equal(parse_uint32("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(parse_uint32("1500", 68, 65535, &v), 0);
	assert_int_equal(v, 1500);

	v = 3;
	assert_int_equal(parse_uint32("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint32("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint32("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint32("1x", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint32(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint32("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_uint32("67", 68, 65535, &v), -ERANGE);
	assert_int_equal(parse_uint32("65536", 68, 65535, &v), -ERANGE);
	assert_int_equal(parse_uint32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint32("99999999999999999999999999", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(v, 3);
}

static void test_uint64(void **state)
{
	uint64_t v = 3;

	assert_int_equal(parse_uint64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	v = 3;
	assert_int_equal(parse_uint64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_uint64("99999999999999999999x", &v), -EINVAL);
	assert_int_equal(parse_uint64("", &v), -EINVAL);
	assert_int_equal(parse_uint64("-1", &v), -EINVAL);
	assert_int_equal(parse_uint64("12 ", &v), -EINVAL);
	assert_int_equal(v, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_uint32),
		cmocka_unit_test(test_uint64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
