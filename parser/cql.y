/*
 * cql.y -- the CQL grammar (lemon). Generated into $(BUILD)/gen/cql.c / .h.
 *
 * Owns: the syntax of one CQL statement. The driver (parse.c) feeds the
 * tokens of one statement and then the end marker (0) in place of its ';',
 * so the grammar never sees SEMI.
 *
 * Invariants: every action is a one-liner calling a builder of build.c;
 * builders own their arguments (also on failure) and record errors in the
 * context (%extra_argument), after which the driver stops. Every
 * nonterminal that holds heap memory has a %destructor, so lemon frees
 * whatever is on its stack after a syntax error. Tokens own no memory (they
 * point into the source), so they need no destructor.
 *
 * Does not: check types, names of columns / functions / types, or anything
 * the store knows. Lemon must report 0 conflicts (the build fails
 * otherwise): ambiguities are settled with the precedence table below.
 */

%include {
#include <assert.h>
#include <stdlib.h>

#include "build.h"
}

%name cql_Parse
%token_prefix CQL_TK_
%token_type {cql_token}
%extra_argument {cql_ctx *ctx}
%stack_size 1000
%start_symbol input

%syntax_error { cql_ctx_syntax_error(ctx, yymajor, &yyminor); }
%stack_overflow { cql_ctx_error(ctx, ctx->look.pos, "statement nested too deeply"); }

/* Tokens the grammar does not use but the lexer produces. */
%token SEMI.

/* Words that are keywords in some places and may be names (columns, types,
 * aliases, JSON path segments) elsewhere: when one cannot be parsed as a
 * keyword it is retried as an identifier. */
%fallback ID CREATE TYPE PUBLICITY REPAIRABLE AFTER SUBJECT KIND NAME RECORD
  FOR OCCURRED PUBLIC UNTIL SOURCE REF DATA REASON HISTORY EVENT EVENTS REPAIR
  EFFECTIVE CORRECT SET RETRACT EXPLAIN SHOW TYPES STATS USERS TIME ZONE BEGIN
  COMMIT ROLLBACK USER ROLE PASSWORD ALTER DROP VISIBLE AT INCLUDE HIDDEN
  RETRACTED OF ASC DESC UNIT POSITIVE ADVERSE PUBLISHED OPEN FIELDS STORE
  GRANT REVOKE TO FILTER EXTRACT POSITION ERASE ERASURES RETAIN SESSIONS
  SESSION KILL ALL DESCRIBE TABLES OVER PARTITION ROWS RANGE GROUPS.

/* Operator precedence, lowest first. */
%left OR.
%left AND.
%right NOT.
%nonassoc IS IN BETWEEN LIKE EQ NE LT LE GT GE.
%left CONCAT.
%left PLUS MINUS.
%left STAR SLASH REM.
%right UMINUS.
%left DCOLON.

/* ------------------------------------------------------------ nonterminals */

%type stmt {cql_stmt *}
%destructor stmt { cql_stmt_free($$); }
%type ctype {cql_stmt *}
%destructor ctype { cql_stmt_free($$); }
%type rec {cql_stmt *}
%destructor rec { cql_stmt_free($$); }
%type repair {cql_stmt *}
%destructor repair { cql_stmt_free($$); }
%type user {cql_stmt *}
%destructor user { cql_stmt_free($$); }
%type select {cql_select *}
%destructor select { cql_select_free($$); }
%type expr {cql_expr *}
%destructor expr { cql_expr_free($$); }
%type strval {cql_expr *}
%destructor strval { cql_expr_free($$); }
%type jsonval {cql_expr *}
%destructor jsonval { cql_expr_free($$); }
%type setval {cql_expr *}
%destructor setval { cql_expr_free($$); }
%type subj_name {cql_expr *}
%destructor subj_name { cql_expr_free($$); }
%type fields {char *}
%destructor fields { free($$); }
%type reason {cql_expr *}
%destructor reason { cql_expr_free($$); }
%type exprlist {cql_expr_list}
%destructor exprlist { cql_expr_list_free(&$$); }
%type items {cql_item_list}
%destructor items { cql_item_list_free(&$$); }
%type orderlist {cql_order_list}
%destructor orderlist { cql_order_list_free(&$$); }
%type setlist {cql_set_list}
%destructor setlist { cql_set_list_free(&$$); }
%type path {cql_pathx}
%destructor path { cql_path_free(&$$.p); }
%type whens {cql_expr_list}
%destructor whens { cql_expr_list_free(&$$); }
%type else_part {cql_expr *}
%destructor else_part { cql_expr_free($$); }
%type pos_arg {cql_expr *}
%destructor pos_arg { cql_expr_free($$); }
%type filter {cql_expr *}
%destructor filter { cql_expr_free($$); }
%type dur {cql_dur}
%type name {cql_token}
%type distinct {bool}
%type dir {bool}

