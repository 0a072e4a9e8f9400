/* /metrics reads on worker threads, shared by the scrapes that wait for them (scrape.h). */
#include "scrape.h"

#include <pthread.h>
#include <sys/eventfd.h>

#include "agent.h"
#include "events.h"
#include "log.h"
#include "perf.h"
#include "prometheus.h"

#define SCRAPE_MAX_THREADS   4
#define SCRAPE_TASKS_PER_THR 64 /* fewer tasks than this per thread are not worth a thread */
#define SCRAPE_BATCH         16 /* entries a worker takes at once */
#define METRICS_MAX_BYTES    (256u << 20)

struct usage_list {
        struct prom_usage *items;
        size_t n, cap;
};

struct chunk;

struct scrape_entry {
        struct task *task;                  /* valid while the read runs or renders (scrape_busy()) */
        char path[2 * POLICY_NAME_MAX + 2]; /* the running task's cgroup below the roots; "" when ended */
        struct perf_counters *perf;         /* a reference: the task may close its own when it ends */
        struct collector_cache *cache;      /* the task's, used by this entry's worker only */
        uint64_t cgroup_id;                 /* of the task's unified cgroup, 0: unknown */
        struct cg_sample s;
        int r; /* 0: s holds values; <0: nothing read (-ENOENT: the cgroup went away meanwhile) */
};

/* One read of every task, and its rendering for the scrapes that waited for it. */
struct scrape_read {
        unsigned refs; /* the module while the read runs, and each stream (loop thread only) */
        struct agent *a;
        struct scrape_entry *e;
        size_t n;
        /* for the workers: read-only while they run */
        struct collector_target roots;
        uint32_t enabled;
        size_t next;     /* the next entry to take (atomic) */
        unsigned active; /* workers still running (atomic); the last one signals the loop */
        int efd;
        pthread_t threads[SCRAPE_MAX_THREADS];
        size_t n_threads;
        uint64_t t0_ns; /* monotonic */
        uint64_t seq;   /* this read's number (cgmeter_scrape_reads_total) */
        /* after the read (loop thread) */
        bool done, failed;
        /* rendering, per format [openmetrics], in chunks made as the fastest stream needs them and freed once
         * every stream of the format has sent them: memory does not grow with the body */
        struct prom_task *pt; /* views of the tasks: valid while holding_tasks */
        char (*ids)[160];
        struct prom_agent ag;
        struct prom_collector_state cs[32];
        struct usage_list usage;
        bool holding_tasks; /* pt points into tasks (and holds policy references): scrape_busy() */
        struct scrape_read *next_holding;
        struct render_state {
                unsigned readers;          /* streams of this format still sending */
                size_t next_part;          /* prom_render_part() to render next */
                size_t bytes;              /* rendered so far: at most METRICS_MAX_BYTES */
                bool all;                  /* every part rendered (or nobody needs the rest) */
                struct chunk *head, *tail; /* chunks some reader has yet to send */
        } fmt[2];
};

struct chunk {
        struct chunk *next;
        unsigned refs; /* readers that have not sent it all */
        size_t len;
        char data[];
};

struct scrape {
        int efd;
        struct loop_source *src;
        struct scrape_read *cur;     /* the read in progress */
        struct scrape_read *holding; /* reads whose rendering still points at tasks */
        uint64_t reads;              /* started so far */
        uint64_t scrapes;            /* requests so far */
};

struct scrape_stream {
        struct scrape_read *rd;
        bool om;
        bool started;
        struct chunk *cur; /* being sent (started): its refs count this stream */
        size_t off;
};

static void read_unref(struct scrape_read *rd)
{
        if (!rd || --rd->refs > 0)
                return;
        for (int om = 0; om < 2; om++)
                while (rd->fmt[om].head) {
                        struct chunk *c = rd->fmt[om].head;

                        rd->fmt[om].head = c->next;
                        free(c);
                }
        if (rd->pt)
                prom_tasks_release(rd->pt, rd->n);
        free(rd->pt);
        free(rd->ids);
        free(rd->usage.items);
        free(rd->e);
        free(rd);
}

