/* A C hello world, built with Debian's riscv64-linux-gnu-gcc -static (glibc) and run
 * unmodified on the guest kernel: glibc's static start-up makes the system calls it makes
 * on Linux, and the kernel answers them the way Linux does. */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from C (glibc), argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" argv[%d]=%s", i, argv[i]);
    printf("\n");
    return 0;
}