/* ------------------------------------------------------------- statements */

input ::= stmt(S).                        { ctx->result = cql_b_finish(ctx, S); }

/* CREATE TYPE name [PUBLICITY d] [REPAIRABLE AFTER d] */
stmt(A) ::= ctype(A).
ctype(A) ::= CREATE(K) TYPE name(N).      { A = cql_b_stmt_named(ctx, CQL_CREATE_TYPE, &K, &N); }
ctype(A) ::= ctype(A) PUBLICITY(K) dur(D).        { cql_b_type_publicity(ctx, A, &K, &D); }
ctype(A) ::= ctype(A) REPAIRABLE(K) AFTER dur(D). { cql_b_type_repairable(ctx, A, &K, &D); }
ctype(A) ::= ctype(A) PUBLICITY(K) OPEN.          { cql_b_type_flag(ctx, A, &K, CREDO_TYPE_OPEN); }
ctype(A) ::= ctype(A) NOT(K) PUBLISHED.           { cql_b_type_flag(ctx, A, &K, CREDO_TYPE_NOT_PUBLISHED); }
ctype(A) ::= ctype(A) POSITIVE(K).                { cql_b_type_flag(ctx, A, &K, CREDO_TYPE_POSITIVE); }
ctype(A) ::= ctype(A) ADVERSE(K).                 { cql_b_type_flag(ctx, A, &K, 0); }
ctype(A) ::= ctype(A) PUBLIC(K) FIELDS LP fields(L) RP. { cql_b_type_fields(ctx, A, &K, L); }
fields(A) ::= ID(X).                      { A = cql_b_field(ctx, NULL, &X); }
fields(A) ::= fields(A) COMMA ID(X).      { A = cql_b_field(ctx, A, &X); }

/* CREATE SUBJECT 'id' KIND org|person|other [NAME 'name'] */
stmt(A) ::= CREATE(K) SUBJECT strval(I) KIND ID(N) subj_name(S). { A = cql_b_create_subject(ctx, &K, I, &N, S); }
subj_name(A) ::= .                        { A = NULL; }
subj_name(A) ::= NAME strval(S).          { A = S; }

/* RECORD type FOR 'subject' <clauses in any order> */
stmt(A) ::= rec(A).
rec(A) ::= RECORD(K) name(T) FOR strval(S).   { A = cql_b_record(ctx, &K, &T, S); }
rec(A) ::= rec(A) OCCURRED(K) expr(E).        { cql_b_record_clause(ctx, A, CQL_RC_OCCURRED, &K, E); }
rec(A) ::= rec(A) PUBLIC(K) FROM expr(E).     { cql_b_record_clause(ctx, A, CQL_RC_PUBLIC_FROM, &K, E); }
rec(A) ::= rec(A) UNTIL(K) expr(E).           { cql_b_record_clause(ctx, A, CQL_RC_UNTIL, &K, E); }
rec(A) ::= rec(A) SOURCE(K) strval(E).        { cql_b_record_clause(ctx, A, CQL_RC_SOURCE, &K, E); }
rec(A) ::= rec(A) REF(K) strval(E).           { cql_b_record_clause(ctx, A, CQL_RC_REF, &K, E); }
rec(A) ::= rec(A) DATA(K) jsonval(E).         { cql_b_record_clause(ctx, A, CQL_RC_DATA, &K, E); }
rec(A) ::= rec(A) REASON(K) strval(E).        { cql_b_record_clause(ctx, A, CQL_RC_REASON, &K, E); }

/* SELECT ... and EXPLAIN SELECT ... */
stmt(A) ::= select(S).                    { A = cql_b_stmt_select(ctx, CQL_SELECT, NULL, S); }
stmt(A) ::= EXPLAIN(K) select(S).         { A = cql_b_stmt_select(ctx, CQL_EXPLAIN, &K, S); }

