/*
 * cmd_case - what the case-desk commands share (cmd_case.c,
 * cmd_case_act.c, cmd_ssi.c, cmd_subscribers.c, authority.c): the desk
 * (configuration, case store, audit trail, who acts) and the rendering of
 * a case with its findings and deadlines.
 */
#ifndef CS_CMD_CASE_H
#define CS_CMD_CASE_H

#include "cmd.h"
#include "core/audit.h"
#include "core/casedb.h"
#include "core/cfg.h"
#include "core/rules.h"

struct desk {
	struct dirs d;
	const char *config; /* --config or NULL */
	const char *by;     /* --by, else $CUSTOS_USER */
	int json;
	struct cs_config cfg;
	struct cs_casedb *db;   /* owned */
	struct cs_audit *audit; /* owned */
	cs_time now;
};

/* common options: data, keys, config, by, json, help */
#define DESK_OPTS                                     \
	{"data", required_argument, NULL, 'd'},       \
	    {"keys", required_argument, NULL, 'k'},   \
	    {"config", required_argument, NULL, 'c'}, \
	    {"by", required_argument, NULL, 'B'},     \
	    {"json", no_argument, NULL, 'j'},         \
	{                                             \
		"help", no_argument, NULL, 'h'        \
	}

/* desk_init - defaults (directories from the environment, clock) */
void desk_init(struct desk *k);
/* desk_opt - handle a common option; 1 if it was one */
int desk_opt(struct desk *k, int c, const char *arg);
/*
 * desk_open - load the configuration, open the case store and the audit
 * trail; write: create what is missing.  need_actor: refuse (exit 2)
 * without --by or $CUSTOS_USER.  Prints why and exits on failure.
 */
void desk_open(struct desk *k, int write, int need_actor);
void desk_close(struct desk *k);
/* desk_audit - one audit entry; a failure is printed and returns 1 */
int desk_audit(struct desk *k, const char *action, const char *case_id,
    const char *detail_json);
/* desk_load - a case by id, or print why and exit 1 */
struct cs_case *desk_load(struct desk *k, const char *id);
/* desk_refuse - print "custos: WHAT: refused by RULE: MSG", audit it; 3 */
int desk_refuse(struct desk *k, const char *what, const char *case_id,
    const char *rule, const char *msg);

/* case_json - the documented JSON object of a case */
void case_json(struct desk *k, const struct cs_case *c, struct cs_buf *b);
/* case_text - the same for people */
void case_text(struct desk *k, const struct cs_case *c, struct cs_buf *b);
/* case_findings - findings and the blocker of c under the desk's policy */
size_t case_findings(struct desk *k, const struct cs_case *c,
    struct cs_finding *f, size_t max, const struct cs_finding **blocker);

/* cmd_case_act.c: subcommands that act on a case */
int case_ack(struct desk *k, int argc, char **argv);
int case_verify(struct desk *k, int argc, char **argv);
int case_approve(struct desk *k, int argc, char **argv);
int case_certify(struct desk *k, int argc, char **argv);
int case_cost(struct desk *k, int argc, char **argv);
int case_invoice(struct desk *k, int argc, char **argv);
int case_notify(struct desk *k, int argc, char **argv);
int case_due(struct desk *k, int argc, char **argv);

/*
 * lookup_directory (authority.c) - the subscriber directory's entry
 * (name, postal address, account, payment) for a match, when the
 * lookup's case may see basic subscriber information: appends
 * ',"directory":{...}' (json) or one text line to out, or nothing.
 * Call between lookup_begin and lookup_end.
 */
void lookup_directory(const struct lookup *l, const char *username,
    const char *mac, int json, struct cs_buf *out);

/* fmt_usd - cents as "12.50" */
void fmt_usd(int64_t cents, char out[static 32]);

#endif
