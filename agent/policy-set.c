/* The set of policies in force: every *.ini of the policy directory, or the built-in default. */
#include "policy.h"

#include <fcntl.h>
#include <sys/stat.h>

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static bool is_policy_file(int dfd, const struct dirent *de)
{
        size_t len = strlen(de->d_name);
        struct stat st;

        if (de->d_name[0] == '.' || len <= 4 || !streq(de->d_name + len - 4, ".ini"))
                return false;
        if (de->d_type == DT_REG)
                return true;
        /* a symlink (as config management makes) or a file system without d_type */
        return (de->d_type == DT_LNK || de->d_type == DT_UNKNOWN) && fstatat(dfd, de->d_name, &st, 0) == 0 &&
               S_ISREG(st.st_mode);
}

/* The sorted names of the policy files in dir; at most POLICY_DIR_MAX. */
static int list_policy_files(const char *dir, char ***ret_names, size_t *ret_n, struct diag_list *diag)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!d) {
                int r = -errno;

                return diag_add(diag, dir, 0, "cannot open policy directory: %s", strerror(-r)) ?: r;
        }
        names = calloc(POLICY_DIR_MAX, sizeof(*names));
        if (!names)
                return -ENOMEM;
        while ((errno = 0, de = readdir(d))) {
                if (!is_policy_file(dirfd(d), de))
                        continue;
                if (n == POLICY_DIR_MAX) {
                        free_names(names, n);
                        return diag_add(diag, dir, 0, "too many policy files (at most %d)", POLICY_DIR_MAX)
                                   ?: -EINVAL;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        free_names(names, n);
                        return -ENOMEM;
                }
                n++;
        }
        if (errno) {
                int r = -errno;

                free_names(names, n);
                return diag_add(diag, dir, 0, "cannot read policy directory: %s", strerror(-r)) ?: r;
        }
        qsort(names, n, sizeof(*names), cmp_names);
        *ret_names = names;
        *ret_n = n;
        return 0;
}

/* Parse every file, reporting all errors; items holds the good ones. Returns 0, -EINVAL or a fatal error. */
static int load_files(const char *dir, char **names, size_t n, const struct policy_host *host,
                      struct policy *items, size_t *ret_n, struct diag_list *diag)
{
        size_t good = 0;
        bool failed = false;

        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(dir);
                _cleanup_free_ char *path = strjoin(dir, len > 0 && dir[len - 1] == '/' ? "" : "/", names[i]);
                int r;

                if (!path)
                        return -ENOMEM;
                r = policy_parse_file(path, host, &items[good], diag);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        failed = true;
                        continue;
                }
                for (size_t j = 0; j < good; j++)
                        if (streq(items[j].name, items[good].name)) {
                                r = diag_add(diag, path, 0, "policy name '%s' already defined in %s",
                                             items[good].name, items[j].file);
                                if (r < 0)
                                        return r;
                                failed = true;
                                break; /* name the first definition only */
                        }
                good++;
        }
        *ret_n = good;
        return failed ? -EINVAL : 0;
}

int policy_set_load(const char *dir, const struct policy_host *host, struct policy_set *ret,
                    struct diag_list *diag)
{
        _cleanup_free_ struct policy *items = NULL;
        char **names = NULL;
        size_t n = 0, good = 0;
        int r;

        r = list_policy_files(dir, &names, &n, diag);
        if (r < 0)
                return r;
        items = calloc(n ?: 1, sizeof(*items));
        if (!items) {
                free_names(names, n);
                return -ENOMEM;
        }
        r = load_files(dir, names, n, host, items, &good, diag);
        free_names(names, n);
        if (r < 0)
                return r;
        if (good == 0)
                return policy_set_builtin(ret); /* items is freed on return */
        *ret = (struct policy_set){ .items = TAKE_PTR(items), .n = good };
        return 0;
}

int policy_set_builtin(struct policy_set *ret)
{
        struct policy *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        policy_init(p, "default");
        snprintf(p->file, sizeof(p->file), "<builtin>");
        *ret = (struct policy_set){ .items = p, .n = 1 };
        return 0;
}

const struct policy *policy_set_find(const struct policy_set *set, const char *name)
{
        for (size_t i = 0; i < set->n; i++)
                if (streq(set->items[i].name, name))
                        return &set->items[i];
        return NULL;
}

void policy_set_free(struct policy_set *set)
{
        if (!set)
                return;
        free(set->items);
        *set = (struct policy_set){ 0 };
}

struct policy_box {
        unsigned refs;
        struct policy p;
};

const struct policy *policy_share(const struct policy *p)
{
        struct policy_box *b = malloc(sizeof(*b));

        if (!b)
                return NULL;
        b->refs = 1;
        b->p = *p;
        return &b->p;
}

const struct policy *policy_ref(const struct policy *p)
{
        if (p)
                container_of(p, struct policy_box, p)->refs++;
        return p;
}

const struct policy *policy_unref(const struct policy *p)
{
        struct policy_box *b;

        if (!p)
                return NULL;
        b = container_of(p, struct policy_box, p);
        if (--b->refs == 0)
                free(b);
        return NULL;
}
