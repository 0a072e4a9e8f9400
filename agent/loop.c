#include "loop.h"

#include <sys/timerfd.h>

#include "log.h"
#include "util.h"

#define LOOP_MAX_PREPARE 8
#define LOOP_MAX_EVENTS  64

struct loop_source {
        struct loop *loop;
        int fd;
        bool owns_fd;
        bool removed;
        bool is_timer;
        loop_fd_fn fn;
        void *userdata;
        struct loop_source *next_dead;
        struct loop_source *prev, *next; /* every live source, so loop_free() frees what is left */
};

struct loop {
        int epfd;
        bool quit;
        int code;
        struct loop_source *dead; /* removed during dispatch, freed after it */
        struct loop_source *live;
        struct {
                loop_prepare_fn fn;
                void *userdata;
        } prepare[LOOP_MAX_PREPARE];
        size_t n_prepare;
};

int loop_new(struct loop **ret)
{
        struct loop *l = calloc(1, sizeof(*l));

        if (!l)
                return -ENOMEM;
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epfd < 0) {
                int r = -errno;

                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

static void loop_free_dead(struct loop *l)
{
        while (l->dead) {
                struct loop_source *s = l->dead;

                l->dead = s->next_dead;
                free(s);
        }
}

void loop_free(struct loop *l)
{
        if (!l)
                return;
        while (l->live)
                loop_source_remove(l->live);
        loop_free_dead(l);
        close(l->epfd);
        free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, bool owns_fd, loop_fd_fn fn, void *userdata,
                struct loop_source **ret)
{
        struct loop_source *s = calloc(1, sizeof(*s));
        struct epoll_event ev = { .events = events };

        if (!s)
                return -ENOMEM;
        *s = (struct loop_source){ .loop = l, .fd = fd, .owns_fd = owns_fd, .fn = fn, .userdata = userdata };
        ev.data.ptr = s;
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = -errno;

                free(s);
                return r;
        }
        s->next = l->live;
        if (l->live)
                l->live->prev = s;
        l->live = s;
        if (ret)
                *ret = s;
        return 0;
}

int loop_source_set_events(struct loop_source *s, uint32_t events)
{
        struct epoll_event ev = { .events = events, .data.ptr = s };

        return epoll_ctl(s->loop->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

void loop_source_remove(struct loop_source *s)
{
        if (!s || s->removed)
                return;
        s->removed = true;
        if (s->prev)
                s->prev->next = s->next;
        else
                s->loop->live = s->next;
        if (s->next)
                s->next->prev = s->prev;
        epoll_ctl(s->loop->epfd, EPOLL_CTL_DEL, s->fd, NULL);
        if (s->owns_fd)
                close(s->fd);
        s->fd = -1;
        s->next_dead = s->loop->dead;
        s->loop->dead = s;
}

int loop_source_fd(const struct loop_source *s)
{
        return s->fd;
}

int loop_add_timer(struct loop *l, uint64_t interval_us, loop_fd_fn fn, void *userdata,
                   struct loop_source **ret)
{
        struct itimerspec its = {
                .it_interval = { .tv_sec = (time_t)(interval_us / 1000000),
                                 .tv_nsec = (long)(interval_us % 1000000) * 1000 },
        };
        struct loop_source *s;
        int fd, r;

        its.it_value = its.it_interval;
        fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (timerfd_settime(fd, 0, &its, NULL) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        r = loop_add_fd(l, fd, EPOLLIN, true, fn, userdata, &s);
        if (r < 0) {
                close(fd);
                return r;
        }
        s->is_timer = true;
        if (ret)
                *ret = s;
        return 0;
}

int loop_add_prepare(struct loop *l, loop_prepare_fn fn, void *userdata)
{
        if (l->n_prepare == LOOP_MAX_PREPARE)
                return -ENOSPC;
        l->prepare[l->n_prepare].fn = fn;
        l->prepare[l->n_prepare].userdata = userdata;
        l->n_prepare++;
        return 0;
}

static int loop_timeout(struct loop *l)
{
        int timeout = -1;

        for (size_t i = 0; i < l->n_prepare; i++) {
                int t = l->prepare[i].fn(l->prepare[i].userdata);

                if (t >= 0 && (timeout < 0 || t < timeout))
                        timeout = t;
        }
        return timeout;
}

static void loop_dispatch(struct loop_source *s, uint32_t events)
{
        int r;

        if (s->removed)
                return;
        if (s->is_timer) {
                uint64_t expirations;

                if (read(s->fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
                        return;
        }
        r = s->fn(s, s->fd, events, s->userdata);
        if (r < 0 && r != -EAGAIN)
                log_debug("event source fd %d: %s", s->fd, strerror(-r));
}

int loop_run(struct loop *l)
{
        struct epoll_event events[LOOP_MAX_EVENTS];

        while (!l->quit) {
                int n = epoll_wait(l->epfd, events, LOOP_MAX_EVENTS, loop_timeout(l));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(-errno, "epoll_wait failed");
                }
                for (int i = 0; i < n; i++)
                        loop_dispatch(events[i].data.ptr, events[i].events);
                loop_free_dead(l);
        }
        return l->code;
}

void loop_quit(struct loop *l, int code)
{
        l->quit = true;
        l->code = code;
}
