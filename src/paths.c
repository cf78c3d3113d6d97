/*
 * paths: the config search list (see paths.h). The list is built in one
 * function, paths_config_list; finding a config and saying where it
 * looked both walk it, so they cannot disagree.
 */
#include "httpsmon/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "httpsmon/util.h"

char *paths_config_user(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* the XDG spec says relative paths are invalid and must be ignored */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/httpsmon/endpoints.ini", xdg);
	return xasprintf("%s/.config/httpsmon/endpoints.ini", home && *home ? home : ".");
}

void paths_config_list(char *out[PATHS_CONFIG_N])
{
	out[0] = xstrdup(PATHS_REPO_CONFIG);
	out[1] = paths_config_user();
	out[2] = xstrdup(PATHS_SYSTEM_CONFIG);
}

void paths_free(char *list[PATHS_CONFIG_N])
{
	for (size_t i = 0; i < PATHS_CONFIG_N; i++) {
		free(list[i]);
		list[i] = NULL;
	}
}

char *paths_config_find(const char *given, char *err, size_t errlen)
{
	char *list[PATHS_CONFIG_N];
	char *found = NULL;

	if (given)
		return xstrdup(given);
	paths_config_list(list);
	for (size_t i = 0; i < PATHS_CONFIG_N && !found; i++) {
		if (access(list[i], F_OK) == 0) {
			found = list[i];
			list[i] = NULL;
		}
	}
	if (!found)
		snprintf(err, errlen, "no config: looked for ./%s, %s and %s", list[0], list[1], list[2]);
	paths_free(list);
	return found;
}