static void *worker(void *userdata)
{
        struct scrape_read *rd = userdata;

        for (;;) {
                size_t i = __atomic_fetch_add(&rd->next, SCRAPE_BATCH, __ATOMIC_RELAXED);

                if (i >= rd->n)
                        break;
                for (size_t end = i + SCRAPE_BATCH < rd->n ? i + SCRAPE_BATCH : rd->n; i < end; i++) {
                        struct scrape_entry *e = &rd->e[i];
                        struct collector_target ct;
                        uint32_t failed;

                        if (!e->path[0])
                                continue;
                        /* files are opened below the hierarchies' roots (or kept open in the cache): no
                         * directory fd per task */
                        collector_target_below(&rd->roots, e->path, &ct);
                        ct.perf = e->perf;
                        ct.cache = e->cache;
                        ct.cgroup_id = e->cgroup_id;
                        e->r = collector_collect_all(&ct, rd->enabled, &e->s, &failed);
                }
        }
        /* the last worker out tells the loop (release: its entries are visible to the loop's acquire); an
         * eventfd write fails only on counter overflow, impossible with one write per read */
        if (__atomic_sub_fetch(&rd->active, 1, __ATOMIC_ACQ_REL) == 0)
                (void)eventfd_write(rd->efd, 1);
        return NULL;
}

/* ---- per-tenant usage ---- */

static struct prom_usage *usage_slot(struct usage_list *l, const char *tenant, const char *policy)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].tenant, tenant) && streq(l->items[i].policy, policy))
                        return &l->items[i];
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct prom_usage *p = realloc(l->items, cap * sizeof(*p));

                if (!p)
                        return NULL;
                l->items = p;
                l->cap = cap;
        }
        l->items[l->n] = (struct prom_usage){ 0 };
        snprintf(l->items[l->n].tenant, sizeof(l->items[l->n].tenant), "%s", tenant);
        snprintf(l->items[l->n].policy, sizeof(l->items[l->n].policy), "%s", policy);
        return &l->items[l->n++];
}

static int usage_from_ledger(const struct ledger_totals *t, void *userdata)
{
        struct prom_usage *u = usage_slot(userdata, t->tenant, t->policy);

        if (!u)
                return -ENOMEM;
        u->tasks_ended = t->tasks;
        u->cpu_seconds = (double)t->cpu_ns / 1e9;
        u->cpu_user_seconds = (double)t->cpu_user_ns / 1e9;
        u->cpu_system_seconds = (double)t->cpu_system_ns / 1e9;
        u->memory_byte_seconds = (double)t->memory_byte_seconds;
        u->io_read_bytes = t->io_read_bytes;
        u->io_write_bytes = t->io_write_bytes;
        u->net_rx_bytes = t->net_rx_bytes;
        u->net_tx_bytes = t->net_tx_bytes;
        u->oom_kills = t->oom_kills;
        u->frozen_seconds = (double)t->frozen_ns / 1e9;
        return 0;
}

/* Ended tasks from the ledger's totals (read now, after the read), plus the tasks still running now as read:
 * a task that ended during the read is in the ledger, not in the running sum, so the sum never goes
 * backwards, and the ledger keeps it across restarts. */
static int usage_collect(struct agent *a, const struct prom_task *pt, const struct scrape_read *rd,
                         struct usage_list *l)
{
        int r = ledger_totals(a->ledger, usage_from_ledger, l);

        if (r < 0)
                return r;
        for (size_t i = 0; i < rd->n; i++) {
                const struct task *t = rd->e[i].task;
                const struct cg_sample *s = pt[i].s;
                struct prom_usage *u;

                if (t->state != TASK_RUNNING)
                        continue;
                u = usage_slot(l, t->tenant, t->policy->name);
                if (!u)
                        return -ENOMEM;
                u->memory_byte_seconds += t->mem_byte_seconds;
                u->frozen_seconds += task_frozen_seconds(t);
                if (!s)
                        continue;
                u->cpu_seconds += (double)s->cpu.usage_ns / 1e9;
                u->cpu_user_seconds += (double)s->cpu.user_ns / 1e9;
                u->cpu_system_seconds += (double)s->cpu.system_ns / 1e9;
                u->io_read_bytes += s->io.rbytes;
                u->io_write_bytes += s->io.wbytes;
                if (s->have & CG_HAVE_NET) {
                        u->net_rx_bytes += s->net.rx_bytes;
                        u->net_tx_bytes += s->net.tx_bytes;
                }
                u->oom_kills += s->memory.oom_kill;
        }
        return 0;
}