select(A) ::= SELECT(K) distinct(D) items(L) FROM tref(T). { A = cql_b_select_from(ctx, cql_b_select(ctx, &K, D, L, &T.name), &T); }
select(A) ::= select(A) WHERE(K) expr(E).         { cql_b_select_clause(ctx, A, CQL_CL_WHERE, &K, E); }
select(A) ::= select(A) GROUP(K) BY exprlist(L).  { cql_b_select_group(ctx, A, &K, L); }
select(A) ::= select(A) HAVING(K) expr(E).        { cql_b_select_clause(ctx, A, CQL_CL_HAVING, &K, E); }
select(A) ::= select(A) ORDER(K) BY orderlist(L). { cql_b_select_order(ctx, A, &K, L); }
select(A) ::= select(A) LIMIT(K) expr(E).         { cql_b_select_limit(ctx, A, &K, E, NULL); }
select(A) ::= select(A) OFFSET(K) expr(F).        { cql_b_select_offset(ctx, A, &K, F); }
select(A) ::= select(A) AS(K) OF expr(E).         { cql_b_select_clause(ctx, A, CQL_CL_AS_OF, &K, E); }
select(A) ::= select(A) VISIBLE(K) AT expr(E).    { cql_b_select_clause(ctx, A, CQL_CL_VISIBLE_AT, &K, E); }
select(A) ::= select(A) INCLUDE(K) HIDDEN.        { cql_b_select_clause(ctx, A, CQL_CL_HIDDEN, &K, NULL); }
select(A) ::= select(A) INCLUDE(K) RETRACTED.     { cql_b_select_clause(ctx, A, CQL_CL_RETRACTED, &K, NULL); }

distinct(A) ::= .                         { A = false; }
distinct(A) ::= DISTINCT.                 { A = true; }

items(A) ::= STAR(T).                             { A = cql_b_item1(ctx, NULL, NULL, &T); }
items(A) ::= expr(E).                             { A = cql_b_item1(ctx, E, NULL, NULL); }
items(A) ::= expr(E) AS name(N).                  { A = cql_b_item1(ctx, E, &N, NULL); }
items(A) ::= items(A) COMMA STAR(T).              { cql_b_item_add(ctx, &A, NULL, NULL, &T); }
items(A) ::= items(A) COMMA expr(E).              { cql_b_item_add(ctx, &A, E, NULL, NULL); }
items(A) ::= items(A) COMMA expr(E) AS name(N).   { cql_b_item_add(ctx, &A, E, &N, NULL); }
/* Implicit aliases (`count(*) n`), as PostgreSQL. */
items(A) ::= expr(E) ID(N).                       { A = cql_b_item1(ctx, E, &N, NULL); }
items(A) ::= items(A) COMMA expr(E) ID(N).        { cql_b_item_add(ctx, &A, E, &N, NULL); }

orderlist(A) ::= expr(E) dir(D).                  { A = cql_b_order1(ctx, E, D); }
orderlist(A) ::= orderlist(A) COMMA expr(E) dir(D). { cql_b_order_add(ctx, &A, E, D); }
dir(A) ::= .                              { A = false; }
dir(A) ::= ASC.                           { A = false; }
dir(A) ::= DESC.                          { A = true; }

/* HISTORY OF EVENT <expr> | HISTORY OF SUBJECT 'id' */
stmt(A) ::= HISTORY(K) OF EVENT expr(E).      { A = cql_b_stmt_exprs(ctx, CQL_HISTORY_EVENT, &K, E, NULL, NULL); }
stmt(A) ::= HISTORY(K) OF SUBJECT strval(S).  { A = cql_b_stmt_exprs(ctx, CQL_HISTORY_SUBJECT, &K, S, NULL, NULL); }

/* REPAIR EVENT <expr> | REPAIR EVENTS WHERE <expr>, then [EFFECTIVE t]
 * REASON 'r' in either order */
stmt(A) ::= repair(A).
repair(A) ::= REPAIR(K) EVENT expr(E).        { A = cql_b_stmt_exprs(ctx, CQL_REPAIR, &K, E, NULL, NULL); }
repair(A) ::= REPAIR(K) EVENTS WHERE expr(E). { A = cql_b_stmt_exprs(ctx, CQL_REPAIR_WHERE, &K, E, NULL, NULL); }
repair(A) ::= repair(A) EFFECTIVE(K) expr(E). { cql_b_repair_effective(ctx, A, &K, E); }
repair(A) ::= repair(A) REASON(K) strval(E).  { cql_b_repair_reason(ctx, A, &K, E); }

/* CORRECT EVENT <expr> SET path = value, ... REASON 'r' */
stmt(A) ::= CORRECT(K) EVENT expr(E) SET setlist(L) reason(R). { A = cql_b_correct(ctx, &K, E, L, R); }
setlist(A) ::= path(P) EQ setval(V).                  { A = cql_b_set1(ctx, P.p, P.pos, V); }
setlist(A) ::= setlist(A) COMMA path(P) EQ setval(V). { cql_b_set_add(ctx, &A, P.p, P.pos, V); }
setval(A) ::= expr(E).                    { A = E; }
setval(A) ::= JSON(X).                    { A = cql_b_json(ctx, &X); }

