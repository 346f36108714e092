/*
 * test_backend_table.c -- the two real backend tables (api/backend.h) are
 * complete: every entry of the local table (engine/local.c) and of the
 * remote table (remote/cl_backend.c) is set, except the entries listed
 * below as NULL on purpose, and for each of those the public function
 * gives its documented answer (CREDO_NOTSUP naming the call and the
 * backend, or the documented neutral value).
 *
 * Why: a NULL entry is not an error the compiler sees -- the API turns it
 * into CREDO_NOTSUP at run time -- and merges lost entries before. This
 * suite fails when an entry disappears from either table, and when
 * credo_backend gains an entry the list below does not know (add it to
 * BE_ENTRIES, and to both tables or to a NULL-on-purpose list).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend.h"
#include "credo.h"
#include "th.h"

typedef struct entry {
  const char *name;
  size_t off;
} entry;

/* Every operation of credo_backend, in the struct's order ("name" is the
 * one member that is not an operation). */
#define E(f)                                                                   \
  { #f, offsetof(credo_backend, f) }
static const entry entries[] = {
    E(open),
    E(snapshot),
    E(close),
    E(dup),
    E(authenticate),
    E(begin),
    E(commit),
    E(rollback),
    E(create_type),
    E(get_type),
    E(list_types),
    E(create_subject),
    E(get_subject),
    E(record_event),
    E(correct_event),
    E(repair_event),
    E(retract_event),
    E(get_event),
    E(subject_events),
    E(event_history),
    E(get_stats),
    E(list_subjects),
    E(scan_events),
    E(dump_history),
    E(restore_type),
    E(restore_subject),
    E(restore_version),
    E(check),
    E(backup_stream),
    E(prepare),
    E(exec),
    E(bind_null),
    E(bind_int64),
    E(bind_double),
    E(bind_text),
    E(bind_time),
    E(bind_count),
    E(bind_bool),
    E(bind_duration),
    E(bind_parameter_index),
    E(bind_parameter_name),
    E(clear_bindings),
    E(step),
    E(reset),
    E(finalize),
    E(column_count),
    E(column_name),
    E(column_decltype),
    E(column_type),
    E(column_int64),
    E(column_double),
    E(column_text),
    E(column_time),
    E(column_duration),
    E(stmt_readonly),
    E(stmt_notice),
    E(create_type_def),
    E(rename_subject),
    E(search_subjects),
    E(set_store_tz),
    E(get_store_tz),
    E(user_scram),
    E(in_txn),
    E(erase_event),
    E(erase_subject),
    E(list_erasures),
    E(apply_erasures),
    E(purge),
    E(session_check),
};
#define N_ENTRIES (sizeof entries / sizeof entries[0])

typedef void (*any_fn)(void);

static any_fn entry_of(const credo_backend *be, const entry *e) {
  any_fn f;
  memcpy(&f, (const char *)be + e->off, sizeof f);
  return f;
}

/* ---------------------------------------- the entries NULL on purpose */

/* A remote statement as the API sees it: it starts with its handle. */
typedef struct fake_stmt {
  credo *db;
} fake_stmt;

/* Calls the public function of one entry on a remote handle or statement
 * whose entry is NULL (so the backend itself is never reached). */
typedef int (*public_call)(credo *db, credo_stmt *st);

#define CALL(entry_name, ...)                                                  \
  static int call_##entry_name(credo *db, credo_stmt *st) {                    \
    (void)db;                                                                  \
    (void)st;                                                                  \
    return (__VA_ARGS__);                                                      \
  }

CALL(dup, credo_dup(db, &(credo *){NULL}))
CALL(authenticate, credo_authenticate(db, "someone", "long-enough-pw"))
CALL(begin, credo_begin(db))
CALL(commit, credo_commit(db))
CALL(rollback, credo_rollback(db))
CALL(create_type, credo_create_type(db, "loan", (credo_duration){12, 0},
                                    (credo_duration){1, 0}))
CALL(get_type, credo_get_type(db, "loan", &(credo_type_info){0}))
CALL(list_types, credo_list_types(db, NULL, NULL))
CALL(create_subject, credo_create_subject(db, "P1", CREDO_KIND_OTHER, "A"))
CALL(get_subject, credo_get_subject(db, "P1", &(credo_subject_info){0}))
CALL(record_event, credo_record_event(db, &(credo_record){0}, NULL, NULL))
CALL(correct_event,
     credo_correct_event(db, 1, &(credo_correction){0}, "reason"))
