/*
 * cmd.c: the command table, unique-prefix lookup and the command line
 * parser (global flags, from config_options[], before or after the
 * command; the command's own flags from its entry), both help texts, and
 * what several commands share: the store and reading a file descriptor.
 * The pidfile is cmd-pidfile.c's, the client of the running server
 * cmd-http.c's.
 */
#include "compat.h"

#include <sys/stat.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "og-veil.h"
#include "xmalloc.h"

extern const struct cmd_entry cmd_env_entry;
extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_logout_entry;
extern const struct cmd_entry cmd_models_entry;
extern const struct cmd_entry cmd_receipts_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_setup_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_test_entry;
extern const struct cmd_entry cmd_update_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_verify_entry;

static int	 cmd_help_exec(const struct cmd_entry *, struct cmd_args *);
static void	 cmd_usage_globals(FILE *);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = { "", 0, 1 },
	.usage = "[command]",
	.help = "Show the commands, or one command's flags.",
	.exec = cmd_help_exec
};

const struct cmd_entry *const cmd_table[] = {
	&cmd_serve_entry,
	&cmd_stop_entry,
	&cmd_restart_entry,
	&cmd_status_entry,
	&cmd_env_entry,
	&cmd_models_entry,
	&cmd_test_entry,
	&cmd_receipts_entry,
	&cmd_verify_entry,
	&cmd_login_entry,
	&cmd_logout_entry,
	&cmd_setup_entry,
	&cmd_logs_entry,
	&cmd_update_entry,
	&cmd_version_entry,
	&cmd_help_entry,
	NULL
};

/*
 * Global flags, accepted before or after the command: config_options[]
 * (config.c), row i as getopt value CMD_OPT_CONFIG + i, or its letter.
 * The command's own flags use values below CMD_MAXOPT.
 */
#define CMD_OPT_CONFIG		1024

/* A global flag seen on the command line, applied after the environment. */
struct cmd_setting {
	const struct config_option *option;
	char			*value;		/* argv memory, or NULL */
};

struct cmd_parse_state {
	struct cmd_setting	*settings;
	size_t			 nsettings;
	const char		*conf_file;
	int			 help;
	int			 version;
};

static int	 cmd_global(struct cmd_parse_state *, int, char *);
static void	 cmd_wipe_secret_arg(struct cmd_setting *);
static int	 cmd_option_has_arg(const struct config_option *);
static struct option *cmd_global_options_new(size_t *, char **);
static void	 cmd_help_line(FILE *, const char *, const char *);
static void	 cmd_help_options(FILE *);
static int	 cmd_client_given(const struct veil_config *,
		    const struct config_option *);
static int	 cmd_service_enter(struct veil_config *, char *, size_t);
static int	 cmd_service_become(uid_t, gid_t, const char *, char *,
		    size_t);
static int	 cmd_getopt(const char *, int, char **, const char *,
		    const struct option *, struct cmd_parse_state *,
		    struct cmd_args *, int);
static const char *cmd_option_name(const struct option *, int);

/* The command line's memory, for cmd_set_title(). */
static char	*cmd_title_start;
static size_t	 cmd_title_len;

/*
 * What ps shows for this process: the detached daemon was forked from
 * whatever command started it (`og-veil restart`, a bare og-veil), so it
 * says what it is instead.  Overwrites argv (the arguments were copied or
 * are no longer needed) and sets the thread name.
 */
void
cmd_set_title(const char *title)
{
	size_t	 n;

#ifdef __linux__
	(void)prctl(PR_SET_NAME, (unsigned long)title, 0L, 0L, 0L);
#endif
	if (cmd_title_start == NULL || cmd_title_len < 2)
		return;
	n = strlen(title);
	if (n > cmd_title_len - 1)
		n = cmd_title_len - 1;
	memset(cmd_title_start, 0, cmd_title_len);
	memcpy(cmd_title_start, title, n);
}

