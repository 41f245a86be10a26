/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tscns-abi: the PKCS#11 ABI suite. Usage: tscns-abi [--module FILE] [GROUP...]
 * Groups: init slots sessions mechanisms token objects login operations sign removal threads
 * processes; "basic" = init..operations, "all" = every group except removal (default). The
 * removal group starts the virtual card itself, so no other card may be in the reader then. */
#define _GNU_SOURCE
#include "abi.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const AbiGroup* const groups[] = {
    &abi_group_init,
    &abi_group_slots,
    &abi_group_sessions,
    &abi_group_mechanisms,
    &abi_group_token,
    &abi_group_objects,
    &abi_group_login,
    &abi_group_operations,
    &abi_group_sign,
    &abi_group_threads,
    &abi_group_processes,
    &abi_group_removal,
};
#define GROUP_COUNT (sizeof groups / sizeof groups[0])
#define BASIC_COUNT 8 /* init .. operations */

static const char* env_or(const char* name, const char* fallback)
{
    const char* v = getenv(name);
    return v != NULL && *v != 0 ? v : fallback;
}

static void usage(void)
{
    fprintf(stderr, "usage: tscns-abi [--module FILE] [GROUP...]\ngroups:");
    for (size_t i = 0; i < GROUP_COUNT; i++)
        fprintf(stderr, " %s", groups[i]->name);
    fprintf(stderr, " basic all\n");
}

int main(int argc, char** argv)
{
    abi_env.module = env_or("TSCNS_MODULE", NULL);
    abi_env.pin = env_or("TSCNS_PIN", "");
    abi_env.puk = env_or("TSCNS_PUK", "");
    abi_env.cert_path = env_or("TSCNS_CERT", "");
    abi_env.card_dir = env_or("TSCNS_CARD_DIR", "");
    abi_env.card_id = env_or("TSCNS_CARD_ID", "");
    abi_env.given_name = env_or("TSCNS_GIVEN_NAME", "");
    abi_env.surname = env_or("TSCNS_SURNAME", "");
    abi_env.dati_path = env_or("TSCNS_DATI_PERSONALI", "");
    abi_env.vcard = env_or("TSCNS_VCARD", "");
    abi_env.reader = env_or("TSCNS_READER", "Virtual PCD 00 00");
    abi_env.tmp = env_or("TSCNS_ABI_TMP", env_or("TMPDIR", "/tmp"));
    abi_env.vpcd_port = atoi(env_or("TSCNS_VPCD_PORT", "35963"));

    /* A child that died early must not kill the suite when the parent writes to its pipe. */
    signal(SIGPIPE, SIG_IGN);
    int selected[GROUP_COUNT] = { 0 };
    int any = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--module") == 0 && i + 1 < argc) {
            abi_env.module = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else if (strcmp(argv[i], "all") == 0) {
            for (size_t g = 0; g < GROUP_COUNT; g++)
                selected[g] |= groups[g] != &abi_group_removal;
            any = 1;
        } else if (strcmp(argv[i], "basic") == 0) {
            for (size_t g = 0; g < BASIC_COUNT; g++)
                selected[g] = 1;
            any = 1;
        } else {
            size_t g = 0;
            while (g < GROUP_COUNT && strcmp(groups[g]->name, argv[i]) != 0)
                g++;
            if (g == GROUP_COUNT) {
                fprintf(stderr, "unknown group '%s'\n", argv[i]);
                usage();
                return 2;
            }
            selected[g] = 1;
            any = 1;
        }
    }
    if (!any)
        for (size_t g = 0; g < GROUP_COUNT; g++)
            selected[g] = groups[g] != &abi_group_removal;
    if (abi_env.module == NULL) {
        fprintf(stderr, "no module: set TSCNS_MODULE or pass --module FILE\n");
        return 2;
    }
    if (*abi_env.pin == 0 || *abi_env.cert_path == 0) {
        fprintf(stderr, "TSCNS_PIN and TSCNS_CERT must describe the test card (see run_abi.sh)\n");
        return 2;
    }
    if (cert_load() != 0) {
        fprintf(stderr, "cannot load the RSA certificate TSCNS_CERT=%s\n", abi_env.cert_path);
        return 2;
    }
    if (abi_load_module() != 0) return 2;
    printf("module %s, card %s (%d-bit RSA), reader '%s'\n", abi_env.module, abi_env.card_id,
        cert_bits(), abi_env.reader);

    int failed = 0;
    for (size_t g = 0; g < GROUP_COUNT; g++) {
        if (!selected[g]) continue;
        const AbiGroup* grp = groups[g];
        printf("\n=== group %s ===\n", grp->name);
        fflush(stdout);
        int f
            = _cmocka_run_group_tests(grp->name, grp->tests, grp->count, grp->setup, grp->teardown);
        if (f != 0) printf("=== group %s: %d failed ===\n", grp->name, f);
        failed += f;
    }
    abi_finalize_quiet();
    printf("\n%s: %d failed test(s)\n", failed ? "FAILED" : "PASSED", failed);
    return failed > 100 ? 100 : failed;
}
