/*
 * test-devnet-model.c: the devnet model's agent tool flow (devnet-model.c,
 * og-veil-devnet(1)): "run: <command>" calls the offered command tool with
 * exactly that command, the tool's result is answered "Tool result
 * received: <result>", and an agent's tool list alone gets text.  Requests
 * are wire requests (PROTOCOL.md §7) shaped like those Claude Code 2.1 and
 * Codex 0.171 send once og-veil has translated them.
 */

#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet.h"
#include "json.h"
#include "test.h"
#include "xmalloc.h"

/* Claude Code's Bash and Agent tools, Codex's exec_command. */
#define T_BASH	"{\"type\": \"function\", \"function\": {\"name\": \"Bash\", " \
	"\"parameters\": {\"type\": \"object\", \"properties\": {" \
	"\"command\": {\"type\": \"string\"}, \"timeout\": {\"type\": " \
	"\"number\"}}, \"required\": [\"command\"]}}}"
#define T_AGENT	"{\"type\": \"function\", \"function\": {\"name\": " \
	"\"Agent\", \"parameters\": {\"type\": \"object\", \"properties\": {" \
	"\"prompt\": {\"type\": \"string\"}}, \"required\": [\"prompt\"]}}}"
#define T_EXEC	"{\"type\": \"function\", \"function\": {\"name\": " \
	"\"exec_command\", \"parameters\": {\"type\": \"object\", " \
	"\"properties\": {\"cmd\": {\"type\": \"string\"}, \"workdir\": " \
	"{\"type\": \"string\"}}, \"required\": [\"cmd\"]}}}"
#define CLAUDE_TOOLS	"\"tools\": [" T_AGENT ", " T_BASH "]"
#define CODEX_TOOLS	"\"tools\": [" T_EXEC ", " T_AGENT "]"
#define REMINDER	"{\"type\": \"text\", \"text\": " \
	"\"<system-reminder>\\nbe nice\\n</system-reminder>\\n\"}"
#define CALL(name, args) "{\"role\": \"assistant\", \"content\": null, " \
	"\"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", " \
	"\"function\": {\"name\": \"" name "\", \"arguments\": " args "}}]}"

static const struct {
	const char	*name;
	const char	*wire;
	const char	*tool;	/* the expected call, or NULL: text */
	const char	*out;	/* its arguments, or the text */
} mc[] = {
	{ "claude run", "{\"messages\": [{\"role\": \"user\", \"content\": ["
	    REMINDER ", {\"type\": \"text\", \"text\": \"run: echo hi\"}]}, "
	    "{\"role\": \"system\", \"content\": \"env\"}], " CLAUDE_TOOLS "}",
	    "Bash", "{\"command\": \"echo hi\"}" },
	{ "codex run", "{\"messages\": [{\"role\": \"system\", \"content\": "
	    "\"dev\"}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", "
	    "\"text\": \"run: ls -l /tmp | wc -l\"}]}], \"tool_choice\": "
	    "\"auto\", " CODEX_TOOLS "}",
	    "exec_command", "{\"cmd\": \"ls -l /tmp | wc -l\"}" },
	{ "claude result", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "\"run: echo hi\"}, " CALL("Bash", "\"{\\\"command\\\": "
	    "\\\"echo hi\\\"}\"") ", {\"role\": \"tool\", \"tool_call_id\": "
	    "\"call_1\", \"content\": \"hi\\n\"}], " CLAUDE_TOOLS "}",
	    NULL, "Tool result received: hi\n" },
	{ "result, system after", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: true\"}, " CALL("exec_command", "\"{}\"")
	    ", {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\":"
	    " [{\"type\": \"text\", \"text\": \"Output:\\n\"}, {\"type\": "
	    "\"text\", \"text\": \"ok\"}]}, {\"role\": \"developer\", "
	    "\"content\": \"x\"}], " CODEX_TOOLS "}",
	    NULL, "Tool result received: Output:\nok" },
	{ "result with tool_choice none", "{\"messages\": [{\"role\": "
	    "\"user\", \"content\": \"run: x\"}, " CALL("Bash", "\"{}\"")
	    ", {\"role\": \"tool\", \"content\": \"\"}], \"tool_choice\": "
	    "\"none\", " CLAUDE_TOOLS "}",
	    NULL, "Tool result received: (nothing)" },
	{ "agent tools, no run", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": [" REMINDER ", {\"type\": \"text\", \"text\": "
	    "\"say hi\"}]}], " CLAUDE_TOOLS "}",
	    NULL, "Echo: <system-reminder>\nbe nice\n</system-reminder>\n"
	    "say hi" },
	{ "run not at a line start", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"please run: ls\"}], " CODEX_TOOLS "}",
	    NULL, "Echo: please run: ls" },
	{ "last run line, CR dropped", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: a\\r\\nthen\\nrun:  b \\\"c\\\" \\u00e9\\r\\n"
	    "\"}], " CLAUDE_TOOLS "}",
	    "Bash", "{\"command\": \" b \\\"c\\\" \\u00e9\"}" },
	{ "empty run", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "\"run: \"}], " CLAUDE_TOOLS "}",
	    NULL, "Echo: run: " },
	{ "tool_choice none", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: ls\"}], \"tool_choice\": \"none\", "
	    CLAUDE_TOOLS "}",
	    NULL, "Echo: run: ls" },
	{ "tool_choice names a function", "{\"messages\": [{\"role\": "
	    "\"user\", \"content\": \"run: ls\"}], \"tool_choice\": {\"type\":"
	    " \"function\", \"function\": {\"name\": \"Agent\"}}, "
	    CLAUDE_TOOLS "}",
	    "Agent", "{\"input\": \"run: ls\"}" },
	{ "result of another tool", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: ls\"}, " CALL("Agent", "\"{}\"") ", {\"role\":"
	    " \"tool\", \"content\": \"done\"}], " CLAUDE_TOOLS "}",
	    "Bash", "{\"command\": \"ls\"}" },
	{ "command not required", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: ls\"}], \"tools\": [{\"type\": \"function\", "
	    "\"function\": {\"name\": \"f\", \"parameters\": {\"properties\": "
	    "{\"command\": {\"type\": \"string\"}}}}}]}",
	    "f", "{\"input\": \"run: ls\"}" },
	{ "command not a string", "{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: ls\"}], \"tools\": [{\"type\": \"function\", "
	    "\"function\": {\"name\": \"f\", \"parameters\": {\"properties\": "
	    "{\"cmd\": {\"type\": \"array\"}}, \"required\": [\"cmd\"]}}}]}",
	    "f", "{\"input\": \"run: ls\"}" },
	{ "no tools", "{\"messages\": [{\"role\": \"user\", \"content\": "
	    "\"run: ls\"}]}",
	    NULL, "Echo: run: ls" },
};

