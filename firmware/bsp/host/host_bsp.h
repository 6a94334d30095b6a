/* Internals shared by the host BSP's files (not part of the BSP API). The
 * host BSP runs a firmware app as a Linux process whose console is a TCP
 * socket, like QEMU's -serial tcp:127.0.0.1:PORT,server=on,wait=on. */
#ifndef TK_HOST_BSP_H
#define TK_HOST_BSP_H

/* Listen on 127.0.0.1 at the port named by the process's first command-line
 * argument (0 picks a free port), print "listening on 127.0.0.1:PORT" on
 * stdout, and wait for the first connection. Exits the process with a
 * message on stderr if the port is missing, malformed or taken. */
void host_console_open(void);

/* Paint the stack region below the caller so tk_bsp_stack_used() can find
 * the deepest byte later written (the host twin of painting at reset). */
void host_stack_paint(void);

#endif /* TK_HOST_BSP_H */
