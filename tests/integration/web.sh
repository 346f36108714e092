#!/usr/bin/env bash
# web.sh -- the public credit look-up (credo-server --http) used as a
# person and a program would: headless Chromium searches, opens a subject,
# opens the credit report and prints it to PDF (screenshots and the PDF go
# to $BUILD/web/); curl checks the JSON API, the headers, escaping, the
# limits, the rate limit, masking of persons' ids, that repaired and
# retracted records never appear, and that the log holds no personal id.
#
# Loopback only, kernel-assigned ports (--listen and --http on port 0; the
# server logs the ports), a mktemp store; a trap stops every server. Prints
# one "ok"/"FAIL" line per check; exit 1 if any check failed.
set -u
BUILD=${BUILD:-build}
BIN=$BUILD/bin
OUT=$BUILD/web
T=$(mktemp -d "${TMPDIR:-/tmp}/credo-web-test.XXXXXX")
PIDS=()
FAILS=0
CHECKS=0
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$OUT"

cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

ok() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*"; }
# has NAME PATTERN FILE / hasnt NAME PATTERN FILE (grep -E)
has() {
  if grep -Eq -- "$2" "$3"; then ok "$1"; else
    fail "$1 (wanted /$2/)"
    head -c 1500 "$3" | sed 's/^/     | /'
  fi
}
hasnt() {
  if grep -Eq -- "$2" "$3"; then
    fail "$1 (found /$2/)"
    grep -E -- "$2" "$3" | head -5 | sed 's/^/     | /'
  else ok "$1"; fi
}
# status NAME CODE CURL-ARGS...: the HTTP status must be CODE.
status() {
  local name=$1 want=$2 got
  shift 2
  got=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@")
  if [ "$got" = "$want" ]; then ok "$name"; else
    fail "$name (status $got, wanted $want)"
    head -c 600 "$T/body" | sed 's/^/     | /'
  fi
}

# start NAME [OPTIONS...]: starts a server on the test store; sets WEB
# (http://127.0.0.1:PORT) and SPID. Log in $T/NAME.log. Without a
# --config option the look-up address is given as --http 127.0.0.1:0.
start() {
  local name=$1 port="" http=(--http 127.0.0.1:0)
  shift
  case " $* " in *" --config "*) http=() ;; esac
  "$BIN/credo-server" --store "$T/store" --listen 127.0.0.1:0 \
    "${http[@]}" "$@" 2>"$T/$name.log" &
  SPID=$!
  PIDS+=("$SPID")
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*event=http_listening port=\([0-9]*\).*/\1/p' \
      "$T/$name.log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "server $name did not start:"
    cat "$T/$name.log"
    exit 1
  fi
  WEB="http://127.0.0.1:$port"
}

# chrome ARGS... URL: headless Chromium with a throw-away profile.
chrome() {
  HOME="$T/home" timeout 90 "$CHROMIUM" --headless --no-sandbox \
    --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.log"
}

# ------------------------------------------------------------- the store
ORG=91350100M000100Y43
XSS=914403001922038216
PERSON=11010519491231002X
PERSON_MASKED='110105********002X'
# 25 more companies sharing "鼓浪屿" for paging: valid USCCs
python3 - >"$T/more.cql" <<'EOF'
A = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
OW = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code check
for i in range(25):
    body = "%08d" % (700000 + i)
    k = 11 - sum(int(ch) * w for ch, w in zip(body, OW)) % 11
    b = "91350203" + body + ("X" if k == 10 else "0" if k == 11 else str(k))
    c = A[(31 - sum(A.index(ch) * w for ch, w in zip(b, W)) % 31) % 31]
    print("CREATE SUBJECT '%s%s' KIND org NAME '鼓浪屿第%02d号商行';" % (b, c, i))
EOF
cat >"$T/setup.cql" <<EOF
CREATE TYPE penalty_general PUBLICITY 1 YEAR REPAIRABLE AFTER 3 MONTHS;
CREATE TYPE honour PUBLICITY 2 YEARS;
CREATE TYPE licence;
CREATE SUBJECT '$ORG' KIND org NAME '厦门鼓浪屿旅游有限公司';
CREATE SUBJECT '$XSS' KIND org NAME '<script>alert(1)</script>';
CREATE SUBJECT '$PERSON' KIND person NAME '张三';
RECORD penalty_general FOR '$ORG' OCCURRED NOW - 30 DAYS
  SOURCE 'xm-market' REF '厦市监罚〔2026〕12号'
  DATA {"amount_wan": 0.5, "authority": "厦门市市场监督管理局",
        "basis": "广告法第五十五条"};