/* RETRACT EVENT <expr> REASON 'r' */
stmt(A) ::= RETRACT(K) EVENT expr(E) reason(R). { A = cql_b_stmt_exprs(ctx, CQL_RETRACT, &K, E, R, NULL); }

reason(A) ::= .                           { A = NULL; }
reason(A) ::= REASON strval(S).           { A = S; }

/* SHOW ..., SET TIME ZONE, transactions */
stmt(A) ::= SHOW(K) TYPES.                { A = cql_b_stmt(ctx, CQL_SHOW_TYPES, &K); }
stmt(A) ::= SHOW(K) STATS.                { A = cql_b_stmt(ctx, CQL_SHOW_STATS, &K); }
stmt(A) ::= SHOW(K) USERS.                { A = cql_b_stmt(ctx, CQL_SHOW_USERS, &K); }
/* SHOW SESSIONS; KILL SESSION n (the server's sessions, admin only) */
stmt(A) ::= SHOW(K) SESSIONS.             { A = cql_b_stmt(ctx, CQL_SHOW_SESSIONS, &K); }
stmt(A) ::= KILL(K) SESSION expr(E).      { A = cql_b_stmt_exprs(ctx, CQL_KILL_SESSION, &K, E, NULL, NULL); }
stmt(A) ::= SET(K) TIME ZONE strval(S).   { A = cql_b_stmt_exprs(ctx, CQL_SET_TZ, &K, S, NULL, NULL); }
stmt(A) ::= SET(K) STORE TIME ZONE strval(S). { A = cql_b_stmt_exprs(ctx, CQL_SET_STORE_TZ, &K, S, NULL, NULL); }

/* ALTER SUBJECT 'id' NAME 'name' REASON 'r' */
stmt(A) ::= ALTER(K) SUBJECT strval(I) NAME strval(N) REASON strval(R). { A = cql_b_alter_subject(ctx, &K, I, N, R); }

/* GRANT SOURCE 'src' TO user ; REVOKE SOURCE 'src' FROM user */
stmt(A) ::= GRANT(K) SOURCE strval(S) TO name(U).    { A = cql_b_grant(ctx, CQL_GRANT, &K, S, &U); }
stmt(A) ::= REVOKE(K) SOURCE strval(S) FROM name(U). { A = cql_b_grant(ctx, CQL_REVOKE, &K, S, &U); }
stmt(A) ::= BEGIN(K).                     { A = cql_b_stmt(ctx, CQL_BEGIN, &K); }
stmt(A) ::= COMMIT(K).                    { A = cql_b_stmt(ctx, CQL_COMMIT, &K); }
stmt(A) ::= ROLLBACK(K).                  { A = cql_b_stmt(ctx, CQL_ROLLBACK, &K); }

/* CREATE USER / ALTER USER name [ROLE r] [PASSWORD 'pw'] ; DROP USER name */
stmt(A) ::= user(A).
user(A) ::= CREATE(K) USER name(N).       { A = cql_b_stmt_named(ctx, CQL_CREATE_USER, &K, &N); }
user(A) ::= ALTER(K) USER name(N).        { A = cql_b_stmt_named(ctx, CQL_ALTER_USER, &K, &N); }
user(A) ::= user(A) ROLE(K) name(R).      { cql_b_user_role(ctx, A, &K, &R); }
user(A) ::= user(A) PASSWORD(K) strval(P). { cql_b_user_password(ctx, A, &K, P); }
stmt(A) ::= DROP(K) USER name(N).         { A = cql_b_stmt_named(ctx, CQL_DROP_USER, &K, &N); }

/* Erasure and retention (issue 17): ERASE EVENT <expr> REASON 'r';
 * ERASE SUBJECT 'id' REASON 'r'; SHOW ERASURES; CREATE TYPE ... RETAIN d */
stmt(A) ::= ERASE(K) EVENT expr(E) reason(R).     { A = cql_b_stmt_exprs(ctx, CQL_ERASE_EVENT, &K, E, R, NULL); }
stmt(A) ::= ERASE(K) SUBJECT strval(S) reason(R). { A = cql_b_stmt_exprs(ctx, CQL_ERASE_SUBJECT, &K, S, R, NULL); }
stmt(A) ::= SHOW(K) ERASURES.                     { A = cql_b_stmt(ctx, CQL_SHOW_ERASURES, &K); }
ctype(A) ::= ctype(A) RETAIN(K) dur(D).           { cql_b_type_retain(ctx, A, &K, &D); }

/* ---------------------------------------------------------------- pieces */

name(A) ::= ID(A).

