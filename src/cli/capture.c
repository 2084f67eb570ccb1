/* SPDX-License-Identifier: MIT */
/*
 * `capture`: pcap of one interface of a node (or a switch port), with libpcap opened inside the
 * node's network namespace — nothing needs to be installed in the node. This process joins
 * only the node's netns (through its pidfd, checked against pid reuse), so the output file
 * is resolved in the caller's file system.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#ifdef HAVE_PCAP
#include "pcap-dl.h"
#endif

#define USAGE "netlab capture [-l LAB] NODE:IF [-w FILE.pcap|-] [-c COUNT] [-s SNAPLEN] [FILTER...]"

#ifdef HAVE_PCAP
static const struct pcap_api *P; /* libpcap, loaded by verb_capture (pcap-dl.h says why) */
static pcap_t *active;
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
	if (active)
		P->breakloop(active);
}

struct dump_ctx {
	pcap_dumper_t *d;
	bool stream; /* every packet flushed at once: a pipe into wireshark shows it live */
	uint64_t n;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct dump_ctx *c = (struct dump_ctx *)user;

	P->dump((u_char *)c->d, h, bytes);
	if (c->stream)
		P->dump_flush(c->d);
	c->n++;
}

/* The pidfd of the namespace that holds `owner`: a node's own, or the lab-root (the lab init's)
 * for a switch port. */
static int open_owner(const char *lab, const char *owner, const char *ifname, int *ret_pidfd)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	struct topo *t = NULL;
	bool is_switch = false;
	int r;

	r = lab_open(lab, &st, NULL);
	if (r < 0)
		return r;
	if (lab_state_find_node(st, owner) == TOPO_NONE && lab_load_topology(lab, &t) >= 0) {
		is_switch = topo_find_switch(t, owner) != TOPO_NONE;
		topo_free(t);
	}
	if (is_switch) {
		r = lab_state_check_alive(st, ret_pidfd);
		return r < 0 ? lab_went_down(lab, st) : 0;
	}
	/* Logs why not: no such node, dead lab, node gone. */
	return lab_node_open(lab, owner, NULL, NULL, ret_pidfd);
}

static int capture(const char *lab, const char *owner, const char *ifname, const char *out,
		   long count, int snaplen, const char *filter)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	_cleanup_close_ int pidfd = -EBADF;
	struct dump_ctx ctx = { 0 };
	struct bpf_program prog;
	struct pcap_stat ps;
	pcap_t *p;
	int r;

	r = open_owner(lab, owner, ifname, &pidfd);
	if (r < 0)
		return EXIT_FAIL;
	/* Only the network namespace (of a rootless lab: its user namespace first): the output
	 * path stays the caller's. */
	if (lab_userns_join(pidfd) < 0)
		return EXIT_FAIL;
	if (setns(pidfd, CLONE_NEWNET) < 0) {
		log_error_errno(negative_errno(), "Cannot enter the network namespace of '%s': %m",
				owner);
		return EXIT_FAIL;
	}
	p = P->create(ifname, errbuf);
	if (!p) {
		log_error("Cannot capture on '%s:%s': %s", owner, ifname, errbuf);
		return EXIT_FAIL;
	}
	P->set_snaplen(p, snaplen);
	P->set_promisc(p, 1);
	P->set_timeout(p, 100);
	P->set_immediate_mode(p, 1);
	r = P->activate(p);
	if (r < 0) {
		if (r == PCAP_ERROR_NO_SUCH_DEVICE)
			log_error("'%s' has no interface '%s'", owner, ifname);
		else
			log_error("Cannot capture on '%s:%s': %s", owner, ifname, P->geterr(p));
		P->close(p);
		return EXIT_FAIL;
	}
	if (filter) {
		if (P->compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		    P->setfilter(p, &prog) < 0) {
			log_error("Bad filter '%s': %s", filter, P->geterr(p));
			P->close(p);
			return EXIT_USAGE;
		}
		P->freecode(&prog);
	}
	ctx.stream = streq(out, "-");
	ctx.d = P->dump_open(p, out);
	if (!ctx.d) {
		log_error("Cannot write '%s': %s", out, P->geterr(p));
		P->close(p);
		return EXIT_FAIL;
	}
	/* The header is on disk before we say we are listening: a reader may start now. */
	P->dump_flush(ctx.d);

	struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART: poll() returns */
	active = p;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	log_notice("capturing on '%s:%s' of lab '%s'%s%s", owner, ifname, lab,
		   ctx.stream ? "" : " into ", ctx.stream ? "" : out);

	r = stop_requested ? 0 : P->loop(p, count > 0 ? (int)count : -1, on_packet, (u_char *)&ctx);
	/* A signal ends the loop at once, but what the interface carried until then is already
	 * in the kernel's buffer: keep it, as the user who pressed ^C after the packet saw it go
	 * by expects. Non-blocking, never more than -c allows, and a bounded number of ring
	 * blocks: a busy link must not keep a stopped capture going. */
	if (r == PCAP_ERROR_BREAK && P->setnonblock(p, 1, errbuf) == 0) {
		for (int pass = 0; pass < 64 && (count == 0 || ctx.n < (uint64_t)count); pass++) {
			int left = count ? (int)((uint64_t)count - ctx.n) : -1;
			if (P->dispatch(p, left, on_packet, (u_char *)&ctx) <= 0)
				break;
		}
		r = 0;
	}
	int ret = EXIT_OK;
	if (r == PCAP_ERROR) {
		log_error("Capture on '%s:%s' ended: %s", owner, ifname, P->geterr(p));
		ret = EXIT_FAIL;
	}
	P->dump_flush(ctx.d);
	if (P->stats(p, &ps) == 0 && ps.ps_drop)
		log_notice("%llu packets captured, %u dropped by the kernel",
			   (unsigned long long)ctx.n, ps.ps_drop);
	else
		log_notice("%llu packet%s captured", (unsigned long long)ctx.n, ctx.n == 1 ? "" : "s");
	P->dump_close(ctx.d);
	active = NULL;
	P->close(p);
	return ret;
}
#endif