RECORD penalty_general FOR '$ORG' OCCURRED NOW - 200 DAYS
  SOURCE 'xm-market' REF 'REPAIRED-厦市监罚〔2025〕7号' DATA {"amount_wan": 1};
RECORD penalty_general FOR '$ORG' OCCURRED NOW - 20 DAYS
  SOURCE 'xm-market' REF 'RETRACTED-厦市监罚〔2026〕99号' DATA {"amount_wan": 2};
RECORD honour FOR '$ORG' OCCURRED NOW - 100 DAYS
  SOURCE 'xm-tax' REF 'A级纳税人〔2026〕31号' DATA {"grade": "A"};
RECORD licence FOR '$ORG' OCCURRED '2023-12-18'
  SOURCE 'xm-approval' REF '厦审批〔2023〕88号' DATA {"permit": "旅行社业务经营许可证"};
RECORD penalty_general FOR '$XSS' OCCURRED NOW - 10 DAYS
  SOURCE 'xm-market' REF '<b>x</b>' DATA {"authority": "<img src=x onerror=alert(2)>"};
RECORD penalty_general FOR '$PERSON' OCCURRED NOW - 10 DAYS
  SOURCE 'xm-police' REF '厦公罚〔2026〕5号' DATA {"amount_wan": 0.05};
REPAIR EVENT 2 REASON '信用修复申请';
RETRACT EVENT 3 REASON '录入错误';
EOF
"$BIN/credo" "$T/store" --tz +08:00 -f "$T/setup.cql" >"$T/setup.out" 2>&1 &&
  "$BIN/credo" "$T/store" -f "$T/more.cql" >>"$T/setup.out" 2>&1 ||
  {
    echo "setup failed:"
    cat "$T/setup.out"
    exit 1
  }

start main --http-rate 0
echo "look-up at $WEB"

# ---------------------------------------------------------- the browser
if [ -x "$CHROMIUM" ]; then
  rm -f "$OUT"/*.png "$OUT"/report.pdf
  chrome --window-size=1100,900 --screenshot="$OUT/1-home.png" "$WEB/" >/dev/null
  Q=$(python3 -c 'import urllib.parse;print(urllib.parse.quote("鼓浪屿旅游"))')
  chrome --dump-dom "$WEB/search?q=$Q" >"$T/search.dom"
  has "browser: the search lists the company" '厦门鼓浪屿旅游有限公司' "$T/search.dom"
  chrome --window-size=1100,900 --screenshot="$OUT/2-search.png" \
    "$WEB/search?q=$Q" >/dev/null
  LINK=$(grep -o 'href="/subjects/[^"]*"' "$T/search.dom" | head -1 |
    sed 's/href="\(.*\)"/\1/')
  chrome --dump-dom "$WEB$LINK" >"$T/subject.dom"
  has "browser: the result link opens the subject" '<h1>厦门鼓浪屿旅游有限公司</h1>' "$T/subject.dom"
  chrome --window-size=1100,1500 --screenshot="$OUT/3-subject.png" \
    "$WEB$LINK" >/dev/null
  chrome --window-size=390,1400 --screenshot="$OUT/4-subject-phone.png" \
    "$WEB$LINK" >/dev/null
  REPORT=$(grep -o 'href="/subjects/[^"]*/report"' "$T/subject.dom" |
    head -1 | sed 's/href="\(.*\)"/\1/')
  chrome --window-size=1100,1500 --screenshot="$OUT/5-report.png" \
    "$WEB$REPORT" >/dev/null
  chrome --no-pdf-header-footer --print-to-pdf="$OUT/report.pdf" \
    "$WEB$REPORT" >/dev/null
  if head -c 5 "$OUT/report.pdf" 2>/dev/null | grep -q '%PDF-' &&
    [ "$(stat -c %s "$OUT/report.pdf")" -gt 10000 ]; then
    ok "browser: the report prints to PDF ($OUT/report.pdf)"
  else fail "browser: the report prints to PDF"; fi
  chrome --dump-dom "$WEB/subjects/$XSS" >"$T/xss.dom"
  hasnt "browser: a subject named <script> makes no script element" \
    '<script' "$T/xss.dom"
  has "browser: ... and shows the name as text" \
    '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$T/xss.dom"
  chrome --window-size=1100,900 --screenshot="$OUT/6-escaping.png" \
    "$WEB/subjects/$XSS" >/dev/null
  for f in 1-home 2-search 3-subject 4-subject-phone 5-report 6-escaping; do
    [ -s "$OUT/$f.png" ] || fail "browser: screenshot $f.png"
  done
