/*
 * cmd-verify.c: `og-veil verify ID` or `og-veil verify --file F` checks a
 * receipt offline, with no network: the signing key's tee_id, the request
 * and output hashes when the content was kept, and the enclave's RSA-PSS
 * signature.  It says which step failed; exit 0 only when all pass.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "og-veil.h"
#include "receipt.h"

#define CMD_VERIFY_FILE		300

static int	 cmd_verify_exec(const struct cmd_entry *, struct cmd_args *);

static const struct option cmd_verify_options[] = {
	{ "file", required_argument, NULL, CMD_VERIFY_FILE },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.args = { "", 0, 1 },
	.options = cmd_verify_options,
	.usage = "id | --file receipt.json",
	.help = "Check a receipt offline: the TEE's key, the hashes (when "
	    "the content was kept)\nand the enclave's signature.  Exit 0 "
	    "when every step passes.",
	.exec = cmd_verify_exec
};

/* A receipt from an export file (- for standard input). */
static int
cmd_verify_load_file(const char *path, struct receipt *r)
{
	char	*text, errbuf[512];
	size_t	 len;
	int	 fd, rv;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "og-veil: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	rv = cmd_read_all(fd, RECEIPT_MAX_FILE, &text, &len);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rv == -1) {
		fprintf(stderr, "og-veil: %s: unreadable or larger than %u "
		    "bytes\n", path, RECEIPT_MAX_FILE);
		return (-1);
	}
	rv = receipt_parse_json(text, len, r, errbuf, sizeof(errbuf));
	free(text);
	if (rv == -1)
		fprintf(stderr, "og-veil: %s: %s\n", path, errbuf);
	return (rv);
}

static int
cmd_verify_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct receipt_store	*rs;
	struct receipt		 r;
	enum receipt_step	 step;
	const char		*file = args->values[CMD_VERIFY_FILE];
	char			 errbuf[512];
	int			 content, rv;

	(void)self;
	if ((file == NULL) == (args->argc == 0)) {
		fprintf(stderr, "og-veil: verify takes a receipt id or "
		    "--file FILE\n");
		cmd_usage(stderr, self, 0);
		return (CMD_EXIT_USAGE);
	}
	receipt_init(&r);
	if (file != NULL) {
		if (cmd_verify_load_file(file, &r) == -1)
			return (CMD_EXIT_FAIL);
	} else {
		if ((rs = receipt_store_open(args->cfg->home, 0, errbuf,
		    sizeof(errbuf))) == NULL) {
			fprintf(stderr, "og-veil: %s\n", errbuf);
			return (CMD_EXIT_FAIL);
		}
		rv = receipt_store_get(rs, args->argv[0], &r);
		if (rv != 0)
			fprintf(stderr, "og-veil: %s\n", rv == 1 ?
			    "no receipt has that id (see `og-veil receipts`)" :
			    receipt_store_errmsg(rs));
		receipt_store_close(rs);
		if (rv != 0)
			return (CMD_EXIT_FAIL);
	}
	step = receipt_verify(&r, &content, errbuf, sizeof(errbuf));
	if (step == RECEIPT_OK) {
		printf("receipt %s verified\n", r.id[0] != '\0' ? r.id : "");
		printf("  tee_id:       %s (keccak256 of the signing key)\n",
		    r.tee_id);
		printf("  request_hash: %s%s\n", r.request_hash, content ?
		    " (recomputed from the kept request)" : "");
		printf("  output_hash:  %s%s\n", r.output_hash, content ?
		    " (recomputed from the kept output)" : "");
		printf("  signature:    RSA-PSS over keccak256(request_hash || "
		    "output_hash || %s)\n", r.tee_timestamp);
		if (!content)
			printf("  content:      not kept (serve --keep-content "
			    "keeps it), hashes taken as signed\n");
	} else
		fprintf(stderr, "og-veil: receipt %s FAILED at step %s\n",
		    r.id[0] != '\0' ? r.id : "", errbuf);
	receipt_clear(&r);
	return (step == RECEIPT_OK ? CMD_EXIT_OK : CMD_EXIT_FAIL);
}
