/*
 * alloc.h -- how parser/ allocates: the C library's malloc / calloc /
 * realloc, except in builds with CQL_FAULT_INJECTION (the fuzz target),
 * where the test harness provides cql_fi_* functions that can fail on
 * demand so that every out-of-memory path gets exercised.
 *
 * Internal to parser/. Memory is always released with free().
 */
#ifndef CQL_ALLOC_H
#define CQL_ALLOC_H

#include <stdlib.h>

#ifdef CQL_FAULT_INJECTION
void *cql_fi_malloc(size_t n);
void *cql_fi_calloc(size_t count, size_t size);
void *cql_fi_realloc(void *p, size_t n);
#define CQL_MALLOC cql_fi_malloc
#define CQL_CALLOC cql_fi_calloc
#define CQL_REALLOC cql_fi_realloc
#else
#define CQL_MALLOC malloc
#define CQL_CALLOC calloc
#define CQL_REALLOC realloc
#endif

#endif /* CQL_ALLOC_H */
