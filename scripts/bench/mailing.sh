#!/usr/bin/env bash
# Steward's mailing benchmarks (`make bench` runs this after run.sh), in one run on this machine:
#
#   1. CSV import: 100,000 subscribers with `steward subscribers import` (target ≥ 20,000 per second).
#   2. Campaign sending: 100,000 personalised messages from `steward campaign send` to Postfix's smtp-sink on
#      loopback, against Postfix's smtp-source sending the same number of messages of the same size to the same
#      sink with the same number of parallel sessions (target ≥ 0.7×), and Steward's peak RSS (target ≤ 150 MB).
#
# Writes its section of docs/BENCHMARKS.md (between the mailing markers, replacing an earlier one).
# Needs: the Swift toolchain, Postfix's smtp-source and smtp-sink (Debian's postfix, installed when missing),
# GNU time (Debian's time), python3. BENCH_MAIL_MESSAGES changes the count (default 100000), BENCH_MAIL_SESSIONS
# the parallel connections (default 32), BENCH_SKIP_BUILD=1 reuses the release build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
SCRATCH=$ROOT/.build-bench
REPORT=$ROOT/docs/BENCHMARKS.md
MESSAGES=${BENCH_MAIL_MESSAGES:-100000}
SESSIONS=${BENCH_MAIL_SESSIONS:-32}
export PATH="$PATH:/usr/sbin"

say() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

PIDS=()
WORK=$(mktemp -d /tmp/steward-mailbench.XXXXXX)
chmod 755 "$WORK"
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- tools ----------------------------------------------------------------------------------------------------------

if ! command -v smtp-source >/dev/null || ! command -v smtp-sink >/dev/null || ! [[ -x /usr/bin/time ]]; then
    say "installing postfix (smtp-source, smtp-sink) and time"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix time >/dev/null
fi

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    say "building steward (release, $SCRATCH)"
    swift build -c release --scratch-path "$SCRATCH" --product steward
fi
STEWARD=$SCRATCH/release/steward
[[ -x $STEWARD ]] || fail "$STEWARD is missing; run without BENCH_SKIP_BUILD"

# --- 1. import ------------------------------------------------------------------------------------------------------

DATA=$WORK/data
mkdir -p "$DATA"
export STEWARD_DATA_DIR=$DATA STEWARD_BASE_URL=https://news.example.com STEWARD_MAIL_FROM=news@example.com
python3 - "$MESSAGES" >"$WORK/subscribers.csv" <<'PY'
import sys
count = int(sys.argv[1])
print("email,name,consent_source,consented_at,tags")
for n in range(count):
    print(f"reader{n:06d}@example.net,Reader {n},bench sign-up sheet,2024-05-01,{'events' if n % 3 == 0 else 'news'}")
PY
"$STEWARD" migrate >/dev/null 2>&1 || "$STEWARD" migrate
say "1. import: steward subscribers import --list newsletter ($MESSAGES rows)"
IMPORT_START=$(date +%s.%N)
"$STEWARD" subscribers import --list newsletter "$WORK/subscribers.csv" | tail -n 1 | tee "$WORK/import.txt"
IMPORT_END=$(date +%s.%N)
IMPORT_SECONDS=$(python3 -c "print(f'{$IMPORT_END - $IMPORT_START:.2f}')")
IMPORT_RATE=$(python3 -c "print(int($MESSAGES / ($IMPORT_END - $IMPORT_START)))")
IMPORT_VERDICT=$(python3 -c "print('met' if $IMPORT_RATE >= 20000 else '**missed**')")

# --- 2. sending -----------------------------------------------------------------------------------------------------

cat >"$WORK/campaign.md" <<'MD'
# News from 7Contact Solutions

