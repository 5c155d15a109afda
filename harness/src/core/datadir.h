/* Where tdxh's data files are: the scenario library (the YAML files of
 * scenarios/) and the golden files of the reference image for each platform profile
 * (images/minimal/golden/PROFILE.json), laid out below the data directory as
 * they are in the source tree, so that one relative path names a file in a
 * clone and in an installed tdxh alike.
 *
 * The data directory is, first that exists:
 *   1. $TDXH_DATADIR, when set and not empty (the user's choice);
 *   2. the source tree, when the running program is inside the build tree
 *      it was built in: a clone finds its own files, edited ones included;
 *   3. DATADIR/tdxh beside the program: BINDIR/../share/tdxh for the
 *      default layout, so that an installed tree that was moved or unpacked
 *      elsewhere (dpkg -x, DESTDIR) finds its own files;
 *   4. DATADIR/tdxh where `cmake --install` puts it
 *      (CMAKE_INSTALL_FULL_DATADIR/tdxh, /usr/share/tdxh in the package).
 * The paths of 2-4 are compiled in (harness/src/CMakeLists.txt). */
#pragma once

#include "core/err.h"

/* The data directory, malloc'd (the caller frees it). -ENOENT with a message
 * naming the places looked at when none exists; -ENOMEM. */
int datadir_find(char **ret, struct tdxh_err *e);

/* The path of rel (e.g. "scenarios/tpm-seal.yaml") in the data directory,
 * malloc'd; it is not checked that the file exists. Errors as above. */
int datadir_path(const char *rel, char **ret, struct tdxh_err *e);
