/*
 * cmd - the custos subcommands and what they share: where the data and
 * key directories are, and the JSON/text rendering of answers.
 */
#ifndef CS_CMD_H
#define CS_CMD_H

#include "core/store.h"
#include "util/buf.h"

#define CUSTOS_VERSION "0.1.0"
#define DEFAULT_DATA "/var/lib/custos/data"
#define DEFAULT_KEYS "/var/lib/custos/keys"

struct dirs {
	const char *data;
	const char *keys;
};

int cmd_ingest(int argc, char **argv);
int cmd_who(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_case(int argc, char **argv);
int cmd_ssi(int argc, char **argv);
int cmd_subscribers(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_nat(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_case_export(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_hold(int argc, char **argv);
int cmd_retention(int argc, char **argv);
int cmd_agency(int argc, char **argv);
int cmd_intercept(int argc, char **argv);
int cmd_tap(int argc, char **argv);
int cmd_lemf(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* dirs_default - from $CUSTOS_DATA / $CUSTOS_KEYS, then the defaults */
void dirs_default(struct dirs *d);
/* open_store - open for reading or writing, or print why not and exit 1 */
struct cs_store *open_store(const struct dirs *d, enum cs_store_mode mode);
/* parse_time_arg - RFC 3339 with a zone, or print a hint and exit 2 */
cs_time parse_time_arg(const char *opt, const char *s);

/*
 * Authority before data (authority.c).  Every lookup names a case (or is
 * operator troubleshooting, if the configuration allows it); lookup_begin
 * decides whether it may run and which categories of data the answer may
 * show, and audits it; lookup_end audits how many results were disclosed.
 */
#define CAT_BINDING 0x01u  /* address, session times, subscriber identity */
#define CAT_EVIDENCE 0x02u /* verbatim log records (full attribute dumps) */
#define CAT_SMTP 0x04u     /* SMTP envelopes */
#define CAT_DEST 0x08u     /* destination addresses (NAT records) */
#define CAT_ALL 0x0fu

struct lookup {
	const struct dirs *dirs; /* borrowed */
	const char *case_id;     /* --case; NULL: operator troubleshooting */
	const char *actor;       /* --by, else $CUSTOS_USER, else the login */
	const char *config;      /* --config, or NULL for the default */
	const char *kind;        /* "who" or "history" */
	char subject[256];       /* "ADDRESS[:PORT]" or the subscriber */
	cs_time from, to;        /* the instant (from == to) or the window */
	unsigned cats;           /* set by lookup_begin: what may be shown */
	void *priv;              /* authority.c's */
};

/* lookup_begin - 0 to go on; else the exit status, the refusal printed */
int lookup_begin(struct lookup *l);
/* lookup_end - record the number of results disclosed; frees l->priv */
void lookup_end(struct lookup *l, size_t nresults);

/*
 * who_nat (cmd_nat.c) - answer "who had PUBLIC:PORT at t" through the NAT
 * records (CGNAT).  Returns -1 when the store has no NAT record for the
 * address near t (the caller then answers from the bindings alone), else
 * the number of matches, rendered into out.
 */
struct nat_query {
	struct cs_addr addr;
	int port;          /* -1: none */
	const char *proto; /* "tcp", "udp" or NULL */
	const char *dst;   /* "IP[:PORT]" or NULL */
	int64_t skew;      /* seconds; -1: the configuration's */
	cs_time t;
};
long who_nat(struct cs_store *s, const struct lookup *l,
    const struct nat_query *q, int json, struct cs_buf *out);

/* hit_json - one match as the documented JSON object (cats: what to show) */
void hit_json(const struct cs_hit *h, struct cs_buf *out, unsigned cats);
/* hit_text - one match for people */
void hit_text(const struct cs_hit *h, struct cs_buf *out, unsigned cats);

#endif
