/*
 * test-config.c: configuration defaults, environment, flags and -c file
 * through config_set(), the pins' 32-byte hex checks (PROTOCOL.md §3), the
 * base URL, and $OG_VEIL_HOME preparation (0700, symlink and mode refusal).
 */
#include "compat.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "og-veil.h"
#include "test.h"

static const char *const test_env_names[] = {
	"OG_VEIL_HOME", "OG_VEIL_HOST", "OG_VEIL_PORT", "OG_VEIL_TEE_ID",
	"OG_VEIL_EXPECTED_PCR_HASH", "OG_VEIL_APP_URL", "OG_VEIL_API_KEY",
	"SSL_CERT_FILE", "OG_VEIL_CA_FILE", "OG_VEIL_ALLOW_ORIGINS",
	"OG_VEIL_ALLOW_HOSTS", "OG_VEIL_MAX_BODY", "OG_VEIL_MAX_RESPONSE",
	"OG_VEIL_MAX_UNVERIFIED", "OG_VEIL_MAX_HEADERS", "OG_VEIL_MAX_CONNS",
	"OG_VEIL_TEE_REFRESH_INTERVAL", "OG_VEIL_FIRST_BYTE",
	"OG_VEIL_KEEPALIVE", "STATE_DIRECTORY"
};

#define PCR_UPPER \
	"0xABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"
#define PCR_LOWER \
	"0xabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static char	 test_dir[256];

static void
test_env_clear(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(test_env_names) / sizeof(test_env_names[0]); i++)
		unsetenv(test_env_names[i]);
	setenv("HOME", "/home/tester", 1);
}

static int
test_tmpdir(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/og-veil-test-config-XXXXXX");
	return (mkdtemp(test_dir) == NULL ? -1 : 0);
}

static void
test_rmrf(const char *dir)
{
	char	 cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
}

static int
test_defaults(void)
{
	struct veil_config	 cfg;
	char			 err[256];
	char			*url = NULL;

	test_env_clear();
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	TEST_EQ_STR(cfg.home, "/home/tester/.opengradient/veil");
	TEST_EQ_STR(cfg.host, "127.0.0.1");
	TEST_EQ_INT(cfg.port, 11434);
	TEST_EQ_STR(cfg.app_url, "https://chat.opengradient.ai");
	TEST_ASSERT(cfg.tee_id == NULL && cfg.expected_pcr == NULL);
	TEST_ASSERT(cfg.api_key == NULL && cfg.ca_file == NULL);
	TEST_EQ_INT(cfg.tee_refresh_interval, 300);
	TEST_EQ_INT(cfg.max_body, OG_VEIL_DEFAULT_MAX_BODY);
	TEST_EQ_INT(cfg.max_conns, OG_VEIL_DEFAULT_MAX_CONNS);
	TEST_EQ_INT(config_check(&cfg, err, sizeof(err)), 0);
	url = config_base_url(&cfg);
	TEST_EQ_STR(url, "http://127.0.0.1:11434/v1");
	free(url);
	config_clear(&cfg);
	return (0);
fail:
	free(url);
	config_clear(&cfg);
	return (-1);
}

static int
test_env(void)
{
	struct veil_config	 cfg;
	char			 err[256];

	test_env_clear();
	setenv("OG_VEIL_HOME", "/var/lib/og-veil/", 1);
	setenv("OG_VEIL_HOST", "::1", 1);
	setenv("OG_VEIL_PORT", "8080", 1);
	setenv("OG_VEIL_EXPECTED_PCR_HASH", PCR_UPPER, 1);
	setenv("OG_VEIL_APP_URL", "http://127.0.0.1:9/", 1);
	setenv("OG_VEIL_ALLOW_ORIGINS", "https://a.example, https://b.example",
	    1);
	setenv("OG_VEIL_TEE_REFRESH_INTERVAL", "0", 1);
	setenv("OG_VEIL_MAX_BODY", "2m", 1);
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	TEST_EQ_STR(cfg.home, "/var/lib/og-veil");
	TEST_EQ_STR(cfg.host, "::1");
	TEST_EQ_INT(cfg.port, 8080);
	TEST_EQ_STR(cfg.expected_pcr, PCR_LOWER);
	TEST_EQ_STR(cfg.app_url, "http://127.0.0.1:9");
	TEST_ASSERT(cfg.allow_origins != NULL);
	TEST_EQ_STR(cfg.allow_origins[0], "https://a.example");
	TEST_EQ_STR(cfg.allow_origins[1], "https://b.example");
	TEST_ASSERT(cfg.allow_origins[2] == NULL);
	TEST_EQ_INT(cfg.tee_refresh_interval, 0);
	TEST_EQ_INT(cfg.max_body, 2 * 1024 * 1024);
	config_clear(&cfg);
	test_env_clear();
	return (0);
fail:
	config_clear(&cfg);
	test_env_clear();
	return (-1);
}

