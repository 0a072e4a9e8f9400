/* Helper for test_ledger's crash test: "ledger-crash STATE_DIR FIRST COUNT" writes records FIRST,
 * FIRST + 1, ... each in its own transaction, with a checkpoint of the next task before each record (as the
 * agent does), and prints "N\n" on stdout once record N is committed. The test SIGKILLs it at random moments.
 * The record for N is ledger_crash_record(N) in test_ledger.c: keep the two in step. */
#include "autoconfig.h"

#include <inttypes.h>

#include "ledger.h"

static const char *const tenants[] = { "acme", "beta", "gamma" };
static const char *const policies[] = { "web", "batch" };

static void make_record(unsigned i, struct ledger_record *r)
{
        ledger_record_init(r);
        snprintf(r->id, sizeof(r->id), "crash%06u", i);
        snprintf(r->name, sizeof(r->name), "job-%u", i);
        snprintf(r->policy, sizeof(r->policy), "%s", policies[i % ARRAY_SIZE(policies)]);
        snprintf(r->tenant, sizeof(r->tenant), "%s", tenants[i % ARRAY_SIZE(tenants)]);
        snprintf(r->command, sizeof(r->command), "[\"work\",\"%u\"]", i);
        r->start_ns = 1000000000ull * i;
        r->end_ns = r->start_ns + 1000ull * i + 7;
        r->cpu_user_ns = 3ull * i + 1;
        r->cpu_system_ns = 5ull * i + 2;
        r->cpu_ns = r->cpu_user_ns + r->cpu_system_ns;
        r->memory_peak_bytes = 4096ull * i;
        r->memory_byte_seconds = 11ull * i;
        r->io_read_bytes = 13ull * i;
        r->io_write_bytes = 17ull * i;
        r->net_rx_bytes = 19ull * i;
        r->net_tx_bytes = 23ull * i;
        r->oom_kills = i % 2;
        r->frozen_ns = 29ull * i;
        r->exit_known = true;
        r->exit_code = (int)(i % 256);
        r->adopted = i % 5 == 0;
}

int main(int argc, char **argv)
{
        struct ledger_record rec, next;
        struct ledger *l = NULL;
        unsigned first, count;
        char err[512];
        int r;

        if (argc != 4 || sscanf(argv[2], "%u", &first) != 1 || sscanf(argv[3], "%u", &count) != 1) {
                fprintf(stderr, "usage: %s STATE_DIR FIRST COUNT\n", argv[0]);
                return 2;
        }
        r = ledger_open(argv[1], &l, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "ledger-crash: %s\n", err);
                return 1;
        }
        for (unsigned i = first; i < first + count; i++) {
                char line[32];
                int len;

                make_record(i + 1, &next);
                next.end_ns = next.start_ns + 1; /* a checkpoint is a running task's usage so far */
                next.exit_known = false;
                r = ledger_checkpoint(l, &next);
                if (r < 0) {
                        fprintf(stderr, "ledger-crash: checkpoint %u: %s\n", i + 1, ledger_errmsg(l));
                        break;
                }
                make_record(i, &rec);
                r = ledger_record_task(l, &rec);
                if (r < 0) {
                        fprintf(stderr, "ledger-crash: record %u: %s\n", i, ledger_errmsg(l));
                        break;
                }
                len = snprintf(line, sizeof(line), "%u\n", i);
                if (write(STDOUT_FILENO, line, (size_t)len) != len) {
                        r = -EIO;
                        break;
                }
        }
        ledger_close(l);
        return r < 0 ? 1 : 0;
}
