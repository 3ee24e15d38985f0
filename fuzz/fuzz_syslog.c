/*
 * fuzz_syslog - libFuzzer target: syslog lines of every program custos
 * reads (dhcpd, kea-dhcp4, dnsmasq, postfix) in every header form
 */
#include "fmt_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fd_run(&cs_fmt_syslog, data, size);
}
