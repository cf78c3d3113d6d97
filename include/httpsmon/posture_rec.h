/*
 * posture_rec: a posture pass as the collector keeps it: the pass
 * (posture.h), the grade made of it (grade.h) and when it ended; what
 * changed from one pass to the next, in words ("now accepts TLS 1.0; 3DES
 * no longer accepted; grade A -> B; OCSP staple missing"); and the record
 * as JSON text, the form the history database stores and reads back. Pure
 * (cJSON only): the core links it.
 */
#ifndef HTTPSMON_POSTURE_REC_H
#define HTTPSMON_POSTURE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/grade.h"
#include "httpsmon/posture.h"

struct posture_rec {
	int64_t t_ms;          /* wall clock when the pass ended */
	char url[1024];        /* the endpoint's url when it ran: a pass of another URL is not judged */
	struct posture p;
	struct grade g;
};

/*
 * The changes from old to now as one line of "; "-separated phrases into
 * out (n bytes), in a fixed order: protocols oldest first, the weak cipher
 * categories and forward secrecy, the key-exchange group, the OCSP staple,
 * then the grade. Only definite answers are compared (accepted against
 * refused): a handshake that failed or was not tried in either pass says
 * nothing. Returns the number of changes (0 and out "" when none; old NULL,
 * a first pass, has none).
 */
int posture_changes(const struct posture_rec *old, const struct posture_rec *now, char *out, size_t n);

/* The record as one line of JSON (no newline). Caller frees. */
char *posture_rec_to_json(const struct posture_rec *r);

/*
 * Reads text written by posture_rec_to_json into r. Values out of range
 * (answers, statuses, counts) read as "not tested" / none / 0, strings are
 * cut to their fields. Returns 0, or -1 when text is not such an object
 * (r then holds an empty record).
 */
int posture_rec_from_json(const char *text, struct posture_rec *r);

#endif