/* Exact name or alias, else a unique prefix; NULL (*ambiguous set). */
const struct cmd_entry *
cmd_find(const char *name, int *ambiguous)
{
	const struct cmd_entry	*const *e, *found = NULL;
	size_t			 len = strlen(name);

	*ambiguous = 0;
	if (len == 0)
		return (NULL);
	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0 || ((*e)->alias != NULL &&
		    strcmp((*e)->alias, name) == 0))
			return (*e);
	}
	for (e = cmd_table; *e != NULL; e++) {
		if (strncmp((*e)->name, name, len) != 0 &&
		    ((*e)->alias == NULL ||
		    strncmp((*e)->alias, name, len) != 0))
			continue;
		if (found != NULL && found != *e) {
			*ambiguous = 1;
			return (NULL);
		}
		found = *e;
	}
	return (found);
}

/* "ambiguous command: s (serve, stop, ...)" or "unknown command: x". */
void
cmd_find_error(const char *name, int ambiguous)
{
	const struct cmd_entry	*const *e;
	size_t			 len = strlen(name), n = 0;

	fprintf(stderr, "og-veil: %s command: %s", ambiguous ? "ambiguous" :
	    "unknown", name);
	if (ambiguous) {
		for (e = cmd_table; *e != NULL; e++)
			if (strncmp((*e)->name, name, len) == 0)
				fprintf(stderr, "%s%s", n++ == 0 ? " (" : ", ",
				    (*e)->name);
		if (n > 0)
			fputc(')', stderr);
	}
	fputc('\n', stderr);
}

/* Print an entry's usage line, and with full its help and flags. */
void
cmd_usage(FILE *fp, const struct cmd_entry *e, int full)
{
	fprintf(fp, "usage: og-veil %s%s%s\n", e->name,
	    e->usage[0] != '\0' ? " " : "", e->usage);
	if (!full)
		return;
	if (e->alias != NULL)
		fprintf(fp, "alias: %s\n", e->alias);
	fprintf(fp, "\n%s\n", e->help);
	cmd_usage_globals(fp);
}

/* The global flags in one wrapped paragraph (cmd_usage()'s full form). */
static void
cmd_usage_globals(FILE *fp)
{
	const struct config_option	*o;
	char				 item[64];
	size_t				 col, len;

	fprintf(fp, "\nGlobal flags (before or after the command):");
	col = 44;
	for (o = config_options; o->co_name != NULL; o++) {
		if (o->co_flags & CONFIG_F_NOFLAG)
			continue;
		if (o->co_letter != 0)
			snprintf(item, sizeof(item), " -%c (--%s)%s",
			    o->co_letter, o->co_name,
			    o[1].co_name != NULL ? "," : ".");
		else
			snprintf(item, sizeof(item), " --%s%s", o->co_name,
			    o[1].co_name != NULL ? "," : ".");
		len = strlen(item);
		if (col + len > 72) {
			fputc('\n', fp);
			col = 0;
			fputs(item + 1, fp);
			len--;
		} else
			fputs(item, fp);
		col += len;
	}
	fprintf(fp, "\nServer flags apply to serve, restart and a bare "
	    "og-veil; `og-veil help` lists\nthem all.  See og-veil(1).\n");
}

