/*
 * pspdu_asn - what the PS-PDU encoder (pspdu.c) and decoder (pspdu_dec.c)
 * share: the object identifiers and the PayloadDirection numbering.
 * Internal to lib/li.
 */
#ifndef CS_LI_PSPDU_ASN_H
#define CS_LI_PSPDU_ASN_H

#include <stdint.h>

#include "li/li.h"

#define T_CTX BER_CTX
#define T_CTXC (BER_CTX | BER_CONS)

/* PayloadDirection values (not the same numbers as enum li_dir) */
#define PD_FROM_TARGET 0
#define PD_TO_TARGET 1
#define PD_INDETERMINATE 2

extern const uint32_t li_domain_oid[8]; /* 0.4.0.2.2.5.1.<version> */
extern const uint32_t li_iri_oid[4];    /* 5.3.<version>.1 */
extern const uint32_t li_cc_oid[4];     /* 5.3.<version>.2 */
extern const uint32_t li_ppr_oid[4];    /* 5.3.<version>.4 */

/* li_pd_from_dir - PayloadDirection for a direction */
int li_pd_from_dir(enum li_dir dir);
/* li_dir_from_pd - direction for a PayloadDirection (2..4: unknown) */
enum li_dir li_dir_from_pd(int64_t pd);

#endif
