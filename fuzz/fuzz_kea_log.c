/* fuzz_kea_log - Kea DHCP4 log file lines and the shared message parser */
#include "fmt_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fd_run(&cs_fmt_kea_log, data, size);
}
