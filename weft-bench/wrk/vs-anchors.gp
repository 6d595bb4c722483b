# Plot of one run-vs-anchors.sh run: req/s and p99 per system, for GET /users/{id} (admin key for weft), the same
# route with a user key (weft and weft-batching-off only; 0 elsewhere) and the cheapest route.
# Called by weft-bench/run-vs-anchors.sh as: gnuplot -e "datafile='...'; outfile='...'; title='...'" vs-anchors.gp
# datafile columns: "system" users_rps cheapest_rps users_p99_ms cheapest_p99_ms userkey_rps userkey_p99_ms
set terminal pngcairo size 1600,650 font "DejaVu Sans,11" noenhanced
set output outfile
set multiplot layout 1,2 title title font ",13"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside bottom center horizontal
set xtics rotate by -25 nomirror
set yrange [0:*]

set title "throughput, req/s (higher is better)"
plot datafile using 2:xtic(1) title "GET /users/{id} (weft: admin key)" lc rgb "#1f77b4", \
     '' using 6 title "GET /users/{id}, user key" lc rgb "#2ca02c", \
     '' using 3 title "cheapest route (/plaintext; weft /health/live)" lc rgb "#ff7f0e", \
     '' using ($0-0.3):2:(sprintf("%.0f", $2)) with labels offset 0,0.6 font ",7" notitle, \
     '' using ($0):6:($6 > 0 ? sprintf("%.0f", $6) : "") with labels offset 0,0.6 font ",7" notitle, \
     '' using ($0+0.3):3:($3 > 0 ? sprintf("%.0f", $3) : "") with labels offset 0,0.6 font ",7" notitle

set title "p99 latency, ms (lower is better)"
plot datafile using 4:xtic(1) title "GET /users/{id} (weft: admin key)" lc rgb "#1f77b4", \
     '' using 7 title "GET /users/{id}, user key" lc rgb "#2ca02c", \
     '' using 5 title "cheapest route" lc rgb "#ff7f0e", \
     '' using ($0-0.3):4:(sprintf("%.1f", $4)) with labels offset 0,0.6 font ",7" notitle, \
     '' using ($0):7:($7 > 0 ? sprintf("%.1f", $7) : "") with labels offset 0,0.6 font ",7" notitle, \
     '' using ($0+0.3):5:($5 > 0 ? sprintf("%.1f", $5) : "") with labels offset 0,0.6 font ",7" notitle
unset multiplot
