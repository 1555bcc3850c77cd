/* A C test program (glibc, static): stdio, malloc, files, fork/wait, pipes, qsort, mmap
 * of more than RAM.
 * Prints "ctest NAME: OK" per check and "ctest: ALL OK" at the end; exits 1 on failure. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok) {
    printf("ctest %s: %s\n", name, ok ? "OK" : "FAILED");
    if (!ok)
        failures++;
}

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void) {
    /* malloc: small blocks from brk, a large one from mmap, all freed. */
    char *small[64];
    int ok = 1;
    for (int i = 0; i < 64; i++) {
        small[i] = malloc(100 + i);
        if (!small[i]) { ok = 0; break; }
        memset(small[i], i, 100 + i);
    }
    for (int i = 0; ok && i < 64; i++)
        if (small[i][99] != (char)i) ok = 0;
    for (int i = 0; i < 64; i++) free(small[i]);
    char *big = malloc(4 << 20);
    ok = ok && big != NULL;
    if (big) { big[0] = 1; big[(4 << 20) - 1] = 2; ok = ok && big[0] + big[(4 << 20) - 1] == 3; free(big); }
    check("malloc", ok);

    /* stdio on a file: write, read back, stat, unlink. */
    FILE *f = fopen("/ctest.txt", "w");
    ok = f != NULL && fprintf(f, "line %d\n", 42) > 0 && fclose(f) == 0;
    char buf[64] = {0};
    f = fopen("/ctest.txt", "r");
    ok = ok && f != NULL && fgets(buf, sizeof buf, f) != NULL && strcmp(buf, "line 42\n") == 0;
    if (f) fclose(f);
    struct stat st;
    ok = ok && stat("/ctest.txt", &st) == 0 && st.st_size == 8;
    ok = ok && unlink("/ctest.txt") == 0 && open("/ctest.txt", O_RDONLY) < 0;
    check("files", ok);

    /* fork and wait: the child's exit status comes back. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int status = 0;
    ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7;
    check("fork", ok);

    /* a pipe between parent and child. */
    int fds[2];
    ok = pipe(fds) == 0;
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char *msg = "through the pipe";
        write(fds[1], msg, strlen(msg));
        _exit(0);
    }
    close(fds[1]);
    char pbuf[32] = {0};
    ssize_t n = read(fds[0], pbuf, sizeof pbuf - 1);
    waitpid(pid, &status, 0);
    ok = ok && n == 16 && strcmp(pbuf, "through the pipe") == 0;
    check("pipe", ok);

    /* qsort and snprintf: plain library code. */
    int v[] = {5, 3, 9, 1, 7};
    qsort(v, 5, sizeof v[0], cmp);
    char s[32];
    snprintf(s, sizeof s, "%d%d%d%d%d %.2f", v[0], v[1], v[2], v[3], v[4], 3.14159);
    check("libc", strcmp(s, "13579 3.14") == 0);

    /* A user address space larger than RAM: 1 GiB and 100 GiB MAP_NORESERVE mappings,
     * the first written every 256 KiB. */
    size_t gib = (size_t)1 << 30;
    char *m = mmap(NULL, gib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ok = m != MAP_FAILED;
    for (size_t off = 0; ok && off < gib; off += 256 << 10)
        m[off] = (char)(off >> 18);
    ok = ok && m[gib - (256 << 10)] == (char)((gib - (256 << 10)) >> 18) && munmap(m, gib) == 0;
    char *h = mmap(NULL, 100 * gib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ok = ok && h != MAP_FAILED;
    if (h != MAP_FAILED) { h[100 * gib - 1] = 1; ok = ok && h[100 * gib - 1] == 1 && munmap(h, 100 * gib) == 0; }
    check("bigmap", ok);

    printf("ctest: %s\n", failures ? "FAILED" : "ALL OK");
    return failures ? 1 : 0;
}
