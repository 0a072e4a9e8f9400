/* The floor of a /metrics scrape: read the same cgroup files the agent's collectors read, and nothing else
 * (no parsing, no rendering, no HTTP). Built and run by bench/scrape/run.sh.
 *
 *   floor [-k] ROUNDS < LIST
 *     LIST: one line per cgroup directory, "DIR FILE FILE ...", as the agent reads them
 *
 * -k: as the agent with [agent] scrape_keep_files = yes: each file is opened once (its first round is not
 * counted: one warm-up round is run first) and re-read with pread at offset 0.
 *
 * Like the agent, it holds no directory of a task: each round opens each task's directory relative to its
 * (held) parent, reads the files relative to it and closes it, as the agent's workers do (one thread here).
 * Prints one line:
 * "<dirs> <files per round> <median wall ms> <median cpu ms> <peak rss KiB>". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 32

struct dir {
        int parent; /* held, shared by the tasks of one policy */
        char *name;
        int n;
        char *files[MAX_FILES];
        int kept[MAX_FILES]; /* -k: the files, open from the first round on (-1: absent) */
};

static int keep; /* -k: as the agent with scrape_keep_files: files stay open, pread at 0 */

#define MAX_PARENTS 64
static struct {
        char *path;
        int fd;
} parents[MAX_PARENTS];
static int n_parents;

static int parent_fd(const char *path)
{
        for (int i = 0; i < n_parents; i++)
                if (strcmp(parents[i].path, path) == 0)
                        return parents[i].fd;
        if (n_parents == MAX_PARENTS)
                return -1;
        parents[n_parents].path = strdup(path);
        parents[n_parents].fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return parents[n_parents++].fd;
}

static double now_ms(clockid_t c)
{
        struct timespec ts;

        clock_gettime(c, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
        qsort(v, (size_t)n, sizeof(*v), cmp);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int read_kept(struct dir *d, char *buf, size_t len)
{
        int files = 0;

        for (int i = 0; i < d->n; i++) {
                if (d->kept[i] == -2) {
                        char path[512];

                        snprintf(path, sizeof(path), "%s/%s", d->name, d->files[i]);
                        d->kept[i] = openat(d->parent, path, O_RDONLY | O_CLOEXEC);
                }
                if (d->kept[i] < 0)
                        continue;
                (void)pread(d->kept[i], buf, len, 0);
                files++;
        }
        return files;
}

static int read_all(struct dir *d, char *buf, size_t len)
{
        int files = 0, dfd;

        if (keep)
                return read_kept(d, buf, len);
        dfd = openat(d->parent, d->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
                return 0;
        for (int i = 0; i < d->n; i++) {
                int fd = openat(dfd, d->files[i], O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        continue; /* as the agent: an absent file is skipped */
                while (read(fd, buf, len) > 0)
                        ;
                close(fd);
                files++;
        }
        close(dfd);
        return files;
}

int main(int argc, char **argv)
{
        static char buf[64 * 1024];
        int rounds, n = 0, cap = 0, files = 0;
        struct dir *dirs = NULL;
        char *line = NULL;
        size_t lcap = 0;
        double *wall, *cpu;
        struct rusage ru;

        if (argc > 1 && strcmp(argv[1], "-k") == 0) {
                keep = 1;
                argv++;
                argc--;
        }
        rounds = argc > 1 ? atoi(argv[1]) : 20;
        while (getline(&line, &lcap, stdin) > 0) {
                char *save = NULL, *tok = strtok_r(line, " \t\n", &save), *slash;
                struct dir d = { .n = 0 };

                if (!tok)
                        continue;
                slash = strrchr(tok, '/');
                if (!slash || slash == tok)
                        return 2;
                *slash = '\0';
                d.parent = parent_fd(tok);
                d.name = strdup(slash + 1);
                if (d.parent < 0 || !d.name) {
                        fprintf(stderr, "floor: %s: %s\n", tok, strerror(errno));
                        return 1;
                }
                while ((tok = strtok_r(NULL, " \t\n", &save)) && d.n < MAX_FILES) {
                        d.kept[d.n] = -2; /* not opened yet */
                        d.files[d.n++] = strdup(tok);
                }
                if (n == cap) {
                        cap = cap ? 2 * cap : 1024;
                        dirs = realloc(dirs, (size_t)cap * sizeof(*dirs));
                        if (!dirs)
                                return 1;
                }
                dirs[n++] = d;
        }
        if (rounds < 1 || n == 0)
                return 2;
        wall = calloc((size_t)rounds, sizeof(*wall));
        cpu = calloc((size_t)rounds, sizeof(*cpu));
        if (!wall || !cpu)
                return 1;
        if (keep)
                for (int i = 0; i < n; i++)
                        (void)read_all(&dirs[i], buf, sizeof(buf)); /* opens them */
        for (int r = 0; r < rounds; r++) {
                double w0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);

                files = 0;
                for (int i = 0; i < n; i++)
                        files += read_all(&dirs[i], buf, sizeof(buf));
                wall[r] = now_ms(CLOCK_MONOTONIC) - w0;
                cpu[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
        getrusage(RUSAGE_SELF, &ru);
        printf("%d %d %.3f %.3f %ld\n", n, files, median(wall, rounds), median(cpu, rounds), ru.ru_maxrss);
        return 0;
}