Dear {{#name}}{{name}}{{/name}}{{^name}}reader{{/name}},

This month we opened a **new support desk** in Brussels and added live chat to every plan. Here is what changed
and what it means for you.

- Answers within the hour, from people who know your account.
- A new self-service portal with your tickets and invoices.
- Longer opening hours on weekdays.

Read more on [our website](https://www.example.com/news). Thank you for reading, {{name}}.
MD
CAMPAIGN=$("$STEWARD" campaign create --list newsletter --subject 'News for {{name}}' --body-file "$WORK/campaign.md")

# The size of one rendered message, for smtp-source: a one-recipient trial written as a file (no relay set).
TRIAL_DATA=$WORK/trial
mkdir -p "$TRIAL_DATA"
STEWARD_DATA_DIR=$TRIAL_DATA "$STEWARD" migrate >/dev/null
printf 'email,name,consent_source,consented_at\nreader000001@example.net,Reader 1,bench,2024-05-01\n' >"$WORK/one.csv"
STEWARD_DATA_DIR=$TRIAL_DATA "$STEWARD" subscribers import --list newsletter "$WORK/one.csv" >/dev/null
TRIAL=$(STEWARD_DATA_DIR=$TRIAL_DATA "$STEWARD" campaign create --list newsletter --subject 'News for {{name}}' \
    --body-file "$WORK/campaign.md")
STEWARD_DATA_DIR=$TRIAL_DATA "$STEWARD" campaign send "$TRIAL" >/dev/null
MESSAGE_FILE=$(find "$TRIAL_DATA/outbox/campaigns" -name '*.eml' | head -n 1)
MESSAGE_BYTES=$(wc -c <"$MESSAGE_FILE")
HEADER_BYTES=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(d.index(b'\r\n\r\n') + 4)" "$MESSAGE_FILE")
BODY_BYTES=$((MESSAGE_BYTES - HEADER_BYTES))

SINK_PORT=$(free_port)
SINK_USER=()
((EUID == 0)) && SINK_USER=(-u nobody)
smtp-sink "${SINK_USER[@]}" -c 127.0.0.1:"$SINK_PORT" 1024 >"$WORK/sink.txt" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $SINK_PORT), 1)" 2>/dev/null && break
    sleep 0.1
done

say "2a. smtp-source -s $SESSIONS -d -m $MESSAGES -l $BODY_BYTES to smtp-sink"
SOURCE_START=$(date +%s.%N)
smtp-source -s "$SESSIONS" -d -m "$MESSAGES" -l "$BODY_BYTES" -f news@example.com -t reader@example.net \
    127.0.0.1:"$SINK_PORT"
SOURCE_END=$(date +%s.%N)
SOURCE_SECONDS=$(python3 -c "print(f'{$SOURCE_END - $SOURCE_START:.2f}')")
SOURCE_RATE=$(python3 -c "print(int($MESSAGES / ($SOURCE_END - $SOURCE_START)))")

say "2b. steward campaign send (STEWARD_MAIL_CONCURRENCY=$SESSIONS) to smtp-sink"
STEWARD_START=$(date +%s.%N)
STEWARD_SMTP_URL="smtp://127.0.0.1:$SINK_PORT?tls=none" STEWARD_MAIL_CONCURRENCY=$SESSIONS \
    /usr/bin/time -v -o "$WORK/time.txt" "$STEWARD" campaign send "$CAMPAIGN" | tail -n 2 | tee "$WORK/send.txt"
STEWARD_END=$(date +%s.%N)
STEWARD_SECONDS=$(python3 -c "print(f'{$STEWARD_END - $STEWARD_START:.2f}')")
SENT=$(sed -n 's/.*Done: \([0-9]*\) sent.*/\1/p' "$WORK/send.txt")
[[ $SENT == "$MESSAGES" ]] || fail "Steward sent ${SENT:-?} of $MESSAGES messages: $(cat "$WORK/send.txt")"
STEWARD_RATE=$(python3 -c "print(int($MESSAGES / ($STEWARD_END - $STEWARD_START)))")
PEAK_KB=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$WORK/time.txt")
PEAK_MB=$(python3 -c "print(f'{$PEAK_KB / 1024:.1f}')")
SEND_RATIO=$(python3 -c "print(f'{$STEWARD_RATE / $SOURCE_RATE:.2f}')")
SEND_VERDICT=$(python3 -c "print('met' if $STEWARD_RATE / $SOURCE_RATE >= 0.7 else '**missed**')")
RSS_VERDICT=$(python3 -c "print('met' if $PEAK_KB / 1024 <= 150 else '**missed**')")

# --- report ---------------------------------------------------------------------------------------------------------

SECTION=$WORK/section.md
cat >"$SECTION" <<EOF
<!-- mailing: written by scripts/bench/mailing.sh -->
## Mailing: import and campaign sending

Measured by \`bash scripts/bench/mailing.sh\` (also run by \`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'),
commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), release build, SQLite, on the machine described
above. Postfix $(postconf -d mail_version 2>/dev/null | awk '{ print $3 }').

| Measure | Steward | Reference | Ratio | Target | |
|---|---|---|---|---|---|
| CSV import, $MESSAGES subscribers (sealed, with consent records) | $IMPORT_RATE rows/s ($IMPORT_SECONDS s) | | | ≥ 20,000/s | $IMPORT_VERDICT |
| $MESSAGES personalised messages to smtp-sink, $SESSIONS connections | $STEWARD_RATE msg/s ($STEWARD_SECONDS s) | smtp-source: $SOURCE_RATE msg/s ($SOURCE_SECONDS s) | $SEND_RATIO | ≥ 0.7 | $SEND_VERDICT |
| Peak RSS of \`steward campaign send\` | $PEAK_MB MB | | | ≤ 150 MB | $RSS_VERDICT |

- Import: \`steward subscribers import --list newsletter\` of a generated CSV (email, name, consent_source,
  consented_at, tags), wall time of the whole command (start-up included), all or nothing in one transaction.
  Each row gets its own data key, sealed e-mail and name, a keyed fingerprint, a subscription and a consent record.
  Output: $(cat "$WORK/import.txt")
- Sending: one Postfix \`smtp-sink\` on loopback receives both runs. Reference: \`smtp-source -s $SESSIONS -d -m
  $MESSAGES -l $BODY_BYTES\` ($SESSIONS parallel sessions, connections kept open, $BODY_BYTES-byte bodies, the
  size of Steward's rendered body). Steward: \`steward campaign send\` (wall time of the whole command, start-up
  included) of a Markdown campaign with \`{{name}}\` personalisation to $MESSAGES imported subscribers, over
  $SESSIONS pooled connections with PIPELINING (each message's envelope written with the previous message's end);
  each message ($MESSAGE_BYTES bytes with headers: multipart text and
  HTML, List-Unsubscribe with a signed token per recipient) is rendered, the recipient's address and name are
  decrypted from their own data key, consent is checked per batch, and each accepted message is in the sent journal before the
  connection sends the next. Peak RSS from GNU time's "Maximum resident set size".
- Output: $(tr '\n' ' ' <"$WORK/send.txt")
<!-- /mailing -->
EOF

if [[ -f $REPORT ]] && grep -q '^<!-- mailing:' "$REPORT"; then
    python3 - "$REPORT" "$SECTION" <<'PY'
import re, sys
report, section = sys.argv[1], open(sys.argv[2]).read()
text = open(report).read()
text = re.sub(r"<!-- mailing:.*?<!-- /mailing -->\n?", lambda _: section, text, flags=re.S)
open(report, "w").write(text)
PY
else
    { [[ -f $REPORT ]] && echo; cat "$SECTION"; } >>"$REPORT"
fi
say "wrote the mailing section of $REPORT"
cat "$SECTION"