static int
cmd_help_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	const struct cmd_entry	*const *e, *found;
	char			 left[128], *line, *dot;
	int			 ambiguous;

	(void)self;
	if (args->argc == 1) {
		if ((found = cmd_find(args->argv[0], &ambiguous)) == NULL) {
			cmd_find_error(args->argv[0], ambiguous);
			return (CMD_EXIT_USAGE);
		}
		cmd_usage(stdout, found, 1);
		return (CMD_EXIT_OK);
	}
	printf("usage: og-veil [-hVv] [-c file] [global-flags] "
	    "[command [flags]]\n\n");
	printf("Without a command: sign in on first use, then start the "
	    "server in the\nbackground (or say that it runs).\n\n"
	    "commands:\n");
	for (e = cmd_table; *e != NULL; e++) {
		/* The name, its usage and the first sentence of its help. */
		snprintf(left, sizeof(left), "%s%s%s", (*e)->name,
		    (*e)->usage[0] != '\0' ? " " : "", (*e)->usage);
		line = xstrdup((*e)->help);
		for (dot = line; *dot != '\0'; dot++) {
			if ((*dot == '.' || *dot == ':') &&
			    (dot[1] == ' ' || dot[1] == '\n')) {
				dot[0] = '.';
				dot[1] = '\0';
				break;
			}
			if (*dot == '\n')
				*dot = ' ';
		}
		cmd_help_line(stdout, left, line);
		free(line);
	}
	cmd_help_options(stdout);
	return (CMD_EXIT_OK);
}

/*
 * Print "  left  text" with text wrapped at 79 columns under column 27
 * (left on a line of its own when it is wider).
 */
static void
cmd_help_line(FILE *fp, const char *left, const char *text)
{
	const char	*p = text, *sp;
	size_t		 col, n;

	if (strlen(left) + 2 > 25) {
		fprintf(fp, "  %s\n%27s", left, "");
	} else
		fprintf(fp, "  %-25s", left);
	col = 27;
	while (*p != '\0') {
		/* The next word and the blank before it. */
		for (sp = p; *sp == ' '; sp++)
			;
		n = strcspn(sp, " ");
		if (col > 27 && col + (size_t)(sp - p) + n > 79) {
			fprintf(fp, "\n%27s", "");
			col = 27;
			p = sp;
		}
		fwrite(p, 1, (size_t)(sp - p) + n, fp);
		col += (size_t)(sp - p) + n;
		p = sp + n;
	}
	fputc('\n', fp);
}

/* Every row of config_options[], grouped, for `og-veil help`. */
static void
cmd_help_options(FILE *fp)
{
	static const struct {
		const char	*title;
		int		 mask, want;
	} group[] = {
		{ "global flags:", CONFIG_F_SERVE | CONFIG_F_NOFLAG, 0 },
		{ "server flags (serve, restart and a bare og-veil):",
		  CONFIG_F_SERVE | CONFIG_F_NOFLAG, CONFIG_F_SERVE },
		{ "environment only:", CONFIG_F_NOFLAG, CONFIG_F_NOFLAG }
	};
	const struct config_option	*o;
	char				 left[128], text[512];
	size_t				 g;

	for (g = 0; g < sizeof(group) / sizeof(group[0]); g++) {
		fprintf(fp, "\n%s\n", group[g].title);
		for (o = config_options; o->co_name != NULL; o++) {
			if ((o->co_flags & group[g].mask) != group[g].want)
				continue;
			if (o->co_flags & CONFIG_F_NOFLAG)
				snprintf(left, sizeof(left), "%s=%s",
				    o->co_env, o->co_arg != NULL ? o->co_arg :
				    "value");
			else
				snprintf(left, sizeof(left), "%s%c%s--%s%s%s",
				    o->co_letter != 0 ? "-" : "",
				    o->co_letter != 0 ? o->co_letter : ' ',
				    o->co_letter != 0 ? ", " : "", o->co_name,
				    o->co_arg != NULL ? " " : "",
				    o->co_arg != NULL ? o->co_arg : "");
			if (o->co_letter == 0 && !(o->co_flags &
			    CONFIG_F_NOFLAG))
				memmove(left, left + 1, strlen(left));
			if (o->co_flags & CONFIG_F_NOFLAG || (o->co_env ==
			    NULL && o->co_default == NULL))
				snprintf(text, sizeof(text), "%s", o->co_help);
			else
				snprintf(text, sizeof(text), "%s [%s%s%s]",
				    o->co_help, o->co_default != NULL ?
				    o->co_default : "", o->co_default != NULL &&
				    o->co_env != NULL ? ", " : "",
				    o->co_env != NULL ? o->co_env : "");
			cmd_help_line(fp, left, text);
		}
	}
	fprintf(fp, "\nIn brackets: the default and the variable that sets it "
	    "(also as a NAME=value\nline of a -c file); flags win.  See "
	    "og-veil(1).\n");
}

