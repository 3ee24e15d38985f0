/*
 * keys - the key directory: one 32-byte random key per source class and
 * UTC day, and what is derived from it (row tags and sealing).
 *
 * Layout: KEYS/CLASS/YYYY-MM-DD.key (mode 0600), CLASS one of radius,
 * dhcp, smtp and nat (the retention classes: each has its own retention
 * and its own data files, DATA/CLASS/...), under a KEYS directory of mode
 * 0700 that must not lie inside the data directory, so that a backup of
 * the data alone is unreadable once a day's key is destroyed (core/purge.c
 * destroys keys; nothing here does).
 *
 * Tags are SipHash-2-4 (libsodium crypto_shorthash) under a per-day subkey:
 * 64-bit values that let SQLite index addresses and identities without
 * storing them in plaintext.  Sealing is XChaCha20-Poly1305 under another
 * per-day subkey, with a random nonce and the row's uid as associated data.
 * Not thread-safe; keys are wiped when the key set is freed.
 */
#ifndef CS_KEYS_H
#define CS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define CS_SEAL_OVERHEAD 40 /* nonce 24 + tag 16 */

/*
 * The retention classes: what a source's records are kept under.  Each
 * (class, day) is a partition with its own key and files, destroyed at its
 * own time (retention_CLASS_days in the configuration).
 */
enum cs_class {
	CS_CL_RADIUS = 0, /* FreeRADIUS accounting */
	CS_CL_DHCP = 1,   /* ISC dhcpd, Kea, dnsmasq */
	CS_CL_SMTP = 2,   /* Postfix envelopes */
	CS_CL_NAT = 3,    /* CGNAT sessions and mappings */
	CS_NCLASS = 4
};

/* cs_class_name - "radius", "dhcp", "smtp" or "nat" */
const char *cs_class_name(enum cs_class c);
/* cs_class_parse - the class of a name; -1 if none */
int cs_class_parse(const char *name);
/* cs_class_of_src - the class of an observation's source (core/obs.h) */
enum cs_class cs_class_of_src(int src);
/*
 * cs_class_of_format - the class whose key seals a format's quarantined
 * records (syslog: dhcp; ingest.c asks cs_syslog_src for the line's program)
 */
enum cs_class cs_class_of_format(const char *format);

struct cs_daykey {
	int64_t day; /* days since epoch */
	enum cs_class cls;
	uint8_t tag_key[16];  /* SipHash key for tags */
	uint8_t seal_key[32]; /* XChaCha20-Poly1305 key */
};

struct cs_keys;

/*
 * cs_keys_open - open (creating when create is set) the key directory.
 * Refuses a directory that is group/world accessible or lies inside
 * datadir.  eb says what to do.
 */
enum cs_err cs_keys_open(const char *dir, const char *datadir, int create,
    struct cs_keys **out, struct cs_errbuf *eb);
/* cs_keys_free - wipe and free; NULL is a no-op */
void cs_keys_free(struct cs_keys *k);
/*
 * cs_keys_day - the key of a class's day; creates it when create is set
 * and it does not exist (CS_ENOENT otherwise; CS_EPERM when the day was
 * purged: KEYS/CLASS/D.purged).  The pointer stays valid until
 * cs_keys_free.
 */
enum cs_err cs_keys_day(struct cs_keys *k, enum cs_class cls, int64_t day,
    int create, const struct cs_daykey **out, struct cs_errbuf *eb);

/* cs_tag - 63-bit keyed tag of (domain byte, bytes) */
int64_t cs_tag(
    const struct cs_daykey *dk, uint8_t domain, const void *p, size_t n);

/* cs_seal - append nonce||ciphertext of p to out (bound to ad) */
void cs_seal(const struct cs_daykey *dk, int64_t ad, const void *p, size_t n,
    struct cs_buf *out);
/* cs_unseal - decrypt into out; CS_ECRYPTO if tampered or wrong key */
enum cs_err cs_unseal(const struct cs_daykey *dk, int64_t ad, const void *c,
    size_t n, struct cs_buf *out);

/* cs_day_name - "YYYY-MM-DD" of a day number */
void cs_day_name(int64_t day, char out[static 16]);
/* cs_day_parse - "YYYY-MM-DD" to a day number */
enum cs_err cs_day_parse(const char *s, int64_t *day);

#endif
