/* Signals through glibc (static): signal(), sigaction with SA_SIGINFO, raise,
 * kill(getpid()), masks and sigpending, sigsuspend, SA_RESTART against EINTR, SIGCHLD,
 * SIGPIPE/EPIPE, wait status of a killed child, and siglongjmp out of a SIGSEGV handler.
 * Prints "sigtest NAME: OK" per check and "sigtest: ALL OK"; exits 1 on failure. The
 * output is the same on the guest OS and under qemu-riscv64 (Linux semantics). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok) {
    printf("sigtest %s: %s\n", name, ok ? "OK" : "FAILED");
    fflush(stdout);
    if (!ok)
        failures++;
}

static volatile sig_atomic_t hits;
static volatile int last_sig, last_code, uc_off, mask_had_self, saved_mask_had_self;
static volatile pid_t last_pid;

static void plain(int sig) {
    hits++;
    last_sig = sig;
}

static void with_info(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    sigset_t now;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    last_pid = si->si_pid;
    /* Linux's rt_sigframe: the ucontext follows the 128-byte siginfo. */
    uc_off = (int)((char *)uc - (char *)si);
    sigprocmask(SIG_BLOCK, NULL, &now);
    mask_had_self = sigismember(&now, sig);
    saved_mask_had_self = sigismember(&uc->uc_sigmask, sig);
}

static sigjmp_buf env;
static volatile uintptr_t fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    siglongjmp(env, 1);
}

static volatile double fp_sink;
static void fp_handler(int sig) {
    volatile double x = 1.0;
    for (int i = 0; i < 10; i++)
        x = x * 3.0 + sig;
    fp_sink = x;
    hits++;
}

int main(void) {
    /* signal() and raise(). */
    signal(SIGUSR1, plain);
    hits = 0;
    check("raise", raise(SIGUSR1) == 0 && hits == 1 && last_sig == SIGUSR1);

    /* sigaction with SA_SIGINFO and kill(getpid()). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = with_info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    hits = 0;
    int r = kill(getpid(), SIGUSR2);
    check("siginfo", r == 0 && hits == 1 && last_code == SI_USER && last_pid == getpid());
    check("frame_layout", uc_off == 128);
    check("handler_mask", mask_had_self == 1 && saved_mask_had_self == 0);

    /* Blocked signals stay pending until unblocked. */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    hits = 0;
    raise(SIGUSR2);
    sigpending(&pend);
    int pending_ok = hits == 0 && sigismember(&pend, SIGUSR2) == 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    check("mask_pending", pending_ok && hits == 1);

    /* FP registers survive a handler that uses FP. */
    signal(SIGUSR1, fp_handler);
    volatile double a = 1.25, b = 2.5;
    double before = a * b;
    raise(SIGUSR1);
    check("fp_preserved", a * b == before && before == 3.125 && fp_sink > 0);

    /* sigsuspend: a child signals the parent, which waits with SIGUSR2 unblocked. */
    sigprocmask(SIG_BLOCK, &set, &old);
    pid_t parent = getpid();
    hits = 0;
    pid_t c = fork();
    if (c == 0) {
        usleep(20000);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    sigset_t empty;
    sigemptyset(&empty);
    r = sigsuspend(&empty);
    int e = errno;
    sigset_t after;
    sigprocmask(SIG_BLOCK, NULL, &after);
    check("sigsuspend", r == -1 && e == EINTR && hits == 1 && last_pid == c && sigismember(&after, SIGUSR2));
    waitpid(c, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* SA_RESTART: a read interrupted by a handler goes on; without it, EINTR. */
    for (int restart = 0; restart < 2; restart++) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = plain;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR1, &sa, NULL);
        int p[2];
        pipe(p);
        hits = 0;
        c = fork();
        if (c == 0) {
            usleep(20000);
            kill(parent, SIGUSR1);
            usleep(20000);
            write(p[1], "x", 1);
            _exit(0);
        }
        char ch;
        errno = 0;
        ssize_t n = read(p[0], &ch, 1);
        e = errno;
        waitpid(c, NULL, 0);
        close(p[0]);
        close(p[1]);
        if (restart)
            check("sa_restart", n == 1 && ch == 'x' && hits == 1);
        else
            check("eintr", n == -1 && e == EINTR && hits == 1);
    }

    /* SIGCHLD with the child's pid and exit code. */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = with_info;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    hits = 0;
    c = fork();
    if (c == 0)
        _exit(5);
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    check("sigchld", w == c && WIFEXITED(st) && WEXITSTATUS(st) == 5 && hits == 1 && last_sig == SIGCHLD &&
                         last_code == CLD_EXITED && last_pid == c);
    signal(SIGCHLD, SIG_DFL);

    /* A child killed by a signal: WIFSIGNALED / WTERMSIG. */
    c = fork();
    if (c == 0) {
        for (;;)
            sigsuspend(&empty);
    }
    usleep(10000);
    kill(c, SIGTERM);
    waitpid(c, &st, 0);
    check("wtermsig", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);

    /* SIGPIPE: kills by default; ignored, write fails with EPIPE. */
    int p[2];
    pipe(p);
    close(p[0]);
    c = fork();
    if (c == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    waitpid(c, &st, 0);
    int killed_by_pipe = WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE;
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    r = write(p[1], "x", 1);
    check("sigpipe", killed_by_pipe && r == -1 && errno == EPIPE);
    close(p[1]);

    /* siglongjmp out of a SIGSEGV handler, twice (the mask comes back each time). */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    int jumps = 0;
    volatile int *bad = (volatile int *)(uintptr_t)0x30000010;
    if (sigsetjmp(env, 1) == 0)
        *bad = 1;
    else
        jumps++;
    int first = fault_addr == (uintptr_t)bad && fault_code == SEGV_MAPERR;
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(env, 1) == 0)
        ro[8] = 1;
    else
        jumps++;
    check("siglongjmp_segv", jumps == 2 && first && fault_addr == (uintptr_t)(ro + 8) && fault_code == SEGV_ACCERR);

    /* An unhandled fault in a child: WTERMSIG SIGSEGV. */
    c = fork();
    if (c == 0) {
        signal(SIGSEGV, SIG_DFL);
        *bad = 2;
        _exit(0);
    }
    waitpid(c, &st, 0);
    check("segv_kill", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

    /* Error paths. */
    errno = 0;
    r = sigaction(SIGKILL, &sa, NULL);
    int e1 = errno;
    errno = 0;
    int r2 = kill(getpid(), 1000);
    check("errors", r == -1 && e1 == EINVAL && r2 == -1 && errno == EINVAL);

    if (failures) {
        printf("sigtest: %d FAILED\n", failures);
        return 1;
    }
    printf("sigtest: ALL OK\n");
    return 0;
}