/* 1 when the global flag of o takes an argument. */
static int
cmd_option_has_arg(const struct config_option *o)
{
	switch (o->co_type) {
	case CONFIG_T_BOOL:
	case CONFIG_T_COUNT:
		return (0);
	case CONFIG_T_CLI:
		return (o->co_arg != NULL);
	default:
		return (1);
	}
}

/*
 * getopt_long's table of the global flags (a new array, terminated) and
 * the short option letters (a new string in *shortp).
 */
static struct option *
cmd_global_options_new(size_t *np, char **shortp)
{
	const struct config_option	*o;
	struct option			*opts;
	struct buf			 b;
	size_t				 n = 0, i;

	opts = xcalloc(config_noptions() + 1, sizeof(*opts));
	buf_init(&b);
	for (i = 0; i < config_noptions(); i++) {
		o = &config_options[i];
		if (o->co_flags & CONFIG_F_NOFLAG)
			continue;
		opts[n].name = o->co_name;
		opts[n].has_arg = cmd_option_has_arg(o) ? required_argument :
		    no_argument;
		opts[n].val = o->co_letter != 0 ? o->co_letter :
		    CMD_OPT_CONFIG + (int)i;
		n++;
		if (o->co_letter != 0)
			buf_printf(&b, "%c%s", o->co_letter,
			    cmd_option_has_arg(o) ? ":" : "");
	}
	*np = n;
	*shortp = (char *)buf_detach(&b, NULL);
	return (opts);
}

/*
 * Overwrite a secret flag's value (--api-key) in argv once it is copied,
 * so that /proc/PID/cmdline and ps stop showing it (it showed until here:
 * cmd-serve.c warns).  Not a file name (--api-key-file).
 */
static void
cmd_wipe_secret_arg(struct cmd_setting *st)
{
	const struct config_option	*o = st->option;

	if (st->value == NULL || !(o->co_flags & CONFIG_F_SECRET) ||
	    (o->co_flags & CONFIG_F_ALIAS))
		return;
	memset(st->value, 'x', strlen(st->value));
}

/* Record a global flag; 0, or 1 when ch is not one. */
static int
cmd_global(struct cmd_parse_state *ps, int ch, char *arg)
{
	const struct config_option	*o = NULL;

	if (ch >= CMD_OPT_CONFIG &&
	    (size_t)(ch - CMD_OPT_CONFIG) < config_noptions())
		o = &config_options[ch - CMD_OPT_CONFIG];
	else if (ch > 0 && ch < 256) {
		for (o = config_options; o->co_name != NULL; o++)
			if (o->co_letter == ch &&
			    !(o->co_flags & CONFIG_F_NOFLAG))
				break;
		if (o->co_name == NULL)
			return (1);
	} else
		return (1);
	if (o->co_type == CONFIG_T_CLI) {
		if (strcmp(o->co_name, "config") == 0)
			ps->conf_file = arg;
		else if (strcmp(o->co_name, "help") == 0)
			ps->help = 1;
		else if (strcmp(o->co_name, "version") == 0)
			ps->version = 1;
		return (0);
	}
	ps->settings = xreallocarray(ps->settings, ps->nsettings + 1,
	    sizeof(*ps->settings));
	ps->settings[ps->nsettings].option = o;
	ps->settings[ps->nsettings].value = arg;
	ps->nsettings++;
	return (0);
}

/* The --name of an option value, for messages. */
static const char *
cmd_option_name(const struct option *opts, int val)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if (opts->val == val)
			return (opts->name);
	return (NULL);
}

