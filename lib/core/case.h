/*
 * case - the model of one piece of legal process (a case): its type, the
 * fields the rules of spec/legal-rules.md read, its targets, the data
 * categories it asks for, its documents and what happened to it (events:
 * acknowledgements, call-back verifications, approvals, renewals, ...).
 *
 * Pure data and names; no storage (casedb.h) and no judgement (rules.h).
 * A struct cs_case is one allocation with fixed-size arrays: cs_case_new
 * returns it zeroed with every time field CS_TIME_NONE, cs_case_free
 * releases it.  Texts are NUL-terminated and bounded by the array sizes;
 * setters refuse longer input (CS_ETOOBIG).  Not thread-safe.
 */
#ifndef CS_CASE_H
#define CS_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

/* request types, legal-rules.md 1.1 */
enum cs_ctype {
	CT_SUB_ADMIN,
	CT_SUB_GJ,
	CT_SUB_TRIAL,
	CT_2703D,
	CT_WARRANT,
	CT_PRES,
	CT_NDO,
	CT_EMERG,
	CT_CONSENT,
	CT_T3,
	CT_T3_EMERG,
	CT_PT,
	CT_PT_EMERG,
	CT_FISA,
	CT_NSL,
	CT_CYBERTIP,
	CT_N
};
#define CT_BIT(t) (1u << (t))
#define CT_SUBPOENAS \
	(CT_BIT(CT_SUB_ADMIN) | CT_BIT(CT_SUB_GJ) | CT_BIT(CT_SUB_TRIAL))
#define CT_INTERCEPTS                                          \
	(CT_BIT(CT_T3) | CT_BIT(CT_T3_EMERG) | CT_BIT(CT_PT) | \
	    CT_BIT(CT_PT_EMERG))
#define CT_COUNSEL (CT_BIT(CT_FISA) | CT_BIT(CT_NSL))
#define CT_ALL ((1u << CT_N) - 1)

/* data categories a request may ask for (requested_categories) */
enum cs_ccat {
	CC_BSI,
	CC_SESSION,
	CC_IPHIST,
	CC_RADATTR,
	CC_SMTP,
	CC_DEST,
	CC_CONTENT,
	CC_STORED,
	CC_URL,
	CC_DNS,
	CC_SUBJECT,
	CC_N
};
#define CC_BIT(c) (1u << (c))
#define CC_NONCONTENT                                              \
	(CC_BIT(CC_BSI) | CC_BIT(CC_SESSION) | CC_BIT(CC_IPHIST) | \
	    CC_BIT(CC_RADATTR) | CC_BIT(CC_SMTP) | CC_BIT(CC_DEST))
#define CC_BSI_SET (CC_BIT(CC_BSI) | CC_BIT(CC_SESSION) | CC_BIT(CC_IPHIST))
#define CC_ALL ((1u << CC_N) - 1)

enum cs_tkind {
	TK_IP,
	TK_IPV6PREFIX,
	TK_USERNAME,
	TK_MAC,
	TK_CIRCUIT,
	TK_EMAIL,
	TK_PHONE,
	TK_N
};

#define CS_CASE_ID 32
#define CS_CASE_STR 256
#define CS_CASE_NAME 128
#define CS_CASE_MAXT 64
#define CS_CASE_MAXD 64
#define CS_CASE_MAXE 256

struct cs_target {
	enum cs_tkind kind;
	char value[CS_CASE_STR];
	cs_time from, to; /* window; CS_TIME_NONE: unbounded */
};

struct cs_doc {
	char sha[65];           /* hex SHA-256 of the original bytes */
	char name[CS_CASE_STR]; /* file name as received */
	char kind[24];          /* legal, certification, renewal, ... */
	int64_t size;           /* bytes */
	char by[CS_CASE_NAME];  /* who received it */
	cs_time at;             /* when */
};

/*
 * Events: what was done to a case, in order.  Kinds: ack (note: the rule
 * id), verify (note: number and note), approve, certify, renewal,
 * extension, termination, followup (the written process that must follow
 * an emergency), backup_confirmed (2704), paid, notice, update, close.
 */
struct cs_event {
	char kind[24];
	cs_time at;
	char by[CS_CASE_NAME];
	char note[CS_CASE_STR];
};

