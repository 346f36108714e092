/*
 * http_pages.c -- the HTML pages of the public look-up, in Simplified
 * Chinese, rendered on the server and complete without JavaScript: home,
 * search results, a subject's public records, one record, the printable
 * credit report (信用报告) and the error page.
 *
 * Invariants: every value from the store or the request is written with
 * http_buf_html (text and attributes) or http_buf_url (inside an href);
 * literal markup is the only unescaped output. Pages carry no script and
 * no inline style (the CSP forbids both); forms use GET. Each page has
 * one h1, a skip link, labelled inputs and lang="zh-CN".
 *
 * Does not: load data (http_data.c) or set headers (http_main.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static const char *const cat_title[] = {"失信信息（不良记录）",
                                        "守信信息（良好记录）", "其他公示信息"};
static const char *const cat_class[] = {"adverse", "positive", "other"};

/* ----------------------------------------------------------- frame */

/* The page's start; `search_box` adds the header's search form, holding
 * `q` (may be NULL) as its value. */
static void head_q(http_buf *b, const char *title, int search_box,
                   const char *q) {
  http_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                   "content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
  http_buf_html(b, title);
  http_buf_puts(b, " - 公共信用信息查询</title>\n"
                   "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
                   "</head>\n<body>\n"
                   "<a class=\"skip\" href=\"#main\">跳到正文</a>\n"
                   "<header class=\"site\"><div class=\"in\">"
                   "<a class=\"brand\" href=\"/\">公共信用信息查询</a>\n");
  if (search_box)
    http_buf_puts(b, "<form class=\"search\" action=\"/search\" "
                     "method=\"get\" role=\"search\">"
                     "<label for=\"q-top\">查询企业或个人</label>"
                     "<input id=\"q-top\" name=\"q\" type=\"search\" "
                     "maxlength=\"60\" placeholder=\"名称、统一社会信用代码"
                     "或身份证号\" value=\"");
  if (search_box) {
    http_buf_html(b, q);
    http_buf_puts(b, "\"><button type=\"submit\">查询</button></form>\n");
  }
  http_buf_puts(b, "</div></header>\n<main id=\"main\">\n");
}

static void head(http_buf *b, const char *title, int search_box) {
  head_q(b, title, search_box, NULL);
}

static void foot(http_buf *b) {
  http_buf_puts(b, "</main>\n<footer><p>本站公示的信息来自各部门报送的公共信用"
                   "信息，仅显示当前处于公示期内的记录。个人身份证号已作遮"
                   "蔽处理。对公示信息有异议的，可向作出决定的部门或信用"
                   "主管部门提出异议或申请信用修复。</p></footer>\n"
                   "</body>\n</html>\n");
}

static void page(http_reply *rp, int status) {
  rp->status = status;
  rp->ctype = "text/html; charset=utf-8";
  rp->no_store = status >= 400;
}

void http_page_error(http_reply *rp, int status, const char *msg) {
  char title[32];
  page(rp, status);
  snprintf(title, sizeof title, "错误 %d", status);
  http_buf_free(&rp->body);
  head(&rp->body, title, 1);
  http_buf_printf(&rp->body, "<h1>错误 %d</h1>\n<p>", status);
  http_buf_html(&rp->body, msg);
  http_buf_puts(&rp->body, "</p>\n<p><a href=\"/\">返回首页</a></p>\n");
  foot(&rp->body);
}

/* An error of the engine: not found, a refused search, or a failure. */
static void engine_error(http_req *rq, http_reply *rp, int rc,
                         const char *what) {
  if (rc == CREDO_NOTFOUND)
    http_page_error(rp, 404, what);
  else if (rc == CREDO_CANCELLED)
    http_page_error(rp, 503, "查询超时，请稍后再试。");
  else
    http_page_error(rp, 500, "查询失败，请稍后再试。");
  (void)rq;
}

static const char *kind_label(int kind) {
  return kind == CREDO_KIND_ORG      ? "企业"
         : kind == CREDO_KIND_PERSON ? "个人"
                                     : "其他主体";
}

