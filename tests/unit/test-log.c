/*
 * test-log.c: log.c's batching on a real event loop and a real log file.
 * Under log_batch(base) info lines wait for the end of the loop's pass and
 * go out in order in one write; a warning writes what waits before itself
 * at once; 16 KiB waiting is written without waiting for the loop;
 * log_batch(NULL) and log_close() write what waits; with no batching each
 * line is written as it is logged.
 */
#include "compat.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "og-veil.h"
#include "test.h"

static char	test_home[] = "/tmp/og-veil-test-log.XXXXXX";
static char	test_path[300];

/* The log file's contents as a new string (caller frees), or NULL. */
static char *
test_log_read(void)
{
	FILE	*fp;
	char	*s;
	long	 n;

	if ((fp = fopen(test_path, "r")) == NULL)
		return (NULL);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((s = calloc(1, (size_t)n + 1)) == NULL)
		abort();
	if (n > 0 && fread(s, 1, (size_t)n, fp) != (size_t)n)
		abort();
	fclose(fp);
	return (s);
}

static long
test_log_size(void)
{
	struct stat	st;

	return (stat(test_path, &st) == -1 ? -1 : (long)st.st_size);
}

/* A fresh log file, detached-server style (not stderr). */
static void
test_log_start(const char *name)
{
	snprintf(test_path, sizeof(test_path), "%s/%s.log", test_home, name);
	log_init(0, 0, test_path);
}

/* Stop batching, free base, close the file: each case's end. */
static void
test_log_stop(struct event_base *base)
{
	log_batch(NULL);
	event_base_free(base);
	log_close();
}

static int
test_log_waits_for_the_pass(void)
{
	struct event_base	*base;
	char			*s = NULL, *a, *b, *c;

	test_log_start("pass");
	base = event_base_new();
	log_batch(base);
	log_info("line one");
	log_info("line two");
	log_info("line three");
	TEST_EQ_INT(test_log_size(), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	s = test_log_read();
	TEST_ASSERT(s != NULL);
	a = strstr(s, "info  line one\n");
	b = strstr(s, "info  line two\n");
	c = strstr(s, "info  line three\n");
	TEST_ASSERT(a != NULL && b != NULL && c != NULL && a < b && b < c);
	test_log_stop(base);
	free(s);
	return (0);
fail:
	test_log_stop(base);
	free(s);
	return (-1);
}

static int
test_log_warning_writes_at_once(void)
{
	struct event_base	*base;
	char			*s = NULL, *a, *b;

	test_log_start("warn");
	base = event_base_new();
	log_batch(base);
	log_info("before the warning");
	log_warnx("the warning");
	/* Both written, in order, without the loop running. */
	s = test_log_read();
	TEST_ASSERT(s != NULL);
	a = strstr(s, "info  before the warning\n");
	b = strstr(s, "warn  the warning\n");
	TEST_ASSERT(a != NULL && b != NULL && a < b);
	test_log_stop(base);
	free(s);
	return (0);
fail:
	test_log_stop(base);
	free(s);
	return (-1);
}

static int
test_log_bounded(void)
{
	struct event_base	*base;
	char			 pad[201];
	int			 i;

	test_log_start("bounded");
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	base = event_base_new();
	log_batch(base);
	/* 100 lines of ~230 bytes: past 16 KiB before any pass ends. */
	for (i = 0; i < 100; i++)
		log_info("%03d %s", i, pad);
	TEST_ASSERT(test_log_size() >= 16 * 1024);
	TEST_ASSERT(test_log_size() < 100 * 230);
	log_batch(NULL);
	TEST_ASSERT(test_log_size() >= 100 * 230);
	test_log_stop(base);
	return (0);
fail:
	test_log_stop(base);
	return (-1);
}

static int
test_log_stop_writes_what_waits(void)
{
	struct event_base	*base;
	char			*s = NULL;

	test_log_start("stop");
	base = event_base_new();
	log_batch(base);
	log_info("waiting at the stop");
	TEST_EQ_INT(test_log_size(), 0);
	log_batch(NULL);
	s = test_log_read();
	TEST_ASSERT(s != NULL && strstr(s, "waiting at the stop\n") != NULL);
	free(s);
	s = NULL;
	/* Unbatched again: written as logged. */
	log_info("unbatched");
	s = test_log_read();
	TEST_ASSERT(s != NULL && strstr(s, "unbatched\n") != NULL);
	free(s);
	s = NULL;
	/* log_close() writes what waits too. */
	log_batch(base);
	log_info("waiting at the close");
	log_close();
	s = test_log_read();
	TEST_ASSERT(s != NULL && strstr(s, "waiting at the close\n") != NULL);
	test_log_stop(base);
	free(s);
	return (0);
fail:
	test_log_stop(base);
	free(s);
	return (-1);
}

static const struct test_case cases[] = {
	{ "waits_for_the_pass", test_log_waits_for_the_pass },
	{ "warning_writes_at_once", test_log_warning_writes_at_once },
	{ "bounded", test_log_bounded },
	{ "stop_writes_what_waits", test_log_stop_writes_what_waits },
};

TEST_MAIN_IN_DIR("test-log", cases, test_home)
