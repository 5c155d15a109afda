/* The candidates `tdxh explain` computes from the inputs a user names
 * (predict/explain_compute.c), with the reference kernel: without --memory
 * the kernel is patched for every memory size that patches it differently,
 * so a boot with another memory size is recognised and the size named; and
 * each candidate says whether its file is the one the golden file records.
 * Skipped (77) without the reference kernel (scripts/reference-kernel.sh). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/hex.h"
#include "predict/explain_inputs.h"
#include "testutil.h"

/* The reference kernel patched for 1 GiB with an initrd of REF_INITRD_SIZE
 * bytes: the digest a boot with -m 1G measured (test_kernel_events.c). */
#define REF_PATCHED_1G \
        "00b862a873e6e6890473902e32ace275906f293e30e4d90c8c7cb779b0d8115c99fecc2aab20350e8024a1db0e97ef7f"
#define REF_INITRD_SIZE 1028398u

static char *ref_kernel;

static const struct explain_candidate *find(const struct explain_inputs *in, const char *variant)
{
        for (size_t i = 0; i < in->n; i++)
                if (in->v[i].variant && strcmp(in->v[i].variant, variant) == 0)
                        return &in->v[i];
        return NULL;
}

START_TEST(test_kernel_without_memory_sweeps_the_memory_size)
{
        char *dir = tmpdir_make(), *initrd = sparse_file(dir, "initrd.img", REF_INITRD_SIZE);
        struct golden g = { .memory = 2ull << 30 };
        struct explain_input_args a = { .kernel = ref_kernel, .initrd = initrd };
        struct explain_inputs in = EXPLAIN_INPUTS_INIT;
        const struct explain_candidate *c;
        struct tdxh_err e = { 0 };
        uint8_t want[48];

        ck_assert_int_eq(digest_file(DIGEST_SHA256, ref_kernel, g.kernel.sha256, NULL, &e), 0);
        g.kernel.have_sha256 = true;
        ck_assert_msg(explain_inputs_compute(&a, &g, &in, &e) == 0, "%s", e.msg);
        /* The golden file's size, then each size below 4 GiB that differs. */
        c = find(&in, "patched header, memory 2G, initrd of 1028398 bytes");
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(c->memory, 2ull << 30);
        c = find(&in, "patched header, memory 1G, initrd of 1028398 bytes");
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(c->memory, 1ull << 30);
        ck_assert_int_eq(c->golden_file, 1);
        ck_assert_int_eq(hex_decode_exact(REF_PATCHED_1G, want, 48), 0);
        ck_assert_mem_eq(c->digest, want, 48);
        /* 3G and 4G leave 2 GiB below 4 GiB, as 2G does: not computed again. */
        ck_assert_ptr_null(find(&in, "patched header, memory 3G or more, initrd of 1028398 bytes"));
        ck_assert_ptr_null(find(&in, "patched header, memory 4G or more, initrd of 1028398 bytes"));
        ck_assert_ptr_nonnull(find(&in, "patched header, memory 2560M, initrd of 1028398 bytes"));
        ck_assert_ptr_nonnull(find(&in, "unpatched"));
        explain_inputs_free(&in);
        tmpdir_remove(dir);
        free(initrd);
}
END_TEST

START_TEST(test_kernel_other_than_the_golden_files_says_so)
{
        char *dir = tmpdir_make(), *initrd = sparse_file(dir, "initrd.img", REF_INITRD_SIZE);
        struct golden g = { .memory = 2ull << 30 };
        struct explain_input_args a = { .kernel = ref_kernel, .initrd = initrd };
        struct explain_inputs in = EXPLAIN_INPUTS_INIT;
        struct tdxh_err e = { 0 };
        size_t kernels = 0;

        /* The golden file records another kernel: the candidates say so. */
        memset(g.kernel.sha256, 0x11, sizeof(g.kernel.sha256));
        g.kernel.have_sha256 = true;
        ck_assert_msg(explain_inputs_compute(&a, &g, &in, &e) == 0, "%s", e.msg);
        for (size_t i = 0; i < in.n; i++) {
                if (strcmp(in.v[i].what, "kernel") != 0)
                        continue;
                kernels++;
                ck_assert_int_eq(in.v[i].golden_file, 0);
        }
        /* unpatched, the golden file's 2G, then 256M, 512M, 768M, 1G,
         * 1536M and 2560M (3G and 4G patch it as 2G does) */
        ck_assert_uint_eq(kernels, 8);
        explain_inputs_free(&in);
        tmpdir_remove(dir);
        free(initrd);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("explain_inputs");
        TCase *tc = tcase_create("explain_inputs");
        int status;

        ref_kernel = reference_kernel_path();
        if (!ref_kernel)
                return 77;
        tcase_add_test(tc, test_kernel_without_memory_sweeps_the_memory_size);
        tcase_add_test(tc, test_kernel_other_than_the_golden_files_says_so);
        suite_add_tcase(s, tc);
        status = run_suite(s);
        free(ref_kernel);
        return status;
}
