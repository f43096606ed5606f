/*
 * A native echo load generator, so the client is not the bottleneck of the echo comparison.
 *
 *   echo-load PORT CONNECTIONS SIZE SECONDS pingpong|stream [THREADS]
 *
 * Connects CONNECTIONS sockets to 127.0.0.1:PORT (TCP_NODELAY), spread over THREADS threads (default 1), each with
 * its own epoll instance.
 *   pingpong: every connection sends SIZE bytes, waits until all SIZE bytes came back, and repeats; the score is
 *             round trips per second over all connections, with p50/p99 round-trip latency.
 *   stream:   every connection writes SIZE-byte chunks while fewer than 1 MiB are in flight and reads the echo;
 *             the score is MiB/s echoed back over all connections.
 * Every echoed byte is checked against what was sent (a per-connection byte pattern); a mismatch exits 1.
 * Prints one line: "ops_per_s=N mib_per_s=N p50_us=N p99_us=N errors=N".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HIST_US 1000000          /* latency histogram: 1 µs buckets up to 1 s */
#define IN_FLIGHT (1 << 20)      /* stream mode: at most 1 MiB sent and not yet echoed per connection */

struct conn {
    int fd;
    uint64_t sent, received;     /* bytes */
    uint64_t started_ns;         /* pingpong: when the current message was sent */
    uint32_t seed;               /* byte pattern: byte i of the stream is (seed + i * 131) & 0xff */
    int want_out;
};

struct worker {
    int first, count;
    uint64_t ops, bytes, errors;
    uint32_t *hist;
    pthread_t thread;
};

static int port, connections, size, seconds, stream_mode;
static volatile int running = 1;
static struct conn *conns;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* The byte pattern repeats every 256 bytes, so any run of the stream is a slice of one precomputed table: writes
 * send straight from it and reads are checked with memcmp, keeping the generator's own cost per byte tiny. */
#define READ_SIZE (256 * 1024)
static unsigned char *table; /* table[j] = (j * 131) & 0xff, for j < 256 + max(SIZE, READ_SIZE) */

static inline const unsigned char *pattern(const struct conn *c, uint64_t i) {
    return table + ((i + c->seed) & 0xff);
}

static void fail(const char *what) {
    perror(what);
    exit(1);
}

/* Writes as much of the next message (pingpong) or of the stream (stream mode) as the socket takes. */
static int pump(struct conn *c, uint64_t limit) {
    while (c->sent < limit) {
        size_t n = (size_t) (limit - c->sent);
        if (n > (size_t) size) n = (size_t) size;
        ssize_t w = write(c->fd, pattern(c, c->sent), n);
        if (w < 0) {
            if (errno == EAGAIN) return 0;
            return -1;
        }
        c->sent += (uint64_t) w;
    }
    return 1;
}

