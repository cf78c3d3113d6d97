/*
 * paths: where httpsmon looks for its config when -c is not given, kept
 * in one list so the loader, the "no config" message, `httpsmon init`,
 * the README and the man page all say the same thing. In order:
 *   ./config/endpoints.ini                      (a checkout, or a project directory)
 *   $XDG_CONFIG_HOME/httpsmon/endpoints.ini     (~/.config/... when unset or relative)
 *   SYSCONFDIR/httpsmon/endpoints.ini           (/etc/httpsmon/endpoints.ini; build-time SYSCONFDIR)
 * Pure: reads the environment and asks the file system whether a file
 * exists, nothing else.
 */
#ifndef HTTPSMON_PATHS_H
#define HTTPSMON_PATHS_H

#include <stddef.h>

#ifndef HTTPSMON_SYSCONFDIR
#define HTTPSMON_SYSCONFDIR "/etc"
#endif

/* The config directory of the system service (systemd's ConfigurationDirectory=httpsmon). */
#define PATHS_SYSTEM_CONFIG HTTPSMON_SYSCONFDIR "/httpsmon/endpoints.ini"
#define PATHS_REPO_CONFIG "config/endpoints.ini"

/* Entries in the search list. */
#define PATHS_CONFIG_N 3

/*
 * The search list, in order, as paths (the first is relative to the
 * current directory). Fills out[0..PATHS_CONFIG_N-1] with strings the
 * caller frees (paths_free).
 */
void paths_config_list(char *out[PATHS_CONFIG_N]);
void paths_free(char *list[PATHS_CONFIG_N]);

/* The user's own config, the second entry: where `httpsmon init` writes. Caller frees. */
char *paths_config_user(void);

/*
 * The config to use: given (-c) as it is, whether or not it exists; else
 * the first entry of the list that exists. NULL when none does, with
 * "no config: looked for A, B and C" in err. Caller frees.
 */
char *paths_config_find(const char *given, char *err, size_t errlen);

#endif
