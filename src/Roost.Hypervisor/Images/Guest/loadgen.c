/*
 * Roost's load generator (MOVE's microbenchmarks). The same source runs natively on the host and inside a guest
 * (compiled statically into the guest image), so both runs of a benchmark execute identical code. Each load is one
 * thread paced against the monotonic clock; the process ends after --seconds and prints what it did as one JSON line.
 *
 *   loadgen --seconds N [--cpu PCT] [--work RATE] [--spawn RATE] [--udp-send ADDR:PORT:SIZE:RATE]
 *           [--udp-sink ADDR:PORT] [--tcp-send ADDR:PORT:SIZE:RATE] [--tcp-sink ADDR:PORT]
 *           [--read PATH:BLOCK:RATE] [--write PATH:BLOCK:RATE] [--span MIB] [--http-get ADDR:PORT:RATE]
 *
 *   --cpu PCT            busy PCT % of every 10 ms period (0-100): the same time on both sides, not the same work
 *   --work RATE          RATE units of fixed integer work a second (100,000 xorshift steps each): the same work
 *   --spawn RATE         fork RATE children a second, each exiting at once (reaped)
 *   --tcp-send           RATE connections a second to ADDR:PORT, each writing SIZE bytes and closing
 *   --tcp-sink           accept connections on ADDR:PORT and read each to its end
 *   --udp-send           send RATE datagrams of SIZE bytes a second to ADDR:PORT
 *   --udp-sink           receive and drop datagrams on ADDR:PORT
 *   --read / --write     RATE direct (O_DIRECT) reads or writes a second of BLOCK bytes at random BLOCK-aligned
 *                        offsets in the first --span MiB (default 64) of PATH
 *   --http-get           RATE HTTP/1.0 GETs of / a second to ADDR:PORT, each read to its end
 *
 * A pace that falls behind catches up by at most 100 ms of work; the rest is dropped (and shows in the counts).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

static atomic_ulong cpu_periods, sent, received, reads, writes, gets, errors, units, spawned, connections;
static volatile uint64_t work_sink;
static long span_bytes = 64L * 1024 * 1024;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_until(double when) {
  struct timespec t;
  t.tv_sec = (time_t)when;
  t.tv_nsec = (long)((when - (double)t.tv_sec) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
  }
}

/* Paces op() at rate per second: the k-th call is due at start + k/rate. */
static void paced(double rate, int (*op)(void *), void *arg) {
  double start = now_s();
  unsigned long k = 0;
  for (;;) {
    double due = start + (double)k / rate, now = now_s();
    if (due > now) {
      sleep_until(due);
    } else if (now - due > 0.1) {
      k = (unsigned long)((now - 0.1 - start) * rate);
    }
    if (op(arg) != 0) atomic_fetch_add(&errors, 1);
    k++;
  }
}

static int parse_endpoint(char *text, struct sockaddr_in *out, char **rest) {
  char *colon = strchr(text, ':');
  if (!colon) return -1;
  *colon = 0;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  if (inet_pton(AF_INET, text, &out->sin_addr) != 1) return -1;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (port < 1 || port > 65535 || (*end != 0 && *end != ':')) return -1;
  out->sin_port = htons((uint16_t)port);
  *rest = *end == ':' ? end + 1 : end;
  return 0;
}

static long parse_number(const char *text, char **rest, long min, long max) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || v < min || v > max || (*end != 0 && *end != ':')) return -1;
  *rest = *end == ':' ? end + 1 : end;
  return v;
}

static void *cpu_thread(void *arg) {
  long pct = (long)(intptr_t)arg;
  double period = 0.010, next = now_s();
  for (;;) {
    double busy_until = next + period * pct / 100.0;
    while (now_s() < busy_until) {
    }
    atomic_fetch_add(&cpu_periods, 1);
    next += period;
    if (next > now_s()) sleep_until(next);
    else next = now_s();
  }
  return NULL;
}

static int work_op(void *arg) {
  (void)arg;
  uint64_t x = 88172645463325252ull ^ atomic_load(&units);
  for (int i = 0; i < 100000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  work_sink += x;
  atomic_fetch_add(&units, 1);
  return 0;
}

static void *work_thread(void *arg) {
  paced((double)(intptr_t)arg, work_op, NULL);
  return NULL;
}

static int spawn_op(void *arg) {
  (void)arg;
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) _exit(0);
  if (waitpid(child, NULL, 0) != child) return -1;
  atomic_fetch_add(&spawned, 1);
  return 0;
}

static void *spawn_thread(void *arg) {
  paced((double)(intptr_t)arg, spawn_op, NULL);
  return NULL;
}

struct tcp_send { struct sockaddr_in to; long size, rate; char *buffer; };

