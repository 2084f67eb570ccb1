/* SPDX-License-Identifier: MIT */
/*
 * Link impairment (netem, tbf). Not carried out yet: `up` refuses a topology that asks for it,
 * before creating anything.
 */
#include "lab-internal.h"
#include "log.h"

int lab_impair_check(const struct topo *t)
{
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		if (l->impair.set) {
			log_error("%s:%u:%u: link impairment (delay=, jitter=, loss=, duplicate=, "
				  "corrupt=, reorder=, rate=, limit=) is not supported by this "
				  "version of netlab yet",
				  t->file, l->impair.pos.line, l->impair.pos.col);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int lab_impair_apply(const struct lab_up_ctx *c)
{
	(void)c;
	return 0;
}