/* ---- rendering, once per format for every scrape that waited ---- */

#define CHUNK_MIN                                                                                            \
        (64 * 1024) /* parts are rendered into chunks of at least this much (one family can be more) */

/* The tasks may be freed from now on: the rendering is done, or nobody is left to send it. */
static void release_tasks(struct agent *a, struct scrape_read *rd)
{
        if (!rd->holding_tasks)
                return;
        rd->holding_tasks = false;
        for (size_t i = 0; i < rd->n; i++)
                policy_unref(rd->pt[i].spec);
        for (struct scrape_read **pp = &a->scrape->holding; *pp; pp = &(*pp)->next_holding)
                if (*pp == rd) {
                        *pp = rd->next_holding;
                        break;
                }
}

static void maybe_release_tasks(struct agent *a, struct scrape_read *rd)
{
        for (int om = 0; om < 2; om++)
                if (!rd->fmt[om].all && rd->fmt[om].readers > 0)
                        return;
        release_tasks(a, rd);
}

/* Render the next chunk of a format; false at the end (or on error: rd->failed). */
static bool render_chunk(struct agent *a, struct scrape_read *rd, bool om)
{
        struct render_state *f = &rd->fmt[om];
        struct strbuf out;
        struct chunk *c;

        if (f->all || rd->failed)
                return false;
        strbuf_init(&out, METRICS_MAX_BYTES);
        while (out.len < CHUNK_MIN && !out.err)
                if (!prom_render_part(&rd->ag, rd->pt, rd->n, om, f->next_part++, &out)) {
                        f->all = true;
                        break;
                }
        if (!out.err && out.len == 0) { /* the last parts had nothing to say */
                strbuf_free(&out);
                maybe_release_tasks(a, rd);
                return false;
        }
        if (!out.err && f->bytes + out.len > METRICS_MAX_BYTES)
                out.err = -EFBIG;
        c = out.err ? NULL : malloc(sizeof(*c) + out.len);
        if (!c) {
                log_error("metrics: cannot render the scrape: %s",
                          out.err == -EFBIG ? "the answer would exceed 256 MiB"
                                            : strerror(out.err ? -out.err : ENOMEM));
                strbuf_free(&out);
                rd->failed = true;
                f->all = true;
                maybe_release_tasks(a, rd);
                return false;
        }
        *c = (struct chunk){ .refs = f->readers, .len = out.len };
        f->bytes += out.len;
        memcpy(c->data, out.buf, out.len);
        strbuf_free(&out);
        if (f->tail)
                f->tail->next = c;
        else
                f->head = c;
        f->tail = c;
        if (f->all)
                maybe_release_tasks(a, rd);
        return true;
}

/* A reader is done with c: free the chunks nobody needs any more (always a prefix of the list). */
static void chunk_done(struct render_state *f, struct chunk *c)
{
        c->refs--;
        while (f->head && f->head->refs == 0) {
                struct chunk *h = f->head;

                f->head = h->next;
                if (f->tail == h)
                        f->tail = NULL;
                free(h);
        }
}

static void task_view(struct agent *a, struct scrape_entry *e, struct prom_task *pt, char id[160])
{
        const struct task *t = e->task;

        /* a task that ended during the read: its final values, read before its cgroup went */
        if (e->r < 0 && t->state == TASK_ENDED && t->have_final) {
                e->s = t->final;
                e->r = 0;
        }
        snprintf(id, 160, "/%s/%s/%s", a->cfg.cgroup_root, t->policy->name, t->id);
        *pt = (struct prom_task){
                .id = id,
                .name = t->name,
                .task = t->id,
                .policy = t->policy->name, /* the same as .spec's: see below */
                .tenant = t->tenant,
                .running = t->state == TASK_RUNNING,
                .frozen = t->frozen,
                .frozen_seconds = task_frozen_seconds(t),
                .memory_byte_seconds = t->mem_byte_seconds,
                .start_time = (double)t->start_ns / 1e9,
                .s = e->r == 0 ? &e->s : NULL,
                .spec = policy_ref(t->policy), /* a reload may swap the task's policy meanwhile */
        };
}