static int tcp_send_op(void *arg) {
  struct tcp_send *t = arg;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct timeval timeout = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  long done = 0;
  if (connect(fd, (struct sockaddr *)&t->to, sizeof t->to) == 0) {
    while (done < t->size) {
      ssize_t n = write(fd, t->buffer + done, (size_t)(t->size - done));
      if (n <= 0) break;
      done += n;
    }
  }
  close(fd);
  if (done != t->size) return -1;
  atomic_fetch_add(&connections, 1);
  return 0;
}

static void *tcp_send_thread(void *arg) {
  struct tcp_send *t = arg;
  paced((double)t->rate, tcp_send_op, t);
  return NULL;
}

static void *tcp_sink_thread(void *arg) {
  int listener = (int)(intptr_t)arg;
  static char buffer[65536];
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) continue;
    struct timeval timeout = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (read(fd, buffer, sizeof buffer) > 0) {
    }
    close(fd);
    atomic_fetch_add(&connections, 1);
  }
  return NULL;
}

struct udp_send { int fd; struct sockaddr_in to; long size, rate; char *buffer; };

static int udp_send_op(void *arg) {
  struct udp_send *u = arg;
  if (sendto(u->fd, u->buffer, (size_t)u->size, 0, (struct sockaddr *)&u->to, sizeof u->to) < 0) return -1;
  atomic_fetch_add(&sent, 1);
  return 0;
}

static void *udp_send_thread(void *arg) {
  struct udp_send *u = arg;
  paced((double)u->rate, udp_send_op, u);
  return NULL;
}

static void *udp_sink_thread(void *arg) {
  int fd = (int)(intptr_t)arg;
  static char buffer[65536];
  for (;;) {
    if (recv(fd, buffer, sizeof buffer, 0) >= 0) atomic_fetch_add(&received, 1);
  }
  return NULL;
}

struct disk { int fd; long block, rate; char *buffer; int write; unsigned seed; };

static int disk_op(void *arg) {
  struct disk *d = arg;
  long blocks = span_bytes / d->block;
  off_t offset = (off_t)(rand_r(&d->seed) % (blocks > 0 ? blocks : 1)) * d->block;
  ssize_t n = d->write ? pwrite(d->fd, d->buffer, (size_t)d->block, offset) : pread(d->fd, d->buffer, (size_t)d->block, offset);
  if (n != d->block) return -1;
  atomic_fetch_add(d->write ? &writes : &reads, 1);
  return 0;
}

static void *disk_thread(void *arg) {
  struct disk *d = arg;
  paced((double)d->rate, disk_op, d);
  return NULL;
}

struct http { struct sockaddr_in to; long rate; };

static int http_op(void *arg) {
  struct http *h = arg;
  static const char request[] = "GET / HTTP/1.0\r\nHost: roost\r\n\r\n";
  char buffer[16384];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct timeval timeout = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int ok = connect(fd, (struct sockaddr *)&h->to, sizeof h->to) == 0 && write(fd, request, sizeof request - 1) == (ssize_t)(sizeof request - 1);
  ssize_t n = 0, total = 0;
  while (ok && (n = read(fd, buffer, sizeof buffer)) > 0) total += n;
  close(fd);
  if (!ok || n < 0 || total == 0) return -1;
  atomic_fetch_add(&gets, 1);
  return 0;
}

static void *http_thread(void *arg) {
  struct http *h = arg;
  paced((double)h->rate, http_op, h);
  return NULL;
}

static int usage(const char *why, const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", why, what);
  return 2;
}

