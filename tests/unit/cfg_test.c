/* cfg_test - the configuration parser: values, errors, round trip */
#include <stdlib.h>

#include "t.h"
#include "core/cfg.h"

static void
test_defaults(void)
{
	struct cs_config c;

	cs_cfg_defaults(&c);
	T_EQ_INT(c.require_callback, 1);
	T_EQ_INT(c.allow_operator_lookups, 0);
	T_EQ_INT(c.retention_days, 7);
	T_EQ_STR(c.custodian_title, "Custodian of Records");
}

static void
test_parse(void)
{
	static const char text[] =
	    "# policy\n"
	    "operator_name = Example Fiber LLC   # trailing comment\n"
	    "  payment_before_fulfilment=yes\n"
	    "\n"
	    "dhcp_lease_time = 3600\n"
	    "retention_days = 30\n"
	    "retention_dhcp_days = 0\n"
	    "retention_smtp_days = 3650\n";
	struct cs_config c;
	struct cs_errbuf eb = {""};

	cs_cfg_defaults(&c);
	T_EQ_INT(
	    cs_cfg_parse("t.conf", text, sizeof(text) - 1, &c, &eb), CS_OK);
	T_EQ_STR(c.operator_name, "Example Fiber LLC");
	T_EQ_INT(c.payment_before_fulfilment, 1);
	T_EQ_INT(c.dhcp_lease_time, 3600);
	T_EQ_INT(c.retention_days, 30);
	T_EQ_INT(c.retention_dhcp_days, 0); /* 0: as retention_days */
	T_EQ_INT(c.retention_smtp_days, 3650);
	T_EQ_INT(c.retention_radius_days, 0); /* unset */
}

static void
test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"nonsense = 1\n", "t.conf:1: unknown setting 'nonsense'"},
	    {"\nretention_days = 0\n",
		"t.conf:2: retention_days: want a "
		"number from 1 to 3650"},
	    {"retention_days = 7x\n", "t.conf:1: retention_days"},
	    {"retention_smtp_days = 3651\n",
		"t.conf:1: retention_smtp_days: want a number from 0 to 3650"},
	    {"retention_nat_days = -1\n", "t.conf:1: retention_nat_days"},
	    {"notify_customers = maybe\n", "want yes or no"},
	    {"require_callback = no\nrequire_callback = yes\n",
		"t.conf:2: require_callback is set twice"},
	    {"just words\n", "t.conf:1: want 'key = value'"},
	};
	struct cs_config c;
	struct cs_errbuf eb;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cs_cfg_defaults(&c);
		eb.msg[0] = '\0';
		T_CHECK(cs_cfg_parse("t.conf", cases[i].text,
			    strlen(cases[i].text), &c, &eb) != CS_OK);
		T_CHECK(strstr(eb.msg, cases[i].want) != NULL);
	}
}

static void
test_round_trip(void)
{
	struct cs_config a, b;
	struct cs_errbuf eb;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cs_cfg_defaults(&a);
	a.nat_skew_seconds = 5;
	a.notify_customers = 0;
	snprintf(a.operator_address, sizeof(a.operator_address), "1 Main St");
	cs_cfg_print(&a, f, 1);
	fclose(f);
	cs_cfg_defaults(&b);
	T_EQ_INT(cs_cfg_parse("print", text, len, &b, &eb), CS_OK);
	T_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	free(text);
}

int
main(void)
{
	T_RUN(test_defaults);
	T_RUN(test_parse);
	T_RUN(test_errors);
	T_RUN(test_round_trip);
	return T_DONE();
}