/* The views the renderer needs, taken now (loop thread): the tasks stay until the rendering is done. */
static int read_finish(struct agent *a, struct scrape_read *rd)
{
        rd->ag = (struct prom_agent){
                .version = PACKAGE_VERSION,
                .cgroup_mode = cg_mode_name(a->cg->mode),
                .policies = a->policies.n,
                .reloads_ok = a->reloads_ok,
                .reloads_failed = a->reloads_failed,
                .collectors = rd->cs,
                .tasks_running = a->n_running,
                .scrape_seconds = (double)(now_monotonic_ns() - rd->t0_ns) / 1e9,
                .scrape_reads = rd->seq,
                .scrapes = a->scrape->scrapes,
        };
        rd->pt = calloc(rd->n ?: 1, sizeof(*rd->pt));
        rd->ids = calloc(rd->n ?: 1, sizeof(*rd->ids));
        if (!rd->pt || !rd->ids)
                return -ENOMEM;
        for (size_t i = 0; collector_registry[i] && i < ARRAY_SIZE(rd->cs); i++) {
                rd->cs[i] = (struct prom_collector_state){ collector_registry[i]->name,
                                                           a->collectors_enabled & (UINT32_C(1) << i) };
                rd->ag.n_collectors++;
        }
        for (size_t i = 0; i < rd->n; i++) {
                task_view(a, &rd->e[i], &rd->pt[i], rd->ids[i]);
                if (!rd->pt[i].running)
                        rd->ag.tasks_retained++;
        }
        (void)prom_tasks_prepare(rd->pt, rd->n); /* without it, labels are escaped per series */
        rd->holding_tasks = true;
        rd->next_holding = a->scrape->holding;
        a->scrape->holding = rd;
        if (usage_collect(a, rd->pt, rd, &rd->usage) < 0)
                log_warning("metrics: per-tenant usage left out: %s", ledger_errmsg(a->ledger));
        else {
                rd->ag.usage = rd->usage.items;
                rd->ag.n_usage = rd->usage.n;
        }
        events_counters(a, rd->ag.pressure_events, rd->ag.oom_events);
        return 0;
}

/* Every worker is done: join them, take the views to render, wake the waiting streams. */
static void read_done(struct agent *a, struct scrape_read *rd, bool ok)
{
        int r = 0;

        for (size_t i = 0; i < rd->n_threads; i++)
                pthread_join(rd->threads[i], NULL);
        if (ok) {
                r = read_finish(a, rd);
                if (r < 0)
                        log_error("metrics: cannot render the scrape: %s", strerror(-r));
        }
        rd->failed = !ok || r < 0;
        for (size_t i = 0; i < rd->n; i++)
                rd->e[i].perf = perf_counters_unref(rd->e[i].perf);
        rd->done = true;
        a->scrape->cur = NULL;
        if (rd->failed)
                release_tasks(a, rd);
        else
                maybe_release_tasks(a, rd); /* every waiting client may have gone */
        read_unref(rd);
        if (a->http)
                http_server_wake(a->http);
}

static int on_read_done(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct agent *a = userdata;
        uint64_t v;

        if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                return -errno;
        if (a->scrape->cur && __atomic_load_n(&a->scrape->cur->active, __ATOMIC_ACQUIRE) == 0)
                read_done(a, a->scrape->cur, true);
        return 0;
}

static size_t threads_for(size_t n)
{
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t k = n / SCRAPE_TASKS_PER_THR + 1;

        if (cpus < 1)
                cpus = 1;
        if (k > (size_t)cpus)
                k = (size_t)cpus;
        return k > SCRAPE_MAX_THREADS ? SCRAPE_MAX_THREADS : k;
}

/* ---- stats files kept open ([agent] scrape_keep_files) ---- */

#define FILES_PER_TASK 14   /* the most a task's cache holds (a hybrid host: 14 files, v2: 11) */
#define LAUNCH_ROOM    512u /* launches the fds left over must still allow */