static void set_out(int ep, struct conn *c, int want) {
    if (c->want_out == want) return;
    c->want_out = want;
    struct epoll_event e = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void *work(void *arg) {
    struct worker *w = arg;
    int ep = epoll_create1(0);
    unsigned char *buf = malloc(READ_SIZE);
    for (int i = w->first; i < w->first + w->count; i++) {
        struct conn *c = &conns[i];
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
        c->started_ns = now_ns();
        uint64_t limit = stream_mode ? IN_FLIGHT : (uint64_t) size;
        if (pump(c, limit) < 0) fail("write");
        set_out(ep, c, c->sent < limit);
    }
    struct epoll_event events[256];
    while (running) {
        int n = epoll_wait(ep, events, 256, 100);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (events[i].events & EPOLLIN) {
                ssize_t r;
                while ((r = read(c->fd, buf, READ_SIZE)) > 0) {
                    if (memcmp(buf, pattern(c, c->received), (size_t) r) != 0) {
                        w->errors++;
                        fprintf(stderr, "echo mismatch on connection %d after byte %llu\n", (int) (c - conns),
                                (unsigned long long) c->received);
                        exit(1);
                    }
                    c->received += (uint64_t) r;
                    w->bytes += (uint64_t) r;
                    if (!stream_mode && c->received == c->sent) {
                        uint64_t t = now_ns();
                        uint64_t us = (t - c->started_ns) / 1000;
                        w->hist[us < HIST_US ? us : HIST_US - 1]++;
                        w->ops++;
                        c->started_ns = t;
                        if (pump(c, c->sent + (uint64_t) size) < 0) fail("write");
                        set_out(ep, c, c->received + (uint64_t) size > c->sent);
                    }
                }
                if (r == 0) { fprintf(stderr, "server closed connection %d\n", (int) (c - conns)); exit(1); }
                if (r < 0 && errno != EAGAIN) fail("read");
            }
            if (stream_mode || (events[i].events & EPOLLOUT)) {
                /* stream: keep IN_FLIGHT bytes outstanding; pingpong: finish writing the current message */
                uint64_t limit = stream_mode
                        ? c->received + IN_FLIGHT
                        : c->sent + ((uint64_t) size - c->sent % (uint64_t) size) % (uint64_t) size;
                int p = pump(c, limit);
                if (p < 0) fail("write");
                set_out(ep, c, p == 0);
            }
        }
    }
    free(buf);
    close(ep);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: %s PORT CONNECTIONS SIZE SECONDS pingpong|stream [THREADS]\n", argv[0]);
        return 2;
    }
    port = atoi(argv[1]);
    connections = atoi(argv[2]);
    size = atoi(argv[3]);
    seconds = atoi(argv[4]);
    stream_mode = strcmp(argv[5], "stream") == 0;
    int threads = argc == 7 ? atoi(argv[6]) : 1;
    if (port <= 0 || port > 65535 || connections <= 0 || size <= 0 || seconds <= 0 || threads <= 0
            || (!stream_mode && strcmp(argv[5], "pingpong"))) {
        fprintf(stderr, "usage: %s PORT CONNECTIONS SIZE SECONDS pingpong|stream [THREADS]\n", argv[0]);
        return 2;
    }
    if (threads > connections) threads = connections;
    size_t table_len = 256 + (size_t) (size > READ_SIZE ? size : READ_SIZE);
    table = malloc(table_len);
    for (size_t j = 0; j < table_len; j++) table[j] = (unsigned char) (j * 131u);
    conns = calloc((size_t) connections, sizeof *conns);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < connections; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &a, sizeof a)) fail("connect");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        conns[i].fd = fd;
        conns[i].seed = (uint32_t) i * 37u;
    }
    struct worker *ws = calloc((size_t) threads, sizeof *ws);
    int per = connections / threads, extra = connections % threads, next = 0;
    uint64_t t0 = now_ns();
    for (int t = 0; t < threads; t++) {
        ws[t].first = next;
        ws[t].count = per + (t < extra);
        next += ws[t].count;
        ws[t].hist = calloc(HIST_US, sizeof(uint32_t));
        pthread_create(&ws[t].thread, NULL, work, &ws[t]);
    }
    sleep((unsigned) seconds);
    running = 0;
    uint64_t elapsed = now_ns() - t0;
    uint64_t ops = 0, bytes = 0, errors = 0, total = 0;
    static uint64_t hist[HIST_US];
    for (int t = 0; t < threads; t++) {
        pthread_join(ws[t].thread, NULL);
        ops += ws[t].ops;
        bytes += ws[t].bytes;
        errors += ws[t].errors;
        for (int k = 0; k < HIST_US; k++) { hist[k] += ws[t].hist[k]; total += ws[t].hist[k]; }
    }
    long p50 = -1, p99 = -1;
    uint64_t acc = 0;
    for (int k = 0; k < HIST_US && total; k++) {
        acc += hist[k];
        if (p50 < 0 && acc * 2 >= total) p50 = k;
        if (p99 < 0 && acc * 100 >= total * 99) { p99 = k; break; }
    }
    double secs = (double) elapsed / 1e9;
    printf("ops_per_s=%.0f mib_per_s=%.1f p50_us=%ld p99_us=%ld errors=%llu\n", (double) ops / secs,
           (double) bytes / secs / (1024.0 * 1024.0), p50, p99, (unsigned long long) errors);
    return errors ? 1 : 0;
}
