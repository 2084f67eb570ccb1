/* SPDX-License-Identifier: MIT */
/*
 * The link impairment keys (delay= jitter= loss= ...): one table, read by the topology parser,
 * `netlab link set`, `link show` (text and JSON), completion and the man page's list. Adding a
 * key is one row here plus its field in struct topo_impair.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "topo.h"

#define ROW(key, kind_, field, json_, doc_)                                                        \
	{ .name = key, .kind = kind_, .offset = offsetof(struct topo_impair, field),               \
	  .json = json_, .doc = doc_ }

const struct topo_impair_key topo_impair_keys[] = {
	ROW("delay", TOPO_IMPAIR_TIME, delay_ns, "delay_ns", "added one-way latency (netem)"),
	ROW("jitter", TOPO_IMPAIR_TIME, jitter_ns, "jitter_ns",
	    "random variation around the delay (netem; needs delay)"),
	ROW("loss", TOPO_IMPAIR_PERCENT, loss, "loss", "share of packets dropped (netem)"),
	ROW("duplicate", TOPO_IMPAIR_PERCENT, duplicate, "duplicate",
	    "share of packets sent twice (netem)"),
	ROW("corrupt", TOPO_IMPAIR_PERCENT, corrupt, "corrupt",
	    "share of packets with a flipped bit (netem)"),
	ROW("reorder", TOPO_IMPAIR_PERCENT, reorder, "reorder",
	    "share of packets sent at once, ahead of delayed ones (netem; needs delay)"),
	ROW("rate", TOPO_IMPAIR_RATE, rate_bps, "rate_bps", "bandwidth cap (tbf)"),
	ROW("limit", TOPO_IMPAIR_PACKETS, limit, "limit", "queue length in packets (netem)"),
};
const size_t topo_impair_n_keys = ELEMENTSOF(topo_impair_keys);

static_assert(ELEMENTSOF(topo_impair_keys) <= 32, "the key set is a 32-bit mask");

uint64_t topo_impair_get(const struct topo_impair *im, const struct topo_impair_key *k)
{
	const char *p = (const char *)im + k->offset;

	if (k->kind == TOPO_IMPAIR_TIME || k->kind == TOPO_IMPAIR_RATE)
		return *(const uint64_t *)(const void *)p;
	return *(const uint32_t *)(const void *)p;
}

static void set_value(struct topo_impair *im, const struct topo_impair_key *k, uint64_t v)
{
	char *p = (char *)im + k->offset;

	if (k->kind == TOPO_IMPAIR_TIME || k->kind == TOPO_IMPAIR_RATE)
		*(uint64_t *)(void *)p = v;
	else
		*(uint32_t *)(void *)p = (uint32_t)v;
}

const struct topo_impair_key *topo_impair_key_find(const char *name, size_t len)
{
	for (size_t i = 0; i < topo_impair_n_keys; i++)
		if (strlen(topo_impair_keys[i].name) == len &&
		    strncmp(topo_impair_keys[i].name, name, len) == 0)
			return &topo_impair_keys[i];
	return NULL;
}

/* One value of a key; msg gets the reason on failure. */
static int parse_value(const struct topo_impair_key *k, const char *v, uint64_t *ret, char *msg,
		       size_t size)
{
	uint32_t u32;
	int r;

	switch (k->kind) {
	case TOPO_IMPAIR_TIME:
		r = parse_duration_ns(v, true, ret);
		if (r == -ERANGE)
			snprintf(msg, size, "%s '%s' is too large", k->name, v);
		else if (r < 0 && parse_duration_ns(v, false, ret) >= 0)
			snprintf(msg, size, "%s '%s' needs a unit (e.g. '%sms')", k->name, v, v);
		else if (r < 0)
			snprintf(msg, size, "invalid %s '%s': expected a time such as 10ms", k->name,
				 v);
		return r < 0 ? -EINVAL : 0;
	case TOPO_IMPAIR_PERCENT:
		r = parse_percent(v, &u32);
		if (r == -ERANGE)
			snprintf(msg, size, "%s '%s' is more than 100%%", k->name, v);
		else if (r < 0)
			snprintf(msg, size, "invalid %s '%s': expected a percentage such as 1%%",
				 k->name, v);
		*ret = u32;
		return r < 0 ? -EINVAL : 0;
	case TOPO_IMPAIR_RATE:
		r = parse_rate_bps(v, ret);
		if (r == -ERANGE)
			snprintf(msg, size, "rate '%s' is out of range", v);
		else if (r < 0)
			snprintf(msg, size, "invalid rate '%s': expected a rate such as 10mbit", v);
		return r < 0 ? -EINVAL : 0;
	case TOPO_IMPAIR_PACKETS:
		r = parse_uint32(v, 1, UINT32_MAX, &u32);
		if (r < 0)
			snprintf(msg, size, "invalid %s '%s': expected a number of packets from 1",
				 k->name, v);
		*ret = u32;
		return r < 0 ? -EINVAL : 0;
	}
	return -EINVAL;
}

