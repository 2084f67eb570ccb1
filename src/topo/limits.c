/* SPDX-License-Identifier: MIT */
/*
 * The vocabulary of node resources and clocks (issue 14): cpu=, memory=, pids=, uptime=. One
 * table, read by the parser (node and defaults statements), `netlab node set/show`, the JSON
 * outputs and the man page. Pure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "topo.h"

const struct topo_limit_info topo_limit_keys[_TOPO_LIMIT_MAX] = {
	[TOPO_LIMIT_CPU] = {"cpu", "cpu",
			    "a fraction of one core from 0.01 to 1024 (0.5, 2), or max", true},
	[TOPO_LIMIT_MEMORY] = {"memory", "memory",
			       "a size from 1M with K, M, G or T (256M, 1G), or max", true},
	[TOPO_LIMIT_PIDS] = {"pids", "pids", "a number of tasks from 1 to 4194304, or max", true},
	[TOPO_LIMIT_UPTIME] = {"uptime", "uptime",
			       "a signed offset with s, m, h or d (+30d, -2h), at most 36500d",
			       false},
};

#define CPU_ONE ((uint64_t)1000000) /* millionths of a core */
#define CPU_MIN ((uint64_t)10000) /* 0.01: the kernel's smallest quota is 1 ms of a 100 ms period  \
				   */
#define CPU_MAX (1024ULL * CPU_ONE)
#define MEM_MIN (1ULL << 20)
#define MEM_MAX (1ULL << 60)
#define PIDS_MAX 4194304ULL /* PID_MAX_LIMIT */
#define UPTIME_MAX (36500LL * 86400)

int topo_limit_find(const char *key, size_t len)
{
	for (int i = 0; i < _TOPO_LIMIT_MAX; i++)
		if (strlen(topo_limit_keys[i].key) == len &&
		    memcmp(topo_limit_keys[i].key, key, len) == 0)
			return i;
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Leading digits into *ret (at most 15 of them: no overflow below). NULL when there are none. */
static const char *digits(const char *s, uint64_t *ret, unsigned *ret_n)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (is_digit(*s) && n < 16) {
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		n++;
	}
	if (n == 0 || n == 16)
		return NULL;
	*ret = v;
	if (ret_n)
		*ret_n = n;
	return s;
}

static int parse_cpu(const char *s, uint64_t *ret)
{
	uint64_t whole, frac = 0, scale = CPU_ONE;
	unsigned n = 0;

	s = digits(s, &whole, NULL);
	if (!s)
		return -EINVAL;
	if (*s == '.') {
		s = digits(s + 1, &frac, &n);
		if (!s || n > 6)
			return -EINVAL;
		for (unsigned i = 0; i < n; i++)
			scale /= 10;
		frac *= scale;
	}
	if (*s)
		return -EINVAL;
	if (whole > CPU_MAX / CPU_ONE)
		return -ERANGE;
	whole = whole * CPU_ONE + frac;
	if (whole < CPU_MIN || whole > CPU_MAX)
		return -ERANGE;
	*ret = whole;
	return 0;
}

static int parse_memory(const char *s, uint64_t *ret)
{
	static const char units[] = "KMGT";
	uint64_t v;
	unsigned shift = 0;
	const char *u;

	s = digits(s, &v, NULL);
	if (!s)
		return -EINVAL;
	if (*s) {
		u = strchr(units, *s >= 'a' ? *s - 'a' + 'A' : *s);
		if (!u || s[1])
			return -EINVAL;
		shift = 10 * (unsigned)(u - units + 1);
	}
	if (v > (MEM_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v < MEM_MIN)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int parse_uptime(const char *s, uint64_t *ret)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	bool neg = s[0] == '-';
	uint64_t v;

	if (s[0] != '+' && s[0] != '-')
		return -EINVAL;
	s = digits(s + 1, &v, NULL);
	if (!s || !s[0] || s[1])
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (units[i].unit == s[0]) {
			if (v > (uint64_t)(UPTIME_MAX / units[i].secs))
				return -ERANGE;
			int64_t secs = (int64_t)v * units[i].secs;
			*ret = (uint64_t)(neg ? -secs : secs);
			return 0;
		}
	return -EINVAL;
}

int topo_limit_parse(enum topo_limit_key key, const char *value, uint64_t *ret, const char **why)
{
	uint64_t v = 0;
	int r;

	*why = topo_limit_keys[key].syntax;
	if (key != TOPO_LIMIT_UPTIME && strcmp(value, "max") == 0) {
		*ret = TOPO_LIMIT_INF;
		return 0;
	}
	switch (key) {
	case TOPO_LIMIT_CPU:
		r = parse_cpu(value, &v);
		break;
	case TOPO_LIMIT_MEMORY:
		r = parse_memory(value, &v);
		break;
	case TOPO_LIMIT_PIDS: {
		const char *end = digits(value, &v, NULL);

		r = end && !*end ? 0 : -EINVAL;
		if (r == 0 && (v < 1 || v > PIDS_MAX))
			r = -ERANGE;
		break;
	}
	case TOPO_LIMIT_UPTIME:
		r = parse_uptime(value, &v);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

const char *topo_limit_format(enum topo_limit_key key, uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";

	if (key != TOPO_LIMIT_UPTIME && v == TOPO_LIMIT_INF) {
		snprintf(buf, size, "max");
		return buf;
	}
	switch (key) {
	case TOPO_LIMIT_CPU: {
		char frac[8];
		int n;

		n = snprintf(frac, sizeof(frac), "%06" PRIu64, v % CPU_ONE);
		while (n > 0 && frac[n - 1] == '0')
			frac[--n] = '\0';
		snprintf(buf, size, "%" PRIu64 "%s%s", v / CPU_ONE, n ? "." : "", frac);
		break;
	}
	case TOPO_LIMIT_MEMORY: {
		int u = -1;

		while (u < 3 && v >= 1024 && v % 1024 == 0) {
			v /= 1024;
			u++;
		}
		snprintf(buf, size, "%" PRIu64 "%.*s", v, u >= 0 ? 1 : 0, u >= 0 ? &units[u] : "");
		break;
	}
	case TOPO_LIMIT_UPTIME: {
		int64_t s = (int64_t)v;
		uint64_t a = s < 0 ? (uint64_t)-s : (uint64_t)s;
		char unit = 's';

		if (a % 86400 == 0) {
			a /= 86400;
			unit = 'd';
		} else if (a % 3600 == 0) {
			a /= 3600;
			unit = 'h';
		} else if (a % 60 == 0) {
			a /= 60;
			unit = 'm';
		}
		snprintf(buf, size, "%c%" PRIu64 "%c", s < 0 ? '-' : '+', a, unit);
		break;
	}
	default:
		snprintf(buf, size, "%" PRIu64, v);
	}
	return buf;
}

bool topo_wants_cgroups(const struct topo *t)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		for (int k = 0; k < TOPO_LIMIT_CGROUP_KEYS; k++)
			if (t->nodes[i].limits.set[k])
				return true;
	return false;
}
