/* SPDX-License-Identifier: MIT */
/*
 * libpcap, loaded when `capture` runs rather than when netlab starts. Linked in, it drags 8
 * more libraries (dbus, systemd, gcrypt, ...) into every process start: +0.6 ms for each
 * `netlab exec`, whose whole budget is about 2 ms (docs/PERFORMANCE.md).
 */
#pragma once

#include <pcap/pcap.h>

struct pcap_api {
	pcap_t *(*create)(const char *source, char *errbuf);
	int (*set_snaplen)(pcap_t *p, int snaplen);
	int (*set_promisc)(pcap_t *p, int promisc);
	int (*set_timeout)(pcap_t *p, int ms);
	int (*set_immediate_mode)(pcap_t *p, int on);
	int (*activate)(pcap_t *p);
	int (*compile)(pcap_t *p, struct bpf_program *fp, const char *str, int optimize,
		       bpf_u_int32 netmask);
	int (*setfilter)(pcap_t *p, struct bpf_program *fp);
	void (*freecode)(struct bpf_program *fp);
	pcap_dumper_t *(*dump_open)(pcap_t *p, const char *fname);
	void (*dump)(u_char *user, const struct pcap_pkthdr *h, const u_char *sp);
	int (*dump_flush)(pcap_dumper_t *d);
	void (*dump_close)(pcap_dumper_t *d);
	int (*loop)(pcap_t *p, int cnt, pcap_handler callback, u_char *user);
	int (*dispatch)(pcap_t *p, int cnt, pcap_handler callback, u_char *user);
	int (*setnonblock)(pcap_t *p, int nonblock, char *errbuf);
	void (*breakloop)(pcap_t *p);
	int (*stats)(pcap_t *p, struct pcap_stat *ps);
	char *(*geterr)(pcap_t *p);
	void (*close)(pcap_t *p);
};

/* Loads libpcap once. Returns the table, or NULL after logging why (not installed, or a
 * library without one of the functions). */
const struct pcap_api *pcap_api_load(void);
