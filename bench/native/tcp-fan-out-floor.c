/*
 * The fan-out benchmark's native floor (issue 16, bench/fan-out.bench.ts, KIND native): what this machine's kernel
 * charges for delivering one small write to every connection when no JavaScript runs at all — a C server writing
 * the same buffer to N loopback TCP connections with write(2), and C clients (epoll, read(2)) in other processes
 * stamping each arrival. No WebSocket, no JSON, no event loop: no server, in any language, that writes to each
 * socket from THREADS threads can deliver a change faster here.
 *
 * Usage: tcp-fan-out-floor CONNECTIONS BYTES WARMUP CHANGES CLIENT_PROCESSES THREADS
 * Prints one JSON line: latency percentiles over every (change, connection) of the measured changes, the
 * change → every connection percentiles, the server's CPU (user + system) per change, and the connect time.
 * Like the Node rows: each change starts when every client has the previous one, after a 10 ms pause; a latency
 * is the arrival on CLOCK_MONOTONIC (one clock for all processes) minus the change's start.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "tcp-fan-out-floor: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t count, double p) {
  size_t rank = (size_t)((p / 100.0) * (double)count + 0.999999);
  return sorted[(rank == 0 ? 1 : rank > count ? count : rank) - 1];
}

static void write_all(int fd, const void *data, size_t length) {
  const char *at = data;
  while (length > 0) {
    ssize_t written = write(fd, at, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) die("write to pipe");
    at += written;
    length -= (size_t)written;
  }
}

static void read_all(int fd, void *data, size_t length) {
  char *at = data;
  while (length > 0) {
    ssize_t got = read(fd, at, length);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) die("read from pipe");
    at += got;
    length -= (size_t)got;
  }
}

/* One client process: `count` connections; stamps when each connection has each change; tells the server (one
 * byte on `done_pipe`) when all its connections have a change; at the end writes every stamp to `result_pipe`. */
static void run_clients(struct sockaddr_in address, int count, int bytes, int changes, int done_pipe,
                        int result_pipe) {
  int poll = epoll_create1(0);
  if (poll < 0) die("epoll_create1");
  long *received = calloc((size_t)count, sizeof(long));
  int *complete = calloc((size_t)changes, sizeof(int));
  double *arrivals = calloc((size_t)count * (size_t)changes, sizeof(double));
  if (received == NULL || complete == NULL || arrivals == NULL) die("calloc");
  int one = 1;
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = ((uint64_t)(uint32_t)fd << 32) | (uint32_t)i};
    if (epoll_ctl(poll, EPOLL_CTL_ADD, fd, &event) < 0) die("epoll_ctl");
  }
  char ready = 'r';
  write_all(done_pipe, &ready, 1);
  char buffer[65536];
  struct epoll_event events[256];
  long total = (long)count * changes, stamped = 0;
  while (stamped < total) {
    int ready_count = epoll_wait(poll, events, 256, -1);
    if (ready_count < 0 && errno == EINTR) continue;
    if (ready_count < 0) die("epoll_wait");
    for (int e = 0; e < ready_count; e++) {
      int fd = (int)(events[e].data.u64 >> 32), index = (int)(uint32_t)events[e].data.u64;
      ssize_t got = read(fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got == 0) {
        errno = ECONNRESET;
        die("a connection closed before every change arrived");
      }
      if (got < 0) die("read from a connection");
      double at = now_ms();
      long before = received[index] / bytes;
      received[index] += got;
      for (long change = before; change < received[index] / bytes && change < changes; change++) {
        arrivals[change * count + index] = at;
        stamped++;
        if (++complete[change] == count) {
          char done = 'd';
          write_all(done_pipe, &done, 1);
        }
      }
    }
  }
  write_all(result_pipe, arrivals, sizeof(double) * (size_t)count * (size_t)changes);
  _exit(0);
}

/* Server write threads: thread t writes to connections t, t + threads, … of each change. */
static int *server_fds, server_count, server_threads, frame_bytes;
static char *frame;
static pthread_barrier_t change_start, change_written;
static int change_total;

static void write_share(int thread) {
  for (int i = thread; i < server_count; i += server_threads) {
    if (write(server_fds[i], frame, (size_t)frame_bytes) != frame_bytes) die("write to a connection");
  }
}

static void *write_thread(void *argument) {
  int thread = (int)(long)argument;
  for (int change = 0; change < change_total; change++) {
    pthread_barrier_wait(&change_start);
    write_share(thread);
    pthread_barrier_wait(&change_written);
  }
  return NULL;
}

