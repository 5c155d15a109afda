/* Helpers of the end-to-end tests that run the tdxh command against real
 * guests (test_it_tdxh_boot, test_it_tdxh_run): the minimal image built
 * once, processes found by their command line, the JSON report read back,
 * and tdxh started in the background until a given process of its run is
 * up. */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <sys/types.h>

#include "run/child.h"

/* Builds images/minimal into WORK/image with its golden files; the path. */
char *it_build_image(const char *work);

/* The image of a test program, built once in the runner's process by the
 * unchecked fixture it_image_setup/it_image_teardown: it_work is a
 * temporary directory, it_image the image in it. */
extern char *it_image, *it_work;
void it_image_setup(void);
void it_image_teardown(void);

/* Processes anywhere on the machine whose command line mentions needle;
 * desc lists them ("[pid] cmdline "). */
int it_processes_mentioning(const char *needle, char *desc, size_t len);
/* The pid of the first such process, or 0. */
pid_t it_pid_mentioning(const char *needle);

/* DIR/NAME parsed as JSON; the test fails when it is missing. */
json_object *it_load_json(const char *dir, const char *name);

/* RUNDIR/report/report.json has a check with status error whose message
 * holds fragment (in any scenario). */
void it_assert_report_names_failure(const char *rundir, const char *fragment);

/* Starts `TDXH_BIN argv…` in the background with its output in log, and
 * returns once a process whose command line mentions needle runs (the test
 * fails when tdxh exits first or after two minutes). */
void it_start_tdxh(struct child *c, const char *const *argv, const char *log, const char *needle);
