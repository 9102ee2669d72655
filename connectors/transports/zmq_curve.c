#include "zmq_curve.h"

#include "logmsg.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#define MAX_CLIENTS 1024

struct zmq_curve {
    void *zctx, *rep;
    pthread_t th;
    int running;
    char secret[CURVE_KEY_LEN + 1];
    unsigned char allowed[MAX_CLIENTS][32];
    int nallowed;
    pthread_mutex_t mu;
    long ok, denied;
};

int zmq_curve_read_key(const char *path, char *key, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[128] = "";
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    size_t n = got ? strcspn(line, "\r\n") : 0;
    line[n] = '\0';
    unsigned char raw[32];
    if (n != CURVE_KEY_LEN || !zmq_z85_decode(raw, line)) {
        snprintf(err, errlen, "%s:1: not a 40-character Z85 CURVE key", path);
        return -1;
    }
    memcpy(key, line, CURVE_KEY_LEN + 1);
    return 0;
}

/* RFC 27: [version][request id][domain][address][identity][mechanism][credentials...] in,
 * [version][request id][status code][status text][user id][metadata] out. */
static void *zap(void *arg)
{
    struct zmq_curve *c = arg;
    for (;;) {
        zmq_msg_t f[8];
        int n = 0, more = 1;
        while (more && n < 8) {
            zmq_msg_init(&f[n]);
            if (zmq_msg_recv(&f[n], c->rep, 0) < 0) {
                zmq_msg_close(&f[n]);
                for (int k = 0; k < n; k++) zmq_msg_close(&f[k]);
                return NULL; /* context terminated */
            }
            more = zmq_msg_more(&f[n]);
            n++;
        }
        int allow = 0;
        pthread_mutex_lock(&c->mu); /* the allow-list may be reloaded meanwhile */
        if (n >= 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
            zmq_msg_size(&f[6]) == 32) {
            for (int k = 0; k < c->nallowed && !allow; k++)
                allow = memcmp(c->allowed[k], zmq_msg_data(&f[6]), 32) == 0;
        }
        if (allow)
            c->ok++;
        else
            c->denied++;
        pthread_mutex_unlock(&c->mu);
        const char *code = allow ? "200" : "400", *text = allow ? "OK" : "client key not allowed";
        zmq_send(c->rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(c->rep, n > 1 ? zmq_msg_data(&f[1]) : "", n > 1 ? zmq_msg_size(&f[1]) : 0,
                 ZMQ_SNDMORE);
        zmq_send(c->rep, code, 3, ZMQ_SNDMORE);
        zmq_send(c->rep, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(c->rep, "", 0, ZMQ_SNDMORE);
        zmq_send(c->rep, "", 0, 0);
        for (int k = 0; k < n; k++) zmq_msg_close(&f[k]);
        while (more) { /* drain any extra frames */
            zmq_msg_t x;
            zmq_msg_init(&x);
            zmq_msg_recv(&x, c->rep, 0);
            more = zmq_msg_more(&x);
            zmq_msg_close(&x);
        }
    }
}

int zmq_curve_reload(struct zmq_curve *c, const char *allowed_dir, char *err, size_t errlen)
{
    DIR *d = opendir(allowed_dir);
    if (!d) {
        snprintf(err, errlen, "curve: allowed_clients_dir %s: %s", allowed_dir, strerror(errno));
        return -1;
    }
    unsigned char(*keys)[32] = malloc(sizeof c->allowed);
    int n = 0, skipped = 0;
    struct dirent *e;
    while (keys && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096], key[CURVE_KEY_LEN + 1], why[512];
        snprintf(path, sizeof path, "%s/%s", allowed_dir, e->d_name);
        struct stat st;
        if (stat(path, &st) || !S_ISREG(st.st_mode) ||
            zmq_curve_read_key(path, key, why, sizeof why)) {
            logmsg(LOG_WARNING, "curve: ignoring %s: not a file holding a client key", path);
            skipped++;
            continue;
        }
        if (n == MAX_CLIENTS) {
            snprintf(err, errlen, "curve: more than %d client keys in %s", MAX_CLIENTS,
                     allowed_dir);
            closedir(d);
            free(keys);
            return -1;
        }
        zmq_z85_decode(keys[n++], key);
    }
    closedir(d);
    if (!keys) {
        snprintf(err, errlen, "curve: out of memory");
        return -1;
    }
    pthread_mutex_lock(&c->mu);
    memcpy(c->allowed, keys, (size_t)n * 32);
    c->nallowed = n;
    pthread_mutex_unlock(&c->mu);
    free(keys);
    logmsg(LOG_INFO, "curve: %d allowed client key(s)%s", n,
           skipped ? ", other files ignored" : "");
    return 0;
}

struct zmq_curve *zmq_curve_start(void *zctx, const char *secret_file, const char *allowed_dir,
                                  char *err, size_t errlen)
{
    if (!zmq_has("curve")) {
        snprintf(err, errlen, "curve: this libzmq has no CURVE support");
        return NULL;
    }
    struct zmq_curve *c = calloc(1, sizeof *c);
    c->zctx = zctx;
    pthread_mutex_init(&c->mu, NULL);
    if (zmq_curve_read_key(secret_file, c->secret, err, errlen)) goto fail;
    struct stat st;
    if (stat(secret_file, &st) == 0 && (st.st_mode & 0077))
        logmsg(LOG_WARNING, "curve: the secret key %s is readable by others (mode %03o); chmod 600",
               secret_file, (unsigned)(st.st_mode & 0777));
    if (zmq_curve_reload(c, allowed_dir, err, errlen)) goto fail;
    c->rep = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    zmq_setsockopt(c->rep, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(c->rep, "inproc://zeromq.zap.01") || pthread_create(&c->th, NULL, zap, c)) {
        snprintf(err, errlen, "curve: cannot start the ZAP handler: %s", zmq_strerror(errno));
        zmq_close(c->rep);
        goto fail;
    }
    c->running = 1;
    return c;
fail:
    pthread_mutex_destroy(&c->mu);
    free(c);
    return NULL;
}

int zmq_curve_server(struct zmq_curve *c, void *sock)
{
    int one = 1;
    return zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
           zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->secret, CURVE_KEY_LEN) ||
           zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "causalmon", 9);
}