/*
 * One getopt_long pass.  prog names the command in messages ("" for the
 * global pass).  Returns -1 when done, else an exit status (usage error).
 */
static int
cmd_getopt(const char *prog, int argc, char **argv, const char *shortopts,
    const struct option *longopts, struct cmd_parse_state *ps,
    struct cmd_args *args, int reset)
{
	const char	*name, *bad;
	int		 ch;

	opterr = 0;
	optind = reset ? 0 : 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts,
	    NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			bad = argv[optind - 1];
			if (optopt != 0 && optopt < 256 && isprint(optopt) &&
			    (bad == NULL || bad[0] != '-' || bad[1] != '-'))
				fprintf(stderr, "og-veil%s%s: %s option -%c\n",
				    *prog != '\0' ? " " : "", prog, ch == ':' ?
				    "missing argument for" : "unknown", optopt);
			else if (ch == ':' && (name = cmd_option_name(longopts,
			    optopt)) != NULL)
				fprintf(stderr, "og-veil%s%s: missing "
				    "argument for --%s\n", *prog != '\0' ?
				    " " : "", prog, name);
			else
				fprintf(stderr, "og-veil%s%s: %s option %s\n",
				    *prog != '\0' ? " " : "", prog, ch == ':' ?
				    "missing argument for" : "unknown",
				    bad != NULL ? bad : "?");
			return (CMD_EXIT_USAGE);
		}
		if (cmd_global(ps, ch, optarg) == 0)
			continue;
		if (ch >= 0 && ch < CMD_MAXOPT) {
			args->flags[ch]++;
			args->values[ch] = optarg;
		}
	}
	return (-1);
}

/*
 * Parse the command line and resolve the configuration.  -1: run
 * (*entry is NULL when no command was given); otherwise the exit status,
 * any message already printed.
 */
int
cmd_parse(int argc, char **argv, const struct cmd_entry **entry,
    struct cmd_args *args, struct veil_config *cfg)
{
	struct cmd_parse_state	 ps;
	const struct cmd_entry	*e = NULL;
	struct option		*opts = NULL, *gopts;
	char			*shortopts = NULL, *gshort, errbuf[512];
	size_t			 nopts = 0, ngopts, i;
	int			 rc, ambiguous, subargc, cfg_ok = 0;
	char			**subargv;

	memset(&ps, 0, sizeof(ps));
	memset(args, 0, sizeof(*args));
	*entry = NULL;
	if (argc > 0 && argv[0] != NULL && argv[argc - 1] >= argv[0]) {
		cmd_title_start = argv[0];
		cmd_title_len = (size_t)(argv[argc - 1] +
		    strlen(argv[argc - 1]) + 1 - argv[0]);
	}

