#!/usr/bin/env bash
# Rebuilds admin_ui/vendor/codemirror/codemirror.js, the one ES module the admin UI
# imports CodeMirror 6 from, and THIRD_PARTY_LICENSES.txt beside it, from entry.js and
# the exact versions in package.json / package-lock.json there. Needs node and npm;
# run it only to change CodeMirror: serving the admin UI needs no build step.
set -euo pipefail

vendor="$(cd "$(dirname "$0")/.." && pwd)/admin_ui/vendor/codemirror"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$vendor/package.json" "$vendor/package-lock.json" "$vendor/entry.js" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
npx esbuild entry.js --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --metafile=meta.json --outfile=codemirror.js

# Every package that has code in the bundle, with its version and licence text.
node - <<'JS' > THIRD_PARTY_LICENSES.txt
const fs = require("fs");
const inputs = Object.keys(JSON.parse(fs.readFileSync("meta.json", "utf8")).inputs);
const dirs = new Set(inputs.map((file) => file.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]).filter(Boolean));
console.log("Licences of the packages bundled into codemirror.js (scripts/build_codemirror.sh).\n");
for (const name of [...dirs].sort()) {
  const dir = `node_modules/${name}`;
  const pkg = JSON.parse(fs.readFileSync(`${dir}/package.json`, "utf8"));
  const file = fs.readdirSync(dir).find((entry) => /^licen[sc]e/i.test(entry));
  console.log(`==== ${name}@${pkg.version} (${pkg.license}) ====\n`);
  console.log(fs.readFileSync(`${dir}/${file}`, "utf8").trim() + "\n");
}
JS
cp codemirror.js THIRD_PARTY_LICENSES.txt "$vendor/"
cp node_modules/@codemirror/view/LICENSE "$vendor/LICENSE"
echo "wrote $vendor/codemirror.js ($(wc -c < codemirror.js) bytes)"
