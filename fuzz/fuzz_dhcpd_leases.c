/* fuzz_dhcpd_leases - libFuzzer target: the ISC dhcpd.leases journal */
#include "fmt_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fd_run(&cs_fmt_dhcpd_leases, data, size);
}