static int
test_env_bad_port(void)
{
	struct veil_config	 cfg;
	char			 err[256];

	test_env_clear();
	setenv("OG_VEIL_PORT", "70000", 1);
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), -1);
	TEST_EQ_STR(err, "invalid port 70000: must be 1-65535 (from "
	    "OG_VEIL_PORT)");
	config_clear(&cfg);
	test_env_clear();
	return (0);
fail:
	config_clear(&cfg);
	test_env_clear();
	return (-1);
}

static int
test_port(void)
{
	struct veil_config	 cfg;
	char			 err[256];

	test_env_clear();
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	TEST_EQ_INT(config_set(&cfg, "port", "0", err, sizeof(err)), -1);
	TEST_EQ_STR(err, "invalid port 0: must be 1-65535");
	TEST_EQ_INT(config_set(&cfg, "port", "70000", err, sizeof(err)), -1);
	TEST_EQ_STR(err, "invalid port 70000: must be 1-65535");
	TEST_EQ_INT(config_set(&cfg, "port", "80x", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "port", "", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "port", "-1", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "port", "65535", err, sizeof(err)), 0);
	TEST_EQ_INT(cfg.port, 65535);
	TEST_EQ_INT(config_set(&cfg, "port", "1", err, sizeof(err)), 0);
	TEST_EQ_INT(cfg.port, 1);
	cfg.port = 0;
	TEST_EQ_INT(config_check(&cfg, err, sizeof(err)), -1);
	config_clear(&cfg);
	return (0);
fail:
	config_clear(&cfg);
	return (-1);
}

static int
test_pins(void)
{
	struct veil_config	 cfg;
	char			 err[256];

	test_env_clear();
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	TEST_EQ_INT(config_set(&cfg, "expected-pcr", PCR_UPPER + 2, err,
	    sizeof(err)), 0);
	TEST_EQ_STR(cfg.expected_pcr, PCR_LOWER);
	TEST_EQ_INT(config_set(&cfg, "tee-id", PCR_UPPER, err, sizeof(err)),
	    0);
	TEST_EQ_STR(cfg.tee_id, PCR_LOWER);
	/* 31 bytes, 33 bytes, a non-hex digit, 0x alone. */
	TEST_EQ_INT(config_set(&cfg, "expected-pcr", "0xabcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef01234567", err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "expected PCR hash") != NULL);
	TEST_ASSERT(strstr(err, "32 bytes of hex") != NULL);
	TEST_EQ_INT(config_set(&cfg, "tee-id", PCR_LOWER "00", err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "tee id") != NULL);
	TEST_EQ_INT(config_set(&cfg, "tee-id", "0xgbcdef0123456789abcdef01234"
	    "56789abcdef0123456789abcdef0123456789", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "tee-id", "0x", err, sizeof(err)), -1);
	/* A refused value leaves the old one. */
	TEST_EQ_STR(cfg.tee_id, PCR_LOWER);
	TEST_EQ_INT(config_set(&cfg, "tee-id", "", err, sizeof(err)), 0);
	TEST_ASSERT(cfg.tee_id == NULL);
	config_clear(&cfg);
	return (0);
fail:
	config_clear(&cfg);
	return (-1);
}