static void cache_drop(struct agent *a, struct task *t)
{
        if (!t->cache)
                return;
        collector_cache_free(t->cache);
        t->cache = NULL;
        a->n_caches--;
}

/* How many tasks may keep their files open with `tasks` running: what the open-file limit leaves after
 * FDS_PER_TASK per task, the reserve, and room for LAUNCH_ROOM more launches. */
static size_t caches_allowed(const struct agent *a, size_t tasks)
{
        uint64_t need = FDS_RESERVED + (uint64_t)FDS_PER_TASK * (tasks + LAUNCH_ROOM);

        if (!a->cfg.scrape_keep_files || a->nofile_limit <= need)
                return 0;
        return (size_t)((a->nofile_limit - need) / FILES_PER_TASK);
}

void scrape_make_room(struct agent *a, size_t tasks)
{
        size_t allowed = caches_allowed(a, tasks);

        if (scrape_busy(a) || a->n_caches <= allowed)
                return; /* a read in progress uses the caches: the next read trims them */
        for (struct task *t = a->tasks; t && a->n_caches > allowed; t = t->next)
                cache_drop(a, t);
}

/* Before a read (no worker runs): ended tasks' caches go, running tasks get one while the limit allows. */
static void caches_plan(struct agent *a)
{
        size_t allowed = caches_allowed(a, a->n_running);

        if (allowed == 0 && a->n_caches == 0)
                return; /* scrape_keep_files off (or no room): no walk over the tasks on each scrape */
        for (struct task *t = a->tasks; t; t = t->next)
                if (t->cache && (t->state != TASK_RUNNING || a->n_caches > allowed))
                        cache_drop(a, t);
        for (struct task *t = a->tasks; t && a->n_caches < allowed; t = t->next)
                if (t->state == TASK_RUNNING && !t->cache && (t->cache = collector_cache_new())) {
                        collector_cache_set_limit(t->cache, FILES_PER_TASK);
                        a->n_caches++;
                }
}

void scrape_task_ended(struct agent *a, struct task *t)
{
        if (!scrape_busy(a))
                cache_drop(a, t); /* else the next read's plan drops it */
}

void scrape_task_free(struct agent *a, struct task *t)
{
        cache_drop(a, t);
}

/* Snapshot the task list (loop thread) and start the workers. */
static int read_start(struct agent *a, struct scrape_read **ret)
{
        struct scrape_read *rd;
        struct scrape_entry *e;
        size_t n = 0, i = 0, want;
        int r;

        caches_plan(a);
        for (struct task *t = a->tasks; t; t = t->next)
                n++;
        rd = calloc(1, sizeof(*rd));
        e = calloc(n ?: 1, sizeof(*e));
        if (!rd || !e) {
                free(rd);
                free(e);
                return -ENOMEM;
        }
        for (struct task *t = a->tasks; t; t = t->next, i++) {
                e[i].task = t;
                e[i].r = -ENODATA;
                if (t->state == TASK_RUNNING && t->node) {
                        snprintf(e[i].path, sizeof(e[i].path), "%s", t->node->path);
                        e[i].perf = t->perf ? perf_counters_ref(t->perf) : NULL;
                        e[i].cache = t->cache;
                        e[i].cgroup_id = t->node->unified_id;
                } else if (t->have_final) {
                        e[i].s = t->final;
                        e[i].r = 0;
                }
        }
        *rd = (struct scrape_read){ .refs = 1,
                                    .a = a,
                                    .e = e,
                                    .n = n,
                                    .roots = a->collector_roots,
                                    .enabled = a->collectors_enabled,
                                    .efd = a->scrape->efd,
                                    .t0_ns = now_monotonic_ns(),
                                    .seq = ++a->scrape->reads };
        want = threads_for(n); /* at most SCRAPE_MAX_THREADS */
        rd->active = (unsigned)want;
        for (size_t k = 0; k < want; k++) {
                r = -pthread_create(&rd->threads[k], NULL, worker, rd);
                if (r == 0) {
                        rd->n_threads++;
                        continue;
                }
                if (k == 0) {
                        for (i = 0; i < n; i++)
                                perf_counters_unref(e[i].perf);
                        free(e);
                        free(rd);
                        return r;
                }
                /* the started workers do all the work; if they are already done, signal for them */
                if (__atomic_sub_fetch(&rd->active, (unsigned)(want - k), __ATOMIC_ACQ_REL) == 0)
                        (void)eventfd_write(rd->efd, 1);
                break;
        }
        *ret = rd;
        return 0;
}