strval(A) ::= STRING(X).                  { A = cql_b_text(ctx, &X); }
strval(A) ::= PARAM(X).                   { A = cql_b_leaf(ctx, CQL_E_PARAM, &X); }
jsonval(A) ::= JSON(X).                   { A = cql_b_json_object(ctx, &X); }
jsonval(A) ::= PARAM(X).                  { A = cql_b_leaf(ctx, CQL_E_PARAM, &X); }

dur(A) ::= INTEGER(N) UNIT(U).            { A = cql_b_dur(ctx, &N, &U); }
dur(A) ::= dur(A) INTEGER(N) UNIT(U).     { cql_b_dur_add(ctx, &A, &N, &U); }

path(A) ::= ID(X).                        { A = cql_b_path1(ctx, &X); }
path(A) ::= path(A) DOT ID(X).            { cql_b_path_add(ctx, &A, &X); }

exprlist(A) ::= expr(E).                  { A = cql_b_list1(ctx, E); }
exprlist(A) ::= exprlist(A) COMMA expr(E). { cql_b_list_add(ctx, &A, E); }

/* ----------------------------------------------------------- expressions */

expr(A) ::= INTEGER(X).                   { A = cql_b_int(ctx, &X); }
expr(A) ::= REAL(X).                      { A = cql_b_real(ctx, &X); }
expr(A) ::= STRING(X).                    { A = cql_b_text(ctx, &X); }
expr(A) ::= TRUE(X).                      { A = cql_b_leaf(ctx, CQL_E_BOOL, &X); }
expr(A) ::= FALSE(X).                     { A = cql_b_leaf(ctx, CQL_E_BOOL, &X); }
expr(A) ::= NULL(X).                      { A = cql_b_leaf(ctx, CQL_E_NULL, &X); }
expr(A) ::= NOW(X).                       { A = cql_b_leaf(ctx, CQL_E_NOW, &X); }
expr(A) ::= PARAM(X).                     { A = cql_b_leaf(ctx, CQL_E_PARAM, &X); }
expr(A) ::= dur(D).                       { A = cql_b_duration(ctx, &D); }
expr(A) ::= path(P).                      { A = cql_b_column(ctx, P.p, P.pos, P.end); }
expr(A) ::= ID(N) LP RP(R).               { A = cql_b_call(ctx, &N, (cql_expr_list){0}, false, false, &R); }
expr(A) ::= ID(N) LP STAR RP(R) filter(F).  { A = cql_b_filter(ctx, cql_b_call(ctx, &N, (cql_expr_list){0}, true, false, &R), F); }
expr(A) ::= ID(N) LP exprlist(L) RP(R) filter(F). { A = cql_b_filter(ctx, cql_b_call(ctx, &N, L, false, false, &R), F); }
expr(A) ::= ID(N) LP DISTINCT exprlist(L) RP(R) filter(F). { A = cql_b_filter(ctx, cql_b_call(ctx, &N, L, false, true, &R), F); }
expr(A) ::= LP(L) expr(E) RP(R).          { A = cql_b_paren(ctx, &L, E, &R); }

expr(A) ::= MINUS(T) expr(E). [UMINUS]    { A = cql_b_unary(ctx, CQL_OP_NEG, &T, E); }
expr(A) ::= NOT(T) expr(E).               { A = cql_b_unary(ctx, CQL_OP_NOT, &T, E); }

expr(A) ::= expr(X) STAR expr(Y).         { A = cql_b_binary(ctx, CQL_OP_MUL, X, Y); }
expr(A) ::= expr(X) SLASH expr(Y).        { A = cql_b_binary(ctx, CQL_OP_DIV, X, Y); }
expr(A) ::= expr(X) REM expr(Y).          { A = cql_b_binary(ctx, CQL_OP_MOD, X, Y); }
expr(A) ::= expr(X) PLUS expr(Y).         { A = cql_b_binary(ctx, CQL_OP_ADD, X, Y); }
expr(A) ::= expr(X) MINUS expr(Y).        { A = cql_b_binary(ctx, CQL_OP_SUB, X, Y); }
expr(A) ::= expr(X) CONCAT expr(Y).       { A = cql_b_binary(ctx, CQL_OP_CONCAT, X, Y); }
expr(A) ::= expr(X) EQ expr(Y).           { A = cql_b_binary(ctx, CQL_OP_EQ, X, Y); }
expr(A) ::= expr(X) NE expr(Y).           { A = cql_b_binary(ctx, CQL_OP_NE, X, Y); }
expr(A) ::= expr(X) LT expr(Y).           { A = cql_b_binary(ctx, CQL_OP_LT, X, Y); }
expr(A) ::= expr(X) LE expr(Y).           { A = cql_b_binary(ctx, CQL_OP_LE, X, Y); }
expr(A) ::= expr(X) GT expr(Y).           { A = cql_b_binary(ctx, CQL_OP_GT, X, Y); }
expr(A) ::= expr(X) GE expr(Y).           { A = cql_b_binary(ctx, CQL_OP_GE, X, Y); }
expr(A) ::= expr(X) AND expr(Y).          { A = cql_b_binary(ctx, CQL_OP_AND, X, Y); }
expr(A) ::= expr(X) OR expr(Y).           { A = cql_b_binary(ctx, CQL_OP_OR, X, Y); }

