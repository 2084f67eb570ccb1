/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "parse-util.h"

/* Digits beyond this many after the point are dropped: 10^18 still fits in a uint64_t, and
 * the largest multiplier (60e9 ns per minute) times 10^18 still fits in 128 bits. */
#define FRAC_DIGITS_MAX 18

/* A decimal number "123" or "1.25" without sign, at the start of *p. On success *p points
 * after it. The value is int_part + frac / 10^frac_digits. */
struct decimal {
	uint64_t int_part;
	uint64_t frac;
	unsigned frac_digits;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_decimal(const char **p, struct decimal *ret)
{
	const char *s = *p;
	struct decimal d = {};
	bool overflow = false;

	/* Locale-free by construction: strtod would accept "1,5", "inf", hex and leading space. */
	if (!s || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		if (__builtin_mul_overflow(d.int_part, 10, &d.int_part) ||
		    __builtin_add_overflow(d.int_part, (uint64_t)(*s - '0'), &d.int_part))
			overflow = true;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return -EINVAL;
		for (; is_digit(*s); s++) {
			if (d.frac_digits >= FRAC_DIGITS_MAX)
				continue;
			d.frac = d.frac * 10 + (uint64_t)(*s - '0');
			d.frac_digits++;
		}
	}
	*p = s;
	if (overflow)
		return -ERANGE;
	*ret = d;
	return 0;
}

static uint64_t pow10_u64(unsigned n)
{
	uint64_t r = 1;

	while (n-- > 0)
		r *= 10;
	return r;
}

/* d * mult, truncated to an integer. -ERANGE when it does not fit. */
static int decimal_scale(const struct decimal *d, uint64_t mult, uint64_t *ret)
{
	unsigned __int128 v = (unsigned __int128)d->int_part * mult;

	v += (unsigned __int128)d->frac * mult / pow10_u64(d->frac_digits);
	if (v > UINT64_MAX)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

int parse_duration_ns(const char *s, bool unit_required, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"ns", 1ULL},
		{"us", 1000ULL},
		{"ms", 1000000ULL},
		{"s", 1000000000ULL},
		{"m", 60ULL * 1000000000ULL},
	};
	struct decimal d;
	uint64_t mult = 0;
	int r;

	r = parse_decimal(&s, &d); /* -EINVAL for NULL too */
	if (r < 0)
		return r;
	if (*s == '\0') {
		if (unit_required)
			return -EINVAL;
		mult = 1000000000ULL;
	} else {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(s, units[i].suffix) == 0)
				mult = units[i].mult;
		if (mult == 0)
			return -EINVAL;
	}
	return decimal_scale(&d, mult, ret);
}

/* tc's rate units: a decimal or binary prefix, then bit (bits) or bps (bytes) per second. */
static uint64_t rate_unit(const char *s)
{
	static const struct {
		const char *prefix;
		uint64_t mult;
	} prefixes[] = {
		{"", 1ULL},          {"k", 1000ULL},      {"m", 1000000ULL},
		{"g", 1000000000ULL}, {"t", 1000000000000ULL}, {"ki", 1ULL << 10},
		{"mi", 1ULL << 20},  {"gi", 1ULL << 30},  {"ti", 1ULL << 40},
	};
	size_t n = strlen(s);
	uint64_t per;

	if (n < 3)
		return 0;
	if (strcasecmp(s + n - 3, "bit") == 0)
		per = 1;
	else if (strcasecmp(s + n - 3, "bps") == 0)
		per = 8;
	else
		return 0;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strlen(prefixes[i].prefix) == n - 3 &&
		    strncasecmp(s, prefixes[i].prefix, n - 3) == 0)
			return per * prefixes[i].mult;
	return 0;
}

int parse_rate_bps(const char *s, uint64_t *ret)
{
	struct decimal d;
	uint64_t mult, v;
	int r;

	r = parse_decimal(&s, &d); /* -EINVAL for NULL too */
	if (r < 0)
		return r;
	mult = rate_unit(s);
	if (mult == 0)
		return -EINVAL;
	r = decimal_scale(&d, mult, &v);
	if (r < 0)
		return r;
	if (v == 0)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_percent(const char *s, uint32_t *ret)
{
	struct decimal d;
	unsigned __int128 num, den;
	int r;

	r = parse_decimal(&s, &d); /* -EINVAL for NULL too */
	if (r < 0)
		return r;
	if (strcmp(s, "%") != 0)
		return -EINVAL;
	if (d.int_part > 100)
		return -ERANGE;

	den = (unsigned __int128)100 * pow10_u64(d.frac_digits);
	num = (unsigned __int128)d.int_part * pow10_u64(d.frac_digits) + d.frac;
	if (num > den)
		return -ERANGE;
	*ret = (uint32_t)((num * UINT32_MAX + den / 2) / den);
	return 0;
}

int parse_uint64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	bool overflow = false;

	if (!s || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true; /* keep reading: trailing garbage is still -EINVAL */
		else
			v = v * 10 + d;
	}
	if (*s != '\0')
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_uint32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, &v);

	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}