static int
test_values(void)
{
	struct veil_config	 cfg;
	char			 err[256];

	test_env_clear();
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	TEST_EQ_INT(config_set(&cfg, "max-response", "4k", err, sizeof(err)),
	    0);
	TEST_EQ_INT(cfg.max_response, 4096);
	TEST_EQ_INT(config_set(&cfg, "max-unverified", "1G", err,
	    sizeof(err)), 0);
	TEST_EQ_INT(cfg.max_unverified, 1024LL * 1024 * 1024);
	TEST_EQ_INT(config_set(&cfg, "max-body", "12", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "max-body", "1x", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "max-body", "-5", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "max-body", "99999999999999999999g", err,
	    sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "max-conns", "0", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "max-conns", "100", err, sizeof(err)), 0);
	TEST_EQ_INT(cfg.max_conns, 100);
	TEST_EQ_INT(config_set(&cfg, "app-url", "ftp://x", err, sizeof(err)),
	    -1);
	TEST_EQ_INT(config_set(&cfg, "app-url", "https://a b", err,
	    sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "host", "", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "home", "relative/dir", err, sizeof(err)),
	    -1);
	TEST_EQ_INT(config_set(&cfg, "api-key", "has space", err, sizeof(err)),
	    -1);
	TEST_EQ_INT(config_set(&cfg, "api-key", "s3cret", err, sizeof(err)),
	    0);
	TEST_EQ_STR(cfg.api_key, "s3cret");
	TEST_EQ_INT(config_set(&cfg, "allow-host", "a.example", err,
	    sizeof(err)), 0);
	TEST_EQ_INT(config_set(&cfg, "allow-host", "b.example", err,
	    sizeof(err)), 0);
	TEST_EQ_STR(cfg.allow_hosts[1], "b.example");
	TEST_EQ_INT(config_set(&cfg, "tee-refresh-interval", "-1", err,
	    sizeof(err)), -1);
	TEST_EQ_INT(cfg.first_byte, 2);
	TEST_EQ_INT(cfg.keepalive, 10);
	TEST_EQ_INT(config_set(&cfg, "first-byte", "0", err, sizeof(err)), 0);
	TEST_EQ_INT(cfg.first_byte, 0);
	TEST_EQ_INT(config_set(&cfg, "first-byte", "601", err, sizeof(err)),
	    -1);
	TEST_EQ_INT(config_set(&cfg, "first-byte", "-1", err, sizeof(err)),
	    -1);
	TEST_EQ_INT(config_set(&cfg, "keepalive", "0", err, sizeof(err)), -1);
	TEST_EQ_INT(config_set(&cfg, "keepalive", "1", err, sizeof(err)), 0);
	TEST_EQ_INT(cfg.keepalive, 1);
	TEST_EQ_INT(config_set(&cfg, "no-such-option", "1", err, sizeof(err)),
	    -1);
	TEST_EQ_INT(config_set(&cfg, "ca-file", "/nonexistent/ca.pem", err,
	    sizeof(err)), 0);
	TEST_EQ_INT(config_check(&cfg, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "/nonexistent/ca.pem") != NULL);
	config_clear(&cfg);
	return (0);
fail:
	config_clear(&cfg);
	return (-1);
}

static int
test_base_url(void)
{
	struct veil_config	 cfg;
	char			 err[256], *url = NULL;

	test_env_clear();
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	TEST_EQ_INT(config_set(&cfg, "host", "::1", err, sizeof(err)), 0);
	TEST_EQ_INT(config_set(&cfg, "port", "8000", err, sizeof(err)), 0);
	url = config_base_url(&cfg);
	TEST_EQ_STR(url, "http://[::1]:8000/v1");
	free(url);
	TEST_EQ_INT(config_set(&cfg, "host", "0.0.0.0", err, sizeof(err)), 0);
	url = config_base_url(&cfg);
	TEST_EQ_STR(url, "http://127.0.0.1:8000/v1");
	free(url);
	url = config_path(&cfg, "og-veil.pid");
	TEST_EQ_STR(url, "/home/tester/.opengradient/veil/og-veil.pid");
	free(url);
	config_clear(&cfg);
	return (0);
fail:
	free(url);
	config_clear(&cfg);
	return (-1);
}

