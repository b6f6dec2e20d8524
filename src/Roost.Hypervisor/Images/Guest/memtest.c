/*
 * Roost guest memory verifier. Compiled statically into the guest image (GuestImageBuilder) and run by the
 * reporter: `memtest MIB PAGES_PER_SECOND STATE_FILE`, or `memtest fill MIB` (below).
 *
 * It keeps MIB MiB of anonymous, locked pages and rewrites PAGES_PER_SECOND randomly chosen pages per second. Page
 * p at version v holds, in every 64-bit word w, pattern(p, v, w); words 0 and 1 carry p, and "Roos" and v (written
 * first), so a wrong page can be told apart: an older version whole (a write lost), a newer one (the version table's
 * write lost), torn (the header and part of the body of one version, the rest of another: the page was copied while it
 * was being written and its end state never reached the copy) or garbage. The versions live in a separate table, also
 * in guest RAM.
 *
 * SIGUSR1: check every page against the table (writing pauses meanwhile), repair the wrong ones, and write the
 * result as one JSON object to STATE_FILE (via a temporary file and rename, so readers never see half a line).
 * SIGTERM: exit. At start, once every page holds version 1, the state file is written with checks = 0.
 *
 * `memtest fill MIB` writes MIB MiB of pseudo-random bytes to standard output and exits: the reporter's `mem` load.
 * The bytes are splitmix64 over a seed read from /dev/urandom, so no two pages and no two fills are alike (nothing for
 * KSM to merge or a relay to deduplicate or compress), at a small fraction of the emulated CPU /dev/urandom costs under
 * TCG (which gave about 1 MiB a second).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE 4096u
#define WORDS (PAGE_SIZE / sizeof(uint64_t))
#define MAGIC 0x526f6f73ull /* "Roos" */

static volatile sig_atomic_t check_requested;
static volatile sig_atomic_t stop_requested;

static void on_usr1(int sig) { (void)sig; check_requested = 1; }
static void on_term(int sig) { (void)sig; stop_requested = 1; }

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t seed_of(uint64_t page, uint32_t version) { return mix((page << 32) ^ version ^ (MAGIC << 40)); }

static void fill(uint64_t *words, uint64_t page, uint32_t version)
{
    uint64_t seed = seed_of(page, version);
    words[0] = page;
    words[1] = (MAGIC << 32) | version;
    for (uint64_t w = 2; w < WORDS; w++) {
        words[w] = seed ^ (w * 0x9e3779b97f4a7c15ull);
    }
}

/* 0: right; 1: older version (lost write); 2: newer version (table write lost); 3: torn; 4: anything else. */
static int classify(const uint64_t *words, uint64_t page, uint32_t version)
{
    uint64_t seed = seed_of(page, version);
    int right = words[0] == page && words[1] == ((MAGIC << 32) | version);
    for (uint64_t w = 2; right && w < WORDS; w++) {
        right = words[w] == (seed ^ (w * 0x9e3779b97f4a7c15ull));
    }

    if (right) {
        return 0;
    }

    if (words[0] == page && (words[1] >> 32) == MAGIC) {
        uint32_t held = (uint32_t)words[1];
        uint64_t held_seed = seed_of(page, held);
        int whole = 1;
        for (uint64_t w = 2; whole && w < WORDS; w++) {
            whole = words[w] == (held_seed ^ (w * 0x9e3779b97f4a7c15ull));
        }

        if (whole && held < version) {
            return 1;
        }

        if (whole && held > version) {
            return 2;
        }

        uint64_t matching = 0;
        for (uint64_t w = 2; w < WORDS; w++) {
            matching += words[w] == (held_seed ^ (w * 0x9e3779b97f4a7c15ull));
        }

        if (matching > 0 && matching < WORDS - 2) {
            return 3;
        }
    }

    return 4;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct totals {
    uint64_t checks, writes, wrong, stale, ahead, torn, garbage, wrong_total;
};

static int write_state(const char *path, uint64_t mib, uint64_t rate, uint64_t pages, const struct totals *t, double seconds)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        return -1;
    }

    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return -1;
    }

    uint64_t achieved = seconds > 0 ? (uint64_t)((double)t->writes / seconds) : 0;
    fprintf(f,
            "{\"mib\":%llu,\"pagesPerSecond\":%llu,\"pages\":%llu,\"checks\":%llu,\"checked\":%llu,\"wrong\":%llu,"
            "\"stale\":%llu,\"ahead\":%llu,\"torn\":%llu,\"garbage\":%llu,\"wrongTotal\":%llu,\"writes\":%llu,\"writeMs\":%llu,"
            "\"achievedPagesPerSecond\":%llu}\n",
            (unsigned long long)mib, (unsigned long long)rate, (unsigned long long)pages,
            (unsigned long long)t->checks, (unsigned long long)(t->checks > 0 ? pages : 0),
            (unsigned long long)t->wrong, (unsigned long long)t->stale, (unsigned long long)t->ahead,
            (unsigned long long)t->torn, (unsigned long long)t->garbage, (unsigned long long)t->wrong_total, (unsigned long long)t->writes,
            (unsigned long long)(seconds * 1000), (unsigned long long)achieved);
    if (fclose(f) != 0) {
        return -1;
    }

    return rename(tmp, path);
}

