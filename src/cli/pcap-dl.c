/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <stddef.h>

#include "log.h"
#include "macro.h"
#include "pcap-dl.h"

/* The runtime names: Debian's (the -dev package's libpcap.so points at 0.8), then upstream's. */
static const char *const sonames[] = { "libpcap.so.0.8", "libpcap.so.1", "libpcap.so" };

#define SYM(field) { "pcap_" #field, offsetof(struct pcap_api, field) }
static const struct {
	const char *name;
	size_t offset;
} syms[] = {
	SYM(create),    SYM(set_snaplen), SYM(set_promisc), SYM(set_timeout),
	SYM(set_immediate_mode), SYM(activate), SYM(compile), SYM(setfilter),
	SYM(freecode),  SYM(dump_open),   SYM(dump),        SYM(dump_flush),
	SYM(dump_close), SYM(loop),       SYM(dispatch),    SYM(setnonblock),
	SYM(breakloop), SYM(stats),       SYM(geterr),      SYM(close),
};

const struct pcap_api *pcap_api_load(void)
{
	static struct pcap_api api;
	static bool loaded;
	void *h = NULL;

	if (loaded)
		return &api;
	for (size_t i = 0; i < ELEMENTSOF(sonames) && !h; i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_error("capture needs libpcap: %s (apt-get install libpcap0.8)", dlerror());
		return NULL;
	}
	for (size_t i = 0; i < ELEMENTSOF(syms); i++) {
		void *f = dlsym(h, syms[i].name);
		if (!f) {
			log_error("libpcap has no %s: %s", syms[i].name, dlerror());
			dlclose(h);
			return NULL;
		}
		/* POSIX guarantees a function pointer round-trips through void *. */
		*(void **)((char *)&api + syms[i].offset) = f;
	}
	/* Never closed: the table lives as long as the process. */
	loaded = true;
	return &api;
}
