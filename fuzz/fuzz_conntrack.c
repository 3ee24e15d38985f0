/* fuzz_conntrack - the conntrack -E and ulogd2 JSON formats over arbitrary
 * input */
#include "fmt_driver.h"
#include "fmt/ipfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fd_run(&cs_fmt_conntrack, data, size);
	return fd_run(&cs_fmt_ulogd_json, data, size);
}
