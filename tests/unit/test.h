/*
 * test.h: the unit-test harness.  Each tests/unit/test-<module>.c holds a
 * table of named cases; a case returns 0 or jumps to fail: through a TEST_*
 * macro, which reports file and line.  main() runs the table (or the cases
 * named on the command line) and ends with "<prog>: N passed, M failed".
 */
#ifndef TEST_H
#define TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char	*name;
	int		(*fn)(void);
};

#define TEST_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "  %s:%d: assertion failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		goto fail;						\
	}								\
} while (0)

#define TEST_EQ_INT(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",	\
		    __FILE__, __LINE__, #a, _a, _b);			\
		goto fail;						\
	}								\
} while (0)

#define TEST_EQ_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0) {		\
		fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, #a, _a ? _a : "(null)",		\
		    _b ? _b : "(null)");				\
		goto fail;						\
	}								\
} while (0)

#define TEST_EQ_MEM(a, b, n) do {					\
	if (memcmp((a), (b), (n)) != 0) {				\
		fprintf(stderr, "  %s:%d: %s differs from %s\n",	\
		    __FILE__, __LINE__, #a, #b);			\
		goto fail;						\
	}								\
} while (0)

/* Decode hex into a new buffer (static helper for tests; caller frees). */
static inline uint8_t *
test_unhex(const char *hex, size_t *len)
{
	size_t	 n = strlen(hex) / 2, i;
	uint8_t	*p = malloc(n + 1);
	unsigned int v;

	if (p == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		p[i] = (uint8_t)v;
	}
	*len = n;
	return (p);
}

static inline int
test_run(const char *prog, const struct test_case *cases, size_t ncases,
    int argc, char **argv)
{
	size_t	i;
	int	j, passed = 0, failed = 0, want;

	for (i = 0; i < ncases; i++) {
		want = argc <= 1;
		for (j = 1; j < argc; j++)
			if (strcmp(argv[j], cases[i].name) == 0)
				want = 1;
		if (!want)
			continue;
		if (cases[i].fn() == 0) {
			printf("ok   %s\n", cases[i].name);
			passed++;
		} else {
			printf("FAIL %s\n", cases[i].name);
			failed++;
		}
	}
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return (failed == 0 ? 0 : 1);
}

#define TEST_MAIN(prog, cases)						\
int									\
main(int argc, char **argv)						\
{									\
	return (test_run(prog, cases, sizeof(cases) / sizeof(cases[0]),\
	    argc, argv));						\
}

/*
 * TEST_MAIN in a fresh directory: dir is a mkdtemp() template (a char
 * array), made before the cases and removed after them.  A macro, so that
 * only the files that use it need mkdtemp() and system().
 */
#define TEST_MAIN_IN_DIR(prog, cases, dir)				\
int									\
main(int argc, char **argv)						\
{									\
	char	 cmd_[256];						\
	int	 rv_;							\
									\
	if (mkdtemp(dir) == NULL)					\
		return (1);						\
	rv_ = test_run(prog, cases, sizeof(cases) / sizeof(cases[0]),	\
	    argc, argv);						\
	snprintf(cmd_, sizeof(cmd_), "rm -rf '%s'", dir);		\
	if (system(cmd_) != 0)						\
		rv_ = 1;						\
	return (rv_);							\
}

#endif /* TEST_H */
