/* GET /v1/events: the recent events as a JSON array (?since=SEQ: only newer ones, ?limit=N), or with
 * ?follow=1 a stream of one JSON object per line, sent as events happen, until the client goes. */
#include "events-internal.h"
#include "http.h"
#include "log.h"
#include "parse.h"

#define EVENTS_FOLLOW_CHECK_US (2 * 1000000ull) /* how often sleeping followers look for a client gone */
#define EVENTS_MAX_FOLLOWERS   64

struct events_follower {
        struct agent *agent;
        uint64_t last_seq;
        char line[2048];
        size_t len, off; /* the part of line not sent yet */
};

static int on_follow_check(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct agent *a = userdata;

        if (a->http)
                http_server_wake(a->http);
        return 0;
}

static ssize_t follower_read(void *cls, char *buf, size_t max)
{
        struct events_follower *f = cls;
        const struct event_ring *ring = events_ring(f->agent);
        size_t n = 0;

        if (!ring)
                return -1;
        while (n < max) {
                size_t k;

                if (f->off == f->len) {
                        const struct event *e = event_ring_next(ring, f->last_seq);
                        int len;

                        if (!e)
                                break;
                        f->last_seq = e->seq;
                        len = event_to_line(e, f->line, sizeof(f->line));
                        if (len < 0)
                                continue;
                        f->len = (size_t)len;
                        f->off = 0;
                }
                k = f->len - f->off < max - n ? f->len - f->off : max - n;
                memcpy(buf + n, f->line + f->off, k);
                f->off += k;
                n += k;
        }
        return (ssize_t)n;
}

static void follower_free(void *cls)
{
        struct events_follower *f = cls;
        struct events *ev = f->agent->events;

        if (ev && --ev->n_followers == 0) {
                loop_source_remove(ev->follow_timer);
                ev->follow_timer = NULL;
        }
        free(f);
}

static int events_follow(struct agent *a, uint64_t since, bool since_given, struct http_response *resp)
{
        struct events *ev = a->events;
        struct events_follower *f;
        int r;

        if (ev->n_followers >= EVENTS_MAX_FOLLOWERS)
                return http_reply_error(resp, 429, "too many followers (at most %d)", EVENTS_MAX_FOLLOWERS);
        if (!ev->follow_timer) {
                r = loop_add_timer(a->loop, EVENTS_FOLLOW_CHECK_US, on_follow_check, a, &ev->follow_timer);
                if (r < 0)
                        return r;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        /* without since=, only what happens from now on */
        *f = (struct events_follower){ .agent = a, .last_seq = since_given ? since : ev->ring.next_seq - 1 };
        ev->n_followers++;
        free(resp->body);
        *resp = (struct http_response){
                .status = 200,
                .content_type = "application/x-ndjson",
                .stream = { .read = follower_read, .free = follower_free, .cls = f },
        };
        return 0;
}

static int parse_u64_arg(const struct http_request *req, const char *key, uint64_t *ret, bool *ret_given)
{
        const char *v = http_query(req, key);
        char *end;

        *ret_given = v != NULL;
        if (!v)
                return 0;
        errno = 0;
        *ret = strtoull(v, &end, 10);
        if (errno || end == v || *end || *v == '-')
                return -EINVAL;
        return 0;
}

int route_events(struct agent *a, const struct http_request *req, const char *arg, struct http_response *resp)
{
        const struct event_ring *ring = events_ring(a);
        uint64_t since = 0, limit = EVENTS_RING_DEFAULT;
        bool since_given, limit_given;
        const char *follow = http_query(req, "follow");
        struct json_object *arr;

        if (!ring)
                return http_reply_error(resp, 503, "the events module is not running");
        if (parse_u64_arg(req, "since", &since, &since_given) < 0)
                return http_reply_error(resp, 400, "since: expected an event number (seq), got '%s'",
                                        http_query(req, "since"));
        if (parse_u64_arg(req, "limit", &limit, &limit_given) < 0 || limit == 0)
                return http_reply_error(resp, 400, "limit: expected a positive number, got '%s'",
                                        http_query(req, "limit"));
        if (follow && !streq(follow, "1") && !streq(follow, "0") && !streq(follow, "true") &&
            !streq(follow, "false"))
                return http_reply_error(resp, 400, "follow: expected 1 or 0, got '%s'", follow);
        if (follow && (streq(follow, "1") || streq(follow, "true")))
                return events_follow(a, since, since_given, resp);
        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        for (const struct event *e = event_ring_next(ring, since); e && limit > 0;
             e = event_ring_next(ring, e->seq), limit--) {
                struct json_object *o = event_to_json(e);

                if (!o) {
                        json_object_put(arr);
                        return -ENOMEM;
                }
                json_object_array_add(arr, o);
        }
        return http_reply_json(resp, 200, arr);
}
