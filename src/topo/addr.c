/* SPDX-License-Identifier: MIT */
/* Address arithmetic, the one copy: parsing, printing, networks, containment, overlap. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo-internal.h"

const char *topo_addr_str(const struct topo_addr *a, bool with_plen, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];

	if (size == 0)
		return buf;
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, tmp, sizeof(tmp)))
		snprintf(tmp, sizeof(tmp), "?");
	if (with_plen)
		snprintf(buf, size, "%s/%u", tmp, a->plen);
	else
		snprintf(buf, size, "%s", tmp);
	return buf;
}

const char *topo_mac_str(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

unsigned topo_addr_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

int topo_addr_parse(const char *s, bool require_plen, struct topo_addr *ret)
{
	struct topo_addr a = {};
	char host[INET6_ADDRSTRLEN];
	const char *slash;
	size_t n;
	unsigned plen = 0;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';

	a.family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, host, a.bytes) != 1)
		return -EINVAL;

	if (slash) {
		const char *p = slash + 1;

		/* At most three digits, no sign, no leading zeros games: "/024" is a typo. */
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
			return -EINVAL;
		for (; *p >= '0' && *p <= '9' && plen <= 128; p++)
			plen = plen * 10 + (unsigned)(*p - '0');
		if (*p != '\0' || plen > topo_addr_bits(a.family))
			return -EINVAL;
	} else {
		if (require_plen)
			return -EINVAL;
		plen = topo_addr_bits(a.family);
	}
	a.plen = (uint8_t)plen;
	*ret = a;
	return 0;
}

/* Whether the first bits bits of x and y are equal. */
static bool prefix_equal(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(x, y, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((x[full] ^ y[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

struct topo_addr topo_addr_network(const struct topo_addr *a)
{
	struct topo_addr n = *a;
	unsigned bits = topo_addr_bits(a->family);

	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned lo = i * 8;

		if (lo >= n.plen)
			n.bytes[i] = 0;
		else if (lo + 8 > n.plen)
			n.bytes[i] &= (uint8_t)(0xff << (8 - (n.plen - lo)));
	}
	for (unsigned i = bits / 8; i < sizeof(n.bytes); i++)
		n.bytes[i] = 0;
	return n;
}

bool topo_addr_contains(const struct topo_addr *net, const struct topo_addr *a)
{
	if (net->family != a->family || net->plen > topo_addr_bits(net->family))
		return false;
	return prefix_equal(net->bytes, a->bytes, net->plen);
}

bool topo_addr_overlaps(const struct topo_addr *a, const struct topo_addr *b)
{
	unsigned plen;

	if (a->family != b->family)
		return false;
	plen = a->plen < b->plen ? a->plen : b->plen;
	if (plen > topo_addr_bits(a->family))
		plen = topo_addr_bits(a->family);
	return prefix_equal(a->bytes, b->bytes, plen);
}

bool topo_addr_equal_host(const struct topo_addr *a, const struct topo_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, topo_addr_bits(a->family) / 8) == 0;
}

bool topo_addr_prefix_equal(const struct topo_addr *a, const struct topo_addr *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       prefix_equal(a->bytes, b->bytes, a->plen);
}
