#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The documentation check (ctest docs_check, docs/development.md §9). Fails when
#   1. a file of the repository refers to a document outside it: a relative path that climbs
#      out of the repository root, or a section citation of a Markdown document that is not a
#      file of the repository;
#   2. a man page in docs/man does not render cleanly (groff -man -ww -z prints anything, or
#      man --warnings -l complains);
#   3. a long option that a program's help prints (its --help and each command's help) is
#      missing from its man page;
#   4. a relative Markdown link in README.md, a README.md of a folder or docs/*.md names a file
#      that does not exist.
# Usage: docs/check.sh [PROGRAM...]   programs as built (tscns, tscnsd, tscns-vcard,
#        tscns-portal); the man page is docs/man/<basename>.<section>. A program path that does
#        not exist is reported and not checked (the build may not have it).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
failures=0
fail() {
  printf 'docs_check: %s\n' "$*" >&2
  failures=$((failures + 1))
}

# The files of the repository: in a git work tree the tracked ones and new ones not ignored (so a
# change is checked before it is committed), else every file.
files=()
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' f; do [[ -f $f ]] && files+=("$f"); done \
    < <(git ls-files -z --cached --others --exclude-standard)
else
  while IFS= read -r -d '' f; do files+=("${f#./}"); done \
    < <(find . -path ./.git -prune -o -type f -print0)
fi
((${#files[@]} > 0)) || fail "no files found under $root"

# ---- 1. No reference to documents outside the repository: a user has only the repository.
# 1a. A relative path (../x) must not climb out of the repository root.
while IFS= read -r hit; do
  file=${hit%%:*}
  rest=${hit#*:}
  path=${rest#*:}
  target=$(realpath -m "$root/$(dirname "$file")/$path")
  [[ $target == "$root" || $target == "$root"/* ]] \
    || fail "$file:${rest%%:*}: $path points outside the repository"
done < <(printf '%s\0' "${files[@]}" | xargs -0 grep -I -n -o -E '(\.\./)+[A-Za-z0-9_.][A-Za-z0-9_./-]*' -- 2>/dev/null)
# 1b. A document cited with a section (its name ending in .md, then §N) must be a file of the
# repository. Man pages write the hyphen as \-.
declare -A docs_here=()
for f in "${files[@]}"; do [[ $f == *.md ]] && docs_here[${f##*/}]=1; done
while IFS= read -r hit; do
  file=${hit%%:*}
  rest=${hit#*:}
  name=${rest#*:}
  name=${name%% *}
  name=${name%)}
  name=${name%\`}
  name=${name//\\-/-}
  name=${name##*/}
  [[ -n ${docs_here[$name]:-} ]] \
    || fail "$file:${rest%%:*}: cites $name, which is not a file of the repository"
done < <(printf '%s\0' "${files[@]}" | xargs -0 grep -I -n -o -E '[A-Za-z0-9_./\\-]*[A-Za-z0-9_-]\.md`?\)? §' -- 2>/dev/null)

# ---- 2. Man pages render without warnings.
shopt -s nullglob
pages=(docs/man/*.[1-8])
((${#pages[@]} > 0)) || fail "no man pages in docs/man"
if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
  fail "groff and man are needed to check the man pages (Debian: groff-base, man-db)"
else
  for page in "${pages[@]}"; do
    out=$(groff -man -ww -z "$page" 2>&1)
    [[ -z $out ]] || fail "$page: groff -man -ww -z: $out"
    out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $out ]] || fail "$page: man --warnings: $out"
  done
fi

# ---- 3. Every long option of a program's help is in its man page.
# The man page's source with roff escapes undone: \- is -, font changes vanish.
man_text() { sed -E 's/\\-/-/g; s/\\f(\[[^]]*\]|\(..|.)//g; s/\\&//g' "$1"; }
# The help texts of a program: --help, then each command's help.
help_texts() {
  local prog=$1 name
  name=$(basename "$prog")
  local main
  main=$("$prog" --help 2>&1)
  printf '%s\n' "$main"
  # Command lines of the "Commands:" block: two spaces, the command words, two spaces.
  local cmds
  cmds=$(printf '%s\n' "$main" | awk '
    /^Commands:/ { on = 1; next }
    on && /^[^ ]/ { on = 0 }
    on && /^  [a-z]/ {
      line = substr($0, 3); sub(/  .*/, "", line)
      n = split(line, w, " "); out = ""
      for (i = 1; i <= n; i++) if (w[i] ~ /^[a-z][a-z0-9-]*$/) out = out (out ? " " : "") w[i]
      if (out != "" && out != "help") print out
    }' | sort -u)
  local cmd
  while IFS= read -r cmd; do
    [[ -z $cmd ]] && continue
    if [[ $name == tscns ]]; then
      "$prog" help "${cmd%% *}" 2>&1
    else
      # shellcheck disable=SC2086 # the command's words
      "$prog" $cmd --help 2>&1
    fi
  done <<<"$cmds"
}
for prog in "$@"; do
  if [[ ! -x $prog ]]; then
    printf 'docs_check: %s not built, its man page is not compared\n' "$prog" >&2
    continue
  fi
  name=$(basename "$prog")
  page=(docs/man/"$name".[1-8])
  if ((${#page[@]} != 1)); then
    fail "$name: no man page docs/man/$name.<section>"
    continue
  fi
  text=$(man_text "${page[0]}")
  options=$(help_texts "$prog" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u)
  [[ -n $options ]] || fail "$name: its help lists no long option (does --help work?)"
  while IFS= read -r opt; do
    [[ -z $opt ]] && continue
    grep -qE -- "(^|[^a-z0-9-])${opt}([^a-z0-9-]|$)" <<<"$text" \
      || fail "${page[0]}: $name's help lists $opt, the man page does not"
  done <<<"$options"
done

# ---- 4. Relative Markdown links point to files that exist.
docs=()
for f in "${files[@]}"; do
  case $f in
    README.md | */README.md | docs/*.md) [[ $f == docs/*/* ]] || docs+=("$f") ;;
  esac
done
for doc in "${docs[@]}"; do
  # Inline links [text](target "title") and reference definitions [x]: target, outside code.
  while IFS=$'\t' read -r line target; do
    path=${target%%#*}
    [[ -z $path ]] && continue
    path=$(printf '%b' "${path//%/\\x}") # %20 and friends
    if [[ $path == /* ]]; then
      fail "$doc:$line: absolute link $target (use a relative one)"
    elif [[ ! -e $(dirname "$doc")/$path ]]; then
      fail "$doc:$line: link to a missing file: $target"
    fi
  done < <(perl -ne '
    if (/^\s*(```|~~~)/) { $fence = !$fence; next }
    next if $fence;
    s/`[^`]*`//g;
    while (/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g) { print "$.\t$1\n" }
    print "$.\t$1\n" if /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/;
  ' "$doc" | grep -vE $'\t''([a-zA-Z][a-zA-Z0-9+.-]*:|#|//)')
done

if ((failures > 0)); then
  printf 'docs_check: %d problem(s)\n' "$failures" >&2
  exit 1
fi
printf 'docs_check: ok (%d files, %d man pages, %d programs, %d Markdown files)\n' \
  "${#files[@]}" "${#pages[@]}" "$#" "${#docs[@]}"
