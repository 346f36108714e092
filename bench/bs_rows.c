/*
 * bs_rows.c -- the version rows of the SQL peers: for one generated
 * event, every version credo holds after bench_scale's build (the record,
 * then a correction, repair or retraction of the history pass, or the
 * versions of a deep history), with the same transaction times, so that
 * SQLite and PostgreSQL can load the final history in one bulk pass.
 *
 * Does not: write anything (the peers do, in their own bulk path).
 */
#include <string.h>

#include "bs.h"

const char *const BS_OPS[5] = {"", "record", "correct", "repair", "retract"};

static void deep_rows(const bs_row *first, int i, bs_row_fn fn, void *arg) {
  char data[128];
  bs_row r = *first;
  int last = BS_DEEP_VERSIONS[i];
  r.superseded = last > 1 ? bs_deep_time(i, 2) : CREDO_TIME_OPEN;
  fn(arg, &r);
  for (int j = 2; j <= last; j++) {
    bs_deep_data(j, data, sizeof data);
    r.version = (uint32_t)j;
    r.op = CREDO_OP_CORRECT;
    r.data = data;
    r.reason = "deep";
    r.recorded = bs_deep_time(i, j);
    r.superseded = j < last ? bs_deep_time(i, j + 1) : CREDO_TIME_OPEN;
    fn(arg, &r);
  }
}

/* The second version a fate makes, or 0 when it makes none. */
static int fate_row(const bs_event *e, int fate, bs_row *r, char *data,
                    size_t n) {
  r->version = 2;
  r->op = fate == BS_FATE_CORRECT  ? CREDO_OP_CORRECT
          : fate == BS_FATE_REPAIR ? CREDO_OP_REPAIR
                                   : CREDO_OP_RETRACT;
  if (fate == BS_FATE_CORRECT) {
    bs_corrected(e->data, data, n);
    r->data = data;
    r->reason = "异议处理: 更正";
  } else if (fate == BS_FATE_REPAIR) {
    if (!bs_repairable(e->type, e->from, e->until, BS_T_VERS))
      return 0;
    r->until = BS_T_VERS;
    r->reason = "信用修复";
  } else {
    r->retracted = 1;
    r->reason = "录入错误";
  }
  return 1;
}

void bs_event_rows(const bs_plan *p, const bs_event *e, uint64_t *fated,
                   bs_row_fn fn, void *arg) {
  char data[512];
  bs_row v1 = {e,
               1,
               CREDO_OP_RECORD,
               0,
               e->until,
               bs_tx(BS_T_BUILD, (e->id - 1) / (uint64_t)p->build_batch),
               CREDO_TIME_OPEN,
               e->data,
               NULL};
  bs_row v2 = v1;
  int fate = bs_fate(p, e->id);
  for (int i = 0; i < 3; i++)
    if (e->id == p->deep[i]) {
      deep_rows(&v1, i, fn, arg);
      return;
    }
  if (fate != BS_FATE_NONE) {
    v2.recorded = bs_tx(BS_T_VERS, (*fated)++ / BS_VERS_BATCH);
    if (fate_row(e, fate, &v2, data, sizeof data))
      v1.superseded = v2.recorded;
  }
  fn(arg, &v1);
  if (v1.superseded != CREDO_TIME_OPEN)
    fn(arg, &v2);
}

void bs_slice_rows(const bs_event *ev, size_t n, uint64_t k, bs_row_fn fn,
                   void *arg) {
  bs_row r = {
      NULL, 1,   CREDO_OP_RECORD, 0, 0, bs_tx(BS_T_SLICE, k), CREDO_TIME_OPEN,
      NULL, NULL};
  for (size_t i = 0; i < n; i++) {
    r.e = &ev[i];
    r.until = ev[i].until;
    r.data = ev[i].data;
    fn(arg, &r);
  }
}
