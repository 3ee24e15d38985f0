/* fuzz_natlog - the vendor NAT syslog format over arbitrary input */
#include "fmt_driver.h"
#include "fmt/ipfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fd_run(&cs_fmt_natlog, data, size);
}