int zmq_curve_client(void *sock, const char *server_public, const char *client_secret_file,
                     char *err, size_t errlen)
{
    char secret[CURVE_KEY_LEN + 1], public[CURVE_KEY_LEN + 1];
    unsigned char raw[32];
    if (strlen(server_public) != CURVE_KEY_LEN || !zmq_z85_decode(raw, server_public)) {
        snprintf(err, errlen, "--server-key: not a 40-character Z85 CURVE key");
        return -1;
    }
    if (zmq_curve_read_key(client_secret_file, secret, err, errlen)) return -1;
    if (zmq_curve_public(public, secret)) {
        snprintf(err, errlen, "%s: cannot derive the public key", client_secret_file);
        return -1;
    }
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public, CURVE_KEY_LEN);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public, CURVE_KEY_LEN);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, CURVE_KEY_LEN);
    return 0;
}

void zmq_curve_counts(struct zmq_curve *c, long *allowed, long *denied)
{
    pthread_mutex_lock(&c->mu);
    *allowed = c->ok;
    *denied = c->denied;
    pthread_mutex_unlock(&c->mu);
}

void zmq_curve_stop(struct zmq_curve *c)
{
    if (!c) return;
    /* the handler leaves when the context terminates; closing its socket from here would race,
     * so shut the context down first (zmq_ctx_shutdown makes blocking calls return ETERM) */
    zmq_ctx_shutdown(c->zctx);
    pthread_join(c->th, NULL);
    zmq_close(c->rep);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
