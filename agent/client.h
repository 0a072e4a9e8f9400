/* The cgmeter client's side of the control API: one HTTP/1.1 request over the control socket. */
#pragma once

#include <stddef.h>

/* The socket to use: --socket PATH, else $CGMETER_SOCKET, else the default path. */
const char *client_socket_path(const char *arg);

/* Send one request (body may be NULL) and read the whole answer. Returns 0 with the status and body (owned by
 * the caller), or a negative errno for a transport failure (-ENOENT / -ECONNREFUSED: no agent; -EACCES: no
 * right). */
int client_request(const char *socket_path, const char *method, const char *path, const char *body,
                   const char *accept, unsigned *ret_status, char **ret_body, size_t *ret_len);