else
  fail "browser: $CHROMIUM not found (Debian package chromium)"
fi

# ------------------------------------------------------------ the API
curl -s "$WEB/api/v1/search?q=$(python3 -c 'import urllib.parse;print(urllib.parse.quote("鼓浪屿"))')" >"$T/s1.json"
N1=$(jq '.results | length' "$T/s1.json")
AFTER=$(jq -r '.next_after' "$T/s1.json")
if [ "$N1" = 20 ] && [ "$AFTER" != null ]; then ok "api: search pages by 20"; else
  fail "api: search pages by 20 (got $N1, next $AFTER)"; fi
curl -s "$WEB/api/v1/search?q=%E9%BC%93%E6%B5%AA%E5%B1%BF&after=$AFTER" >"$T/s2.json"
N2=$(jq '.results | length' "$T/s2.json")
DUP=$(jq -r '.results[].id' "$T/s1.json" "$T/s2.json" | sort | uniq -d | wc -l)
if [ "$N2" = 6 ] && [ "$DUP" = 0 ] &&
  [ "$(jq -r .next_after "$T/s2.json")" = null ]; then
  ok "api: the second page holds the other 6, no repeats"
else fail "api: second page (got $N2, $DUP repeats)"; fi
status "api: a subject" 200 "$WEB/api/v1/subjects/$ORG"
if [ "$(jq -c .public_records "$T/body")" = \
  '{"adverse":1,"positive":2,"other":0}' ]; then
  ok "api: subject counts (1 adverse, 2 positive)"
else fail "api: subject counts ($(jq -c .public_records "$T/body"))"; fi
has "api: JSON content type" '^Content-Type: application/json' "$T/hdr"
status "api: its events" 200 "$WEB/api/v1/subjects/$ORG/events"
jq -r '.events[].decision_no' "$T/body" >"$T/refs"
has "api: the public penalty is listed" '厦市监罚〔2026〕12号' "$T/refs"
hasnt "api: the repaired and retracted records are not" 'REPAIRED|RETRACTED' "$T/body"
hasnt "api: no version, actor or reason is exposed" '"(actor|reason|version|op)"' "$T/body"
status "api: a record" 200 "$WEB/api/v1/events/1"
has "api: record fields" '"decision_no":"厦市监罚〔2026〕12号".*' "$T/body"
status "api: a repaired record is 404" 404 "$WEB/api/v1/events/2"
has "api: JSON error with a code" '"error":\{.*"code":"not_found"' "$T/body"
status "api: a retracted record is 404" 404 "$WEB/api/v1/events/3"
status "api: a malformed id is 404" 404 "$WEB/api/v1/events/1x"
status "api: an unknown subject is 404" 404 "$WEB/api/v1/subjects/91350100M000100Y4Z"
status "api: an unknown path is 404" 404 "$WEB/api/v1/nothing"
has "api: ... with a JSON error" '"code":"not_found"' "$T/body"
status "api: q is required" 400 "$WEB/api/v1/search"
status "api: one character is refused" 400 "$WEB/api/v1/search?q=%E9%BC%93"
has "api: ... with a message" '"code":"bad_request"' "$T/body"
status "api: the <script> subject" 200 "$WEB/api/v1/subjects/$XSS"
has "api: markup characters are \\u escaped" '\\u003cscript\\u003e' "$T/body"
hasnt "api: ... never raw" '<script' "$T/body"

# ------------------------------------------------- conditional requests
status "etag: first answer" 200 "$WEB/subjects/$ORG"
ETAG=$(sed -n 's/^ETag: *\([^[:space:]]*\).*/\1/Ip' "$T/hdr")
has "etag: Last-Modified is sent" '^Last-Modified: ' "$T/hdr"
status "etag: If-None-Match gives 304" 304 -H "If-None-Match: $ETAG" "$WEB/subjects/$ORG"
status "etag: another tag gives 200" 200 -H 'If-None-Match: "0"' "$WEB/subjects/$ORG"
status "etag: the API too" 200 "$WEB/api/v1/events/1"
ETAG=$(sed -n 's/^ETag: *\([^[:space:]]*\).*/\1/Ip' "$T/hdr")
status "etag: API 304" 304 -H "If-None-Match: $ETAG" "$WEB/api/v1/events/1"