static const char *id_label(int kind) {
  return kind == CREDO_KIND_ORG      ? "统一社会信用代码"
         : kind == CREDO_KIND_PERSON ? "身份证号"
                                     : "主体标识";
}

/* ------------------------------------------------------------ home */

void http_page_home(http_req *rq, http_reply *rp) {
  http_buf *b = &rp->body;
  (void)rq;
  page(rp, 200);
  head(b, "首页", 0);
  http_buf_puts(
      b, "<section class=\"hero\">\n<h1>公共信用信息查询</h1>\n"
         "<form class=\"search\" action=\"/search\" method=\"get\" "
         "role=\"search\">\n"
         "<label for=\"q\">企业名称（或其中一部分）、统一社会信用代码，"
         "或个人完整身份证号</label>\n"
         "<input id=\"q\" name=\"q\" type=\"search\" maxlength=\"60\" "
         "required autofocus placeholder=\"例如：鼓浪屿\">\n"
         "<button type=\"submit\">查询</button>\n</form>\n"
         "<p class=\"hint\">个人信息只能按完整身份证号查询；名称查询至少输入"
         "两个字。</p>\n</section>\n"
         "<p>本平台公示行政处罚、行政许可、守信激励、失信名单等公共信用"
         "信息。公示期届满或经信用修复的记录不再公示。</p>\n");
  foot(b);
}

/* ---------------------------------------------------------- search */

static void result_item(http_buf *b, const http_hit *h) {
  http_buf_puts(b, "<li><a href=\"/subjects/");
  http_buf_url(b, h->link);
  http_buf_puts(b, "\">");
  http_buf_html(b, h->name[0] ? h->name : h->id);
  http_buf_puts(b, "</a><span class=\"tag\">");
  http_buf_puts(b, kind_label(h->kind));
  http_buf_puts(b, "</span><br><span class=\"id\">");
  http_buf_puts(b, id_label(h->kind));
  http_buf_puts(b, "：");
  http_buf_html(b, h->id);
  http_buf_puts(b, "</span></li>\n");
}

static void search_message(http_buf *b, const http_results *r) {
  const char *msg = NULL;
  if (r->kind == HTTP_Q_EMPTY)
    msg = "请输入要查询的企业名称、统一社会信用代码或身份证号。";
  else if (r->kind == HTTP_Q_BAD)
    msg = "查询内容过长或含有无效字符。";
  else if (r->n == 0 && r->kind == HTTP_Q_PERSON)
    msg = "没有找到该身份证号的公示信息。";
  else if (r->n == 0)
    msg = "没有找到符合条件的主体。请检查输入，或换一个关键词。";
  if (msg) {
    http_buf_puts(b, "<p role=\"status\">");
    http_buf_puts(b, msg);
    http_buf_puts(b, "</p>\n");
  }
}

void http_page_search(http_req *rq, http_reply *rp) {
  const char *q = rq->arg(rq->arg_ctx, "q");
  const char *after = rq->arg(rq->arg_ctx, "after");
  http_buf *b = &rp->body;
  http_results r;
  int rc, i;
  if (after && (!*after || strlen(after) > 64))
    after = NULL;
  rc = http_search(rq->db, q ? q : "", after, &r);
  if (rc == CREDO_INVALID) {
    page(rp, 400);
    head(b, "查询结果", 1);
    http_buf_puts(b, "<h1>查询结果</h1>\n<p role=\"status\">名称查询请至少输"
                     "入两个字。</p>\n");
    foot(b);
    return;
  }
  if (rc != CREDO_OK) {
    engine_error(rq, rp, rc, "");
    return;
  }
  page(rp, 200);
  head_q(b, "查询结果", 1, r.kind == HTTP_Q_PERSON ? NULL : q);
  http_buf_puts(b, "<h1>查询结果</h1>\n");
  if (r.kind != HTTP_Q_EMPTY && r.kind != HTTP_Q_BAD) {
    http_buf_puts(b, "<p class=\"meta\">查询：“");
    http_buf_html(b, r.kind == HTTP_Q_PERSON && r.n ? r.hits[0].id : q);
    http_buf_printf(b, "”，本页 %d 条%s</p>\n", r.n,
                    r.more ? "，还有更多" : "");
  }
  search_message(b, &r);
  if (r.n) {
    http_buf_puts(b, "<ul class=\"results\">\n");
    for (i = 0; i < r.n; i++)
      result_item(b, &r.hits[i]);
    http_buf_puts(b, "</ul>\n");
  }
  if (r.more) {
    http_buf_puts(b, "<p class=\"pager\"><a rel=\"next\" href=\"/search?q=");
    http_buf_url(b, q);
    http_buf_puts(b, "&amp;after=");
    http_buf_url(b, r.hits[r.n - 1].link);
    http_buf_puts(b, "\">下一页</a></p>\n");
  }
  foot(b);
}