struct cs_case {
	char id[CS_CASE_ID];
	enum cs_ctype type;
	char type_name[32]; /* as given ("fisa_1805", ...) */
	int closed;
	char created_by[CS_CASE_NAME];
	cs_time created_at;
	/* fields (see cs_case_fields) */
	char agency[CS_CASE_STR], agency_ref[CS_CASE_STR];
	char court[CS_CASE_STR], judge[CS_CASE_STR];
	char official[CS_CASE_STR]; /* issuing / authorizing official */
	char statute[CS_CASE_STR];  /* authorizing statute (admin subpoena) */
	char officer_name[CS_CASE_STR], officer_phone[CS_CASE_STR];
	char officer_email[CS_CASE_STR];
	char danger[CS_CASE_STR];  /* emergency: the danger */
	char urgency[CS_CASE_STR]; /* emergency: why delay matters */
	char emergency_kind[CS_CASE_STR];
	char offense[CS_CASE_STR], person[CS_CASE_STR];
	char parent[CS_CASE_ID]; /* ndo_2705b: the case it gags */
	char note[CS_CASE_STR];
	cs_time received, issued;
	cs_time return_date; /* when the answer is due */
	cs_time expires;     /* the order's own end (or gag end) */
	cs_time gag_until;   /* a 2705(b) provision in this order */
	cs_time activated;   /* T_act (intercepts) */
	cs_time first_intercept;
	int backup;         /* 2704 backup preservation asked */
	int voluminous;     /* unusually voluminous / burden */
	int gag_indefinite; /* gag without an end date */
	/* requested categories (CC_BIT set) */
	unsigned cats;
	struct cs_target t[CS_CASE_MAXT];
	size_t nt;
	struct cs_doc d[CS_CASE_MAXD];
	size_t nd;
	struct cs_event e[CS_CASE_MAXE];
	size_t ne;
	int64_t cost_cents; /* sum of cost lines */
};

enum cs_ftype { CF_STR, CF_TIME, CF_BOOL };

struct cs_case_field {
	const char *name; /* also the option name, with - for _ */
	enum cs_ftype type;
	size_t off, size; /* offset in struct cs_case; size of CF_STR */
	const char *help;
};

/* cs_case_fields - the settable fields, NULL-name terminated */
const struct cs_case_field *cs_case_fields(void);
/* cs_case_field_find - by name ("return_date" or "return-date") */
const struct cs_case_field *cs_case_field_find(const char *name);
/* cs_case_field_set - parse text into the field (times: RFC 3339) */
enum cs_err cs_case_field_set(struct cs_case *c, const struct cs_case_field *f,
    const char *val, struct cs_errbuf *eb);
/* cs_case_field_get - the field as text into out; 0 if unset */
int cs_case_field_get(const struct cs_case *c, const struct cs_case_field *f,
    char *out, size_t outlen);

/* cs_case_new - a zeroed case, times unset */
struct cs_case *cs_case_new(void);
void cs_case_free(struct cs_case *c);

/* names of types, categories and target kinds; lookups return -1 */
const char *cs_ctype_name(enum cs_ctype t);
int cs_ctype_parse(const char *s);
const char *cs_ccat_name(enum cs_ccat c);
int cs_ccat_parse(const char *s);
const char *cs_tkind_name(enum cs_tkind k);

/*
 * cs_target_parse - "KIND:VALUE[@FROM..TO]" (FROM or TO may be empty for
 * an open end).  Addresses and MACs are checked and written canonically.
 */
enum cs_err cs_target_parse(
    const char *s, struct cs_target *out, struct cs_errbuf *eb);
/* cs_target_format - back to the text form */
void cs_target_format(const struct cs_target *t, char *out, size_t outlen);

/* cs_case_add_event - append an event; CS_ETOOBIG when full */
enum cs_err cs_case_add_event(struct cs_case *c, const char *kind, cs_time at,
    const char *by, const char *note);
/* cs_case_count - number of events of a kind */
size_t cs_case_count(const struct cs_case *c, const char *kind);
/* cs_case_last - the latest event of a kind, or NULL */
const struct cs_event *cs_case_last(const struct cs_case *c, const char *kind);
/* cs_case_has_doc - a document of this kind (NULL: any legal document) */
int cs_case_has_doc(const struct cs_case *c, const char *kind);
/* cs_case_acked - has the rule been acknowledged? */
int cs_case_acked(const struct cs_case *c, const char *rule);

/* cs_duration_parse - "90d", "48h", "30m", "3600s", "2w" to microseconds */
enum cs_err cs_duration_parse(const char *s, int64_t *out);

#define CS_DAY (86400LL * CS_US)
#define CS_HOUR (3600LL * CS_US)

#endif
