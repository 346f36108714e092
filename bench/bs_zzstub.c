#include "bs.h"
int bs_run_server(bs_ctx *c) { (void)c; return 1; }
int bs_run_server_conc(bs_ctx *c) { (void)c; return 1; }