int topo_impair_parse_kv(const char *kv, bool allow_off, struct topo_impair *im, uint32_t *keys,
			 char *msg, size_t size)
{
	const char *eq = strchr(kv, '=');
	const struct topo_impair_key *k = eq ? topo_impair_key_find(kv, (size_t)(eq - kv)) : NULL;
	uint64_t v = 0;
	uint32_t bit;
	int r;

	if (!k) {
		snprintf(msg, size, "unknown impairment '%.*s': expected one of %s",
			 eq ? (int)(eq - kv) : (int)strlen(kv), kv, TOPO_IMPAIR_KEY_LIST);
		return -EINVAL;
	}
	bit = 1u << (k - topo_impair_keys);
	if (*keys & bit) {
		snprintf(msg, size, "'%s' given twice", k->name);
		return -EINVAL;
	}
	if (!(allow_off && streq(eq + 1, "off"))) {
		r = parse_value(k, eq + 1, &v, msg, size);
		if (r < 0)
			return r;
	}
	set_value(im, k, v);
	*keys |= bit;
	return 0;
}

bool topo_impair_any(const struct topo_impair *im)
{
	for (size_t i = 0; i < topo_impair_n_keys; i++)
		if (topo_impair_get(im, &topo_impair_keys[i]))
			return true;
	return false;
}

void topo_impair_overlay(struct topo_impair *dst, const struct topo_impair *src, uint32_t keys)
{
	for (size_t i = 0; i < topo_impair_n_keys; i++)
		if (keys & (1u << i))
			set_value(dst, &topo_impair_keys[i], topo_impair_get(src, &topo_impair_keys[i]));
}

int topo_impair_check(const struct topo_impair *im, char *msg, size_t size)
{
	/* netem applies jitter around a delay, and reorders by sending some packets without it;
	 * without a delay either would silently do nothing. */
	if (im->delay_ns == 0 && (im->jitter_ns || im->reorder)) {
		snprintf(msg, size, "%s needs a delay (add delay=T)",
			 im->jitter_ns ? "jitter" : "reorder");
		return -EINVAL;
	}
	return 0;
}

/* The shortest exact form in a unit the parser takes back. */
static void fmt_scaled(uint64_t v, const char *const units[4], char *buf, size_t size)
{
	static const uint64_t scale[4] = { 1000000000u, 1000000u, 1000u, 1 };

	for (size_t i = 0; i < 4; i++)
		if (v % scale[i] == 0) {
			snprintf(buf, size, "%" PRIu64 "%s", v / scale[i], units[i]);
			return;
		}
}

void topo_impair_format(const struct topo_impair_key *k, uint64_t v, char *buf, size_t size)
{
	static const char *const time_units[4] = { "s", "ms", "us", "ns" };
	static const char *const rate_units[4] = { "gbit", "mbit", "kbit", "bit" };

	switch (k->kind) {
	case TOPO_IMPAIR_TIME:
		fmt_scaled(v, time_units, buf, size);
		return;
	case TOPO_IMPAIR_RATE:
		fmt_scaled(v, rate_units, buf, size);
		return;
	case TOPO_IMPAIR_PERCENT:
		/* The fewest digits that parse_percent() reads back as the same value: "1%", not
		 * "1.000000001%". */
		for (int prec = 4; prec <= 12; prec++) {
			uint32_t back;
			snprintf(buf, size, "%.*g%%", prec, (double)v * 100.0 / 4294967295.0);
			if (parse_percent(buf, &back) == 0 && back == v)
				return;
		}
		return;
	case TOPO_IMPAIR_PACKETS:
		snprintf(buf, size, "%" PRIu64, v);
		return;
	}
	buf[0] = 0;
}
