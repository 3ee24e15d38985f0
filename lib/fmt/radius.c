/* radius - FreeRADIUS detail files (stub, being written) */
#include "fmt/fmt.h"

static int
detect(struct cs_span head)
{
	(void)head;
	return 0;
}

const struct cs_fmt cs_fmt_radius = {
	.name = "radius-detail",
	.help = "FreeRADIUS accounting detail files",
	.detect = detect,
};
