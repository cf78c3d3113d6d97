/*
 * test_manpages: httpsmon.ini(5) and the config parser's own key tables
 * (src/config_fields.h: CONFIG_FIELDS through config_key_at, and
 * NOTIFIER_FIELDS through config_notifier_key_at) list the same keys, so
 * a key added to the parser without its man page entry, or a man page
 * entry for a key that is gone, fails here. Each key is an `.It Cm KEY`
 * line: endpoint keys under `.Sh ENDPOINT KEYS`, [defaults]-only keys
 * under `.Sh GLOBAL KEYS`, notifier keys under `.Sh NOTIFIER KEYS`. The
 * failure names every key that is missing or extra, and where it goes.
 * (httpsmon(1) against the binary's commands and options, and the lint,
 * are in tests/test_manpages.sh.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/config.h"
#include "httpsmon/util.h"

#define PAGE "docs/httpsmon.ini.5"

/* The .It Cm keys of one .Sh section of the page, as one " a b c " string (spaces around each). */
static char *page_keys(const char *section)
{
	FILE *f = fopen(PAGE, "r");
	char line[1024], cur[128] = "", key[128], *keys;
	struct strbuf b = { 0 };

	assert_non_null(f);
	strbuf_append(&b, " ", 1);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, ".Sh ", 4))
			snprintf(cur, sizeof(cur), "%s", line + 4);
		else if (!strcmp(cur, section) && sscanf(line, ".It Cm %127s", key) == 1)
			strbuf_printf(&b, "%s ", key);
	}
	fclose(f);
	keys = xstrdup(strbuf_cstr(&b));
	strbuf_done(&b);
	return keys;
}

static bool listed(const char *keys, const char *name)
{
	char want[160];

	snprintf(want, sizeof(want), " %s ", name);
	return strstr(keys, want) != NULL;
}

/*
 * Compares a section's keys with the table's keys for it (at(i) while
 * non-NULL, those whose CONFIG_KEY_GLOBAL flag is global_flag); adds to
 * *msg what is missing and what is extra.
 */
static void compare(const char *section, const struct config_key *(*at)(size_t), unsigned global_mask,
		    unsigned global_want, struct strbuf *msg)
{
	char *keys = page_keys(section);
	struct strbuf missing = { 0 }, table = { 0 };
	const struct config_key *k;

	strbuf_append(&table, " ", 1);
	for (size_t i = 0; (k = at(i)); i++) {
		if ((k->flags & global_mask) != global_want)
			continue;
		strbuf_printf(&table, "%s ", k->name);
		if (!listed(keys, k->name))
			strbuf_printf(&missing, " %s", k->name);
	}
	if (missing.len)
		strbuf_printf(msg, "\n" PAGE " lacks these keys of the parser's table (add `.It Cm KEY` under "
			      "`.Sh %s`):%s", section, strbuf_cstr(&missing));
	/* the other way: every page entry is a key of the table */
	for (char *p = keys, *end; *p; p = end) {
		p += strspn(p, " ");
		end = p + strcspn(p, " ");
		if (end == p)
			break;
		*end++ = '\0';
		if (!listed(strbuf_cstr(&table), p))
			strbuf_printf(msg, "\n" PAGE " documents '%s' under `.Sh %s`, which the parser's table does "
				      "not have there", p, section);
	}
	free(keys);
	strbuf_done(&missing);
	strbuf_done(&table);
}

static void test_ini_page_has_every_key(void **state)
{
	struct strbuf msg = { 0 };

	(void)state;
	compare("ENDPOINT KEYS", config_key_at, CONFIG_KEY_GLOBAL, 0, &msg);
	compare("GLOBAL KEYS", config_key_at, CONFIG_KEY_GLOBAL, CONFIG_KEY_GLOBAL, &msg);
	compare("NOTIFIER KEYS", config_notifier_key_at, 0, 0, &msg);
	if (msg.len)
		fail_msg("%s", strbuf_cstr(&msg));
	strbuf_done(&msg);
}

/* The comparison itself: a page without a section finds every key of it missing. */
static void test_a_missing_key_is_named(void **state)
{
	struct strbuf msg = { 0 };

	(void)state;
	compare("NO SUCH SECTION", config_notifier_key_at, 0, 0, &msg);
	assert_non_null(strstr(strbuf_cstr(&msg), "lacks these keys"));
	assert_non_null(strstr(strbuf_cstr(&msg), " smtp_url"));
	strbuf_done(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_page_has_every_key),
		cmocka_unit_test(test_a_missing_key_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
