/*
 * notify_capture - stands in for systemd's notification socket in tests: binds an AF_UNIX
 * datagram socket at PATH and prints every datagram it receives on stdout, one per line
 * (newlines inside become spaces), until SIGTERM.
 *
 * usage: notify_capture PATH
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: notify_capture PATH\n");
        return 2;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
    unlink(argv[1]);
    if (bind(fd, (struct sockaddr *)&a, sizeof a)) {
        perror("notify_capture: bind");
        return 1;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0) continue;
        for (ssize_t k = 0; k < n; k++)
            if (buf[k] == '\n') buf[k] = ' ';
        buf[n] = '\0';
        printf("%s\n", buf);
        fflush(stdout);
    }
}