expr(A) ::= expr(X) IN LP exprlist(L) RP(R).          { A = cql_b_in(ctx, X, false, L, &R); }
expr(A) ::= expr(X) NOT IN LP exprlist(L) RP(R). [IN] { A = cql_b_in(ctx, X, true, L, &R); }
expr(A) ::= expr(X) BETWEEN expr(Y) AND expr(Z). [BETWEEN]     { A = cql_b_between(ctx, X, false, Y, Z); }
expr(A) ::= expr(X) NOT BETWEEN expr(Y) AND expr(Z). [BETWEEN] { A = cql_b_between(ctx, X, true, Y, Z); }
expr(A) ::= expr(X) LIKE expr(Y).                     { A = cql_b_like(ctx, X, false, Y); }
expr(A) ::= expr(X) NOT LIKE expr(Y). [LIKE]          { A = cql_b_like(ctx, X, true, Y); }
expr(A) ::= expr(X) IS NULL(N).                       { A = cql_b_isnull(ctx, X, false, &N); }
expr(A) ::= expr(X) IS NOT NULL(N).                   { A = cql_b_isnull(ctx, X, true, &N); }

/* ------------------------------------------ analyst expressions (issue 15)
 * CASE, CAST / ::, extract(f FROM t), position(s IN t), FILTER (WHERE ..)
 * on aggregate calls. Kept in one block to ease merges. */

filter(A) ::= .                                  { A = NULL; }
filter(A) ::= FILTER LP WHERE expr(E) RP(R).     { A = cql_b_filter_where(ctx, E, &R); }

expr(A) ::= CASE(K) whens(W) else_part(E) END(R).         { A = cql_b_case(ctx, &K, NULL, W, E, &R); }
expr(A) ::= CASE(K) expr(X) whens(W) else_part(E) END(R). { A = cql_b_case(ctx, &K, X, W, E, &R); }
whens(A) ::= WHEN expr(C) THEN expr(V).          { A = cql_b_list1(ctx, C); cql_b_list_add(ctx, &A, V); }
whens(A) ::= whens(A) WHEN expr(C) THEN expr(V). { cql_b_list_add(ctx, &A, C); cql_b_list_add(ctx, &A, V); }
else_part(A) ::= .                               { A = NULL; }
else_part(A) ::= ELSE expr(E).                   { A = E; }

expr(A) ::= CAST(K) LP expr(X) AS name(T) RP(R). { A = cql_b_cast(ctx, &K, X, &T, &R); }
expr(A) ::= expr(X) DCOLON name(T).              { A = cql_b_cast(ctx, NULL, X, &T, &T); }

/* extract(year FROM t): the field is a unit word or a name */
expr(A) ::= EXTRACT(N) LP UNIT(F) FROM expr(X) RP(R). { A = cql_b_extract(ctx, &N, &F, X, &R); }
expr(A) ::= EXTRACT(N) LP ID(F) FROM expr(X) RP(R).   { A = cql_b_extract(ctx, &N, &F, X, &R); }
expr(A) ::= EXTRACT(N) LP exprlist(L) RP(R).          { A = cql_b_call(ctx, &N, L, false, false, &R); }

/* position(sub IN s): the first operand may not itself use IN */
expr(A) ::= POSITION(N) LP pos_arg(S) IN expr(X) RP(R). { A = cql_b_position(ctx, &N, S, X, &R); }
pos_arg(A) ::= STRING(X).                  { A = cql_b_text(ctx, &X); }
pos_arg(A) ::= PARAM(X).                   { A = cql_b_leaf(ctx, CQL_E_PARAM, &X); }
pos_arg(A) ::= path(P).                    { A = cql_b_column(ctx, P.p, P.pos, P.end); }
pos_arg(A) ::= LP(L) expr(E) RP(R).        { A = cql_b_paren(ctx, &L, E, &R); }

/* now() as PostgreSQL spells it (NOW is a keyword) */
expr(A) ::= NOW(X) LP RP.                  { A = cql_b_leaf(ctx, CQL_E_NOW, &X); }