/* --------------------------------------------------------- records */

/* The authority: data.authority when present, else the source. */
static const char *authority(json_t *data, const http_event *e) {
  json_t *a = json_object_get(data, "authority");
  return json_is_string(a) ? json_string_value(a) : e->source;
}

/* One data value as text (strings as they are, others as JSON). */
static void value_text(http_buf *b, json_t *v) {
  char *s;
  if (json_is_string(v)) {
    http_buf_html(b, json_string_value(v));
    return;
  }
  s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
  http_buf_html(b, s ? s : "");
  free(s);
}

/* The public fields of `data` but the authority, as dt/dd pairs. */
static void data_fields(http_buf *b, json_t *data) {
  const char *key;
  json_t *v;
  json_object_foreach(data, key, v) {
    const char *label = http_field_label(key);
    if (strcmp(key, "authority") == 0)
      continue;
    http_buf_puts(b, "<dt>");
    http_buf_html(b, label ? label : key);
    http_buf_puts(b, "</dt><dd>");
    value_text(b, v);
    http_buf_puts(b, "</dd>\n");
  }
}

/* The facts of a record as a definition list. */
static void record_facts(http_buf *b, const http_event *e, json_t *data) {
  http_buf_puts(b, "<dl class=\"facts\">\n<dt>决定文书号</dt><dd>");
  http_buf_html(b, e->ref);
  http_buf_puts(b, "</dd>\n<dt>决定机关</dt><dd>");
  http_buf_html(b, authority(data, e));
  http_buf_puts(b, "</dd>\n<dt>决定日期</dt><dd>");
  http_buf_date(b, e->occurred);
  http_buf_puts(b, "</dd>\n<dt>公示期</dt><dd>");
  http_buf_date(b, e->public_from);
  http_buf_puts(b, " 至 ");
  http_buf_date(b, e->public_until);
  http_buf_puts(b, "</dd>\n");
  data_fields(b, data);
  http_buf_puts(b, "</dl>\n");
}

static void record_card(http_buf *b, const http_event *e) {
  json_t *data = json_loads(e->data, 0, NULL);
  http_buf_printf(b, "<article class=\"rec\">\n<h3><a href=\"/events/%llu\">",
                  (unsigned long long)e->id);
  http_buf_html(b, http_type_label(e->type));
  http_buf_puts(b, "</a></h3>\n");
  record_facts(b, e, data);
  http_buf_puts(b, "</article>\n");
  json_decref(data);
}

static size_t count_cat(const http_subject *s, int cat) {
  size_t i, n = 0;
  for (i = 0; i < s->nev; i++)
    n += s->ev[i].cat == cat;
  return n;
}

static void subject_facts(http_buf *b, const http_subject *s) {
  http_buf_puts(b, "<dl class=\"facts\">\n<dt>");
  http_buf_puts(b, id_label(s->kind));
  http_buf_puts(b, "</dt><dd>");
  http_buf_html(b, s->id);
  http_buf_puts(b, "</dd>\n<dt>主体类型</dt><dd>");
  http_buf_puts(b, kind_label(s->kind));
  http_buf_puts(b, "</dd>\n</dl>\n");
}