CALL(repair_event, credo_repair_event(db, 1, 0, "reason"))
CALL(retract_event, credo_retract_event(db, 1, "reason"))
CALL(get_event, credo_get_event(db, 1, 0, 0, 0, &(credo_event){0}))
CALL(subject_events, credo_subject_events(db, "P1", 0, 0, 0, NULL, NULL))
CALL(event_history, credo_event_history(db, 1, NULL, NULL))
CALL(get_stats, credo_get_stats(db, &(credo_stats){0}))
CALL(list_subjects, credo_list_subjects(db, NULL, NULL))
CALL(scan_events, credo_scan_events(db, 0, 0, 0, NULL, NULL))
CALL(dump_history, credo_dump_history(db, NULL, NULL))
CALL(restore_type, credo_restore_type(db, &(credo_type_info){0}, NULL))
CALL(restore_subject, credo_restore_subject(db, &(credo_subject_info){0}, NULL))
CALL(restore_version, credo_restore_version(db, &(credo_event){0}, NULL))
CALL(check, credo_check(db, NULL, NULL, &(credo_check_report){0}))
CALL(backup_stream, credo_backup_stream(db, NULL, NULL, NULL, NULL))
CALL(create_type_def, credo_create_type_def(db, &(credo_type_def){0}))
CALL(rename_subject, credo_rename_subject(db, "P1", "B", "reason"))
CALL(search_subjects,
     credo_search_subjects(db, "A", NULL, 10, NULL, NULL, NULL))
CALL(set_store_tz, credo_set_store_tz(db, 0))
CALL(get_store_tz, credo_get_store_tz(db, &(int){0}))
CALL(user_scram, credo_user_scram(db, "someone", &(credo_scram_verifier){0}))
CALL(erase_event, credo_erase_event(db, 1, "reason"))
CALL(erase_subject, credo_erase_subject(db, "P1", "reason", NULL))
CALL(list_erasures, credo_list_erasures(db, NULL, NULL))
CALL(apply_erasures, credo_apply_erasures(db, "/nonexistent", NULL))
CALL(purge, credo_purge(db, 0, 10, NULL, NULL, NULL))
CALL(session_check, credo_session_check(db))
/* documented neutral answers rather than CREDO_NOTSUP */
CALL(stmt_readonly, credo_stmt_readonly(st))

typedef struct on_purpose {
  const char *entry;
  public_call call;
  int want;        /* what the public function answers */
  const char *why; /* where it is documented */
} on_purpose;

#define NOTSUP(e, why)                                                         \
  { #e, call_##e, CREDO_NOTSUP, why }
/* The remote backend: the typed API, the store's own operations and the
 * erasure calls have no entry (credo.h, credo_ops.h: "CREDO_NOTSUP on a
 * remote handle"; over the protocol they are CQL statements). */
static const on_purpose remote_null[] = {
    NOTSUP(dup, "typed API: CQL over the wire"),
    NOTSUP(authenticate, "the server authenticates at connect"),
    NOTSUP(begin, "BEGIN is a CQL statement"),
    NOTSUP(commit, "COMMIT is a CQL statement"),
    NOTSUP(rollback, "ROLLBACK is a CQL statement"),
    NOTSUP(create_type, "typed API"),
    NOTSUP(get_type, "typed API"),
    NOTSUP(list_types, "typed API"),
    NOTSUP(create_subject, "typed API"),
    NOTSUP(get_subject, "typed API"),
    NOTSUP(record_event, "typed API"),
    NOTSUP(correct_event, "typed API"),
    NOTSUP(repair_event, "typed API"),
    NOTSUP(retract_event, "typed API"),
    NOTSUP(get_event, "typed API"),
    NOTSUP(subject_events, "typed API"),
    NOTSUP(event_history, "typed API"),
    NOTSUP(get_stats, "typed API"),
    NOTSUP(list_subjects, "typed API"),
    NOTSUP(scan_events, "typed API"),
    NOTSUP(dump_history, "typed API"),
    NOTSUP(restore_type, "embedded handles only"),
    NOTSUP(restore_subject, "embedded handles only"),
    NOTSUP(restore_version, "embedded handles only"),
    NOTSUP(check, "embedded handles only"),
    NOTSUP(backup_stream, "the server streams; credo_backup uses snapshot"),
    NOTSUP(create_type_def, "typed API"),
    NOTSUP(rename_subject, "typed API"),
    NOTSUP(search_subjects, "embedded handles only"),
    NOTSUP(set_store_tz, "SET STORE TIME ZONE is a CQL statement"),
    NOTSUP(get_store_tz, "SHOW STORE TIME ZONE is a CQL statement"),
    NOTSUP(user_scram, "the server's own store answers SCRAM"),
    NOTSUP(erase_event, "credo_ops.h: ERASE is a CQL statement"),
    NOTSUP(erase_subject, "credo_ops.h: ERASE is a CQL statement"),
    NOTSUP(list_erasures, "credo_ops.h: SHOW ERASURES"),
    NOTSUP(apply_erasures, "credo_ops.h: embedded handles only"),
    NOTSUP(purge, "credo_ops.h: embedded handles only"),
    NOTSUP(session_check, "embedded handles only"),
    {"stmt_readonly", call_stmt_readonly, 0,
     "credo.h: 0, not known to be read-only"},
};
#define N_REMOTE_NULL (sizeof remote_null / sizeof remote_null[0])

/* The local backend: snapshot only; credo_backup then copies the store
 * itself (backend.h), which test_local_backup_without_snapshot shows. */
static const char *const local_null[] = {"snapshot"};

static int listed(const char *const *names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0)
      return 1;
  return 0;
}