static int fill_out(const char *mib_text)
{
    char *end;
    unsigned long long mib = strtoull(mib_text, &end, 10);
    if (*end != '\0' || mib < 1 || mib > 65536) {
        fprintf(stderr, "memtest: fill MIB '%s' must be from 1 to 65536\n", mib_text);
        return 2;
    }

    uint64_t state;
    FILE *urandom = fopen("/dev/urandom", "rb");
    if (urandom == NULL || fread(&state, sizeof state, 1, urandom) != 1) {
        fprintf(stderr, "memtest: cannot read a seed from /dev/urandom\n");
        return 1;
    }

    fclose(urandom);
    static uint64_t block[65536 / sizeof(uint64_t)];
    for (unsigned long long n = 0; n < mib * 16; n++) { /* 16 blocks of 64 KiB a MiB */
        for (size_t w = 0; w < sizeof block / sizeof block[0]; w++) {
            state += 0x9e3779b97f4a7c15ull;
            block[w] = mix(state);
        }

        if (fwrite(block, sizeof block, 1, stdout) != 1) {
            fprintf(stderr, "memtest: fill: cannot write: %s\n", strerror(errno));
            return 1;
        }
    }

    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "fill") == 0) {
        return fill_out(argv[2]);
    }

    if (argc != 4) {
        fprintf(stderr, "usage: memtest MIB PAGES_PER_SECOND STATE_FILE | memtest fill MIB\n");
        return 2;
    }

    char *end;
    unsigned long long mib = strtoull(argv[1], &end, 10);
    if (*end != '\0' || mib < 1 || mib > 65536) {
        fprintf(stderr, "memtest: MIB '%s' must be from 1 to 65536\n", argv[1]);
        return 2;
    }

    unsigned long long rate = strtoull(argv[2], &end, 10);
    if (*end != '\0' || rate < 1 || rate > 10000000) {
        fprintf(stderr, "memtest: PAGES_PER_SECOND '%s' must be from 1 to 10000000\n", argv[2]);
        return 2;
    }

    const char *state = argv[3];
    uint64_t pages = mib * 1024 * 1024 / PAGE_SIZE;
    uint64_t *memory = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    uint32_t *versions = mmap(NULL, pages * sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (memory == MAP_FAILED || versions == MAP_FAILED) {
        fprintf(stderr, "memtest: cannot map %llu MiB: %s\n", mib, strerror(errno));
        return 1;
    }

    mlockall(MCL_CURRENT); /* best effort: the guest has no swap anyway */
    struct sigaction usr1 = {.sa_handler = on_usr1};
    struct sigaction term = {.sa_handler = on_term};
    sigaction(SIGUSR1, &usr1, NULL);
    sigaction(SIGTERM, &term, NULL);

    for (uint64_t p = 0; p < pages; p++) {
        versions[p] = 1;
        fill(memory + p * WORDS, p, 1);
    }

    struct totals t = {0};
    double writing = 0; /* seconds spent in the write loop, checks excluded */
    if (write_state(state, mib, rate, pages, &t, writing) != 0) {
        fprintf(stderr, "memtest: cannot write %s: %s\n", state, strerror(errno));
        return 1;
    }

    uint64_t random = 0x2545f4914f6cdd1dull ^ (uint64_t)getpid();
    double base = now_seconds();
    uint64_t due_base = 0; /* writes that were due at 'base' */
    double last = base;
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000000};
    while (!stop_requested) {
        double now = now_seconds();
        writing += now - last;
        last = now;
        uint64_t due = due_base + (uint64_t)((now - base) * (double)rate);
        if (due > t.writes + rate) {
            /* More than a second behind (the guest was paused, e.g. a migration's downtime): do not burst to
               catch up, carry on at the set rate from here. */
            base = now;
            due_base = t.writes;
            due = t.writes;
        }

        while (t.writes < due && !check_requested) {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            uint64_t p = random % pages;
            uint32_t v = versions[p] + 1;
            fill(memory + p * WORDS, p, v);
            versions[p] = v;
            t.writes++;
        }

        if (check_requested) {
            check_requested = 0;
            now = now_seconds();
            writing += now - last;
            t.wrong = t.stale = t.ahead = t.torn = t.garbage = 0;
            for (uint64_t p = 0; p < pages; p++) {
                int kind = classify(memory + p * WORDS, p, versions[p]);
                if (kind != 0) {
                    t.wrong++;
                    t.stale += kind == 1;
                    t.ahead += kind == 2;
                    t.torn += kind == 3;
                    t.garbage += kind == 4;
                    fill(memory + p * WORDS, p, versions[p]);
                }
            }

            t.wrong_total += t.wrong;
            t.checks++;
            write_state(state, mib, rate, pages, &t, writing);
            last = now_seconds();
            base = last;
            due_base = t.writes;
            continue;
        }

        nanosleep(&tick, NULL);
    }

    return 0;
}
