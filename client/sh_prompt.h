/*
 * sh_prompt.h -- reading a password from the terminal for the programs
 * that open credo:// URIs (the shell, its commands, credo-server
 * --init-admin). Not part of the library.
 *
 * Threads: call from the main thread before others start (it changes the
 * terminal's mode and the environment).
 */
#ifndef CREDO_SH_PROMPT_H
#define CREDO_SH_PROMPT_H

#include <stddef.h>

/* The longest password the protocol carries (docs/protocol.md, AUTH). */
#define SH_MAX_PASSWORD 1024

/* 1 when `path` starts with credo:// or credos://. */
int sh_is_uri(const char *path);
/* The store argument as messages may show it: a credo:// URI with a
 * password in it (credo://USER:PASSWORD@HOST, which credo refuses) gets
 * "***" for the password, written into buf[n]; anything else is returned
 * as is. Never prints a password. */
const char *sh_store_label(const char *store, char *buf, size_t n);
/* Reads one line (the newline dropped) from stdin into buf[n]; on a
 * terminal, prints `prompt` on stderr and keeps echo off while reading.
 * 0, or -1 at end of input. */
int sh_read_password(const char *prompt, char *buf, size_t n);
/* Asks for the password on the terminal (echo off) when an argument is a
 * credo:// URI, CREDO_PASSWORD is unset and stdin is a terminal, and puts
 * it in CREDO_PASSWORD. 0, or -1 when nothing could be read. */
int sh_password_prompt(int argc, char **argv);

#endif /* CREDO_SH_PROMPT_H */
