/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "lab-image.h"
#include "log.h"

void lab_image_free(struct lab_image *img)
{
	free(img);
}

int lab_image_get(const char *ref, const char *where, struct lab_image **ret)
{
	return log_error_errno(-ENOENT, "%s: image '%s': not found", where, ref);
}
