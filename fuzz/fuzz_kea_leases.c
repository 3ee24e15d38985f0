/* fuzz_kea_leases - the Kea memfile lease CSV parser */
#include "fmt_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fd_run(&cs_fmt_kea_leases, data, size);
}