void http_page_subject(http_req *rq, http_reply *rp, const char *id) {
  http_buf *b = &rp->body;
  http_subject s;
  size_t i;
  int rc = http_subject_load(rq->db, id, 1, &s), cat;
  if (rc != CREDO_OK) {
    http_subject_free(&s);
    engine_error(rq, rp, rc, "没有找到该主体。");
    return;
  }
  page(rp, 200);
  rp->last_modified = s.last_modified;
  head(b, s.name[0] ? s.name : s.id, 1);
  http_buf_puts(b, "<h1>");
  http_buf_html(b, s.name[0] ? s.name : s.id);
  http_buf_puts(b, "</h1>\n");
  subject_facts(b, &s);
  http_buf_puts(b, "<p class=\"actions\"><a href=\"/subjects/");
  http_buf_url(b, id);
  http_buf_puts(b, "/report\">查看并打印信用报告</a></p>\n");
  for (cat = HTTP_CAT_ADVERSE; cat <= HTTP_CAT_OTHER; cat++) {
    size_t n = count_cat(&s, cat);
    if (cat == HTTP_CAT_OTHER && n == 0)
      continue;
    http_buf_printf(b, "<section class=\"group %s\">\n<h2>%s（%zu 条）</h2>\n",
                    cat_class[cat], cat_title[cat], n);
    if (n == 0)
      http_buf_puts(b, "<p>暂无公示记录。</p>\n");
    for (i = 0; i < s.nev; i++)
      if (s.ev[i].cat == cat)
        record_card(b, &s.ev[i]);
    http_buf_puts(b, "</section>\n");
  }
  foot(b);
  http_subject_free(&s);
}

void http_page_event(http_req *rq, http_reply *rp, const char *id) {
  http_buf *b = &rp->body;
  credo_subject_info si;
  http_event e;
  json_t *data;
  uint64_t n = http_parse_id(id);
  int rc = n ? http_event_load(rq->db, n, &e) : CREDO_NOTFOUND;
  if (rc != CREDO_OK) {
    engine_error(rq, rp, rc, "没有找到该记录，或该记录已不在公示期内。");
    return;
  }
  data = json_loads(e.data, 0, NULL);
  page(rp, 200);
  rp->last_modified = e.recorded;
  head(b, http_type_label(e.type), 1);
  http_buf_puts(b, "<h1>");
  http_buf_html(b, http_type_label(e.type));
  http_buf_puts(b, "</h1>\n<p class=\"meta\">信用主体：");
  /* a person's id comes masked: link only to subjects that resolve */
  if (credo_get_subject(rq->db, e.subject, &si) == CREDO_OK &&
      si.kind != CREDO_KIND_PERSON) {
    http_buf_puts(b, "<a href=\"/subjects/");
    http_buf_url(b, e.subject);
    http_buf_puts(b, "\">");
    http_buf_html(b, si.name[0] ? si.name : e.subject);
    http_buf_puts(b, "</a>");
  } else {
    http_buf_html(b, e.subject);
  }
  http_buf_puts(b, "</p>\n");
  record_facts(b, &e, data);
  foot(b);
  json_decref(data);
  http_event_free(&e);
}

/* ---------------------------------------------------------- report */