# ----------------------------------------------------------- the pages
status "page: home" 200 "$WEB/"
has "page: the search box has a label" '<label for="q">' "$T/body"
has "page: lang zh-CN" '<html lang="zh-CN">' "$T/body"
status "page: subject" 200 "$WEB/subjects/$ORG"
has "page: adverse group" '失信信息（不良记录）（1 条）' "$T/body"
has "page: positive group" '守信信息（良好记录）（2 条）' "$T/body"
has "page: decision number, authority, dates" '厦市监罚〔2026〕12号.*' "$T/body"
has "page: the authority from the data" '厦门市市场监督管理局' "$T/body"
hasnt "page: repaired and retracted records never appear" 'REPAIRED|RETRACTED' "$T/body"
status "page: report" 200 "$WEB/subjects/$ORG/report"
has "page: the report has its title, date and repair note" '<h1>信用报告</h1>' "$T/body"
has "page: ... a date" '报告日期</dt><dd>20[0-9][0-9]-' "$T/body"
has "page: ... the repair note" '信用修复' "$T/body"
hasnt "page: the report leaves out repaired records" 'REPAIRED|RETRACTED' "$T/body"
status "page: a record" 200 "$WEB/events/1"
status "page: a repaired record is 404" 404 "$WEB/events/2"
status "page: a retracted record is 404" 404 "$WEB/events/3"
status "page: the <script> subject" 200 "$WEB/subjects/$XSS"
has "escaping: the name is text" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$T/body"
has "escaping: data values too" '&lt;img src=x onerror=alert\(2\)&gt;' "$T/body"
has "escaping: the decision number too" '&lt;b&gt;x&lt;/b&gt;' "$T/body"
hasnt "escaping: no raw markup from the store" '<script|<img|<b>' "$T/body"
status "escaping: the search text is reflected as text" 200 \
  "$WEB/search?q=%3Cscript%3Ealert(1)%3C/script%3E"
has "escaping: ... escaped" '“&lt;script&gt;alert\(1\)&lt;/script&gt;”' "$T/body"
hasnt "escaping: ... never raw" '<script' "$T/body"
status "page: style sheet" 200 "$WEB/static/style.css"
has "page: the print layout" '@media print' "$T/body"

# ---------------------------------------------------- persons and masking
status "person: found by the full id" 200 "$WEB/search?q=$PERSON"
has "person: the result" '张三' "$T/body"
curl -s "$WEB/api/v1/search?q=$(python3 -c 'import urllib.parse;print(urllib.parse.quote("张三"))')" >"$T/p.json"
if [ "$(jq '.results | length' "$T/p.json")" = 0 ]; then
  ok "person: not found by name"
else fail "person: not found by name"; fi
status "person: the subject API" 200 "$WEB/api/v1/subjects/$PERSON"
if [ "$(jq -r .id "$T/body")" = "$PERSON_MASKED" ]; then
  ok "person: the id is masked ($PERSON_MASKED)"
else fail "person: the id is masked (got $(jq -r .id "$T/body"))"; fi
status "person: the events API" 200 "$WEB/api/v1/subjects/$PERSON/events"
hasnt "person: events carry no full id" "$PERSON" "$T/body"
status "person: the page" 200 "$WEB/subjects/$PERSON"
# the URL the visitor typed holds the id; the page text must not
sed 's/href="[^"]*"//g' "$T/body" >"$T/text"
hasnt "person: the page shows no full id" "$PERSON" "$T/text"

