# bench/real-sets.sh - sourced by the benches on the real incident sets (bench/rca-real.sh,
# bench/rca-replay.sh): conversions of the sets under ../shared/data into causalmon's CSV.

# boutique_csv DAY_DIR OUT: the pods' metric files and the frontend SLO file merged on the
# minute of their wall-clock Time column (UTC; the TimeStamp column holds a few wrong values),
# columns service|metric. Rows of another date than the directory's are left out. Unless
# EDGES=0, the latency callers measure per call edge (source_50.csv, columns CALLER_CALLEE)
# is added as the callee's series CALLEE|call_latency_from_CALLER(s).
boutique_csv() {
  local day files
  day=$(basename "$1")
  files=("$1"/metric/*_metric.csv "$1/metric/front_service.csv")
  [ "${EDGES:-1}" = 1 ] && [ -f "$1/metric/source_50.csv" ] && files+=("$1/metric/source_50.csv")
  awk -F, -v out="$2" -v day="$day" -v base="$(date -u -d "$day" +%s)" '
    { sub(/\r$/, "") }
    FNR == 1 {
      file = FILENAME; sub(/.*\//, "", file)
      edges = file == "source_50.csv"
      if (file == "front_service.csv") { svc = "frontend"; pre = "slo_"; first = 4 }
      else if (edges) first = 3
      else { svc = file; sub(/_metric\.csv$/, "", svc); sub(/-[^-]*-[^-]*$/, "", svc); pre = ""; first = 4 }
      for (i = first; i <= NF; i++) {
        if (edges) { split($i, cc, "_"); name = cc[2] "|call_latency_from_" cc[1] "(s)" }
        else name = svc "|" pre $i
        if (!(name in cid)) { cid[name] = ++nc; cname[nc] = name }; fcol[file, i] = cid[name] }
      ffirst[file] = first; fnf[file] = NF; next }
    substr($1, 1, 10) != day { next }
    { t = substr($1, 12, 2) * 60 + substr($1, 15, 2); if (!seen++ || t < tmin) tmin = t; if (t > tmax) tmax = t
      for (i = ffirst[file]; i <= fnf[file]; i++) if ($i != "") v[t, fcol[file, i]] = $i }
    END {
      printf "time" > out; for (c = 1; c <= nc; c++) printf ",%s", cname[c] > out; printf "\n" > out
      for (t = tmin; t <= tmax; t++) {
        printf "%d", base + t * 60 > out; for (c = 1; c <= nc; c++) printf ",%s", ((t, c) in v) ? v[t, c] : "" > out
        printf "\n" > out } }' "${files[@]}"
}
