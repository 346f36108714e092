/*
 * sh_tab.h -- TAB completion wired into the line editor (libedit's
 * readline interface): asks the store for its tables, columns and event
 * types, and hands sh_complete's candidates to the editor.
 */
#ifndef SH_TAB_H
#define SH_TAB_H

#include <stddef.h>

#include "sh_shell.h"

/* Installs completion for the interactive session of `sh`; `commands`
 * (n names, without the backslash) are the backslash commands. Call
 * before the first readline(). */
void sh_tab_install(credo_shell *sh, const char *const *commands, size_t n);
/* The statement text typed on earlier lines (len bytes, not copied: it
 * must stay valid until the next readline() returns). */
void sh_tab_set_pending(const char *text, size_t len);
/* Frees what completion holds. */
void sh_tab_uninstall(void);

#endif /* SH_TAB_H */
