/*
 * openreg.c -- owns the process's registry of open stores: LMDB allows one
 * environment per data file per process (a second one would take the
 * same file locks and lose them on its close), so a credo_open of a
 * directory that is already open in this process shares the open store,
 * as credo_dup would.
 *
 * Invariants: a store is in the registry from its successful open until
 * its last handle closes; it is found by the directory's (device, inode),
 * so two spellings of one path meet; the registry's lock is taken before a
 * store's own mutex, never after.
 *
 * Does not: open or close the storage environment (handle.c does).
 */
#include <pthread.h>
#include <sys/stat.h>

#include "eng.h"

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static eng_store *reg_head;

void eng_reg_lock(void) {
  pthread_mutex_lock(&reg_mu);
}

void eng_reg_unlock(void) {
  pthread_mutex_unlock(&reg_mu);
}

eng_store *eng_reg_find(const char *path) {
  struct stat st;

  if (stat(path, &st) != 0)
    return NULL;
  for (eng_store *s = reg_head; s; s = s->reg_next)
    if (s->dev == st.st_dev && s->ino == st.st_ino)
      return s;
  return NULL;
}

void eng_reg_add(eng_store *store, const char *path, int readonly) {
  struct stat st;

  if (stat(path, &st) != 0)
    return; /* not findable: a later open opens its own (LMDB's rule) */
  store->dev = st.st_dev;
  store->ino = st.st_ino;
  store->readonly = readonly;
  store->registered = 1;
  store->reg_next = reg_head;
  reg_head = store;
}

void eng_reg_remove(eng_store *store) {
  eng_store **p;

  if (!store->registered)
    return;
  for (p = &reg_head; *p; p = &(*p)->reg_next)
    if (*p == store) {
      *p = store->reg_next;
      break;
    }
  store->registered = 0;
}
