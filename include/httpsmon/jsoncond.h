/*
 * jsoncond: the `expect_json` conditions. A condition is a dotted path into
 * a JSON document, an operator and a literal, e.g.
 *     status == "ok"
 *     checks.db.latency_ms < 200
 *     items.0.healthy == true          (a number segment indexes an array)
 *     maintenance != true
 *     version exists
 * Parsing happens once, when the config is loaded; evaluation is pure and
 * runs on every probe body. cJSON stays inside jsoncond.c.
 */
#ifndef HTTPSMON_JSONCOND_H
#define HTTPSMON_JSONCOND_H

#include <stdbool.h>
#include <stddef.h>

enum json_op { JOP_EQ, JOP_NE, JOP_LT, JOP_LE, JOP_GT, JOP_GE, JOP_EXISTS };
enum json_lit { JLIT_NONE, JLIT_STRING, JLIT_NUMBER, JLIT_BOOL, JLIT_NULL };

struct json_cond {
	char *text;        /* the condition as written, for messages */
	char **path;       /* path segments; owned */
	size_t npath;
	enum json_op op;
	enum json_lit lit; /* JLIT_NONE only with JOP_EXISTS */
	char *str;         /* JLIT_STRING value, owned */
	double num;        /* JLIT_NUMBER value */
	bool b;            /* JLIT_BOOL value */
};

/*
 * Parses text into *c. Returns 0, or -1 with a reason in err (e.g.
 * "expected an operator (==, !=, <, <=, >, >=, exists) after 'status'").
 * Ordering operators need a number literal.
 */
int jsoncond_parse(const char *text, struct json_cond *c, char *err, size_t errlen);
void jsoncond_done(struct json_cond *c);
void jsoncond_copy(struct json_cond *dst, const struct json_cond *src);

enum jsoncond_outcome { JSONCOND_PASS, JSONCOND_FAIL, JSONCOND_NOT_JSON };
/*
 * Evaluates every condition against body (len bytes, not NUL-terminated).
 * On JSONCOND_FAIL, msg says which condition failed and what was found
 * ("status == \"ok\": found \"degraded\""; "checks.db.latency_ms < 200:
 * path not found"); on JSONCOND_NOT_JSON it says where parsing stopped.
 * The found value in msg is raw network text: sanitise before display.
 */
enum jsoncond_outcome jsoncond_eval_all(const struct json_cond *conds, size_t n,
					const char *body, size_t len,
					char *msg, size_t msglen);

#endif
