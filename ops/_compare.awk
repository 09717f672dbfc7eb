# ops/verify-backup.sh's verdict: reads the source's facts, the restored copy's facts
# (kind <TAB> name <TAB> value, one a line) and the checks on the copy alone (label <TAB>
# seen <TAB> ok / skipped / FAILED), prints a table and exits 1 on any difference.
# Run as: awk -F'\t' -f ops/_compare.awk source.facts restored.facts checks

function line(check, source_value, restored_value, verdict) {
    printf "%-48s %24s %24s  %s\n", check, source_value, restored_value, verdict
}

FILENAME == ARGV[1] { source[$1 FS $2] = $3; next }
FILENAME == ARGV[2] { restored[$1 FS $2] = $3; next }
{ checks[++checked] = $0 }

END {
    for (key in restored) if (!(key in source)) source[key] = "(missing)"
    for (key in source) if (!(key in restored)) restored[key] = "(missing)"
    failed = 0
    line("CHECK", "SOURCE", "RESTORED", "")

    # Every table: rows, and the fingerprint of their content. Sorted by name.
    n = 0
    for (key in source) if (index(key, "rows" FS) == 1) tables[++n] = key
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && tables[j - 1] > tables[j]; j--) {
            swap = tables[j]; tables[j] = tables[j - 1]; tables[j - 1] = swap
        }
    for (i = 1; i <= n; i++) {
        key = tables[i]
        split(source[key], s, " ")
        split(restored[key], r, " ")
        verdict = "ok"
        if (s[1] != r[1]) verdict = "ROW COUNT DIFFERS"
        else if (s[2] != r[2]) verdict = "CONTENT DIFFERS"
        if (verdict != "ok") failed = 1
        line("rows " substr(key, length("rows") + 2), s[1], r[1], verdict)
    }
    if (n == 0) { line("rows", "no tables", "", "FAILED"); failed = 1 }

    # The access log's latest row: its id and the md5 of the whole row.
    latest = ""
    for (key in source) if (index(key, "latest access-log row" FS) == 1) latest = key
    if (latest == "") {
        line("latest access-log row", "(not read)", "", "FAILED")
        failed = 1
    } else {
        split(source[latest], s, " ")
        split(restored[latest], r, " ")
        verdict = source[latest] == restored[latest] ? "ok" : "DIFFERS"
        if (verdict != "ok") failed = 1
        line("latest access-log row (id, row md5)", "id " s[1] " " substr(s[2], 1, 8),
             "id " r[1] " " substr(r[2], 1, 8), verdict)
    }

    # Owners, grants and triggers: counted, with every difference spelled out.
    kinds[1] = "owners and grants"
    kinds[2] = "triggers"
    for (k = 1; k <= 2; k++) {
        total = 0; different = 0; detail = ""
        for (key in source) {
            if (index(key, kinds[k] FS) != 1) continue
            total++
            if (source[key] != restored[key]) {
                different++
                detail = detail sprintf("    %s: %s -> %s\n",
                                        substr(key, length(kinds[k]) + 2), source[key], restored[key])
            }
        }
        line(kinds[k] " (" total ")", total - different " same", different " different",
             different ? "DIFFERS" : "ok")
        if (different) { failed = 1; printf "%s", detail }
    }

    for (i = 1; i <= checked; i++) {
        split(checks[i], c, FS)
        line(c[1], "", substr(c[2], 1, 24), c[3])
        if (c[3] != "ok" && c[3] != "skipped") { failed = 1; printf "    %s\n", c[2] }
    }
    exit failed
}