static void report_table(http_buf *b, const http_subject *s, int cat) {
  size_t i, k = 0;
  http_buf_printf(b, "<h2>%s</h2>\n", cat_title[cat]);
  for (i = 0; i < s->nev; i++) {
    const http_event *e = &s->ev[i];
    json_t *data;
    if (e->cat != cat)
      continue;
    if (k++ == 0)
      http_buf_puts(b, "<table>\n<thead><tr><th scope=\"col\">序号</th>"
                       "<th scope=\"col\">类别</th><th scope=\"col\">决定"
                       "文书号</th><th scope=\"col\">决定机关</th>"
                       "<th scope=\"col\">决定日期</th><th scope=\"col\">"
                       "公示截止</th></tr></thead>\n<tbody>\n");
    data = json_loads(e->data, 0, NULL);
    http_buf_printf(b, "<tr><td>%zu</td><td>", k);
    http_buf_html(b, http_type_label(e->type));
    http_buf_puts(b, "</td><td>");
    http_buf_html(b, e->ref);
    http_buf_puts(b, "</td><td>");
    http_buf_html(b, authority(data, e));
    http_buf_puts(b, "</td><td>");
    http_buf_date(b, e->occurred);
    http_buf_puts(b, "</td><td>");
    http_buf_date(b, e->public_until);
    http_buf_puts(b, "</td></tr>\n");
    json_decref(data);
  }
  http_buf_puts(b, k ? "</tbody>\n</table>\n" : "<p>无。</p>\n");
}

static void report_note(http_buf *b) {
  http_buf_puts(
      b, "<h2>说明</h2>\n<div class=\"note\">\n"
         "<p>1. 本报告列出生成时处于公示期内的公共信用信息；公示期届满、"
         "已信用修复或已撤销的记录不在本报告中。</p>\n"
         "<p>2. 信用修复：依据国家发展改革委《信用修复管理办法》，失信信息"
         "公示满最短公示期后，信用主体可以向认定部门或信用平台申请信用修"
         "复；修复后相关记录停止公示。轻微失信信息不公示或最长公示三个月，"
         "一般失信信息公示三个月至一年，严重失信信息公示一年至三年。</p>\n"
         "<p>3. 对记录内容有异议的，可向作出决定的部门提出异议申请。</p>\n"
         "<p>4. 个人身份证号已按规定遮蔽。本报告不作为任何机构对信用主体"
         "的评价结论。</p>\n</div>\n");
}

void http_page_report(http_req *rq, http_reply *rp, const char *id) {
  http_buf *b = &rp->body;
  http_subject s;
  char title[600];
  int rc = http_subject_load(rq->db, id, 1, &s), cat;
  if (rc != CREDO_OK) {
    http_subject_free(&s);
    engine_error(rq, rp, rc, "没有找到该主体。");
    return;
  }
  page(rp, 200);
  rp->last_modified = s.last_modified;
  snprintf(title, sizeof title, "信用报告：%s", s.name[0] ? s.name : s.id);
  head(b, title, 1);
  http_buf_puts(b, "<article class=\"report\">\n<h1>信用报告</h1>\n"
                   "<dl class=\"facts\">\n<dt>主体名称</dt><dd>");
  http_buf_html(b, s.name[0] ? s.name : "（无）");
  http_buf_puts(b, "</dd>\n<dt>");
  http_buf_puts(b, id_label(s.kind));
  http_buf_puts(b, "</dt><dd>");
  http_buf_html(b, s.id);
  http_buf_puts(b, "</dd>\n<dt>报告日期</dt><dd>");
  http_buf_date(b, credo_now(rq->db));
  http_buf_printf(b,
                  "</dd>\n<dt>公示记录</dt><dd>失信 %zu 条，守信 %zu 条"
                  "</dd>\n</dl>\n",
                  count_cat(&s, HTTP_CAT_ADVERSE),
                  count_cat(&s, HTTP_CAT_POSITIVE));
  for (cat = HTTP_CAT_ADVERSE; cat <= HTTP_CAT_OTHER; cat++)
    if (cat != HTTP_CAT_OTHER || count_cat(&s, cat))
      report_table(b, &s, cat);
  report_note(b);
  http_buf_puts(b, "<p class=\"actions noprint\">使用浏览器的“打印”功能"
                   "（Ctrl+P）可将本报告打印或保存为 PDF。 <a "
                   "href=\"/subjects/");
  http_buf_url(b, id);
  http_buf_puts(b, "\">返回主体页面</a></p>\n</article>\n");
  foot(b);
  http_subject_free(&s);
}
