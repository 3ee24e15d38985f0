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

/* dirs_default - from $CUSTOS_DATA / $CUSTOS_KEYS, then the defaults */
void dirs_default(struct dirs *d);
/* open_store - open for reading or writing, or print why not and exit 1 */
struct cs_store *open_store(const struct dirs *d, enum cs_store_mode mode);
/* parse_time_arg - RFC 3339 with a zone, or print a hint and exit 2 */
cs_time parse_time_arg(const char *opt, const char *s);

/* hit_json - one match as the documented JSON object */
void hit_json(const struct cs_hit *h, struct cs_buf *out);
/* hit_text - one match for people */
void hit_text(const struct cs_hit *h, struct cs_buf *out);

#endif
