/* Process checks shared by the run-layer tests: what is left of the
 * processes a test started, read from /proc. Tests make themselves a child
 * subreaper, so anything their children leave behind (orphans, zombies)
 * shows up as a child of the test process and is counted here. */
#pragma once

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Reads comm, state, ppid and pgrp of pid; returns 0 on success. */
static inline int proc_stat_read(pid_t pid, char comm[64], char *state, pid_t *ppid,
                                 pid_t *pgrp)
{
        char path[64], line[1024], *open_paren, *close_paren;
        int pp = 0, pg = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        if (!fgets(line, sizeof(line), f)) {
                fclose(f);
                return -1;
        }
        fclose(f);
        open_paren = strchr(line, '(');
        close_paren = strrchr(line, ')');
        if (!open_paren || !close_paren || close_paren < open_paren)
                return -1;
        snprintf(comm, 64, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
        if (sscanf(close_paren + 2, "%c %d %d", state, &pp, &pg) != 3)
                return -1;
        *ppid = pp;
        *pgrp = pg;
        return 0;
}

/* Counts processes whose parent is ppid (pgrp < 0) or whose process group
 * is pgrp (ppid < 0), zombies included, and lists them into desc. */
static inline int proc_count(pid_t ppid, pid_t pgrp, char *desc, size_t desc_len)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        int count = 0;
        size_t used = 0;

        if (desc_len)
                desc[0] = '\0';
        if (!d)
                return -1;
        while ((de = readdir(d))) {
                char comm[64], state;
                pid_t pp, pg, pid;

                if (!isdigit((unsigned char)de->d_name[0]))
                        continue;
                pid = (pid_t)strtol(de->d_name, NULL, 10);
                if (proc_stat_read(pid, comm, &state, &pp, &pg) < 0)
                        continue;
                if ((ppid >= 0 && pp != ppid) || (pgrp >= 0 && pg != pgrp))
                        continue;
                count++;
                if (used + 1 < desc_len)
                        used += (size_t)snprintf(desc + used, desc_len - used, "%d(%s,%c) ",
                                                 (int)pid, comm, state);
                if (used >= desc_len)
                        used = desc_len - 1;
        }
        closedir(d);
        return count;
}
