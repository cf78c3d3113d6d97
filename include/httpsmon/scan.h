/*
 * scan: `httpsmon scan`, a one-shot posture report. For each chosen
 * endpoint, on one loop and at once: an ordinary probe (the certificate,
 * trust, HSTS and revocation facts) and a posture pass (posture.h: what the
 * server accepts), then the grade (grade.h). Printed in config order as a
 * testssl.sh-like table, or one JSON object per endpoint with --json
 * (the fields README "Posture and revocation" pins).
 */
#ifndef HTTPSMON_SCAN_H
#define HTTPSMON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "httpsmon/config.h"
#include "httpsmon/grade.h"
#include "httpsmon/outcome.h"
#include "httpsmon/posture.h"
#include "httpsmon/result.h"
#include "httpsmon/util.h"

#define SCAN_INFLIGHT 2 /* posture handshakes at once, as the collector's posture_inflight default */

/*
 * Scans the endpoints of cfg with sel[i] true (sel NULL: every enabled one)
 * and prints the reports to stdout. OUTCOME_DOWN when an endpoint was
 * down, could not be scanned, has a critical finding or grade F, T or M;
 * else OUTCOME_WARN when one has a warning finding or a grade below A;
 * else OUTCOME_OK. OUTCOME_UNUSABLE with err when nothing could start.
 */
enum outcome scan_run(struct config *cfg, const bool *sel, bool json, char *err, size_t errlen);

/* What one endpoint's report is made of (borrowed by the printers). */
struct scan_report {
	const struct endpoint *ep;
	const struct probe_result *r;
	const struct posture *p;
	const struct grade_facts *f;
	const struct grade *g;
	int64_t now_s;
};

/* The report as JSON (one object, no newline) into b. src/scan_report.c */
void scan_report_json(struct strbuf *b, const struct scan_report *s);

/* The report as a table, for people; text from the network sanitised. */
void scan_report_text(FILE *out, const struct scan_report *s);

#endif