static int start(void *(*fn)(void *), void *arg) {
  pthread_t thread;
  return pthread_create(&thread, NULL, fn, arg) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  long seconds = -1;
  /* Two passes: --span first, so disk loads see it whatever the order. */
  for (int i = 1; i + 1 < argc; i += 2) {
    char *rest;
    if (strcmp(argv[i], "--span") == 0) {
      long mib = parse_number(argv[i + 1], &rest, 1, 1 << 20);
      if (mib < 0 || *rest) return usage("bad --span", argv[i + 1]);
      span_bytes = mib * 1024 * 1024;
    }
  }
  if (argc % 2 != 1) return usage("options come in pairs", argc > 1 ? argv[argc - 1] : "");
  for (int i = 1; i < argc; i += 2) {
    const char *option = argv[i];
    char *value = argv[i + 1], *rest;
    if (strcmp(option, "--seconds") == 0) {
      seconds = parse_number(value, &rest, 1, 86400);
      if (seconds < 0 || *rest) return usage("bad --seconds", value);
    } else if (strcmp(option, "--span") == 0) {
    } else if (strcmp(option, "--cpu") == 0) {
      long pct = parse_number(value, &rest, 0, 100);
      if (pct < 0 || *rest) return usage("bad --cpu", value);
      if (pct > 0 && start(cpu_thread, (void *)(intptr_t)pct) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--work") == 0 || strcmp(option, "--spawn") == 0) {
      long rate = parse_number(value, &rest, 1, 100000);
      if (rate < 0 || *rest) return usage("bad rate", value);
      if (start(option[2] == 'w' ? work_thread : spawn_thread, (void *)(intptr_t)rate) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--tcp-send") == 0) {
      struct tcp_send *t = calloc(1, sizeof *t);
      if (!t || parse_endpoint(value, &t->to, &rest) != 0) return usage("bad --tcp-send", value);
      t->size = parse_number(rest, &rest, 1, 1 << 24);
      if (t->size < 0) return usage("bad --tcp-send size", value);
      t->rate = parse_number(rest, &rest, 1, 100000);
      if (t->rate < 0 || *rest) return usage("bad --tcp-send rate", value);
      t->buffer = calloc(1, (size_t)t->size);
      if (!t->buffer || start(tcp_send_thread, t) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--tcp-sink") == 0) {
      struct sockaddr_in at;
      if (parse_endpoint(value, &at, &rest) != 0 || *rest) return usage("bad --tcp-sink", value);
      int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (fd < 0 || bind(fd, (struct sockaddr *)&at, sizeof at) != 0 || listen(fd, 128) != 0) return usage("cannot listen", value);
      if (start(tcp_sink_thread, (void *)(intptr_t)fd) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--udp-send") == 0) {
      struct udp_send *u = calloc(1, sizeof *u);
      if (!u || parse_endpoint(value, &u->to, &rest) != 0) return usage("bad --udp-send", value);
      u->size = parse_number(rest, &rest, 1, 65507);
      if (u->size < 0) return usage("bad --udp-send size", value);
      u->rate = parse_number(rest, &rest, 1, 1000000);
      if (u->rate < 0 || *rest) return usage("bad --udp-send rate", value);
      u->buffer = calloc(1, (size_t)u->size);
      u->fd = socket(AF_INET, SOCK_DGRAM, 0);
      if (!u->buffer || u->fd < 0 || start(udp_send_thread, u) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--udp-sink") == 0) {
      struct sockaddr_in at;
      if (parse_endpoint(value, &at, &rest) != 0 || *rest) return usage("bad --udp-sink", value);
      int fd = socket(AF_INET, SOCK_DGRAM, 0), size = 8 << 20;
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
      if (fd < 0 || bind(fd, (struct sockaddr *)&at, sizeof at) != 0) return usage("cannot bind", value);
      if (start(udp_sink_thread, (void *)(intptr_t)fd) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--read") == 0 || strcmp(option, "--write") == 0) {
      struct disk *d = calloc(1, sizeof *d);
      char *colon = strchr(value, ':');
      if (!d || !colon) return usage("bad disk load", value);
      *colon = 0;
      d->write = option[2] == 'w';
      d->block = parse_number(colon + 1, &rest, 512, 1 << 20);
      if (d->block < 0 || d->block % 512) return usage("bad block size", colon + 1);
      d->rate = parse_number(rest, &rest, 1, 1000000);
      if (d->rate < 0 || *rest) return usage("bad disk rate", value);
      d->fd = open(value, (d->write ? O_WRONLY : O_RDONLY) | O_DIRECT);
      d->seed = (unsigned)getpid() ^ (unsigned)d->write;
      if (d->fd < 0 || posix_memalign((void **)&d->buffer, 4096, (size_t)d->block) != 0) return usage("cannot open", value);
      memset(d->buffer, 0x5a, (size_t)d->block);
      if (start(disk_thread, d) != 0) return usage("cannot start", option);
    } else if (strcmp(option, "--http-get") == 0) {
      struct http *h = calloc(1, sizeof *h);
      if (!h || parse_endpoint(value, &h->to, &rest) != 0) return usage("bad --http-get", value);
      h->rate = parse_number(rest, &rest, 1, 100000);
      if (h->rate < 0 || *rest) return usage("bad --http-get rate", value);
      if (start(http_thread, h) != 0) return usage("cannot start", option);
    } else {
      return usage("unknown option", option);
    }
  }
  if (seconds < 0) return usage("missing", "--seconds");
  sleep_until(now_s() + (double)seconds);
  printf("{\"seconds\":%ld,\"cpuPeriods\":%lu,\"units\":%lu,\"spawned\":%lu,\"sent\":%lu,\"received\":%lu,\"connections\":%lu,"
         "\"reads\":%lu,\"writes\":%lu,\"gets\":%lu,\"errors\":%lu}\n",
         seconds, atomic_load(&cpu_periods), atomic_load(&units), atomic_load(&spawned), atomic_load(&sent),
         atomic_load(&received), atomic_load(&connections), atomic_load(&reads), atomic_load(&writes), atomic_load(&gets),
         atomic_load(&errors));
  fflush(stdout);
  _exit(0);
}
