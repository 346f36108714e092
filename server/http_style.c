/*
 * http_style.c -- the one style sheet of the look-up, compiled in and
 * served at /static/style.css (the CSP allows styles from 'self' only and
 * no inline styles, so every page links it).
 *
 * Design: readable on a phone and a desktop (one column, max 60rem, fluid
 * type), contrast at least 4.5:1 for text (WCAG AA), a visible focus ring
 * for keyboard users, a skip link, and a print layout for the credit
 * report (A4, no header search, no navigation, records kept whole).
 *
 * Does not: hold any page structure (http_pages.c).
 */
#include "http.h"

static const char css[] =
    ":root{--fg:#1a1a1a;--muted:#4a4a4a;--bg:#fff;--line:#c8c8c8;"
    "--link:#0b4f9c;--bad:#9b1c1c;--good:#1b5e20;--band:#f3f5f8}\n"
    "*{box-sizing:border-box}\n"
    "html{font-size:100%}\n"
    "body{margin:0;color:var(--fg);background:var(--bg);line-height:1.6;"
    "font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",\"WenQuanYi Micro "
    "Hei\",sans-serif;font-size:clamp(1rem,0.95rem + 0.3vw,"
    "1.125rem)}\n"
    "a{color:var(--link)}\n"
    "a:focus,button:focus,input:focus{outline:3px solid #f0a000;"
    "outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}\n"
    ".skip:focus{left:.5rem}\n"
    "header.site{background:#0b3a6e;color:#fff;padding:.75rem 1rem}\n"
    "header.site .in{max-width:60rem;margin:0 auto;display:flex;"
    "flex-wrap:wrap;gap:.75rem;align-items:center;"
    "justify-content:space-between}\n"
    "header.site a.brand{color:#fff;font-weight:700;font-size:1.2rem;"
    "text-decoration:none}\n"
    "main{max-width:60rem;margin:0 auto;padding:1rem}\n"
    "footer{max-width:60rem;margin:2rem auto;padding:1rem;"
    "color:var(--muted);border-top:1px solid var(--line);font-size:.9rem}\n"
    "form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}\n"
    "form.search label{flex-basis:100%}\n"
    "header.site form.search label{position:absolute;left:-999px}\n"
    "form.search input{flex:1 1 14rem;min-width:0;font-size:1rem;"
    "padding:.55rem .7rem;border:2px solid #5a5a5a;border-radius:4px}\n"
    "form.search button{font-size:1rem;padding:.55rem 1.2rem;border:0;"
    "border-radius:4px;background:#0b4f9c;color:#fff;cursor:pointer}\n"
    ".hero{background:var(--band);padding:2rem 1rem;border-radius:6px;"
    "margin:1rem 0}\n"
    ".hero h1{margin-top:0}\n"
    ".hint{color:var(--muted);font-size:.95rem}\n"
    "ul.results{list-style:none;padding:0}\n"
    "ul.results li{border-bottom:1px solid var(--line);padding:.6rem 0}\n"
    "ul.results .id,.meta{color:var(--muted);font-size:.95rem}\n"
    ".tag{display:inline-block;font-size:.85rem;padding:0 .4rem;"
    "border:1px solid var(--muted);border-radius:3px;margin-left:.4rem}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.25rem 1rem;margin:.5rem 0}\n"
    "dl.facts dt{color:var(--muted)}\n"
    "dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "section.group{margin-top:1.5rem}\n"
    "section.adverse h2{color:var(--bad)}\n"
    "section.positive h2{color:var(--good)}\n"
    "article.rec{border:1px solid var(--line);border-left:6px solid "
    "var(--line);border-radius:4px;padding:.5rem 1rem;margin:.75rem 0;"
    "break-inside:avoid}\n"
    "section.adverse article.rec{border-left-color:var(--bad)}\n"
    "section.positive article.rec{border-left-color:var(--good)}\n"
    "article.rec h3{margin:.25rem 0;font-size:1.05rem}\n"
    ".actions{margin:1rem 0;display:flex;gap:1rem;flex-wrap:wrap}\n"
    ".pager{margin:1rem 0}\n"
    ".note{background:var(--band);padding:.75rem 1rem;border-radius:4px}\n"
    ".report h1{text-align:center;letter-spacing:.5rem}\n"
    ".report table{width:100%;border-collapse:collapse;margin:.5rem 0}\n"
    ".report th,.report td{border:1px solid #777;padding:.3rem .4rem;"
    "text-align:left;vertical-align:top;font-size:.9rem}\n"
    ".report th{background:var(--band)}\n"
    "@media (max-width:40rem){dl.facts{grid-template-columns:1fr}"
    "dl.facts dd{margin-bottom:.4rem}"
    ".report th,.report td{font-size:.8rem}}\n"
    "@media print{@page{size:A4;margin:16mm}"
    "header.site,footer,.actions,.skip,.noprint{display:none}"
    "body{font-size:10.5pt;color:#000}main{max-width:none;padding:0}"
    "a{color:#000;text-decoration:none}"
    "tr,article.rec{break-inside:avoid}}\n";

void http_page_css(http_req *rq, http_reply *rp) {
  (void)rq;
  rp->status = 200;
  rp->ctype = "text/css; charset=utf-8";
  http_buf_put(&rp->body, css, sizeof css - 1);
}
