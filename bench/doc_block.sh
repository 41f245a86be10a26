# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the benchmarks: writing their table into a document between markers.
# Needs tests/e2e/lib.sh (E2E_TMP, e2e_log) and a shell function `versions` that prints the
# run's facts (latency model, versions, host).

# bench_write_doc DOC NAME COMMAND TABLE: writes COMMAND, the output of `versions` and the file
# TABLE into DOC between the lines <!-- NAME:begin --> and <!-- NAME:end -->, replacing what was
# there; without both markers the block is appended (DOC is created if missing).
bench_write_doc() {
  local doc=$1 name=$2 command=$3 table=$4
  local block=$E2E_TMP/block-$name.md out=$E2E_TMP/doc-$name.md
  {
    echo "<!-- $name:begin -->"
    echo 'Command (from the repository root, after building):'
    echo
    echo '```sh'
    echo "$command"
    echo '```'
    echo
    versions
    echo
    cat "$table"
    echo "<!-- $name:end -->"
  } >"$block"
  if [[ -f $doc ]] && grep -q "^<!-- $name:begin -->" "$doc" && grep -q "^<!-- $name:end -->" "$doc"; then
    awk -v block="$block" -v begin="<!-- $name:begin -->" -v end="<!-- $name:end -->" '
      $0 == begin { while ((getline l < block) > 0) print l; skip = 1; next }
      $0 == end { skip = 0; next }
      !skip' "$doc" >"$out"
  elif [[ -s $doc ]]; then
    { cat "$doc"; echo; cat "$block"; } >"$out"
  else
    { echo '# Benchmarks'; echo; cat "$block"; } >"$out"
  fi
  cat "$out" >"$doc"
  e2e_log "wrote $doc"
}