int verb_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *out = NULL, *ep = NULL;
	_cleanup_free_ char *chosen = NULL, *filter = NULL, *owner = NULL;
	long count = 0, snaplen = 262144;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "l:w:c:s:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'w':
			out = optarg;
			break;
		case 'c':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || *end || count <= 0 || count > 1000000000)
				return cli_usage_error(USAGE, "bad count '%s'", optarg);
			break;
		case 's':
			errno = 0;
			snaplen = strtol(optarg, &end, 10);
			if (errno || *end || snaplen <= 0 || snaplen > 262144)
				return cli_usage_error(USAGE, "bad snaplen '%s' (1-262144)", optarg);
			break;
		default:
			r = cli_common_option(c, USAGE, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind >= argc)
		return cli_usage_error(USAGE, "expected NODE:IF");
	ep = argv[optind++];
	const char *colon = strchr(ep, ':');
	if (!colon || colon == ep || !colon[1] || strlen(colon + 1) >= TOPO_IFNAMSIZ)
		return cli_usage_error(USAGE, "'%s' is not NODE:IF", ep);
	owner = strndup(ep, (size_t)(colon - ep));
	if (!owner)
		return EXIT_FAIL;
	/* The rest is a pcap filter, as tcpdump takes it: `icmp`, `tcp port 179`. */
	for (int i = optind; i < argc; i++) {
		char *n;
		if (asprintf(&n, "%s%s%s", filter ? filter : "", filter ? " " : "", argv[i]) < 0)
			return EXIT_FAIL;
		free(filter);
		filter = n;
	}
	if (!out) {
		if (isatty(STDOUT_FILENO))
			return cli_usage_error(USAGE,
					       "give -w FILE.pcap, or -w - with a pipe (| wireshark -k -i -)");
		out = "-";
	}
	if (streq(out, "-") && isatty(STDOUT_FILENO))
		return cli_usage_error(USAGE, "will not write pcap to a terminal");
#ifndef HAVE_PCAP
	(void)count;
	(void)snaplen;
	(void)lab;
	log_error("this netlab was built without libpcap (apt-get install libpcap-dev, rebuild)");
	return EXIT_FAIL;
#else
	if (!cli_check_root("capture"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;
	P = pcap_api_load();
	if (!P)
		return EXIT_FAIL;
	return capture(chosen, owner, colon + 1, out, count, (int)snaplen, filter);
#endif
}
