#!/usr/bin/env bash
# causalmon align end to end: the file source, every line format, log series and templates,
# CSV replay, pacing, and bad input counted (not fatal) or refused with exit 2.
# usage: test_align_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
. "$(dirname "$0")/lib.sh"

cat >"$TMP/m.lp" <<'LP'
cpu,host=b,dc=x usage=1.5 1700000000000000000
cpu,host=b,dc=x usage=2.5 1700000000500000000
mem free=10i 1700000001000000000
bad line here
cpu,host=b,dc=x usage=NaN 1700000002000000000
mem free=12i 1700000003000000000
LP
expect_exit "line_protocol_file_aligns_with_rejects_counted" 0 "rejected: syntax=1 bad_value=1" \
  "$BIN" align --input "$TMP/m.lp" --bucket 1s
printf 'time,"cpu.usage{dc=x,host=b}",mem.free\n1700000000,2,\n1700000001,2,10\n1700000002,2,10\n1700000003,2,12\n' >"$TMP/want"
if cmp -s "$TMP/out" "$TMP/want"; then ok "line_protocol_rows_mean_and_carry_forward"; else
  bad "line_protocol_rows_mean_and_carry_forward" "got: $(cat "$TMP/out")"; fi

expect_exit "stdin_with_explicit_format" 0 "" sh -c "\"$BIN\" align --input - --format influx < \"$TMP/m.lp\""
expect_in "stdin_gives_the_same_rows" "$TMP/out" "1700000003,2,12"

cat >"$TMP/app.jsonl" <<'JS'
{"@timestamp": 1700000000.1, "log": "user 1 logged in", "level": "info"}
{"@timestamp": 1700000000.7, "log": "user 2 logged in", "level": "info"}
{"timestamp": "2023-11-14T22:13:21.5Z", "message": "connection refused to db1.prod.local:5432", "level": "ERROR"}
not json
{"timestamp": "2023-11-14T22:13:23.5Z", "message": "user 3 logged in", "level": "WARNING"}
JS
expect_exit "fluent_bit_logs_become_count_series" 0 "rejected: syntax=1" \
  "$BIN" align --input "$TMP/app.jsonl" --format fluentbit --stream web --templates "$TMP/tpl.json"
expect_in "log_count_series_and_zero_filled_buckets" "$TMP/out" \
  "time,log.web.tpl1,log.web.level.INFO,log.web.tpl2,log.web.level.ERROR,log.web.level.WARN" \
  "1700000000,2,2,0,," "1700000001,0,0,1,1," "1700000002,0,0,0,0," "1700000003,1,0,0,0,1"
expect_in "templates_listed_with_text" "$TMP/tpl.json" '"log.web.tpl1": "user <#> logged in"' \
  '"log.web.tpl2": "connection refused to <#>"'

printf 'time,a,b\n100,1,2\n101,3,\n102,5,6\n' >"$TMP/t.csv"
expect_exit "csv_replays_row_by_row" 0 "" "$BIN" align --input "$TMP/t.csv" --max-gap 0
expect_in "csv_rows" "$TMP/out" "time,a,b" "100,1,2" "101,3," "102,5,6"

# pacing: 3 buckets at speed 2 take about 1 s (two waits of 0.5 s)
start=$(date +%s.%N)
"$BIN" align --input "$TMP/t.csv" --speed 2 >/dev/null 2>&1
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
if awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 3) }'; then ok "speed_paces_by_event_time ($took s)"; else
  bad "speed_paces_by_event_time" "took $took s"; fi

# a line longer than the 1 MiB chunk is skipped and counted; the rest goes on
{ head -c 1200000 /dev/zero | tr '\0' 'a'; echo; echo "ok v=1 1700000000000000000"; } >"$TMP/long.lp"
expect_exit "over_long_line_is_counted_not_fatal" 0 "line_too_long=1" "$BIN" align --input "$TMP/long.lp"
expect_in "the_line_after_it_is_read" "$TMP/out" "ok.v"

expect_exit "late_records_are_counted" 0 "late=1" sh -c \
  "printf 'a v=1 5000000000\na v=1 9000000000\na v=1 1000000000\n' | \"$BIN\" align --input - --format influx"
# multi-tag series names hold commas: align quotes them, and discover reads them back
awk 'BEGIN { srand(7); x = 0; y = 0; z = 0
  for (t = 0; t < 300; t++) { xn = rand(); y = 0.8 * x + 0.2 * rand(); z = 0.5 * rand()
    ts = (1700000000 + t) "000000000"
    printf "cpu,host=a,dc=x v=%.6f %s\n", xn, ts
    printf "cpu,host=b,dc=x v=%.6f %s\n", y, ts
    printf "mem,host=a,dc=\"y\" v=%.6f %s\n", z, ts; x = xn } }' >"$TMP/tags.lp"
expect_exit "multi_tag_series_align" 0 "" "$BIN" align --input "$TMP/tags.lp"
cp "$TMP/out" "$TMP/tags.csv"
expect_in "multi_tag_headers_are_quoted" "$TMP/tags.csv" \
  'time,"cpu.v{dc=x,host=a}","cpu.v{dc=x,host=b}","mem.v{dc=""y"",host=a}"'
expect_exit "quoted_headers_round_trip_through_discover" 0 "" \
  "$BIN" discover --input "$TMP/tags.csv" --tau-max 1
expect_in "discover_names_the_multi_tag_series" "$TMP/out" '"cpu.v{dc=x,host=a}"' \
  '"cpu.v{dc=x,host=b}"' '"mem.v{dc=\"y\",host=a}"'

expect_exit "missing_file_exit_2" 2 "nope.lp" "$BIN" align --input "$TMP/nope.lp"
expect_exit "unknown_format_exit_2" 2 "unknown format 'xml'" "$BIN" align --input "$TMP/m.lp" --format xml
expect_exit "bad_bucket_exit_2" 2 "--bucket: '0s'" "$BIN" align --input "$TMP/m.lp" --bucket 0s
expect_exit "series_cap_counts" 0 "series_cap=2" "$BIN" align --input "$TMP/m.lp" --max-series 1
finish
