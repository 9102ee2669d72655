/* http_listen.c - listen addresses and bearer tokens of the HTTP servers (http_listen.h). */
#include "http_listen.h"

#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int http_listen_parse(const char *what, const char *s, struct sockaddr_storage *sa,
                      socklen_t *salen, char *err, size_t errlen)
{
    char host[64] = "127.0.0.1";
    const char *port_s;
    memset(sa, 0, sizeof *sa);
    if (s[0] == '[') { /* [v6]:port */
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host) goto bad;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        port_s = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon && colon != s) {
            if ((size_t)(colon - s) >= sizeof host) goto bad;
            memcpy(host, s, (size_t)(colon - s));
            host[colon - s] = '\0';
        }
        port_s = colon ? colon + 1 : s;
    }
    char *end;
    errno = 0;
    long port = strtol(port_s, &end, 10);
    if (end == port_s || *end || errno || port < 1 || port > 65535) goto bad;
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *salen = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *salen = sizeof *v6;
        return 0;
    }
bad:
    snprintf(err, errlen,
             "%s: '%s' is not HOST:PORT (numeric IPv4 host), [IPv6]:PORT, or :PORT (loopback)",
             what, s);
    return -1;
}

char *http_token_read(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s: %s", what, path, strerror(errno));
        return NULL;
    }
    char line[1024];
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    size_t n = got ? strlen(line) : 0;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                 line[n - 1] == '\t'))
        line[--n] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "%s: %s: empty token", what, path);
        return NULL;
    }
    return xstrdup(line);
}

int http_bearer_ok(const char *token, const char *header)
{
    if (!token) return 1;
    if (!header || strncmp(header, "Bearer ", 7) != 0) return 0;
    header += 7;
    size_t n = strlen(token);
    if (strlen(header) != n) return 0;
    unsigned char diff = 0;
    for (size_t a = 0; a < n; a++) diff |= (unsigned char)(header[a] ^ token[a]);
    return diff == 0;
}
