/*
 * priv_test - the capture process's privilege drop and seccomp allow-list:
 * a forked child installs the filter, does the work a capture process
 * does (read a capture file, match, write/fsync/rename spool-like files,
 * allocate, random bytes, live capture when root), then one forbidden
 * call must kill it with SIGSYS.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/case.h"
#include "li/cap.h"
#include "li/match.h"
#include "li/pkt.h"
#include "li/priv.h"
#include "t.h"

static char dir[64];

static int matched;

static void
on_pkt(void *ctx, uint32_t icpt, enum li_dir dir_, cs_time t,
    const struct li_pkt *p)
{
	matched++;
}

/* work - what a capture process does after the filter is in; 0 if all ok */
static int
work(void)
{
	struct li_match_cb cb = {NULL, NULL, on_pkt};
	struct cs_errbuf eb;
	struct cs_target tg;
	struct li_match *m;
	struct li_cap *c;
	struct li_pkt p;
	const uint8_t *f;
	size_t n;
	cs_time t;
	int lt, fd, rc;
	char a[128], b[128];
	unsigned char rnd[32];
	void *big;

	/* capture file -> parse -> match (allocation included) */
	m = li_match_new();
	if (m == NULL ||
	    cs_target_parse("username:alice@example.net", &tg, &eb) != CS_OK ||
	    li_match_add(m, 1, &tg, 0) != 0)
		return 1;
	c = li_cap_open_file("tests/data/li/target-moves.pcap", 0, &eb);
	if (c == NULL)
		return 2;
	while ((rc = li_cap_next(c, &t, &f, &n, &lt)) == 1)
		if (li_pkt_parse(lt, f, n, &p) == 0)
			li_match_packet(m, t, &p, &cb);
	li_cap_close(c);
	li_match_free(m);
	if (rc != 0 || matched != 15)
		return 3;
	/* spool-like file work */
	snprintf(a, sizeof(a), "%s/seg.tmp", dir);
	snprintf(b, sizeof(b), "%s/seg", dir);
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) != 0 ||
	    flock(fd, LOCK_EX) != 0 || ftruncate(fd, 0) != 0 || close(fd) != 0)
		return 4;
	if (rename(a, b) != 0 || unlink(b) != 0)
		return 5;
	snprintf(a, sizeof(a), "%s/sub", dir);
	if (mkdir(a, 0700) != 0 || rmdir(a) != 0)
		return 6;
	big = malloc(64 << 20); /* mmap */
	if (big == NULL)
		return 7;
	memset(big, 1, 64 << 20);
	free(big);
	randombytes_buf(rnd, sizeof(rnd));
	fprintf(stderr, "%s", ""); /* stdio */
	return 0;
}

/* child - run fn in a child that installed the filter; its wait status */
static int
child(int (*fn)(void))
{
	struct cs_errbuf eb;
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (li_priv_seccomp(&eb) != CS_OK) {
			fprintf(stderr, "  %s\n", eb.msg);
			_exit(100);
		}
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static int
sigsys(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static int
f_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 50;
}

static int
f_exec(void)
{
	char *const argv[] = {(char *)"/bin/true", NULL};

	execv("/bin/true", argv);
	return 51;
}

static int
f_fork(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	return 52;
}

static int
f_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 53;
}

static int
f_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? 54 : 55;
}

static int
f_kill_other(void)
{
	kill(1, 0);
	return 56;
}

static int
f_socketpair(void)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	return 57;
}

static void
test_seccomp_allows(void)
{
	int st = child(work);

	T_CHECK(WIFEXITED(st));
	if (WIFEXITED(st))
		T_EQ_INT(WEXITSTATUS(st), 0);
	else if (WIFSIGNALED(st))
		fprintf(stderr, "  child killed by signal %d\n", WTERMSIG(st));
}

static void
test_seccomp_kills(void)
{
	T_CHECK(sigsys(child(f_socket)));
	T_CHECK(sigsys(child(f_exec)));
	T_CHECK(sigsys(child(f_fork)));
	T_CHECK(sigsys(child(f_ptrace)));
	T_CHECK(sigsys(child(f_mmap_exec)));
	T_CHECK(sigsys(child(f_kill_other)));
	T_CHECK(sigsys(child(f_socketpair)));
}

/* live capture on lo with the filter in (root only: opening needs it) */
static struct li_cap *live;

static int
live_work(void)
{
	const uint8_t *f;
	size_t n;
	cs_time t;
	int lt, i;
	uint64_t r, d;

	for (i = 0; i < 3; i++)
		if (li_cap_next(live, &t, &f, &n, &lt) < 0)
			return 60;
	if (li_cap_stats(live, &r, &d) != 0)
		return 61;
	li_cap_close(live);
	return 0;
}

static void
test_seccomp_live(void)
{
	struct cs_errbuf eb;
	int st;

	if (geteuid() != 0) {
		printf("# live capture test skipped: not root\n");
		return;
	}
	live = li_cap_open_live("lo", &eb);
	if (live == NULL) {
		printf("# live capture test skipped: %s\n", eb.msg);
		return;
	}
	T_EQ_INT(li_cap_filter(live, "udp and port 47999 or", &eb), CS_EPARSE);
	T_EQ_INT(li_cap_filter(live, "udp and port 47999", &eb), CS_OK);
	T_CHECK(li_cap_fd(live) >= 0);
	/* a datagram sent to ourselves on lo comes back through the filter,
	 * as an IP packet with the right port */
	{
		struct sockaddr_in sa;
		int s = socket(AF_INET, SOCK_DGRAM, 0), lt, got = 0, i;
		const uint8_t *f;
		size_t n;
		cs_time t;
		struct li_pkt p;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons(47999);
		sa.sin_addr.s_addr = htonl(0x7f000001);
		T_CHECK(s >= 0 &&
		    sendto(s, "PAYLOAD-1", 9, 0, (struct sockaddr *)&sa,
			sizeof(sa)) == 9);
		for (i = 0; i < 20 && !got; i++)
			if (li_cap_next(live, &t, &f, &n, &lt) == 1 &&
			    li_pkt_parse(lt, f, n, &p) == 0 && p.dport == 47999)
				got = 1;
		T_CHECK(got);
		T_CHECK(t > 1700000000LL * CS_US);
		close(s);
	}
	st = child(live_work);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFSIGNALED(st))
		fprintf(
		    stderr, "  live child killed by signal %d\n", WTERMSIG(st));
	li_cap_close(live);
}

static int
drop_work(void)
{
	struct cs_errbuf eb;
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		return 70;
	if (li_priv_drop(NULL, &eb) != CS_OK)
		return 71;
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid)
		return 72;
	if (setuid(0) == 0)
		return 73;
	if (getgroups(0, NULL) != 0)
		return 74;
	return 0;
}

static void
test_drop(void)
{
	struct cs_errbuf eb;
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		memset(&eb, 0, sizeof(eb));
		T_EQ_INT(li_priv_drop("nobody", &eb), CS_OK);
		T_CHECK(strstr(eb.msg, "not running as root") != NULL);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(drop_work());
	T_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_EQ_INT(li_priv_drop("no-such-user-custos", &eb), CS_ENOENT);
	T_EQ_INT(li_priv_drop("root", &eb), CS_EINVAL);
	T_CHECK(getuid() == 0); /* the failures changed nothing */
}

int
main(void)
{
	int rc;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/priv_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	T_RUN(test_seccomp_allows);
	T_RUN(test_seccomp_kills);
	T_RUN(test_seccomp_live);
	T_RUN(test_drop);
	rc = T_DONE();
	rmdir(dir);
	return rc;
}
