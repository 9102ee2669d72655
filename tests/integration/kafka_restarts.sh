# Restarts of the daemon in the middle of a Kafka ingest, compared with an uninterrupted run
# (sourced by test_kafka_restarts_lose_nothing.sh and bench/kafka-restarts.sh; needs lib.sh and
# start_broker first). Each round has its own topic: a producer writes SAMPLES numbered samples
# (kproduce: 100 series, one sample per ms of event time) in 10 batches (PRODUCE_PAUSE seconds
# apart, default 1) while the daemon under
# test reads it and is stopped KILLS times (SIGKILL or SIGTERM) at random moments and started
# again; a reference daemon in another group reads the same topic meanwhile, without a stop. Both end with every record
# read, the idle flush and a checkpoint, and their windows are compared cell by cell.
#
# round TOOLS BIN TOPIC SAMPLES KILLS SIGNAL CHECKPOINT_EVERY -> sets LOST WRONG EXTRA CELLS, and
# LATE: records the two daemons' last runs counted as late (partition skew must not make any)

daemon_conf() { # daemon_conf DIR TOPIC GROUP PORT WINDOW CHECKPOINT_EVERY
    cat > "$1/d.yaml" <<CONF
state_dir: $1/state
log_level: ${DAEMON_LOG_LEVEL:-info}
idle_flush: 2s
$([ -n "$6" ] && echo "checkpoint_every: $6")
inputs:
  - {name: k, type: kafka, brokers: "$BOOTSTRAP", topics: [$2], group: $3, format: influx,
     rdkafka: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}}
alerts: {endpoint: "tcp://127.0.0.1:$4"}
query: {endpoint: "tcp://127.0.0.1:$(($4 + 1))"}
scopes:
  - {name: kt, match: ["kt*"], window: $5, max_series: 200, refresh_every: 100000}
CONF
}

# status of the daemon whose query port is $1
kstatus() { "$BIN" query --timeout 2 --connect "tcp://127.0.0.1:$(($1 + 1))" status 2> /dev/null; }
# records read in this run
reading() { kstatus "$1" | grep -q '"records":[1-9]'; }
# every partition assigned and read to its end
caught_up() {
    local s
    s=$(kstatus "$1") || return 1
    echo "$s" | grep -q '"lag":\[{' || return 1
    ! echo "$s" | grep -o '"lag":-\?[0-9][0-9]*' | grep -qv '"lag":0$'
}

# finish_daemon PID PORT: waits until all is read and closed by the idle flush and checkpointed,
# then stops it with SIGTERM; returns its exit status
finish_daemon() {
    wait_for 120 caught_up "$2" || echo "# daemon on $2 did not catch up: $(kstatus "$2")"
    sleep 4 # idle flush (2 s) and the checkpoint after it
    LAST_STATUS=$(kstatus "$2")
    kill -TERM "$1"
    wait "$1"
}

round() {
    local tools=$1 bin=$2 topic=$3 samples=$4 kills=$5 sig=$6 every=$7
    local dir="$WORK/$topic" port=$(free_base)
    BIN=$bin
    mkdir -p "$dir/dut" "$dir/ref"
    local window=$((samples / 1000 + 20))
    daemon_conf "$dir/dut" "$topic" "dut-$topic" "$port" "$window" "$every"
    daemon_conf "$dir/ref" "$topic" "ref-$topic" $((port + 2)) "$window" "$every"
    # producer: 10 batches, one after another, each continuing the event time
    local per=$((samples / 10))
    (for b in $(seq 0 9); do
        "$tools/kproduce" "$BOOTSTRAP" "$topic" "$per" 20 0 $((1700000000000000000 + b * per * 1000000)) > /dev/null || exit 1
        sleep "${PRODUCE_PAUSE:-1}"
    done) &
    local prod=$!
    "$bin" run --config "$dir/ref/d.yaml" 2> "$dir/ref/err" &
    local ref=$!
    "$bin" run --config "$dir/dut/d.yaml" 2>> "$dir/dut/err" &
    local d=$!
    for k in $(seq "$kills"); do
        wait_for 30 reading "$port" # assigned and reading
        sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.1 + 1.5 * r / 32768 }')"
        local recs
        recs=$(kstatus "$port" | grep -o '"records":[0-9]*' | head -1)
        echo "# $topic: stop $k with SIG$sig after ${recs#*:} records in this run"
        kill "-$sig" "$d"
        wait "$d"
        local rc=$?
        [ "$sig" = TERM ] && [ "$rc" -ne 0 ] && fail "$topic: SIGTERM exit status $rc"
        "$bin" run --config "$dir/dut/d.yaml" 2>> "$dir/dut/err" &
        d=$!
    done
    wait "$prod" || fail "$topic: produce"
    wait_for 120 caught_up $((port + 2)) || echo "# reference did not catch up"
    finish_daemon "$d" "$port" || fail "$topic: the last run exited non-zero"
    local dut_status=$LAST_STATUS
    LAST_STATUS=$(kstatus $((port + 2)))
    kill -TERM "$ref"
    wait "$ref" || fail "$topic: the reference run exited non-zero"
    "$tools/ckwindows" "$dir/ref/state/checkpoint.json" | sort > "$dir/ref.cells"
    "$tools/ckwindows" "$dir/dut/state/checkpoint.json" | sort > "$dir/dut.cells"
    CELLS=$(wc -l < "$dir/ref.cells")
    read -r LOST WRONG EXTRA < <(awk 'NR == FNR { ref[$1 " " $2 " " $3] = $4; next }
        { k = $1 " " $2 " " $3; if (!(k in ref)) extra++; else { seen[k] = 1; if (ref[k] != $4) wrong++ } }
        END { for (k in ref) if (!(k in seen)) lost++; print lost + 0, wrong + 0, extra + 0 }' \
        "$dir/ref.cells" "$dir/dut.cells")
    local dups late_of
    dups=$(grep -c "restored the checkpoint" "$dir/dut/err")
    late_of() { # the aligner's late count in a status (unknown: a number no check accepts)
        local v
        v=$(echo "$1" | grep -o '"aligner":{[^}]*}' | grep -o '"late":[0-9]*' | cut -d: -f2)
        echo "${v:-999999}"
    }
    LATE=$(($(late_of "$dut_status") + $(late_of "$LAST_STATUS")))
    echo "# $topic: last run's aligner $(echo "$dut_status" | grep -o '"aligner":{[^}]*}'); reference's $(echo "$LAST_STATUS" | grep -o '"aligner":{[^}]*}')"
    echo "# $topic: $CELLS cells in the reference window ($((CELLS / 100)) buckets x 100 series); after $kills SIG$sig: lost $LOST, wrong $WRONG, extra $EXTRA; $dups restore(s)"
}