	gopts = cmd_global_options_new(&ngopts, &gshort);
	xasprintf(&shortopts, "+:%s", gshort);
	rc = cmd_getopt("", argc, argv, shortopts, gopts, &ps, args, 0);
	free(shortopts);
	shortopts = NULL;
	if (rc != -1) {
		fprintf(stderr, "run `og-veil help` for the commands and "
		    "flags\n");
		goto done;
	}
	subargc = argc - optind;
	subargv = argv + optind;
	if (subargc > 0) {
		if ((e = cmd_find(subargv[0], &ambiguous)) == NULL) {
			cmd_find_error(subargv[0], ambiguous);
			usage();
		}
		*entry = e;
		for (i = 0; e->options != NULL && e->options[i].name != NULL;
		    i++)
			;
		nopts = i;
		opts = xcalloc(ngopts + nopts + 1, sizeof(*opts));
		memcpy(opts, gopts, ngopts * sizeof(*opts));
		if (nopts > 0)
			memcpy(opts + ngopts, e->options,
			    nopts * sizeof(*opts));
		xasprintf(&shortopts, ":%s%s", e->args.template, gshort);
		rc = cmd_getopt(e->name, subargc, subargv, shortopts, opts,
		    &ps, args, 1);
		if (rc != -1) {
			cmd_usage(stderr, e, 0);
			goto done;
		}
		args->argc = subargc - optind;
		args->argv = subargv + optind;
		if (!ps.help && !ps.version && ((e->args.lower != -1 &&
		    args->argc < e->args.lower) || (e->args.upper != -1 &&
		    args->argc > e->args.upper))) {
			fprintf(stderr, "og-veil %s: %s arguments\n", e->name,
			    args->argc < e->args.lower ? "missing" :
			    "too many");
			cmd_usage(stderr, e, 0);
			rc = CMD_EXIT_USAGE;
			goto done;
		}
	}
	if (ps.version) {
		printf("og-veil %s\n", OG_VEIL_VERSION);
		rc = CMD_EXIT_OK;
		goto done;
	}
	if (ps.help) {
		if (e != NULL && e != &cmd_help_entry)
			cmd_usage(stdout, e, 1);
		else {
			args->argc = 0;
			cmd_help_exec(&cmd_help_entry, args);
		}
		rc = CMD_EXIT_OK;
		goto done;
	}

	if (config_init(cfg, errbuf, sizeof(errbuf)) == -1)
		goto bad_config;
	cfg_ok = 1;
	if (ps.conf_file != NULL && config_load_file(cfg, ps.conf_file,
	    errbuf, sizeof(errbuf)) == -1)
		goto bad_config;
	for (i = 0; i < ps.nsettings; i++) {
		if (config_set_option(cfg, ps.settings[i].option,
		    ps.settings[i].value, CONFIG_SRC_FLAG, errbuf,
		    sizeof(errbuf)) == -1)
			goto bad_config;
		cmd_wipe_secret_arg(&ps.settings[i]);
	}
	if (cfg->service && config_source(cfg, "home") == CONFIG_SRC_DEFAULT) {
		free(cfg->home);
		cfg->home = xstrdup(OG_VEIL_SERVICE_HOME);
	}
	if (config_check(cfg, errbuf, sizeof(errbuf)) == -1 ||
	    config_resolve_home(cfg, errbuf, sizeof(errbuf)) == -1)
		goto bad_config;
	if (cfg->service && cmd_service_enter(cfg, errbuf,
	    sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		config_clear(cfg);
		rc = CMD_EXIT_FAIL;
		goto done;
	}
	if (e == NULL || (e->flags & CMD_F_CLIENT))
		cmd_client_adopt(cfg);
	args->cfg = cfg;
	rc = -1;
	goto done;

bad_config:
	fprintf(stderr, "og-veil: %s\n", errbuf);
	if (cfg_ok)
		config_clear(cfg);
	rc = CMD_EXIT_USAGE;
done:
	free(ps.settings);
	free(opts);
	free(shortopts);
	free(gopts);
	free(gshort);
	return (rc);
}

/*
 * --service: act for the systemd service.  Run as root, become the owner
 * of its state directory (DynamicUser='s UID, or User=), so that what
 * login writes stays the service's and the checks of config_prepare_home()
 * hold; run as anyone else, just use that directory.  -1 with errbuf.
 */
static int
cmd_service_enter(struct veil_config *cfg, char *errbuf, size_t errlen)
{
	struct stat	 st;

	if (lstat(cfg->home, &st) == -1) {
		snprintf(errbuf, errlen, "%s: %s: the service has not run yet; "
		    "sign it in as og-veil.service's comment says", cfg->home,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "%s is not the service's state "
		    "directory (a symlink systemd did not make?)", cfg->home);
		return (-1);
	}
	if (geteuid() != 0 || st.st_uid == 0)
		return (0);
	return (cmd_service_become(st.st_uid, st.st_gid, cfg->home, errbuf,
	    errlen));
}

/*
 * Become uid/gid for good, keeping only CAP_DAC_READ_SEARCH: systemd keeps
 * DynamicUser= state under /var/lib/private (0700 root), which the
 * service's UID cannot search outside the service's own namespace.  What
 * og-veil creates then belongs to uid, as the service's own files do.
 */
static int
cmd_service_become(uid_t uid, gid_t gid, const char *home, char *errbuf,
    size_t errlen)
{
#ifdef __linux__
	struct __user_cap_header_struct	 h;
	struct __user_cap_data_struct	 d[_LINUX_CAPABILITY_U32S_3];

	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) == -1)
		goto fail;