static const on_purpose *remote_listed(const char *name) {
  for (size_t i = 0; i < N_REMOTE_NULL; i++)
    if (strcmp(remote_null[i].entry, name) == 0)
      return &remote_null[i];
  return NULL;
}

/* ----------------------------------------------------------- the tests */

/* The list above covers the struct: offsets strictly increase (no entry
 * twice) and account for every byte after the name. */
static void test_list_covers_the_struct(void **state) {
  (void)state;
  assert_int_equal(entries[0].off, sizeof(const char *));
  for (size_t i = 1; i < N_ENTRIES; i++) {
    if (entries[i].off != entries[i - 1].off + sizeof(any_fn))
      fail_msg("BE_ENTRIES out of order or incomplete before %s",
               entries[i].name);
  }
  if (sizeof(credo_backend) !=
      sizeof(const char *) + N_ENTRIES * sizeof(any_fn))
    fail_msg("credo_backend has an entry this test does not list: add it "
             "to BE_ENTRIES and to both backend tables");
}

static void test_local_table_is_complete(void **state) {
  (void)state;
  assert_string_equal(eng_local_backend.name, "local");
  for (size_t i = 0; i < N_ENTRIES; i++) {
    int skip = listed(local_null, 1, entries[i].name);
    if (!entry_of(&eng_local_backend, &entries[i]) && !skip)
      fail_msg("engine/local.c: entry .%s is NULL (the public call would "
               "answer CREDO_NOTSUP)",
               entries[i].name);
  }
}

static void test_remote_table_is_complete(void **state) {
  (void)state;
  assert_string_equal(cl_remote_backend.name, "remote");
  for (size_t i = 0; i < N_ENTRIES; i++) {
    if (!entry_of(&cl_remote_backend, &entries[i]) &&
        !remote_listed(entries[i].name))
      fail_msg("remote/cl_backend.c: entry .%s is NULL and not listed as "
               "NULL on purpose",
               entries[i].name);
  }
}

/* Every remote entry NULL on purpose gives its documented answer; the
 * handle has no connection, so an entry that is set is not called. */
static void test_remote_null_entries_answer_as_documented(void **state) {
  credo *db = be_handle_new(&cl_remote_backend, NULL);
  fake_stmt st = {db};
  (void)state;
  assert_non_null(db);
  for (size_t i = 0; i < N_REMOTE_NULL; i++) {
    const on_purpose *p = &remote_null[i];
    size_t k = 0;
    while (k < N_ENTRIES && strcmp(entries[k].name, p->entry) != 0)
      k++;
    assert_true(k < N_ENTRIES); /* a listed name is an entry */
    if (entry_of(&cl_remote_backend, &entries[k]))
      continue; /* the remote backend supports it now */
    be_err_clear(db);
    int rc = p->call(db, (credo_stmt *)&st);
    if (rc != p->want)
      fail_msg("credo_%s on a remote handle: %d, want %d (%s)", p->entry, rc,
               p->want, p->why);
    if (p->want == CREDO_NOTSUP) {
      char call[64];
      snprintf(call, sizeof call, "credo_%s", p->entry);
      assert_non_null(strstr(credo_errmsg(db), call));
      assert_non_null(strstr(credo_errmsg(db), "remote"));
    }
  }
  be_handle_free(db);
}

/* The local NULL on purpose: credo_backup works without a snapshot entry. */
static void test_local_backup_without_snapshot(void **state) {
  char *dir = th_tmpdir("betab"), *dest = NULL;
  credo *db = NULL;
  (void)state;
  assert_non_null(dir);
  assert_true(asprintf(&dest, "%s/backup", dir) > 0);
  assert_int_equal(credo_open(dir, NULL, &db), CREDO_OK);
  assert_int_equal(credo_backup(db, dest, NULL, NULL), CREDO_OK);
  credo_close(db);
  assert_int_equal(credo_open(dest, NULL, &db), CREDO_OK);
  credo_close(db);
  free(dest);
  th_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_covers_the_struct),
      cmocka_unit_test(test_local_table_is_complete),
      cmocka_unit_test(test_remote_table_is_complete),
      cmocka_unit_test(test_remote_null_entries_answer_as_documented),
      cmocka_unit_test(test_local_backup_without_snapshot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
