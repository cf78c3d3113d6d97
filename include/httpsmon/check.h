/*
 * check: `httpsmon check`, one round of probes. Probes the chosen
 * endpoints of a config once, concurrently, on the loop, judges each and
 * prints them in config order (report.h: a table, the detailed blocks, or
 * JSON lines). Also how names on the command line choose endpoints.
 */
#ifndef HTTPSMON_CHECK_H
#define HTTPSMON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "httpsmon/config.h"
#include "httpsmon/outcome.h"

/*
 * Probes the endpoints of cfg with sel[i] true (sel NULL: every enabled
 * one) and prints them to stdout: JSON lines with json, the detailed block
 * with detail, else the table. OUTCOME_OK/WARN/DOWN from the worst verdict,
 * or OUTCOME_UNUSABLE with err when no transfer could be set up.
 */
enum outcome check_run(struct config *cfg, const bool *sel, bool json, bool detail, char *err,
		       size_t errlen);

/*
 * Which endpoints names[0..n-1] choose: an exact name chooses its endpoint
 * (enabled or not: it was asked for by name), a glob (fnmatch: *, ?, [...])
 * every enabled endpoint it matches. Fills sel (cfg->n entries). Returns 0,
 * or -1 with "no endpoint 'X' in FILE (known: a, b, ...)" in err for the
 * first name that chooses nothing.
 */
int check_select(const struct config *cfg, char *const *names, size_t n, bool *sel, char *err,
		 size_t errlen);

#endif