/* ------------------------------------------------ subqueries (issue 15)
 * Uncorrelated: the inner SELECT runs once per execution. */
expr(A) ::= expr(X) IN LP select(S) RP(R).          { A = cql_b_subquery(ctx, CQL_E_IN, &R, X, false, S, &R); }
expr(A) ::= expr(X) NOT IN LP select(S) RP(R). [IN] { A = cql_b_subquery(ctx, CQL_E_IN, &R, X, true, S, &R); }
expr(A) ::= EXISTS(K) LP select(S) RP(R).           { A = cql_b_subquery(ctx, CQL_E_EXISTS, &K, NULL, false, S, &R); }
expr(A) ::= LP(L) select(S) RP(R).                  { A = cql_b_subquery(ctx, CQL_E_SUBQUERY, &L, NULL, false, S, &R); }

/* ---------------------------------------- set operations (issue 15)
 * SELECT ... UNION [ALL] | EXCEPT | INTERSECT SELECT ..., left to right;
 * ORDER BY / LIMIT / OFFSET after the last SELECT apply to the whole. */
%type compound {cql_select *}
%destructor compound { cql_select_free($$); }
%type setop {cql_setopx}

stmt(A) ::= compound(C).                   { A = cql_b_stmt_select(ctx, CQL_SELECT, NULL, cql_b_compound_end(ctx, C)); }
compound(A) ::= select(X) setop(O) select(Y).   { A = cql_b_compound(ctx, X, O, Y); }
compound(A) ::= compound(X) setop(O) select(Y). { A = cql_b_compound(ctx, X, O, Y); }
setop(A) ::= UNION(K).                     { A = (cql_setopx){CQL_SET_UNION, false, K.pos}; }
setop(A) ::= UNION(K) ALL.                 { A = (cql_setopx){CQL_SET_UNION, true, K.pos}; }
setop(A) ::= EXCEPT(K).                    { A = (cql_setopx){CQL_SET_EXCEPT, false, K.pos}; }
setop(A) ::= INTERSECT(K).                 { A = (cql_setopx){CQL_SET_INTERSECT, false, K.pos}; }

/* DESCRIBE table, SHOW TABLES (issue 15: what the shell's \d shows) */
stmt(A) ::= DESCRIBE(K) name(T).           { A = cql_b_describe(ctx, &K, &T); }
stmt(A) ::= SHOW(K) TABLES.                { A = cql_b_stmt(ctx, CQL_SHOW_TABLES, &K); }

/* ------------------------------------------ window functions (issue 15)
 * f(...) [FILTER (WHERE ...)] OVER ([PARTITION BY ...] [ORDER BY ...]);
 * explicit frames and named windows are refused with a clear message.
 * WINDOW is reserved (as in PostgreSQL): with a fallback it would be read
 * as a table alias in `FROM events WINDOW w AS (...)`. */
%type win {cql_window *}
%destructor win { cql_window_free($$); }

expr(A) ::= ID(N) LP RP(R) win(W) RP(E).  { A = cql_b_over(ctx, cql_b_call(ctx, &N, (cql_expr_list){0}, false, false, &R), W, &E); }
expr(A) ::= ID(N) LP STAR RP(R) filter(F) win(W) RP(E). { A = cql_b_over(ctx, cql_b_filter(ctx, cql_b_call(ctx, &N, (cql_expr_list){0}, true, false, &R), F), W, &E); }
expr(A) ::= ID(N) LP exprlist(L) RP(R) filter(F) win(W) RP(E). { A = cql_b_over(ctx, cql_b_filter(ctx, cql_b_call(ctx, &N, L, false, false, &R), F), W, &E); }
expr(A) ::= ID(N) LP DISTINCT exprlist(L) RP(R) filter(F) win(W) RP(E). { A = cql_b_over(ctx, cql_b_filter(ctx, cql_b_call(ctx, &N, L, false, true, &R), F), W, &E); }
win(A) ::= OVER(K) LP.                     { A = cql_b_window(ctx, &K); }
win(A) ::= win(A) PARTITION(K) BY exprlist(L). { cql_b_window_part(ctx, A, &K, L); }
win(A) ::= win(A) ORDER(K) BY orderlist(L). { cql_b_window_order(ctx, A, &K, L); }
win(A) ::= win(A) ROWS(K).                 { cql_b_window_frame(ctx, &K); }
win(A) ::= win(A) RANGE(K).                { cql_b_window_frame(ctx, &K); }
win(A) ::= win(A) GROUPS(K).               { cql_b_window_frame(ctx, &K); }
win(A) ::= OVER ID(W).                     { A = NULL; cql_b_window_named(ctx, &W); }
select(A) ::= select(A) WINDOW(K).         { cql_b_window_named(ctx, &K); }
/* ------------------------------------------------------ joins (issue 15)
 * FROM t [AS OF x] [VISIBLE AT x] [INCLUDE ...] [[AS] alias]
 * [INNER | LEFT [OUTER]] JOIN t2 ... ON c ... ; q.* in the select list.
 * A temporal clause right after a table name is that table's (the
 * statement's one otherwise): the reduction of tref yields to them.
 * JOIN, ON, LEFT, INNER and OUTER are reserved (no %fallback): a
 * fallback keyword is read as an alias where a reduction is the default
 * action, so `FROM events JOIN` would alias events as "JOIN". */
