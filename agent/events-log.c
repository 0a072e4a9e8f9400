/* The pure parts of the events module: the ring of recent events, their JSON, counter deltas, PSI trigger
 * strings. No cgroup or loop access here, so unit tests link this alone. */
#include <inttypes.h>

#include "events.h"
#include "util.h"

const char *event_kind_name(enum event_kind k)
{
        static const char *const names[] = {
                [EVENT_OOM] = "oom",
                [EVENT_OOM_KILL] = "oom_kill",
                [EVENT_PRESSURE] = "pressure",
        };

        return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}

const char *psi_resource_name(enum psi_resource r)
{
        static const char *const names[] = { [PSI_CPU] = "cpu", [PSI_MEMORY] = "memory", [PSI_IO] = "io" };

        return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

int event_ring_init(struct event_ring *r, size_t cap)
{
        *r = (struct event_ring){ .next_seq = 1 };
        if (cap == 0)
                return -EINVAL;
        r->items = calloc(cap, sizeof(*r->items));
        if (!r->items)
                return -ENOMEM;
        r->cap = cap;
        return 0;
}

void event_ring_free(struct event_ring *r)
{
        free(r->items);
        *r = (struct event_ring){ .next_seq = 1 };
}

const struct event *event_ring_push(struct event_ring *r, const struct event *e)
{
        struct event *slot;

        if (r->n == r->cap) {
                r->start = (r->start + 1) % r->cap;
                r->n--;
        }
        slot = &r->items[(r->start + r->n) % r->cap];
        *slot = *e;
        slot->seq = r->next_seq++;
        r->n++;
        return slot;
}

const struct event *event_ring_next(const struct event_ring *r, uint64_t after)
{
        uint64_t oldest = r->next_seq - r->n;

        if (r->n == 0 || after >= r->next_seq - 1)
                return NULL;
        /* seqs in the ring are contiguous: the index follows from the seq */
        if (after < oldest)
                after = oldest - 1;
        return &r->items[(r->start + (after + 1 - oldest)) % r->cap];
}

struct json_object *event_to_json(const struct event *e)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "seq", json_object_new_int64((int64_t)e->seq));
        json_object_object_add(o, "time", json_object_new_double((double)e->time_ns / 1e9));
        json_object_object_add(o, "task", e->task[0] ? json_object_new_string(e->task) : NULL);
        json_object_object_add(o, "name", e->name[0] ? json_object_new_string(e->name) : NULL);
        json_object_object_add(o, "policy", json_object_new_string(e->policy));
        json_object_object_add(o, "tenant", json_object_new_string(e->tenant));
        json_object_object_add(o, "kind", json_object_new_string(event_kind_name(e->kind)));
        json_object_object_add(o, "resource", json_object_new_string(psi_resource_name(e->resource)));
        json_object_object_add(
            o, "level", e->kind == EVENT_PRESSURE ? json_object_new_string(e->full ? "full" : "some") : NULL);
        json_object_object_add(o, "action", json_object_new_string(policy_action_name(e->action)));
        json_object_object_add(o, "detail", json_object_new_string(e->detail));
        return o;
}

int event_to_line(const struct event *e, char *buf, size_t n)
{
        struct json_object *o = event_to_json(e);
        const char *s;
        size_t len;

        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                              &len);
        if (!s || len + 2 > n) {
                json_object_put(o);
                return s ? -ENOBUFS : -ENOMEM;
        }
        memcpy(buf, s, len);
        buf[len++] = '\n';
        buf[len] = '\0';
        json_object_put(o);
        return (int)len;
}

/* The value of the line "key N" in a flat-keyed cgroup file; -ENOENT when the key is missing. */
static int flat_key(const char *text, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                char *end;
                unsigned long long v;

                if (strncmp(p, key, klen) != 0 || p[klen] != ' ')
                        continue;
                errno = 0;
                v = strtoull(p + klen + 1, &end, 10);
                if (errno || end == p + klen + 1 || (*end && *end != '\n'))
                        return -EINVAL;
                *ret = v;
                return 0;
        }
        return -ENOENT;
}

int events_parse_oom_control(const char *text, struct oom_counts *ret)
{
        uint64_t under, kill;
        int r;

        r = flat_key(text, "under_oom", &under);
        if (r < 0)
                return r;
        /* oom_kill appeared in 4.13; older kernels only say under_oom */
        r = flat_key(text, "oom_kill", &kill);
        if (r == -ENOENT)
                kill = 0;
        else if (r < 0)
                return r;
        *ret = (struct oom_counts){ .kill = kill, .under_oom = under != 0 };
        return 0;
}

int events_parse_memory_events(const char *text, struct oom_counts *ret)
{
        uint64_t oom, kill;
        int r;

        r = flat_key(text, "oom", &oom);
        if (r < 0)
                return r;
        r = flat_key(text, "oom_kill", &kill);
        if (r < 0)
                return r;
        *ret = (struct oom_counts){ .oom = oom, .kill = kill };
        return 0;
}

#define EVENTS_MAX_PER_WAKEUP 10000u /* the ring's size: more would only push older events out */

static unsigned delta(uint64_t old, uint64_t now)
{
        if (now <= old)
                return 0;
        return now - old > EVENTS_MAX_PER_WAKEUP ? EVENTS_MAX_PER_WAKEUP : (unsigned)(now - old);
}

unsigned events_oom_kills(const struct oom_counts *old, const struct oom_counts *now)
{
        return delta(old->kill, now->kill);
}

unsigned events_oom_unkilled(const struct oom_counts *settled, const struct oom_counts *now, bool v1)
{
        unsigned kills = delta(settled->kill, now->kill), ooms;

        if (v1)
                return now->under_oom && !settled->under_oom && kills == 0 ? 1 : 0;
        ooms = delta(settled->oom, now->oom);
        return ooms > kills ? ooms - kills : 0;
}

#define PSI_WINDOW_STEP_US 2000000ull

uint64_t events_psi_window(uint64_t window_us, bool cap_sys_resource)
{
        if (cap_sys_resource || window_us % PSI_WINDOW_STEP_US == 0)
                return window_us;
        return (window_us / PSI_WINDOW_STEP_US + 1) * PSI_WINDOW_STEP_US;
}

int events_psi_trigger_string(const struct policy_trigger *tr, uint64_t window_us, char *buf, size_t n)
{
        int len;

        if (tr->stall_us == 0 || tr->stall_us > window_us)
                return -EINVAL;
        len =
            snprintf(buf, n, "%s %" PRIu64 " %" PRIu64, tr->full ? "full" : "some", tr->stall_us, window_us);
        return len < 0 || (size_t)len >= n ? -ENOBUFS : 0;
}

bool events_status_has_cap_sys_resource(const char *status_text)
{
        const char *p = strstr(status_text, "\nCapEff:");
        unsigned long long caps;
        char *end;

        if (!p)
                return false;
        errno = 0;
        caps = strtoull(p + strlen("\nCapEff:"), &end, 16);
        if (errno || end == p + strlen("\nCapEff:"))
                return false;
        return caps & (1ull << 24);
}

const char *events_pressure_level(bool full)
{
        return full ? "critical" : "medium";
}
