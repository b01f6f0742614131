/* A busy loop under SCHED_IDLE, the scheduling class of Steward's bcrypt threads: the control load of part 2c of
 * scripts/bench/run.sh. It runs no Steward code, so the static file's latency beside it shows what this machine's
 * scheduler does to a request while every core computes at the lowest priority.
 * Usage: idle-hog (runs until killed). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

int main(void) {
    struct sched_param param = {0};
    if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) {
        perror("sched_setscheduler(SCHED_IDLE)");
        return 1;
    }
    volatile unsigned long x = 0;
    for (unsigned long i = 0;; i++) x += i * 2654435761u;
}