/* Every documented case, tokens joined; stream and non-stream share it. */
static int
test_tool_flow(void)
{
	struct devnet_answer	 a;
	struct json_value	*w = NULL;
	struct buf		 b;
	const char		*errstr;
	size_t			 i, j;

	memset(&a, 0, sizeof(a));
	buf_init(&b);
	for (i = 0; i < sizeof(mc) / sizeof(mc[0]); i++) {
		fprintf(stderr, "  case %s\n", mc[i].name);
		w = json_parse(mc[i].wire, strlen(mc[i].wire), NULL, &errstr);
		TEST_ASSERT(w != NULL);
		TEST_EQ_INT(devnet_model_answer(w, &a, &errstr), 0);
		if (mc[i].tool != NULL) {
			TEST_EQ_STR(a.tool_name, mc[i].tool);
			TEST_EQ_STR(a.tool_args, mc[i].out);
			TEST_EQ_INT(a.ntokens, 0);
			TEST_EQ_INT(a.completion_tokens, 1);
		} else {
			TEST_ASSERT(a.tool_name == NULL);
			TEST_ASSERT(a.tool_args == NULL);
			b.len = 0;
			for (j = 0; j < a.ntokens; j++)
				buf_add_str(&b, a.tokens[j]);
			buf_add(&b, "", 1);
			TEST_EQ_STR((const char *)b.data, mc[i].out);
			TEST_EQ_INT(a.completion_tokens, (int)a.ntokens);
		}
		devnet_answer_clear(&a);
		json_free(w);
		w = NULL;
	}
	buf_clear(&b, 0);
	return (0);
fail:
	devnet_answer_clear(&a);
	json_free(w);
	buf_clear(&b, 0);
	return (-1);
}

/* A long tool result is tokenized like any text: pieces, none empty. */
static int
test_long_result(void)
{
	struct devnet_answer	 a;
	struct json_value	*w = NULL, *msgs, *m;
	struct buf		 b, out;
	const char		*errstr;
	size_t			 i;

	memset(&a, 0, sizeof(a));
	buf_init(&b);
	buf_init(&out);
	for (i = 0; i < 500; i++)
		buf_add_str(&out, "line of output ");
	w = json_parse("{\"messages\": [{\"role\": \"user\", \"content\": "
	    "\"run: yes | head\"}, " CALL("Bash", "\"{}\"") "], "
	    CLAUDE_TOOLS "}", strlen("{\"messages\": [{\"role\": \"user\", "
	    "\"content\": \"run: yes | head\"}, " CALL("Bash", "\"{}\"") "], "
	    CLAUDE_TOOLS "}"), NULL, &errstr);
	TEST_ASSERT(w != NULL);
	msgs = json_get(w, "messages");
	m = json_new_object();
	json_object_set(m, "role", json_new_string("tool"));
	json_object_set(m, "content", json_new_stringn((const char *)out.data,
	    out.len));
	json_array_add(msgs, m);
	TEST_EQ_INT(devnet_model_answer(w, &a, &errstr), 0);
	TEST_ASSERT(a.tool_name == NULL);
	TEST_ASSERT(a.ntokens > 100);
	for (i = 0; i < a.ntokens; i++) {
		TEST_ASSERT(*a.tokens[i] != '\0');
		buf_add_str(&b, a.tokens[i]);
	}
	TEST_EQ_INT(b.len, strlen("Tool result received: ") + out.len);
	TEST_EQ_MEM(b.data, "Tool result received: line of output ", 37);
	devnet_answer_clear(&a);
	json_free(w);
	buf_clear(&b, 0);
	buf_clear(&out, 0);
	return (0);
fail:
	devnet_answer_clear(&a);
	json_free(w);
	buf_clear(&b, 0);
	buf_clear(&out, 0);
	return (-1);
}

static const struct test_case cases[] = {
	{ "tool-flow", test_tool_flow },
	{ "long-result", test_long_result },
};

TEST_MAIN("test-devnet-model", cases)
