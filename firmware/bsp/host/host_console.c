/* The console as a TCP socket on 127.0.0.1. A board's UART keeps running
 * when the terminal goes away, so when the peer disconnects the next read
 * waits for a new connection, as QEMU's server=on chardev does.
 *
 * The socket descriptors are file-scope state because the BSP API has no
 * handle argument: they play the part of a UART's registers. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_bsp.h"
#include "tinykit/bsp.h"

static int listen_fd = -1;
static int peer_fd = -1;

static void fail(const char *what)
{
    fprintf(stderr, "tinykit host board: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* The first argument from /proc/self/cmdline: the BSP API's init takes no
 * arguments, so the app's main() stays the same as on a board. */
static long port_from_command_line(void)
{
    char args[256];
    size_t len;
    size_t first_end;
    char *end;
    long port;
    FILE *cmdline = fopen("/proc/self/cmdline", "rb");

    if (cmdline == NULL) {
        fail("cannot read /proc/self/cmdline");
    }
    len = fread(args, 1, sizeof args - 1, cmdline);
    fclose(cmdline);
    args[len] = '\0';
    first_end = strlen(args);
    if (first_end + 1 >= len) {
        fprintf(stderr, "usage: %s PORT  (TCP port on 127.0.0.1 for the console; 0 picks a free one)\n", args);
        exit(2);
    }
    port = strtol(args + first_end + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "tinykit host board: '%s' is not a TCP port number (0..65535)\n", args + first_end + 1);
        exit(2);
    }
    return port;
}

static void accept_peer(void)
{
    do {
        peer_fd = accept(listen_fd, NULL, NULL);
    } while (peer_fd < 0 && errno == EINTR);
    if (peer_fd < 0) {
        fail("accept failed");
    }
}

void host_console_open(void)
{
    struct sockaddr_in address;
    socklen_t address_len = sizeof address;
    int reuse = 1;

    /* A vanished peer must not kill the "board" with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons((uint16_t)port_from_command_line());
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0) {
        fail("cannot create a socket");
    }
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    if (bind(listen_fd, (struct sockaddr *)&address, sizeof address) != 0) {
        fail("cannot listen on the port (is another program using it?)");
    }
    if (listen(listen_fd, 1) != 0) {
        fail("listen failed");
    }
    getsockname(listen_fd, (struct sockaddr *)&address, &address_len);
    printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(address.sin_port));
    fflush(stdout);
    accept_peer();
}

void tk_bsp_write(const char *data, size_t len)
{
    while (len > 0) {
        ssize_t sent = send(peer_fd, data, len, 0);
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent <= 0) {
            /* Nobody is listening: a UART's bytes would be lost too. */
            return;
        }
        data += sent;
        len -= (size_t)sent;
    }
}

int tk_bsp_read_byte(void)
{
    for (;;) {
        unsigned char byte;
        ssize_t got = recv(peer_fd, &byte, 1, 0);
        if (got == 1) {
            return byte;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        close(peer_fd);
        accept_peer();
    }
}
