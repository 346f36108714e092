/*
 * users.h -- the store's users (for the server's sessions): creation,
 * change, removal, listing, and password checks.
 *
 * Every function requires an admin handle (CREDO_DENIED otherwise) and
 * writes through eng_write_begin/end, so it joins the handle's open scope
 * (statement or BEGIN) when there is one. Passwords are hashed with
 * libsodium's crypto_pwhash_str (argon2id, interactive limits) and never
 * stored, logged or put into a message.
 */
#ifndef CREDO_ENG_USERS_H
#define CREDO_ENG_USERS_H

#include "eng.h"

#define ENG_MAX_USER 64

/* CREDO_EXISTS when the name is taken; CREDO_INVALID for a bad name or an
 * empty password. */
int eng_user_create(credo *db, const char *name, credo_role role,
                    const char *password);
/* Changes the role (when set_role) and/or the password (when not NULL).
 * CREDO_NOTFOUND when there is no such user. */
int eng_user_alter(credo *db, const char *name, int set_role, credo_role role,
                   const char *password);
/* CREDO_NOTFOUND when there is no such user. */
int eng_user_drop(credo *db, const char *name);

/* Calls `cb` for each user in name order (never with the hash). */
typedef int (*eng_user_cb)(void *arg, const char *name, credo_role role,
                           credo_time created);
int eng_users_list(credo *db, eng_user_cb cb, void *arg);

#endif /* CREDO_ENG_USERS_H */