static int
test_file(void)
{
	struct veil_config	 cfg;
	char			 err[512], path[300];
	FILE			*fp;
	int			 init = 0;

	test_env_clear();
	if (test_tmpdir() == -1)
		return (-1);
	snprintf(path, sizeof(path), "%s/og-veil.env", test_dir);
	fp = fopen(path, "w");
	TEST_ASSERT(fp != NULL);
	fprintf(fp, "# a comment\n\nOG_VEIL_PORT=9999\n"
	    "export OG_VEIL_HOST=\"127.0.0.2\"\n OG_VEIL_API_KEY = 'k1'\n");
	fclose(fp);
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	init = 1;
	TEST_EQ_INT(config_load_file(&cfg, path, err, sizeof(err)), 0);
	TEST_EQ_INT(cfg.port, 9999);
	TEST_EQ_STR(cfg.host, "127.0.0.2");
	TEST_EQ_STR(cfg.api_key, "k1");

	fp = fopen(path, "w");
	TEST_ASSERT(fp != NULL);
	fprintf(fp, "OG_VEIL_PORT=1\nOG_VEIL_NOPE=1\n");
	fclose(fp);
	TEST_EQ_INT(config_load_file(&cfg, path, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, ":2: unknown setting OG_VEIL_NOPE") != NULL);

	fp = fopen(path, "w");
	TEST_ASSERT(fp != NULL);
	fprintf(fp, "OG_VEIL_PORT=70000\n");
	fclose(fp);
	TEST_EQ_INT(config_load_file(&cfg, path, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "invalid port 70000") != NULL);
	snprintf(path, sizeof(path), "%s/missing.env", test_dir);
	TEST_EQ_INT(config_load_file(&cfg, path, err, sizeof(err)), -1);
	config_clear(&cfg);
	test_rmrf(test_dir);
	return (0);
fail:
	if (init)
		config_clear(&cfg);
	test_rmrf(test_dir);
	return (-1);
}

static int
test_home(void)
{
	struct veil_config	 cfg;
	struct stat		 st;
	char			 err[512], path[400], link[400];
	int			 init = 0;

	test_env_clear();
	if (test_tmpdir() == -1)
		return (-1);
	TEST_EQ_INT(config_init(&cfg, err, sizeof(err)), 0);
	init = 1;
	snprintf(path, sizeof(path), "%s/a/b/veil", test_dir);
	TEST_EQ_INT(config_set(&cfg, "home", path, err, sizeof(err)), 0);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), 0);
	TEST_EQ_INT(lstat(path, &st), 0);
	TEST_ASSERT(S_ISDIR(st.st_mode));
	TEST_EQ_INT(st.st_mode & 0777, 0700);
	/* Idempotent. */
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), 0);

	/* Group- or other-writable: refused with the chmod to run. */
	TEST_EQ_INT(chmod(path, 0770), 0);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "chmod 700") != NULL);
	TEST_EQ_INT(chmod(path, 0702), 0);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), -1);
	TEST_EQ_INT(chmod(path, 0755), 0);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), 0);

	/* A symlinked home is refused, unless systemd's StateDirectory. */
	snprintf(link, sizeof(link), "%s/link", test_dir);
	TEST_EQ_INT(symlink(path, link), 0);
	TEST_EQ_INT(config_set(&cfg, "home", link, err, sizeof(err)), 0);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "symbolic link") != NULL);
	setenv("STATE_DIRECTORY", link, 1);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), 0);
	unsetenv("STATE_DIRECTORY");

	/* A file in the way. */
	snprintf(path, sizeof(path), "%s/file", test_dir);
	TEST_EQ_INT(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
	TEST_EQ_INT(config_set(&cfg, "home", path, err, sizeof(err)), 0);
	TEST_EQ_INT(config_prepare_home(&cfg, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "not a directory") != NULL);
	config_clear(&cfg);
	test_rmrf(test_dir);
	return (0);
fail:
	unsetenv("STATE_DIRECTORY");
	if (init)
		config_clear(&cfg);
	test_rmrf(test_dir);
	return (-1);
}

static const struct test_case cases[] = {
	{ "defaults", test_defaults },
	{ "environment", test_env },
	{ "environment-bad-port", test_env_bad_port },
	{ "port-range", test_port },
	{ "pins-32-byte-hex", test_pins },
	{ "values-and-sizes", test_values },
	{ "base-url", test_base_url },
	{ "config-file", test_file },
	{ "home-prepare", test_home }
};

TEST_MAIN("test-config", cases)
