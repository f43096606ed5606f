/*
 * The C ceiling for the load scripts: an epoll echo server and an HTTP/1.1 plaintext responder, the least work a
 * server on this kernel can do per byte and per request. Built by benchmarks/echo-load.sh and http-wrk.sh with gcc.
 *
 *   ceiling echo PORT THREADS     echoes every byte; stops reading a connection while its echo is not written
 *   ceiling http PORT THREADS     answers every request head ("\r\n\r\n") with the same response as Weft's
 *                                 HttpHelloServer /plaintext (Content-Type, Content-Length, Server, Date)
 *
 * Each thread owns an epoll instance and a SO_REUSEPORT listener on 127.0.0.1 (the kernel spreads connections),
 * level-triggered, non-blocking, one read buffer per thread, output kept per connection only when the socket is
 * full. Not a general server: requests are assumed to carry no body (wrk's GET), which is what is measured.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (64 * 1024)
#define MAX_EVENTS 256

enum mode { ECHO, HTTP };

struct conn {
    int fd;
    int state;          /* HTTP: how many bytes of "\r\n\r\n" matched so far */
    char *out;          /* bytes not yet written (socket was full) */
    size_t out_len, out_cap, out_off;
};

static enum mode mode;
static int port;
static char date_line[64];
static pthread_mutex_t date_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t date_second;

static void refresh_date(void) {
    time_t now = time(NULL);
    if (now == date_second) return;
    pthread_mutex_lock(&date_lock);
    if (now != date_second) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date_line, sizeof date_line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        date_second = now;
    }
    pthread_mutex_unlock(&date_lock);
}

static int listener(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *) &a, sizeof a) || listen(fd, 1024)) {
        perror("bind/listen");
        exit(1);
    }
    return fd;
}

static void append(struct conn *c, const char *data, size_t n) {
    if (c->out_len + n > c->out_cap) {
        c->out_cap = (c->out_len + n) * 2;
        c->out = realloc(c->out, c->out_cap);
    }
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
}

/* Writes what is pending; returns 1 when all is written, 0 when the socket is full, -1 on error. */
static int drain(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->out_off += (size_t) w;
    }
    c->out_len = c->out_off = 0;
    return 1;
}

static void close_conn(int ep, struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->out);
    free(c);
}

static void *loop(void *arg) {
    (void) arg;
    int lfd = listener();
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event events[MAX_EVENTS];
    char *buf = malloc(READ_SIZE);
    char *resp = malloc(READ_SIZE / 4 * 160 + 256);
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nServer: c\r\n";
    static const char tail[] = "\r\nHello, World!";
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                }
                continue;
            }
            if (events[i].events & EPOLLOUT) {
                int d = drain(c);
                if (d < 0) { close_conn(ep, c); continue; }
                if (d == 1) {
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
                }
                continue;
            }
            ssize_t r = read(c->fd, buf, READ_SIZE);
            if (r == 0 || (r < 0 && errno != EAGAIN)) { close_conn(ep, c); continue; }
            if (r < 0) continue;
            const char *out = buf;
            size_t out_n = (size_t) r;
            if (mode == HTTP) {
                refresh_date();
                size_t hl = sizeof head - 1, dl = strlen(date_line), tl = sizeof tail - 1, m = 0;
                for (ssize_t k = 0; k < r; k++) {
                    char ch = buf[k];
                    int s = c->state;
                    if ((s == 0 || s == 2) && ch == '\r') s++;
                    else if ((s == 1 || s == 3) && ch == '\n') s++;
                    else s = ch == '\r' ? 1 : 0;
                    if (s == 4) {
                        memcpy(resp + m, head, hl); m += hl;
                        memcpy(resp + m, date_line, dl); m += dl;
                        memcpy(resp + m, tail, tl); m += tl;
                        s = 0;
                    }
                    c->state = s;
                }
                out = resp;
                out_n = m;
            }
            if (out_n == 0) continue;
            append(c, out, out_n);
            int d = drain(c);
            if (d < 0) { close_conn(ep, c); continue; }
            if (d == 0) { /* socket full: stop reading until the output is written (back-pressure) */
                struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "echo") && strcmp(argv[1], "http"))) {
        fprintf(stderr, "usage: %s echo|http PORT THREADS\n", argv[0]);
        return 2;
    }
    mode = strcmp(argv[1], "echo") == 0 ? ECHO : HTTP;
    port = atoi(argv[2]);
    int threads = atoi(argv[3]);
    if (port <= 0 || port > 65535 || threads <= 0) {
        fprintf(stderr, "usage: %s echo|http PORT THREADS\n", argv[0]);
        return 2;
    }
    refresh_date();
    pthread_t t[threads];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, loop, NULL);
    fprintf(stderr, "C %s server listening on 127.0.0.1:%d with %d threads\n", argv[1], port, threads);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return 0;
}