/* ---- the streams ---- */

static ssize_t stream_read(void *cls, char *buf, size_t max)
{
        struct scrape_stream *st = cls;
        struct scrape_read *rd = st->rd;
        struct render_state *f = &rd->fmt[st->om];
        size_t n;

        if (!rd->done)
                return 0; /* asleep until read_done() wakes the server */
        if (rd->failed)
                return -1;
        if (!st->started) {
                /* every stream of the format starts before the first chunk is rendered (it waited for the
                 * read), and chunks are freed only once every reader has sent them: the head is ours */
                if (!f->head && !render_chunk(rd->a, rd, st->om))
                        return -1;
                st->cur = f->head;
                st->started = true;
        }
        while (st->off == st->cur->len) {
                struct chunk *next = st->cur->next;

                if (!next && (!render_chunk(rd->a, rd, st->om) || !(next = st->cur->next)))
                        return -1; /* the end (or a rendering error: the client sees a cut body) */
                chunk_done(f, st->cur);
                st->cur = next;
                st->off = 0;
        }
        n = st->cur->len - st->off;
        if (n > max)
                n = max;
        memcpy(buf, st->cur->data + st->off, n);
        st->off += n;
        return (ssize_t)n;
}

static void stream_free(void *cls)
{
        struct scrape_stream *st = cls;
        struct scrape_read *rd = st->rd;
        struct render_state *f = &rd->fmt[st->om];

        /* the chunks it has not sent all count it */
        for (struct chunk *c = st->started ? st->cur : f->head, *next; c; c = next) {
                next = c->next;
                chunk_done(f, c);
        }
        f->readers--;
        if (rd->done)
                maybe_release_tasks(rd->a, rd);
        read_unref(rd);
        free(st);
}

static int scrape_init(struct agent *a)
{
        struct scrape *sc = calloc(1, sizeof(*sc));
        int r;

        if (!sc)
                return -ENOMEM;
        sc->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (sc->efd < 0) {
                r = -errno;
                free(sc);
                return r;
        }
        r = loop_add_fd(a->loop, sc->efd, EPOLLIN, true, on_read_done, a, &sc->src);
        if (r < 0) {
                close(sc->efd);
                free(sc);
                return r;
        }
        a->scrape = sc;
        return 0;
}

int scrape_metrics(struct agent *a, bool openmetrics, struct http_response *resp)
{
        struct scrape_stream *st;
        int r;

        if (!a->scrape && (r = scrape_init(a)) < 0)
                return r;
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        if (!a->scrape->cur) {
                r = read_start(a, &a->scrape->cur);
                if (r < 0) {
                        free(st);
                        return r;
                }
        }
        a->scrape->scrapes++;
        st->rd = a->scrape->cur;
        st->rd->refs++;
        st->rd->fmt[openmetrics].readers++;
        st->om = openmetrics;
        free(resp->body);
        *resp = (struct http_response){
                .status = 200,
                .content_type = openmetrics ? PROM_CONTENT_TYPE_OPENMETRICS : PROM_CONTENT_TYPE_TEXT,
                .stream = { .read = stream_read, .free = stream_free, .cls = st, .finite = true },
        };
        return 0;
}

bool scrape_busy(const struct agent *a)
{
        return a->scrape && (a->scrape->cur || a->scrape->holding);
}

void scrape_free(struct agent *a)
{
        struct scrape *sc = a->scrape;

        if (!sc)
                return;
        if (sc->cur)
                read_done(a, sc->cur, false); /* joins the workers; waiting streams end */
        while (sc->holding) {
                sc->holding->failed = true; /* streams still sending end here */
                release_tasks(a, sc->holding);
        }
        loop_source_remove(sc->src);
        free(sc);
        a->scrape = NULL;
}