%nonassoc TREF.
%nonassoc VISIBLE INCLUDE AS.
%type tref {cql_fromx}
%destructor tref { cql_b_fromx_clear(&$$); }
%type tname {cql_fromx}
%destructor tname { cql_b_fromx_clear(&$$); }

tref(A) ::= tname(A). [TREF]
tref(A) ::= tname(A) ID(N).                { cql_b_from_alias(ctx, &A, &N); }
tref(A) ::= tname(A) AS ID(N).             { cql_b_from_alias(ctx, &A, &N); }
tname(A) ::= name(T).                      { A = cql_b_from_table(ctx, &T); }
tname(A) ::= tname(A) AS(K) OF expr(E).    { cql_b_from_clause(ctx, &A, CQL_CL_AS_OF, &K, E); }
tname(A) ::= tname(A) VISIBLE(K) AT expr(E). { cql_b_from_clause(ctx, &A, CQL_CL_VISIBLE_AT, &K, E); }
tname(A) ::= tname(A) INCLUDE(K) HIDDEN.   { cql_b_from_clause(ctx, &A, CQL_CL_HIDDEN, &K, NULL); }
tname(A) ::= tname(A) INCLUDE(K) RETRACTED. { cql_b_from_clause(ctx, &A, CQL_CL_RETRACTED, &K, NULL); }

select(A) ::= select(A) JOIN(K) tref(T) ON expr(E).             { cql_b_join(ctx, A, CQL_JOIN_INNER, &K, &T, E); }
select(A) ::= select(A) INNER(K) JOIN tref(T) ON expr(E).       { cql_b_join(ctx, A, CQL_JOIN_INNER, &K, &T, E); }
select(A) ::= select(A) LEFT(K) JOIN tref(T) ON expr(E).        { cql_b_join(ctx, A, CQL_JOIN_LEFT, &K, &T, E); }
select(A) ::= select(A) LEFT(K) OUTER JOIN tref(T) ON expr(E).  { cql_b_join(ctx, A, CQL_JOIN_LEFT, &K, &T, E); }

items(A) ::= path(Q) DOT STAR(T).            { A = cql_b_item1(ctx, NULL, NULL, &T); cql_b_item_qual(ctx, &A, &Q); }
items(A) ::= items(A) COMMA path(Q) DOT STAR(T). { cql_b_item_add(ctx, &A, NULL, NULL, &T); cql_b_item_qual(ctx, &A, &Q); }
/* left(s, n) stays a function although LEFT is reserved for joins */
expr(A) ::= LEFT(N) LP exprlist(L) RP(R).  { A = cql_b_call(ctx, &N, L, false, false, &R); }

/* ------------------------------------ WITH and FROM (SELECT) (issue 15)
 * WITH a AS (SELECT ...), b AS (...) SELECT ... ; not recursive: a name
 * is known from the end of its own definition on. */
%type with {cql_ctelist}
%destructor with { cql_b_ctelist_free(ctx, &$$); }
stmt(A) ::= with(W) select(S).            { A = cql_b_stmt_select(ctx, CQL_SELECT, NULL, cql_b_with(ctx, &W, S)); }
stmt(A) ::= with(W) compound(C).          { A = cql_b_stmt_select(ctx, CQL_SELECT, NULL, cql_b_with(ctx, &W, cql_b_compound_end(ctx, C))); }
with(A) ::= WITH ID(N) AS LP select(S) RP.           { A = cql_b_cte(ctx, &N, S); }
with(A) ::= with(A) COMMA ID(N) AS LP select(S) RP.  { cql_b_cte_add(ctx, &A, &N, S); }
tname(A) ::= LP(L) select(S) RP.          { A = cql_b_from_sub(ctx, &L, S); }
stmt(A) ::= EXPLAIN(K) with(W) select(S). { A = cql_b_stmt_select(ctx, CQL_EXPLAIN, &K, cql_b_with(ctx, &W, S)); }
