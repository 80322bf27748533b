#!/bin/sh
# checksrc.sh: the mechanical part of the house style (../shared/STYLE.md):
# no C++ comments, no trailing white space, no line over 80 columns (tabs
# at 8), every file opens with a block comment.  Prints offenders; exits 1.
set -u
cd "$(dirname "$0")/.."
bad=0
for f in src/*.c src/*.h src/devnet/*.c src/devnet/*.h src/compat/*.c \
    tests/unit/*.c tests/unit/*.h tests/vectors/*.c tests/vectors/*.h \
    tests/fuzz/*.c; do
	[ -f "$f" ] || continue
	if ! head -n 1 "$f" | grep -q '^/\*'; then
		echo "$f:1: file does not open with a block comment"; bad=1
	fi
	awk -v f="$f" '
	{
		col = 0
		for (i = 1; i <= length($0); i++)
			col = substr($0, i, 1) == "\t" ? col + 8 - col % 8 : col + 1
		if (col > 80)
			{ printf "%s:%d: line over 80 columns\n", f, NR; bad = 1 }
		if ($0 ~ /[ \t]+$/)
			{ printf "%s:%d: trailing white space\n", f, NR; bad = 1 }
		if ($0 ~ /^[^"]*[^:"]\/\/ / || $0 ~ /^\/\//)
			{ printf "%s:%d: C++ comment\n", f, NR; bad = 1 }
	}
	END { exit bad }' "$f" || bad=1
done
exit $bad
