/*
 * priv - the capture process gives up what it does not need before it
 * reads the first packet: root (li_priv_drop) and every system call but
 * the few that reading packets, encoding and writing spool files use
 * (li_priv_seccomp).  Call them in that order, after the capture socket,
 * the spool directory and every file to keep open are opened.
 */
#ifndef CS_LI_PRIV_H
#define CS_LI_PRIV_H

#include "util/err.h"

/*
 * li_priv_drop - when running as root: clear the supplementary groups,
 * set the real, effective and saved group and user ids to user's ("nobody"
 * when user is NULL), and check that root cannot be regained.  When not
 * root: nothing changes; eb holds a note saying so.  CS_ENOENT: no such
 * user; CS_EPERM: a step failed (the process must not go on).
 */
enum cs_err li_priv_drop(const char *user, struct cs_errbuf *eb);

/*
 * li_priv_seccomp - PR_SET_NO_NEW_PRIVS and a seccomp allow-list: file
 * I/O on descriptors and in directories already reachable (read, write,
 * openat, close, fstat, lseek, fsync, flock, ftruncate, rename, unlink,
 * mkdir, getdents64), memory (brk, mmap/mprotect without PROT_EXEC,
 * munmap, mremap, madvise), time and sleep, poll, reading from the open
 * capture socket (recvfrom, recvmsg, getsockopt, setsockopt), futex,
 * getrandom, signals to itself, exit.  Anything else (socket, connect,
 * execve, fork/clone, ptrace, ...) kills the process (SIGSYS).
 */
enum cs_err li_priv_seccomp(struct cs_errbuf *eb);

#endif
