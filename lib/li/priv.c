/*
 * priv - privilege drop and the capture process's seccomp allow-list.
 * See priv.h.  The list was made by running the capture path (libpcap
 * offline and live on Linux, the matcher, the encoder, spool writes with
 * libsodium) under strace; libseccomp builds the BPF program.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "li/priv.h"

enum cs_err
li_priv_drop(const char *user, struct cs_errbuf *eb)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (user == NULL || user[0] == '\0')
		user = "nobody";
	if (geteuid() != 0) {
		cs_errbuf_set(
		    eb, "not running as root: privileges left as they are");
		return CS_OK;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		cs_errbuf_set(eb, "privilege drop: no user %s", user);
		return CS_ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		cs_errbuf_set(eb, "privilege drop: user %s is root", user);
		return CS_EINVAL;
	}
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		cs_errbuf_set(
		    eb, "privilege drop to %s: %s", user, strerror(errno));
		return CS_EPERM;
	}
	/* it must stick: neither root nor the old groups come back */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid) {
		cs_errbuf_set(eb, "privilege drop to %s did not stick", user);
		return CS_EPERM;
	}
	return CS_OK;
}

/* plain system calls allowed whatever their arguments */
static const char *const allowed[] = {
    /* file I/O */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
    "pwritev", "open", "openat", "close", "fstat", "newfstatat", "stat",
    "lstat", "statx", "lseek", "fsync", "fdatasync", "flock", "fcntl",
    "ftruncate", "rename", "renameat", "renameat2", "unlink", "unlinkat",
    "mkdir", "mkdirat", "rmdir", "getdents64", "fadvise64", "dup", "dup3",
    /* memory */
    "brk", "munmap", "mremap", "madvise",
    /* time */
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
    "clock_nanosleep",
    /* waiting and the open capture socket */
    "poll", "ppoll", "select", "pselect6", "recvfrom", "recvmsg", "getsockopt",
    "setsockopt",
    /* threads, randomness, identity, signals, exit */
    "futex", "getrandom", "getpid", "gettid", "getuid", "geteuid", "getgid",
    "getegid", "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
    "restart_syscall", "sched_yield", "exit", "exit_group", NULL};

enum cs_err
li_priv_seccomp(struct cs_errbuf *eb)
{
	scmp_filter_ctx ctx;
	int i, rc, sc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		cs_errbuf_set(
		    eb, "seccomp: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return CS_EPERM;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		cs_errbuf_set(eb, "seccomp: cannot make a filter");
		return CS_ENOMEM;
	}
	for (i = 0; allowed[i] != NULL; i++) {
		sc = seccomp_syscall_resolve_name(allowed[i]);
		if (sc == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc, 0);
		if (rc != 0 && rc != -EDOM)
			goto fail;
	}
	/* memory, but never executable */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		 SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) != 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		 SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) != 0)
		goto fail;
	/* signals to itself only (abort, raise) */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
		 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()))) != 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
		 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()))) != 0)
		goto fail;
	if ((rc = seccomp_load(ctx)) != 0)
		goto fail;
	seccomp_release(ctx);
	return CS_OK;
fail:
	cs_errbuf_set(eb, "seccomp: %s", strerror(-rc));
	seccomp_release(ctx);
	return CS_EPERM;
}
