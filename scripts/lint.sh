#!/usr/bin/env bash
# npm run lint: ESLint (eslint.config.mjs), Prettier (.prettierrc.json) on the TypeScript and
# the scripts, clang-format (.clang-format) on the C++ of native/ and scripts/. All three run;
# the exit status is 1 if any of them found something.
#   scripts/lint.sh          check only
#   scripts/lint.sh --fix    npm run format: rewrite the files (prettier --write, clang-format -i, eslint --fix)
set -u
cd "$(dirname "$0")/.."
fix=false
[ "${1:-}" = "--fix" ] && fix=true
prettier_files=('src/**/*.ts' 'test/**/*.ts' 'scripts/**/*.js' '*.mjs')
mapfile -d '' cpp_files < <(find native scripts \( -name '*.cpp' -o -name '*.h' \) -print0 | sort -z)
status=0

if $fix; then
  npx prettier --log-level warn --write "${prettier_files[@]}" || status=1
else
  npx prettier --log-level warn --check "${prettier_files[@]}" || status=1
fi

if command -v clang-format >/dev/null; then
  if $fix; then
    clang-format -i "${cpp_files[@]}" || status=1
  else
    clang-format --dry-run -Werror "${cpp_files[@]}" || status=1
  fi
else
  echo "lint: clang-format is not installed (Debian: apt-get install clang-format); native/ was not checked" >&2
  status=1
fi

if $fix; then npx eslint --fix . || status=1; else npx eslint . || status=1; fi
exit $status
