/*
 * fuzz_jsoncond: libFuzzer target for expect_json. The input's first line is
 * a condition, the rest a response body: the condition is parsed as the
 * config loader does, copied, and evaluated against the body (hostile
 * network text: any bytes, any nesting); the message must stay a string
 * within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/jsoncond.h"
#include "httpsmon/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t clen = nl ? (size_t)(nl - (const char *)data) : size;
	char *text = xstrndup((const char *)data, clen);
	const char *body = nl ? nl + 1 : "";
	size_t blen = nl ? size - clen - 1 : 0;
	struct json_cond c[2];
	char err[256], msg[400];

	if (jsoncond_parse(text, &c[0], err, sizeof(err)) == 0) {
		jsoncond_copy(&c[1], &c[0]);
		msg[0] = '\0';
		jsoncond_eval_all(c, 2, body, blen, msg, sizeof(msg));
		if (strnlen(msg, sizeof(msg)) == sizeof(msg))
			abort();
		jsoncond_done(&c[0]);
		jsoncond_done(&c[1]);
	} else if (strnlen(err, sizeof(err)) == sizeof(err) || !err[0]) {
		abort(); /* every refusal says why */
	}
	free(text);
	return 0;
}