static double cpu_ms(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage); /* every thread of the server process; the clients are other processes */
  return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: tcp-fan-out-floor CONNECTIONS BYTES WARMUP CHANGES CLIENT_PROCESSES THREADS\n");
    return 2;
  }
  int connections = atoi(argv[1]), bytes = atoi(argv[2]), warmup = atoi(argv[3]), measured = atoi(argv[4]);
  int processes = atoi(argv[5]), threads = atoi(argv[6]);
  if (connections < 1 || bytes < 1 || warmup < 0 || measured < 1 || processes < 1 || threads < 1 ||
      processes > connections) {
    fprintf(stderr, "tcp-fan-out-floor: every argument must be positive, CLIENT_PROCESSES <= CONNECTIONS\n");
    return 2;
  }
  int changes = warmup + measured;

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
  if (listen(listener, 4096) < 0) die("listen");
  if (getsockname(listener, (struct sockaddr *)&address, &length) < 0) die("getsockname");

  int done_pipe[2];
  if (pipe(done_pipe) < 0) die("pipe");
  int *result_pipes = calloc((size_t)processes, sizeof(int)), *counts = calloc((size_t)processes, sizeof(int));
  double connect_start = now_ms();
  for (int p = 0; p < processes; p++) {
    counts[p] = connections / processes + (p < connections % processes ? 1 : 0);
    int result_pipe[2];
    if (pipe(result_pipe) < 0) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      close(listener);
      close(done_pipe[0]);
      close(result_pipe[0]);
      run_clients(address, counts[p], bytes, changes, done_pipe[1], result_pipe[1]);
    }
    close(result_pipe[1]);
    result_pipes[p] = result_pipe[0];
  }
  close(done_pipe[1]);

  server_fds = calloc((size_t)connections, sizeof(int));
  int one = 1;
  for (int i = 0; i < connections; i++) {
    server_fds[i] = accept(listener, NULL, NULL);
    if (server_fds[i] < 0) die("accept");
    setsockopt(server_fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  char signal_byte;
  for (int p = 0; p < processes; p++) read_all(done_pipe[0], &signal_byte, 1);
  double connect_ms = now_ms() - connect_start;

  frame = malloc((size_t)bytes);
  memset(frame, ' ', (size_t)bytes);
  server_count = connections;
  server_threads = threads;
  frame_bytes = bytes;
  change_total = changes;
  pthread_t *workers = calloc((size_t)threads, sizeof(pthread_t));
  if (threads > 1) {
    pthread_barrier_init(&change_start, NULL, (unsigned)threads + 1);
    pthread_barrier_init(&change_written, NULL, (unsigned)threads + 1);
    for (long t = 0; t < threads; t++) pthread_create(&workers[t], NULL, write_thread, (void *)t);
  }
  double *started = calloc((size_t)changes, sizeof(double)), cpu_before = 0;
  struct timespec pause = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
  for (int change = 0; change < changes; change++) {
    if (change == warmup) cpu_before = cpu_ms();
    started[change] = now_ms();
    if (threads > 1) {
      pthread_barrier_wait(&change_start);
      pthread_barrier_wait(&change_written);
    } else {
      write_share(0);
    }
    for (int p = 0; p < processes; p++) read_all(done_pipe[0], &signal_byte, 1);
    nanosleep(&pause, NULL);
  }
  double cpu_per_change = (cpu_ms() - cpu_before) / measured;
  if (threads > 1) {
    for (int t = 0; t < threads; t++) pthread_join(workers[t], NULL);
  }

  size_t samples = (size_t)connections * (size_t)measured;
  double *latencies = malloc(sizeof(double) * samples), *every = calloc((size_t)measured, sizeof(double));
  size_t next = 0;
  for (int p = 0; p < processes; p++) {
    size_t count = (size_t)counts[p];
    double *arrivals = malloc(sizeof(double) * count * (size_t)changes);
    read_all(result_pipes[p], arrivals, sizeof(double) * count * (size_t)changes);
    for (int change = warmup; change < changes; change++) {
      for (size_t c = 0; c < count; c++) {
        double latency = arrivals[(size_t)change * count + c] - started[change];
        latencies[next++] = latency;
        if (latency > every[change - warmup]) every[change - warmup] = latency;
      }
    }
    free(arrivals);
  }
  while (wait(NULL) > 0) {
  }
  qsort(latencies, samples, sizeof(double), compare_doubles);
  qsort(every, (size_t)measured, sizeof(double), compare_doubles);
  printf("{\"p50\":%.4f,\"p99\":%.4f,\"max\":%.4f,\"everyClientP50\":%.4f,\"everyClientP99\":%.4f,"
         "\"serverCpuPerChangeMs\":%.4f,\"connectMs\":%.1f}\n",
         percentile(latencies, samples, 50), percentile(latencies, samples, 99), latencies[samples - 1],
         percentile(every, (size_t)measured, 50), percentile(every, (size_t)measured, 99), cpu_per_change,
         connect_ms);
  return 0;
}