# -------------------------------------------------- methods and headers
status "headers: page" 200 "$WEB/"
has "headers: CSP without scripts" "^Content-Security-Policy: default-src 'none'; style-src 'self'" "$T/hdr"
hasnt "headers: CSP allows no script source" 'script-src' "$T/hdr"
has "headers: nosniff" '^X-Content-Type-Options: nosniff' "$T/hdr"
has "headers: frames denied" '^X-Frame-Options: DENY' "$T/hdr"
has "headers: no referrer" '^Referrer-Policy: no-referrer' "$T/hdr"
status "headers: on a 404 too" 404 "$WEB/nothing/here"
has "headers: CSP on errors" '^Content-Security-Policy: ' "$T/hdr"
status "method: HEAD" 200 -I "$WEB/subjects/$ORG"
has "method: HEAD tells the length" '^Content-Length: [1-9]' "$T/hdr"
hasnt "method: HEAD has no body" '<html' "$T/body"
status "method: POST refused" 405 -X POST -d 'q=x' "$WEB/search"
has "method: Allow: GET, HEAD" '^Allow: GET, HEAD' "$T/hdr"
status "method: PUT refused" 405 -X PUT "$WEB/api/v1/events/1"
has "method: ... with a JSON error" '"code":"method_not_allowed"' "$T/body"
status "method: DELETE refused" 405 -X DELETE "$WEB/api/v1/events/1"
status "limit: a body on GET" 413 -X GET --data-binary 'abc' "$WEB/"
LONG=$(head -c 3000 /dev/zero | tr '\0' a)
status "limit: a long URL is 414" 414 "$WEB/subjects/$LONG"
BIG=$(head -c 40000 /dev/zero | tr '\0' b)
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $BIG" "$WEB/")
case $CODE in 4[0-9][0-9] | 000) ok "limit: huge headers refused ($CODE)" ;;
*) fail "limit: huge headers refused (got $CODE)" ;; esac
Q201=$(python3 -c 'print("a"*201)')
status "limit: a search text over 200 bytes" 400 "$WEB/api/v1/search?q=$Q201"

# a client that sends half a request and waits is closed by the server
# (libmicrohttpd's connection timeout, 10 s); the check waits at most 30 s
if python3 - "${WEB#http://}" <<'EOF'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
s.settimeout(30)
try:
    sys.exit(0 if s.recv(4096) == b"" else 1)
except ConnectionResetError:
    sys.exit(0)
except socket.timeout:
    sys.exit(1)
EOF
then ok "limit: a slow client is closed"; else fail "limit: a slow client is closed"; fi

# ----------------------------------------------------------- traversal
for p in '/static/../../../../etc/passwd' '/static/%2e%2e/%2e%2e/etc/passwd' \
  '/subjects/..%2f..%2fetc%2fpasswd' '/..' '/static/' '/static/style.css/..'; do
  CODE=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' "$WEB$p")
  if [ "$CODE" = 404 ] && ! grep -q 'root:' "$T/body"; then
    ok "traversal: $p is 404"
  else fail "traversal: $p (got $CODE)"; fi
done

# ----------------------------------------------------------- rate limit
# this server takes the look-up's address and rate from its config file
printf 'http = 127.0.0.1:0\nhttp-rate = 2\nhttp-threads = 2\n' >"$T/web.conf"
start limited --config "$T/web.conf"
URLS=()
for _ in $(seq 1 12); do URLS+=("$WEB/api/v1/events/1"); done
curl -s -o /dev/null -w '%{http_code}\n' "${URLS[@]}" >"$T/codes"
N429=$(grep -c '^429$' "$T/codes")
N200=$(grep -c '^200$' "$T/codes")
if [ "$N429" -ge 1 ] && [ "$N200" -ge 1 ]; then
  ok "rate limit: $N200 answered, $N429 refused with 429"
else fail "rate limit: 12 fast requests at 2/s ($(tr '\n' ' ' <"$T/codes"))"; fi
curl -s -o /dev/null -o /dev/null -o /dev/null "$WEB/api/v1/events/1" \
  "$WEB/api/v1/events/1" "$WEB/api/v1/events/1"
status "rate limit: 429 says when to retry" 429 "$WEB/api/v1/events/1"
has "rate limit: Retry-After" '^Retry-After: 1' "$T/hdr"
has "rate limit: JSON error" '"code":"too_many_requests"' "$T/body"

# ----------------------------------------------------------------- logs
kill -TERM "${PIDS[@]}" 2>/dev/null
wait 2>/dev/null
PIDS=()
cat "$T/main.log" "$T/limited.log" >"$T/all.log"
has "log: one line per request with its route" 'event=http method=GET route=/subjects/\{id\} status=200' "$T/all.log"
hasnt "log: no resident id" "$PERSON|11010519" "$T/all.log"
hasnt "log: no search text" '鼓浪屿|张三|%E9%BC%93' "$T/all.log"
has "log: stopped cleanly" 'event=stopped' "$T/main.log"
hasnt "no sanitizer report (with BUILD=build/asan)" \
  'AddressSanitizer|LeakSanitizer|runtime error:' "$T/all.log"

echo "web.sh: $((CHECKS - FAILS)) of $CHECKS checks passed"
[ "$FAILS" -eq 0 ]