#endif
	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1)
		goto fail;
	if (setuid(0) != -1 || geteuid() != uid) {
		snprintf(errbuf, errlen, "could not drop root for uid %u",
		    (unsigned int)uid);
		return (-1);
	}
#ifdef __linux__
	(void)prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	d[CAP_TO_INDEX(CAP_DAC_READ_SEARCH)].effective =
	    CAP_TO_MASK(CAP_DAC_READ_SEARCH);
	d[CAP_TO_INDEX(CAP_DAC_READ_SEARCH)].permitted =
	    CAP_TO_MASK(CAP_DAC_READ_SEARCH);
	if (syscall(SYS_capset, &h, d) == -1)
		goto fail;
#endif
	return (0);
fail:
	snprintf(errbuf, errlen, "cannot become uid %u (the owner of %s): %s",
	    (unsigned int)uid, home, strerror(errno));
	return (-1);
}

/* 1 when o's field was set by anything but the default (aliases too). */
static int
cmd_client_given(const struct veil_config *cfg, const struct config_option *o)
{
	const struct config_option	*a;

	for (a = config_options; a->co_name != NULL; a++)
		if (a->co_offset == o->co_offset &&
		    a->co_type != CONFIG_T_CLI &&
		    cfg->source[a - config_options] != CONFIG_SRC_DEFAULT)
			return (1);
	return (0);
}

/*
 * A client verb talks to the server that runs from this home: its host,
 * port and API key come from the server.conf it wrote once listening,
 * unless given on the command line, in the environment or by -c.
 */
void
cmd_client_adopt(struct veil_config *cfg)
{
	const struct config_option	*o;
	struct veil_config		 run;
	char				*path, errbuf[256];
	long				 pid;

	if (cmd_pidfile_read(cfg, &pid) != 1)
		return;
	path = config_path(cfg, CMD_SERVE_CONF);
	if (access(path, R_OK) == -1 || config_init(&run, errbuf,
	    sizeof(errbuf)) == -1) {
		free(path);
		return;
	}
	if (config_load_file(&run, path, errbuf, sizeof(errbuf)) == 0) {
		for (o = config_options; o->co_name != NULL; o++)
			if ((o->co_flags & CONFIG_F_CLIENT) &&
			    !cmd_client_given(cfg, o))
				config_copy_option(cfg, &run, o,
				    CONFIG_SRC_DEFAULT);
	}
	config_clear(&run);
	free(path);
}

/* Prepare $OG_VEIL_HOME and open the store; NULL after printing why. */
struct store *
cmd_store_open(const struct veil_config *cfg)
{
	struct store	*st;
	char		 errbuf[512];

	if (config_prepare_home(cfg, errbuf, sizeof(errbuf)) == -1 ||
	    (st = store_open(cfg->home, errbuf, sizeof(errbuf))) == NULL) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		return (NULL);
	}
	return (st);
}

/* Read up to max bytes of fd into a new string; -1 on error or over max. */
int
cmd_read_all(int fd, size_t max, char **out, size_t *outlen)
{
	char	*p = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	*out = NULL;
	*outlen = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			p = xrealloc(p, cap + 1);
		}
		n = read(fd, p + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(p);
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(p);
			return (-1);
		}
	}
	if (p == NULL)
		p = xmalloc(1);
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return (0);
}
